// SPDX-License-Identifier: GPL-2.0
/*
 * coherence [DIR]: changes made on the host are seen by the guest and the
 * other way round.  The host side acts through the harness's request
 * protocol (vfs_request.h).  Run with the daemon's cache=none.
 *
 * DIR (default $VFS_MNT) must be inside the mount $VFS_MNT (default /mnt):
 * host paths are relative to the shared directory, which is mounted there.
 */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>

#include "tap.h"
#include "vfs_request.h"
#include "vfsutil.h"

static const char *D;	/* guest path of this run's directory */
static const char *REL; /* the same, relative to the shared directory */

#define P(name) pathf("%s/%s", D, name)
#define H(name) pathf("%s/%s", REL, name)

/* Sends a request; TEST_FAIL unless the host answers ok. */
#define HOST(reply, ...)                                                     \
	do {                                                                 \
		int host_rc_ = vfs_requestf(reply, sizeof(reply), __VA_ARGS__); \
		if (host_rc_ != VFS_REPLY_OK) {                              \
			tap_diag("request: " __VA_ARGS__);                   \
			tap_diag("  -> %s: %s", vfs_request_status_name(host_rc_), \
				 host_rc_ == VFS_REQUEST_LOCAL_ERROR ?       \
					 strerror(errno) : reply);           \
			if (host_rc_ != VFS_REPLY_ERR)                       \
				tap_bail("no answer from the host harness"); \
			return TEST_FAIL;                                    \
		}                                                            \
	} while (0)

static int content_is(const char *path, const char *want)
{
	char buf[512];
	ssize_t n = read_file(path, buf, sizeof(buf) - 1);

	if (n < 0) {
		tap_diag("read %s: %s", path, strerror(errno));
		return 0;
	}
	buf[n] = '\0';
	if (strcmp(buf, want)) {
		tap_diag("%s holds '%s' (%zd bytes), expected '%s'", path, buf, n,
			 want);
		return 0;
	}
	return 1;
}

static int t_host_write_guest_read(void)
{
	char reply[512];

	HOST(reply, "host-write %s hello from the host", H("f1"));
	CHECK(content_is(P("f1"), "hello from the host\n"), "guest read");
	return TEST_PASS;
}

static int t_host_rewrite_fresh_open(void)
{
	char reply[512];

	/* f1 was read by the guest in the previous test */
	CHECK(content_is(P("f1"), "hello from the host\n"), "before");
	HOST(reply, "host-write %s second version, longer than the first one",
	     H("f1"));
	CHECK(content_is(P("f1"), "second version, longer than the first one\n"),
	      "after a longer rewrite");
	HOST(reply, "host-write %s x", H("f1"));
	CHECK(content_is(P("f1"), "x\n"), "after a shorter rewrite");
	return TEST_PASS;
}

static int t_host_rewrite_open_fd(void)
{
	char reply[512], buf[128];
	struct stat st;
	ssize_t n;
	int fd;

	HOST(reply, "host-write %s before", H("f2"));
	CHECK((fd = open(P("f2"), O_RDONLY)) >= 0, "open");
	CHECK((n = pread(fd, buf, sizeof(buf), 0)) == 7 && !memcmp(buf, "before\n", 7),
	      "first read");
	HOST(reply, "host-write %s after the rewrite", H("f2"));
	/* cache=none: no page cache, the next read asks the host */
	n = pread(fd, buf, sizeof(buf), 0);
	CHECK(n == 18 && !memcmp(buf, "after the rewrite\n", 18),
	      "read on the open fd: %zd bytes '%.*s'", n, (int)(n > 0 ? n : 0), buf);
	CHECK(fstat(fd, &st) == 0 && st.st_size == 18, "fstat size %lld",
	      (long long)st.st_size);
	close(fd);
	return TEST_PASS;
}

static int t_guest_write_host_read(void)
{
	char reply[512];
	int fd;

	CHECK((fd = open(P("g1"), O_WRONLY | O_CREAT | O_TRUNC, 0644)) >= 0, "create");
	CHECK(write(fd, "guest says hi\nsecond line\n", 26) == 26, "write");
	CHECK(close(fd) == 0, "close");
	HOST(reply, "host-read %s", H("g1"));
	CHECK(!strcmp(reply, "guest says hi"), "host read '%s'", reply);

	/* rewrite through an fd that stays open */
	CHECK((fd = open(P("g1"), O_WRONLY | O_TRUNC)) >= 0, "reopen");
	CHECK(write(fd, "changed by the guest\n", 21) == 21, "write");
	CHECK(fsync(fd) == 0, "fsync");
	HOST(reply, "host-read %s", H("g1"));
	CHECK(!strcmp(reply, "changed by the guest"), "host read while open '%s'",
	      reply);
	CHECK(close(fd) == 0, "close");
	return TEST_PASS;
}

static int t_host_unlink(void)
{
	char reply[512];
	struct stat st;

	CHECK(write_file(P("u1"), "doomed\n", 7) == 0, "create");
	CHECK(stat(P("u1"), &st) == 0, "stat before");
	CHECK(content_is(P("u1"), "doomed\n"), "read before");
	HOST(reply, "host-unlink %s", H("u1"));
	CHECK_ERRNO(open(P("u1"), O_RDONLY), ENOENT, "open after host unlink");
	CHECK_ERRNO(stat(P("u1"), &st), ENOENT, "stat after host unlink");
	/* the name is free again */
	CHECK(write_file(P("u1"), "reborn\n", 7) == 0, "create again");
	HOST(reply, "host-read %s", H("u1"));
	CHECK(!strcmp(reply, "reborn"), "host read '%s'", reply);
	return TEST_PASS;
}

static int t_host_mkdir(void)
{
	char reply[512];
	struct dirent *de;
	struct stat st;
	int listed = 0;
	DIR *d;

	CHECK_ERRNO(stat(P("hd"), &st), ENOENT, "before");
	HOST(reply, "host-mkdir %s", H("hd"));
	CHECK(stat(P("hd"), &st) == 0 && S_ISDIR(st.st_mode), "stat after host mkdir");
	CHECK((d = opendir(D)) != NULL, "opendir");
	while ((de = readdir(d)))
		if (!strcmp(de->d_name, "hd"))
			listed = 1;
	closedir(d);
	CHECK(listed, "hd not listed by readdir");
	CHECK(write_file(P("hd/inside"), "in\n", 3) == 0, "create inside");
	HOST(reply, "host-read %s", H("hd/inside"));
	CHECK(!strcmp(reply, "in"), "host read '%s'", reply);
	return TEST_PASS;
}

static int t_host_read_missing(void)
{
	char reply[512];
	int rc = vfs_requestf(reply, sizeof(reply), "host-read %s", H("nothere"));

	CHECK(rc == VFS_REPLY_ERR, "host-read of a missing file: %s '%s'",
	      vfs_request_status_name(rc), reply);
	return TEST_PASS;
}

static const struct tap_test tests[] = {
	{ "host_write_guest_read", t_host_write_guest_read },
	{ "host_rewrite_fresh_open", t_host_rewrite_fresh_open },
	{ "host_rewrite_open_fd", t_host_rewrite_open_fd },
	{ "guest_write_host_read", t_guest_write_host_read },
	{ "host_unlink_enoent", t_host_unlink },
	{ "host_mkdir_visible", t_host_mkdir },
	{ "host_read_missing_is_err", t_host_read_missing },
};

int main(int argc, char **argv)
{
	const char *base = vfs_base_dir(argc, argv), *root = vfs_mount_root();
	char rroot[PATH_MAX], rdir[PATH_MAX], *dir;
	size_t len;

	tap_plan(TAP_ARRAY_SIZE(tests) + 1);
	tap_diag("coherence in %s (fs type 0x%lx), mount root %s", base,
		 fs_type(base), root);
	if (!on_shared_fs(base) && !getenv("VFS_REQUEST_TTY"))
		tap_bail("%s is not on a virtio-fs/9p mount (set VFS_REQUEST_TTY to use a fake host)",
			 base);
	dir = vfs_make_subdir(base, "coherence");
	if (!realpath(root, rroot) || !realpath(dir, rdir)) {
		vfs_rmtree(dir);
		tap_bail("realpath: %s", strerror(errno));
	}
	len = strlen(rroot);
	if (strncmp(rdir, rroot, len) || rdir[len] != '/') {
		vfs_rmtree(dir);
		tap_bail("%s is not inside the mount %s ($VFS_MNT)", rdir, rroot);
	}
	D = dir;
	REL = rdir + len + 1;
	tap_diag("host path of the test directory: %s", REL);
	tap_run_tests(tests, TAP_ARRAY_SIZE(tests));
	errno = 0;
	tap_ok(vfs_rmtree(dir) == 0, "cleanup");
	free(dir);
	return tap_exit();
}
