#!/bin/sh
# Fetch Debian's guest kernel (image + modules) and fuse.ko's private
# headers for exactly that kernel version into build/kernel/.
#
# Output (all under $OUT, default build/kernel):
#   vmlinuz              the guest kernel
#   modules/             lib/modules/<release> of the same package
#   release              the kernel release string (e.g. 6.1.0-56-amd64)
#   headers              path of the matching linux-headers tree
#   src/fs/fuse/         fuse_i.h and friends from linux-source-6.1
#   checkpatch/          scripts/checkpatch.pl and its data files
set -eu

OUT=${1:-build/kernel}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)

# The ABI of the day is whatever linux-image-amd64 depends on.
abi_pkg=$(apt-cache depends linux-image-amd64 | sed -n 's/.*Depends: \(linux-image-[0-9].*-amd64\)$/\1/p' | head -n1)
[ -n "$abi_pkg" ] || { echo "fetch-kernel: cannot resolve linux-image-amd64" >&2; exit 1; }
release=${abi_pkg#linux-image-}
version=$(apt-cache policy "$abi_pkg" | sed -n 's/ *Candidate: //p')

stamp="$OUT/.stamp-$release-$version"
if [ -f "$stamp" ]; then
	exit 0
fi

echo "fetch-kernel: $abi_pkg $version"
headers=/usr/src/linux-headers-$release
[ -d "$headers" ] || { echo "fetch-kernel: $headers missing (apt-get install linux-headers-$release)" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && apt-get download "$abi_pkg-unsigned" >/dev/null 2>&1 ||
	apt-get download "$abi_pkg" >/dev/null)
dpkg-deb -x "$tmp"/*.deb "$tmp/x"
rm -rf "$OUT/modules" "$OUT/src" "$OUT/checkpatch"
mkdir -p "$OUT/src"
cp "$tmp/x/boot/vmlinuz-$release" "$OUT/vmlinuz"
cp "$tmp/x/boot/config-$release" "$OUT/config"
mv "$tmp/x/lib/modules/$release" "$OUT/modules"

# fuse_i.h must come from the same upstream version as the running fuse.ko.
"$(dirname "$0")/extract-fuse-src.sh" "$headers" "$OUT/src"
mv "$OUT/src/checkpatch" "$OUT/checkpatch"
echo "$release" > "$OUT/release"
echo "$headers" > "$OUT/headers"
rm -f "$OUT"/.stamp-*
touch "$stamp"
