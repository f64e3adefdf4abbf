// SPDX-License-Identifier: GPL-2.0
/*
 * concurrency [DIR]: two processes pinned to CPU 0 and CPU 1 write into the
 * same files at once; afterwards every record must be intact.  With our
 * module's /sys/fs/virtiofs, also checks that both CPUs' requests went out
 * on different request queues.
 *
 * $VFS_TAG selects the device in /sys/fs/virtiofs when there are several.
 */
#include <dirent.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "tap.h"
#include "vfsutil.h"

#define NWRITERS 2
#define REC 1000	/* not a divisor of the page size: records straddle pages */
#define NREC 4000	/* interleaved records in the pwrite file */
#define AREC 700	/* append record size */
#define NAPP 1000	/* appends per writer */
#define MAX_QUEUES 64

static const char *D;
/* $VFS_SYSFS_ROOT overrides it, for testing this program on the host */
static const char *SYSFS_ROOT = "/sys/fs/virtiofs";

#define P(name) pathf("%s/%s", D, name)

static void make_record(char *r, int k)
{
	int n = snprintf(r, REC, "REC %07d W%d ", k, k % NWRITERS);

	fill_pattern(r + n, REC - n - 1, 0, 1000 + k);
	r[REC - 1] = '\n';
}

static void make_append(char *r, int w, int s)
{
	int n = snprintf(r, AREC, "APP W%d S%06d ", w, s);

	fill_pattern(r + n, AREC - n - 1, 0, 50000 + w * 10000 + s);
	r[AREC - 1] = '\n';
}

static int pwrite_worker(int w, void *arg)
{
	const char *p = arg;
	char r[REC];
	int fd, k;

	fd = open(p, O_WRONLY);
	if (fd < 0) {
		printf("# writer %d: open %s: %s\n", w, p, strerror(errno));
		return 1;
	}
	for (k = w; k < NREC; k += NWRITERS) {
		make_record(r, k);
		if (pwrite_all(fd, r, REC, (off_t)k * REC)) {
			printf("# writer %d: pwrite record %d: %s\n", w, k,
			       strerror(errno));
			return 1;
		}
	}
	if (close(fd)) {
		printf("# writer %d: close: %s\n", w, strerror(errno));
		return 1;
	}
	return 0;
}

static int t_pinned_pwrite(void)
{
	const char *p = P("interleaved");
	char *buf, want[REC];
	struct stat st;
	int k, bad = 0;

	if (!have_two_cpus())
		return tap_skip_reason("needs CPUs 0 and 1 (have %d CPU(s))",
				       cpus_available());
	CHECK(write_file(p, "", 0) == 0, "create %s", p);
	CHECK(run_pinned(NWRITERS, pwrite_worker, (void *)p, "pwrite"), "writers");
	CHECK(stat(p, &st) == 0, "stat");
	CHECK(st.st_size == (off_t)NREC * REC, "size %lld, expected %lld",
	      (long long)st.st_size, (long long)NREC * REC);
	CHECK((buf = malloc((size_t)NREC * REC + 1)) != NULL, "malloc");
	CHECK(read_file(p, buf, (size_t)NREC * REC + 1) == (ssize_t)NREC * REC,
	      "read back");
	for (k = 0; k < NREC; k++) {
		make_record(want, k);
		if (memcmp(buf + (size_t)k * REC, want, REC)) {
			if (bad++ < 5)
				tap_diag("record %d damaged: starts '%.20s'", k,
					 buf + (size_t)k * REC);
		}
	}
	free(buf);
	CHECK(bad == 0, "%d of %d records damaged", bad, NREC);
	return TEST_PASS;
}

static int append_worker(int w, void *arg)
{
	const char *p = arg;
	char r[AREC];
	int fd, s;

	fd = open(p, O_WRONLY | O_APPEND);
	if (fd < 0) {
		printf("# appender %d: open %s: %s\n", w, p, strerror(errno));
		return 1;
	}
	for (s = 0; s < NAPP; s++) {
		ssize_t n;

		make_append(r, w, s);
		/* one write() per record: O_APPEND makes each one atomic */
		n = write(fd, r, AREC);
		if (n != AREC) {
			printf("# appender %d: write %d returned %zd: %s\n", w, s,
			       n, strerror(errno));
			return 1;
		}
	}
	close(fd);
	return 0;
}

static int t_pinned_append(void)
{
	const size_t total = (size_t)NWRITERS * NAPP * AREC;
	const char *p = P("appended");
	int next[NWRITERS] = { 0 }, bad = 0, from[NWRITERS] = { 0 };
	char *buf, want[AREC];
	struct stat st;
	size_t off;

	if (!have_two_cpus())
		return tap_skip_reason("needs CPUs 0 and 1 (have %d CPU(s))",
				       cpus_available());
	CHECK(write_file(p, "", 0) == 0, "create %s", p);
	CHECK(run_pinned(NWRITERS, append_worker, (void *)p, "append"), "appenders");
	CHECK(stat(p, &st) == 0, "stat");
	CHECK(st.st_size == (off_t)total, "size %lld, expected %zu",
	      (long long)st.st_size, total);
	CHECK((buf = malloc(total + 1)) != NULL, "malloc");
	CHECK(read_file(p, buf, total + 1) == (ssize_t)total, "read back");
	buf[total] = '\0'; /* sscanf below scans to a NUL */
	for (off = 0; off < total; off += AREC) {
		int w, s;

		if (sscanf(buf + off, "APP W%d S%d ", &w, &s) != 2 || w < 0 ||
		    w >= NWRITERS || s < 0 || s >= NAPP) {
			if (bad++ < 5)
				tap_diag("record at %zu has no valid header: '%.16s'",
					 off, buf + off);
			continue;
		}
		make_append(want, w, s);
		if (memcmp(buf + off, want, AREC)) {
			if (bad++ < 5)
				tap_diag("record at %zu (W%d S%d) damaged", off, w, s);
			continue;
		}
		if (s != next[w]) {
			if (bad++ < 5)
				tap_diag("writer %d: record S%d where S%d was due",
					 w, s, next[w]);
		}
		next[w] = s + 1;
		from[w]++;
	}
	free(buf);
	CHECK(bad == 0, "%d bad records", bad);
	CHECK(from[0] == NAPP && from[1] == NAPP, "records: %d from W0, %d from W1",
	      from[0], from[1]);
	return TEST_PASS;
}

/* ---- per-queue request counters (our module only) ---- */

struct qsnap {
	int n;
	char name[MAX_QUEUES][64];
	unsigned long long requests[MAX_QUEUES];
};

static int snap_queues(const char *dev, struct qsnap *s)
{
	DIR *d = opendir(pathf("%s/queues", dev));
	struct dirent *de;

	if (!d)
		return -1;
	s->n = 0;
	while ((de = readdir(d)) && s->n < MAX_QUEUES) {
		if (strncmp(de->d_name, "request.", 8))
			continue;
		snprintf(s->name[s->n], sizeof(s->name[0]), "%.63s", de->d_name);
		if (read_u64_file(pathf("%s/queues/%s/requests", dev, de->d_name),
				  &s->requests[s->n])) {
			closedir(d);
			return -1;
		}
		s->n++;
	}
	closedir(d);
	return 0;
}

static int small_io_worker(int w, void *arg)
{
	const char *dir = arg;
	const char *p = pathf("%s/small-%d", dir, w);
	char buf[512];
	int fd, i;

	fd = open(p, O_RDWR | O_CREAT, 0644);
	if (fd < 0) {
		printf("# io %d: open %s: %s\n", w, p, strerror(errno));
		return 1;
	}
	for (i = 0; i < 2000; i++) {
		off_t off = (off_t)(i % 64) * sizeof(buf);

		memset(buf, 'a' + (i % 26), sizeof(buf));
		if (pwrite_all(fd, buf, sizeof(buf), off) ||
		    pread_all(fd, buf, sizeof(buf), off)) {
			printf("# io %d: iteration %d: %s\n", w, i, strerror(errno));
			return 1;
		}
		if (buf[0] != 'a' + (i % 26) || buf[511] != 'a' + (i % 26)) {
			printf("# io %d: read back wrong data at iteration %d\n", w, i);
			return 1;
		}
	}
	close(fd);
	return 0;
}

static int t_queue_counters(void)
{
	struct qsnap before, after;
	unsigned long long nq;
	char dev[512];
	int i, advanced = 0;

	if (access(SYSFS_ROOT, F_OK))
		return tap_skip_reason("no %s: transport without per-queue counters",
				       SYSFS_ROOT);
	if (!have_two_cpus())
		return tap_skip_reason("needs CPUs 0 and 1 (have %d CPU(s))",
				       cpus_available());
	CHECK(vfs_sysfs_device(SYSFS_ROOT, dev, sizeof(dev)) == 0,
	      "no single device in %s with tag '%s'", SYSFS_ROOT,
	      getenv("VFS_TAG") ? getenv("VFS_TAG") : "(any)");
	/* 6.9+'s in-tree driver has <N>/tag and <N>/device only. */
	if (access(pathf("%s/num_request_queues", dev), F_OK))
		return tap_skip_reason("no %s/num_request_queues: transport without per-queue counters",
				       dev);
	CHECK(read_u64_file(pathf("%s/num_request_queues", dev), &nq) == 0,
	      "%s/num_request_queues", dev);
	if (nq < 2)
		return tap_skip_reason("%s has %llu request queue(s)", dev, nq);
	CHECK(snap_queues(dev, &before) == 0, "read %s/queues", dev);
	CHECK(before.n == (int)nq, "%d request.* queues listed, num_request_queues %llu",
	      before.n, nq);
	CHECK(run_pinned(NWRITERS, small_io_worker, (void *)D, "small io"), "workload");
	CHECK(snap_queues(dev, &after) == 0, "read %s/queues again", dev);
	CHECK(after.n == before.n, "queue count changed");
	for (i = 0; i < after.n; i++) {
		unsigned long long delta = after.requests[i] - before.requests[i];

		CHECK(!strcmp(after.name[i], before.name[i]), "queue order changed");
		tap_diag("%s: %llu -> %llu (+%llu)", after.name[i],
			 before.requests[i], after.requests[i], delta);
		CHECK(after.requests[i] >= before.requests[i], "%s went backwards",
		      after.name[i]);
		if (delta)
			advanced++;
	}
	CHECK(advanced >= 2, "only %d request queue(s) advanced", advanced);
	return TEST_PASS;
}

static const struct tap_test tests[] = {
	{ "pinned_interleaved_pwrite", t_pinned_pwrite },
	{ "pinned_o_append", t_pinned_append },
	{ "request_queue_counters", t_queue_counters },
};

int main(int argc, char **argv)
{
	const char *base = vfs_base_dir(argc, argv);
	char *dir;

	if (getenv("VFS_SYSFS_ROOT"))
		SYSFS_ROOT = getenv("VFS_SYSFS_ROOT");
	tap_plan(TAP_ARRAY_SIZE(tests) + 1);
	tap_diag("concurrency in %s (fs type 0x%lx), %d CPU(s)", base,
		 fs_type(base), cpus_available());
	dir = vfs_make_subdir(base, "concurrency");
	D = dir;
	tap_run_tests(tests, TAP_ARRAY_SIZE(tests));
	errno = 0;
	tap_ok(vfs_rmtree(dir) == 0, "cleanup");
	free(dir);
	return tap_exit();
}
