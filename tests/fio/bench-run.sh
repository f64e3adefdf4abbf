#!/bin/sh
# In-guest side of `vfs-harness bench` (Documentation/benchmarks.md).
#
#   sh /opt/vfs/fio/bench-run.sh DIR SIZE RUNTIME JOB...
#
# JOB is ID:WORKLOAD:ENGINE:NUMJOBS; each runs /opt/vfs/fio/bench-WORKLOAD.fio
# once, in the order given (the harness interleaves the repeats). Output on
# the console, one block per job:
#
#   @@BENCH-BEGIN ID
#   <fio JSON>
#   @@BENCH-ERR <a line of fio's stderr>      (any number)
#   @@BENCH-COUNTERS <requests> <kicks> <interrupts> (deltas over the job,
#                    summed over the request queues of our module; absent
#                    when /sys/fs/virtiofs/*/queues does not exist)
#   @@BENCH-LATENCY <count>...   (delta over the job of the request queues'
#                    round-trip histograms, sysfs latency_us, summed over
#                    the queues; absent without them)
#   @@BENCH-IRQS <interrupts>                 (delta over the job of the guest's
#                    /proc/interrupts lines of virtio request queues: 9p,
#                    Debian's module and ours alike)
#   @@BENCH-END ID RC T0 T1        (fio exit status, guest uptime around fio)
#
# With VFS_PERF_DIR set (vfs-harness bench --profile), fio runs under
# `perf record -a -g` (perf, its libraries and its loader in that directory,
# on the share) and, after @@BENCH-END, `perf report --stdio` goes to
# $VFS_PROFILE_OUT/job-ID.txt.
dir=$1
size=$2
runtime=$3
shift 3
jobdir=/opt/vfs/fio

mkdir -p "$dir" || exit 1

# Lay out the four files once (multi jobs use bench.0..3, single jobs bench.0).
i=0
mib=${size%[mM]}
while [ $i -lt 4 ]; do
	dd if=/dev/zero of="$dir/bench.$i" bs=1M count="$mib" 2>/dev/null || {
		echo "@@BENCH-SETUP-FAILED cannot write $dir/bench.$i"
		exit 1
	}
	i=$((i + 1))
done
sync
echo "@@BENCH-LAYOUT-DONE"

# Sum of requests, kicks, interrupts over our module's request queues.
counters() {
	set -- 0 0 0
	for q in /sys/fs/virtiofs/*/queues/request.*; do
		[ -r "$q/requests" ] || continue
		set -- $(($1 + $(cat "$q/requests"))) $(($2 + $(cat "$q/kicks"))) \
			$(($3 + $(cat "$q/interrupts")))
	done
	echo "$1 $2 $3"
}
# The request queues' latency_us histograms, bucket by bucket.
latency() {
	cat /sys/fs/virtiofs/*/queues/request.*/latency_us 2>/dev/null |
		awk '{ for (i = 1; i <= NF; i++) s[i] += $i; if (NF > n) n = NF }
		     END { for (i = 1; i <= n; i++) printf "%s%d", (i > 1 ? " " : ""), s[i]; print "" }'
}
# Bucket-wise $2 - $1 of two latency() lines.
latency_delta() {
	printf '%s\n%s\n' "$1" "$2" |
		awk 'NR == 1 { for (i = 1; i <= NF; i++) a[i] = $i }
		     NR == 2 { for (i = 1; i <= NF; i++) printf "%s%d", (i > 1 ? " " : ""), $i - a[i]; print "" }'
}
found=
for q in /sys/fs/virtiofs/*/queues/request.*; do
	[ -r "$q/requests" ] && found=1
done

# Interrupts of the virtio request queues (virtioN-requests, -requests.N,
# -request.N) from /proc/interrupts, summed over CPUs.
irqs() {
	awk '/virtio[0-9]*-req/ { for (i = 2; i <= NF && $i ~ /^[0-9]+$/; i++) n += $i }
	     END { print n + 0 }' /proc/interrupts
}

uptime() {
	read -r up _ </proc/uptime
	echo "$up"
}

record=
if [ -n "${VFS_PERF_DIR:-}" ]; then
	perf="$VFS_PERF_DIR/ld-linux-x86-64.so.2 --library-path $VFS_PERF_DIR $VFS_PERF_DIR/perf"
	record="$perf record -a -g -q -o /tmp/perf.data --"
fi

# perf report of the last job: the flat profile, then call graphs of the
# hottest symbols.
profile_report() {
	{
		echo "# perf record -a -g around job $1 (guest kernel $(uname -r))"
		$perf report -i /tmp/perf.data --stdio --no-children --sort comm,dso,sym \
			-g none --percent-limit 0.5 2>&1
		echo "# call graphs (callee order, >= 2%)"
		$perf report -i /tmp/perf.data --stdio --no-children --sort sym \
			-g graph,2,callee --percent-limit 2 2>&1
	} >"$VFS_PROFILE_OUT/job-$1.txt"
	rm -f /tmp/perf.data
}

for job in "$@"; do
	id=${job%%:*}
	rest=${job#*:}
	workload=${rest%%:*}
	rest=${rest#*:}
	engine=${rest%%:*}
	numjobs=${rest#*:}
	sync
	echo 3 >/proc/sys/vm/drop_caches
	echo "@@BENCH-BEGIN $id"
	before=$(counters)
	lat0=$(latency)
	irq0=$(irqs)
	t0=$(uptime)
	BENCH_DIR=$dir BENCH_ENGINE=$engine BENCH_JOBS=$numjobs BENCH_SIZE=$size \
		BENCH_RUNTIME=$runtime $record fio --eta=never --output-format=json --output=/tmp/fio.json \
		"$jobdir/bench-$workload.fio" 2>/tmp/fio.err
	rc=$?
	t1=$(uptime)
	irq1=$(irqs)
	after=$(counters)
	lat1=$(latency)
	cat /tmp/fio.json
	echo
	sed 's/^/@@BENCH-ERR /' /tmp/fio.err
	if [ -n "$found" ]; then
		set -- $before $after
		echo "@@BENCH-COUNTERS $(($4 - $1)) $(($5 - $2)) $(($6 - $3))"
	fi
	[ -z "$lat1" ] || echo "@@BENCH-LATENCY $(latency_delta "$lat0" "$lat1")"
	echo "@@BENCH-IRQS $((irq1 - irq0))"
	echo "@@BENCH-END $id $rc $t0 $t1"
	rm -f /tmp/fio.json /tmp/fio.err
	[ -z "$record" ] || profile_report "$id"
done
echo "@@BENCH-ALL-DONE"
