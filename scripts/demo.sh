#!/bin/bash
# `make demo` (after `make image`): boot a guest on our virtio-fs transport and
# show it working -- read a host file, write a file the host then sees, run a
# short fio -- and say where the logs are.
#
# VFS_DEMO_TRANSPORT=debian|9p runs the same demo on a baseline transport.
set -euo pipefail
cd "$(dirname "$0")/.."

harness=build/bin/vfs-harness
transport=${VFS_DEMO_TRANSPORT:-ours}
results=results/demo

[ -x "$harness" ] || { echo "demo: $harness missing (make harness)" >&2; exit 1; }

# Shared directory on tmpfs, removed when the demo ends.
shared=$(mktemp -d /dev/shm/vfs-demo-XXXXXX)
trap 'rm -rf "$shared"' EXIT
echo "Hello from the host $(hostname) at $(date +%T)" >"$shared/hello-from-host.txt"

# Runs inside the guest; fio's full report is long, so keep the job headers
# and the IOPS/bandwidth lines.
guest_cmd='
echo "== guest: kernel $(uname -r), transport $VFS_TRANSPORT"
grep " /mnt " /proc/mounts
echo "== guest: cat /mnt/hello-from-host.txt"
cat /mnt/hello-from-host.txt || exit 1
echo "== guest: writing /mnt/hello-from-guest.txt"
echo "Hello from the guest, kernel $(uname -r), at $(date +%T)" >/mnt/hello-from-guest.txt || exit 1
for job in /opt/vfs/fio/demo-*.fio; do
	echo "== guest: fio $job"
	fio "$job" >/tmp/fio.out 2>&1 || { cat /tmp/fio.out; exit 1; }
	grep -E "^[a-z]+: \(groupid|IOPS=" /tmp/fio.out
done
rm -f /mnt/fio-demo*.dat
'

echo "== host: booting a guest (transport $transport, TCG: this takes a few seconds)"
status=0
"$harness" run --transport "$transport" --shared "$shared" --cache auto --quiet --keep-logs \
	--timeout 300 --results "$results" -- "$guest_cmd" || status=$?

echo "== host: cat $shared/hello-from-guest.txt"
cat "$shared/hello-from-guest.txt" || status=1
logs=$(ls -td "$results"/*/ 2>/dev/null | head -n1)
echo "== logs: ${logs:-none} (console.log, daemon.log, qemu.log, commands.txt, result.json)"
if [ "$status" -ne 0 ]; then
	echo "demo: FAILED (status $status)" >&2
fi
exit "$status"
