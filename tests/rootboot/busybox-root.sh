#!/bin/bash
# A root whose init is not systemd (/sbin/init -> busybox): `vfs-harness boot`
# must run CMD there too (from the agent's init wrapper) and return its
# status, and must refuse a tree with no /bin/sh within seconds.  Prints TAP
# lines numbered from $1 (default 1); exits non-zero on a failure.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 2
harness=(build/bin/vfs-harness --kernel "${KERNEL:-bookworm}")
results=${RESULTS:-results/rootboot}
n=${1:-1}
fails=0
ok() { echo "ok $1 - $2"; }
not_ok() {
	echo "not ok $1 - $2"
	fails=$((fails + 1))
}

busybox=$(command -v busybox) || {
	not_ok $n "busybox root: no busybox on the host (apt-get install busybox-static)"
	exit 1
}
tree=$(mktemp -d build/busybox-root.XXXXXX)
trap 'rm -rf "$tree"' EXIT
mkdir -p "$tree"/{bin,sbin,dev,proc,sys,run,tmp,root,etc}
cp "$busybox" "$tree/bin/busybox"
ln -s ../bin/busybox "$tree/sbin/init"

# 1. No /bin/sh: a clear refusal, long before any timeout.
start=$(date +%s)
out=$("${harness[@]}" boot --root "$tree" --timeout 600 --results "$results" -- true 2>&1)
status=$?
took=$(($(date +%s) - start))
if [ $status -eq 2 ] && [ $took -lt 30 ] && grep -q "not systemd.*no /bin/sh" <<<"$out"; then
	ok $n "busybox root without /bin/sh: refused in ${took} s: $(grep -o 'boot: .*' <<<"$out" | tail -n1)"
else
	not_ok $n "busybox root without /bin/sh (status $status after ${took} s): $out"
fi
n=$((n + 1))

# 2. With the applets linked: CMD runs, its status comes back, the host
# sees what it wrote.
for applet in $("$busybox" --list); do
	[ -e "$tree/bin/$applet" ] || ln -s busybox "$tree/bin/$applet"
done
nonce="busybox-root-$(date +%s)-$$"
start=$(date +%s)
"${harness[@]}" boot --root "$tree" --quiet --timeout 300 --results "$results" -- \
	"echo $nonce on \$(awk '\$2 == \"/\" { print \$3 }' /proc/mounts) >/root/marker; exit 7"
status=$?
took=$(($(date +%s) - start))
if [ $status -eq 7 ] && grep -qx "$nonce on virtiofs" "$tree/root/marker" 2>/dev/null; then
	ok $n "busybox root: CMD ran from the init wrapper, exit 7 returned, host reads '$(cat "$tree/root/marker")' (${took} s)"
else
	not_ok $n "busybox root (status $status after ${took} s, marker: '$(cat "$tree/root/marker" 2>&1)')"
fi
exit $((fails > 0))
