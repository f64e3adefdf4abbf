// SPDX-License-Identifier: GPL-2.0
/* Helpers for the fault-injection suites, see faults.h. */
#include "faults.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tap.h"
#include "vfsutil.h"

struct io_msg {
	char kind; /* 'R' running, 'E' failed */
	int err;
	long iterations;
	char what[32];
};

static void send_msg(int fd, char kind, int err, long it, const char *what)
{
	struct io_msg m;

	memset(&m, 0, sizeof(m));
	m.kind = kind;
	m.err = err;
	m.iterations = it;
	snprintf(m.what, sizeof(m.what), "%s", what);
	if (write(fd, &m, sizeof(m)) != sizeof(m))
		_exit(5);
}

static void io_child(int out, const char *path, int wr)
{
	char buf[4096];
	long it;
	int fd;

	fd = open(path, wr ? O_RDWR : O_RDONLY);
	if (fd < 0) {
		send_msg(out, 'E', errno, 0, "open");
		_exit(0);
	}
	for (it = 0;; it++) {
		off_t off = (off_t)(it % 16) * sizeof(buf);

		if (wr) {
			memset(buf, 'a' + it % 26, sizeof(buf));
			if (pwrite(fd, buf, sizeof(buf), off) != sizeof(buf)) {
				send_msg(out, 'E', errno ? errno : EIO, it, "pwrite");
				_exit(0);
			}
		}
		if (pread(fd, buf, sizeof(buf), off) != sizeof(buf)) {
			send_msg(out, 'E', errno ? errno : EIO, it, "pread");
			_exit(0);
		}
		if (it == 0)
			send_msg(out, 'R', 0, 1, "");
	}
}

int io_loop_start(struct io_loop *l, const char *path, int wr)
{
	int p[2];

	l->pid = -1;
	l->fd = -1;
	l->started = 0;
	if (pipe2(p, O_CLOEXEC))
		return -1;
	fflush(stdout);
	l->pid = fork();
	if (l->pid < 0) {
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (l->pid == 0) {
		close(p[0]);
		errno = 0;
		io_child(p[1], path, wr);
		_exit(0);
	}
	close(p[1]);
	l->fd = p[0];
	return 0;
}

/* Reads one message, waiting at most @timeout_s: 1 got it, 0 timeout, -1 EOF. */
static int read_msg(struct io_loop *l, struct io_msg *m, int timeout_s)
{
	struct pollfd p = { .fd = l->fd, .events = POLLIN };
	int rc;

	do
		rc = poll(&p, 1, timeout_s * 1000);
	while (rc < 0 && errno == EINTR);
	if (rc == 0)
		return 0;
	if (read(l->fd, m, sizeof(*m)) != sizeof(*m))
		return -1;
	return 1;
}

int io_loop_wait_running(struct io_loop *l, int timeout_s)
{
	struct io_msg m;
	int rc = read_msg(l, &m, timeout_s);

	if (rc == 1 && m.kind == 'R') {
		l->started = 1;
		return 0;
	}
	if (rc == 1)
		tap_diag("I/O loop failed before running: %s: %s", m.what,
			 strerror(m.err));
	else if (rc == 0)
		tap_diag("I/O loop did not complete one iteration in %d s", timeout_s);
	else
		tap_diag("I/O loop died");
	return -1;
}

int io_loop_wait_failed(struct io_loop *l, int timeout_s, long *iterations,
			char *what, size_t cap)
{
	struct io_msg m;
	int rc = read_msg(l, &m, timeout_s), status;

	*iterations = 0;
	snprintf(what, cap, "?");
	if (rc == 0) {
		io_loop_kill(l);
		return -1;
	}
	if (rc == 1 && m.kind == 'E') {
		*iterations = m.iterations;
		snprintf(what, cap, "%s", m.what);
		waitpid(l->pid, &status, 0);
		close(l->fd);
		l->pid = -1;
		return m.err;
	}
	/* pipe closed without a report: the child died */
	if (waitpid(l->pid, &status, WNOHANG) == l->pid && WIFSIGNALED(status))
		snprintf(what, cap, "killed by signal %d", WTERMSIG(status));
	else
		snprintf(what, cap, "ended without reporting an error");
	close(l->fd);
	l->pid = -1;
	return -2;
}

void io_loop_kill(struct io_loop *l)
{
	if (l->pid > 0) {
		kill(l->pid, SIGKILL);
		/* not waited for: it may be stuck in the kernel */
	}
	if (l->fd >= 0)
		close(l->fd);
	l->pid = -1;
	l->fd = -1;
}

static const char *const step_names[] = { "create", "write", "fsync", "stat",
					  "read" };

static int new_io(void *arg)
{
	const char *dir = arg;
	const char *p = pathf("%s/after-fault-%d", dir, (int)getpid());
	struct stat st;
	char buf[16];
	int fd;

	errno = 0;
	fd = open(p, O_RDWR | O_CREAT, 0644);
	if (fd < 0)
		return -1; /* step "create" */
	if (write(fd, "x", 1) != 1)
		return -2;
	if (fsync(fd))
		return -3;
	close(fd);
	if (stat(dir, &st))
		return -4;
	if (read_file(p, buf, sizeof(buf)) < 0)
		return -5;
	return 0;
}

int try_new_io(const char *dir, const char **which)
{
	int err = 0, rc = run_bounded(FAULT_WATCHDOG, new_io, (void *)dir, &err);

	*which = "";
	if (rc == BOUNDED_TIMEOUT)
		return -1;
	if (rc == BOUNDED_CRASH) {
		*which = "crashed";
		return EFAULT;
	}
	if (rc == 0)
		return 0;
	if (rc <= -1 && rc >= -5)
		*which = step_names[-rc - 1];
	return err ? err : EIO;
}

static int do_umount(void *arg)
{
	const char *mnt = arg;

	return umount2(mnt + 1, mnt[0] == 'l' ? MNT_DETACH : 0);
}

static int bounded_umount(const char *mnt, int lazy, int *err)
{
	char arg[4096];

	snprintf(arg, sizeof(arg), "%c%s", lazy ? 'l' : 'p', mnt);
	return run_bounded(FAULT_WATCHDOG, do_umount, arg, err);
}

void umount_tests(const char *mnt)
{
	int err = 0, rc;

	rc = bounded_umount(mnt, 0, &err);
	if (rc == BOUNDED_TIMEOUT) {
		tap_ok(0, "umount");
		tap_bail("umount %s did not return within %d s", mnt, FAULT_WATCHDOG);
	}
	if (rc == 0) {
		errno = 0;
		tap_ok(fs_type(mnt) != FUSE_SUPER_MAGIC_, "umount");
		tap_skip("umount_lazy", "plain umount worked");
		return;
	}
	if (err == EBUSY) {
		tap_skip("umount", "EBUSY: something still uses %s; umount -l is tested next",
			 mnt);
		rc = bounded_umount(mnt, 1, &err);
		if (rc == BOUNDED_TIMEOUT) {
			tap_ok(0, "umount_lazy");
			tap_bail("umount -l %s did not return within %d s", mnt,
				 FAULT_WATCHDOG);
		}
		errno = err;
		tap_ok(rc == 0, "umount_lazy");
		return;
	}
	errno = err;
	tap_ok(0, "umount");
	tap_skip("umount_lazy", "plain umount failed with %s, not EBUSY", strerror(err));
}

void diag_virtiofs_state(void)
{
	DIR *d = opendir("/sys/fs/virtiofs");
	struct dirent *de;

	if (!d)
		return;
	while ((de = readdir(d))) {
		char tag[128], state[64];

		if (de->d_name[0] == '.')
			continue;
		if (read_str_file(pathf("/sys/fs/virtiofs/%s/tag", de->d_name), tag,
				  sizeof(tag)))
			strcpy(tag, "?");
		if (read_str_file(pathf("/sys/fs/virtiofs/%s/state", de->d_name), state,
				  sizeof(state)))
			strcpy(state, "?");
		tap_diag("/sys/fs/virtiofs/%s: tag %s state %s", de->d_name, tag, state);
	}
	closedir(d);
}
