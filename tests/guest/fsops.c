// SPDX-License-Identifier: GPL-2.0
/*
 * fsops [DIR]: POSIX file operations on the shared directory.
 *
 * Works in a fresh subdirectory of DIR (default $VFS_MNT, else /mnt) and
 * removes it at the end.  $VFS_LARGE_MB sets the size of the large-file test
 * (default 64).
 */
#include <dirent.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <linux/fs.h>
#include <signal.h>
#include <stdint.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <time.h>

#include "tap.h"
#include "vfsutil.h"

static const char *D; /* this run's directory */

#define P(name) pathf("%s/%s", D, name)

static int file_is(const char *path, const void *want, size_t len)
{
	char buf[4096];
	ssize_t n = read_file(path, buf, sizeof(buf));

	if (n < 0)
		return 0;
	if ((size_t)n != len || memcmp(buf, want, len)) {
		tap_diag("%s holds %zd bytes '%.*s', expected %zu bytes '%.*s'",
			 path, n, (int)(n > 64 ? 64 : n), buf, len,
			 (int)(len > 64 ? 64 : len), (const char *)want);
		return 0;
	}
	return 1;
}

static int all_zero(const unsigned char *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i])
			return 0;
	return 1;
}

/* Waits for a forked checker: exit 0 is success; bounded to 60 s. */
static int wait_child(pid_t pid, const char *what)
{
	int status, i;

	for (i = 0; i < 600; i++) {
		pid_t r = waitpid(pid, &status, WNOHANG);

		if (r == pid) {
			if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
				return 1;
			tap_diag("%s: child status 0x%x", what, status);
			return 0;
		}
		if (r < 0) {
			tap_diag("%s: waitpid: %s", what, strerror(errno));
			return 0;
		}
		usleep(100000);
	}
	kill(pid, SIGKILL);
	tap_diag("%s: child did not finish within 60 s", what);
	return 0;
}

static int t_create_read_write(void)
{
	const char *p = P("basic");
	const char msg[] = "hello, virtio-fs\n";
	char buf[64];
	struct stat st;
	int fd;

	CHECK((fd = open(p, O_WRONLY | O_CREAT | O_EXCL, 0644)) >= 0, "%s", p);
	CHECK(write(fd, msg, sizeof(msg) - 1) == sizeof(msg) - 1, "write");
	CHECK(fstat(fd, &st) == 0, "fstat");
	CHECK(st.st_size == sizeof(msg) - 1, "size %lld", (long long)st.st_size);
	CHECK(S_ISREG(st.st_mode), "mode 0%o", st.st_mode);
	CHECK(close(fd) == 0, "close");

	CHECK((fd = open(p, O_RDONLY)) >= 0, "reopen");
	CHECK(read(fd, buf, sizeof(buf)) == sizeof(msg) - 1, "read");
	CHECK(memcmp(buf, msg, sizeof(msg) - 1) == 0, "content");
	CHECK(read(fd, buf, sizeof(buf)) == 0, "read at EOF");
	CHECK(close(fd) == 0, "close");

	/* Overwrite in the middle through O_RDWR. */
	CHECK((fd = open(p, O_RDWR)) >= 0, "open rw");
	CHECK(pwrite(fd, "VIRTIO", 6, 7) == 6, "pwrite");
	CHECK(close(fd) == 0, "close");
	CHECK(file_is(p, "hello, VIRTIO-fs\n", 17), "after overwrite");
	return TEST_PASS;
}

static int t_append(void)
{
	const char *p = P("append");
	int fd;

	CHECK(write_file(p, "abc", 3) == 0, "%s", p);
	CHECK((fd = open(p, O_WRONLY | O_APPEND)) >= 0, "open O_APPEND");
	CHECK(lseek(fd, 0, SEEK_SET) == 0, "lseek");
	CHECK(write(fd, "def", 3) == 3, "write 1");
	CHECK(lseek(fd, 0, SEEK_CUR) == 6, "offset after append");
	CHECK(lseek(fd, 1, SEEK_SET) == 1, "lseek");
	CHECK(write(fd, "ghij", 4) == 4, "write 2");
	CHECK(close(fd) == 0, "close");
	CHECK(file_is(p, "abcdefghij", 10), "appended content");
	return TEST_PASS;
}

static int t_truncate(void)
{
	const char *p = P("trunc");
	unsigned char buf[50000];
	struct stat st;
	int fd;

	memset(buf, 'x', 100);
	CHECK(write_file(p, buf, 100) == 0, "%s", p);

	/* grow with truncate(): old bytes kept, new ones zero */
	CHECK(truncate(p, 50000) == 0, "truncate grow");
	CHECK(stat(p, &st) == 0 && st.st_size == 50000, "size after grow");
	memset(buf, 0xee, sizeof(buf));
	CHECK(read_file(p, buf, sizeof(buf)) == 50000, "read");
	CHECK(buf[0] == 'x' && buf[99] == 'x', "old bytes kept");
	CHECK(all_zero(buf + 100, 50000 - 100), "grown range is zero");

	/* shrink with ftruncate(), then grow again: no stale data */
	CHECK((fd = open(p, O_RDWR)) >= 0, "open");
	CHECK(ftruncate(fd, 10) == 0, "ftruncate shrink");
	CHECK(fstat(fd, &st) == 0 && st.st_size == 10, "size after shrink");
	CHECK(ftruncate(fd, 20) == 0, "ftruncate grow");
	memset(buf, 0xee, 64);
	CHECK(pread(fd, buf, 64, 0) == 20, "pread");
	CHECK(memcmp(buf, "xxxxxxxxxx", 10) == 0, "first 10 bytes kept");
	CHECK(all_zero(buf + 10, 10), "bytes 10..19 zero after shrink+grow");
	CHECK(ftruncate(fd, 0) == 0, "ftruncate 0");
	CHECK(fstat(fd, &st) == 0 && st.st_size == 0, "size 0");
	CHECK(close(fd) == 0, "close");
	return TEST_PASS;
}

static int t_pwrite_beyond_4g(void)
{
	const char *p = P("sparse4g");
	const off_t g4 = 4LL << 30;
	const off_t far = (5LL << 30) + 123;
	char buf[16];
	struct stat st;
	int fd;

	CHECK((fd = open(p, O_RDWR | O_CREAT, 0644)) >= 0, "%s", p);
	CHECK(pwrite(fd, "far-marker", 10, far) == 10, "pwrite at 5 GiB+123");
	/* straddles the 4 GiB boundary: catches 32-bit offset truncation */
	CHECK(pwrite(fd, "ABCDEF", 6, g4 - 3) == 6, "pwrite across 4 GiB");
	CHECK(fstat(fd, &st) == 0, "fstat");
	CHECK(st.st_size == far + 10, "size %lld, expected %lld",
	      (long long)st.st_size, (long long)(far + 10));
	CHECK((long long)st.st_blocks * 512 < (1LL << 30),
	      "file is not sparse: %lld blocks", (long long)st.st_blocks);
	memset(buf, 0, sizeof(buf));
	CHECK(pread(fd, buf, 10, far) == 10 && !memcmp(buf, "far-marker", 10),
	      "pread at 5 GiB+123");
	CHECK(pread(fd, buf, 6, g4 - 3) == 6 && !memcmp(buf, "ABCDEF", 6),
	      "pread across 4 GiB");
	CHECK(pread(fd, buf, 4, g4 - 3 + (off_t)sizeof("ABC")) == 4 &&
		      !memcmp(buf, "EF\0\0", 4),
	      "pread after boundary write");
	memset(buf, 0xee, sizeof(buf));
	CHECK(pread(fd, buf, 16, 3LL << 30) == 16 && all_zero((void *)buf, 16),
	      "hole at 3 GiB reads zero");
	CHECK(pread(fd, buf, 16, far + 10) == 0, "pread at EOF");
	CHECK(close(fd) == 0, "close");
	CHECK(unlink(p) == 0, "unlink");
	return TEST_PASS;
}

static int t_o_direct(void)
{
	const char *p = P("direct");
	const size_t len = 64 * 1024;
	unsigned char *wbuf, *rbuf;
	int fd, fd2, e;

	fd = open(p, O_RDWR | O_CREAT | O_DIRECT, 0644);
	e = errno;
	if (fd < 0 && e == EINVAL)
		return tap_skip_reason("open(O_DIRECT) returned EINVAL");
	CHECK(fd >= 0, "open O_DIRECT %s: %s", p, strerror(e));
	CHECK(posix_memalign((void **)&wbuf, 4096, len) == 0, "memalign");
	CHECK(posix_memalign((void **)&rbuf, 4096, len) == 0, "memalign");
	fill_pattern(wbuf, len, 0, 11);
	CHECK(pwrite(fd, wbuf, len, 0) == (ssize_t)len, "O_DIRECT pwrite");
	CHECK(pwrite(fd, wbuf, 4096, len) == 4096, "O_DIRECT pwrite 2");
	memset(rbuf, 0, len);
	CHECK(pread(fd, rbuf, len, 0) == (ssize_t)len, "O_DIRECT pread");
	CHECK(memcmp(rbuf, wbuf, len) == 0, "O_DIRECT data");
	CHECK(pread(fd, rbuf, 4096, len) == 4096 && !memcmp(rbuf, wbuf, 4096),
	      "O_DIRECT pread 2");
	CHECK(close(fd) == 0, "close");
	/* and through the page cache path */
	CHECK((fd2 = open(p, O_RDONLY)) >= 0, "open buffered");
	memset(rbuf, 0, len);
	CHECK(pread_all(fd2, rbuf, len, 0) == 0, "buffered read");
	CHECK(memcmp(rbuf, wbuf, len) == 0, "buffered read sees O_DIRECT data");
	CHECK(close(fd2) == 0, "close");
	free(wbuf);
	free(rbuf);
	return TEST_PASS;
}

static int t_rename_simple(void)
{
	struct stat st;

	CHECK(write_file(P("ren-a"), "A", 1) == 0, "create");
	CHECK(rename(P("ren-a"), P("ren-b")) == 0, "rename");
	CHECK_ERRNO(stat(P("ren-a"), &st), ENOENT, "old name");
	CHECK(file_is(P("ren-b"), "A", 1), "new name content");
	return TEST_PASS;
}

static int t_rename_over(void)
{
	struct stat st;

	CHECK(write_file(P("ro-src"), "source", 6) == 0, "create src");
	CHECK(write_file(P("ro-dst"), "destination", 11) == 0, "create dst");
	CHECK(rename(P("ro-src"), P("ro-dst")) == 0, "rename over");
	CHECK_ERRNO(stat(P("ro-src"), &st), ENOENT, "old name");
	CHECK(file_is(P("ro-dst"), "source", 6), "replaced content");
	return TEST_PASS;
}

static int t_rename_across_dirs(void)
{
	struct stat st;

	CHECK(mkdir(P("rd1"), 0755) == 0, "mkdir");
	CHECK(mkdir(P("rd2"), 0755) == 0, "mkdir");
	CHECK(write_file(P("rd1/f"), "moved", 5) == 0, "create");
	CHECK(rename(P("rd1/f"), P("rd2/g")) == 0, "rename across dirs");
	CHECK_ERRNO(stat(P("rd1/f"), &st), ENOENT, "old name");
	CHECK(file_is(P("rd2/g"), "moved", 5), "content");
	/* a directory moves too */
	CHECK(rename(P("rd2"), P("rd1/sub")) == 0, "rename dir into dir");
	CHECK(file_is(P("rd1/sub/g"), "moved", 5), "content via moved dir");
	return TEST_PASS;
}

static int renameat2_(const char *a, const char *b, unsigned int flags)
{
	return syscall(SYS_renameat2, AT_FDCWD, a, AT_FDCWD, b, flags);
}

static int t_rename_noreplace(void)
{
	struct stat st;
	int rc, e;

	CHECK(write_file(P("nr-a"), "one", 3) == 0, "create");
	CHECK(write_file(P("nr-b"), "two", 3) == 0, "create");
	/* To a free name first: the VFS itself answers the EEXIST case, so
	 * only this call tells whether the file system supports the flag. */
	rc = renameat2_(P("nr-a"), P("nr-c"), RENAME_NOREPLACE);
	e = errno;
	if (rc == -1 && e == EINVAL)
		return tap_skip_reason("renameat2(RENAME_NOREPLACE): EINVAL");
	CHECK(rc == 0, "RENAME_NOREPLACE to a free name: %s", strerror(e));
	CHECK_ERRNO(stat(P("nr-a"), &st), ENOENT, "old name");
	CHECK(file_is(P("nr-c"), "one", 3), "moved");
	CHECK_ERRNO(renameat2_(P("nr-c"), P("nr-b"), RENAME_NOREPLACE), EEXIST,
		    "RENAME_NOREPLACE onto an existing name");
	CHECK(file_is(P("nr-c"), "one", 3), "source untouched");
	CHECK(file_is(P("nr-b"), "two", 3), "target untouched");
	return TEST_PASS;
}

static int t_rename_exchange(void)
{
	int rc, e;

	CHECK(write_file(P("ex-a"), "apple", 5) == 0, "create");
	CHECK(mkdir(P("ex-b"), 0755) == 0, "mkdir");
	CHECK(write_file(P("ex-b/in"), "inside", 6) == 0, "create");
	rc = renameat2_(P("ex-a"), P("ex-b"), RENAME_EXCHANGE);
	e = errno;
	if (rc == -1 && e == EINVAL)
		return tap_skip_reason("renameat2(RENAME_EXCHANGE): EINVAL");
	CHECK(rc == 0, "RENAME_EXCHANGE: %s", strerror(e));
	CHECK(file_is(P("ex-b"), "apple", 5), "file now at the other name");
	CHECK(file_is(P("ex-a/in"), "inside", 6), "directory now at the other name");
	CHECK_ERRNO(renameat2_(P("ex-a"), P("ex-none"), RENAME_EXCHANGE), ENOENT,
		    "exchange with a missing name");
	return TEST_PASS;
}

static int t_link_symlink(void)
{
	struct stat a, b, l;
	char buf[256];
	ssize_t n;

	CHECK(write_file(P("ln-a"), "linked", 6) == 0, "create");
	CHECK(link(P("ln-a"), P("ln-b")) == 0, "link");
	CHECK(stat(P("ln-a"), &a) == 0 && stat(P("ln-b"), &b) == 0, "stat");
	CHECK(a.st_ino == b.st_ino, "same inode %llu %llu",
	      (unsigned long long)a.st_ino, (unsigned long long)b.st_ino);
	CHECK(a.st_nlink == 2 && b.st_nlink == 2, "nlink %lu",
	      (unsigned long)a.st_nlink);
	CHECK(write_file(P("ln-b"), "changed", 7) == 0, "write via link");
	CHECK(file_is(P("ln-a"), "changed", 7), "visible via other name");
	CHECK(unlink(P("ln-a")) == 0, "unlink");
	CHECK(stat(P("ln-b"), &b) == 0 && b.st_nlink == 1, "nlink after unlink");

	CHECK(symlink("ln-b", P("ln-s")) == 0, "symlink");
	CHECK((n = readlink(P("ln-s"), buf, sizeof(buf))) == 4, "readlink");
	CHECK(memcmp(buf, "ln-b", 4) == 0, "readlink text '%.*s'", (int)n, buf);
	CHECK(lstat(P("ln-s"), &l) == 0 && S_ISLNK(l.st_mode), "lstat");
	CHECK(l.st_size == 4, "symlink size %lld", (long long)l.st_size);
	CHECK(file_is(P("ln-s"), "changed", 7), "read through symlink");
	CHECK(symlink("does-not-exist", P("ln-dangling")) == 0, "dangling symlink");
	CHECK_ERRNO(open(P("ln-dangling"), O_RDONLY), ENOENT, "open dangling");
	CHECK_ERRNO(readlink(P("ln-b"), buf, sizeof(buf)), EINVAL,
		    "readlink of a regular file");
	return TEST_PASS;
}

static int t_mkdir_rmdir(void)
{
	struct stat st;

	CHECK(mkdir(P("md"), 0750) == 0, "mkdir");
	CHECK(stat(P("md"), &st) == 0 && S_ISDIR(st.st_mode), "stat");
	CHECK((st.st_mode & 07777) == 0750, "mode 0%o", st.st_mode & 07777);
	CHECK_ERRNO(mkdir(P("md"), 0755), EEXIST, "mkdir again");
	CHECK(mkdir(P("md/sub"), 0755) == 0, "mkdir nested");
	/* 1: file systems that do not count subdirectories (btrfs) */
	CHECK(stat(P("md"), &st) == 0 && (st.st_nlink == 3 || st.st_nlink == 1),
	      "parent nlink %lu (expected 3)", (unsigned long)st.st_nlink);
	CHECK(write_file(P("md/sub/f"), "", 0) == 0, "create");
	CHECK_ERRNO(rmdir(P("md/sub")), ENOTEMPTY, "rmdir non-empty");
	CHECK_ERRNO(rmdir(P("md")), ENOTEMPTY, "rmdir non-empty parent");
	CHECK(unlink(P("md/sub/f")) == 0, "unlink");
	CHECK(rmdir(P("md/sub")) == 0, "rmdir");
	CHECK(rmdir(P("md")) == 0, "rmdir");
	CHECK_ERRNO(stat(P("md"), &st), ENOENT, "gone");
	return TEST_PASS;
}

/*
 * 10,000 entries.  mknod(S_IFREG) is one FUSE request per file, against three
 * for open(O_CREAT)+close; both are tried.  getdents64 with a large buffer.
 */
#define NENT 10000

struct linux_dirent64_ {
	uint64_t d_ino;
	int64_t d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

static int t_readdir_10000(void)
{
	static unsigned char seen[NENT];
	const char *dir = P("many");
	int dfd, i, fd, use_mknod = 1, count = 0, dups = 0, strays = 0;
	char *buf;
	long n;

	CHECK(mkdir(dir, 0755) == 0, "mkdir %s", dir);
	CHECK((dfd = open(dir, O_RDONLY | O_DIRECTORY)) >= 0, "open dir");
	for (i = 0; i < NENT; i++) {
		char name[16];

		snprintf(name, sizeof(name), "e%05d", i);
		if (use_mknod) {
			if (mknodat(dfd, name, S_IFREG | 0644, 0) == 0)
				continue;
			if (i == 0 && (errno == EPERM || errno == EINVAL ||
				       errno == ENOSYS || errno == EOPNOTSUPP)) {
				tap_diag("mknod(S_IFREG): %s, using open(O_CREAT)",
					 strerror(errno));
				use_mknod = 0;
			} else {
				CHECK(0, "mknodat %s", name);
			}
		}
		CHECK((fd = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL,
				   0644)) >= 0,
		      "create %s", name);
		close(fd);
	}

	CHECK((buf = malloc(256 * 1024)) != NULL, "malloc");
	memset(seen, 0, sizeof(seen));
	CHECK(lseek(dfd, 0, SEEK_SET) == 0, "rewind");
	while ((n = syscall(SYS_getdents64, dfd, buf, 256 * 1024)) > 0) {
		long off = 0;

		while (off < n) {
			struct linux_dirent64_ *d = (void *)(buf + off);
			char *end;
			long idx;

			off += d->d_reclen;
			if (!strcmp(d->d_name, ".") || !strcmp(d->d_name, ".."))
				continue;
			idx = d->d_name[0] == 'e' ? strtol(d->d_name + 1, &end, 10)
						  : -1;
			if (idx < 0 || idx >= NENT || *end || strlen(d->d_name) != 6) {
				if (strays++ < 5)
					tap_diag("unexpected entry '%s'", d->d_name);
				continue;
			}
			if (seen[idx]++) {
				if (dups++ < 5)
					tap_diag("duplicate entry '%s'", d->d_name);
				continue;
			}
			count++;
		}
	}
	CHECK(n == 0, "getdents64");
	free(buf);
	if (count != NENT) {
		int shown = 0;

		for (i = 0; i < NENT && shown < 5; i++)
			if (!seen[i] && ++shown)
				tap_diag("missing e%05d", i);
	}
	CHECK(count == NENT && dups == 0 && strays == 0,
	      "%d unique entries, %d duplicates, %d strays", count, dups,
	      strays);

	for (i = 0; i < NENT; i++) {
		char name[16];

		snprintf(name, sizeof(name), "e%05d", i);
		CHECK(unlinkat(dfd, name, 0) == 0, "unlink %s", name);
	}
	/* now empty */
	CHECK(lseek(dfd, 0, SEEK_SET) == 0, "rewind");
	{
		char small[4096];
		int others = 0;

		while ((n = syscall(SYS_getdents64, dfd, small, sizeof(small))) > 0) {
			long off = 0;

			while (off < n) {
				struct linux_dirent64_ *d = (void *)(small + off);

				off += d->d_reclen;
				if (strcmp(d->d_name, ".") && strcmp(d->d_name, ".."))
					others++;
			}
		}
		CHECK(others == 0, "%d entries left after deleting all", others);
	}
	CHECK(close(dfd) == 0, "close");
	CHECK(rmdir(dir) == 0, "rmdir");
	return TEST_PASS;
}

static int t_unlink_open(void)
{
	const char *p = P("unl");
	char buf[32];
	struct stat st;
	int fd;
	DIR *d;
	struct dirent *de;

	CHECK((fd = open(p, O_RDWR | O_CREAT, 0644)) >= 0, "%s", p);
	CHECK(write(fd, "still here", 10) == 10, "write");
	CHECK(unlink(p) == 0, "unlink");
	CHECK_ERRNO(stat(p, &st), ENOENT, "stat after unlink");
	CHECK(fstat(fd, &st) == 0, "fstat");
	CHECK(st.st_nlink == 0, "nlink %lu", (unsigned long)st.st_nlink);
	CHECK(pread(fd, buf, sizeof(buf), 0) == 10 && !memcmp(buf, "still here", 10),
	      "read unlinked");
	CHECK(pwrite(fd, "!!", 2, 10) == 2, "write unlinked");
	CHECK(pread(fd, buf, sizeof(buf), 0) == 12 && !memcmp(buf, "still here!!", 12),
	      "read back");
	CHECK((d = opendir(D)) != NULL, "opendir");
	while ((de = readdir(d)))
		CHECK(strcmp(de->d_name, "unl") != 0, "unlinked name listed");
	closedir(d);
	CHECK(close(fd) == 0, "close");
	return TEST_PASS;
}

static int t_chmod(void)
{
	const char *p = P("mode");
	struct stat st;
	int fd;

	CHECK(write_file(p, "m", 1) == 0, "create");
	CHECK(chmod(p, 0600) == 0, "chmod");
	CHECK(stat(p, &st) == 0 && (st.st_mode & 07777) == 0600, "mode 0%o",
	      st.st_mode & 07777);
	CHECK((fd = open(p, O_RDONLY)) >= 0, "open");
	CHECK(fchmod(fd, 0751) == 0, "fchmod");
	CHECK(fstat(fd, &st) == 0 && (st.st_mode & 07777) == 0751, "mode 0%o",
	      st.st_mode & 07777);
	close(fd);
	CHECK(stat(p, &st) == 0 && (st.st_mode & 07777) == 0751, "mode via path 0%o",
	      st.st_mode & 07777);
	return TEST_PASS;
}

static int t_chown(void)
{
	const char *p = P("owner");
	struct stat st;

	if (geteuid() != 0)
		return tap_skip_reason("not root");
	CHECK(write_file(p, "o", 1) == 0, "create");
	CHECK(chown(p, 4321, 8765) == 0, "chown 4321:8765");
	CHECK(stat(p, &st) == 0, "stat");
	CHECK(st.st_uid == 4321 && st.st_gid == 8765, "owner %u:%u",
	      (unsigned)st.st_uid, (unsigned)st.st_gid);
	CHECK(chown(p, -1, 1111) == 0, "chgrp only");
	CHECK(stat(p, &st) == 0 && st.st_uid == 4321 && st.st_gid == 1111,
	      "owner %u:%u", (unsigned)st.st_uid, (unsigned)st.st_gid);
	CHECK(lchown(p, 0, 0) == 0, "chown back");
	return TEST_PASS;
}

static int t_utimensat(void)
{
	const char *p = P("times");
	struct timespec ts[2] = { { 1000000000, 123456789 },
				  { 1500000000, 987654321 } };
	struct timespec before;
	struct stat st;

	CHECK(write_file(p, "t", 1) == 0, "create");
	CHECK(utimensat(AT_FDCWD, p, ts, 0) == 0, "utimensat");
	CHECK(stat(p, &st) == 0, "stat");
	CHECK(st.st_atim.tv_sec == ts[0].tv_sec && st.st_mtim.tv_sec == ts[1].tv_sec,
	      "seconds: atime %lld mtime %lld", (long long)st.st_atim.tv_sec,
	      (long long)st.st_mtim.tv_sec);
	if (st.st_atim.tv_nsec == 0 && st.st_mtim.tv_nsec == 0)
		tap_diag("no nanosecond timestamps on this file system");
	else
		CHECK(st.st_atim.tv_nsec == ts[0].tv_nsec &&
			      st.st_mtim.tv_nsec == ts[1].tv_nsec,
		      "nanoseconds: atime %ld mtime %ld", st.st_atim.tv_nsec,
		      st.st_mtim.tv_nsec);

	/* UTIME_NOW for mtime, UTIME_OMIT keeps atime */
	clock_gettime(CLOCK_REALTIME, &before);
	ts[0].tv_nsec = UTIME_OMIT;
	ts[1].tv_nsec = UTIME_NOW;
	CHECK(utimensat(AT_FDCWD, p, ts, 0) == 0, "utimensat NOW/OMIT");
	CHECK(stat(p, &st) == 0, "stat");
	CHECK(st.st_atim.tv_sec == 1000000000, "atime kept: %lld",
	      (long long)st.st_atim.tv_sec);
	/* host and guest clocks may differ a little; only "recent" is asserted */
	CHECK(st.st_mtim.tv_sec > 1500000000 &&
		      llabs((long long)st.st_mtim.tv_sec - before.tv_sec) < 3600,
	      "mtime now: %lld vs clock %lld", (long long)st.st_mtim.tv_sec,
	      (long long)before.tv_sec);
	/* a symlink itself */
	CHECK(symlink("times", P("times-link")) == 0, "symlink");
	ts[0].tv_sec = 1234567890;
	ts[0].tv_nsec = 0;
	ts[1].tv_sec = 1234567891;
	ts[1].tv_nsec = 0;
	CHECK(utimensat(AT_FDCWD, P("times-link"), ts, AT_SYMLINK_NOFOLLOW) == 0,
	      "utimensat AT_SYMLINK_NOFOLLOW");
	CHECK(lstat(P("times-link"), &st) == 0 && st.st_mtim.tv_sec == 1234567891,
	      "symlink mtime %lld", (long long)st.st_mtim.tv_sec);
	CHECK(stat(p, &st) == 0 && st.st_atim.tv_sec == 1000000000,
	      "target untouched");
	return TEST_PASS;
}

static int t_xattr(void)
{
	const char *p = P("xattr");
	char buf[256], list[1024];
	ssize_t n, i;
	int found = 0, rc, e;

	CHECK(write_file(p, "x", 1) == 0, "create");
	rc = setxattr(p, "user.vfstest", "value-1", 7, 0);
	e = errno;
	if (rc == -1 && e == EOPNOTSUPP)
		return tap_skip_reason("setxattr(user.*): EOPNOTSUPP (xattrs not enabled in the daemon)");
	CHECK(rc == 0, "setxattr user.vfstest: %s", strerror(e));
	CHECK((n = getxattr(p, "user.vfstest", NULL, 0)) == 7, "size query %zd", n);
	CHECK((n = getxattr(p, "user.vfstest", buf, sizeof(buf))) == 7 &&
		      !memcmp(buf, "value-1", 7),
	      "getxattr");
	CHECK_ERRNO(getxattr(p, "user.vfstest", buf, 3), ERANGE, "small buffer");
	CHECK(setxattr(p, "user.second", "", 0, XATTR_CREATE) == 0,
	      "empty value");
	CHECK_ERRNO(setxattr(p, "user.vfstest", "v", 1, XATTR_CREATE), EEXIST,
		    "XATTR_CREATE on existing");
	CHECK_ERRNO(setxattr(p, "user.nothere", "v", 1, XATTR_REPLACE), ENODATA,
		    "XATTR_REPLACE on missing");
	CHECK(setxattr(p, "user.vfstest", "value-two", 9, XATTR_REPLACE) == 0,
	      "replace");
	CHECK(getxattr(p, "user.vfstest", buf, sizeof(buf)) == 9 &&
		      !memcmp(buf, "value-two", 9),
	      "replaced value");
	CHECK((n = listxattr(p, list, sizeof(list))) > 0, "listxattr");
	for (i = 0; i < n; i += strlen(list + i) + 1) {
		if (!strcmp(list + i, "user.vfstest"))
			found |= 1;
		if (!strcmp(list + i, "user.second"))
			found |= 2;
	}
	CHECK(found == 3, "listxattr lacks our names (found mask %d)", found);
	CHECK(removexattr(p, "user.vfstest") == 0, "removexattr");
	CHECK_ERRNO(getxattr(p, "user.vfstest", buf, sizeof(buf)), ENODATA,
		    "after remove");
	CHECK_ERRNO(removexattr(p, "user.vfstest"), ENODATA, "remove twice");
	CHECK(getxattr(p, "user.second", buf, sizeof(buf)) == 0, "other kept");
	return TEST_PASS;
}

static int t_statfs(void)
{
	struct statfs sf;

	CHECK(statfs(D, &sf) == 0, "statfs %s", D);
	tap_diag("f_type 0x%lx f_bsize %ld f_blocks %llu f_bfree %llu f_bavail %llu f_files %llu f_namelen %ld",
		 (long)sf.f_type, (long)sf.f_bsize,
		 (unsigned long long)sf.f_blocks, (unsigned long long)sf.f_bfree,
		 (unsigned long long)sf.f_bavail, (unsigned long long)sf.f_files,
		 (long)sf.f_namelen);
	CHECK(sf.f_bsize >= 512 && sf.f_bsize <= (1 << 24), "f_bsize %ld",
	      (long)sf.f_bsize);
	CHECK(sf.f_blocks > 0, "f_blocks");
	CHECK(sf.f_bfree <= sf.f_blocks && sf.f_bavail <= sf.f_blocks, "free <= total");
	CHECK(sf.f_ffree <= sf.f_files, "f_ffree <= f_files");
	CHECK(sf.f_namelen >= 255, "f_namelen %ld", (long)sf.f_namelen);
	return TEST_PASS;
}

static int t_sync(void)
{
	const char *p = P("synced");
	int fd, dfd;

	CHECK((fd = open(p, O_RDWR | O_CREAT, 0644)) >= 0, "%s", p);
	CHECK(write(fd, "sync me", 7) == 7, "write");
	CHECK(fsync(fd) == 0, "fsync");
	CHECK(pwrite(fd, "S", 1, 0) == 1, "write");
	CHECK(fdatasync(fd) == 0, "fdatasync");
	CHECK(syncfs(fd) == 0, "syncfs");
	CHECK((dfd = open(D, O_RDONLY | O_DIRECTORY)) >= 0, "open dir");
	CHECK(fsync(dfd) == 0, "fsync directory");
	close(dfd);
	CHECK(close(fd) == 0, "close");
	CHECK(file_is(p, "Sync me", 7), "content");
	return TEST_PASS;
}

static int t_fallocate(void)
{
	const char *p = P("falloc");
	const size_t mib = 1 << 20;
	unsigned char *buf;
	struct stat st;
	int fd, rc, e;

	CHECK((fd = open(p, O_RDWR | O_CREAT, 0644)) >= 0, "%s", p);
	rc = fallocate(fd, 0, 0, mib);
	e = errno;
	if (rc == -1 && e == EOPNOTSUPP) {
		close(fd);
		return tap_skip_reason("fallocate: EOPNOTSUPP");
	}
	CHECK(rc == 0, "fallocate(0, 1 MiB): %s", strerror(e));
	CHECK(fstat(fd, &st) == 0 && st.st_size == (off_t)mib, "size %lld",
	      (long long)st.st_size);
	CHECK((buf = malloc(mib)) != NULL, "malloc");
	memset(buf, 0xee, mib);
	CHECK(pread_all(fd, buf, mib, 0) == 0 && all_zero(buf, mib),
	      "allocated range reads zero");
	memset(buf, 'A', mib);
	CHECK(pwrite_all(fd, buf, mib, 0) == 0, "fill");
	CHECK(fsync(fd) == 0, "fsync");
	rc = fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 65536,
		       65536);
	e = errno;
	if (rc == -1 && e == EOPNOTSUPP) {
		free(buf);
		close(fd);
		return tap_skip_reason("fallocate(PUNCH_HOLE): EOPNOTSUPP");
	}
	CHECK(rc == 0, "punch hole [64K,128K): %s", strerror(e));
	CHECK(fstat(fd, &st) == 0 && st.st_size == (off_t)mib,
	      "size after punch %lld", (long long)st.st_size);
	memset(buf, 0xee, mib);
	CHECK(pread_all(fd, buf, mib, 0) == 0, "read");
	CHECK(all_zero(buf + 65536, 65536), "hole reads zero");
	CHECK(buf[65535] == 'A' && buf[131072] == 'A' && buf[0] == 'A' &&
		      buf[mib - 1] == 'A',
	      "data around the hole kept");
	/* KEEP_SIZE allocation past EOF does not change the size */
	CHECK(fallocate(fd, FALLOC_FL_KEEP_SIZE, mib, mib) == 0 ||
		      errno == EOPNOTSUPP,
	      "fallocate KEEP_SIZE past EOF");
	CHECK(fstat(fd, &st) == 0 && st.st_size == (off_t)mib, "size kept %lld",
	      (long long)st.st_size);
	free(buf);
	CHECK(close(fd) == 0, "close");
	return TEST_PASS;
}

static int t_seek_data_hole(void)
{
	const char *p = P("holes");
	const off_t mib = 1 << 20;
	char blk[4096];
	off_t r;
	int fd;

	memset(blk, 'd', sizeof(blk));
	CHECK((fd = open(p, O_RDWR | O_CREAT, 0644)) >= 0, "%s", p);
	CHECK(pwrite(fd, blk, 4096, 0) == 4096, "data at 0");
	CHECK(pwrite(fd, blk, 4096, 4 * mib) == 4096, "data at 4 MiB");
	CHECK(ftruncate(fd, 8 * mib) == 0, "size 8 MiB");
	CHECK(fsync(fd) == 0, "fsync");

	CHECK((r = lseek(fd, 0, SEEK_DATA)) == 0, "SEEK_DATA 0 -> %lld", (long long)r);
	r = lseek(fd, 0, SEEK_HOLE);
	if (r == 8 * mib)
		tap_diag("SEEK_HOLE found no hole: the daemon may lack FUSE_LSEEK (generic fallback)");
	CHECK(r >= 4096 && r < 4 * mib,
	      "SEEK_HOLE 0 -> %lld (expected a hole before 4 MiB)", (long long)r);
	CHECK((r = lseek(fd, 2 * mib, SEEK_DATA)) > 2 * mib - 1 && r <= 4 * mib,
	      "SEEK_DATA 2 MiB -> %lld", (long long)r);
	CHECK((r = lseek(fd, 4 * mib, SEEK_HOLE)) >= 4 * mib + 4096 && r <= 8 * mib,
	      "SEEK_HOLE 4 MiB -> %lld", (long long)r);
	CHECK_ERRNO(lseek(fd, 6 * mib, SEEK_DATA), ENXIO, "SEEK_DATA in trailing hole");
	CHECK_ERRNO(lseek(fd, 9 * mib, SEEK_HOLE), ENXIO, "SEEK_HOLE past EOF");
	CHECK(close(fd) == 0, "close");
	return TEST_PASS;
}

static int t_flock(void)
{
	const char *p = P("flock");
	pid_t pid;
	int fd;

	CHECK(write_file(p, "", 0) == 0, "create");
	CHECK((fd = open(p, O_RDWR)) >= 0, "open");
	CHECK(flock(fd, LOCK_EX) == 0, "LOCK_EX");
	fflush(stdout);
	pid = fork();
	CHECK(pid >= 0, "fork");
	if (pid == 0) {
		int fd2 = open(p, O_RDWR); /* a second open file description */

		if (fd2 < 0)
			_exit(10);
		if (flock(fd2, LOCK_EX | LOCK_NB) == 0) {
			printf("# child: LOCK_EX|LOCK_NB succeeded despite parent's lock\n");
			_exit(11);
		}
		if (errno != EWOULDBLOCK) {
			printf("# child: LOCK_NB: %s (expected EWOULDBLOCK)\n",
			       strerror(errno));
			_exit(12);
		}
		if (flock(fd2, LOCK_SH | LOCK_NB) == 0 || errno != EWOULDBLOCK) {
			printf("# child: LOCK_SH|LOCK_NB not refused\n");
			_exit(13);
		}
		_exit(0);
	}
	CHECK(wait_child(pid, "flock conflict"), "child sees the lock");
	CHECK(flock(fd, LOCK_UN) == 0, "LOCK_UN");
	fflush(stdout);
	pid = fork();
	CHECK(pid >= 0, "fork");
	if (pid == 0) {
		int fd2 = open(p, O_RDWR);

		if (fd2 < 0 || flock(fd2, LOCK_EX | LOCK_NB) != 0) {
			printf("# child: LOCK_EX after unlock: %s\n", strerror(errno));
			_exit(14);
		}
		_exit(0);
	}
	CHECK(wait_child(pid, "flock after unlock"), "lock free after LOCK_UN");
	CHECK(close(fd) == 0, "close");
	return TEST_PASS;
}

static int t_fcntl_lock(void)
{
	const char *p = P("posixlock");
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET,
			    .l_start = 0, .l_len = 100 };
	pid_t pid, parent = getpid();
	int fd;

	CHECK(write_file(p, "0123456789", 10) == 0, "create");
	CHECK((fd = open(p, O_RDWR)) >= 0, "open");
	CHECK(fcntl(fd, F_SETLK, &fl) == 0, "F_SETLK write lock [0,100)");
	fflush(stdout);
	pid = fork();
	CHECK(pid >= 0, "fork");
	if (pid == 0) {
		struct flock q = { .l_type = F_WRLCK, .l_whence = SEEK_SET,
				   .l_start = 50, .l_len = 10 };
		int fd2 = open(p, O_RDWR);

		if (fd2 < 0)
			_exit(10);
		if (fcntl(fd2, F_GETLK, &q) != 0) {
			printf("# child: F_GETLK: %s\n", strerror(errno));
			_exit(11);
		}
		if (q.l_type != F_WRLCK) {
			printf("# child: F_GETLK reports type %d, expected F_WRLCK\n",
			       q.l_type);
			_exit(12);
		}
		if (q.l_pid != parent)
			printf("# child: F_GETLK l_pid %d (parent %d)\n",
			       (int)q.l_pid, (int)parent);
		q.l_type = F_WRLCK;
		q.l_start = 50;
		q.l_len = 10;
		if (fcntl(fd2, F_SETLK, &q) == 0) {
			printf("# child: conflicting F_SETLK succeeded\n");
			_exit(13);
		}
		if (errno != EAGAIN && errno != EACCES) {
			printf("# child: F_SETLK: %s (expected EAGAIN)\n",
			       strerror(errno));
			_exit(14);
		}
		q.l_type = F_RDLCK;
		q.l_start = 200;
		q.l_len = 10;
		if (fcntl(fd2, F_SETLK, &q) != 0) {
			printf("# child: non-overlapping F_SETLK: %s\n",
			       strerror(errno));
			_exit(15);
		}
		_exit(0);
	}
	CHECK(wait_child(pid, "fcntl lock conflict"), "child sees the lock");
	fl.l_type = F_UNLCK;
	CHECK(fcntl(fd, F_SETLK, &fl) == 0, "unlock");
	CHECK(close(fd) == 0, "close");
	return TEST_PASS;
}

static int t_mkfifo(void)
{
	const char *p = P("fifo");
	struct stat st;
	char c = 0;
	int fd;

	CHECK(mknod(p, S_IFIFO | 0644, 0) == 0, "mknod FIFO");
	CHECK(stat(p, &st) == 0 && S_ISFIFO(st.st_mode), "S_ISFIFO mode 0%o",
	      st.st_mode);
	CHECK((fd = open(p, O_RDWR | O_NONBLOCK)) >= 0, "open FIFO");
	CHECK(write(fd, "z", 1) == 1, "write FIFO");
	CHECK(read(fd, &c, 1) == 1 && c == 'z', "read FIFO");
	CHECK_ERRNO(read(fd, &c, 1), EAGAIN, "empty FIFO");
	close(fd);
	CHECK(unlink(p) == 0, "unlink FIFO");
	return TEST_PASS;
}

static int t_o_excl(void)
{
	CHECK(write_file(P("excl"), "e", 1) == 0, "create");
	CHECK_ERRNO(open(P("excl"), O_WRONLY | O_CREAT | O_EXCL, 0644), EEXIST,
		    "O_EXCL on existing file");
	CHECK(symlink("excl-missing", P("excl-link")) == 0, "symlink");
	CHECK_ERRNO(open(P("excl-link"), O_WRONLY | O_CREAT | O_EXCL, 0644), EEXIST,
		    "O_EXCL on a dangling symlink");
	CHECK(access(P("excl-missing"), F_OK) == -1, "symlink not followed");
	CHECK(file_is(P("excl"), "e", 1), "content untouched");
	return TEST_PASS;
}

static int t_error_codes(void)
{
	CHECK(write_file(P("plain"), "p", 1) == 0, "create");
	CHECK(mkdir(P("adir"), 0755) == 0, "mkdir");
	CHECK_ERRNO(open(P("nonexistent"), O_RDONLY), ENOENT, "open missing");
	CHECK_ERRNO(open(P("nodir/file"), O_RDONLY | O_CREAT, 0644), ENOENT,
		    "create in missing dir");
	CHECK_ERRNO(open(P("plain/x"), O_RDONLY), ENOTDIR, "file as dir");
	CHECK_ERRNO(mkdir(P("plain/x"), 0755), ENOTDIR, "mkdir under a file");
	CHECK_ERRNO(open(P("adir"), O_WRONLY), EISDIR, "open dir for write");
	CHECK_ERRNO(open(P("plain"), O_RDONLY | O_DIRECTORY), ENOTDIR,
		    "O_DIRECTORY on a file");
	CHECK_ERRNO(rmdir(P("plain")), ENOTDIR, "rmdir a file");
	CHECK_ERRNO(unlink(P("adir")), EISDIR, "unlink a dir");
	CHECK_ERRNO(unlink(P("nonexistent")), ENOENT, "unlink missing");
	CHECK_ERRNO(rename(P("adir"), P("plain")), ENOTDIR, "rename dir over file");
	CHECK_ERRNO(rename(P("plain"), P("adir")), EISDIR, "rename file over dir");
	CHECK_ERRNO(link(P("adir"), P("adir-link")), EPERM, "hard link to a dir");
	return TEST_PASS;
}

static int t_large_file(void)
{
	const char *env = getenv("VFS_LARGE_MB");
	const size_t mb = env && atoi(env) > 0 ? (size_t)atoi(env) : 64;
	const size_t total = mb << 20, wchunk = 1 << 20, rchunk = 768 * 1024 + 7;
	const char *p = P("large");
	uint64_t wsum = FNV_INIT, rsum = FNV_INIT;
	unsigned char *buf;
	size_t off;
	struct stat st;
	ssize_t bad;
	int fd;

	CHECK((buf = malloc(wchunk > rchunk ? wchunk : rchunk)) != NULL, "malloc");
	CHECK((fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644)) >= 0, "%s", p);
	for (off = 0; off < total; off += wchunk) {
		fill_pattern(buf, wchunk, off, 77);
		wsum = fnv1a(wsum, buf, wchunk);
		CHECK(write_all(fd, buf, wchunk) == 0, "write at %zu", off);
	}
	CHECK(close(fd) == 0, "close");
	CHECK(stat(p, &st) == 0 && st.st_size == (off_t)total, "size %lld",
	      (long long)st.st_size);

	/* different chunking on the way back */
	CHECK((fd = open(p, O_RDONLY)) >= 0, "reopen");
	for (off = 0; off < total;) {
		ssize_t n = read(fd, buf, rchunk);

		CHECK(n > 0, "read at %zu", off);
		bad = check_pattern(buf, n, off, 77);
		CHECK(bad < 0, "pattern mismatch at offset %zu", off + bad);
		rsum = fnv1a(rsum, buf, n);
		off += n;
	}
	CHECK(read(fd, buf, 1) == 0, "EOF");
	CHECK(close(fd) == 0, "close");
	CHECK(wsum == rsum, "checksum %016llx read, %016llx written",
	      (unsigned long long)rsum, (unsigned long long)wsum);
	tap_diag("%zu MiB, fnv1a %016llx", mb, (unsigned long long)rsum);
	free(buf);
	CHECK(unlink(p) == 0, "unlink");
	return TEST_PASS;
}

static const struct tap_test tests[] = {
	{ "create_read_write", t_create_read_write },
	{ "append", t_append },
	{ "truncate_ftruncate", t_truncate },
	{ "pwrite_pread_beyond_4GiB", t_pwrite_beyond_4g },
	{ "o_direct", t_o_direct },
	{ "rename_simple", t_rename_simple },
	{ "rename_over_existing", t_rename_over },
	{ "rename_across_dirs", t_rename_across_dirs },
	{ "renameat2_noreplace", t_rename_noreplace },
	{ "renameat2_exchange", t_rename_exchange },
	{ "link_symlink_readlink", t_link_symlink },
	{ "mkdir_rmdir", t_mkdir_rmdir },
	{ "readdir_10000", t_readdir_10000 },
	{ "unlink_open_file", t_unlink_open },
	{ "chmod", t_chmod },
	{ "chown", t_chown },
	{ "utimensat", t_utimensat },
	{ "xattr_user", t_xattr },
	{ "statfs", t_statfs },
	{ "fsync_fdatasync_syncfs", t_sync },
	{ "fallocate", t_fallocate },
	{ "seek_data_hole", t_seek_data_hole },
	{ "flock", t_flock },
	{ "fcntl_setlk_getlk", t_fcntl_lock },
	{ "mknod_fifo", t_mkfifo },
	{ "o_excl", t_o_excl },
	{ "error_codes", t_error_codes },
	{ "large_file_checksum", t_large_file },
};

int main(int argc, char **argv)
{
	const char *base = vfs_base_dir(argc, argv);
	char *dir;

	tap_plan(TAP_ARRAY_SIZE(tests) + 1);
	tap_diag("fsops in %s (fs type 0x%lx)", base, fs_type(base));
	dir = vfs_make_subdir(base, "fsops");
	D = dir;
	tap_run_tests(tests, TAP_ARRAY_SIZE(tests));
	errno = 0;
	tap_ok(vfs_rmtree(dir) == 0, "cleanup");
	free(dir);
	return tap_exit();
}
