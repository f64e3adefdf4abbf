#!/bin/bash
# The in-guest suites with the version table on: our module, vfsd
# -o cache=none --version-table SIZE on the patched QEMU; plus the sysfs
# counter checks with the table, with version_table=off, and without a
# table.  One guest boot per line; prints TAP, exit 0 if all pass.
#
#   tests/vtable/suites.sh [VERSION_TABLE_SIZE]    (default 16M)
set -uo pipefail
cd "$(dirname "$0")/../.."
# KERNEL=bookworm (default) or trixie: the guest kernel, as for make.
harness=(build/bin/vfs-harness --kernel "${KERNEL:-bookworm}")
vt=(--version-table "${1:-16M}")
base=(--transport ours --daemon vfsd --cache none -q)
log=$(mktemp)
trap 'rm -f "$log"' EXIT

# name | harness options | guest command
cases=(
	"fsops|${vt[*]} --timeout 900|fsops"
	"errors|${vt[*]} --no-mount --timeout 300|errors"
	"coherence|${vt[*]} --timeout 300|coherence"
	"concurrency|${vt[*]} --queues 2 --timeout 600|concurrency"
	"fsx|${vt[*]} --timeout 600|fsx -n 3000 /mnt/f1 /mnt/f2 /mnt/f3 /mnt/f4"
	"counters-on|${vt[*]} --timeout 300|vtable counters on"
	"forgets|${vt[*]} --timeout 300|vtable forgets"
	"counters-mount-off|${vt[*]} --opts version_table=off --timeout 300|vtable counters off"
	"counters-no-table|--timeout 300|vtable counters off"
)

echo "TAP version 13"
echo "1..${#cases[@]}"
n=0
fails=0
for c in "${cases[@]}"; do
	IFS='|' read -r name opts cmd <<<"$c"
	n=$((n + 1))
	# shellcheck disable=SC2086 # opts and cmd are word lists
	if "${harness[@]}" run "${base[@]}" $opts -- $cmd >"$log" 2>&1; then
		echo "ok $n - $name ($opts)"
	else
		echo "not ok $n - $name ($opts)"
		sed 's/^/# /' "$log"
		fails=$((fails + 1))
	fi
done
exit $((fails > 0))
