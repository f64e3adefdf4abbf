/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Guest -> host requests over the serial console, see
 * Documentation/guest-contract.rst:
 *
 *   guest:  @@VFS-REQUEST <id> <verb> [args...]
 *   host:   @@VFS-REPLY <id> <ok|err> [text]
 *
 * The tty is $VFS_REQUEST_TTY (default /dev/ttyS0), the reply timeout
 * $VFS_REQUEST_TIMEOUT seconds (default 30).
 */
#ifndef VFS_REQUEST_H
#define VFS_REQUEST_H

#include <stddef.h>

enum {
	VFS_REPLY_OK = 0,
	VFS_REPLY_ERR = 1,
	VFS_REPLY_TIMEOUT = 2,
	VFS_REQUEST_LOCAL_ERROR = 3, /* could not open/use the tty; errno set */
};

/*
 * Sends "<verb> <args>" (already joined, one line) and waits for the reply.
 * The reply text (possibly empty) is copied to @reply (@cap bytes).
 * Returns one of the values above.
 */
int vfs_request(const char *request, char *reply, size_t cap);

/* printf-style convenience wrapper around vfs_request(). */
int vfs_requestf(char *reply, size_t cap, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * Polls the first line of SHARED/@path through the host (host-read, never
 * a guest mount) until it equals @want: 0, or -1 after @timeout_s seconds.
 * With host-write, a handshake between guests and a host script that the
 * caches of the mounts under test cannot disturb.
 */
int vfs_host_wait_line(const char *path, const char *want, int timeout_s);

/* "ok", "err", "timeout" or "local error". */
const char *vfs_request_status_name(int status);

#endif /* VFS_REQUEST_H */
