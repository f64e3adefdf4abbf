// SPDX-License-Identifier: GPL-2.0
/*
 * mmap [DIR]: memory-mapped I/O on the shared directory.  Run with the
 * daemon's cache=auto: with cache=none fuse opens files FOPEN_DIRECT_IO and
 * refuses shared writable mappings (ENODEV).
 */
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "tap.h"
#include "vfsutil.h"

static const char *D;
static long pg;

#define P(name) pathf("%s/%s", D, name)

static void mmap_hint(int e)
{
	if (e == ENODEV)
		tap_diag("ENODEV from mmap: the file was opened direct_io (daemon cache=none?)");
}

static int t_mmap_read(void)
{
	const size_t len = 3 * pg + 100;
	const char *p = P("mread");
	unsigned char *buf, *m;
	ssize_t bad;
	size_t i;
	int fd;

	CHECK((buf = malloc(len)) != NULL, "malloc");
	fill_pattern(buf, len, 0, 1);
	CHECK(write_file(p, buf, len) == 0, "write %s", p);
	CHECK((fd = open(p, O_RDONLY)) >= 0, "open");
	m = mmap(NULL, 4 * pg, PROT_READ, MAP_SHARED, fd, 0);
	if (m == MAP_FAILED)
		mmap_hint(errno);
	CHECK(m != MAP_FAILED, "mmap PROT_READ MAP_SHARED");
	bad = check_pattern(m, len, 0, 1);
	CHECK(bad < 0, "mapped content differs at %zd", bad);
	for (i = len; i < (size_t)(4 * pg); i++)
		CHECK(m[i] == 0, "byte %zu past EOF in the last page is 0x%02x", i,
		      m[i]);
	CHECK(munmap(m, 4 * pg) == 0, "munmap");

	/* a mapping at a page offset */
	m = mmap(NULL, pg, PROT_READ, MAP_PRIVATE, fd, 2 * pg);
	CHECK(m != MAP_FAILED, "mmap at offset");
	CHECK(check_pattern(m, pg, 2 * pg, 1) < 0, "content at page offset");
	CHECK(munmap(m, pg) == 0, "munmap");
	CHECK(close(fd) == 0, "close");
	free(buf);
	return TEST_PASS;
}

static int t_mmap_shared_write(void)
{
	const size_t len = 5 * pg;
	const char *p = P("mshared");
	unsigned char *m, *buf;
	struct stat st;
	ssize_t bad;
	int fd;

	CHECK((fd = open(p, O_RDWR | O_CREAT | O_TRUNC, 0644)) >= 0, "%s", p);
	CHECK(ftruncate(fd, len) == 0, "ftruncate");
	m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (m == MAP_FAILED)
		mmap_hint(errno);
	CHECK(m != MAP_FAILED, "mmap MAP_SHARED rw");
	fill_pattern(m, len, 0, 2);
	CHECK(msync(m, len, MS_SYNC) == 0, "msync");
	CHECK(munmap(m, len) == 0, "munmap");
	CHECK(close(fd) == 0, "close");

	CHECK((buf = malloc(len + 1)) != NULL, "malloc");
	CHECK(read_file(p, buf, len + 1) == (ssize_t)len, "read back size");
	bad = check_pattern(buf, len, 0, 2);
	CHECK(bad < 0, "read() after msync differs at %zd", bad);
	CHECK(stat(p, &st) == 0 && st.st_size == (off_t)len, "size %lld",
	      (long long)st.st_size);

	/* a partial update in the middle of a page, msync of that page only */
	CHECK((fd = open(p, O_RDWR)) >= 0, "reopen");
	m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(m != MAP_FAILED, "mmap again");
	CHECK(close(fd) == 0, "close with the mapping alive");
	memcpy(m + 3 * pg + 10, "MAPPED", 6);
	CHECK(msync(m + 3 * pg, pg, MS_SYNC) == 0, "msync one page");
	CHECK(munmap(m, len) == 0, "munmap");
	CHECK(read_file(p, buf, len + 1) == (ssize_t)len, "read back");
	CHECK(memcmp(buf + 3 * pg + 10, "MAPPED", 6) == 0, "update visible to read()");
	CHECK(check_pattern(buf, 3 * pg + 10, 0, 2) < 0, "data before kept");
	CHECK(check_pattern(buf + 3 * pg + 16, len - 3 * pg - 16, 3 * pg + 16, 2) < 0,
	      "data after kept");
	free(buf);
	return TEST_PASS;
}

static int t_mmap_private_write(void)
{
	const char *p = P("mprivate");
	const char orig[] = "original content of the file";
	char buf[64];
	char *m;
	int fd;

	CHECK(write_file(p, orig, sizeof(orig) - 1) == 0, "create");
	CHECK((fd = open(p, O_RDWR)) >= 0, "open");
	m = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	CHECK(m != MAP_FAILED, "mmap MAP_PRIVATE rw");
	memcpy(m, "PRIVATE!", 8);
	CHECK(memcmp(m, "PRIVATE!", 8) == 0, "mapping shows the change");
	CHECK(msync(m, pg, MS_SYNC) == 0, "msync (no effect on private)");
	CHECK(pread(fd, buf, sizeof(buf), 0) == sizeof(orig) - 1 &&
		      !memcmp(buf, orig, sizeof(orig) - 1),
	      "read() while mapped shows the original");
	CHECK(munmap(m, pg) == 0, "munmap");
	CHECK(close(fd) == 0, "close");
	CHECK(read_file(p, buf, sizeof(buf)) == sizeof(orig) - 1 &&
		      !memcmp(buf, orig, sizeof(orig) - 1),
	      "file unchanged after reopen");
	return TEST_PASS;
}

static int t_mmap_sees_write(void)
{
	const char *p = P("mcoherent");
	char *m;
	int fd;

	CHECK(write_file(p, "aaaaaaaaaa", 10) == 0, "create");
	CHECK((fd = open(p, O_RDWR)) >= 0, "open");
	m = mmap(NULL, pg, PROT_READ, MAP_SHARED, fd, 0);
	if (m == MAP_FAILED)
		mmap_hint(errno);
	CHECK(m != MAP_FAILED, "mmap");
	CHECK(m[0] == 'a', "initial");
	CHECK(pwrite(fd, "bbb", 3, 2) == 3, "pwrite");
	CHECK(memcmp(m, "aabbbaaaaa", 10) == 0, "write() visible in mapping: '%.10s'",
	      m);
	CHECK(munmap(m, pg) == 0, "munmap");
	CHECK(close(fd) == 0, "close");
	return TEST_PASS;
}

static int t_mmap_errors(void)
{
	const char *p = P("merr");
	void *m;
	int fd, e;

	CHECK(write_file(p, "x", 1) == 0, "create");
	CHECK((fd = open(p, O_RDONLY)) >= 0, "open");
	m = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	e = errno;
	CHECK(m == MAP_FAILED && e == EACCES,
	      "writable shared mapping of an O_RDONLY fd must fail with EACCES (%s)",
	      m == MAP_FAILED ? strerror(e) : "succeeded");
	CHECK(close(fd) == 0, "close");
	CHECK((fd = open(p, O_WRONLY)) >= 0, "open");
	m = mmap(NULL, pg, PROT_READ, MAP_SHARED, fd, 0);
	e = errno;
	CHECK(m == MAP_FAILED && e == EACCES,
	      "mapping of an O_WRONLY fd must fail with EACCES (%s)",
	      m == MAP_FAILED ? strerror(e) : "succeeded");
	CHECK(close(fd) == 0, "close");
	return TEST_PASS;
}

static const struct tap_test tests[] = {
	{ "mmap_read", t_mmap_read },
	{ "mmap_shared_write_msync", t_mmap_shared_write },
	{ "mmap_private_write", t_mmap_private_write },
	{ "mmap_sees_write", t_mmap_sees_write },
	{ "mmap_access_errors", t_mmap_errors },
};

int main(int argc, char **argv)
{
	const char *base = vfs_base_dir(argc, argv);
	char *dir;

	pg = sysconf(_SC_PAGESIZE);
	tap_plan(TAP_ARRAY_SIZE(tests) + 1);
	tap_diag("mmap in %s (fs type 0x%lx)", base, fs_type(base));
	dir = vfs_make_subdir(base, "mmap");
	D = dir;
	tap_run_tests(tests, TAP_ARRAY_SIZE(tests));
	errno = 0;
	tap_ok(vfs_rmtree(dir) == 0, "cleanup");
	free(dir);
	return tap_exit();
}
