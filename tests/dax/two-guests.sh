#!/bin/bash
# Two guests share one host directory, each through its own QEMU (with a DAX
# window), its own vfsd and our module mounted with -o dax, and map the same
# file MAP_SHARED: each must see the other's stores through its mapping
# (tests/guest/dax-peer.c).  Prints TAP; exit 0 only if both halves pass.
set -uo pipefail
cd "$(dirname "$0")/../.."
harness=build/bin/vfs-harness
shared=$(mktemp -d /dev/shm/vfs-two-guests-XXXXXX)
logs=$(mktemp -d)
trap 'rm -rf "$shared" "$logs"' EXIT

common=(--transport ours --daemon vfsd --cache none --cache-size 64M --opts dax
	--shared "$shared" --timeout 400 -q)
echo "TAP version 13"
echo "1..2"
"$harness" run "${common[@]}" -- dax-peer a /mnt/peer >"$logs/a" 2>&1 &
pa=$!
"$harness" run "${common[@]}" -- dax-peer b /mnt/peer >"$logs/b" 2>&1 &
pb=$!
wait $pa
ra=$?
wait $pb
rb=$?

fails=0
for g in a b; do
	rc=$ra
	[ $g = b ] && rc=$rb
	n=1
	[ $g = b ] && n=2
	if [ "$rc" -eq 0 ] && grep -q "^ok 2 sees_peer_store_through_mmap" "$logs/$g"; then
		echo "ok $n - guest $g sees the other guest's stores through its DAX mapping"
	else
		echo "not ok $n - guest $g (harness status $rc)"
		sed 's/^/# /' "$logs/$g"
		fails=$((fails + 1))
	fi
done
[ -f "$shared/peer" ] && head -c 10 "$shared/peer" | grep -q "A was here" ||
	{ echo "# host file lacks guest a's store"; fails=$((fails + 1)); }
exit $((fails > 0))
