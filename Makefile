# Top-level entry points.  See README.md.
#
#   make demo    install what is missing, build, boot a guest, show it working
#   make daemon  build/bin/vfsd alone (the vhost-user-fs host daemon)
#   make check   unit tests, fuzzing, root boot, the in-guest suites against
#                both transports and both daemons, on Debian 12's kernel and
#                (make check-trixie) on Debian 13's
#   make check-full   make check, then rootboot-check and restart-check KERNEL=trixie, dkms-boot-test on both kernels
#   KERNEL=trixie   module, image, check, bench for Debian 13's 6.12 (Documentation/kernels.rst)
#   make bench   the cover letter's fio table, all columns (about 40 min; BENCH_ARGS=...)
#   make bench-quick   one repeat of 8 representative rows (under 10 min)
#   make bench-check   the CI benchmark: 3 psync rows, 5 columns, ratio floors (about 5 min)
#   make virtiofsd-rs  fetch Debian 13's Rust virtiofsd into build/virtiofsd-rs
#   make qemu-dax   QEMU 7.2 with the virtio-fs DAX window (Documentation/qemu-dax.rst)
#   make restart-check   vfsd killed and restarted under a busy guest (Documentation/vfsd.md)
#   make idmap-check   vfsd's --translate-uid/gid and unprivileged ownership (Documentation/vfsd.md)
#
# Everything built lands in build/ (never committed) and ./virtio_fs.ko.

SHELL := /bin/bash
TOP := $(CURDIR)
BUILD := $(TOP)/build

# The guest kernel, one word each (Documentation/kernels.rst):
#   bookworm  Debian 12, 6.1 (default), fetched into build/kernel
#   trixie    Debian 13, 6.12, fetched into build/kernel-trixie
KERNEL ?= bookworm
ifeq ($(KERNEL),bookworm)
KOUT := $(BUILD)/kernel
else ifeq ($(KERNEL),trixie)
KOUT := $(BUILD)/kernel-trixie
else
$(error KERNEL=$(KERNEL): use bookworm (Debian 12, 6.1) or trixie (Debian 13, 6.12))
endif
KDIR_FILE := $(BUILD)/kernel/headers
HARNESS := $(BUILD)/bin/vfs-harness
JOBS ?= $(shell nproc)
HARNESS_K := $(HARNESS) --kernel $(KERNEL)

.PHONY: all deps kernel module guest-tests harness daemon image unit check demo \
	checkpatch clean help fuzz check-trixie check-full rootboot-check dkms-deb dkms-boot-test bench bench-quick \
	qemu-dax qemu-dax-check dax-two-guests-check vtable-check locks-check restart-check \
	idmap-check virtiofsd-rs bench-check

all: module guest-tests harness

help:
	@sed -n 's/^#   //p' Makefile

deps:
	@./scripts/install-deps.sh

kernel: deps
	@./scripts/fetch-kernel.sh -k $(KERNEL) $(KOUT)

# The module builds against Debian's headers for the guest kernel ABI; fuse.ko's
# private fuse_i.h comes from linux-source of exactly that version (see Kbuild).
# KERNEL=trixie builds in a trixie tree with gcc-14 (scripts/build-module.sh);
# the result is also copied to $(KOUT)/virtio_fs.ko.
# With KVER=<release> (e.g. KVER=$(uname -r) inside a Debian 12 or 13 guest) it
# builds against that installed kernel's headers instead.
ifdef KVER
KHEADERS := /lib/modules/$(KVER)/build
FUSE_TREE := $(BUILD)/local-$(KVER)
module:
	@test -f $(FUSE_TREE)/fs/fuse/fuse_i.h || ./scripts/extract-fuse-src.sh $(KHEADERS) $(FUSE_TREE)
	$(MAKE) -C $(KHEADERS) M=$(TOP) FUSE_SRC=$(FUSE_TREE)/fs/fuse modules
else
module: kernel
	JOBS=$(JOBS) ./scripts/build-module.sh $(KOUT)
endif

guest-tests: deps
	$(MAKE) -C tests/guest OUT=$(BUILD)/guest

harness: deps
	cmake -S . -B $(BUILD)/cmake -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	cmake --build $(BUILD)/cmake -j $(JOBS)

# The same CMake tree as `harness`, but only vfsd and what it links.
daemon: deps
	cmake -S . -B $(BUILD)/cmake -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	cmake --build $(BUILD)/cmake -j $(JOBS) --target vfsd

image: module guest-tests harness
	$(HARNESS_K) image

unit: harness
	cd $(BUILD)/cmake && ctest --output-on-failure

check: unit fuzz image rootboot-check qemu-dax-check dax-two-guests-check vtable-check \
	locks-check restart-check idmap-check bench-check
	$(HARNESS_K) test --transport ours,debian --daemon virtiofsd,vfsd
ifeq ($(KERNEL),bookworm)
	$(MAKE) check-trixie
endif

# Debian 13's kernel: our module with vfsd beside 6.12's built-in virtiofs
# with QEMU's virtiofsd (part of `make check`; alone: make check-trixie).
check-trixie:
	$(MAKE) image KERNEL=trixie
	$(HARNESS) --kernel trixie test --columns ours+vfsd,debian+virtiofsd
	KERNEL=trixie ./tests/vtable/staleness.sh
	KERNEL=trixie ./tests/vtable/nosec.sh

# Two guests, two QEMUs with DAX windows, one host file mapped MAP_SHARED in
# both: each sees the other's stores (with cache=none, only DAX can map it).
dax-two-guests-check: image qemu-dax
	./tests/dax/two-guests.sh

# File locks (issue 13): two guests and a host process contending under
# POSIX locks and flock (no lost update), cross-guest F_GETLK and wake-up,
# QEMU's virtiofsd's local-only locks, and the single-guest suite "locks"
# (release on close/exit/kill, F_SETLKW and signals) with both daemons.
locks-check: image
	KERNEL=$(KERNEL) ./tests/locks/check.sh

# The version table (Documentation/filesystems/virtio_fs.rst): the suites
# with the table on and its sysfs counters, staleness under churn from the
# host and a second guest (0 stale; cache=always above 0), a new table
# generation invalidating everything, and DAX overwrites without a privilege
# check per write while the file is unchanged.
vtable-check: image qemu-dax
	KERNEL=$(KERNEL) ./tests/vtable/suites.sh
	KERNEL=$(KERNEL) ./tests/vtable/staleness.sh
	KERNEL=$(KERNEL) ./tests/vtable/generation.sh
	KERNEL=$(KERNEL) ./tests/vtable/nosec.sh

# vfsd killed with SIGKILL and restarted (twice from another binary) under a
# guest running fsx, a checksum-verified copy and a git status loop: no error
# in the guest, requests in flight resubmitted; then 3 more restarts with the
# DAX window and the version table (Documentation/vfsd.md, "Restart"; the
# patched QEMU reconnects).  About 4 minutes.
restart-check: image qemu-dax
	KERNEL=$(KERNEL) ./tests/restart/check.sh

# Ownership (issue 14): vfsd as root with --translate-uid/gid map:0:100000:
# 65536 (host and guest owners of what guest root and user 1000 create and
# chown, a host owner outside the map shows as 65534, guest id 70000 gets
# EPERM); then vfsd unprivileged with squash-guest, and with no rules
# (guest root is the daemon's user, no other guest id crosses).  Three boots,
# about a minute.
idmap-check: image
	KERNEL=$(KERNEL) ./tests/idmap/check.sh

# The patched QEMU's DAX window from the backend's side: good and bad
# SHMEM_MAP/UNMAP requests, read-only to read-write upgrades, reset.
qemu-dax-check: qemu-dax
	python3 tests/qemu/shmem_map_test.py "$$(./scripts/qemu/build-qemu-dax.sh | tail -n 1)"

# libFuzzer over vfsd's request decoding (clang, ASan+UBSan), FUZZ_SECONDS per
# target, inside vfsd's sandbox and seccomp filter (Documentation/vfsd.md); the
# corpus grows in build/fuzz-corpus/ across runs, crash files land in
# build/fuzz-artifacts/.
FUZZ_SECONDS ?= 30
FUZZ_TARGETS := virtqueue_fuzz fuse_request_fuzz
fuzz: deps
	CC=clang CXX=clang++ cmake -S daemon -B $(BUILD)/vfsd-fuzz -DVFSD_FUZZ=ON \
		-DCMAKE_BUILD_TYPE=RelWithDebInfo \
		-DCMAKE_RUNTIME_OUTPUT_DIRECTORY=$(BUILD)/vfsd-fuzz/bin >/dev/null
	cmake --build $(BUILD)/vfsd-fuzz -j $(JOBS) \
		$(addprefix --target vfsd-,$(FUZZ_TARGETS))
	set -e; for t in $(FUZZ_TARGETS); do \
		mkdir -p $(BUILD)/fuzz-corpus/$$t $(BUILD)/fuzz-artifacts/$$t; \
		echo "fuzz: $$t for $(FUZZ_SECONDS) s"; \
		$(BUILD)/vfsd-fuzz/tests/fuzz/vfsd-$$t -max_total_time=$(FUZZ_SECONDS) \
			-artifact_prefix=$(BUILD)/fuzz-artifacts/$$t/ \
			-print_final_stats=1 $(BUILD)/fuzz-corpus/$$t 2>&1 | tail -n 12; \
		test $${PIPESTATUS[0]} -eq 0; \
	done

# Root file system on virtio-fs (Documentation/root-on-virtiofs.rst): boots a
# debootstrapped Debian 12 tree (KERNEL=trixie: Debian 13 on 6.12; cached in
# build/rootfs/) with the in-guest suites on /, plus a missing tag, a dead
# daemon and a busybox root.
rootboot-check: image
	KERNEL=$(KERNEL) ./tests/rootboot/check.sh

# The Debian package: build/deb/virtio-fs-dkms_<version>_all.deb (DKMS source,
# initramfs-tools hook and boot scripts, modprobe configuration).
dkms-deb:
	./scripts/build-dkms-deb.sh $(BUILD)/deb

# Installs that package in a debootstrapped tree (chroot), lets DKMS build the
# module and update-initramfs make an initramfs, and boots it with the root on
# virtio-fs: Debian 12 on 6.1, or with KERNEL=trixie Debian 13 on 6.12.  Slow
# (about 10 minutes, ~1.3 GB each); part of `check-full`, not of `check`.
dkms-boot-test: dkms-deb harness kernel
	KERNEL=$(KERNEL) ./tests/rootboot/dkms-boot-test.sh

# Everything: `make check`, then what is too slow for it (README): the root
# boot checks and vfsd's restarts on Debian 13, and the package tests on both
# kernels.
check-full: check
	$(MAKE) rootboot-check KERNEL=trixie
	$(MAKE) restart-check KERNEL=trixie
	$(MAKE) dkms-boot-test KERNEL=bookworm
	$(MAKE) dkms-boot-test KERNEL=trixie

demo: image
	./scripts/demo.sh

# Documentation/benchmarks.md; e.g. make bench BENCH_ARGS="--engine libaio --repeat 5"
BENCH_ARGS ?=
bench: image virtiofsd-rs
	$(HARNESS_K) bench $(BENCH_ARGS)

bench-quick: image virtiofsd-rs
	$(HARNESS_K) bench --quick $(BENCH_ARGS)

# A short benchmark with floors (Documentation/benchmarks.md, "The CI
# benchmark"): three psync rows with ours+vfsd, Debian's module + QEMU's
# virtiofsd, ours + Rust virtiofsd, 9p and DAX in one run; fails when a
# same-run ratio is below its floor in tests/fio/floors.txt.  bench.json,
# table.md and floors.json land in results/bench-check/<date>-bench/.
BENCH_CHECK_ARGS ?=
bench-check: image qemu-dax virtiofsd-rs
	$(HARNESS_K) bench --column 9p,debian,ours-vfsd,ours-rs,ours-dax \
		--row seqread-psync,randread-psync,seqwrite-psync --repeat 3 --runtime 2 --size 32 \
		--floors tests/fio/floors.txt --results $(TOP)/results/bench-check $(BENCH_CHECK_ARGS)

# Debian 13's Rust virtiofsd and the trixie libraries it needs, unpacked into
# build/virtiofsd-rs and run through trixie's loader (--daemon virtiofsd-rs).
virtiofsd-rs:
	@./scripts/fetch-virtiofsd-rs.sh $(BUILD)/virtiofsd-rs

# Debian's QEMU 7.2 with scripts/qemu/patches/ (vhost-user-fs-pci cache-size=),
# built outside the tree and cached; prints the binary's path last.
qemu-dax:
	@./scripts/qemu/build-qemu-dax.sh

# LINUX_VERSION_CODE is ignored: an out-of-tree module for two kernels needs
# it, in fs/fuse/vtfs_compat.h only (checked by the grep).  So is
# CONST_STRUCT: fs/fuse/vtfs_vfs*.c must copy fuse.ko's operations into
# writable memory at run time; every other operations struct is const
# (checked by the second grep).
checkpatch: kernel
	@! grep -l LINUX_VERSION_CODE fs/fuse/*.[ch] | grep -v vtfs_compat.h
	@! grep -n 'struct [a-z_]*_operations' fs/fuse/*.[ch] | grep -v 'const\|^fs/fuse/vtfs_vfs[a-z_]*\.c:'
	perl $(KOUT)/checkpatch/scripts/checkpatch.pl --no-tree --ignore LINUX_VERSION_CODE,CONST_STRUCT -f \
		fs/fuse/*.[ch] include/uapi/linux/virtio_fs.h

clean:
	-$(MAKE) -C $$(cat $(KDIR_FILE)) M=$(TOP) clean 2>/dev/null
	rm -rf $(BUILD)
