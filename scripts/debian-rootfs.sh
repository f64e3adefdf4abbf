#!/bin/sh
# Build (once) and print the path of a minimal Debian tree that a guest can
# boot from as its root file system on virtio-fs.
#
# usage: debian-rootfs.sh [-s SUITE] [-p "PKG ..."] CACHE_DIR
#   -s   bookworm (Debian 12, default) or trixie (Debian 13)
#   -p   extra packages for debootstrap --include (part of the cache key)
#
# The tree is CACHE_DIR/<suite>-<key>, where <key> is a hash of the suite,
# variant and package list: a second call with the same list reuses it.  The
# mirror is read from this machine's apt configuration (the first source that
# serves "bookworm" main: the same archive serves trixie), or from
# $VFS_DEBIAN_MIRROR.  Progress goes to stderr, the tree's path alone to
# stdout.  A trixie tree with gcc-14 is also where the module is built for
# trixie's kernel (scripts/build-module.sh).
#
# Why these packages: --variant=minbase has no init at all.  systemd-sysv is
# Debian's default init, and what a real guest with its root on virtio-fs
# runs, so booting it tests the real thing (remount, journald, shutdown that
# remounts / read-only); about 15 MB more than minbase.  udev is left out: the
# guest's devices are on devtmpfs, and the initramfs loads the modules.
set -eu

SUITE=bookworm
VARIANT=minbase
LAYOUT=1 # bump when the post-debootstrap setup below changes
BASE_PKGS="systemd-sysv"

extra=""
while getopts s:p: opt; do
	case $opt in
	s) SUITE=$OPTARG ;;
	p) extra=$OPTARG ;;
	*) exit 2 ;;
	esac
done
shift $((OPTIND - 1))
[ $# -eq 1 ] || { echo "usage: $0 [-s SUITE] [-p PKGS] CACHE_DIR" >&2; exit 2; }
case $SUITE in
bookworm | trixie) ;;
*) echo "debian-rootfs: unknown suite $SUITE (bookworm or trixie)" >&2; exit 2 ;;
esac
cache=$1

log() { echo "debian-rootfs: $*" >&2; }

pkgs=$(echo "$BASE_PKGS $extra" | tr ' ' '\n' | sed '/^$/d' | sort -u | paste -sd,)
key=$(printf '%s %s %s %s\n' "$SUITE" "$VARIANT" "$pkgs" "$LAYOUT" | sha256sum | cut -c1-12)

mkdir -p "$cache"
cache=$(cd "$cache" && pwd)
tree=$cache/$SUITE-$key
# One builder at a time; a second caller waits and then finds the tree.
exec 9>"$cache/.lock"
flock 9

if [ -f "$tree/.vfs-rootfs-complete" ]; then
	log "cached: $tree"
	echo "$tree"
	exit 0
fi

command -v debootstrap >/dev/null ||
	{ log "debootstrap missing (apt-get install debootstrap)"; exit 1; }
[ "$(id -u)" -eq 0 ] || { log "debootstrap needs root"; exit 1; }
mirror=${VFS_DEBIAN_MIRROR:-$("$(dirname "$0")/debian-sources.sh" bookworm | head -n1 | cut -d" " -f1)}
[ -n "$mirror" ] ||
	{ log "no apt source for bookworm main found; set VFS_DEBIAN_MIRROR"; exit 1; }

tmp=$cache/.tmp-$key
rm -rf "$tmp"
log "debootstrap $SUITE ($VARIANT + $pkgs) from $mirror into $tree"
start=$(date +%s)
# Downloaded packages are kept in $cache/debs for the next tree.
mkdir -p "$cache/debs"
if ! debootstrap --variant="$VARIANT" --include="$pkgs" --cache-dir="$cache/debs" \
	"$SUITE" "$tmp" "$mirror" \
	>"$cache/debootstrap-$key.log" 2>&1; then
	log "debootstrap failed; last lines of $cache/debootstrap-$key.log:"
	tail -n 20 "$cache/debootstrap-$key.log" >&2
	exit 1
fi

# A guest, not a container: name, empty fstab (/ comes from the kernel
# command line), a root login on the console for debugging, no package cache.
echo vfs-guest >"$tmp/etc/hostname"
echo "127.0.1.1 vfs-guest" >>"$tmp/etc/hosts"
printf '# / is virtio-fs, mounted by the initramfs (root=TAG rootfstype=virtiofs)\n' >"$tmp/etc/fstab"
chroot "$tmp" passwd -d root >/dev/null
rm -f "$tmp"/var/cache/apt/archives/*.deb
: >"$tmp/etc/machine-id"
touch "$tmp/.vfs-rootfs-complete"
mv "$tmp" "$tree"
log "built $tree in $(($(date +%s) - start)) s ($(du -sh "$tree" | cut -f1))"
echo "$tree"
