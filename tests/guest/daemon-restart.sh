#!/bin/sh
# daemon-restart.sh [DIR [RESTARTS [UPGRADES [vtable]]]]: the host daemon is killed
# with SIGKILL and started again RESTARTS times (default 5) while fsx, a
# checksum-verified copy and a `git status` loop run on the share; restarts
# listed in UPGRADES (comma-separated, default 3,5) start a different binary.  Nothing in
# the guest may see an error, every check of the data must pass, and the
# mount must work afterwards.  With "vtable", the version table must be
# in use again after the restarts, with a new generation.  Prints TAP.
#
# The harness does the restarts (vfs-request restart-daemon [upgrade]); it
# needs --daemon-reconnect (and --daemon-upgrade), the patched QEMU and a
# daemon that keeps its state (vfsd --state-file).  DIR/tree must be a git
# checkout committed on the host (tests/restart/check.sh makes one).
dir=${1:-${VFS_MNT:-/mnt}/restart}
restarts=${2:-5}
upgrades=$(echo "${3:-3,5}" | tr , ' ')
vtable=${4:-}
export HOME=/root GIT_CONFIG_NOSYSTEM=1
work=/tmp/daemon-restart
stop=$work/stop
errors=$work/errors
n=0
failed=0

ok() {
	n=$((n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		failed=$((failed + 1))
	fi
}

err() {
	echo "$*" >>"$errors"
}

# fsx runs of a few hundred operations each, on a new file every time.
fsx_loop() {
	i=0
	while [ ! -e "$stop" ]; do
		if ! fsx -n 300 -l 262144 -o 65536 -s $((i + 1)) "$dir/fsx.$i" >"$work/fsx.log" 2>&1; then
			err "fsx run $i failed:"
			tail -n 5 "$work/fsx.log" >>"$errors"
		fi
		rm -f "$dir/fsx.$i" || err "fsx: rm $dir/fsx.$i failed"
		i=$((i + 1))
	done
	echo "$i" >"$work/fsx.runs"
}

# The source lives in guest RAM; each copy goes to the share and back.
copy_loop() {
	i=0
	while [ ! -e "$stop" ]; do
		cp "$work/src.bin" "$dir/copy.bin" || err "copy $i: cp to the share failed"
		sum=$(sha256sum <"$dir/copy.bin" | cut -d' ' -f1)
		[ "$sum" = "$srcsum" ] || err "copy $i: checksum $sum, want $srcsum"
		cp "$dir/copy.bin" "$work/back.bin" || err "copy $i: cp from the share failed"
		cmp -s "$work/src.bin" "$work/back.bin" || err "copy $i: copied back differs"
		rm -f "$dir/copy.bin" || err "copy $i: rm failed"
		i=$((i + 1))
	done
	echo "$i" >"$work/copy.runs"
}

# git status reads the index, stats every file and rewrites the index
# (create, write, rename): the tree is clean, so the output must be empty.
git_loop() {
	i=0
	while [ ! -e "$stop" ]; do
		out=$(cd "$dir/tree" && git status --porcelain 2>&1)
		rc=$?
		[ $rc = 0 ] || err "git status $i: exit status $rc: $out"
		[ -z "$out" ] || err "git status $i: tree not clean: $out"
		i=$((i + 1))
	done
	echo "$i" >"$work/git.runs"
}

runs_of() {
	cat "$work/$1.runs" 2>/dev/null || echo 0
}

# The version table of the mount's device, as the guest sees it.
vt_file() {
	for d in /sys/fs/virtiofs/*/version_table; do
		[ -r "$d/$1" ] && cat "$d/$1" && return 0
	done
	echo none
}

planned=$((restarts + 6))
[ -z "$vtable" ] || planned=$((planned + 1))
echo "TAP version 13"
echo "1..$planned"
rm -rf "$work"
mkdir -p "$work" "$dir" || {
	echo "Bail out! cannot make $work and $dir"
	exit 1
}
: >"$errors"
dd if=/dev/urandom of="$work/src.bin" bs=1M count=2 2>/dev/null
srcsum=$(sha256sum <"$work/src.bin" | cut -d' ' -f1)
if ! (cd "$dir/tree" && git update-index -q --refresh >/dev/null 2>&1; git status --porcelain) \
	>"$work/git.first" 2>&1 || [ -s "$work/git.first" ]; then
	echo "Bail out! $dir/tree is not a clean git checkout: $(head -c 300 "$work/git.first")"
	exit 1
fi

gen_before=$(vt_file generation)
fsx_loop &
fsx_pid=$!
copy_loop &
copy_pid=$!
git_loop &
git_pid=$!
sleep 5

# 1..RESTARTS: each restart, with the load running
r=1
while [ $r -le "$restarts" ]; do
	how=
	case " $upgrades " in
	*" $r "*) how=upgrade ;;
	esac
	reply=$(vfs-request restart-daemon $how 2>&1)
	ok $? "restart $r${how:+ ($how)}"
	[ -z "$reply" ] || echo "# $reply"
	sleep 5
	r=$((r + 1))
done

touch "$stop"
wait $fsx_pid $copy_pid $git_pid
echo "# finished runs: fsx $(runs_of fsx), copies $(runs_of copy), git status $(runs_of git)"

# Each workload ran throughout and never saw an error.
# (Each loop ran from before the first restart to after the last; runs
# counts the iterations it finished.)
for w in fsx copy git; do
	grep -q "^$w" "$errors"
	found=$?
	[ "$(runs_of $w)" -ge 1 ] && [ $found -ne 0 ]
	ok $? "$w: no error across the restarts ($(runs_of $w) runs)"
done
if [ -s "$errors" ]; then
	sed 's/^/# /' "$errors" | head -n 40
fi

# The mount works afterwards: a new file, its contents, a listing, removal.
f="$dir/after-restarts"
echo "still here" >"$f" && [ "$(cat "$f")" = "still here" ] && ls "$dir" >/dev/null && rm "$f"
ok $? "mount usable after the restarts"

# The restarted daemon's table replaced the killed one's.
if [ -n "$vtable" ]; then
	i=0
	while [ "$(vt_file state)" != on ] && [ $i -lt 20 ]; do
		sleep 0.5
		i=$((i + 1))
	done
	gen_after=$(vt_file generation)
	[ "$(vt_file state)" = on ] && [ "$gen_after" != 0 ] && [ "$gen_after" != "$gen_before" ]
	ok $? "version table in use again, generation $gen_before -> $gen_after"
fi

# No request timed out and the transport failed nothing.
timeouts=0
for t in /sys/fs/virtiofs/*/queues/*/timeouts; do
	[ -r "$t" ] && timeouts=$((timeouts + $(cat "$t")))
done
[ "$timeouts" = 0 ]
ok $? "no request timed out (${timeouts})"

bad=$(dmesg | grep -i -E "virtiofs|virtio_fs|vtfs" | grep -v "module verification failed" |
	grep -i -E "fail|error|timed out|reset" | head -n 5)
[ -z "$bad" ]
ok $? "no transport errors in dmesg"
[ -z "$bad" ] || echo "$bad" | sed 's/^/# /'
[ $failed = 0 ]
