// SPDX-License-Identifier: GPL-2.0
/*
 * errors: mount-time behaviour.  Run with nothing mounted (vfs.mount=0) and
 * the transport module loaded; mounts $VFS_TAG itself on directories under
 * /tmp.  Every mount(2)/umount(2) runs in a child bounded to 60 s, so a hang
 * is reported (Bail out!) instead of stalling the suite.
 *
 * $VFS_TRANSPORT=ours additionally requires our module's exact errors
 * (ENOENT for an unknown tag, EINVAL and an fs_context message naming dax
 * for -o dax on a device without a DAX window; skipped if it has one).
 */
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "tap.h"
#include "vfsutil.h"

#define WATCHDOG 60

static const char *TAG;
static int OURS;
static char A[256], B[256], TOP[200];

struct mount_args {
	const char *source, *target, *opts;
};

static int do_mount(void *arg)
{
	struct mount_args *m = arg;

	return mount(m->source, m->target, "virtiofs", 0, m->opts);
}

static int do_umount(void *arg)
{
	return umount2((const char *)arg, 0);
}

/* mount(2) bounded by the watchdog; returns 0 or -1 with errno. */
static int bounded_mount(const char *source, const char *target, const char *opts)
{
	struct mount_args m = { source, target, opts };
	int err = 0, rc;

	rc = run_bounded(WATCHDOG, do_mount, &m, &err);
	if (rc == BOUNDED_TIMEOUT)
		tap_bail("mount -t virtiofs -o '%s' %s %s did not return within %d s",
			 opts ? opts : "", source, target, WATCHDOG);
	if (rc == BOUNDED_CRASH)
		tap_bail("mount child died of signal %d", err);
	errno = err;
	return rc;
}

static int bounded_umount(const char *target)
{
	int err = 0, rc;

	rc = run_bounded(WATCHDOG, do_umount, (void *)target, &err);
	if (rc == BOUNDED_TIMEOUT)
		tap_bail("umount %s did not return within %d s", target, WATCHDOG);
	if (rc == BOUNDED_CRASH)
		tap_bail("umount child died of signal %d", err);
	errno = err;
	return rc;
}

/* A mount that should have failed did not: undo it. */
static void undo(const char *target)
{
	if (fs_type(target) == FUSE_SUPER_MAGIC_) {
		tap_diag("unexpectedly mounted on %s; unmounting", target);
		bounded_umount(target);
	}
}

static int t_registered(void)
{
	char buf[8192];
	ssize_t n = read_file("/proc/filesystems", buf, sizeof(buf) - 1);

	CHECK(n > 0, "read /proc/filesystems");
	buf[n] = '\0';
	CHECK(strstr(buf, "\tvirtiofs\n") != NULL,
	      "virtiofs is not in /proc/filesystems (transport module not loaded?)");
	return TEST_PASS;
}

static int t_unknown_tag(void)
{
	int rc = bounded_mount("nosuchtag", A, ""), e = errno;

	if (rc == 0)
		undo(A);
	CHECK(rc == -1, "mount of an unknown tag succeeded");
	tap_diag("unknown tag: %s", strerror(e));
	if (OURS)
		CHECK(e == ENOENT, "errno %d (%s), expected ENOENT", e, strerror(e));
	else
		/* Debian's 6.1 virtiofs answers EINVAL ("tag not found") */
		CHECK(e == ENOENT || e == EINVAL,
		      "errno %d (%s), expected ENOENT or EINVAL", e, strerror(e));
	return TEST_PASS;
}

static int t_option(const char *opts)
{
	int rc = bounded_mount(TAG, A, opts), e = errno;

	if (rc == 0)
		undo(A);
	CHECK(rc == -1, "mount -o %s succeeded", opts);
	CHECK(e == EINVAL, "mount -o %s: errno %d (%s), expected EINVAL", opts, e,
	      strerror(e));
	return TEST_PASS;
}

static int t_unknown_option(void)
{
	return t_option("no_such_option");
}

static int t_bad_option_value(void)
{
	if (!OURS)
		return tap_skip_reason("request_timeout is our module's option");
	return t_option("request_timeout=abc");
}

static int t_poll_too_long(void)
{
	if (!OURS)
		return tap_skip_reason("poll_us is our module's option");
	return t_option("poll_us=20000");
}

/* Shared with the child that talks to fsopen(). */
struct fsctx_result {
	int set_rc, set_errno, create_rc, create_errno, msg_names_dax;
	char msgs[1024];
};

static void drain_messages(int fd, struct fsctx_result *r)
{
	char buf[512];
	ssize_t n;

	while ((n = read(fd, buf, sizeof(buf) - 1)) > 0) {
		buf[n] = '\0';
		if (strstr(buf, "dax"))
			r->msg_names_dax = 1;
		strncat(r->msgs, buf, sizeof(r->msgs) - strlen(r->msgs) - 2);
		strcat(r->msgs, "\n");
	}
}

static int fsctx_dax(void *arg)
{
	struct fsctx_result *r = arg;
	int fd = fsopen("virtiofs", FSOPEN_CLOEXEC);

	if (fd < 0)
		return -1;
	r->set_rc = fsconfig(fd, FSCONFIG_SET_STRING, "source", TAG, 0);
	r->set_errno = errno;
	if (r->set_rc == 0) {
		r->set_rc = fsconfig(fd, FSCONFIG_SET_FLAG, "dax", NULL, 0);
		r->set_errno = errno;
	}
	drain_messages(fd, r);
	if (r->set_rc == 0) {
		r->create_rc = fsconfig(fd, FSCONFIG_CMD_CREATE, NULL, NULL, 0);
		r->create_errno = errno;
		drain_messages(fd, r);
	}
	close(fd);
	return 0;
}

/* Our module's /sys/fs/virtiofs/<N>/dax_window for TAG: bytes, 0 if none. */
static unsigned long long dax_window(void)
{
	unsigned long long size = 0;
	char tag[64];
	int i;

	for (i = 0; i < 64; i++) {
		if (read_str_file(pathf("/sys/fs/virtiofs/%d/tag", i), tag,
				  sizeof(tag)) == 0 && !strcmp(tag, TAG) &&
		    read_u64_file(pathf("/sys/fs/virtiofs/%d/dax_window", i),
				  &size) == 0)
			return size;
	}
	return 0;
}

static int t_dax(void)
{
	struct fsctx_result *r;
	int rc, e, err = 0;

	if (OURS && dax_window())
		return tap_skip_reason("tag %s has a DAX window (see the dax suite)",
				       TAG);
	rc = bounded_mount(TAG, A, "dax");
	e = errno;
	if (rc == 0)
		undo(A);
	CHECK(rc == -1, "mount -o dax succeeded");
	tap_diag("mount -o dax: %s", strerror(e));
	if (OURS)
		CHECK(e == EINVAL, "errno %d (%s), expected EINVAL", e, strerror(e));

	/* the same through fsopen(), which hands back the kernel's message */
	r = mmap(NULL, sizeof(*r), PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	CHECK(r != MAP_FAILED, "mmap");
	memset(r, 0, sizeof(*r));
	rc = run_bounded(WATCHDOG, fsctx_dax, r, &err);
	if (rc == BOUNDED_TIMEOUT)
		tap_bail("fsconfig(dax) did not return within %d s", WATCHDOG);
	errno = err;
	CHECK(rc == 0, "fsopen(virtiofs)");
	if (r->msgs[0])
		tap_diag("fs_context messages:\n%s", r->msgs);
	else
		tap_diag("no fs_context message (see dmesg)");
	if (r->create_rc == 0 && r->set_rc == 0) {
		/* a superblock was created; nothing is mounted, the fd is gone */
		CHECK(0, "fsconfig(dax) + FSCONFIG_CMD_CREATE succeeded");
	}
	if (OURS) {
		/* refused when the tag is known to have no window: at create */
		CHECK((r->set_rc == -1 && r->set_errno == EINVAL) ||
		      (r->set_rc == 0 && r->create_rc == -1 &&
		       r->create_errno == EINVAL),
		      "fsconfig(SET_FLAG dax): rc %d errno %s, CMD_CREATE: rc %d errno %s, expected EINVAL",
		      r->set_rc, strerror(r->set_errno), r->create_rc,
		      strerror(r->create_errno));
		CHECK(r->msg_names_dax, "the error message does not mention dax");
	}
	munmap(r, sizeof(*r));
	return TEST_PASS;
}

static int have_tag(void)
{
	if (getenv("VFS_TAG") && *getenv("VFS_TAG"))
		return 1;
	tap_diag("$VFS_TAG is not set");
	return 0;
}

static int t_real_mount(void)
{
	CHECK(have_tag(), "tag");
	CHECK(bounded_mount(TAG, A, "") == 0, "mount -t virtiofs %s %s", TAG, A);
	CHECK(fs_type(A) == FUSE_SUPER_MAGIC_, "%s is not a fuse mount (0x%lx)", A,
	      fs_type(A));
	CHECK(write_file(pathf("%s/vfs-errors-%d-a", A, (int)getpid()), "via A\n",
			 6) == 0,
	      "write through %s", A);
	return TEST_PASS;
}

static int t_second_mount(void)
{
	char buf[64];
	struct stat sa, sb;

	CHECK(fs_type(A) == FUSE_SUPER_MAGIC_, "first mount missing");
	CHECK(bounded_mount(TAG, B, "") == 0, "second mount of %s on %s", TAG, B);
	CHECK(fs_type(B) == FUSE_SUPER_MAGIC_, "%s is not a fuse mount", B);
	CHECK(read_file(pathf("%s/vfs-errors-%d-a", B, (int)getpid()), buf,
			sizeof(buf)) == 6 && !memcmp(buf, "via A\n", 6),
	      "file written via A read via B");
	CHECK(write_file(pathf("%s/vfs-errors-%d-b", B, (int)getpid()), "via B\n",
			 6) == 0,
	      "write through B");
	CHECK(read_file(pathf("%s/vfs-errors-%d-b", A, (int)getpid()), buf,
			sizeof(buf)) == 6 && !memcmp(buf, "via B\n", 6),
	      "file written via B read via A");
	CHECK(stat(A, &sa) == 0 && stat(B, &sb) == 0, "stat");
	tap_diag("st_dev A %lu B %lu, root ino A %lu B %lu", (unsigned long)sa.st_dev,
		 (unsigned long)sb.st_dev, (unsigned long)sa.st_ino,
		 (unsigned long)sb.st_ino);
	CHECK(sa.st_ino == sb.st_ino, "both mounts show the same root");
	return TEST_PASS;
}

static int t_umount_second(void)
{
	char buf[64];

	CHECK(fs_type(B) == FUSE_SUPER_MAGIC_, "second mount missing");
	CHECK(bounded_umount(B) == 0, "umount %s", B);
	CHECK(fs_type(B) != FUSE_SUPER_MAGIC_, "%s still mounted", B);
	CHECK(read_file(pathf("%s/vfs-errors-%d-b", A, (int)getpid()), buf,
			sizeof(buf)) == 6,
	      "first mount still works");
	return TEST_PASS;
}

static int t_umount_first(void)
{
	CHECK(fs_type(A) == FUSE_SUPER_MAGIC_, "first mount missing");
	CHECK(unlink(pathf("%s/vfs-errors-%d-a", A, (int)getpid())) == 0, "unlink");
	CHECK(unlink(pathf("%s/vfs-errors-%d-b", A, (int)getpid())) == 0, "unlink");
	CHECK(bounded_umount(A) == 0, "umount %s", A);
	CHECK(fs_type(A) != FUSE_SUPER_MAGIC_, "%s still mounted", A);
	return TEST_PASS;
}

static int t_remount(void)
{
	struct stat st;

	CHECK(have_tag(), "tag");
	CHECK(bounded_mount(TAG, A, "") == 0, "mount again after the last umount");
	CHECK(stat(pathf("%s/.", A), &st) == 0 && S_ISDIR(st.st_mode), "stat root");
	CHECK(access(pathf("%s/vfs-errors-%d-a", A, (int)getpid()), F_OK) == -1,
	      "file removed before umount is still there");
	CHECK(bounded_umount(A) == 0, "umount");
	return TEST_PASS;
}

static const struct tap_test tests[] = {
	{ "virtiofs_registered", t_registered },
	{ "unknown_tag_fails", t_unknown_tag },
	{ "unknown_option_einval", t_unknown_option },
	{ "bad_option_value_einval", t_bad_option_value },
	{ "poll_us_too_long_einval", t_poll_too_long },
	{ "dax_rejected", t_dax },
	{ "mount_real_tag", t_real_mount },
	{ "second_mount_same_files", t_second_mount },
	{ "umount_second", t_umount_second },
	{ "umount_first", t_umount_first },
	{ "mount_again_after_umount", t_remount },
};

int main(void)
{
	const char *tr = getenv("VFS_TRANSPORT");

	tap_plan(TAP_ARRAY_SIZE(tests));
	if (geteuid() != 0)
		tap_bail("needs root (mount)");
	TAG = getenv("VFS_TAG") && *getenv("VFS_TAG") ? getenv("VFS_TAG") : "vfs0";
	OURS = tr && !strcmp(tr, "ours");
	tap_diag("transport %s, tag %s", tr ? tr : "(unset)", TAG);
	snprintf(TOP, sizeof(TOP), "/tmp/vfs-errors-%d", (int)getpid());
	snprintf(A, sizeof(A), "%s/a", TOP);
	snprintf(B, sizeof(B), "%s/b", TOP);
	if (mkdir(TOP, 0755) || mkdir(A, 0755) || mkdir(B, 0755))
		tap_bail("mkdir %s: %s", TOP, strerror(errno));
	tap_run_tests(tests, TAP_ARRAY_SIZE(tests));
	/* leave nothing mounted */
	undo(B);
	undo(A);
	rmdir(A);
	rmdir(B);
	rmdir(TOP);
	return tap_exit();
}
