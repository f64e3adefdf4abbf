#!/bin/bash
# `make dkms-boot-test [KERNEL=trixie]`: the Debian way, for real.  In a copy
# of the debootstrapped tree of the kernel's Debian release (chroot on the
# host): install Debian's kernel, its headers, linux-source-6.1 (Debian 12)
# or linux-source-6.12 (Debian 13) and our virtio-fs-dkms package (DKMS
# builds virtio_fs.ko, the initramfs-tools hook puts it into the initramfs
# that update-initramfs makes), then boot that kernel and initramfs with the
# root on virtio-fs and check from inside that the root is our module's.
#
# KERNEL=bookworm (default): Debian 12 tree, 6.1, from this machine's
# bookworm apt sources.  KERNEL=trixie: Debian 13 tree, 6.12, from the same
# mirror's trixie main (the suite scripts/fetch-kernel.sh fetched 6.12 from).
# 6.12 has virtio-fs built in: the boot uses the kernel arguments of the
# package's /etc/default/grub.d/virtio_fs.cfg (initcall_blacklist=...), as
# update-grub would on a GRUB install.
#
# Slow (downloads ~300 MB the first time; cached in
# build/rootfs/apt-archives-<suite>) and big (~1.3 GB tree in
# build/rootfs/dkms-test-<suite>).  Prints a transcript.
set -euo pipefail
cd "$(dirname "$0")/../.."
top=$PWD
KERNEL=${KERNEL:-bookworm}
case $KERNEL in
bookworm) kdir=build/kernel source_pkg=linux-source-6.1 ;;
trixie) kdir=build/kernel-trixie source_pkg=linux-source-6.12 ;;
*) echo "dkms-boot-test: KERNEL=$KERNEL: bookworm or trixie" >&2; exit 2 ;;
esac
harness=$top/build/bin/vfs-harness
deb=$(ls "$top"/build/deb/virtio-fs-dkms_*_all.deb | tail -n1)
release=$(cat "$kdir/release") # the kernel the harness boots, e.g. 6.1.0-56-amd64
tree=$top/build/rootfs/dkms-test-$KERNEL
archives=$top/build/rootfs/apt-archives-$KERNEL
step() { echo "== $(date +%T) $*"; }

step "base tree"
base=$(scripts/debian-rootfs.sh -s "$KERNEL" build/rootfs)
rm -rf "$tree"
cp -a "$base" "$tree"
mkdir -p "$archives/partial"

mounts=()
cleanup() {
	for ((i = ${#mounts[@]} - 1; i >= 0; i--)); do umount -l "${mounts[i]}" 2>/dev/null || true; done
	rm -f "$tree/usr/sbin/policy-rc.d"
}
trap cleanup EXIT
bind() {
	mount --bind "$1" "$2"
	mounts+=("$2")
}
mount -t proc proc "$tree/proc" && mounts+=("$tree/proc")
bind /sys "$tree/sys"
bind /dev "$tree/dev"
bind /dev/pts "$tree/dev/pts"
bind "$archives" "$tree/var/cache/apt/archives"
# Services must not start inside the chroot.
printf '#!/bin/sh\nexit 101\n' >"$tree/usr/sbin/policy-rc.d"
chmod +x "$tree/usr/sbin/policy-rc.d"
cp /etc/resolv.conf "$tree/etc/resolv.conf"
if [ "$KERNEL" = bookworm ]; then
	scripts/debian-sources.sh | awk '{ print "deb " $1 " " $2 " main" }'
else
	mirror=${VFS_DEBIAN_MIRROR:-$(scripts/debian-sources.sh bookworm | head -n1 | cut -d" " -f1)}
	echo "deb $mirror $KERNEL main"
fi >"$tree/etc/apt/sources.list"
# debootstrap's deb822 sources would add a second copy of the same suite.
rm -f "$tree"/etc/apt/sources.list.d/*.sources
in_chroot() { chroot "$tree" env DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8 "$@"; }

step "apt sources in the guest"
cat "$tree/etc/apt/sources.list"
in_chroot apt-get update -q | tail -n 2
step "install linux-image-$release linux-headers-$release $source_pkg busybox"
in_chroot apt-get install -y -q --no-install-recommends \
	"linux-image-$release" "linux-headers-$release" "$source_pkg" busybox |
	grep -E "^(Setting up|update-initramfs|Need to get|After this)" || true

step "install $(basename "$deb") (dkms install + update-initramfs in its postinst)"
cp "$deb" "$tree/tmp/"
in_chroot apt-get install -y -q --no-install-recommends "/tmp/$(basename "$deb")" 2>&1 |
	grep -vE "^(Reading|Building|Selecting|Preparing|Unpacking|\(Reading)" || true
step "dkms status"
in_chroot dkms status
in_chroot modinfo -k "$release" -F filename virtio_fs
step "what update-initramfs put in /boot/initrd.img-$release"
in_chroot lsinitramfs "/boot/initrd.img-$release" |
	grep -E "virtio_fs|virtiofs|modprobe.d|init-top/virtio_fs" | sort
cleanup
mounts=()
trap - EXIT

step "boot: Debian's vmlinuz and initrd from the tree, root on virtio-fs"
guest_cmd='
echo "== guest: $(uname -r), root: $(awk "\$2 == \"/\" { print \$1, \$3, \$4 }" /proc/mounts)"
echo "== guest: modules:"; lsmod | grep -E "^(virtio_fs|virtiofs|fuse) "
echo "== guest: virtio_fs.ko is $(modinfo -F filename virtio_fs)"
echo "== guest: sysfs: tag $(cat /sys/fs/virtiofs/*/tag), state $(cat /sys/fs/virtiofs/*/state)"
echo "== guest: dkms status: $(dkms status)"
test -d /sys/module/virtio_fs && ! test -d /sys/module/virtiofs || exit 1
for d in /sys/bus/virtio/devices/*; do
	[ "$(cat "$d/device")" = 0x001a ] || continue # VIRTIO_ID_FS
	m=$(basename "$(readlink -f "$d/driver/module")")
	echo "== guest: virtio-fs device $(basename "$d") is driven by module $m"
	[ "$m" = virtio_fs ] || exit 1
done
echo "written by the DKMS-built module at $(date -u +%FT%TZ)" >/var/tmp/dkms-boot-test || exit 1
fsops | tail -n 2
'
rm -f "$tree/var/tmp/dkms-boot-test"
# The kernel arguments the package gives GRUB (initcall_blacklist for 6.12's
# built-in virtiofs), read as update-grub reads them.
grub_args=$(GRUB_CMDLINE_LINUX="" && . "$tree/etc/default/grub.d/virtio_fs.cfg" && echo $GRUB_CMDLINE_LINUX)
step "kernel arguments from the package's /etc/default/grub.d/virtio_fs.cfg: $grub_args"
"$harness" --kernel "$KERNEL" boot --root "$tree" --kernel "$tree/boot/vmlinuz-$release" \
	--initrd "$tree/boot/initrd.img-$release" --append "$grub_args" --quiet --timeout 900 \
	-- "$guest_cmd"
step "host: $tree/var/tmp/dkms-boot-test says: $(cat "$tree/var/tmp/dkms-boot-test")"
step "PASS"
