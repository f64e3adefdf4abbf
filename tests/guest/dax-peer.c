// SPDX-License-Identifier: GPL-2.0
/*
 * dax-peer a|b FILE: one half of the two-guest DAX test
 * (tests/dax/two-guests.sh).  Two guests, each with its own QEMU, daemon and
 * DAX window, mount the same host directory with -o dax and map FILE
 * MAP_SHARED.  With DAX both windows map the same host page cache pages, so
 * a store in one guest is a load away in the other: no request, no msync.
 *
 *   a: creates FILE, stores "A" at 0, waits to load "B" at 1 MiB (b's
 *      store), then stores "A saw B" at 8 KiB;
 *   b: waits for FILE, waits to load "A" at 0, stores "B" at 1 MiB, waits to
 *      load "A saw B" at 8 KiB.
 *
 * Every wait polls the mapping only, never read(2), and gives up after
 * PEER_WAIT seconds.
 */
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>

#include "tap.h"
#include "vfsutil.h"

#define PEER_LEN (4 << 20)
#define PEER_WAIT 240
#define OFF_A 0
#define OFF_B (1 << 20)
#define OFF_ACK (8 << 10)

static const char MSG_A[] = "A was here";
static const char MSG_B[] = "B was here";
static const char MSG_ACK[] = "A saw B";

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Polls the mapping until @msg appears at @off; 1 if it did in time. */
static int wait_for(const volatile char *map, size_t off, const char *msg)
{
	double start = now();
	size_t len = strlen(msg) + 1;

	while (now() - start < PEER_WAIT) {
		size_t i;

		for (i = 0; i < len && map[off + i] == msg[i]; i++)
			;
		if (i == len)
			return 1;
		usleep(20000);
	}
	return 0;
}

static void store(volatile char *map, size_t off, const char *msg)
{
	size_t i;

	for (i = 0; i <= strlen(msg); i++)
		map[off + i] = msg[i];
}

/* a creates the file; b waits until it has its full size. */
static int open_peer_file(const char *path, int creator)
{
	double start = now();
	struct stat st;
	int fd;

	if (creator) {
		fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
		if (fd >= 0 && ftruncate(fd, PEER_LEN) != 0) {
			close(fd);
			return -1;
		}
		return fd;
	}
	while (now() - start < PEER_WAIT) {
		if (stat(path, &st) == 0 && st.st_size == PEER_LEN)
			return open(path, O_RDWR);
		usleep(100000);
	}
	errno = ETIMEDOUT;
	return -1;
}

int main(int argc, char **argv)
{
	volatile char *map;
	int fd, a;

	if (argc != 3 || (strcmp(argv[1], "a") && strcmp(argv[1], "b"))) {
		fprintf(stderr, "usage: dax-peer a|b FILE\n");
		return 2;
	}
	a = !strcmp(argv[1], "a");
	tap_plan(3);
	tap_diag("dax-peer %s on %s", argv[1], argv[2]);

	fd = open_peer_file(argv[2], a);
	if (fd < 0)
		tap_bail("open %s: %s", argv[2], strerror(errno));
	map = mmap(NULL, PEER_LEN, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	errno = 0;
	if (!tap_ok(map != MAP_FAILED, "mmap_shared"))
		tap_bail("cannot map %s", argv[2]);

	if (a) {
		store(map, OFF_A, MSG_A);
		tap_ok(wait_for(map, OFF_B, MSG_B), "sees_peer_store_through_mmap");
		store(map, OFF_ACK, MSG_ACK);
		/* The file stays mapped until b has seen the ack, or gave up. */
		tap_ok(wait_for(map, OFF_B + 64, "done"), "peer_finished");
	} else {
		tap_ok(wait_for(map, OFF_A, MSG_A), "sees_peer_store_through_mmap");
		store(map, OFF_B, MSG_B);
		tap_ok(wait_for(map, OFF_ACK, MSG_ACK), "peer_sees_our_store");
		store(map, OFF_B + 64, "done");
	}
	munmap((void *)map, PEER_LEN);
	close(fd);
	return tap_exit();
}
