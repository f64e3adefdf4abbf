#!/bin/bash
# File locks across guests and the host (issue 13); make locks-check.
#
#   1. vfsd: two guests on our module, each with its own vfsd on one shared
#      directory, and a host process increment two counters N times each,
#      one under POSIX locks, one under flock: no update may be lost.  Both
#      guests see a lock the host holds (F_GETLK, F_SETLK); guest B sees
#      guest A's lock and A's unlock wakes B's F_SETLKW.
#      Then both guests insert rows into one sqlite3 database on the share
#      at the same time (sqlite's own fcntl locking): integrity_check is ok
#      and no row is lost.  Last, the host's holder is killed and guest B
#      can take the lock it held.
#   2. QEMU's virtiofsd: the documented local-only behaviour (the host's
#      lock is invisible to the guest), and nothing hangs.
#   3. The single-guest suite "locks" (tests/guest/locks.c: holders,
#      release on close/exit/kill, F_SETLKW with SIGALRM and SIGKILL, a
#      dozen waiters beside a read stream: throughput ratio >= 0.8)
#      against both daemons.
#   4. vfsd: a READ and a WRITE that a slow host mount in the share never
#      answers (tests/locks/slow_fs.cpp, a FUSE file system on the host)
#      end with EINTR on SIGALRM and with SIGKILL, more of them than vfsd
#      has workers too, and other I/O goes on (tests/guest/interrupt.c);
#      the host file system saw each request it got interrupted.  Not run
#      against QEMU's virtiofsd: without FUSE_INTERRUPT such a read ends
#      only when the host file answers (documented).
# Prints TAP; exit 0 if all pass.   tests/locks/check.sh [N]  (default 1000)
set -uo pipefail
cd "$(dirname "$0")/../.."
harness=(build/bin/vfs-harness --kernel "${KERNEL:-bookworm}")
n=${1:-1000}
logs=$(mktemp -d)
shared=
holder=
slowfs_pid=
cleanup() {
	[ -n "$holder" ] && kill "$holder" 2>/dev/null && wait "$holder" 2>/dev/null
	end_slowfs
	[ -n "$shared" ] && rm -rf "$shared"
	rm -rf "$logs"
}
trap cleanup EXIT

fails=0
number=0
report() { # report OK NAME [LOG...]
	local ok=$1 name=$2 f
	shift 2
	number=$((number + 1))
	if [ "$ok" = 1 ]; then
		echo "ok $number - $name"
	else
		echo "not ok $number - $name"
		for f in "$@"; do
			echo "# --- $(basename "$f")"
			sed 's/^/# /' "$f"
		done
		fails=$((fails + 1))
	fi
}

wait_file() { # wait_file PATH SECONDS
	local i
	for ((i = 0; i < $2 * 10; i++)); do
		[ -e "$1" ] && return 0
		sleep 0.1
	done
	return 1
}

new_share() {
	shared=$(mktemp -d /dev/shm/vfs-locks-XXXXXX)
	mkdir -p "$shared/lk"
	printf '0\n' >"$shared/lk/counter-posix"
	printf '0\n' >"$shared/lk/counter-flock"
	printf '0123456789abcdefghij' >"$shared/lk/hostheld"
	sqlite3 "$shared/lk/db" "CREATE TABLE t(who TEXT, n INTEGER)"
	chmod -R a+rwX "$shared"
	tests/locks/host_lock.py hold "$shared/lk/hostheld" >"$logs/holder" 2>&1 &
	holder=$!
	wait_file "$shared/lk/hostheld" 5
	sleep 0.5
}

end_share() {
	kill "$holder" 2>/dev/null
	wait "$holder" 2>/dev/null
	holder=
	rm -rf "$shared"
	shared=
}

rows=${LOCKS_SQLITE_ROWS:-100}

guest_cmd() { # guest_cmd NAME ROLE: barrier, both counters, ROLE, sqlite rows
	local d=/mnt/lk
	echo "set -e; locks host $d remote; touch $d/ready-$1;" \
		"while [ ! -e $d/go ]; do sleep 1; done;" \
		"locks contend $d/counter-posix $n posix; locks contend $d/counter-flock $n flock;" \
		"locks $2 $d;" \
		"i=1; while [ \$i -le $rows ]; do" \
		"sqlite3 -cmd '.timeout 120000' $d/db \"INSERT INTO t VALUES('$1', \$i);\";" \
		"i=\$((i + 1)); done; echo '# sqlite: $rows rows inserted';" \
		"$3"
}

end_slowfs() {
	[ -n "$slowfs_pid" ] || return 0
	kill "$slowfs_pid" 2>/dev/null
	wait "$slowfs_pid" 2>/dev/null
	slowfs_pid=
	[ -n "$shared" ] && umount -l "$shared/slow" 2>/dev/null
	return 0
}

echo "TAP version 13"
echo "1..8"

# 1. Two guests and the host on vfsd.
new_share
"${harness[@]}" run --transport ours --daemon vfsd --cache none --shared "$shared" \
	--timeout 900 -q -- "$(guest_cmd a hold "")" >"$logs/guest-a" 2>&1 &
pa=$!
"${harness[@]}" run --transport ours --daemon vfsd --cache none --shared "$shared" \
	--timeout 900 -q -- "$(guest_cmd b wait "touch /mnt/lk/kill-host; locks freed /mnt/lk")" >"$logs/guest-b" 2>&1 &
pb=$!
rh=1
if wait_file "$shared/lk/ready-a" 600 && wait_file "$shared/lk/ready-b" 600; then
	touch "$shared/lk/go"
	tests/locks/host_lock.py contend "$shared/lk/counter-posix" "$n" posix >"$logs/host" 2>&1 &&
		tests/locks/host_lock.py contend "$shared/lk/counter-flock" "$n" flock >>"$logs/host" 2>&1
	rh=$?
	# Guest B then checks that the killed holder's lock is gone.
	while kill -0 $pb 2>/dev/null && [ ! -e "$shared/lk/kill-host" ]; do
		sleep 0.2
	done
	if [ -e "$shared/lk/kill-host" ]; then
		kill -KILL "$holder"
		wait "$holder" 2>/dev/null # reaped here, quietly
		holder=
	fi
fi
wait $pa
ra=$?
wait $pb
rb=$?
grep -h '^#' "$logs/guest-a" "$logs/guest-b" "$logs/host" 2>/dev/null | sed 's/^# *//; s/^/# /'
sed 's/^/# /' "$logs/host"
posix=$(tr -d ' \n' <"$shared/lk/counter-posix")
flk=$(tr -d ' \n' <"$shared/lk/counter-flock")
echo "# counters: posix $posix, flock $flk (expected $((3 * n)) each)"
report $((ra == 0 && rb == 0 && rh == 0)) \
	"vfsd: two guests and the host (guest A $ra, guest B $rb, host $rh)" \
	"$logs/guest-a" "$logs/guest-b" "$logs/host"
report $((posix == 3 * n)) "vfsd: no lost update under POSIX locks ($posix of $((3 * n)))"
report $((flk == 3 * n)) "vfsd: no lost update under flock ($flk of $((3 * n)))"
check=$(sqlite3 "$shared/lk/db" "PRAGMA integrity_check")
count=$(sqlite3 "$shared/lk/db" "SELECT count(DISTINCT who || '-' || n) FROM t")
echo "# sqlite: integrity_check $check, $count distinct rows (expected $((2 * rows)))"
report $([ "$check" = ok ] && [ "$count" = $((2 * rows)) ] && echo 1 || echo 0) \
	"vfsd: sqlite3 from two guests at once: integrity ok, no row lost"
end_share

# 2. QEMU's virtiofsd: locks stay in the guest.
new_share
"${harness[@]}" run --transport ours --daemon virtiofsd --cache none --shared "$shared" \
	--timeout 300 -q -- "locks host /mnt/lk local" >"$logs/virtiofsd" 2>&1
report $((! $?)) "virtiofsd: local-only locks, the host's lock is invisible" "$logs/virtiofsd"
end_share

# 3. The single-guest suite against both daemons.
"${harness[@]}" test --suite locks --columns ours+vfsd,ours+virtiofsd >"$logs/suite" 2>&1
rs=$?
# The dozen-waiters figures (in the harness's results.json).
res=$(sed -n 's/^results: //p' "$logs/suite" | tail -1)
[ -f "$res/results.json" ] && python3 -c '
import json, sys
for t in json.load(open(sys.argv[1]))["tests"]:
    for line in t["diagnostics"].splitlines():
        if "unloaded runs" in line or "lower quartiles" in line:
            print("# %s: %s" % (t["transport"], line.lstrip("# ")))
' "$res/results.json"
report $((! rs)) "suite locks (ours+vfsd, ours+virtiofsd)" "$logs/suite"

# 4. vfsd: READ and WRITE on a slow host mount are interruptible.
slowfs=build/cmake/tests/locks/slow-fs
shared=$(mktemp -d /dev/shm/vfs-locks-XXXXXX)
mkdir "$shared/slow"
chmod -R a+rwX "$shared"
ri=1
if [ -x "$slowfs" ]; then
	"$slowfs" "$shared/slow" >"$logs/slow-fs" 2>&1 &
	slowfs_pid=$!
	for ((i = 0; i < 50; i++)); do
		grep -q '^mounted' "$logs/slow-fs" && break
		sleep 0.1
	done
	if grep -q '^mounted' "$logs/slow-fs"; then
		"${harness[@]}" run --transport ours --daemon vfsd --cache none --shared "$shared" \
			--timeout 600 -q -- "interrupt /mnt/slow/file" >"$logs/interrupt" 2>&1
		ri=$?
	fi
	end_slowfs
else
	echo "# $slowfs not built (libfuse3-dev missing?)" >"$logs/slow-fs"
fi
blocked=$(grep -c '^blocked' "$logs/slow-fs")
reads=$(grep -c '^interrupted read' "$logs/slow-fs")
writes=$(grep -c '^interrupted write' "$logs/slow-fs")
echo "# slow host mount: $blocked requests blocked, $reads reads and $writes writes interrupted"
report $((ri == 0)) "vfsd: READ/WRITE on a slow host file end on SIGALRM and SIGKILL" \
	"$logs/interrupt" "$logs/slow-fs"
report $([ "$reads" -ge 3 ] && [ "$writes" -ge 1 ] && [ "$blocked" = $((reads + writes)) ] &&
	echo 1 || echo 0) "vfsd: the host file system saw every blocked request interrupted" \
	"$logs/slow-fs"
rm -rf "$shared"
shared=
exit $((fails > 0))
