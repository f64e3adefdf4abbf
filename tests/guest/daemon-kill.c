// SPDX-License-Identifier: GPL-2.0
/*
 * daemon-kill [DIR]: the host daemon dies while the guest does I/O.  Run with
 * the mount option request_timeout=5 (our module): requests to a dead daemon
 * must fail with an error instead of hanging, and the mount must go away.
 *
 * Every step that could hang runs in a child bounded to 60 s; a step that
 * does not return is reported "not ok" and the run ends with "Bail out!".
 * $VFS_MNT (default /mnt) is the mount unmounted at the end.
 */
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>

#include "faults.h"
#include "tap.h"
#include "vfs_request.h"
#include "vfsutil.h"

#define NTESTS 8

static int setup_file(const char *p)
{
	const size_t len = 1 << 20;
	char *buf = malloc(len), *back = malloc(len);
	int fd, ok;

	if (!buf || !back)
		return 0;
	fill_pattern(buf, len, 0, 5);
	fd = open(p, O_RDWR | O_CREAT | O_TRUNC, 0644);
	ok = fd >= 0 && pwrite_all(fd, buf, len, 0) == 0 && fsync(fd) == 0 &&
	     pread_all(fd, back, len, 0) == 0 && !memcmp(buf, back, len);
	if (fd >= 0)
		close(fd);
	free(buf);
	free(back);
	return ok;
}

int main(int argc, char **argv)
{
	const char *base = vfs_base_dir(argc, argv), *root = vfs_mount_root();
	char rroot[PATH_MAX], rbase[PATH_MAX], reply[512], what[64];
	const char *file, *which;
	struct io_loop loop;
	long iterations;
	char *dir;
	int rc;

	tap_plan(NTESTS);
	tap_diag("daemon-kill in %s, mount %s, transport %s", base, root,
		 getenv("VFS_TRANSPORT") ? getenv("VFS_TRANSPORT") : "(unset)");
	if (fs_type(base) != FUSE_SUPER_MAGIC_)
		tap_bail("%s is not on a virtio-fs (fuse) mount", base);
	if (!realpath(root, rroot) || !realpath(base, rbase) ||
	    strncmp(rbase, rroot, strlen(rroot)))
		tap_bail("%s is not inside the mount %s ($VFS_MNT)", base, root);
	diag_virtiofs_state();

	/* 1: the mount works before anything happens */
	dir = vfs_make_subdir(base, "daemon-kill");
	file = pathf("%s/busy", dir);
	errno = 0;
	tap_ok(setup_file(file), "io_before_kill");

	/* 2: I/O running in the background */
	if (io_loop_start(&loop, file, 1))
		tap_bail("fork: %s", strerror(errno));
	if (!tap_ok(io_loop_wait_running(&loop, FAULT_WATCHDOG) == 0, "io_running")) {
		io_loop_kill(&loop);
		tap_bail("no I/O loop, not killing the daemon");
	}

	/* 3: kill the daemon */
	rc = vfs_request("kill-daemon", reply, sizeof(reply));
	if (rc != VFS_REPLY_OK) {
		tap_diag("kill-daemon: %s %s", vfs_request_status_name(rc),
			 rc == VFS_REQUEST_LOCAL_ERROR ? strerror(errno) : reply);
		errno = 0;
		tap_ok(0, "kill_daemon");
		io_loop_kill(&loop);
		tap_bail("the harness did not kill the daemon");
	}
	errno = 0;
	tap_ok(1, "kill_daemon");

	/* 4: the in-flight I/O ends with an error */
	rc = io_loop_wait_failed(&loop, FAULT_WATCHDOG, &iterations, what,
				 sizeof(what));
	if (rc == -1) {
		errno = 0;
		tap_diag("background I/O still blocked %d s after the kill", FAULT_WATCHDOG);
		tap_ok(0, "inflight_io_fails");
		diag_virtiofs_state();
		tap_bail("I/O hangs after the daemon died");
	}
	if (rc > 0)
		tap_diag("background I/O: %s failed with %s after %ld iterations", what,
			 strerror(rc), iterations);
	else
		tap_diag("background I/O: %s", what);
	errno = 0;
	tap_ok(rc > 0, "inflight_io_fails");
	diag_virtiofs_state();

	/* 5: new I/O fails too, promptly */
	rc = try_new_io(dir, &which);
	if (rc == -1) {
		errno = 0;
		tap_ok(0, "new_io_fails");
		tap_bail("new I/O blocked for %d s after the daemon died", FAULT_WATCHDOG);
	}
	if (rc > 0)
		tap_diag("new I/O: %s failed with %s", which, strerror(rc));
	errno = 0;
	tap_ok(rc > 0, "new_io_fails");

	/* 6: a second look, metadata only */
	{
		int err = 0;

		rc = try_new_io(base, &which);
		if (rc == -1) {
			tap_ok(0, "io_on_mount_root_fails");
			tap_bail("I/O on %s blocked for %d s", base, FAULT_WATCHDOG);
		}
		err = rc;
		if (err > 0)
			tap_diag("I/O on %s: %s failed with %s", base, which, strerror(err));
		errno = 0;
		tap_ok(err > 0, "io_on_mount_root_fails");
	}

	/* 7, 8: the mount can be taken down */
	umount_tests(root);
	free(dir);
	return tap_exit();
}
