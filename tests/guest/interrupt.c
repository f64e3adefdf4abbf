// SPDX-License-Identifier: GPL-2.0
/*
 * interrupt: a READ or WRITE that the host never answers can be interrupted
 * (issue 13).
 *
 *   interrupt FILE    FILE is on a slow host mount inside the share
 *                     (tests/locks/slow_fs.cpp: it answers a read or a
 *                     write only with EINTR, once interrupted)
 *
 * A signal with a handler ends the read or write with EINTR, SIGKILL ends
 * the process, more blocked readers than vfsd has workers are all ended,
 * and other I/O on the mount is served meanwhile.  Needs FUSE_INTERRUPT:
 * our transport with vfsd (tests/locks/check.sh).  Every wait is bounded:
 * a read that is never ended fails the test instead of hanging it (the
 * stuck child is left behind; it cannot even be killed then).
 */
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/wait.h>
#include <time.h>

#include "tap.h"
#include "vfsutil.h"

#define BOUND_SECONDS 60
/* More than vfsd's thread pool (4): some READs queue behind blocked ones. */
#define READERS 6

static const char *SLOW;	/* the slow file */
static const char *D;		/* a scratch directory on the same mount */

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void on_alarm(int sig)
{
	(void)sig;
}

/* Child: one read (or write) of the slow file; exit 0 if it gave EINTR. */
static void blocked_io(bool write_it, bool with_alarm)
{
	struct sigaction sa = { .sa_handler = on_alarm };	/* no SA_RESTART */
	char buf[4096] = { 0 };
	int fd = open(SLOW, write_it ? O_WRONLY : O_RDONLY);
	ssize_t r;

	if (fd < 0 || sigaction(SIGALRM, &sa, NULL))
		_exit(2);
	if (with_alarm)
		alarm(1);
	r = write_it ? write(fd, buf, sizeof(buf)) : read(fd, buf, sizeof(buf));
	_exit(r == -1 && errno == EINTR ? 0 : 1);
}

/*
 * Waits for @pid at most BOUND_SECONDS; 0 and its status, or -1.  A child
 * still there is sent SIGKILL but not waited for: stuck in an uninterrupted
 * request, it would never be reaped.
 */
static int wait_bounded(pid_t pid, int *status)
{
	double end = now() + BOUND_SECONDS;

	while (now() < end) {
		if (waitpid(pid, status, WNOHANG) == pid)
			return 0;
		usleep(10000);
	}
	kill(pid, SIGKILL);
	return -1;
}

static pid_t start_child(bool write_it, bool with_alarm)
{
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid == 0)
		blocked_io(write_it, with_alarm);
	return pid;
}

/* Whether ordinary I/O on the mount still works (another file). */
static int other_io_works(const char *name)
{
	const char *p = pathf("%s/%s", D, name);
	char back[6] = { 0 };

	return write_file(p, "alive", 5) == 0 && read_file(p, back, 5) == 5 &&
	       !memcmp(back, "alive", 5);
}

static int interrupted_by_alarm(bool write_it)
{
	double t = now();
	int status;
	pid_t pid;

	CHECK((pid = start_child(write_it, true)) > 0, "fork");
	CHECK(wait_bounded(pid, &status) == 0, "the %s ends",
	      write_it ? "write" : "read");
	tap_diag("%s ended after %.2f s, status %#x", write_it ? "write" : "read",
		 now() - t, status);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "EINTR from SIGALRM");
	CHECK(other_io_works("after-alarm"), "other I/O afterwards");
	return TEST_PASS;
}

static int test_read_sigalrm(void)
{
	return interrupted_by_alarm(false);
}

static int test_write_sigalrm(void)
{
	return interrupted_by_alarm(true);
}

static int test_read_sigkill(void)
{
	int status;
	pid_t pid;

	CHECK((pid = start_child(false, false)) > 0, "fork");
	usleep(500000);
	CHECK(waitpid(pid, &status, WNOHANG) == 0, "the reader blocks");
	CHECK(other_io_works("beside-reader"), "other I/O while it blocks");
	CHECK(kill(pid, SIGKILL) == 0, "kill");
	CHECK(wait_bounded(pid, &status) == 0, "SIGKILL ends the read");
	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL, "killed");
	return TEST_PASS;
}

/*
 * More blocked readers than vfsd has workers: the READs that found no
 * worker are interrupted before they start (vfsd remembers the interrupt).
 */
static int test_many_readers(void)
{
	pid_t pid[READERS];
	int i, status, ended = 0;

	for (i = 0; i < READERS; i++)
		CHECK((pid[i] = start_child(false, false)) > 0, "fork");
	usleep(1000000);
	for (i = 0; i < READERS; i++)
		CHECK(waitpid(pid[i], &status, WNOHANG) == 0, "reader %d blocks", i);
	for (i = 0; i < READERS; i++)
		kill(pid[i], SIGKILL);
	for (i = 0; i < READERS; i++)
		if (wait_bounded(pid[i], &status) == 0 && WIFSIGNALED(status))
			ended++;
	tap_diag("%d of %d blocked readers ended by SIGKILL", ended, READERS);
	CHECK(ended == READERS, "every reader ended");
	CHECK(other_io_works("after-many"), "other I/O afterwards");
	return TEST_PASS;
}

static const struct tap_test tests[] = {
	{ "a blocked READ gives EINTR on SIGALRM", test_read_sigalrm },
	{ "a blocked WRITE gives EINTR on SIGALRM", test_write_sigalrm },
	{ "a blocked READ ends with SIGKILL; other I/O goes on", test_read_sigkill },
	{ "more blocked READs than workers all end", test_many_readers },
};

int main(int argc, char **argv)
{
	char *dir, *slash;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc != 2) {
		fprintf(stderr, "usage: interrupt FILE (on a slow host mount in the share)\n");
		return 2;
	}
	SLOW = argv[1];
	tap_plan(TAP_ARRAY_SIZE(tests) + 1);
	if (access("/sys/module/virtio_fs", F_OK) != 0)
		tap_bail("not our transport: nothing sends FUSE_INTERRUPT");
	if (!on_shared_fs(SLOW))
		tap_bail("%s is not on a virtio-fs mount", SLOW);
	/* The scratch directory sits beside the slow mount, in the share. */
	dir = strdup(SLOW);
	slash = strrchr(dir, '/');
	if (slash)
		*slash = 0;
	slash = strrchr(dir, '/');
	if (slash)
		*slash = 0;
	D = vfs_make_subdir(dir, "interrupt");
	tap_run_tests(tests, TAP_ARRAY_SIZE(tests));
	errno = 0;
	tap_ok(vfs_rmtree(D) == 0, "cleanup");
	free(dir);
	return tap_exit();
}
