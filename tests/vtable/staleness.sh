#!/bin/bash
# Staleness under churn (issue 10): guest A stats and reads five files while
# the host (odd steps) and a second guest B (even steps) rename, chmod,
# truncate, append to, and unlink-and-recreate them; after each change A's
# next access must see it (tests/guest/stale.c has the steps and the
# handshake).  Run twice:
#   1. A on our module with vfsd -o cache=none --version-table: 0 stale;
#   2. A with vfsd -o cache=always: stale observations > 0, which shows the
#      test can fail.
# B always uses our module with cache=none.  Prints TAP; exit 0 if both pass.
#
#   tests/vtable/staleness.sh [VERSION_TABLE_SIZE]    (default 16M)
set -uo pipefail
cd "$(dirname "$0")/../.."
# KERNEL=bookworm (default) or trixie: the guest kernel, as for make.
harness=(build/bin/vfs-harness --kernel "${KERNEL:-bookworm}")
vt_size=${1:-16M}
logs=$(mktemp -d)
shared=
cleanup() {
	[ -n "$shared" ] && rm -rf "$shared"
	rm -rf "$logs"
}
trap cleanup EXIT

# Poll the first line of a control file until it is "$2" (300 s).
wait_line() {
	local i
	for ((i = 0; i < 6000; i++)); do
		[ -f "$1" ] && [ "$(head -n 1 "$1" 2>/dev/null)" = "$2" ] && return 0
		sleep 0.05
	done
	return 1
}

# The host's changes; keep in sync with steps[] in tests/guest/stale.c.
host_change() {
	local d=$1
	case $2 in
	1) mv "$d/a" "$d/a2" ;;
	3) chmod 600 "$d/b" ;;
	5) truncate -s 4 "$d/c" ;;
	7) printf 'host\n' >>"$d/d" ;;
	9) rm "$d/e" && printf 'echo from the host\n' >"$d/e" ;;
	esac
}

host_mutator() {
	local d=$1 i
	for i in 1 3 5 7 9; do
		wait_line "$d/.ctl/ready" "ready $i" || { echo "host: no ready $i"; return 1; }
		host_change "$d" "$i" || return 1
		echo "changed $i" >"$d/.ctl/changed"
	done
}

# run_case N NAME EXPECT OBSERVER-ARGS...: one observer, one mutator guest,
# the host mutator; ok when all three succeed.
run_case() {
	local n=$1 name=$2 expect=$3
	shift 3
	shared=$(mktemp -d /dev/shm/vfs-stale-XXXXXX)
	local d=$shared/st
	mkdir -p "$d/.ctl"
	printf 'alpha\n' >"$d/a"
	printf 'bravo\n' >"$d/b"
	printf 'charlie\n' >"$d/c"
	printf 'delta\n' >"$d/d"
	printf 'echo\n' >"$d/e"
	chmod 644 "$d"/?
	chmod -R a+rwX "$shared"

	"${harness[@]}" run --transport ours --shared "$shared" --timeout 900 -q "$@" \
		-- stale observe st --expect "$expect" >"$logs/a-$n" 2>&1 &
	local pa=$!
	"${harness[@]}" run --transport ours --daemon vfsd --cache none --shared "$shared" \
		--timeout 900 -q -- stale mutate st >"$logs/b-$n" 2>&1 &
	local pb=$!
	host_mutator "$d" >"$logs/h-$n" 2>&1
	local rh=$?
	wait $pa
	local ra=$?
	wait $pb
	local rb=$?
	local stale
	stale=$(sed -n 's/^# stale observations: \([0-9]*\).*/\1/p' "$logs/a-$n")
	if [ $ra -eq 0 ] && [ $rb -eq 0 ] && [ $rh -eq 0 ]; then
		echo "ok $n - $name: ${stale:-?} stale observations (expected $expect)"
	else
		echo "not ok $n - $name (observer $ra, mutator guest $rb, host $rh)"
		for f in a b h; do
			echo "# --- $f"
			sed 's/^/# /' "$logs/$f-$n"
		done
		fails=$((fails + 1))
	fi
	rm -rf "$shared"
	shared=
}

fails=0
echo "TAP version 13"
echo "1..2"
run_case 1 "version table (vfsd cache=none, --version-table $vt_size)" fresh \
	--daemon vfsd --cache none --version-table "$vt_size"
run_case 2 "cache=always (vfsd)" stale --daemon vfsd --cache always
exit $((fails > 0))
