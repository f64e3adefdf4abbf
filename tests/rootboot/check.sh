#!/bin/bash
# `make rootboot-check [KERNEL=trixie]`: boot guests whose root file system
# is on virtio-fs (vfs-harness boot) and check from the host what they did.
# KERNEL (bookworm, the default, or trixie) picks the guest kernel and the
# Debian release of the root tree: Debian 12 on 6.1, Debian 13 on 6.12.
#
#  1. the default root (minimal Debian 12 or 13, debootstrapped once into
#     build/rootfs/): systemd boots, the in-guest fsops and mmap suites run
#     on /, the guest writes a file under / that the host then reads, and
#     the guest shuts down cleanly;
#  2. root=TAG naming no device: a clear console message and a rescue shell;
#  3. a daemon that never answers (vfsd dropping FUSE_INIT): the same,
#     instead of a hang;
#  4-5. a busybox root (init not systemd): refused at once without /bin/sh,
#     else CMD runs from the agent's init wrapper (busybox-root.sh).
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 2
KERNEL=${KERNEL:-bookworm}
export KERNEL
harness=(build/bin/vfs-harness --kernel "$KERNEL")
results=results/rootboot-$KERNEL
fails=0

ok() { echo "ok $1 - $2"; }
not_ok() {
	echo "not ok $1 - $2"
	fails=$((fails + 1))
}
latest_console() { ls -td "$results"/*-boot/ 2>/dev/null | head -n1 | sed 's|/$|/console.log|'; }

echo "TAP version 13"
kdir=build/kernel
[ "$KERNEL" = bookworm ] || kdir=build/kernel-$KERNEL
echo "# guest kernel: $KERNEL ($(cat "$kdir/release" 2>&1)), Debian $KERNEL root"
echo "1..5"

# 1. Real boot.  The nonce proves the file is this run's.
nonce="rootboot-$(date +%s)-$$"
root=$(scripts/debian-rootfs.sh -s "$KERNEL" build/rootfs) || {
	not_ok 1 "debootstrap the default $KERNEL root"
	exit 1
}
marker=var/tmp/vfs-rootboot-check
rm -f "$root/$marker"
start=$(date +%s)
"${harness[@]}" boot --quiet --timeout 600 --results "$results" -- \
	"fsops && mmap && echo $nonce written by \$(uname -r) on \$(awk '\$2 == \"/\" { print \$3 }' /proc/mounts) >/$marker"
status=$?
took=$(($(date +%s) - start))
if [ $status -eq 0 ] && grep -q "^$nonce written by .* on virtiofs$" "$root/$marker" 2>/dev/null; then
	ok 1 "root on virtio-fs: suites pass on /, host reads /$marker: '$(cat "$root/$marker")' (${took} s)"
else
	not_ok 1 "root on virtio-fs (harness status $status, $root/$marker: '$(cat "$root/$marker" 2>&1)')"
fi
rm -f "$root/$marker"

# 2. Missing tag: the last root= on the command line wins.
"${harness[@]}" boot --keep-logs --timeout 120 --results "$results" --append "root=nosuchtag rootdelay=3" \
	-- true >/dev/null 2>&1
status=$?
console=$(latest_console)
if [ $status -eq 125 ] && grep -q "cannot mount virtio-fs tag 'nosuchtag'.*tags present: vfs0" "$console" &&
	grep -q "rescue shell" "$console"; then
	ok 2 "missing tag: message and rescue shell: $(grep -m1 -o "virtiofs root: cannot mount.*" "$console")"
else
	not_ok 2 "missing tag (harness status $status, console $console)"
fi

# 3. Daemon gone.
"${harness[@]}" boot --keep-logs --timeout 120 --results "$results" --rootdelay 5 \
	--daemon "$PWD/tests/rootboot/dead-daemon.sh" -- true >/dev/null 2>&1
status=$?
console=$(latest_console)
if [ $status -eq 125 ] && grep -q "host daemon does not answer" "$console" &&
	grep -q "rescue shell" "$console"; then
	ok 3 "dead daemon: message and rescue shell: $(grep -m1 -o "virtiofs root: virtio-fs tag.*" "$console")"
else
	not_ok 3 "dead daemon (harness status $status, console $console)"
fi

RESULTS=$results tests/rootboot/busybox-root.sh 4 || fails=$((fails + 1))

[ $fails -eq 0 ] && rm -rf "$results"
exit $((fails > 0))
