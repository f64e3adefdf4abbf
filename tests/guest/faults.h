/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared by daemon-kill and device-remove: background I/O that is expected
 * to start failing, bounded follow-up I/O and the final unmount.  Nothing
 * here blocks the calling process on the file system: everything that may
 * hang runs in a child bounded by a watchdog.
 */
#ifndef VFS_FAULTS_H
#define VFS_FAULTS_H

#include <sys/types.h>

#define FAULT_WATCHDOG 60 /* seconds any single step may take */

struct io_loop {
	pid_t pid;
	int fd; /* read end of the child's report pipe */
	int started;
};

/*
 * Forks a child that loops on @path (which must exist and hold at least
 * 64 KiB): pwrite+pread of 4 KiB (@write=1) or pread only, until a call fails.
 */
int io_loop_start(struct io_loop *l, const char *path, int write);
/* 0 once the first iteration is done, -1 if it failed or took @timeout_s. */
int io_loop_wait_running(struct io_loop *l, int timeout_s);
/*
 * Waits up to @timeout_s for the loop to hit an error.  Returns the errno it
 * failed with (> 0); -1 on timeout (the child is SIGKILLed and left behind,
 * it may be stuck in the kernel); -2 if it ended otherwise (*@what says how).
 */
int io_loop_wait_failed(struct io_loop *l, int timeout_s, long *iterations,
			char *what, size_t cap);
void io_loop_kill(struct io_loop *l);

/*
 * New I/O under @dir in a bounded child: create, write, fsync, stat, read.
 * Returns the errno of the first failing call, 0 if all worked, -1 on
 * timeout.  *@which names the failing call.
 */
int try_new_io(const char *dir, const char **which);

/*
 * Reports two TAP tests, "umount" and "umount_lazy", for @mnt: plain umount
 * must work; if it fails with EBUSY that test is skipped and umount -l must
 * work instead.  Bails out if either does not return within the watchdog.
 */
void umount_tests(const char *mnt);

/* Dumps /sys/fs/virtiofs/<dev>/state for diagnostics, if present. */
void diag_virtiofs_state(void);

#endif /* VFS_FAULTS_H */
