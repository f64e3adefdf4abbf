// SPDX-License-Identifier: GPL-2.0
/* Guest side of the guest -> host request protocol (see vfs_request.h). */
#include "vfs_request.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define REQUEST_MARKER "@@VFS-REQUEST "
#define REPLY_MARKER "@@VFS-REPLY "

const char *vfs_request_status_name(int status)
{
	switch (status) {
	case VFS_REPLY_OK:
		return "ok";
	case VFS_REPLY_ERR:
		return "err";
	case VFS_REPLY_TIMEOUT:
		return "timeout";
	default:
		return "local error";
	}
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000;
}

/*
 * @line is one complete input line.  Returns the status if it is the reply
 * for @id (copying its text), -1 otherwise.
 */
static int parse_reply(const char *line, const char *id, char *reply,
		       size_t cap)
{
	const char *p = strstr(line, REPLY_MARKER);
	size_t idlen = strlen(id);
	int status;

	if (!p)
		return -1;
	p += strlen(REPLY_MARKER);
	if (strncmp(p, id, idlen) || p[idlen] != ' ')
		return -1;
	p += idlen + 1;
	if (!strncmp(p, "ok", 2) && (p[2] == ' ' || p[2] == '\0')) {
		status = VFS_REPLY_OK;
		p += 2;
	} else if (!strncmp(p, "err", 3) && (p[3] == ' ' || p[3] == '\0')) {
		status = VFS_REPLY_ERR;
		p += 3;
	} else {
		return -1;
	}
	if (*p == ' ')
		p++;
	if (reply && cap) {
		snprintf(reply, cap, "%s", p);
	}
	return status;
}

int vfs_request(const char *request, char *reply, size_t cap)
{
	static unsigned int counter;
	const char *dev = getenv("VFS_REQUEST_TTY");
	const char *tmo = getenv("VFS_REQUEST_TIMEOUT");
	long timeout_ms = 30000, deadline;
	struct termios saved, raw;
	char id[64], line[4096], *out;
	int fd, have_termios, status = VFS_REPLY_TIMEOUT, e;
	size_t used = 0;
	struct timespec ts;

	if (reply && cap)
		reply[0] = '\0';
	if (!dev || !*dev)
		dev = "/dev/ttyS0";
	if (tmo && atol(tmo) > 0)
		timeout_ms = atol(tmo) * 1000L;
	if (strchr(request, '\n')) {
		errno = EINVAL;
		return VFS_REQUEST_LOCAL_ERROR;
	}

	fd = open(dev, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return VFS_REQUEST_LOCAL_ERROR;

	/* Raw input without echo; output processing is left alone because
	 * the same tty is the console the test output goes to. */
	have_termios = tcgetattr(fd, &saved) == 0;
	if (have_termios) {
		raw = saved;
		raw.c_iflag &= ~(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR |
				 IGNCR | ICRNL | IXON | IXOFF);
		raw.c_lflag &= ~(ECHO | ECHONL | ICANON | ISIG | IEXTEN);
		raw.c_cc[VMIN] = 1;
		raw.c_cc[VTIME] = 0;
		if (tcsetattr(fd, TCSANOW, &raw))
			goto local_error;
		tcflush(fd, TCIFLUSH); /* stale replies of earlier requests */
	}

	clock_gettime(CLOCK_REALTIME, &ts);
	snprintf(id, sizeof(id), "%d-%lx-%u", (int)getpid(),
		 (unsigned long)(ts.tv_sec * 1000 + ts.tv_nsec / 1000000),
		 counter++);
	/* Leading newline: the request starts a line even if the console
	 * holds a partial one. */
	if (asprintf(&out, "\n" REQUEST_MARKER "%s %s\n", id, request) < 0)
		goto local_error;
	fflush(stdout);
	fflush(stderr);
	{
		size_t len = strlen(out), off = 0;

		while (off < len) {
			ssize_t n = write(fd, out + off, len - off);

			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				free(out);
				goto local_error;
			}
			off += n;
		}
	}
	free(out);
	if (have_termios)
		tcdrain(fd);

	deadline = now_ms() + timeout_ms;
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		long left = deadline - now_ms();
		char buf[256];
		ssize_t n, i;
		int rc;

		if (left <= 0)
			break;
		rc = poll(&p, 1, (int)left);
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc < 0)
			goto local_error;
		if (rc == 0)
			break;
		n = read(fd, buf, sizeof(buf));
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n < 0)
			goto local_error;
		if (n == 0) { /* hangup: nobody will answer */
			errno = EPIPE;
			goto local_error;
		}
		for (i = 0; i < n; i++) {
			if (buf[i] == '\n' || buf[i] == '\r') {
				line[used] = '\0';
				rc = parse_reply(line, id, reply, cap);
				used = 0;
				if (rc >= 0) {
					status = rc;
					goto done;
				}
			} else if (used < sizeof(line) - 1) {
				line[used++] = buf[i];
			}
		}
	}
done:
	if (have_termios)
		tcsetattr(fd, TCSANOW, &saved);
	close(fd);
	return status;

local_error:
	e = errno;
	if (have_termios)
		tcsetattr(fd, TCSANOW, &saved);
	close(fd);
	errno = e;
	return VFS_REQUEST_LOCAL_ERROR;
}

int vfs_requestf(char *reply, size_t cap, const char *fmt, ...)
{
	char req[4096];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(req, sizeof(req), fmt, ap);
	va_end(ap);
	return vfs_request(req, reply, cap);
}

int vfs_host_wait_line(const char *path, const char *want, int timeout_s)
{
	long deadline = now_ms() + timeout_s * 1000L;
	char reply[256];

	do {
		if (vfs_requestf(reply, sizeof(reply), "host-read %s", path) ==
			    VFS_REPLY_OK &&
		    !strcmp(reply, want))
			return 0;
		usleep(50000);
	} while (now_ms() < deadline);
	return -1;
}
