#!/bin/sh
# Build virtio_fs.ko for the kernel that scripts/fetch-kernel.sh put in KOUT
# and leave it at KOUT/virtio_fs.ko.
#
# usage: build-module.sh KOUT [MAKE_ARGS...]
#        build-module.sh --packages   (what a build root needs, for debootstrap)
#
# A kernel with headers on this machine (bookworm, build/kernel) is built in
# place, as before: M=<repo>, objects next to the sources, ./virtio_fs.ko.
#
# A kernel with KOUT/buildroot (trixie, build/kernel-trixie) is built inside
# that debootstrapped trixie tree: gcc-14 (the compiler Debian built 6.12
# with; kbuild checks options such as -fmin-function-alignment against it)
# and trixie's linux-kbuild binaries (linked against trixie's glibc).  In a
# private mount namespace the tree gets the unpacked headers at /usr/src and
# /usr/lib/linux-kbuild-*, and KOUT at /mnt; the module sources are copied to
# KOUT/mod so each kernel's objects stay apart.  Nothing is installed into
# the tree and nothing stays mounted.  Needs root (chroot, mount).
set -eu

# linux-headers-<6.12 release> depends on gcc-14; kbuild's objtool and
# modpost on libelf and libssl; pahole (dwarves) adds BTF as Debian's do.
BUILDROOT_PKGS="gcc-14 make libc6-dev libelf1t64 libssl3t64 dwarves"

if [ "${1:-}" = --packages ]; then
	echo "$BUILDROOT_PKGS"
	exit 0
fi
[ $# -ge 1 ] || { echo "usage: $0 KOUT [MAKE_ARGS...]" >&2; exit 2; }
kout=$(cd "$1" && pwd)
shift
top=$(cd "$(dirname "$0")/.." && pwd)
jobs=${JOBS:-$(nproc)}
[ -f "$kout/headers" ] || { echo "build-module: $kout has no fetched kernel (make kernel)" >&2; exit 1; }
headers=$(cat "$kout/headers")

if [ ! -f "$kout/buildroot" ]; then
	make -C "$headers" M="$top" FUSE_SRC="$kout/src/fs/fuse" -j"$jobs" "$@" modules
	cp "$top/virtio_fs.ko" "$kout/virtio_fs.ko"
	exit 0
fi

root=$(cat "$kout/buildroot")
[ -x "$root/usr/bin/make" ] || { echo "build-module: build root $root is incomplete" >&2; exit 1; }
mkdir -p "$kout/mod"
cp -a "$top/Kbuild" "$top/fs" "$top/include" "$kout/mod/"

# shellcheck disable=SC2016
unshare --mount --propagation private sh -eu -c '
	root=$1 kout=$2 headers=$3 jobs=$4
	shift 4
	mount --bind "$kout/headers-root/usr/src" "$root/usr/src"
	for d in "$kout"/headers-root/usr/lib/linux-kbuild-*; do
		mkdir -p "$root/usr/lib/${d##*/}"
		mount --bind "$d" "$root/usr/lib/${d##*/}"
	done
	mount --bind "$kout" "$root/mnt"
	exec chroot "$root" make -C "$headers" M=/mnt/mod FUSE_SRC=/mnt/src/fs/fuse \
		-j"$jobs" "$@" modules
' sh "$root" "$kout" "$headers" "$jobs" "$@"
cp "$kout/mod/virtio_fs.ko" "$kout/virtio_fs.ko"
