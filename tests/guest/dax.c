// SPDX-License-Identifier: GPL-2.0
/*
 * dax: the DAX window.  Mounts $VFS_TAG (default vfs0) itself with -o dax
 * on /tmp/vfs-dax-<pid>/m (the suite must not mount the tag: all mounts of
 * a tag share one superblock, and so its DAX mode), then checks that
 * read/write/MAP_SHARED mmap through the window agree with each other and
 * with the host (via the harness's request protocol, vfs_request.h), that a
 * working set larger than the window stays correct while fuse reclaims
 * window ranges, and that read()/write() with a buffer that is itself a DAX
 * mapping return instead of hanging.
 *
 * Needs a device with a DAX window (vfs-harness --cache-size 64M and the
 * patched QEMU); without one every test is skipped.  Host files are written
 * with truncation by the harness, so the guest never touches a page of a
 * mapped file beyond its end (a host-side truncate under a window mapping
 * makes QEMU SIGBUS on such an access).
 */
#include <dirent.h>
#include <stdarg.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "tap.h"
#include "vfs_request.h"
#include "vfsutil.h"

#define WATCHDOG 120
#define MiB (1024UL * 1024)

static const char *TAG;
static char TOP[200], M[256];
static unsigned long long WINDOW; /* bytes, from sysfs */

#define P(name) pathf("%s/dax-%d/%s", M, (int)getpid(), name)
#define H(name) pathf("dax-%d/%s", (int)getpid(), name)

/* The sysfs directory of the device with tag TAG, or NULL. */
static const char *device_dir(void)
{
	static char found[300];
	char tag[64];
	struct dirent *e;
	DIR *d = opendir("/sys/fs/virtiofs");

	if (!d)
		return NULL;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		if (read_str_file(pathf("/sys/fs/virtiofs/%s/tag", e->d_name),
				  tag, sizeof(tag)) == 0 && !strcmp(tag, TAG)) {
			snprintf(found, sizeof(found), "/sys/fs/virtiofs/%s",
				 e->d_name);
			closedir(d);
			return found;
		}
	}
	closedir(d);
	return NULL;
}

struct mount_args {
	const char *opts;
};

static int do_mount(void *arg)
{
	struct mount_args *m = arg;

	return mount(TAG, M, "virtiofs", 0, m->opts);
}

static int do_umount(void *arg)
{
	(void)arg;
	return umount2(M, 0);
}

static int bounded(int (*fn)(void *), void *arg, const char *what)
{
	int err = 0, rc = run_bounded(WATCHDOG, fn, arg, &err);

	if (rc == BOUNDED_TIMEOUT)
		tap_bail("%s did not return within %d s", what, WATCHDOG);
	if (rc == BOUNDED_CRASH)
		tap_bail("%s: child died of signal %d", what, err);
	errno = err;
	return rc;
}

static int mount_with(const char *opts)
{
	struct mount_args m = { opts };

	return bounded(do_mount, &m, "mount");
}

static int umount_it(void)
{
	return bounded(do_umount, NULL, "umount");
}

/* Does /proc/mounts list M with this option? */
static int mounted_with(const char *opt)
{
	char line[1024];
	int yes = 0;
	FILE *f = fopen("/proc/mounts", "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		if (strstr(line, M) && strstr(line, opt))
			yes = 1;
	}
	fclose(f);
	return yes;
}

/*
 * Asks the host harness (vfs_request.h); 0 if it answered ok.  No answer at
 * all ends the run: nothing later could talk to the host either.
 */
static __attribute__((format(printf, 3, 4))) int
host(char *reply, size_t cap, const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	int rc;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	rc = vfs_request(line, reply, cap);
	if (rc == VFS_REPLY_OK)
		return 0;
	tap_diag("host request '%s': %s %s", line, vfs_request_status_name(rc),
		 rc == VFS_REQUEST_LOCAL_ERROR ? strerror(errno) : reply);
	if (rc != VFS_REPLY_ERR)
		tap_bail("no answer from the host harness");
	return -1;
}

#define HOST(reply, ...) \
	CHECK(host(reply, sizeof(reply), __VA_ARGS__) == 0, "host request")

/* The window size of TAG's device from sysfs; 0 without one. */
static int find_window(void)
{
	const char *dir = device_dir();

	if (!dir) {
		tap_diag("no /sys/fs/virtiofs/*/tag is %s", TAG);
		return -1;
	}
	if (read_u64_file(pathf("%s/dax_window", dir), &WINDOW)) {
		tap_diag("read %s/dax_window: %s", dir, strerror(errno));
		return -1;
	}
	tap_diag("%s: DAX window of %llu MiB", dir, WINDOW >> 20);
	return 0;
}

static int t_mount_dax(void)
{
	CHECK(mount_with("dax") == 0, "mount -o dax %s %s", TAG, M);
	CHECK(fs_type(M) == FUSE_SUPER_MAGIC_, "%s is not a fuse mount", M);
	CHECK(mounted_with("dax=always"), "/proc/mounts does not say dax=always");
	CHECK(mkdir(P(""), 0755) == 0, "mkdir %s", P(""));
	return TEST_PASS;
}

/* write() then read() of a pattern, across several 2 MiB ranges. */
static int t_write_read(void)
{
	size_t len = 9 * MiB + 123;
	char *buf = malloc(len), *back = malloc(len);
	const char *path = P("wr");
	int fd;

	CHECK(buf && back, "malloc");
	fill_pattern(buf, len, 0, 1);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	CHECK(fd >= 0, "open %s", path);
	CHECK(write_all(fd, buf, len) == 0, "write");
	CHECK(pread_all(fd, back, len, 0) == 0, "read back");
	CHECK(memcmp(buf, back, len) == 0, "read differs from write");
	CHECK(close(fd) == 0, "close");
	CHECK(read_file(path, back, len) == (ssize_t)len, "read after reopen");
	CHECK(memcmp(buf, back, len) == 0, "reopened read differs");
	free(buf);
	free(back);
	return TEST_PASS;
}

/* What the guest writes, by write() or through a mapping, the host reads. */
static int t_guest_write_host_read(void)
{
	const char text[] = "written through the DAX window\n";
	char reply[512], *map;
	int fd;

	CHECK(write_file(P("g1"), text, strlen(text)) == 0, "write g1");
	HOST(reply, "host-read %s", H("g1"));
	CHECK(!strcmp(reply, "written through the DAX window"),
	      "host reads '%s'", reply);

	fd = open(P("g1"), O_RDWR);
	CHECK(fd >= 0, "open g1");
	map = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(map != MAP_FAILED, "mmap MAP_SHARED");
	memcpy(map, "WRITTEN", 7);
	CHECK(msync(map, 4096, MS_SYNC) == 0, "msync");
	HOST(reply, "host-read %s", H("g1"));
	CHECK(!strcmp(reply, "WRITTEN through the DAX window"),
	      "host reads '%s' after a store to the mapping", reply);
	munmap(map, 4096);
	close(fd);
	return TEST_PASS;
}

/* A host write shows up in read() and in a mapping made before it. */
static int t_host_write_guest_sees(void)
{
	char reply[512], buf[64], *map;
	ssize_t n;
	int fd;

	HOST(reply, "host-write %s first host line", H("h1"));
	fd = open(P("h1"), O_RDONLY);
	CHECK(fd >= 0, "open h1");
	n = pread(fd, buf, sizeof(buf) - 1, 0);
	CHECK(n == 16 && !memcmp(buf, "first host line\n", 16),
	      "read %zd bytes", n);
	map = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
	CHECK(map != MAP_FAILED, "mmap");
	CHECK(!memcmp(map, "first host line\n", 16), "mapping differs");
	/* same length: the guest's idea of the size stays right */
	HOST(reply, "host-write %s other host line", H("h1"));
	CHECK(!memcmp(map, "other host line\n", 16),
	      "the mapping does not show the host's write: '%.15s'", map);
	n = pread(fd, buf, sizeof(buf) - 1, 0);
	CHECK(n == 16 && !memcmp(buf, "other host line\n", 16),
	      "read after the host write: %zd bytes '%.*s'", n, (int)(n > 0 ? n : 0), buf);
	munmap(map, 4096);
	close(fd);
	return TEST_PASS;
}

/* Stores to a MAP_SHARED mapping and write() see each other. */
static int t_mmap_vs_read_write(void)
{
	size_t len = 5 * MiB;
	char *map, *buf = malloc(len);
	int fd = open(P("mm"), O_RDWR | O_CREAT | O_TRUNC, 0644);

	CHECK(buf && fd >= 0, "open mm");
	CHECK(ftruncate(fd, len) == 0, "ftruncate");
	map = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(map != MAP_FAILED, "mmap");
	fill_pattern(map, len, 0, 7);
	CHECK(pread_all(fd, buf, len, 0) == 0, "pread");
	CHECK(check_pattern(buf, len, 0, 7) < 0, "read() misses stores");
	fill_pattern(buf, len, 0, 8);
	CHECK(pwrite_all(fd, buf, len, 0) == 0, "pwrite");
	CHECK(check_pattern(map, len, 0, 8) < 0, "mapping misses write()");
	munmap(map, len);
	close(fd);
	free(buf);
	return TEST_PASS;
}

/* Far more data than the window: fuse must reclaim ranges, data stays. */
static int t_working_set(void)
{
	size_t file_size = 16 * MiB, chunk = MiB, total;
	char *buf = malloc(chunk), reply[512];
	unsigned int nfiles, i;
	int fd;

	total = WINDOW <= 150 * MiB ? 300 * MiB : 2 * WINDOW;
	nfiles = (total + file_size - 1) / file_size;
	tap_diag("%u files of %zu MiB through a %llu MiB window", nfiles,
		 file_size >> 20, WINDOW >> 20);
	CHECK(buf, "malloc");
	for (i = 0; i < nfiles; i++) {
		size_t off;

		fd = open(P(pathf("ws%u", i)), O_RDWR | O_CREAT | O_TRUNC, 0644);
		CHECK(fd >= 0, "create ws%u", i);
		for (off = 0; off < file_size; off += chunk) {
			fill_pattern(buf, chunk, off, 100 + i);
			if (off == 0)
				snprintf(buf, 32, "working set file %u\n", i);
			CHECK(pwrite_all(fd, buf, chunk, off) == 0,
			      "write ws%u at %zu", i, off);
		}
		close(fd);
	}
	for (i = 0; i < nfiles; i++) {
		size_t off;
		char *map;

		fd = open(P(pathf("ws%u", i)), O_RDONLY);
		CHECK(fd >= 0, "open ws%u", i);
		for (off = chunk; off < file_size; off += chunk) {
			CHECK(pread_all(fd, buf, chunk, off) == 0, "read ws%u", i);
			CHECK(check_pattern(buf, chunk, off, 100 + i) < 0,
			      "ws%u wrong at %zu", i, off);
		}
		map = mmap(NULL, file_size, PROT_READ, MAP_SHARED, fd, 0);
		CHECK(map != MAP_FAILED, "mmap ws%u", i);
		CHECK(check_pattern(map + file_size - chunk, chunk,
				    file_size - chunk, 100 + i) < 0,
		      "ws%u: mapping differs", i);
		munmap(map, file_size);
		close(fd);
	}
	/* the host saw all of it, not just what stayed in the window */
	for (i = 0; i < nfiles; i += nfiles / 4 ? nfiles / 4 : 1) {
		HOST(reply, "host-read %s", H(pathf("ws%u", i)));
		CHECK(!strcmp(reply, pathf("working set file %u", i)),
		      "host reads '%s' from ws%u", reply, i);
	}
	for (i = 0; i < nfiles; i++)
		unlink(P(pathf("ws%u", i)));
	free(buf);
	return TEST_PASS;
}

struct cross_io {
	const char *src, *dst;
	size_t len;
	off_t src_off, dst_off;
	int write_from_map;	/* write(src fd, dst mapping) instead of read */
};

/*
 * read(src, mapping of dst) or write(src, mapping of dst): the user buffer
 * is DAX pages.  Any result is fine; not returning is not.
 */
static int cross_io_child(void *arg)
{
	struct cross_io *c = arg;
	int sfd = open(c->src, O_RDWR), dfd = open(c->dst, O_RDWR);
	char *map;
	ssize_t n;

	if (sfd < 0 || dfd < 0)
		return -10000;
	map = mmap(NULL, c->len, PROT_READ | PROT_WRITE, MAP_SHARED, dfd,
		   c->dst_off);
	if (map == MAP_FAILED)
		return -10001;
	if (c->write_from_map)
		n = pwrite(sfd, map, c->len, c->src_off);
	else
		n = pread(sfd, map, c->len, c->src_off);
	if (n < 0)
		return -errno;
	if (!c->write_from_map && (size_t)n == c->len &&
	    check_pattern(map, c->len, c->src_off, 21) >= 0)
		return -1000;	/* wrong data */
	munmap(map, c->len);
	return (int)(n / 4096);
}

static int t_io_into_dax_mapping(void)
{
	static const struct {
		const char *name, *src, *dst;
		off_t src_off, dst_off;
		int write_from_map;
	} cases[] = {
		{ "read(a) into a mapping of b", "xa", "xb", 0, 0, 0 },
		{ "read(a) into a mapping of a", "xa", "xa", 0, 4 * MiB, 0 },
		{ "write(b) from a mapping of a", "xb", "xa", 2 * MiB, 0, 1 },
	};
	size_t len = 256 * 1024, fsz = 6 * MiB;
	char *buf = malloc(fsz);
	unsigned int i;

	CHECK(buf, "malloc");
	fill_pattern(buf, fsz, 0, 21);
	CHECK(write_file(P("xa"), buf, fsz) == 0, "write xa");
	CHECK(write_file(P("xb"), buf, fsz) == 0, "write xb");
	for (i = 0; i < (unsigned int)TAP_ARRAY_SIZE(cases); i++) {
		struct cross_io c = { P(cases[i].src), NULL, len,
				      cases[i].src_off, cases[i].dst_off,
				      cases[i].write_from_map };
		char src[256], dst[256];
		int err = 0, rc;

		snprintf(src, sizeof(src), "%s", P(cases[i].src));
		snprintf(dst, sizeof(dst), "%s", P(cases[i].dst));
		c.src = src;
		c.dst = dst;
		rc = run_bounded(60, cross_io_child, &c, &err);
		CHECK(rc != BOUNDED_TIMEOUT, "%s: hangs", cases[i].name);
		CHECK(rc != BOUNDED_CRASH, "%s: killed by signal %d",
		      cases[i].name, err);
		CHECK(rc != -1000, "%s: wrong data", cases[i].name);
		CHECK(rc != -10000 && rc != -10001, "%s: open/mmap failed",
		      cases[i].name);
		if (rc < 0)
			tap_diag("%s: failed with %s", cases[i].name,
				 strerror(-rc));
		else
			tap_diag("%s: %d pages", cases[i].name, rc);
	}
	free(buf);
	return TEST_PASS;
}

static int t_umount_and_modes(void)
{
	CHECK(vfs_rmtree(P("")) == 0, "cleanup");
	CHECK(umount_it() == 0, "umount -o dax mount");
	CHECK(mount_with("dax=never") == 0, "mount -o dax=never");
	CHECK(mounted_with("dax=never"), "/proc/mounts does not say dax=never");
	CHECK(umount_it() == 0, "umount dax=never");
	CHECK(mount_with("dax=inode") == 0, "mount -o dax=inode");
	CHECK(mounted_with("dax=inode"), "/proc/mounts does not say dax=inode");
	CHECK(umount_it() == 0, "umount dax=inode");
	CHECK(mount_with("dax=always") == 0, "mount -o dax=always again");
	CHECK(umount_it() == 0, "umount");
	return TEST_PASS;
}

static const struct tap_test tests[] = {
	{ "mount_dax", t_mount_dax },
	{ "write_read", t_write_read },
	{ "guest_write_host_read", t_guest_write_host_read },
	{ "host_write_guest_sees", t_host_write_guest_sees },
	{ "mmap_shared_vs_read_write", t_mmap_vs_read_write },
	{ "working_set_beyond_window", t_working_set },
	{ "io_with_dax_mapping_as_buffer", t_io_into_dax_mapping },
	{ "umount_and_dax_modes", t_umount_and_modes },
};

int main(void)
{
	tap_plan(TAP_ARRAY_SIZE(tests));
	if (geteuid() != 0)
		tap_bail("needs root (mount)");
	TAG = getenv("VFS_TAG") && *getenv("VFS_TAG") ? getenv("VFS_TAG") : "vfs0";
	snprintf(TOP, sizeof(TOP), "/tmp/vfs-dax-%d", (int)getpid());
	snprintf(M, sizeof(M), "%s/m", TOP);
	if (mkdir(TOP, 0755) || mkdir(M, 0755))
		tap_bail("mkdir %s: %s", M, strerror(errno));
	if (find_window())
		tap_bail("no dax_window for tag %s in /sys/fs/virtiofs", TAG);
	if (WINDOW) {
		tap_run_tests(tests, TAP_ARRAY_SIZE(tests));
	} else {
		for (int i = 0; i < TAP_ARRAY_SIZE(tests); i++)
			tap_skip(tests[i].name,
				 "tag %s has no DAX window (boot with --cache-size)",
				 TAG);
	}
	if (fs_type(M) == FUSE_SUPER_MAGIC_) {
		vfs_rmtree(P(""));
		umount_it();
	}
	rmdir(M);
	rmdir(TOP);
	return tap_exit();
}
