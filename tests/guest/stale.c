// SPDX-License-Identifier: GPL-2.0
/*
 * stale observe|mutate DIR: the staleness test's guest halves
 * (tests/vtable/staleness.sh runs them with a host mutator).
 *
 * DIR is a directory of the share, relative to it (the host script creates
 * DIR/a .. DIR/e and DIR/.ctl); the guest sees it at $VFS_MNT/DIR.  Steps
 * alternate between the host (odd) and the mutating guest (even); each
 * renames, chmods, truncates, appends to, or unlinks and recreates one
 * file.  For every step the observer
 *
 *   1. stats and reads the step's files, so whatever it caches is the old
 *      state, then writes "ready N" to DIR/.ctl/ready;
 *   2. waits for "changed N" in DIR/.ctl/changed (written by the mutator
 *      after its change returned);
 *   3. stats, lists (readdir of DIR) and reads again, and for a truncate
 *      or an append also reads through a descriptor opened before the
 *      change: anything but the new state is one stale observation.
 *
 * Control files are only ever read and written through the host
 * (host-read / host-write requests), never through the mount under test,
 * so the handshake itself cannot be fooled by the caches being tested.
 *
 * The observer prints the count; with "--expect fresh" it passes only when
 * it is 0, with "--expect stale" only when it is above 0 (cache=always: the
 * proof that the test can fail).
 */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>

#include "tap.h"
#include "vfs_request.h"
#include "vfsutil.h"

#define WAIT_SECONDS 300

enum change { RENAME, CHMOD, TRUNCATE, APPEND, RECREATE };

/* One step; "host" steps are done by tests/vtable/staleness.sh. */
struct step {
	enum change change;
	const char *gone;	/* must not exist afterwards, or NULL */
	const char *name;	/* must exist afterwards with: */
	mode_t mode;		/* these permission bits (0: any) */
	const char *content;	/* exactly this content */
};

/* Keep in sync with tests/vtable/staleness.sh (the host's odd steps). */
static const struct step steps[] = {
	{ RENAME, "a", "a2", 0, "alpha\n" },		/* 1 host */
	{ RENAME, "a2", "a3", 0, "alpha\n" },		/* 2 guest */
	{ CHMOD, NULL, "b", 0600, "bravo\n" },		/* 3 host */
	{ CHMOD, NULL, "b", 0640, "bravo\n" },		/* 4 guest */
	{ TRUNCATE, NULL, "c", 0, "char" },		/* 5 host */
	{ TRUNCATE, NULL, "c", 0, "ch" },		/* 6 guest */
	{ APPEND, NULL, "d", 0, "delta\nhost\n" },	/* 7 host */
	{ APPEND, NULL, "d", 0, "delta\nhost\nguest\n" }, /* 8 guest */
	{ RECREATE, NULL, "e", 0, "echo from the host\n" }, /* 9 host */
	{ RECREATE, NULL, "e", 0, "echo from a guest\n" }, /* 10 guest */
};

#define NSTEPS ((int)TAP_ARRAY_SIZE(steps))

static const char *dir;		/* relative to the share */
static char local[PATH_MAX];	/* $VFS_MNT/dir */

static const char *lpath(const char *name)
{
	return pathf("%s/%s", local, name);
}

static void say(const char *file, const char *what, int n)
{
	char reply[256];
	int rc = vfs_requestf(reply, sizeof(reply), "host-write %s/.ctl/%s %s %d",
			      dir, file, what, n);

	if (rc != VFS_REPLY_OK)
		tap_bail("host-write %s: %s %s", file,
			 vfs_request_status_name(rc), reply);
}

/* Waits until DIR/.ctl/FILE reads "WHAT N" on the host. */
static void wait_for(const char *file, const char *what, int n)
{
	char want[64];

	snprintf(want, sizeof(want), "%s %d", what, n);
	if (vfs_host_wait_line(pathf("%s/.ctl/%s", dir, file), want,
			       WAIT_SECONDS))
		tap_bail("no \"%s\" in .ctl/%s after %d s", want, file,
			 WAIT_SECONDS);
}

/* 1 if a readdir of DIR lists @name, 0 if not, -1 if it cannot list. */
static int listed(const char *name)
{
	DIR *d = opendir(local);
	struct dirent *de;
	int found = 0;

	if (!d)
		return -1;
	while (!found && (de = readdir(d)) != NULL)
		found = !strcmp(de->d_name, name);
	closedir(d);
	return found;
}

/* Looks at a step's files; returns 1 if they show the state after it. */
static int observe(const struct step *s, int quiet)
{
	char buf[256];
	struct stat st;
	ssize_t n;
	int fresh = 1;

	if (s->gone && stat(lpath(s->gone), &st) == 0) {
		if (!quiet)
			tap_diag("%s still exists", s->gone);
		fresh = 0;
	}
	if (s->gone && listed(s->gone) != 0) {
		if (!quiet)
			tap_diag("%s still listed", s->gone);
		fresh = 0;
	}
	if (listed(s->name) != 1) {
		if (!quiet)
			tap_diag("%s not listed", s->name);
		fresh = 0;
	}
	if (stat(lpath(s->name), &st) != 0) {
		if (!quiet)
			tap_diag("stat %s: %s", s->name, strerror(errno));
		return 0;
	}
	if (s->mode && (st.st_mode & 07777) != s->mode) {
		if (!quiet)
			tap_diag("%s has mode %o, expected %o", s->name,
				 st.st_mode & 07777, s->mode);
		fresh = 0;
	}
	if (st.st_size != (off_t)strlen(s->content)) {
		if (!quiet)
			tap_diag("%s has size %lld, expected %zu", s->name,
				 (long long)st.st_size, strlen(s->content));
		fresh = 0;
	}
	n = read_file(lpath(s->name), buf, sizeof(buf) - 1);
	buf[n < 0 ? 0 : n] = '\0';
	if (strcmp(buf, s->content)) {
		if (!quiet)
			tap_diag("%s reads \"%s\"", s->name, buf);
		fresh = 0;
	}
	return fresh;
}

/*
 * A truncate or append keeps the inode: a descriptor opened before the
 * change must read the new content.  1 if it does (or does not apply).
 */
static int held_fresh(const struct step *s, int fd)
{
	char buf[256];
	ssize_t n;

	if (s->change != TRUNCATE && s->change != APPEND)
		return 1;
	n = pread(fd, buf, sizeof(buf) - 1, 0);
	buf[n < 0 ? 0 : n] = '\0';
	if (!strcmp(buf, s->content))
		return 1;
	tap_diag("%s through a descriptor opened before: \"%s\"", s->name, buf);
	return 0;
}

static int run_observer(int expect_stale)
{
	int stale = 0;
	int i;

	tap_plan(NSTEPS + 1);
	for (i = 0; i < NSTEPS; i++) {
		const struct step *s = &steps[i];
		int fresh;

		int fd;

		observe(i ? &steps[i - 1] : s, 1);	/* cache the old state */
		observe(s, 1);
		fd = open(lpath(s->name), O_RDONLY);
		say("ready", "ready", i + 1);
		wait_for("changed", "changed", i + 1);
		fresh = observe(s, 0);
		if (fd >= 0) {
			fresh = held_fresh(s, fd) && fresh;
			close(fd);
		}
		stale += !fresh;
		/* With cache=always staleness is the expected outcome. */
		tap_ok(fresh || expect_stale,
		       pathf("step %d (%s, by the %s): %s", i + 1, s->name,
			     i % 2 ? "other guest" : "host",
			     fresh ? "fresh" : "STALE"));
	}
	tap_diag("stale observations: %d of %d", stale, NSTEPS);
	tap_ok(expect_stale ? stale > 0 : stale == 0,
	       expect_stale ? "stale observations > 0 (the test can fail)" :
			      "stale observations == 0");
	return tap_exit();
}

static int mutate(const struct step *s)
{
	const char *path = lpath(s->name);
	int fd, err = 0;

	switch (s->change) {
	case RENAME:
		return rename(lpath(s->gone ? s->gone : s->name), path);
	case CHMOD:
		return chmod(path, s->mode);
	case TRUNCATE:
		return truncate(path, strlen(s->content));
	case APPEND:
	case RECREATE:
		if (s->change == RECREATE && unlink(path))
			return -1;
		fd = open(path, O_WRONLY | O_CREAT |
			  (s->change == APPEND ? O_APPEND : O_EXCL), 0644);
		if (fd < 0)
			return -1;
		if (s->change == APPEND)
			err = write_all(fd, "guest\n", 6);
		else
			err = write_all(fd, s->content, strlen(s->content));
		close(fd);
		return err;
	}
	return -1;
}

static int run_mutator(void)
{
	int i;

	tap_plan(NSTEPS / 2);
	for (i = 1; i < NSTEPS; i += 2) {
		int failed;

		wait_for("ready", "ready", i + 1);
		failed = mutate(&steps[i]) != 0;
		if (failed)
			tap_diag("step %d: %s", i + 1, strerror(errno));
		tap_ok(!failed, pathf("step %d: change %s", i + 1,
				      steps[i].name));
		say("changed", "changed", i + 1);
	}
	return tap_exit();
}

int main(int argc, char **argv)
{
	const char *mnt = getenv("VFS_MNT") ? getenv("VFS_MNT") : "/mnt";
	int expect_stale = 0;

	if (argc == 5 && !strcmp(argv[3], "--expect"))
		expect_stale = !strcmp(argv[4], "stale");
	if ((argc != 3 && argc != 5) ||
	    (strcmp(argv[1], "observe") && strcmp(argv[1], "mutate"))) {
		fprintf(stderr, "usage: stale observe|mutate DIR [--expect fresh|stale]\n");
		return 2;
	}
	dir = argv[2];
	snprintf(local, sizeof(local), "%s/%s", mnt, dir);
	return strcmp(argv[1], "observe") ? run_mutator() : run_observer(expect_stale);
}
