// SPDX-License-Identifier: GPL-2.0
/*
 * daemon-faults KIND: the host daemon (vfsd) misbehaves on purpose, started
 * by the harness with the matching --inject rule on FUSE_READ (see
 * tests/guest/suites.json):
 *
 *   error       error=EIO:READ@4     every 4th READ fails with EIO
 *   bad-errno   error=600:READ@4     ... with an error code out of range
 *   bad-len     bad-len:READ@4       ... with a header longer than the reply
 *   bad-unique  bad-unique:READ@4    ... answering another request's unique
 *   no-reply    no-reply:READ@4      ... with a buffer returned empty
 *   delay       delay=300:READ       every READ waits 300 ms (below the timeout)
 *   drop        drop:READ@4          every 4th READ never answered
 *                                    (mount option request_timeout=5)
 *
 * For every kind: no read returns wrong data, none hangs, the kernel logs no
 * oops or warning, and the mount can be unmounted.  A faulty reply fails only
 * its own request (EIO) and counts in bad_replies; the mount keeps working
 * and can be mounted again.  A dropped reply fails the request after
 * request_timeout and takes the device down (the device gives no other sign
 * of a lost reply); later I/O and a new mount fail with an error, not a hang.
 * (QEMU 7.2's vhost-user-fs cannot reconnect a backend, so a fresh daemon
 * means a fresh boot: the next suite.)
 */
#include <glob.h>
#include <limits.h>
#include <sys/klog.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "faults.h"
#include "tap.h"
#include "vfsutil.h"

#define FILE_LEN (1 << 20)
#define NREADS 32
#define IO_SIZE 4096

enum expect { EXPECT_EIO, EXPECT_BAD_REPLY, EXPECT_SLOW, EXPECT_DROP };

static const struct fault_kind {
	const char *name;
	enum expect expect;
} kinds[] = {
	{ "error", EXPECT_EIO },
	{ "bad-errno", EXPECT_BAD_REPLY },
	{ "bad-len", EXPECT_BAD_REPLY },
	{ "bad-unique", EXPECT_BAD_REPLY },
	{ "no-reply", EXPECT_BAD_REPLY },
	{ "delay", EXPECT_SLOW },
	{ "drop", EXPECT_DROP },
};

struct read_job {
	const char *path;
	off_t off;
	char *buf;
};

struct tally {
	int good, wrong, timeouts, crashes;
	int errors[4]; /* errno of the first few failed reads */
	int nerrors;
};

static int do_pread(void *arg)
{
	struct read_job *j = arg;
	int fd = open(j->path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = pread(fd, j->buf, IO_SIZE, j->off);
	close(fd);
	if (n != IO_SIZE) {
		if (n >= 0)
			errno = EIO;
		return -1;
	}
	return check_pattern(j->buf, IO_SIZE, j->off, 7) < 0 ? 0 : 1;
}

/*
 * One bounded read in a child, so a request that never comes back cannot
 * stall the test.  The child's data check comes back as its return value.
 */
static void read_once(const char *path, off_t off, int timeout_s,
		      struct tally *t)
{
	static char buf[IO_SIZE];
	struct read_job j = { path, off, buf };
	int err = 0, rc;

	rc = run_bounded(timeout_s, do_pread, &j, &err);
	if (rc == 0) {
		t->good++;
	} else if (rc == 1) {
		t->wrong++;
	} else if (rc == BOUNDED_TIMEOUT) {
		t->timeouts++;
	} else if (rc == BOUNDED_CRASH) {
		t->crashes++;
	} else {
		if (t->nerrors < 4)
			t->errors[t->nerrors] = err;
		t->nerrors++;
	}
}

static int all_errors_are(const struct tally *t, int e)
{
	int i;

	for (i = 0; i < t->nerrors && i < 4; i++)
		if (t->errors[i] != e)
			return 0;
	return 1;
}

/* Sum of bad_replies over every request queue of every device. */
static unsigned long long bad_replies(void)
{
	unsigned long long sum = 0, v;
	glob_t g;
	size_t i;

	if (glob("/sys/fs/virtiofs/*/queues/*/bad_replies", 0, NULL, &g))
		return 0;
	for (i = 0; i < g.gl_pathc; i++)
		if (read_u64_file(g.gl_pathv[i], &v) == 0)
			sum += v;
	globfree(&g);
	return sum;
}

/* The kernel log holds no oops, BUG or WARNING since boot. */
static int kernel_log_clean(void)
{
	static const char *const bad[] = { "Oops", "BUG:", "WARNING:",
					   "general protection", "RIP:" };
	int len = klogctl(10 /* SYSLOG_ACTION_SIZE_BUFFER */, NULL, 0);
	char *log;
	size_t i;
	int n, clean = 1;

	if (len <= 0)
		return -1;
	log = calloc(1, len + 1);
	if (!log)
		return -1;
	n = klogctl(3 /* SYSLOG_ACTION_READ_ALL */, log, len);
	if (n < 0) {
		free(log);
		return -1;
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (strstr(log, bad[i])) {
			tap_diag("kernel log contains '%s'", bad[i]);
			clean = 0;
		}
	}
	free(log);
	return clean;
}

struct mount_args {
	const char *tag, *mnt, *opts;
};

static int do_mount(void *arg)
{
	struct mount_args *m = arg;

	return mount(m->tag, m->mnt, "virtiofs", 0, m->opts);
}

/* mount(2) in a bounded child: 0, or -1 with errno, or BOUNDED_TIMEOUT. */
static int bounded_mount(const char *tag, const char *mnt, const char *opts)
{
	struct mount_args m = { tag, mnt, opts };
	int err = 0, rc;

	rc = run_bounded(FAULT_WATCHDOG, do_mount, &m, &err);
	errno = err;
	return rc;
}

static void read_all(const char *path, int timeout_s, struct tally *t)
{
	int i;

	memset(t, 0, sizeof(*t));
	for (i = 0; i < NREADS; i++)
		read_once(path, (off_t)(i * 7 % 256) * IO_SIZE, timeout_s, t);
	tap_diag("%d reads: %d good, %d wrong data, %d failed (first errno %d), %d hung, %d crashed",
		 NREADS, t->good, t->wrong, t->nerrors,
		 t->nerrors ? t->errors[0] : 0, t->timeouts, t->crashes);
}

/* A remount must work and show the file; retry reads the rule may hit. */
static int remount_and_read(const char *tag, const char *mnt, const char *rel)
{
	struct tally t;
	int tries;

	if (bounded_mount(tag, mnt, NULL) != 0)
		return 0;
	for (tries = 0; tries < 4; tries++) {
		memset(&t, 0, sizeof(t));
		read_once(pathf("%s/%s", mnt, rel), 0, FAULT_WATCHDOG, &t);
		if (t.good)
			return 1;
		if (t.wrong || t.timeouts || t.crashes)
			return 0;
	}
	return 0;
}

static void run_recoverable(const struct fault_kind *k, const char *dir,
			    const char *file)
{
	const char *tag = getenv("VFS_TAG") ? getenv("VFS_TAG") : "vfs0";
	const char *mnt = vfs_mount_root(), *which = "";
	unsigned long long bad_before = bad_replies();
	char rel[PATH_MAX];
	struct tally t;
	int rc;

	read_all(file, FAULT_WATCHDOG, &t);
	errno = 0;
	tap_ok(!t.wrong && !t.timeouts && !t.crashes, "no_wrong_data_no_hang");
	if (k->expect == EXPECT_SLOW)
		tap_ok(t.good == NREADS, "slow_replies_all_served");
	else
		tap_ok(t.nerrors > 0 && all_errors_are(&t, EIO),
		       "faulty_replies_fail_with_eio");
	if (k->expect == EXPECT_BAD_REPLY)
		tap_ok(bad_replies() >= bad_before + (unsigned int)t.nerrors,
		       "bad_replies_counted");
	else
		tap_ok(bad_replies() == bad_before, "valid_replies_not_counted");

	rc = try_new_io(dir, &which);
	errno = rc > 0 ? rc : 0;
	tap_ok(rc == 0, "mount_still_works");
	if (rc)
		tap_diag("new I/O failed at %s", which);

	snprintf(rel, sizeof(rel), "%s", file + strlen(mnt));
	umount_tests(mnt);
	errno = 0;
	tap_ok(remount_and_read(tag, mnt, rel), "remount_and_read");
}

static void run_drop(const char *dir, const char *file)
{
	const char *tag = getenv("VFS_TAG") ? getenv("VFS_TAG") : "vfs0";
	const char *mnt = vfs_mount_root(), *which = "";
	struct tally t;
	int rc;

	/* request_timeout=5: a dropped READ must end well within 60 s. */
	read_all(file, FAULT_WATCHDOG, &t);
	errno = 0;
	tap_ok(!t.wrong && !t.timeouts && !t.crashes, "no_wrong_data_no_hang");
	tap_ok(t.nerrors > 0 && t.good >= 3, "dropped_reply_fails_request");

	rc = try_new_io(dir, &which);
	errno = rc > 0 ? rc : 0;
	tap_ok(rc > 0, "later_io_fails_cleanly");
	if (rc > 0)
		tap_diag("later I/O: %s failed with %s", which, strerror(rc));
	diag_virtiofs_state();

	umount_tests(mnt);
	rc = bounded_mount(tag, mnt, NULL);
	tap_ok(rc == -1 && errno != 0, "remount_of_dead_device_fails");
	if (rc == BOUNDED_TIMEOUT)
		tap_bail("mount of the dead device did not return");
}

int main(int argc, char **argv)
{
	const struct fault_kind *k = NULL;
	const char *file;
	char *dir, *buf;
	size_t i;
	int clean;

	for (i = 0; argc > 1 && i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (!strcmp(argv[1], kinds[i].name))
			k = &kinds[i];
	if (!k) {
		fprintf(stderr, "usage: daemon-faults error|bad-errno|bad-len|bad-unique|no-reply|delay|drop\n");
		return 2;
	}
	tap_plan(k->expect == EXPECT_DROP ? 8 : 9);
	tap_diag("daemon-faults %s, mount %s, transport %s", k->name,
		 vfs_mount_root(), getenv("VFS_TRANSPORT") ?: "(unset)");
	if (fs_type(vfs_mount_root()) != FUSE_SUPER_MAGIC_)
		tap_bail("%s is not a virtio-fs mount", vfs_mount_root());

	/* Setup writes only: the rules hit READ. */
	dir = vfs_make_subdir(vfs_mount_root(), "daemon-faults");
	file = strdup(pathf("%s/data", dir));
	if (!file)
		tap_bail("out of memory");
	buf = malloc(FILE_LEN);
	if (!buf)
		tap_bail("out of memory");
	fill_pattern(buf, FILE_LEN, 0, 7);
	errno = 0;
	tap_ok(write_file(file, buf, FILE_LEN) == 0, "setup");
	free(buf);

	if (k->expect == EXPECT_DROP)
		run_drop(dir, file);
	else
		run_recoverable(k, dir, file);

	clean = kernel_log_clean();
	errno = 0;
	tap_ok(clean == 1, "kernel_log_has_no_oops_or_warning");
	return tap_exit();
}
