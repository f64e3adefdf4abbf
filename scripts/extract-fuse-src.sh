#!/bin/sh
# Extract fuse.ko's private sources (fs/fuse/, for fuse_i.h) from Debian's
# linux-source tarball, after checking that the tarball's kernel version is
# exactly the one the headers in HEADERS_DIR were made for: struct layouts in
# fuse_i.h must match the fuse.ko that will run.
#
# usage: extract-fuse-src.sh HEADERS_DIR OUT_DIR [TARBALL]
#   OUT_DIR receives fs/fuse/ and scripts/checkpatch.pl (+ its data files).
#   TARBALL defaults to /usr/src/linux-source-<major.minor>.tar.xz for the
#   headers' version (what Debian's linux-source-<major.minor> installs).
set -eu

headers=$1
out=$2
tarball=${3:-}

kver_of() {
	sed -n 's/^VERSION = //p;s/^PATCHLEVEL = //p;s/^SUBLEVEL = //p' "$1" | paste -sd.
}

# Debian splits headers into -amd64 and -common; the version is in -common.
hdr_makefile=$headers/Makefile
if ! grep -q '^SUBLEVEL = ' "$hdr_makefile" 2>/dev/null; then
	common=$(sed -n 's|^include \(.*-common\)/Makefile$|\1|p' "$hdr_makefile" 2>/dev/null | head -n1)
	# Unpacked elsewhere than /usr/src (trixie's, see fetch-kernel.sh):
	# -common sits next to the -amd64 tree.
	[ -n "$common" ] && [ -d "$common" ] ||
		common=$(echo "$headers" | sed 's/-[a-z0-9]*$/-common/')
	hdr_makefile=$common/Makefile
fi
[ -f "$hdr_makefile" ] || { echo "extract-fuse-src: no kernel Makefile under $headers" >&2; exit 1; }

want=$(kver_of "$hdr_makefile")
major_minor=$(echo "$want" | cut -d. -f1-2)
src=linux-source-$major_minor
tarball=${tarball:-/usr/src/$src.tar.xz}
[ -f "$tarball" ] || { echo "extract-fuse-src: $tarball missing (apt-get install $src)" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
top=$tmp/$src
tar -xJf "$tarball" -C "$tmp" $src/Makefile $src/fs/fuse \
	$src/scripts/checkpatch.pl $src/scripts/spelling.txt \
	$src/scripts/const_structs.checkpatch
[ -f "$top/fs/fuse/fuse_i.h" ] || { echo "extract-fuse-src: no fs/fuse/fuse_i.h in $tarball" >&2; exit 1; }
have=$(kver_of "$top/Makefile")
if [ "$have" != "$want" ]; then
	echo "extract-fuse-src: $tarball is kernel $have but the headers are $want;" >&2
	echo "extract-fuse-src: install $src of the same version as the kernel" >&2
	exit 1
fi

rm -rf "$out/fs/fuse" "$out/checkpatch"
mkdir -p "$out/fs" "$out/checkpatch/scripts"
mv "$top/fs/fuse" "$out/fs/fuse"
mv "$top/scripts/"* "$out/checkpatch/scripts/"
echo "$want" > "$out/version"
