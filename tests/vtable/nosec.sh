#!/bin/bash
# DAX writes and the per-write privilege check (fs/fuse/vtfs_vfs_nosec.c):
# with the version table, overwrites of an unchanged file make no request
# (no GETXATTR security.capability per write), and a capability set on the
# host is still removed by the guest's next write.  Without the table
# (DAX alone), every write asks: the control that shows the count can
# fail.  Prints TAP.
#
#   tests/vtable/nosec.sh
set -uo pipefail
cd "$(dirname "$0")/../.."
# KERNEL=bookworm (default) or trixie: the guest kernel, as for make.
harness=(build/bin/vfs-harness --kernel "${KERNEL:-bookworm}")
writes=200

# The guest side: lay out a file, overwrite it $writes times 4 KiB at a time,
# count our module's requests; then wait for the host's setcap and write once.
guest_script() {
	cat <<GUEST
q() { cat /sys/fs/virtiofs/*/queues/request.*/requests | awk '{ s += \$1 } END { print s }'; }
cd /mnt/w || exit 1
dd if=/dev/zero of=f bs=1M count=8 2>/dev/null && sync || exit 1
dd if=/dev/zero of=f bs=4k count=2048 conv=notrunc 2>/dev/null || exit 1
r0=\$(q)
dd if=/dev/zero of=f bs=4k count=$writes conv=notrunc 2>/dev/null || exit 1
echo "\$((\$(q) - r0))" >/mnt/.ctl/steady
i=0
while [ ! -e /mnt/.ctl/go ] && [ \$i -lt 1200 ]; do sleep 0.1; i=\$((i + 1)); done
dd if=/dev/zero of=f bs=4k count=1 conv=notrunc 2>/dev/null || exit 1
echo done >/mnt/.ctl/wrote
GUEST
}

wait_file() {
	local i
	for ((i = 0; i < 6000; i++)); do
		[ -s "$1" ] && return 0
		sleep 0.05
	done
	return 1
}

# run NAME VERSION_TABLE_SIZE: boots a DAX guest; sets "steady" (requests
# for the overwrites) and "caps" (the file's capabilities on the host after
# the guest's write, empty when removed).
run() {
	local shared log pid
	shared=$(mktemp -d /dev/shm/vfs-nosec-XXXXXX)
	log=$(mktemp)
	mkdir -p "$shared/w" "$shared/.ctl"
	guest_script >"$shared/.ctl/guest.sh"
	local vt=()
	[ "$2" = 0 ] || vt=(--version-table "$2")
	"${harness[@]}" run --transport ours --daemon vfsd --cache none \
		--cache-size 512M --opts dax "${vt[@]}" --shared "$shared" \
		--timeout 300 -q -- sh /mnt/.ctl/guest.sh >"$log" 2>&1 &
	pid=$!
	steady=
	caps=unset
	if wait_file "$shared/.ctl/steady"; then
		steady=$(cat "$shared/.ctl/steady")
		setcap cap_net_raw+ep "$shared/w/f"
		touch "$shared/.ctl/go"
		wait_file "$shared/.ctl/wrote" && caps=$(getcap "$shared/w/f")
	fi
	wait $pid
	status=$?
	[ $status -eq 0 ] || sed 's/^/# /' "$log"
	rm -rf "$shared" "$log"
}

echo "TAP version 13"
echo "1..4"
fail=0
report() {
	if [ "$1" = ok ]; then
		echo "ok $2 - $3"
	else
		echo "not ok $2 - $3"
		fail=1
	fi
}

run table 16M
[ $status -eq 0 ] && [ -n "$steady" ] && [ "$steady" -lt $((writes / 10)) ] && r=ok || r=fail
report $r 1 "DAX + version table: $writes overwrites made ${steady:-?} requests (< $((writes / 10)))"
[ $status -eq 0 ] && [ -z "$caps" ] && r=ok || r=fail
report $r 2 "DAX + version table: a capability set on the host is removed by the next guest write (left: '${caps}')"

run dax 0
[ $status -eq 0 ] && [ -n "$steady" ] && [ "$steady" -ge $writes ] && r=ok || r=fail
report $r 3 "DAX alone (control): $writes overwrites made ${steady:-?} requests (>= $writes, one check each)"
[ $status -eq 0 ] && [ -z "$caps" ] && r=ok || r=fail
report $r 4 "DAX alone: a capability set on the host is removed by the next guest write (left: '${caps}')"
exit $fail
