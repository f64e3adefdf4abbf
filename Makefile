# Top-level entry points.  See README.md.
#
#   make demo    install what is missing, build, boot a guest, show it working
#   make check   unit tests + the in-guest suite against both transports
#
# Everything built lands in build/ (never committed) and ./virtio_fs.ko.

SHELL := /bin/bash
TOP := $(CURDIR)
BUILD := $(TOP)/build
KDIR_FILE := $(BUILD)/kernel/headers
HARNESS := $(BUILD)/bin/vfs-harness
JOBS ?= $(shell nproc)

.PHONY: all deps kernel module guest-tests harness image unit check demo \
	checkpatch clean help

all: module guest-tests harness

help:
	@sed -n 's/^#   //p' Makefile

deps:
	@./scripts/install-deps.sh

kernel: deps
	@./scripts/fetch-kernel.sh $(BUILD)/kernel

# The module builds against Debian's headers for the guest kernel ABI; fuse.ko's
# private fuse_i.h comes from linux-source of exactly that version (see Kbuild).
# With KVER=<release> (e.g. KVER=$(uname -r) inside a Debian guest) it builds
# against that installed kernel's headers instead.
ifdef KVER
KHEADERS := /lib/modules/$(KVER)/build
FUSE_TREE := $(BUILD)/local-$(KVER)
module:
	@test -f $(FUSE_TREE)/fs/fuse/fuse_i.h || ./scripts/extract-fuse-src.sh $(KHEADERS) $(FUSE_TREE)
	$(MAKE) -C $(KHEADERS) M=$(TOP) FUSE_SRC=$(FUSE_TREE)/fs/fuse modules
else
module: kernel
	$(MAKE) -C $$(cat $(KDIR_FILE)) M=$(TOP) FUSE_SRC=$(BUILD)/kernel/src/fs/fuse modules
endif

guest-tests: deps
	$(MAKE) -C tests/guest OUT=$(BUILD)/guest

harness: deps
	cmake -S . -B $(BUILD)/cmake -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	cmake --build $(BUILD)/cmake -j $(JOBS)

image: module guest-tests harness
	$(HARNESS) image

unit: harness
	cd $(BUILD)/cmake && ctest --output-on-failure

check: unit image
	$(HARNESS) test --transport ours,debian

demo: image
	./scripts/demo.sh

checkpatch: kernel
	perl $(BUILD)/kernel/checkpatch/scripts/checkpatch.pl --no-tree -f \
		fs/fuse/*.[ch] include/uapi/linux/virtio_fs.h

clean:
	-$(MAKE) -C $$(cat $(KDIR_FILE)) M=$(TOP) clean 2>/dev/null
	rm -rf $(BUILD)
