// SPDX-License-Identifier: GPL-2.0
/* Helpers shared by the in-guest test programs. */
#include "vfsutil.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tap.h"

struct tap_state tap_state;

const char *vfs_mount_root(void)
{
	const char *m = getenv("VFS_MNT");

	return m && *m ? m : "/mnt";
}

const char *vfs_base_dir(int argc, char **argv)
{
	if (argc > 1 && argv[1][0])
		return argv[1];
	return vfs_mount_root();
}

char *vfs_make_subdir(const char *base, const char *prog)
{
	struct timespec ts;
	char *p;
	int i;

	clock_gettime(CLOCK_REALTIME, &ts);
	for (i = 0; i < 100; i++) {
		if (asprintf(&p, "%s/vfs-%s-%d-%04lx", base, prog, (int)getpid(),
			     ((unsigned long)ts.tv_nsec + i) & 0xffff) < 0)
			tap_bail("out of memory");
		if (mkdir(p, 0755) == 0)
			return p;
		if (errno != EEXIST)
			tap_bail("mkdir %s: %s", p, strerror(errno));
		free(p);
	}
	tap_bail("cannot create a unique directory in %s", base);
}

static int rm_one(const char *path, const struct stat *st, int flag,
		  struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (flag == FTW_DP)
		return rmdir(path) ? -1 : 0;
	return unlink(path) ? -1 : 0;
}

int vfs_rmtree(const char *path)
{
	return nftw(path, rm_one, 32, FTW_DEPTH | FTW_PHYS);
}

const char *pathf(const char *fmt, ...)
{
	static char bufs[16][4096];
	static unsigned int next;
	char *b = bufs[next++ % 16];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(b, sizeof(bufs[0]), fmt, ap);
	va_end(ap);
	return b;
}

int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0) {
			errno = EIO;
			return -1;
		}
		p += n;
		len -= n;
	}
	return 0;
}

int pwrite_all(int fd, const void *buf, size_t len, off_t off)
{
	const char *p = buf;

	while (len) {
		ssize_t n = pwrite(fd, p, len, off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0) {
			errno = EIO;
			return -1;
		}
		p += n;
		len -= n;
		off += n;
	}
	return 0;
}

int pread_all(int fd, void *buf, size_t len, off_t off)
{
	char *p = buf;

	while (len) {
		ssize_t n = pread(fd, p, len, off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0) {
			errno = ENODATA; /* short file */
			return -1;
		}
		p += n;
		len -= n;
		off += n;
	}
	return 0;
}

int write_file(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	int e;

	if (fd < 0)
		return -1;
	if (write_all(fd, data, len)) {
		e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return close(fd);
}

ssize_t read_file(const char *path, void *buf, size_t cap)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t got = 0;
	int e;

	if (fd < 0)
		return -1;
	while (got < cap) {
		ssize_t n = read(fd, (char *)buf + got, cap - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			e = errno;
			close(fd);
			errno = e;
			return -1;
		}
		if (n == 0)
			break;
		got += n;
	}
	close(fd);
	return got;
}

/* splitmix64 of the 8-byte word index: any offset maps to a fixed byte. */
static inline uint64_t mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

void fill_pattern(void *buf, size_t len, uint64_t off, uint64_t seed)
{
	unsigned char *p = buf;
	uint64_t word = 0, cur = UINT64_MAX;
	size_t i;

	for (i = 0; i < len; i++) {
		uint64_t o = off + i;

		if ((o >> 3) != cur) {
			cur = o >> 3;
			word = mix(cur ^ (seed * 0x100000001b3ULL));
		}
		p[i] = (unsigned char)(word >> ((o & 7) * 8));
	}
}

ssize_t check_pattern(const void *buf, size_t len, uint64_t off,
		      uint64_t seed)
{
	unsigned char tmp[4096];
	const unsigned char *p = buf;
	size_t done = 0;

	while (done < len) {
		size_t n = len - done < sizeof(tmp) ? len - done : sizeof(tmp);
		size_t i;

		fill_pattern(tmp, n, off + done, seed);
		if (memcmp(tmp, p + done, n)) {
			for (i = 0; i < n; i++)
				if (tmp[i] != p[done + i])
					return done + i;
		}
		done += n;
	}
	return -1;
}

uint64_t fnv1a(uint64_t h, const void *buf, size_t len)
{
	const unsigned char *p = buf;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

long fs_type(const char *path)
{
	struct statfs sf;

	if (statfs(path, &sf))
		return 0;
	return (long)sf.f_type;
}

int on_shared_fs(const char *path)
{
	long t = fs_type(path);

	return t == FUSE_SUPER_MAGIC_ || t == V9FS_MAGIC_;
}

int run_bounded(int timeout_s, int (*fn)(void *), void *arg, int *err)
{
	int pfd[2], status, e = 0;
	struct pollfd p;
	pid_t pid;
	int rc;

	if (pipe2(pfd, O_CLOEXEC))
		return -1;
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		e = errno;
		close(pfd[0]);
		close(pfd[1]);
		errno = e;
		return -1;
	}
	if (pid == 0) {
		int r[2];

		close(pfd[0]);
		errno = 0;
		r[0] = fn(arg);
		r[1] = errno;
		if (write(pfd[1], r, sizeof(r)) != sizeof(r))
			_exit(3);
		fflush(stdout);
		_exit(0);
	}
	close(pfd[1]);
	p.fd = pfd[0];
	p.events = POLLIN;
	for (;;) {
		rc = poll(&p, 1, timeout_s * 1000);
		if (rc < 0 && errno == EINTR)
			continue;
		break;
	}
	if (rc == 0) {
		kill(pid, SIGKILL);
		close(pfd[0]);
		return BOUNDED_TIMEOUT;
	}
	{
		int r[2];
		ssize_t n = read(pfd[0], r, sizeof(r));

		close(pfd[0]);
		/* The result is in: the child only has to _exit now. */
		waitpid(pid, &status, 0);
		if (n != sizeof(r)) {
			if (WIFSIGNALED(status)) {
				*err = WTERMSIG(status);
				return BOUNDED_CRASH;
			}
			*err = EPROTO;
			return -1;
		}
		rc = r[0];
		e = r[1];
	}
	*err = e;
	return rc;
}

int cpus_available(void)
{
	cpu_set_t set;

	if (sched_getaffinity(0, sizeof(set), &set))
		return 1;
	return CPU_COUNT(&set);
}

int pin_to_cpu(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set);
}

int run_pinned(int n, int (*fn)(int, void *), void *arg, const char *what)
{
	pid_t pids[RUN_PINNED_MAX];
	int gate[2], i, forked, ok = 1, status;

	if (n > RUN_PINNED_MAX || pipe(gate))
		return 0;
	fflush(stdout);
	for (forked = 0; forked < n; forked++) {
		i = forked;
		pids[i] = fork();
		if (pids[i] < 0) {
			tap_diag("%s: fork: %s", what, strerror(errno));
			ok = 0;
			break;
		}
		if (pids[i] == 0) {
			char c;
			int rc;

			close(gate[1]);
			if (pin_to_cpu(i)) {
				printf("# %s: child %d: sched_setaffinity(CPU %d): %s\n",
				       what, i, i, strerror(errno));
				_exit(20);
			}
			if (sched_getcpu() != i) {
				printf("# %s: child %d runs on CPU %d\n", what, i,
				       sched_getcpu());
				_exit(21);
			}
			/* wait until all children exist */
			if (read(gate[0], &c, 1) < 0)
				_exit(22);
			rc = fn(i, arg);
			fflush(stdout);
			_exit(rc);
		}
	}
	close(gate[0]);
	close(gate[1]); /* go */
	for (i = 0; i < forked; i++) {
		if (waitpid(pids[i], &status, 0) != pids[i] ||
		    !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
			tap_diag("%s: child %d: status 0x%x", what, i, status);
			ok = 0;
		}
	}
	return ok;
}

int have_two_cpus(void)
{
	cpu_set_t set;

	if (sched_getaffinity(0, sizeof(set), &set))
		return 0;
	return CPU_ISSET(0, &set) && CPU_ISSET(1, &set);
}

int read_str_file(const char *path, char *buf, size_t cap)
{
	ssize_t n = read_file(path, buf, cap - 1);

	if (n < 0)
		return -1;
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		n--;
	buf[n] = '\0';
	return 0;
}

int read_u64_file(const char *path, unsigned long long *out)
{
	char buf[64], *end;

	if (read_str_file(path, buf, sizeof(buf)))
		return -1;
	errno = 0;
	*out = strtoull(buf, &end, 10);
	if (errno || end == buf) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}

int vfs_sysfs_device(const char *root, char *out, size_t cap)
{
	const char *tag = getenv("VFS_TAG");
	struct dirent *de;
	int found = 0;
	DIR *d = opendir(root);

	if (!d)
		return -1;
	while ((de = readdir(d))) {
		char t[256];

		if (de->d_name[0] == '.')
			continue;
		if (read_str_file(pathf("%s/%s/tag", root, de->d_name), t,
				  sizeof(t)))
			continue;
		if (tag && *tag && strcmp(t, tag))
			continue;
		snprintf(out, cap, "%s/%s", root, de->d_name);
		found++;
	}
	closedir(d);
	return found == 1 ? 0 : -1;
}
