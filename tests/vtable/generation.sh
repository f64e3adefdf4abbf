#!/bin/bash
# A new table generation (what a restarted daemon publishes) invalidates
# everything the guest kept: tests/guest/vtable.c "generation" on a guest
# with vfsd --version-table, while this script changes the generation in
# the daemon's table memfd when the guest asks (bump_generation.py: QEMU
# 7.2 cannot reconnect a restarted vhost-user-fs backend).  Prints TAP.
#
#   tests/vtable/generation.sh [VERSION_TABLE_SIZE]    (default 16M)
set -uo pipefail
cd "$(dirname "$0")/../.."
# KERNEL=bookworm (default) or trixie: the guest kernel, as for make.
harness=(build/bin/vfs-harness --kernel "${KERNEL:-bookworm}")
shared=$(mktemp -d /dev/shm/vfs-vtgen-XXXXXX)
log=$(mktemp)
trap 'rm -rf "$shared" "$log"' EXIT
mkdir -p "$shared/gen/.ctl"
chmod -R a+rwX "$shared"

wait_line() {
	local i
	for ((i = 0; i < 6000; i++)); do
		[ "$(head -n 1 "$1" 2>/dev/null)" = "$2" ] && return 0
		sleep 0.05
	done
	return 1
}

echo "TAP version 13"
echo "1..1"
"${harness[@]}" run --transport ours --daemon vfsd --cache none \
	--version-table "${1:-16M}" --shared "$shared" --timeout 600 -q \
	-- vtable generation gen >"$log" 2>&1 &
pid=$!
bumped=no
if wait_line "$shared/gen/.ctl/bump" "bump 1" &&
	python3 tests/vtable/bump_generation.py "$pid" >>"$log" 2>&1; then
	bumped=yes
	echo "bumped 1" >"$shared/gen/.ctl/bumped"
fi
wait $pid
rc=$?
if [ $rc -eq 0 ] && [ $bumped = yes ]; then
	echo "ok 1 - a new generation invalidates everything kept"
else
	echo "not ok 1 - generation (guest status $rc, bumped: $bumped)"
	sed 's/^/# /' "$log"
fi
[ $rc -eq 0 ] && [ $bumped = yes ]
