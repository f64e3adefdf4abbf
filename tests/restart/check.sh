#!/bin/bash
# make restart-check (Documentation/vfsd.md, "Restart"): a guest runs fsx, a
# checksum-verified copy and a `git status` loop on a vfsd share while the
# harness kills vfsd with SIGKILL five times and starts it again, the third
# and fifth time from a different binary (the upgrade case).  QEMU is the
# patched build (reconnection, inflight buffer); vfsd keeps its state in
# --state-file.  Prints TAP; tests/guest/daemon-restart.sh's is a subtest.
#
#   tests/restart/check.sh [RESTARTS]    (default 5)
#
# A second boot does 3 restarts (the second an upgrade) with the DAX window
# and the version table on: the window's mappings must survive (fsx maps the
# files), and the new vfsd's table replaces the old one.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
# KERNEL=bookworm (default) or trixie: the guest kernel, as for make.
harness=(build/bin/vfs-harness --kernel "${KERNEL:-bookworm}")
restarts=${1:-5}
qemu=$(./scripts/qemu/build-qemu-dax.sh | tail -n 1) || exit 1
shared=$(mktemp -d /dev/shm/vfs-restart-XXXXXX)
state=$(mktemp -d /dev/shm/vfs-restart-state-XXXXXX)
log=$(mktemp)
trap 'rm -rf "$shared" "$state" "$log"' EXIT

# The upgrade: another vfsd binary at another path, differing from the
# running one in content (a note section naming it), as a new build would.
upgrade=$state/vfsd-upgrade
echo "vfsd upgrade test build $(date -u +%FT%TZ)" >"$state/note"
objcopy --add-section .note.vfsd-upgrade="$state/note" build/bin/vfsd "$upgrade" || exit 1
chmod 755 "$upgrade"
cmp -s build/bin/vfsd "$upgrade" && {
	echo "Bail out! the upgrade binary is identical to build/bin/vfsd"
	exit 1
}

# Committed git trees on the share for the guests' `git status` loops.
for name in plain dax; do
	tree=$shared/restart-$name/tree
	mkdir -p "$tree"
	cp -r daemon harness "$tree/"
	git -C "$tree" init -q &&
		git -C "$tree" add -A &&
		git -C "$tree" -c user.name=vfs -c user.email=vfs@localhost commit -q -m tree ||
		exit 1
done
chmod -R a+rwX "$shared"

# Some requests are held for a while before they are served, so that a kill
# finds requests in flight: the next vfsd must run them (the inflight
# buffer), CREATE, RENAME and UNLINK included.
delays=()
for op in READ@16 WRITE@16 CREATE@2 RENAME@2 UNLINK@2 GETATTR@40; do
	delays+=("--daemon-arg=--inject=delay=200:$op")
done

failed=0
# run_case N NAME RESTARTS UPGRADES VTABLE [HARNESS OPTIONS...]: one boot
# (UPGRADES: comma-separated restart numbers that start the other binary);
# prints TAP lines N and N+1.  VTABLE "vtable": check the version table too.
run_case() {
	local n=$1 name=$2 count=$3 upgrades=$4 vtable=$5
	shift 5
	"${harness[@]}" run --transport ours --daemon vfsd --cache none --qemu "$qemu" \
		--daemon-reconnect --daemon-upgrade "$upgrade" \
		--daemon-arg=--state-file="$state/vfsd-$name.state" "${delays[@]}" \
		--shared "$shared" --timeout 480 -q --keep-logs "$@" \
		-- daemon-restart.sh "/mnt/restart-$name" "$count" "$upgrades" "$vtable" 2>&1 |
		tee "$log" | sed 's/^/    /'
	local rc=${PIPESTATUS[0]}
	if [ "$rc" -eq 0 ]; then
		echo "ok $n - $name: the guest saw no error across $count kills and restarts"
	else
		echo "not ok $n - $name: the guest's checks (exit status $rc)"
	fi
	# The host's side: requests in flight at a kill were run by the next vfsd.
	local run_dir resubmitted=0
	run_dir=$(sed -n 's/.*logs kept in \([^ ]*\).*/\1/p' "$log" | tail -n 1)
	if [ -n "$run_dir" ]; then
		resubmitted=$(cat "$run_dir"/daemon-*.log 2>/dev/null |
			sed -n 's/.*resubmitting \([0-9]*\) request.*/\1/p' | paste -sd+ | bc)
	fi
	echo "# $name: requests resubmitted after a kill: ${resubmitted:-0}"
	if [ "${resubmitted:-0}" -gt 0 ]; then
		echo "ok $((n + 1)) - $name: requests in flight at a kill were resubmitted"
	else
		echo "not ok $((n + 1)) - $name: no request in flight at any kill was resubmitted"
		rc=1
	fi
	# The logs (the daemons' included) stay only when something failed.
	if [ "$rc" -eq 0 ] && [ -n "$run_dir" ]; then
		rm -rf "$run_dir"
	fi
	[ "$rc" -eq 0 ] || failed=1
}

echo "TAP version 13"
echo "1..4"
# Plain FUSE reads and writes; the third and fifth start are an upgrade.
run_case 1 plain "$restarts" 3,5 ""
# The DAX window and the version table: QEMU keeps the window's mappings
# across the restarts (fsx maps the files), the new vfsd maps a new table.
run_case 3 dax 3 2 vtable --cache-size 64M --opts dax --version-table 16M
exit "$failed"
