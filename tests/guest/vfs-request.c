// SPDX-License-Identifier: GPL-2.0
/*
 * vfs-request VERB [ARGS...]
 *
 * Asks the host harness to do something (see Documentation/guest-contract.rst)
 * and prints the reply text.  Exit status: 0 ok, 1 err, 2 no reply within
 * $VFS_REQUEST_TIMEOUT (default 30) seconds, 3 usage or local error.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "vfs_request.h"

int main(int argc, char **argv)
{
	char req[4096], reply[4096];
	size_t used = 0;
	int i, status;

	if (argc < 2) {
		fprintf(stderr, "usage: vfs-request VERB [ARGS...]\n");
		return 3;
	}
	req[0] = '\0';
	for (i = 1; i < argc; i++) {
		int n = snprintf(req + used, sizeof(req) - used, "%s%s",
				 i > 1 ? " " : "", argv[i]);

		if (n < 0 || (size_t)n >= sizeof(req) - used) {
			fprintf(stderr, "vfs-request: request too long\n");
			return 3;
		}
		used += n;
	}
	status = vfs_request(req, reply, sizeof(reply));
	switch (status) {
	case VFS_REPLY_OK:
	case VFS_REPLY_ERR:
		printf("%s\n", reply);
		return status;
	case VFS_REPLY_TIMEOUT:
		fprintf(stderr, "vfs-request: no reply to '%s'\n", req);
		return 2;
	default:
		fprintf(stderr, "vfs-request: %s\n", strerror(errno));
		return 3;
	}
}
