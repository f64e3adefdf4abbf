// SPDX-License-Identifier: GPL-2.0
/*
 * poll [DIR]: our module's poll_us mount option (fs/fuse/vtfs_poll.c).
 * The suite mounts the share with poll_us=N.  Synchronous reads and writes
 * must move the right bytes, their senders must poll (the request queues'
 * polls counter) and some replies must be found by polling (polled); a
 * remount with poll_us=0 turns it off, another turns it back on, and
 * poll_us=auto (the default) is shown as such.  Two readers on two CPUs
 * both poll, each until its own reply.
 *
 * poll backoff [DIR]: poll_us=auto against a daemon that answers every
 * FSYNC late (vfsd --inject=delay=MS:FSYNC, MS well over auto's 200 us
 * window).  Polls for the slow replies must back off to a few probes, and
 * probing must go on for the fast reads after them; where every poll is
 * answered in time, polling must come back for all reads but those the
 * backoff still skips.
 *
 * poll cached [DIR]: with a page cache (the suite mounts cache=auto), a
 * random read of a page not cached is a one-page readahead, which fuse.ko
 * sends in the background; our module reads it synchronously instead
 * (fs/fuse/vtfs_readahead.c), so its sender polls.  The reads must reach
 * the host, be polled for, and bring the right bytes.
 *
 * $VFS_TAG selects the device in /sys/fs/virtiofs when there are several.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdbool.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "tap.h"
#include "vfsutil.h"

#define FILE_SIZE (256 * 1024)
#define IO_SIZE 4096
#define NIO 256
#define NSLOW 64
#define SEED 4242

static const char *MNT;
static char DEV[256], FILEPATH[512];

/* The request queues' @stat, summed; -1 if none could be read. */
static long long queue_sum(const char *stat)
{
	DIR *dir = opendir(pathf("%s/queues", DEV));
	unsigned long long v, sum = 0;
	struct dirent *e;
	int n = 0;

	if (!dir)
		return -1;
	while ((e = readdir(dir)) != NULL) {
		if (strncmp(e->d_name, "request.", 8))
			continue;
		if (read_u64_file(pathf("%s/queues/%s/%s", DEV, e->d_name, stat), &v))
			continue;
		sum += v;
		n++;
	}
	closedir(dir);
	return n ? (long long)sum : -1;
}

/* sysfs poll_us: "auto" or a number; "" if unreadable. */
static const char *poll_us(void)
{
	static char v[32];

	if (read_str_file(pathf("%s/poll_us", DEV), v, sizeof(v)))
		v[0] = '\0';
	return v;
}

static int remount_poll(const char *value)
{
	char opts[64];

	snprintf(opts, sizeof(opts), "poll_us=%s", value);
	return mount("none", MNT, "virtiofs", MS_REMOUNT, opts);
}

static off_t io_offset(int i)
{
	return (off_t)((i * 37) % (FILE_SIZE / IO_SIZE)) * IO_SIZE;
}

/* NIO reads of IO_SIZE at scattered offsets, each checked. */
static int read_checked(void)
{
	static char buf[IO_SIZE];
	int fd, i;

	CHECK((fd = open(FILEPATH, O_RDONLY)) >= 0, "open: %s", strerror(errno));
	for (i = 0; i < NIO; i++) {
		CHECK(pread_all(fd, buf, IO_SIZE, io_offset(i)) == 0,
		      "pread: %s", strerror(errno));
		CHECK(check_pattern(buf, IO_SIZE, io_offset(i), SEED) < 0,
		      "wrong bytes read at %lld", (long long)io_offset(i));
	}
	close(fd);
	return TEST_PASS;
}

static int t_option_shown(void)
{
	CHECK(!strcmp(poll_us(), "1000"), "poll_us in sysfs is '%s', the suite mounts with 1000",
	      poll_us());
	return TEST_PASS;
}

static int t_writes(void)
{
	static char buf[FILE_SIZE];
	int fd;

	fill_pattern(buf, sizeof(buf), 0, SEED);
	CHECK((fd = open(FILEPATH, O_RDWR | O_CREAT | O_TRUNC, 0644)) >= 0,
	      "create: %s", strerror(errno));
	/* Page by page: one synchronous WRITE each (cache=none). */
	for (size_t off = 0; off < sizeof(buf); off += IO_SIZE)
		CHECK(pwrite_all(fd, buf + off, IO_SIZE, (off_t)off) == 0,
		      "pwrite: %s", strerror(errno));
	CHECK(close(fd) == 0, "close: %s", strerror(errno));
	return TEST_PASS;
}

/*
 * read_checked(); *@dpolls and *@dpolled get how many of the reads were
 * polled for and how many of those were answered while polling.
 */
static int read_counted(long long *dpolls, long long *dpolled)
{
	long long polls = queue_sum("polls"), polled = queue_sum("polled");

	CHECK(polls >= 0 && polled >= 0, "no polls/polled counters under %s", DEV);
	if (read_checked() != TEST_PASS)
		return TEST_FAIL;
	*dpolls = queue_sum("polls") - polls;
	*dpolled = queue_sum("polled") - polled;
	return TEST_PASS;
}

static int t_reads_polled(void)
{
	long long dpolls, dpolled;

	if (read_counted(&dpolls, &dpolled) != TEST_PASS)
		return TEST_FAIL;
	tap_diag("%d reads: %lld polled for, %lld answered while polling",
		 NIO, dpolls, dpolled);
	CHECK(dpolls >= NIO, "only %lld of %d reads polled for", dpolls, NIO);
	CHECK(dpolled > 0, "no reply found by polling in %lld polls", dpolls);
	return TEST_PASS;
}

static int reader(int cpu, void *arg)
{
	(void)cpu;
	(void)arg;
	return read_checked() == TEST_PASS ? 0 : 1;
}

/*
 * Two readers on two CPUs at once, both polling.  Each poller spins until
 * its own reply, whoever reaps it, and the callback stays off while any
 * polls; so with a window far above the round trip next to no reply
 * needs an interrupt.  A poller that stopped at its neighbour's reply
 * would sleep, and have its own reply come by interrupt whenever no other
 * poller was left to reap it.
 */
static int t_concurrent_pollers(void)
{
	long long polls = queue_sum("polls"), irqs = queue_sum("interrupts");
	long long dpolls, dirqs;

	if (!have_two_cpus())
		return tap_skip_reason("needs CPUs 0 and 1");
	CHECK(polls >= 0 && irqs >= 0, "no polls/interrupts counters under %s", DEV);
	CHECK(run_pinned(2, reader, NULL, "readers"), "a reader failed or read wrong bytes");
	dpolls = queue_sum("polls") - polls;
	dirqs = queue_sum("interrupts") - irqs;
	tap_diag("2 x %d concurrent reads: %lld polled for, %lld interrupts", NIO, dpolls,
		 dirqs);
	CHECK(dpolls >= 2 * NIO, "only %lld of %d reads polled for", dpolls, 2 * NIO);
	CHECK(dirqs <= 2 * NIO / 20, "%lld interrupts for %d polled reads", dirqs, 2 * NIO);
	return TEST_PASS;
}

static int t_bad_value_kept(void)
{
	char before[32];
	int rc, e;

	snprintf(before, sizeof(before), "%s", poll_us());
	rc = remount_poll("20000");
	e = errno;
	CHECK(rc == -1, "remount with poll_us=20000 succeeded");
	CHECK(e == EINVAL, "poll_us=20000: %s, expected EINVAL", strerror(e));
	rc = remount_poll("soon");
	e = errno;
	CHECK(rc == -1 && e == EINVAL, "poll_us=soon: rc %d, %s", rc, strerror(e));
	CHECK(!strcmp(poll_us(), before), "poll_us changed from %s to %s", before, poll_us());
	return TEST_PASS;
}

/*
 * Remounts with poll_us=@value, checks sysfs shows it, reads; *@polls gets
 * how many of the reads were polled for.
 */
static int remount_and_read(const char *value, long long *polls)
{
	long long polled;

	CHECK(remount_poll(value) == 0, "remount poll_us=%s: %s", value, strerror(errno));
	CHECK(!strcmp(poll_us(), value), "poll_us is %s after poll_us=%s", poll_us(), value);
	return read_counted(polls, &polled);
}

static int t_remount_off(void)
{
	long long polls;

	if (remount_and_read("0", &polls) != TEST_PASS)
		return TEST_FAIL;
	CHECK(polls == 0, "%lld polls with poll_us=0", polls);
	return TEST_PASS;
}

static int t_remount_on(void)
{
	long long polls;

	if (remount_and_read("1000", &polls) != TEST_PASS)
		return TEST_FAIL;
	CHECK(polls >= NIO, "polling did not come back (%lld polls)", polls);
	return TEST_PASS;
}

/* The default; whether it polls depends on the host's round trips. */
static int t_auto(void)
{
	long long polls;

	if (remount_and_read("auto", &polls) != TEST_PASS)
		return TEST_FAIL;
	tap_diag("auto: %lld of %d reads polled for", polls, NIO);
	return TEST_PASS;
}

static int t_auto_shown(void)
{
	CHECK(!strcmp(poll_us(), "auto"), "poll_us in sysfs is '%s', expected auto", poll_us());
	return TEST_PASS;
}

/* Each FSYNC is answered late by the suite's daemon. */
static int t_slow_replies_back_off(void)
{
	long long polls = queue_sum("polls"), dpolls;
	int fd, i;

	CHECK(polls >= 0, "no polls counters under %s", DEV);
	CHECK((fd = open(FILEPATH, O_RDWR)) >= 0, "open: %s", strerror(errno));
	for (i = 0; i < NSLOW; i++)
		CHECK(fsync(fd) == 0, "fsync: %s", strerror(errno));
	close(fd);
	dpolls = queue_sum("polls") - polls;
	tap_diag("%d slow fsyncs: %lld polled for", NSLOW, dpolls);
	CHECK(dpolls >= 1, "no probe among %d slow replies", NSLOW);
	CHECK(dpolls <= NSLOW / 4, "%lld of %d slow replies polled for: no backoff", dpolls,
	      NSLOW);
	return TEST_PASS;
}

/* Runs after t_slow_replies_back_off: fast replies again. */
static int t_fast_replies_probed(void)
{
	long long dpolls, dpolled;

	if (read_counted(&dpolls, &dpolled) != TEST_PASS)
		return TEST_FAIL;
	tap_diag("%d reads after the slow ones: %lld polled for, %lld answered", NIO, dpolls,
		 dpolled);
	/* At most 64 senders skip between two probes. */
	CHECK(dpolls >= NIO / 65, "probing stopped: %lld polls in %d reads", dpolls, NIO);
	/*
	 * With every poll answered in time nothing new is skipped: only what
	 * the slow replies left (at most 64).  A poll that timed out here (a
	 * busy host) may skip more, as designed.
	 */
	CHECK(dpolled < dpolls || dpolls >= NIO - 64,
	      "every poll was answered in time, yet only %lld of %d reads polled", dpolls, NIO);
	return TEST_PASS;
}

/*
 * Each page of the file once, in scattered order, from a cold cache with
 * FADV_RANDOM: one one-page readahead each.  The mapping's first readahead
 * READ goes the background way (it is where the module takes the mapping
 * over), the rest must be polled for.
 */
static int t_cached_random_reads_polled(void)
{
	const int npages = FILE_SIZE / IO_SIZE;
	long long reqs = queue_sum("requests"), polls = queue_sum("polls");
	long long dreqs, dpolls;
	static char buf[IO_SIZE];
	int fd, i;

	CHECK(reqs >= 0 && polls >= 0, "no requests/polls counters under %s", DEV);
	CHECK((fd = open(FILEPATH, O_RDONLY)) >= 0, "open: %s", strerror(errno));
	/* Clean pages (writes went through): dropped, so reads go to the host. */
	CHECK(posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED) == 0, "fadvise DONTNEED");
	CHECK(posix_fadvise(fd, 0, 0, POSIX_FADV_RANDOM) == 0, "fadvise RANDOM");
	for (i = 0; i < npages; i++) {
		CHECK(pread_all(fd, buf, IO_SIZE, io_offset(i)) == 0, "pread: %s",
		      strerror(errno));
		CHECK(check_pattern(buf, IO_SIZE, io_offset(i), SEED) < 0,
		      "wrong bytes read at %lld", (long long)io_offset(i));
	}
	close(fd);
	dreqs = queue_sum("requests") - reqs;
	dpolls = queue_sum("polls") - polls;
	tap_diag("%d cold page reads: %lld requests, %lld polled for", npages, dreqs, dpolls);
	CHECK(dreqs >= npages, "only %lld requests for %d cold pages: cached after all?",
	      dreqs, npages);
	/* All but the first READ, and the OPEN (FLUSH and RELEASE may follow). */
	CHECK(dpolls >= npages, "only %lld of %lld requests polled for", dpolls, dreqs);
	return TEST_PASS;
}

static const struct tap_test cached_tests[] = {
	{ "writes_land", t_writes },
	{ "cached_random_reads_polled", t_cached_random_reads_polled },
};

static const struct tap_test backoff_tests[] = {
	{ "poll_us_auto_in_sysfs", t_auto_shown },
	{ "writes_land", t_writes },
	{ "slow_replies_back_off", t_slow_replies_back_off },
	{ "fast_replies_probed", t_fast_replies_probed },
};

static const struct tap_test tests[] = {
	{ "poll_us_in_sysfs", t_option_shown },
	{ "writes_land", t_writes },
	{ "reads_right_and_polled", t_reads_polled },
	{ "concurrent_pollers_own_replies", t_concurrent_pollers },
	{ "bad_value_refused_and_kept", t_bad_value_kept },
	{ "remount_poll_off", t_remount_off },
	{ "remount_poll_on", t_remount_on },
	{ "remount_poll_auto", t_auto },
};

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	bool backoff = !strcmp(mode, "backoff"), cached = !strcmp(mode, "cached");
	const struct tap_test *list = backoff ? backoff_tests : cached ? cached_tests : tests;
	int n = backoff ? TAP_ARRAY_SIZE(backoff_tests) :
		cached ? TAP_ARRAY_SIZE(cached_tests) : TAP_ARRAY_SIZE(tests);
	int shift = backoff || cached;
	const char *base = vfs_base_dir(argc - shift, argv + shift);
	char *dir;

	tap_plan(n);
	MNT = vfs_mount_root();
	if (vfs_sysfs_device("/sys/fs/virtiofs", DEV, sizeof(DEV)))
		tap_bail("no single device under /sys/fs/virtiofs (our module?)");
	dir = vfs_make_subdir(base, "poll");
	snprintf(FILEPATH, sizeof(FILEPATH), "%s/data", dir);
	tap_run_tests(list, n);
	unlink(FILEPATH);
	rmdir(dir);
	return tap_exit();
}
