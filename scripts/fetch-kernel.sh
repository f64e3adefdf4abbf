#!/bin/sh
# Fetch Debian's guest kernel (image + modules) and fuse.ko's private
# headers for exactly that kernel version.
#
# usage: fetch-kernel.sh [-k bookworm|trixie] OUT
#   bookworm  Debian 12, kernel 6.1 (default), OUT is usually build/kernel
#   trixie    Debian 13, kernel 6.12, OUT is usually build/kernel-trixie
#
# Output (all under OUT):
#   vmlinuz              the guest kernel
#   config               its configuration
#   modules/             lib/modules/<release> of the same package
#   release              the kernel release string (e.g. 6.1.0-56-amd64)
#   headers              path of the matching linux-headers tree (for trixie
#                        the path inside the build root, see below)
#   src/fs/fuse/         fuse_i.h and friends from linux-source-<major.minor>
#   checkpatch/          scripts/checkpatch.pl and its data files
# trixie only:
#   headers-root/        linux-headers and linux-kbuild unpacked (usr/...)
#   buildroot            path of a debootstrapped trixie tree with gcc-14
#
# bookworm uses this machine's apt (the host is Debian 12) and the headers
# installed by scripts/install-deps.sh.  trixie comes from Debian's archive
# through a private apt configuration in OUT/apt (the host's sources stay as
# they are).  trixie's kernel was built with gcc-14 and its kbuild tools
# (fixdep, modpost) need trixie's glibc; neither is on a Debian 12 host, so
# the module for trixie is built inside a minimal trixie tree (chroot), the
# way a trixie machine (and DKMS on it) builds it: same compiler, same tools,
# no guessing about compiler-dependent kernel config options.  See
# scripts/build-module.sh.
set -eu

KERNEL=bookworm
while getopts k: opt; do
	case $opt in
	k) KERNEL=$OPTARG ;;
	*) exit 2 ;;
	esac
done
shift $((OPTIND - 1))
case $KERNEL in
bookworm | trixie) ;;
*) echo "fetch-kernel: unknown kernel '$KERNEL' (bookworm or trixie)" >&2; exit 2 ;;
esac

here=$(cd "$(dirname "$0")" && pwd)
OUT=${1:-build/kernel}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)

log() { echo "fetch-kernel: $*" >&2; }

# apt for the chosen suite: the host's for bookworm, a private one for trixie.
APT_OPTS=""
if [ "$KERNEL" = trixie ]; then
	mirror=${VFS_DEBIAN_MIRROR:-$("$here/debian-sources.sh" bookworm | head -n1 | cut -d" " -f1)}
	[ -n "$mirror" ] || { log "no Debian mirror in the apt sources; set VFS_DEBIAN_MIRROR"; exit 1; }
	apt=$OUT/apt
	mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial"
	echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror trixie main" \
		>"$apt/sources.list"
	APT_OPTS="-o Dir::Etc::SourceList=$apt/sources.list -o Dir::Etc::SourceParts=/dev/null
		-o Dir::State::Lists=$apt/lists -o Dir::Cache=$apt/cache -o APT::Sandbox::User=root"
	# shellcheck disable=SC2086
	apt-get $APT_OPTS -q update >"$apt/update.log" 2>&1 ||
		{ log "apt-get update for trixie failed:"; tail -n 5 "$apt/update.log" >&2; exit 1; }
fi
# shellcheck disable=SC2086
apt_cache() { apt-cache $APT_OPTS "$@"; }
# shellcheck disable=SC2086
apt_download() { apt-get $APT_OPTS download "$@"; }

# The ABI of the day is whatever linux-image-amd64 depends on.
abi_pkg=$(apt_cache depends linux-image-amd64 | sed -n 's/.*Depends: \(linux-image-[0-9].*-amd64\)$/\1/p' | head -n1)
[ -n "$abi_pkg" ] || { log "cannot resolve linux-image-amd64"; exit 1; }
release=${abi_pkg#linux-image-}
version=$(apt_cache policy "$abi_pkg" | sed -n 's/ *Candidate: //p')

stamp="$OUT/.stamp-$release-$version"
if [ -f "$stamp" ]; then
	exit 0
fi

log "$KERNEL: $abi_pkg $version"
# Downloads stay in OUT/download until everything is in place (a failed
# run starts again without fetching them twice).
tmp=$OUT/download
mkdir -p "$tmp"
rm -rf "$tmp/x"
ls "$tmp"/linux-image-*.deb >/dev/null 2>&1 ||
	(cd "$tmp" && { apt_download "$abi_pkg-unsigned" >/dev/null 2>&1 ||
		apt_download "$abi_pkg" >/dev/null; })
dpkg-deb -x "$tmp"/linux-image-*.deb "$tmp/x"
rm -rf "$OUT/modules" "$OUT/src" "$OUT/checkpatch" "$OUT/headers-root"
mkdir -p "$OUT/src"
cp "$tmp/x/boot/vmlinuz-$release" "$OUT/vmlinuz"
cp "$tmp/x/boot/config-$release" "$OUT/config"
# trixie has merged /usr: lib/modules is under usr/.
for mods in "$tmp/x/lib/modules/$release" "$tmp/x/usr/lib/modules/$release"; do
	[ -d "$mods" ] && mv "$mods" "$OUT/modules"
done
[ -d "$OUT/modules" ] || { log "no lib/modules/$release in the image package"; exit 1; }
# trixie ships xz-compressed modules; the guest image loads them with
# busybox insmod, which takes plain ELF only, so unpack them once here.
find "$OUT/modules" -name '*.ko.xz' -exec xz -d {} +

if [ "$KERNEL" = bookworm ]; then
	headers=/usr/src/linux-headers-$release
	[ -d "$headers" ] || { log "$headers missing (apt-get install linux-headers-$release)"; exit 1; }
	tarball=/usr/src/linux-source-6.1.tar.xz
	headers_host=$headers
else
	# linux-headers-<release> names its -common part and kbuild by version.
	common=$(apt_cache depends "linux-headers-$release" |
		sed -n 's/.*Depends: \(linux-headers-.*-common\)$/\1/p' | head -n1)
	kbuild=$(apt_cache depends "linux-headers-$release" |
		sed -n 's/.*Depends: \(linux-kbuild-[0-9].*\)$/\1/p' | head -n1)
	[ -n "$common" ] && [ -n "$kbuild" ] ||
		{ log "cannot resolve the parts of linux-headers-$release"; exit 1; }
	major_minor=$(echo "$release" | cut -d. -f1-2)
	ls "$tmp"/linux-source-*.deb >/dev/null 2>&1 ||
		(cd "$tmp" && apt_download "linux-headers-$release" "$common" "$kbuild" \
			"linux-source-$major_minor" >/dev/null)
	for deb in "$tmp"/linux-headers-*.deb "$tmp"/linux-kbuild-*.deb; do
		dpkg-deb -x "$deb" "$OUT/headers-root"
	done
	dpkg-deb --fsys-tarfile "$tmp"/linux-source-*.deb |
		tar -x -C "$tmp" "./usr/src/linux-source-$major_minor.tar.xz"
	tarball=$tmp/usr/src/linux-source-$major_minor.tar.xz
	headers=/usr/src/linux-headers-$release
	headers_host=$OUT/headers-root$headers
	"$here/debian-rootfs.sh" -s trixie -p "$("$here/build-module.sh" --packages)" \
		"$(dirname "$OUT")/rootfs" >"$OUT/buildroot"
fi

# fuse_i.h must come from the same upstream version as the running fuse.ko.
"$here/extract-fuse-src.sh" "$headers_host" "$OUT/src" "$tarball"
mv "$OUT/src/checkpatch" "$OUT/checkpatch"
echo "$release" >"$OUT/release"
echo "$headers" >"$OUT/headers"
rm -rf "$tmp"
rm -f "$OUT"/.stamp-*
touch "$stamp"
