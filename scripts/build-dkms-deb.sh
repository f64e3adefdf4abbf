#!/bin/sh
# Build the Debian package virtio-fs-dkms_<version>_all.deb into OUT_DIR:
#   /usr/src/virtio-fs-<version>/        module source + dkms.conf (DKMS builds it)
#   /usr/share/initramfs-tools/hooks/virtio_fs           puts the module into the initramfs
#   /usr/share/initramfs-tools/scripts/init-top/virtio_fs   rootfstype=virtiofs -> BOOT=virtiofs
#   /usr/share/initramfs-tools/scripts/virtiofs          mountroot() for a virtio-fs root
#   /etc/modprobe.d/virtio_fs.conf                       keeps Debian's virtiofs.ko away
#   /etc/default/grub.d/virtio_fs.cfg                    ... and 6.12's built-in one
# postinst builds and installs the module for every installed kernel with
# headers (dkms install) and updates the initramfs; prerm removes it from DKMS.
#
# usage: build-dkms-deb.sh OUT_DIR
set -eu
cd "$(dirname "$0")/.."
out=${1:?usage: $0 OUT_DIR}
name=virtio-fs
ver=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"$/\1/p' dkms.conf)
[ -n "$ver" ] || { echo "build-dkms-deb: no PACKAGE_VERSION in dkms.conf" >&2; exit 1; }

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
src=$stage/usr/src/$name-$ver
mkdir -p "$src/fs/fuse" "$src/include/uapi/linux" "$src/scripts" "$stage/DEBIAN"
cp Makefile Kbuild dkms.conf "$src/"
cp fs/fuse/*.c fs/fuse/*.h "$src/fs/fuse/"
cp include/uapi/linux/virtio_fs.h "$src/include/uapi/linux/"
cp scripts/extract-fuse-src.sh "$src/scripts/"
[ -f LICENSE ] && cp LICENSE "$src/"
it=$stage/usr/share/initramfs-tools
install -D -m 0755 scripts/initramfs-tools/hooks/virtio_fs "$it/hooks/virtio_fs"
install -D -m 0755 scripts/initramfs-tools/scripts/init-top/virtio_fs "$it/scripts/init-top/virtio_fs"
install -D -m 0644 scripts/initramfs-tools/scripts/virtiofs "$it/scripts/virtiofs"
install -D -m 0644 scripts/modprobe.d/virtio_fs.conf "$stage/etc/modprobe.d/virtio_fs.conf"
install -D -m 0644 scripts/grub.d/virtio_fs.cfg "$stage/etc/default/grub.d/virtio_fs.cfg"
install -D -m 0644 Documentation/root-on-virtiofs.rst "$stage/usr/share/doc/$name-dkms/root-on-virtiofs.rst"

cat >"$stage/DEBIAN/control" <<CONTROL
Package: $name-dkms
Version: $ver
Architecture: all
Maintainer: virtio-fs out-of-tree project <root@localhost>
Section: kernel
Priority: optional
Depends: dkms (>= 3), linux-source-6.1 | linux-source-6.12, xz-utils, make, kmod, initramfs-tools
Recommends: linux-headers-amd64
Installed-Size: $(du -sk "$stage" | cut -f1)
Description: virtio-fs guest transport for Debian 12's and 13's fuse (DKMS)
 virtio_fs.ko drives virtio-fs devices (QEMU vhost-user-fs-pci) for the
 kernel's FUSE client and registers the "virtiofs" file system type, in
 place of Debian's own virtiofs driver (blacklisted as a module on 6.1,
 its initcall skipped through GRUB on 6.12, where it is built in).  Built by
 DKMS for each installed 6.1 or 6.12 kernel.  Includes initramfs-tools support for a root
 file system on virtio-fs: boot with rootfstype=virtiofs root=TAG.
CONTROL
printf '%s\n' /etc/modprobe.d/virtio_fs.conf /etc/default/grub.d/virtio_fs.cfg \
	>"$stage/DEBIAN/conffiles"

cat >"$stage/DEBIAN/postinst" <<POSTINST
#!/bin/sh
set -e
NAME=$name
VERSION=$ver
POSTINST
cat >>"$stage/DEBIAN/postinst" <<'POSTINST'
if [ "$1" = configure ]; then
	dkms status -m "$NAME" -v "$VERSION" | grep -q . || dkms add -m "$NAME" -v "$VERSION"
	# Every installed kernel that has headers (later kernels: DKMS's own
	# kernel hooks, AUTOINSTALL=yes).
	for build in /lib/modules/*/build; do
		[ -d "$build" ] || continue
		kver=$(basename "$(dirname "$build")")
		case "$kver" in 6.1.* | 6.12.*) ;; *) continue ;; esac
		dkms install -m "$NAME" -v "$VERSION" -k "$kver" ||
			echo "virtio-fs-dkms: building for $kver failed; see /var/lib/dkms/$NAME/$VERSION/build/make.log" >&2
	done
	if command -v update-initramfs >/dev/null; then
		update-initramfs -u -k all
	fi
	# initcall_blacklist for 6.12's built-in virtiofs (grub.d/virtio_fs.cfg).
	if command -v update-grub >/dev/null && [ -d /boot/grub ]; then
		update-grub || true
	fi
fi
exit 0
POSTINST
cat >"$stage/DEBIAN/prerm" <<PRERM
#!/bin/sh
set -e
if [ "\$1" = remove ] || [ "\$1" = upgrade ] || [ "\$1" = deconfigure ]; then
	dkms remove -m $name -v $ver --all >/dev/null 2>&1 || true
fi
exit 0
PRERM
cat >"$stage/DEBIAN/postrm" <<'POSTRM'
#!/bin/sh
set -e
if [ "$1" = remove ] && command -v update-initramfs >/dev/null; then
	update-initramfs -u -k all || true
fi
exit 0
POSTRM
chmod 0755 "$stage/DEBIAN/postinst" "$stage/DEBIAN/prerm" "$stage/DEBIAN/postrm"

mkdir -p "$out"
dpkg-deb --root-owner-group -Zxz --build "$stage" "$out/${name}-dkms_${ver}_all.deb" >/dev/null
echo "$out/${name}-dkms_${ver}_all.deb"
