#!/bin/bash
# Builds Debian's QEMU 7.2 with scripts/qemu/patches/ (the vhost-user-fs-pci
# DAX window, Documentation/qemu-dax.rst) and prints the absolute path of
# qemu-system-x86_64 as the last line on stdout; progress goes to stderr so
# callers (make qemu-dax, vfs-harness --cache-size) can take that line.
#
# The build lives outside the repository, in a directory named after the
# sha256 of this script and the patches, so an edited patch gets a fresh
# build and an unchanged one is reused:
#   ${XDG_CACHE_HOME:-$HOME/.cache}/vfs-qemu-dax/<sha256>
# VFS_QEMU_CACHE=DIR uses DIR instead.  Once built, this only prints the path.
#
# Needs (installed with sudo unless root): a deb-src entry for the machine's
# bookworm mirror (added if missing) and the build dependencies below.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
patches=$here/patches

log() { echo "build-qemu-dax: $*" >&2; }
die() {
	log "error: $*"
	exit 1
}
as_root() {
	if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

mapfile -t series < <(grep -v -e '^#' -e '^[[:space:]]*$' "$patches/series")
[ ${#series[@]} -gt 0 ] || die "$patches/series lists no patches"
key=$(cd "$patches" && cat "$here/build-qemu-dax.sh" series "${series[@]}" | sha256sum | cut -d' ' -f1)
cache=${VFS_QEMU_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vfs-qemu-dax/$key}
bin=$cache/build/qemu-system-x86_64

# The stamp names the patch set, so a VFS_QEMU_CACHE reused across patch
# changes is not mistaken for a finished build.
if [ -x "$bin" ] && [ "$(cat "$cache/built" 2>/dev/null)" = "$key" ]; then
	echo "$bin"
	exit 0
fi

mkdir -p "$cache"
# Two harness runs may start at once; one builds, the other waits and reuses.
exec 9>"$cache/lock"
flock 9
if [ -x "$bin" ] && [ "$(cat "$cache/built" 2>/dev/null)" = "$key" ]; then
	echo "$bin"
	exit 0
fi

# Debian ships no deb-src entry by default; add one for the same mirrors and
# suites as the bookworm binary entries, so the source matches the binaries.
has_deb_src() {
	grep -Eqs -e '^[[:space:]]*deb-src[[:space:]]' -e '^[[:space:]]*Types:.*deb-src' \
		/etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources
}
added_src=0
if ! has_deb_src; then
	mapfile -t mirrors < <("$top/scripts/debian-sources.sh")
	[ ${#mirrors[@]} -gt 0 ] || die "no bookworm entry in the apt sources to copy for deb-src"
	log "adding deb-src entries (/etc/apt/sources.list.d/vfs-qemu-deb-src.sources)"
	for m in "${mirrors[@]}"; do
		printf 'Types: deb-src\nURIs: %s\nSuites: %s\nComponents: main\nSigned-By: %s\n\n' \
			"${m% *}" "${m#* }" /usr/share/keyrings/debian-archive-keyring.gpg
	done | as_root tee /etc/apt/sources.list.d/vfs-qemu-deb-src.sources >/dev/null
	added_src=1
fi

deps=(dpkg-dev gcc make pkg-config python3 libglib2.0-dev libpixman-1-dev libfdt-dev
	zlib1g-dev ninja-build meson flex bison libattr1-dev libcap-ng-dev)
missing=()
for p in "${deps[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
done
if [ "$added_src" = 1 ] || [ ${#missing[@]} -gt 0 ]; then
	log "apt-get update"
	as_root apt-get update -q >&2
fi
if [ ${#missing[@]} -gt 0 ]; then
	log "installing ${missing[*]}"
	as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >&2
fi

# The download is kept; a tree is extracted afresh unless the patches are
# already in it, so an interrupted run never leaves patches half applied.
mkdir -p "$cache/src"
cd "$cache/src"
if ! ls qemu_*.dsc >/dev/null 2>&1; then
	log "apt-get source qemu (about 24 MB)"
	apt-get source -q --download-only qemu >&2
fi
dsc=$(ls qemu_*.dsc | sort -V | tail -n 1)
src=$cache/qemu
if [ ! -f "$src/.vfs-patched" ]; then
	rm -rf "$src" "$cache/build"
	log "extracting $dsc"
	dpkg-source -q -x "$dsc" "$src" >&2
	case $(cat "$src/VERSION") in
	7.2.*) ;;
	*) die "$dsc is QEMU $(cat "$src/VERSION"); the patches are for 7.2" ;;
	esac
	for p in "${series[@]}"; do
		log "applying $p"
		patch -d "$src" -p1 --forward --batch --quiet <"$patches/$p" >&2 ||
			die "$p does not apply to $dsc"
	done
	touch "$src/.vfs-patched"
fi

# x86_64 system emulation only, without the optional features the harness
# does not use; virtfs (with attr and cap-ng) so the same binary also serves
# the harness's 9p columns.
if [ ! -f "$cache/build/build.ninja" ]; then
	log "configuring (log: $cache/configure.log)"
	mkdir -p "$cache/build"
	(cd "$cache/build" && "$src/configure" --meson=/usr/bin/meson \
		--target-list=x86_64-softmmu --without-default-features \
		--enable-vhost-user --enable-tcg --disable-docs \
		--enable-virtfs --enable-attr --enable-cap-ng) >"$cache/configure.log" 2>&1 ||
		{
			tail -n 20 "$cache/configure.log" >&2
			die "configure failed"
		}
fi
log "building (log: $cache/build.log; about 3 minutes on 2 cores the first time)"
if ! ninja -C "$cache/build" qemu-system-x86_64 >"$cache/build.log" 2>&1; then
	tail -n 30 "$cache/build.log" >&2
	die "build failed"
fi
echo "$key" >"$cache/built"
echo "$bin"
