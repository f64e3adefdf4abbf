// SPDX-License-Identifier: GPL-2.0
/*
 * virtio_fs.ko: how long requests take, per request queue.
 *
 * The time from making a request available to the device until the
 * transport takes its reply back (vtfs_request.c) goes into a histogram
 * of power-of-two buckets: count[0] holds replies within a microsecond,
 * count[i] those of at least 2^(i-1) and under 2^i microseconds, and the
 * last bucket everything longer.  Cheap enough for every request (one
 * clock read at each end, an increment), and what a benchmark needs to
 * say where a round trip's time goes: vfs-harness bench reads the
 * deltas over each fio run (Documentation/benchmarks.md).
 *
 * Locking: the caller holds the queue's lock for both.
 */
#include <linux/bitops.h>
#include <linux/math64.h>
#include <linux/sysfs.h>

#include "vtfs.h"

void vtfs_latency_note(struct vtfs_latency *lat, u64 ns)
{
	unsigned int i = fls64(div_u64(ns, NSEC_PER_USEC));

	lat->count[min_t(unsigned int, i, VTFS_LAT_BUCKETS - 1)]++;
}

/* The counts, lowest bucket first, on one line. */
ssize_t vtfs_latency_show(const struct vtfs_latency *lat, char *buf)
{
	ssize_t len = 0;
	unsigned int i;

	for (i = 0; i < VTFS_LAT_BUCKETS; i++)
		len += sysfs_emit_at(buf, len, "%s%llu", i ? " " : "",
				     lat->count[i]);
	len += sysfs_emit_at(buf, len, "\n");
	return len;
}
