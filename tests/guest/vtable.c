// SPDX-License-Identifier: GPL-2.0
/*
 * vtable counters on|off [DIR]
 * vtable generation SHAREDIR
 *
 * The version table's guest side, seen through
 * /sys/fs/virtiofs/<N>/version_table/ ($VFS_TAG picks the device).
 *
 * counters: a loop of stat(2) on one file.  "on" (a device with a table,
 * mounted without version_table=off) expects GETATTR/LOOKUP answered
 * locally: local_replies grows by at least half the loop.  "off" (no
 * table, or version_table=off) expects local_replies to stay 0.
 *
 * generation (with tests/vtable/generation.sh on the host): local replies
 * first; then the host script gives the table a new generation, as a
 * restarted daemon would; the next stat must not be answered locally
 * (everything kept belongs to the old generation), and later ones are
 * again.  SHAREDIR is a directory of the share, relative to it, holding
 * .ctl/ for the handshake (host-write/host-read, never the mount).
 */
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

static int counters(int on, const char *base)
{
	char *work = vfs_make_subdir(base, "vtable");
	const char *f = pathf("%s/f", work);
	unsigned long long before, after;
	char state[32] = "";

	tap_plan(5);
	tap_ok(work && write_file(f, "12345", 5) == 0, "create a file");
	tap_ok(read_str_file(pathf("%s/version_table/state", dev), state,
			     sizeof(state)) == 0,
	       pathf("version_table/state reads \"%s\"", state));
	before = counter("local_replies");
	tap_ok(stat_loop(f, LOOPS, 5), "stat loop sees the file");
	after = counter("local_replies");
	tap_diag("local_replies %llu -> %llu, hits %llu, misses %llu, stale %llu",
		 before, after, counter("hits"), counter("misses"),
		 counter("stale"));
	if (on)
		tap_ok(after - before >= LOOPS / 2,
		       "table on: the stat loop was answered locally");
	else
		tap_ok(after == 0, "table off: nothing answered locally");
	tap_ok(work && vfs_rmtree(work) == 0, "cleanup");
	return tap_exit();
}

static int generation(const char *shared_dir)
{
	const char *mnt = getenv("VFS_MNT") ? getenv("VFS_MNT") : "/mnt";
	const char *f = pathf("%s/%s/f", mnt, shared_dir);
	unsigned long long gen0, gen1, l0, l1, l2;
	char reply[256];

	tap_plan(6);
	tap_ok(write_file(f, "12345", 5) == 0, "create a file");
	l0 = counter("local_replies");
	stat_loop(f, LOOPS, 5);
	l1 = counter("local_replies");
	tap_ok(l1 - l0 >= LOOPS / 2, "local replies before the new generation");

	gen0 = counter("generation");
	if (vfs_requestf(reply, sizeof(reply), "host-write %s/.ctl/bump bump 1",
			 shared_dir) != VFS_REPLY_OK ||
	    vfs_host_wait_line(pathf("%s/.ctl/bumped", shared_dir), "bumped 1",
			       120))
		tap_bail("the host script did not change the generation");
	gen1 = counter("generation");
	tap_ok(gen1 != gen0, pathf("generation %llu -> %llu", gen0, gen1));

	l1 = counter("local_replies");
	tap_ok(stat_loop(f, 1, 5), "stat after the new generation");
	l2 = counter("local_replies");
	tap_ok(l2 == l1, pathf("nothing answered locally from the old generation (%llu local replies)",
			       l2 - l1));
	stat_loop(f, LOOPS, 5);
	tap_ok(counter("local_replies") - l2 >= LOOPS / 2,
	       "local replies again under the new generation");
	return tap_exit();
}

int main(int argc, char **argv)
{
	const char *root = getenv("VFS_SYSFS_ROOT") ? getenv("VFS_SYSFS_ROOT") :
			   "/sys/fs/virtiofs";

	printf("TAP version 13\n");
	if (vfs_sysfs_device(root, dev, sizeof(dev)))
		tap_bail("no single virtio-fs device in %s", root);
	if (argc >= 3 && !strcmp(argv[1], "counters") &&
	    (!strcmp(argv[2], "on") || !strcmp(argv[2], "off")))
		return counters(!strcmp(argv[2], "on"),
				vfs_base_dir(argc - 2, argv + 2));
	if (argc == 3 && !strcmp(argv[1], "generation"))
		return generation(argv[2]);
	fprintf(stderr, "usage: vtable counters on|off [DIR] | vtable generation SHAREDIR\n");
	return 2;
}
