#!/bin/bash
# `make dkms-boot-test`: the Debian way, for real.  In a copy of the
# debootstrapped tree (chroot on the host): install Debian's kernel, its
# headers, linux-source-6.1 and our virtio-fs-dkms package (DKMS builds
# virtio_fs.ko, the initramfs-tools hook puts it into the initramfs that
# update-initramfs makes), then boot that kernel and initramfs with the root
# on virtio-fs and check from inside that the root is our module's.
#
# Slow (downloads ~300 MB the first time; cached in build/rootfs/apt-archives)
# and big (~1.3 GB tree in build/rootfs/dkms-test).  Prints a transcript.
set -euo pipefail
cd "$(dirname "$0")/../.."
top=$PWD
harness=$top/build/bin/vfs-harness
deb=$(ls "$top"/build/deb/virtio-fs-dkms_*_all.deb | tail -n1)
release=$(cat build/kernel/release) # the kernel the harness boots, e.g. 6.1.0-56-amd64
tree=$top/build/rootfs/dkms-test
archives=$top/build/rootfs/apt-archives
step() { echo "== $(date +%T) $*"; }

step "base tree"
base=$(scripts/debian-rootfs.sh build/rootfs)
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
scripts/debian-sources.sh | awk '{ print "deb " $1 " " $2 " main" }' >"$tree/etc/apt/sources.list"
in_chroot() { chroot "$tree" env DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8 "$@"; }

step "apt sources in the guest"
cat "$tree/etc/apt/sources.list"
in_chroot apt-get update -q | tail -n 2
step "install linux-image-$release linux-headers-$release linux-source-6.1 busybox"
in_chroot apt-get install -y -q --no-install-recommends \
	"linux-image-$release" "linux-headers-$release" linux-source-6.1 busybox |
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
echo "written by the DKMS-built module at $(date -u +%FT%TZ)" >/var/tmp/dkms-boot-test || exit 1
fsops | tail -n 2
'
rm -f "$tree/var/tmp/dkms-boot-test"
"$harness" boot --root "$tree" --kernel "$tree/boot/vmlinuz-$release" \
	--initrd "$tree/boot/initrd.img-$release" --quiet --timeout 900 -- "$guest_cmd"
step "host: $tree/var/tmp/dkms-boot-test says: $(cat "$tree/var/tmp/dkms-boot-test")"
step "PASS"
