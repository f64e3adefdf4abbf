// SPDX-License-Identifier: GPL-2.0
/*
 * vtable counters on|off [DIR]
 * vtable generation SHAREDIR
 * vtable forgets [DIR]
 *
 * The version table's guest side, seen through
 * /sys/fs/virtiofs/<N>/version_table/ ($VFS_TAG picks the device).
 *
 * counters: a loop of stat(2) on one file.  "on" (a device with a table,
 * mounted without version_table=off) expects the loop answered without
 * the host: the VFS fast path vouches for the dentry and the attributes
 * (dentries_vouched, attrs_vouched grow by at least half the loop) and
 * the request queues carry fewer requests than half the loop; then a loop
 * of listings (opendir, readdir, closedir) of a directory, read from the
 * guest's cache (listings_vouched grows) with no READDIR: at most the
 * OPENDIR/RELEASEDIR pair per listing reaches the queues; then a loop of
 * pread()s of the file through one descriptor, served from the page
 * cache (data_vouched grows) with no READ reaching the queues.  "off" (no
 * table, or version_table=off) expects nothing answered without the host.
 *
 * generation (with tests/vtable/generation.sh on the host): local replies
 * first; then the host script gives the table a new generation, as a
 * restarted daemon would; the next stat must not be answered locally
 * (everything kept belongs to the old generation), and later ones are
 * again.  SHAREDIR is a directory of the share, relative to it, holding
 * .ctl/ for the handshake (host-write/host-read, never the mount).
 *
 * forgets: lookups answered locally are owed to the daemon and taken off
 * the FORGETs of those nodes.  The VFS fast path makes revalidation send
 * no LOOKUP, so lookups are forced the way open(O_CREAT|O_EXCL) forces
 * them (fuse.ko always asks then).  Stats and probes files until their
 * lookups are local,
 * keeps half of them open, drops the dentry and inode caches (FORGETs for
 * the other half), and checks that every file still stats and reads right,
 * the open ones through their descriptors (the daemon must still have
 * them: a FORGET counted too high would have made it drop them), and that
 * forgets were adjusted.
 */
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "tap.h"
#include "vfs_request.h"
#include "vfsutil.h"

#define LOOPS 50

static char dev[512];		/* /sys/fs/virtiofs/<N> */

static unsigned long long counter(const char *name)
{
	unsigned long long v = 0;

	if (read_u64_file(pathf("%s/version_table/%s", dev, name), &v))
		tap_diag("read %s: %s", name, strerror(errno));
	return v;
}

/* Everything answered without the host, by the transport or the VFS. */
static unsigned long long answered(void)
{
	return counter("local_replies") + counter("dentries_vouched") +
	       counter("attrs_vouched");
}

/* Requests made available on all request queues of the device so far. */
static unsigned long long queue_requests(void)
{
	unsigned long long sum = 0, v;
	struct dirent *de;
	DIR *d = opendir(pathf("%s/queues", dev));

	while (d && (de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' || !strcmp(de->d_name, "hiprio"))
			continue;
		if (!read_u64_file(pathf("%s/queues/%s/requests", dev,
					 de->d_name), &v))
			sum += v;
	}
	if (d)
		closedir(d);
	return sum;
}

/* stat @path @n times; 1 if every one saw @size bytes. */
static int stat_loop(const char *path, int n, off_t size)
{
	struct stat st;
	int i;

	for (i = 0; i < n; i++) {
		if (stat(path, &st) || st.st_size != size) {
			tap_diag("stat %s: %s, size %lld", path, strerror(errno),
				 (long long)st.st_size);
			return 0;
		}
	}
	return 1;
}

/* Entries a listing of @path shows, or -1. */
static int list_count(const char *path)
{
	DIR *d = opendir(path);
	int n = 0;

	if (!d)
		return -1;
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

/* Two TAP lines: repeated listings come from the guest's cache. */
static void listing_loop(const char *work)
{
	unsigned long long l0, r0, r1;
	int i, ok = 1;

	/* ., .., f: the first listing fills the cache. */
	ok = list_count(work) == 3;
	l0 = counter("listings_vouched");
	r0 = queue_requests();
	for (i = 0; i < LOOPS && ok; i++)
		ok = list_count(work) == 3;
	r1 = queue_requests();
	tap_ok(ok, "listing loop sees ., .. and f");
	tap_diag("listings vouched %llu, requests %llu for %d listings",
		 counter("listings_vouched") - l0, r1 - r0, LOOPS);
	tap_ok(counter("listings_vouched") - l0 >= LOOPS / 2 &&
	       r1 - r0 <= 2 * LOOPS,
	       "table on: listings read from the guest's cache, no READDIR");
}

/* Two TAP lines: repeated reads come from the page cache. */
static void read_loop(const char *f)
{
	unsigned long long d0, r0, r1;
	int fd = open(f, O_RDONLY);
	char buf[16];
	int i, ok = fd >= 0;

	/* The first read fills the page cache. */
	ok = ok && pread(fd, buf, sizeof(buf), 0) == 5;
	d0 = counter("data_vouched");
	r0 = queue_requests();
	for (i = 0; i < LOOPS && ok; i++)
		ok = pread(fd, buf, sizeof(buf), 0) == 5 && !memcmp(buf, "12345", 5);
	r1 = queue_requests();
	if (fd >= 0)
		close(fd);
	tap_ok(ok, "read loop reads 12345");
	tap_diag("data vouched %llu, requests %llu for %d reads",
		 counter("data_vouched") - d0, r1 - r0, LOOPS);
	tap_ok(counter("data_vouched") - d0 >= LOOPS / 2 && r1 - r0 < LOOPS / 2,
	       "table on: reads served from the page cache, no READ");
}

static int counters(int on, const char *base)
{
	char *work = vfs_make_subdir(base, "vtable");
	unsigned long long before, after, d0, a0, r0, r1;
	char state[32] = "", f[PATH_MAX];

	/* A copy: pathf()'s buffers rotate, and counter() uses them. */
	snprintf(f, sizeof(f), "%s/f", work ? work : "");

	tap_plan(on ? 11 : 5);
	tap_ok(work && write_file(f, "12345", 5) == 0, "create a file");
	if (read_str_file(pathf("%s/version_table/state", dev), state,
			  sizeof(state)))
		state[0] = '\0';
	/* on: the table is usable; else absent, unused or waiting. */
	tap_ok(on == !strcmp(state, "on"),
	       pathf("version_table/state reads \"%s\"", state));
	stat_loop(f, 2, 5);	/* the first replies are kept */
	before = answered();
	d0 = counter("dentries_vouched");
	a0 = counter("attrs_vouched");
	r0 = queue_requests();
	tap_ok(stat_loop(f, LOOPS, 5), "stat loop sees the file");
	r1 = queue_requests();
	after = answered();
	tap_diag("answered locally %llu -> %llu (dentries %llu, attrs %llu, replies %llu), requests %llu, misses %llu, stale %llu",
		 before, after, counter("dentries_vouched") - d0,
		 counter("attrs_vouched") - a0, counter("local_replies"),
		 r1 - r0, counter("misses"), counter("stale"));
	if (on) {
		tap_ok(counter("dentries_vouched") - d0 >= LOOPS / 2 &&
		       counter("attrs_vouched") - a0 >= LOOPS / 2,
		       "table on: the VFS asked the table for dentry and attributes");
		tap_ok(r1 - r0 < LOOPS / 2,
		       pathf("table on: %llu requests reached the queues for %d stats",
			     r1 - r0, LOOPS));
		tap_ok(after - before >= LOOPS,
		       "table on: the stat loop was answered without the host");
		listing_loop(work);
		read_loop(f);
	} else {
		tap_ok(after == 0, "table off: nothing answered locally");
	}
	tap_ok(work && vfs_rmtree(work) == 0, "cleanup");
	return tap_exit();
}

static int generation(const char *shared_dir)
{
	const char *mnt = getenv("VFS_MNT") ? getenv("VFS_MNT") : "/mnt";
	unsigned long long gen0, gen1, l0, l1, l2;
	char reply[256], f[PATH_MAX];

	/* A copy: pathf()'s buffers rotate, and counter() uses them. */
	snprintf(f, sizeof(f), "%s/%s/f", mnt, shared_dir);

	tap_plan(6);
	tap_ok(write_file(f, "12345", 5) == 0, "create a file");
	l0 = answered();
	stat_loop(f, LOOPS, 5);
	l1 = answered();
	tap_ok(l1 - l0 >= LOOPS / 2, "local replies before the new generation");

	gen0 = counter("generation");
	if (vfs_requestf(reply, sizeof(reply), "host-write %s/.ctl/bump bump 1",
			 shared_dir) != VFS_REPLY_OK ||
	    vfs_host_wait_line(pathf("%s/.ctl/bumped", shared_dir), "bumped 1",
			       120))
		tap_bail("the host script did not change the generation");
	gen1 = counter("generation");
	tap_ok(gen1 != gen0, pathf("generation %llu -> %llu", gen0, gen1));

	l1 = answered();
	tap_ok(stat_loop(f, 1, 5), "stat after the new generation");
	l2 = answered();
	tap_ok(l2 == l1, pathf("nothing answered locally from the old generation (%llu answers)",
			       l2 - l1));
	stat_loop(f, LOOPS, 5);
	tap_ok(answered() - l2 >= LOOPS / 2,
	       "local replies again under the new generation");
	return tap_exit();
}

#define NFILES 64

static int drop_caches(void)
{
	sync();
	return write_file("/proc/sys/vm/drop_caches", "2", 1);
}

/* Every file stats with its size, the open ones also via fstat and pread. */
static int files_intact(const char *work, const int *fds)
{
	struct stat st;
	char buf[NFILES + 1];
	int i;

	for (i = 0; i < NFILES; i++) {
		const char *f = pathf("%s/f%d", work, i);

		if (stat(f, &st) || st.st_size != i) {
			tap_diag("stat %s: %s", f, strerror(errno));
			return 0;
		}
		if (fds[i] >= 0 &&
		    (fstat(fds[i], &st) || st.st_size != i ||
		     pread(fds[i], buf, sizeof(buf), 0) != i)) {
			tap_diag("open f%d: %s", i, strerror(errno));
			return 0;
		}
	}
	return 1;
}

/*
 * open(O_CREAT|O_EXCL) of an existing file: fuse.ko revalidates with a
 * LOOKUP whatever the timeouts, so the transport sees one.
 */
static void excl_probe(const char *path)
{
	int fd = open(path, O_CREAT | O_EXCL | O_RDONLY, 0644);

	if (fd >= 0) {
		tap_diag("%s: O_EXCL create succeeded on an existing file", path);
		close(fd);
	}
}

static int forgets(const char *base)
{
	char *work = vfs_make_subdir(base, "vtable-forget");
	unsigned long long adjusted, local;
	int fds[NFILES];
	int i, round, ok = 1;
	char data[NFILES];

	tap_plan(5);
	memset(data, 'x', sizeof(data));
	for (i = 0; i < NFILES; i++) {
		fds[i] = -1;
		if (!work || write_file(pathf("%s/f%d", work, i), data, i))
			ok = 0;
	}
	tap_ok(ok, "create the files");
	adjusted = counter("forgets_adjusted");
	local = counter("local_replies");
	for (round = 0; round < 3 && ok; round++) {
		for (i = 0; i < NFILES; i++) {
			stat_loop(pathf("%s/f%d", work, i), 2, i);
			excl_probe(pathf("%s/f%d", work, i));
			excl_probe(pathf("%s/f%d", work, i));
		}
		for (i = 0; i < NFILES && !round; i += 2)
			fds[i] = open(pathf("%s/f%d", work, i), O_RDONLY);
		if (drop_caches()) {
			tap_diag("drop_caches: %s", strerror(errno));
			ok = 0;
		}
		ok = ok && files_intact(work, fds);
	}
	tap_ok(ok, "files intact across three rounds of local lookups and dropped caches");
	tap_ok(counter("local_replies") > local, "lookups answered locally");
	tap_ok(counter("forgets_adjusted") > adjusted,
	       pathf("forgets adjusted: %llu",
		     counter("forgets_adjusted") - adjusted));
	for (i = 0; i < NFILES; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	tap_ok(work && vfs_rmtree(work) == 0, "cleanup");
	return tap_exit();
}

int main(int argc, char **argv)
{
	const char *root = getenv("VFS_SYSFS_ROOT") ? getenv("VFS_SYSFS_ROOT") :
			   "/sys/fs/virtiofs";

	if (vfs_sysfs_device(root, dev, sizeof(dev)))
		tap_bail("no single virtio-fs device in %s", root);
	if (argc >= 3 && !strcmp(argv[1], "counters") &&
	    (!strcmp(argv[2], "on") || !strcmp(argv[2], "off")))
		return counters(!strcmp(argv[2], "on"),
				vfs_base_dir(argc - 2, argv + 2));
	if (argc == 3 && !strcmp(argv[1], "generation"))
		return generation(argv[2]);
	if (argc >= 2 && !strcmp(argv[1], "forgets"))
		return forgets(vfs_base_dir(argc - 1, argv + 1));
	fprintf(stderr, "usage: vtable counters on|off [DIR] | vtable generation SHAREDIR | vtable forgets [DIR]\n");
	return 2;
}
