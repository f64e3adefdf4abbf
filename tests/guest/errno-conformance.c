// SPDX-License-Identifier: GPL-2.0
/*
 * errno-conformance [DIR]: every kind of bad input a local file system
 * refuses, tried on the virtio-fs mount and on a guest tmpfs; each case must
 * give the same result on both (the errno, or what a successful call left
 * behind).  Cases run in a child, some as uid/gid 1000 with supplementary
 * group 2000, each in a fresh copy of the same small tree.
 *
 * Not covered, because tmpfs has no such limit to compare with: EMLINK (the
 * host file system's link limit decides) and ENOSPC/EDQUOT.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tap.h"
#include "vfsutil.h"

#define USER_ID 1000
#define GROUP_ID 1000
#define SUPP_GROUP 2000
#define OTHER_GROUP 3000
#define TMPFS_DIR "/tmp/errno-conformance-tmpfs"

/* The tree every case starts from (see make_fixture()). */
struct ctx {
	const char *dir;   /* this case's copy of the tree */
	const char *other; /* a directory on the other file system */
};

typedef long (*case_fn)(const struct ctx *c);

struct errno_case {
	const char *name;
	case_fn fn;
	int as_user;
};

static char name255[NAME_MAX + 1];
static char name256[NAME_MAX + 2];
static char name1100[1101];
static char target4095[PATH_MAX];
static char target4096[PATH_MAX + 1];

/* Rotating buffers so one call can take several paths. */
static const char *P(const struct ctx *c, const char *rel)
{
	static char buf[4][PATH_MAX * 2];
	static int next;
	char *b = buf[next++ % 4];

	snprintf(b, sizeof(buf[0]), "%s/%s", c->dir, rel);
	return b;
}

/* -errno of a failed call, or @ok. */
static long res(int r, long ok)
{
	return r < 0 ? -errno : ok;
}

static long st_mode_of(const char *path)
{
	struct stat st;

	return lstat(path, &st) ? -errno : (long)st.st_mode;
}

/* uid, gid and mode of what a call created, in one comparable number. */
static long owner_of(const char *path)
{
	struct stat st;

	if (lstat(path, &st))
		return -errno;
	return (long)st.st_uid * 100000000L + (long)st.st_gid * 100000L +
	       (st.st_mode & 07777);
}

/* -errno of a failed call, or owner_of(@path) after a successful one. */
static long then_owner(int r, const char *path)
{
	return r < 0 ? -errno : owner_of(path);
}

static long open_close(const char *path, int flags, mode_t mode)
{
	int fd = open(path, flags, mode);

	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

/* ---- long names and paths ---- */

static long create_256(const struct ctx *c)
{
	return open_close(P(c, name256), O_CREAT | O_WRONLY, 0644);
}

static long create_255(const struct ctx *c)
{
	long r = open_close(P(c, name255), O_CREAT | O_WRONLY, 0644);

	return r ? r : res(unlink(P(c, name255)), 0);
}

static long create_1100(const struct ctx *c)
{
	return open_close(P(c, name1100), O_CREAT | O_WRONLY, 0644);
}

static long mkdir_256(const struct ctx *c)
{
	return res(mkdir(P(c, name256), 0755), 0);
}

static long mknod_256(const struct ctx *c)
{
	return res(mknod(P(c, name256), S_IFIFO | 0644, 0), 0);
}

static long link_256(const struct ctx *c)
{
	return res(link(P(c, "f"), P(c, name256)), 0);
}

static long symlink_256(const struct ctx *c)
{
	return res(symlink("f", P(c, name256)), 0);
}

static long rename_to_256(const struct ctx *c)
{
	return res(rename(P(c, "f"), P(c, name256)), 0);
}

static long rename_from_256(const struct ctx *c)
{
	return res(rename(P(c, name256), P(c, "g")), 0);
}

static long unlink_256(const struct ctx *c)
{
	return res(unlink(P(c, name256)), 0);
}

static long rmdir_256(const struct ctx *c)
{
	return res(rmdir(P(c, name256)), 0);
}

static long stat_256(const struct ctx *c)
{
	struct stat st;

	return res(stat(P(c, name256), &st), 0);
}

static long path_too_long(const struct ctx *c)
{
	char path[PATH_MAX + 64];
	size_t len = strlen(c->dir);

	memcpy(path, c->dir, len);
	while (len < PATH_MAX + 8) {
		memcpy(path + len, "/./././.", 8);
		len += 8;
	}
	memcpy(path + len, "/f", 3);
	return open_close(path, O_RDONLY, 0);
}

static long symlink_target_4095(const struct ctx *c)
{
	char back[PATH_MAX + 1];
	ssize_t n;

	if (symlink(target4095, P(c, "longlink")))
		return -errno;
	n = readlink(P(c, "longlink"), back, sizeof(back));
	if (n < 0)
		return -errno;
	return n == 4095 && !memcmp(back, target4095, 4095) ? n : -1000;
}

static long symlink_target_4096(const struct ctx *c)
{
	return res(symlink(target4096, P(c, "longlink")), 0);
}

/* ---- "." and ".." ---- */

static long mkdir_dot(const struct ctx *c)
{
	return res(mkdir(P(c, "d/."), 0755), 0);
}

static long mkdir_dotdot(const struct ctx *c)
{
	return res(mkdir(P(c, "d/.."), 0755), 0);
}

static long rmdir_dot(const struct ctx *c)
{
	return res(rmdir(P(c, "e/.")), 0);
}

static long rmdir_dotdot(const struct ctx *c)
{
	return res(rmdir(P(c, "e/..")), 0);
}

static long unlink_dot(const struct ctx *c)
{
	return res(unlink(P(c, "d/.")), 0);
}

static long rename_dot(const struct ctx *c)
{
	return res(rename(P(c, "e/."), P(c, "z")), 0);
}

static long rename_to_dotdot(const struct ctx *c)
{
	return res(rename(P(c, "e"), P(c, "d/..")), 0);
}

static long link_to_dot(const struct ctx *c)
{
	return res(link(P(c, "f"), P(c, "d/.")), 0);
}

static long create_dot(const struct ctx *c)
{
	return open_close(P(c, "d/."), O_CREAT | O_WRONLY, 0644);
}

/* ---- a non-directory used as a directory ---- */

static long open_under_file(const struct ctx *c)
{
	return open_close(P(c, "f/x"), O_RDONLY, 0);
}

static long mkdir_under_file(const struct ctx *c)
{
	return res(mkdir(P(c, "f/x"), 0755), 0);
}

static long open_file_o_directory(const struct ctx *c)
{
	return open_close(P(c, "f"), O_RDONLY | O_DIRECTORY, 0);
}

static long rmdir_file(const struct ctx *c)
{
	return res(rmdir(P(c, "f")), 0);
}

static long rename_dir_over_file(const struct ctx *c)
{
	return res(rename(P(c, "e"), P(c, "f")), 0);
}

static long file_with_slash(const struct ctx *c)
{
	return open_close(P(c, "f/"), O_RDONLY, 0);
}

/* ---- EEXIST, ENOTEMPTY, EISDIR ---- */

static long mkdir_existing(const struct ctx *c)
{
	return res(mkdir(P(c, "d"), 0755), 0);
}

static long create_excl_existing(const struct ctx *c)
{
	return open_close(P(c, "f"), O_CREAT | O_EXCL | O_WRONLY, 0644);
}

static long create_excl_dangling(const struct ctx *c)
{
	return open_close(P(c, "dangling"), O_CREAT | O_EXCL | O_WRONLY, 0644);
}

static long link_existing(const struct ctx *c)
{
	return res(link(P(c, "f"), P(c, "d/x")), 0);
}

static long symlink_existing(const struct ctx *c)
{
	return res(symlink("x", P(c, "f")), 0);
}

static long mknod_existing(const struct ctx *c)
{
	return res(mknod(P(c, "sl"), S_IFIFO | 0644, 0), 0);
}

static long rename_noreplace(const struct ctx *c)
{
	return res(renameat2(AT_FDCWD, P(c, "f"), AT_FDCWD, P(c, "d/x"),
			     RENAME_NOREPLACE), 0);
}

static long rename_exchange_missing(const struct ctx *c)
{
	return res(renameat2(AT_FDCWD, P(c, "f"), AT_FDCWD, P(c, "nothere"),
			     RENAME_EXCHANGE), 0);
}

static long rename_bad_flags(const struct ctx *c)
{
	return res(renameat2(AT_FDCWD, P(c, "f"), AT_FDCWD, P(c, "g"),
			     RENAME_NOREPLACE | RENAME_EXCHANGE), 0);
}

static long rmdir_nonempty(const struct ctx *c)
{
	return res(rmdir(P(c, "d")), 0);
}

static long rename_over_nonempty(const struct ctx *c)
{
	return res(rename(P(c, "e"), P(c, "d")), 0);
}

static long rename_into_itself(const struct ctx *c)
{
	return res(rename(P(c, "d"), P(c, "d/sub")), 0);
}

static long unlink_dir(const struct ctx *c)
{
	return res(unlink(P(c, "d")), 0);
}

static long open_dir_write(const struct ctx *c)
{
	return open_close(P(c, "d"), O_WRONLY, 0);
}

static long create_on_dir(const struct ctx *c)
{
	return open_close(P(c, "d"), O_CREAT | O_WRONLY, 0644);
}

static long rename_file_over_dir(const struct ctx *c)
{
	return res(rename(P(c, "f"), P(c, "e")), 0);
}

static long read_dir(const struct ctx *c)
{
	char b[16];
	int fd = open(P(c, "d"), O_RDONLY);
	long r;

	if (fd < 0)
		return -errno;
	r = read(fd, b, sizeof(b));
	r = r < 0 ? -errno : r;
	close(fd);
	return r;
}

static long rmdir_missing(const struct ctx *c)
{
	return res(rmdir(P(c, "nothere")), 0);
}

static long link_dir(const struct ctx *c)
{
	return res(link(P(c, "d"), P(c, "dlink")), 0);
}

/* ---- EXDEV ---- */

static long rename_across(const struct ctx *c)
{
	char dst[PATH_MAX];

	snprintf(dst, sizeof(dst), "%s/xdev", c->other);
	return res(rename(P(c, "f"), dst), 0);
}

static long link_across(const struct ctx *c)
{
	char dst[PATH_MAX];

	snprintf(dst, sizeof(dst), "%s/xdev", c->other);
	return res(link(P(c, "f"), dst), 0);
}

/* ---- ELOOP ---- */

static long open_loop(const struct ctx *c)
{
	return open_close(P(c, "loop1"), O_RDONLY, 0);
}

static long stat_through_loop(const struct ctx *c)
{
	struct stat st;

	return res(stat(P(c, "loop1/x"), &st), 0);
}

static long open_nofollow(const struct ctx *c)
{
	return open_close(P(c, "sl"), O_RDONLY | O_NOFOLLOW, 0);
}

static long open_nofollow_path(const struct ctx *c)
{
	return open_close(P(c, "sl"), O_PATH | O_NOFOLLOW, 0);
}

static long create_through_dangling(const struct ctx *c)
{
	/* O_CREAT follows a dangling symlink and creates its target. */
	long r = open_close(P(c, "dangling"), O_CREAT | O_WRONLY, 0644);

	return r ? r : st_mode_of(P(c, "dangling-target"));
}

/* ---- EFBIG and EINVAL on sizes ---- */

static long write_beyond_rlimit(const struct ctx *c)
{
	struct rlimit lim = { 4096, 4096 };
	int fd = open(P(c, "f"), O_WRONLY);
	long r;

	if (fd < 0)
		return -errno;
	signal(SIGXFSZ, SIG_IGN);
	setrlimit(RLIMIT_FSIZE, &lim);
	r = res(pwrite(fd, "x", 1, 4096), 0);
	close(fd);
	return r;
}

static long truncate_beyond_rlimit(const struct ctx *c)
{
	struct rlimit lim = { 4096, 4096 };

	signal(SIGXFSZ, SIG_IGN);
	setrlimit(RLIMIT_FSIZE, &lim);
	return res(truncate(P(c, "f"), 8192), 0);
}

static long write_at_max_offset(const struct ctx *c)
{
	int fd = open(P(c, "f"), O_WRONLY);
	long r;

	if (fd < 0)
		return -errno;
	r = res(pwrite(fd, "x", 1, LLONG_MAX), 0);
	close(fd);
	return r;
}

static long truncate_negative(const struct ctx *c)
{
	return res(truncate(P(c, "f"), -1), 0);
}

static long fallocate_beyond_max(const struct ctx *c)
{
	int fd = open(P(c, "f"), O_WRONLY);
	long r;

	if (fd < 0)
		return -errno;
	r = res(fallocate(fd, 0, LLONG_MAX - 10, 100), 0);
	close(fd);
	return r;
}

/* ---- EPERM, sticky directories, ownership ---- */

static long chmod_not_owner(const struct ctx *c)
{
	return res(chmod(P(c, "f"), 0666), 0);
}

static long chown_not_owner(const struct ctx *c)
{
	return res(chown(P(c, "own"), 0, 0), 0);
}

static long chgrp_own_to_member_group(const struct ctx *c)
{
	return then_owner(chown(P(c, "own"), -1, SUPP_GROUP), P(c, "own"));
}

static long chgrp_own_to_other_group(const struct ctx *c)
{
	return res(chown(P(c, "own"), -1, OTHER_GROUP), 0);
}

static long chmod_setgid_not_member(const struct ctx *c)
{
	/* Allowed, but the setgid bit is dropped: compare the mode left. */
	return then_owner(chmod(P(c, "ownx"), 02755), P(c, "ownx"));
}

static long utimes_not_owner_explicit(const struct ctx *c)
{
	struct timeval tv[2] = { { 1, 0 }, { 2, 0 } };

	return res(utimes(P(c, "pub"), tv), 0);
}

static long utimes_not_owner_now_writable(const struct ctx *c)
{
	return res(utimes(P(c, "pub"), NULL), 0);
}

static long utimes_not_owner_now(const struct ctx *c)
{
	return res(utimes(P(c, "f"), NULL), 0);
}

static long sticky_unlink_others(const struct ctx *c)
{
	return res(unlink(P(c, "sticky/rootfile")), 0);
}

static long sticky_rename_others(const struct ctx *c)
{
	return res(rename(P(c, "sticky/rootfile"), P(c, "sticky/mine")), 0);
}

static long sticky_rename_over_others(const struct ctx *c)
{
	return res(rename(P(c, "sticky/userfile"), P(c, "sticky/rootfile")), 0);
}

static long sticky_unlink_own(const struct ctx *c)
{
	return res(unlink(P(c, "sticky/userfile")), 0);
}

static long sticky_rmdir_others(const struct ctx *c)
{
	return res(rmdir(P(c, "sticky/rootdir")), 0);
}

static long unlink_in_readonly_dir(const struct ctx *c)
{
	return res(unlink(P(c, "ro/x")), 0);
}

static long create_in_readonly_dir(const struct ctx *c)
{
	return open_close(P(c, "ro/new"), O_CREAT | O_WRONLY, 0644);
}

static long mkdir_in_readonly_dir(const struct ctx *c)
{
	return res(mkdir(P(c, "ro/new"), 0755), 0);
}

static long search_private_dir(const struct ctx *c)
{
	return open_close(P(c, "priv/x"), O_RDONLY, 0);
}

static long list_private_dir(const struct ctx *c)
{
	return open_close(P(c, "priv"), O_RDONLY | O_DIRECTORY, 0);
}

static long write_others_file(const struct ctx *c)
{
	return open_close(P(c, "f"), O_WRONLY, 0);
}

static long truncate_others_file(const struct ctx *c)
{
	return res(truncate(P(c, "f"), 0), 0);
}

static long read_group_file(const struct ctx *c)
{
	return open_close(P(c, "grpf"), O_RDONLY, 0);
}

static long create_in_group_dir(const struct ctx *c)
{
	long r = open_close(P(c, "grp/new"), O_CREAT | O_WRONLY, 0640);

	return r ? r : owner_of(P(c, "grp/new"));
}

static long mkdir_in_group_dir(const struct ctx *c)
{
	long r = res(mkdir(P(c, "grp/newd"), 0750), 0);

	return r ? r : owner_of(P(c, "grp/newd"));
}

static long create_in_setgid_dir(const struct ctx *c)
{
	long r = open_close(P(c, "sgid/new"), O_CREAT | O_WRONLY, 02755);

	return r ? r : owner_of(P(c, "sgid/new"));
}

static long mkdir_in_setgid_dir(const struct ctx *c)
{
	long r = res(mkdir(P(c, "sgid/newd"), 0755), 0);

	return r ? r : owner_of(P(c, "sgid/newd"));
}

static long create_in_sticky_dir(const struct ctx *c)
{
	long r = open_close(P(c, "sticky/new"), O_CREAT | O_WRONLY, 0600);

	return r ? r : owner_of(P(c, "sticky/new"));
}

static long hardlink_others_file(const struct ctx *c)
{
	/* fs.protected_hardlinks decides; the guest's setting is the same for both. */
	return res(link(P(c, "secret"), P(c, "sticky/mylink")), 0);
}

static long mknod_device_as_user(const struct ctx *c)
{
	return res(mknod(P(c, "sticky/dev"), S_IFCHR | 0600, makedev(1, 3)), 0);
}

static long chmod_symlink_target_user(const struct ctx *c)
{
	return then_owner(chmod(P(c, "ownlink"), 0600), P(c, "ownx"));
}

static long access_write_readonly(const struct ctx *c)
{
	return res(access(P(c, "f"), W_OK), 0);
}

static long access_exec_group(const struct ctx *c)
{
	return res(access(P(c, "grpf"), R_OK | X_OK), 0);
}

static long open_private_file(const struct ctx *c)
{
	return open_close(P(c, "secret"), O_RDWR, 0);
}

#define ROOT(fn) { #fn, fn, 0 }
#define USER(fn) { #fn " (uid 1000)", fn, 1 }

static const struct errno_case cases[] = {
	ROOT(create_256), ROOT(create_255), ROOT(create_1100), ROOT(mkdir_256),
	ROOT(mknod_256), ROOT(link_256), ROOT(symlink_256), ROOT(rename_to_256),
	ROOT(rename_from_256), ROOT(unlink_256), ROOT(rmdir_256), ROOT(stat_256),
	ROOT(path_too_long), ROOT(symlink_target_4095), ROOT(symlink_target_4096),
	ROOT(mkdir_dot), ROOT(mkdir_dotdot), ROOT(rmdir_dot), ROOT(rmdir_dotdot),
	ROOT(unlink_dot), ROOT(rename_dot), ROOT(rename_to_dotdot), ROOT(link_to_dot),
	ROOT(create_dot),
	ROOT(open_under_file), ROOT(mkdir_under_file), ROOT(open_file_o_directory),
	ROOT(rmdir_file), ROOT(rename_dir_over_file), ROOT(file_with_slash),
	ROOT(mkdir_existing), ROOT(create_excl_existing), ROOT(create_excl_dangling),
	ROOT(link_existing), ROOT(symlink_existing), ROOT(mknod_existing),
	ROOT(rename_noreplace), ROOT(rename_exchange_missing), ROOT(rename_bad_flags),
	ROOT(rmdir_nonempty), ROOT(rename_over_nonempty), ROOT(rename_into_itself),
	ROOT(unlink_dir), ROOT(open_dir_write), ROOT(create_on_dir),
	ROOT(rename_file_over_dir), ROOT(read_dir), ROOT(rmdir_missing), ROOT(link_dir),
	ROOT(rename_across), ROOT(link_across),
	ROOT(open_loop), ROOT(stat_through_loop), ROOT(open_nofollow),
	ROOT(open_nofollow_path), ROOT(create_through_dangling),
	ROOT(write_beyond_rlimit), ROOT(truncate_beyond_rlimit), ROOT(write_at_max_offset),
	ROOT(truncate_negative), ROOT(fallocate_beyond_max),
	USER(create_256), USER(rename_to_256),
	USER(chmod_not_owner), USER(chown_not_owner), USER(chgrp_own_to_member_group),
	USER(chgrp_own_to_other_group), USER(chmod_setgid_not_member),
	USER(utimes_not_owner_explicit), USER(utimes_not_owner_now_writable),
	USER(utimes_not_owner_now),
	USER(sticky_unlink_others), USER(sticky_rename_others),
	USER(sticky_rename_over_others), USER(sticky_unlink_own), USER(sticky_rmdir_others),
	USER(unlink_in_readonly_dir), USER(create_in_readonly_dir),
	USER(mkdir_in_readonly_dir), USER(search_private_dir), USER(list_private_dir),
	USER(write_others_file), USER(truncate_others_file), USER(read_group_file),
	USER(create_in_group_dir), USER(mkdir_in_group_dir), USER(create_in_setgid_dir),
	USER(mkdir_in_setgid_dir), USER(create_in_sticky_dir), USER(hardlink_others_file),
	USER(mknod_device_as_user), USER(chmod_symlink_target_user),
	USER(access_write_readonly), USER(access_exec_group), USER(open_private_file),
	USER(rmdir_nonempty), USER(unlink_dir), USER(open_loop),
};

#define NCASES ((int)(sizeof(cases) / sizeof(cases[0])))

static int mkfile(const char *path, mode_t mode, uid_t uid, gid_t gid)
{
	int fd = open(path, O_CREAT | O_EXCL | O_WRONLY, mode);

	if (fd < 0)
		return -1;
	if (write(fd, "hello\n", 6) != 6 || close(fd))
		return -1;
	return chown(path, uid, gid) || chmod(path, mode) ? -1 : 0;
}

static int mkdirown(const char *path, mode_t mode, uid_t uid, gid_t gid)
{
	return mkdir(path, mode) || chown(path, uid, gid) || chmod(path, mode) ? -1 : 0;
}

/* The same tree under @c->dir on either file system. */
static int make_fixture(const struct ctx *c)
{
	return mkdirown(c->dir, 0755, 0, 0) ||
	       mkfile(P(c, "f"), 0644, 0, 0) ||
	       mkdirown(P(c, "d"), 0755, 0, 0) ||
	       mkfile(P(c, "d/x"), 0644, 0, 0) ||
	       mkdirown(P(c, "e"), 0755, 0, 0) ||
	       symlink("f", P(c, "sl")) ||
	       symlink("dangling-target", P(c, "dangling")) ||
	       symlink("loop2", P(c, "loop1")) ||
	       symlink("loop1", P(c, "loop2")) ||
	       mkdirown(P(c, "sticky"), 01777, 0, 0) ||
	       mkfile(P(c, "sticky/rootfile"), 0666, 0, 0) ||
	       mkfile(P(c, "sticky/userfile"), 0644, USER_ID, GROUP_ID) ||
	       mkdirown(P(c, "sticky/rootdir"), 0777, 0, 0) ||
	       mkdirown(P(c, "ro"), 0555, 0, 0) ||
	       mkfile(P(c, "ro/x"), 0666, USER_ID, GROUP_ID) ||
	       mkdirown(P(c, "grp"), 0770, 0, SUPP_GROUP) ||
	       mkfile(P(c, "grpf"), 0640, 0, SUPP_GROUP) ||
	       mkdirown(P(c, "priv"), 0700, 0, 0) ||
	       mkfile(P(c, "priv/x"), 0644, 0, 0) ||
	       mkdirown(P(c, "sgid"), 02775, 0, SUPP_GROUP) ||
	       mkfile(P(c, "own"), 0644, USER_ID, GROUP_ID) ||
	       mkfile(P(c, "ownx"), 0755, USER_ID, OTHER_GROUP) ||
	       symlink("ownx", P(c, "ownlink")) ||
	       mkfile(P(c, "pub"), 0666, 0, 0) ||
	       mkfile(P(c, "secret"), 0600, 0, 0);
}

static int become_user(void)
{
	gid_t groups[] = { SUPP_GROUP };

	return setgroups(1, groups) || setresgid(GROUP_ID, GROUP_ID, GROUP_ID) ||
	       setresuid(USER_ID, USER_ID, USER_ID);
}

/* Runs one case in a child; its result, or LONG_MIN if the child failed. */
static long run_case(const struct errno_case *tc, const struct ctx *c)
{
	int pipefd[2], status;
	long value = LONG_MIN;
	pid_t pid;

	if (pipe(pipefd))
		return LONG_MIN;
	pid = fork();
	if (pid == 0) {
		close(pipefd[0]);
		if (tc->as_user && become_user())
			_exit(2);
		value = tc->fn(c);
		_exit(write(pipefd[1], &value, sizeof(value)) == sizeof(value) ? 0 : 3);
	}
	close(pipefd[1]);
	if (pid > 0) {
		if (read(pipefd[0], &value, sizeof(value)) != sizeof(value))
			value = LONG_MIN;
		waitpid(pid, &status, 0);
		if (!WIFEXITED(status) || WEXITSTATUS(status))
			value = LONG_MIN;
	}
	close(pipefd[0]);
	return value;
}

static const char *describe(long v, char *buf, size_t len)
{
	if (v == LONG_MIN)
		snprintf(buf, len, "child failed");
	else if (v < 0 && v > -4096)
		snprintf(buf, len, "%s", strerrorname_np((int)-v) ?: "?");
	else
		snprintf(buf, len, "%ld", v);
	return buf;
}

/* Runs @tc on a fresh tree under @root; LONG_MIN if the tree could not be made. */
static long run_on(const struct errno_case *tc, int n, const char *root, const char *other)
{
	char dir[PATH_MAX];
	struct ctx c = { dir, other };
	long v;

	snprintf(dir, sizeof(dir), "%s/case%d", root, n);
	if (make_fixture(&c)) {
		tap_diag("fixture in %s: %s", root, strerror(errno));
		vfs_rmtree(dir);
		return LONG_MIN;
	}
	v = run_case(tc, &c);
	vfs_rmtree(dir);
	return v;
}

static void init_names(void)
{
	size_t i;

	memset(name255, 'n', NAME_MAX);
	memset(name256, 'n', NAME_MAX + 1);
	memset(name1100, 'n', sizeof(name1100) - 1);
	/* Long symlink targets made of short components. */
	for (i = 0; i < sizeof(target4096) - 1; i++)
		target4096[i] = i % 8 == 7 ? '/' : 't';
	memcpy(target4095, target4096, PATH_MAX - 1);
}

int main(int argc, char **argv)
{
	const char *base = vfs_base_dir(argc, argv);
	char *shared, tmpfs_root[] = TMPFS_DIR "/root";
	char a[64], b[64], name[160];
	int i;

	umask(0);
	init_names();
	tap_plan(NCASES + 1);
	shared = vfs_make_subdir(base, "errno");
	if (!shared)
		tap_bail("cannot make a directory under %s", base);
	/* Non-root cases must reach the tree on the share as they do on tmpfs. */
	if (chmod(shared, 0755))
		tap_bail("chmod %s: %s", shared, strerror(errno));
	if (mkdir(TMPFS_DIR, 0755) && errno != EEXIST)
		tap_bail("mkdir " TMPFS_DIR ": %s", strerror(errno));
	if (mount("tmpfs", TMPFS_DIR, "tmpfs", 0, "mode=0755"))
		tap_bail("mount tmpfs: %s", strerror(errno));
	if (mkdir(tmpfs_root, 0755))
		tap_bail("mkdir %s: %s", tmpfs_root, strerror(errno));

	for (i = 0; i < NCASES; i++) {
		long on_share = run_on(&cases[i], i, shared, tmpfs_root);
		long on_tmpfs = run_on(&cases[i], i, tmpfs_root, shared);

		snprintf(name, sizeof(name), "%s: %s", cases[i].name,
			 describe(on_tmpfs, a, sizeof(a)));
		errno = 0;
		if (on_share != on_tmpfs || on_share == LONG_MIN)
			tap_diag("%s: virtio-fs gives %s, tmpfs %s", cases[i].name,
				 describe(on_share, a, sizeof(a)),
				 describe(on_tmpfs, b, sizeof(b)));
		tap_ok(on_share == on_tmpfs && on_share != LONG_MIN, name);
	}

	umount(TMPFS_DIR);
	errno = 0;
	tap_ok(vfs_rmtree(shared) == 0, "cleanup");
	return tap_exit();
}
