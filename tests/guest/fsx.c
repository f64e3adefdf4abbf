// SPDX-License-Identifier: GPL-2.0
/*
 * fsx: a file system exerciser in the spirit of the classic fsx, written
 * for this project (fsx and fsstress are not packaged in Debian 12).
 *
 *   fsx [-n OPS] [-l MAXLEN] [-o MAXOPLEN] [-k VERIFY_EVERY] [-s SEED] FILE...
 *
 * Every FILE is exercised by its own forked child, all at once.  A child
 * creates (truncates) its file and performs OPS random operations on it,
 * applying each one to an in-memory shadow copy as well:
 *
 *   read      pread of a random range (sometimes running past EOF)
 *   write     pwrite of a random range, extending the file
 *   mapread   MAP_SHARED read of a random range inside EOF
 *   mapwrite  MAP_SHARED write (ftruncate up first if it ends past EOF),
 *             sometimes followed by msync
 *   truncate  ftruncate up or down
 *   falloc    fallocate(0): allocates, may extend the file
 *   punch     fallocate(PUNCH_HOLE|KEEP_SIZE)
 *   fsync     fsync or fdatasync
 *   reopen    close and open again
 *
 * Ranges are a mix of small unaligned, large, page-aligned and ones that
 * straddle a 2 MiB boundary (the DAX range size).  The whole file (size and
 * contents) is verified every VERIFY_EVERY ops, alternately through pread
 * and a read-only MAP_SHARED mapping, and at the end.  fallocate modes
 * that fail with EOPNOTSUPP are dropped from the op mix, and so are the
 * mmap ops if MAP_SHARED fails with ENODEV (a FOPEN_DIRECT_IO file: cache
 * none without DAX).
 *
 * Data written by op number K at file offset O is
 *   (K % 255 + 1 + O + (O >> 8) + (O >> 16)) & 0xff
 * so a misplaced page or 2 MiB range never looks right, and a bad byte
 * tells which op (mod 255) wrote it.  On the first mismatch a child prints
 * the offset of the first bad byte, a hex dump and the last 20 ops, and
 * stops.  The run is deterministic for a given SEED (default 1; 0 picks one
 * from the clock): file I gets its own stream derived from SEED and I.
 *
 * TAP: "fsx file N: OPS ops" per FILE (fails on wrong data, an unexpected
 * syscall error or a crash), then "no_wrong_data" (fails only if some file
 * read back data that differs from the shadow).  Files are removed when
 * their run passed and kept for inspection otherwise.
 */
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#include "tap.h"
#include "vfsutil.h"

#define MiB (1024UL * 1024)
#define BOUNDARY (2 * MiB)
#define LOG_LEN 20

enum op_type {
	OP_READ,
	OP_WRITE,
	OP_MAPREAD,
	OP_MAPWRITE,
	OP_TRUNCATE,
	OP_FALLOC,
	OP_PUNCH,
	OP_FSYNC,
	OP_REOPEN,
	OP_VERIFY,
	OP_NR,
};

static const char *const op_names[OP_NR] = {
	[OP_READ] = "read",	    [OP_WRITE] = "write",
	[OP_MAPREAD] = "mapread",   [OP_MAPWRITE] = "mapwrite",
	[OP_TRUNCATE] = "truncate", [OP_FALLOC] = "falloc",
	[OP_PUNCH] = "punch",	    [OP_FSYNC] = "fsync",
	[OP_REOPEN] = "reopen",	    [OP_VERIFY] = "verify",
};

/* Relative frequency of each op type (OP_VERIFY is scheduled, not drawn). */
static const int op_weights[OP_NR] = {
	[OP_READ] = 20,	    [OP_WRITE] = 20, [OP_MAPREAD] = 10,
	[OP_MAPWRITE] = 10, [OP_TRUNCATE] = 6, [OP_FALLOC] = 4,
	[OP_PUNCH] = 4,	    [OP_FSYNC] = 3,  [OP_REOPEN] = 3,
};

/* Op flags, shown in the log. */
#define F_MSYNC 0x1  /* mapwrite: msync(MS_SYNC) before munmap */
#define F_EXTEND 0x2 /* mapwrite: ftruncate up first */
#define F_PASTEOF 0x4 /* read: range runs past EOF */
#define F_DATASYNC 0x8 /* fsync: fdatasync */
#define F_MMAP 0x10 /* verify: through a mapping */

struct log_ent {
	long n;
	int op;
	int flags;
	uint64_t off, len;
	uint64_t size_before, size_after;
};

/* Per-file result, in a shared anonymous mapping written by the child. */
enum { RES_RUNNING, RES_OK, RES_WRONG_DATA, RES_ERROR };
struct result {
	int status;
	long ops_done;
};

struct fsx {
	int idx;
	const char *path;
	int fd;
	uint8_t *good; /* shadow: maxlen bytes, zero past size */
	uint8_t *buf;  /* scratch: maxlen bytes */
	uint64_t size;
	uint64_t rng;
	long opnum; /* 1-based number of the current op */
	bool no_falloc, no_punch, no_mmap;
	struct log_ent log[LOG_LEN];
	long nlog;
	struct result *res;
};

static long opt_ops = 1000;
static uint64_t opt_maxlen = 256 * 1024;
static uint64_t opt_maxoplen; /* default: min(maxlen, 1 MiB) */
static long opt_verify_every = 250;
static uint64_t opt_seed = 1;
static uint64_t page_size;

/* splitmix64: small, fast, and the same everywhere. */
static uint64_t rnd(struct fsx *f)
{
	uint64_t z = (f->rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Uniform in [0, n); n > 0. */
static uint64_t rnd_below(struct fsx *f, uint64_t n)
{
	return rnd(f) % n;
}

static inline uint8_t pattern_byte(long opnum, uint64_t off)
{
	return (uint8_t)(opnum % 255 + 1 + off + (off >> 8) + (off >> 16));
}

static void fill(uint8_t *p, long opnum, uint64_t off, uint64_t len)
{
	uint64_t i;

	for (i = 0; i < len; i++)
		p[i] = pattern_byte(opnum, off + i);
}

/*
 * One diagnostic block, written with a single write(2) so that the output
 * of concurrent children does not interleave within it.
 */
struct msg {
	char buf[4000];
	size_t len;
};

static __attribute__((format(printf, 2, 3))) void
msg_add(struct msg *m, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (m->len >= sizeof(m->buf) - 1)
		return;
	m->buf[m->len++] = '#';
	m->buf[m->len++] = ' ';
	va_start(ap, fmt);
	n = vsnprintf(m->buf + m->len, sizeof(m->buf) - m->len, fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	m->len += n;
	if (m->len > sizeof(m->buf) - 2)
		m->len = sizeof(m->buf) - 2;
	m->buf[m->len++] = '\n';
}

static void msg_flush(struct msg *m)
{
	size_t done = 0;

	while (done < m->len) {
		ssize_t n = write(STDOUT_FILENO, m->buf + done, m->len - done);

		if (n <= 0)
			break;
		done += n;
	}
	m->len = 0;
}

static __attribute__((format(printf, 2, 3))) void
fdiag(struct fsx *f, const char *fmt, ...)
{
	struct msg m = { .len = 0 };
	char line[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	msg_add(&m, "file %d: %s", f->idx, line);
	msg_flush(&m);
}

static struct log_ent *log_op(struct fsx *f, int op, uint64_t off,
			      uint64_t len)
{
	struct log_ent *e = &f->log[f->nlog++ % LOG_LEN];

	e->n = f->opnum;
	e->op = op;
	e->flags = 0;
	e->off = off;
	e->len = len;
	e->size_before = f->size;
	e->size_after = f->size;
	return e;
}

static void format_ent(char *s, size_t cap, const struct log_ent *e)
{
	int n;

	n = snprintf(s, cap, "%6ld %-8s", e->n, op_names[e->op]);
	switch (e->op) {
	case OP_READ:
	case OP_WRITE:
	case OP_MAPREAD:
	case OP_MAPWRITE:
	case OP_FALLOC:
	case OP_PUNCH:
		n += snprintf(s + n, cap - n,
			      " 0x%" PRIx64 " thru 0x%" PRIx64 " (0x%" PRIx64
			      " bytes)",
			      e->off, e->off + e->len - 1, e->len);
		break;
	case OP_TRUNCATE:
		n += snprintf(s + n, cap - n, " to 0x%" PRIx64, e->off);
		break;
	default:
		break;
	}
	if (e->size_before != e->size_after)
		n += snprintf(s + n, cap - n, " size 0x%" PRIx64 " -> 0x%" PRIx64,
			      e->size_before, e->size_after);
	else
		n += snprintf(s + n, cap - n, " size 0x%" PRIx64,
			      e->size_before);
	snprintf(s + n, cap - n, "%s%s%s%s%s",
		 e->flags & F_MSYNC ? " msync" : "",
		 e->flags & F_EXTEND ? " extend" : "",
		 e->flags & F_PASTEOF ? " past-eof" : "",
		 e->flags & F_DATASYNC ? " datasync" : "",
		 e->flags & F_MMAP ? " mmap" : "");
}

static void add_log(struct fsx *f, struct msg *m)
{
	long first = f->nlog > LOG_LEN ? f->nlog - LOG_LEN : 0;
	char line[256];
	long i;

	msg_add(m, "last %ld ops (op: data byte at O = (op %% 255 + 1 + O + "
		   "(O >> 8) + (O >> 16)) & 0xff):", f->nlog - first);
	for (i = first; i < f->nlog; i++) {
		format_ent(line, sizeof(line), &f->log[i % LOG_LEN]);
		msg_add(m, "  %s", line);
	}
}

/* Unexpected syscall failure: report with the op log, stop this file. */
static __attribute__((noreturn, format(printf, 2, 3))) void
fail_error(struct fsx *f, const char *fmt, ...)
{
	struct msg m = { .len = 0 };
	char what[512];
	int e = errno;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	msg_add(&m, "file %d (%s): op %ld: %s: errno %d (%s)", f->idx, f->path,
		f->opnum, what, e, strerror(e));
	add_log(f, &m);
	msg_flush(&m);
	f->res->status = RES_ERROR;
	_exit(2);
}

/* Which op wrote byte @b at @off: its number mod 255, or -1 for none. */
static int writer_of(uint8_t b, uint64_t off)
{
	int v = (uint8_t)(b - (uint8_t)(off + (off >> 8) + (off >> 16)));

	return v ? v - 1 : -1;
}

/*
 * Compares @len bytes read at file offset @off (@got) with the shadow;
 * on a mismatch reports it and stops this file.
 */
static void check_data(struct fsx *f, const uint8_t *got, uint64_t off,
		       uint64_t len, const char *how)
{
	const uint8_t *want = f->good + off;
	struct msg m = { .len = 0 };
	uint64_t i, bad, run, nbad = 0;
	char hex_want[64], hex_got[64];
	int w;

	if (!memcmp(got, want, len))
		return;
	for (i = 0; i < len && got[i] == want[i]; i++)
		;
	bad = i;
	for (run = 0; bad + run < len && got[bad + run] != want[bad + run];
	     run++)
		;
	for (i = bad; i < len; i++)
		nbad += got[i] != want[i];
	for (i = 0; i < 16 && bad + i < len; i++) {
		snprintf(hex_want + 3 * i, 4, "%02x ", want[bad + i]);
		snprintf(hex_got + 3 * i, 4, "%02x ", got[bad + i]);
	}
	msg_add(&m, "file %d (%s): WRONG DATA after op %ld (%s of 0x%" PRIx64
		" thru 0x%" PRIx64 ")",
		f->idx, f->path, f->opnum, how, off, off + len - 1);
	msg_add(&m, "first bad byte at offset 0x%" PRIx64 " (%" PRIu64
		"; 2 MiB range %" PRIu64 " + 0x%" PRIx64 ", page + 0x%" PRIx64
		"), bad run 0x%" PRIx64 " bytes, %" PRIu64 " bad bytes in all",
		off + bad, off + bad, (off + bad) / BOUNDARY,
		(off + bad) % BOUNDARY, (off + bad) % page_size, run, nbad);
	msg_add(&m, "expected: %s", hex_want);
	msg_add(&m, "got:      %s", hex_got);
	w = writer_of(got[bad], off + bad);
	if (w >= 0)
		msg_add(&m, "bad byte 0x%02x looks written by an op whose number "
			    "%% 255 == %d (expected 0x%02x: op %% 255 == %d)",
			got[bad], w, want[bad], writer_of(want[bad], off + bad));
	else
		msg_add(&m, "bad byte 0x%02x was not written at this offset by "
			    "any op (zero fill or data of another offset)",
			got[bad]);
	msg_add(&m, "size 0x%" PRIx64 ", seed %" PRIu64 ", %ld ops", f->size,
		opt_seed, opt_ops);
	add_log(f, &m);
	msg_flush(&m);
	f->res->status = RES_WRONG_DATA;
	_exit(1);
}

static uint64_t pick_len(struct fsx *f, uint64_t limit)
{
	uint64_t max = opt_maxoplen < limit ? opt_maxoplen : limit;
	uint64_t len;

	switch (rnd_below(f, 8)) {
	case 0:
	case 1:
	case 2: /* small, unaligned */
		len = 1 + rnd_below(f, 600);
		break;
	case 3: /* page multiple */
		len = page_size * (1 + rnd_below(f, 16));
		break;
	default: /* anything up to the maximum */
		len = 1 + rnd_below(f, max);
		break;
	}
	return len < max ? len : max;
}

/* A range [off, off + len) inside [0, limit), limit > 0. */
static void pick_range(struct fsx *f, uint64_t limit, uint64_t *offp,
		       uint64_t *lenp)
{
	uint64_t len = pick_len(f, limit), off;

	switch (rnd_below(f, 4)) {
	case 0: /* page-aligned start */
		off = rnd_below(f, limit - len + 1) & ~(uint64_t)(page_size - 1);
		break;
	case 1: /* straddling a 2 MiB boundary, if there is one */
		if (limit > BOUNDARY && len > 1) {
			uint64_t b = BOUNDARY * (1 + rnd_below(f, (limit - 1) /
							      BOUNDARY));
			uint64_t back = 1 + rnd_below(f, len - 1 < b ?
							   len - 1 : b);

			off = b - back;
			if (off + len > limit)
				off = limit - len;
			break;
		}
		/* fall through */
	default: /* anywhere */
		off = rnd_below(f, limit - len + 1);
		break;
	}
	*offp = off;
	*lenp = len;
}

static void set_size(struct fsx *f, uint64_t newsize)
{
	if (newsize < f->size)
		memset(f->good + newsize, 0, f->size - newsize);
	f->size = newsize;
}

static void do_read(struct fsx *f)
{
	uint64_t off, len, want, done = 0;
	uint64_t limit = f->size;
	struct log_ent *e;
	int flags = 0;

	if (!rnd_below(f, 8)) {
		/* run past EOF: expect a short read */
		limit = f->size + opt_maxoplen;
		if (limit > opt_maxlen)
			limit = opt_maxlen;
		flags = F_PASTEOF;
	}
	if (!limit)
		return;
	pick_range(f, limit, &off, &len);
	e = log_op(f, OP_READ, off, len);
	e->flags = flags;
	want = off >= f->size ? 0 :
	       (off + len > f->size ? f->size - off : len);
	while (done < len) {
		ssize_t n = pread(f->fd, f->buf + done, len - done, off + done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			fail_error(f, "pread 0x%" PRIx64 " len 0x%" PRIx64,
				   off + done, len - done);
		if (n == 0)
			break;
		done += n;
	}
	if (done != want) {
		errno = 0;
		fail_error(f, "pread 0x%" PRIx64 " len 0x%" PRIx64
			   " returned 0x%" PRIx64 " bytes, expected 0x%" PRIx64
			   " (file size 0x%" PRIx64 ")",
			   off, len, done, want, f->size);
	}
	check_data(f, f->buf, off, done, "pread");
}

static void do_write(struct fsx *f)
{
	uint64_t off, len;

	pick_range(f, opt_maxlen, &off, &len);
	log_op(f, OP_WRITE, off, len);
	fill(f->buf, f->opnum, off, len);
	if (pwrite_all(f->fd, f->buf, len, off))
		fail_error(f, "pwrite 0x%" PRIx64 " len 0x%" PRIx64, off, len);
	memcpy(f->good + off, f->buf, len);
	if (off + len > f->size) {
		f->size = off + len;
		f->log[(f->nlog - 1) % LOG_LEN].size_after = f->size;
	}
}

/*
 * mmap of a file opened with FOPEN_DIRECT_IO (cache=none without DAX) fails
 * with ENODEV: the mmap ops are then dropped, like unsupported fallocate.
 */
static void *map_file(struct fsx *f, uint64_t start, uint64_t len, int prot)
{
	void *p = mmap(NULL, len, prot, MAP_SHARED, f->fd, start);

	if (p != MAP_FAILED)
		return p;
	if (errno == ENODEV) {
		fdiag(f, "mmap MAP_SHARED: ENODEV (direct I/O?), mmap ops dropped");
		f->no_mmap = true;
		return NULL;
	}
	fail_error(f, "mmap 0x%" PRIx64 " len 0x%" PRIx64, start, len);
}

static void *map_range(struct fsx *f, uint64_t off, uint64_t len, int prot,
		       uint64_t *delta, uint64_t *maplen)
{
	uint64_t start = off & ~(uint64_t)(page_size - 1);

	*delta = off - start;
	*maplen = off + len - start;
	return map_file(f, start, *maplen, prot);
}

static void do_mapread(struct fsx *f)
{
	uint64_t off, len, delta, maplen;
	uint8_t *p;

	if (!f->size || f->no_mmap)
		return;
	pick_range(f, f->size, &off, &len);
	log_op(f, OP_MAPREAD, off, len);
	p = map_range(f, off, len, PROT_READ, &delta, &maplen);
	if (!p)
		return;
	/* compare straight from the mapping: a second copy hides nothing */
	check_data(f, p + delta, off, len, "mmap read");
	if (munmap(p, maplen))
		fail_error(f, "munmap");
}

static void do_mapwrite(struct fsx *f)
{
	uint64_t off, len, delta, maplen;
	struct log_ent *e;
	uint8_t *p;

	if (f->no_mmap)
		return;
	pick_range(f, opt_maxlen, &off, &len);
	e = log_op(f, OP_MAPWRITE, off, len);
	if (off + len > f->size) {
		e->flags |= F_EXTEND;
		if (ftruncate(f->fd, off + len))
			fail_error(f, "ftruncate 0x%" PRIx64 " (mapwrite)",
				   off + len);
		f->size = off + len;
		e->size_after = f->size;
	}
	p = map_range(f, off, len, PROT_READ | PROT_WRITE, &delta, &maplen);
	if (!p)
		return; /* the file was extended all the same */
	fill(f->good + off, f->opnum, off, len);
	memcpy(p + delta, f->good + off, len);
	if (!rnd_below(f, 2)) {
		e->flags |= F_MSYNC;
		if (msync(p, maplen, MS_SYNC))
			fail_error(f, "msync");
	}
	if (munmap(p, maplen))
		fail_error(f, "munmap");
}

static void do_truncate(struct fsx *f)
{
	uint64_t newsize;
	struct log_ent *e;

	switch (rnd_below(f, 4)) {
	case 0: /* near a 2 MiB boundary */
		newsize = BOUNDARY * rnd_below(f, opt_maxlen / BOUNDARY + 1);
		newsize += rnd_below(f, 2 * page_size + 1);
		newsize = newsize > page_size ? newsize - page_size : 0;
		break;
	case 1: /* a little up or down */
		newsize = f->size + rnd_below(f, 2 * opt_maxoplen + 1);
		newsize = newsize > opt_maxoplen ? newsize - opt_maxoplen : 0;
		break;
	default:
		newsize = rnd_below(f, opt_maxlen + 1);
		break;
	}
	if (newsize > opt_maxlen)
		newsize = opt_maxlen;
	e = log_op(f, OP_TRUNCATE, newsize, 0);
	if (ftruncate(f->fd, newsize))
		fail_error(f, "ftruncate 0x%" PRIx64, newsize);
	set_size(f, newsize);
	e->size_after = f->size;
}

static void do_falloc(struct fsx *f)
{
	uint64_t off, len;
	struct log_ent *e;

	if (f->no_falloc)
		return;
	pick_range(f, opt_maxlen, &off, &len);
	e = log_op(f, OP_FALLOC, off, len);
	if (fallocate(f->fd, 0, off, len)) {
		if (errno == EOPNOTSUPP) {
			fdiag(f, "fallocate(0): EOPNOTSUPP, op dropped");
			f->no_falloc = true;
			f->nlog--;
			return;
		}
		fail_error(f, "fallocate 0x%" PRIx64 " len 0x%" PRIx64, off,
			   len);
	}
	if (off + len > f->size)
		f->size = off + len;
	e->size_after = f->size;
}

static void do_punch(struct fsx *f)
{
	uint64_t off, len, end;
	uint64_t limit = f->size;

	if (f->no_punch)
		return;
	if (!rnd_below(f, 8))
		limit += opt_maxoplen; /* sometimes past EOF */
	if (limit > opt_maxlen)
		limit = opt_maxlen;
	if (!limit)
		return;
	pick_range(f, limit, &off, &len);
	log_op(f, OP_PUNCH, off, len);
	if (fallocate(f->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, off,
		      len)) {
		if (errno == EOPNOTSUPP) {
			fdiag(f, "fallocate(PUNCH_HOLE|KEEP_SIZE): EOPNOTSUPP, op dropped");
			f->no_punch = true;
			f->nlog--;
			return;
		}
		fail_error(f, "punch 0x%" PRIx64 " len 0x%" PRIx64, off, len);
	}
	end = off + len < f->size ? off + len : f->size;
	if (off < end)
		memset(f->good + off, 0, end - off);
}

static void do_fsync(struct fsx *f)
{
	struct log_ent *e = log_op(f, OP_FSYNC, 0, 0);

	if (rnd_below(f, 2)) {
		e->flags |= F_DATASYNC;
		if (fdatasync(f->fd))
			fail_error(f, "fdatasync");
	} else if (fsync(f->fd)) {
		fail_error(f, "fsync");
	}
}

static void check_size(struct fsx *f, const char *when)
{
	struct stat st;

	if (fstat(f->fd, &st))
		fail_error(f, "fstat");
	if ((uint64_t)st.st_size != f->size) {
		errno = 0;
		fail_error(f, "%s: st_size 0x%" PRIx64 ", expected 0x%" PRIx64,
			   when, (uint64_t)st.st_size, f->size);
	}
}

static void do_reopen(struct fsx *f)
{
	log_op(f, OP_REOPEN, 0, 0);
	if (close(f->fd))
		fail_error(f, "close");
	f->fd = open(f->path, O_RDWR);
	if (f->fd < 0)
		fail_error(f, "open %s", f->path);
	check_size(f, "after reopen");
}

/* The whole file, alternately through pread and a read-only mapping. */
static void verify_all(struct fsx *f, bool use_mmap)
{
	struct log_ent *e = log_op(f, OP_VERIFY, 0, f->size);
	uint64_t off = 0;

	check_size(f, "verify");
	if (use_mmap && f->size && !f->no_mmap) {
		uint8_t *p;

		e->flags |= F_MMAP;
		p = map_file(f, 0, f->size, PROT_READ);
		if (p) {
			check_data(f, p, 0, f->size, "verify (mmap)");
			if (munmap(p, f->size))
				fail_error(f, "munmap");
			return;
		}
		e->flags &= ~F_MMAP; /* mmap just got dropped: pread */
	}
	while (off < f->size) {
		uint64_t chunk = f->size - off < 4 * MiB ? f->size - off :
							   4 * MiB;

		if (pread_all(f->fd, f->buf, chunk, off))
			fail_error(f, "verify pread 0x%" PRIx64 " len 0x%" PRIx64,
				   off, chunk);
		check_data(f, f->buf, off, chunk, "verify (pread)");
		off += chunk;
	}
	/* and nothing past EOF */
	if (pread(f->fd, f->buf, 1, f->size) != 0)
		fail_error(f, "pread at EOF 0x%" PRIx64 " returned data",
			   f->size);
}

static int pick_op(struct fsx *f)
{
	int total = 0, i, r;

	for (i = 0; i < OP_NR; i++)
		total += op_weights[i];
	r = rnd_below(f, total);
	for (i = 0; i < OP_NR; i++) {
		if (r < op_weights[i])
			return i;
		r -= op_weights[i];
	}
	return OP_READ;
}

static void run_file(struct fsx *f)
{
	long verifies = 0;

	f->good = calloc(1, opt_maxlen);
	f->buf = malloc(opt_maxlen);
	if (!f->good || !f->buf)
		fail_error(f, "malloc %" PRIu64 " bytes", opt_maxlen);
	f->fd = open(f->path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (f->fd < 0)
		fail_error(f, "create %s", f->path);
	f->size = 0;

	for (f->opnum = 1; f->opnum <= opt_ops; f->opnum++) {
		switch (pick_op(f)) {
		case OP_READ:
			do_read(f);
			break;
		case OP_WRITE:
			do_write(f);
			break;
		case OP_MAPREAD:
			do_mapread(f);
			break;
		case OP_MAPWRITE:
			do_mapwrite(f);
			break;
		case OP_TRUNCATE:
			do_truncate(f);
			break;
		case OP_FALLOC:
			do_falloc(f);
			break;
		case OP_PUNCH:
			do_punch(f);
			break;
		case OP_FSYNC:
			do_fsync(f);
			break;
		case OP_REOPEN:
			do_reopen(f);
			break;
		}
		f->res->ops_done = f->opnum;
		if (opt_verify_every && f->opnum % opt_verify_every == 0)
			verify_all(f, verifies++ & 1);
	}
	f->opnum = opt_ops;
	verify_all(f, false);
	verify_all(f, true);
	if (close(f->fd))
		fail_error(f, "close");
	if (unlink(f->path))
		fail_error(f, "unlink %s", f->path);
	f->res->status = RES_OK;
}

static uint64_t parse_size(const char *s, const char *what)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s)
		tap_bail("bad %s: %s", what, s);
	switch (*end) {
	case 'k':
	case 'K':
		v <<= 10;
		end++;
		break;
	case 'm':
	case 'M':
		v <<= 20;
		end++;
		break;
	case 'g':
	case 'G':
		v <<= 30;
		end++;
		break;
	}
	if (*end)
		tap_bail("bad %s: %s", what, s);
	return v;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: fsx [-n OPS] [-l MAXLEN] [-o MAXOPLEN] [-k VERIFY_EVERY]"
		" [-s SEED] FILE...\n");
	exit(2);
}

int main(int argc, char **argv)
{
	struct result *res;
	int nfiles, i, c, wrong = 0;
	pid_t *pids;

	while ((c = getopt(argc, argv, "n:l:o:k:s:h")) != -1) {
		switch (c) {
		case 'n':
			opt_ops = parse_size(optarg, "-n");
			break;
		case 'l':
			opt_maxlen = parse_size(optarg, "-l");
			break;
		case 'o':
			opt_maxoplen = parse_size(optarg, "-o");
			break;
		case 'k':
			opt_verify_every = parse_size(optarg, "-k");
			break;
		case 's':
			opt_seed = parse_size(optarg, "-s");
			break;
		default:
			usage();
		}
	}
	nfiles = argc - optind;
	if (nfiles < 1 || opt_maxlen < 1)
		usage();
	if (!opt_seed)
		opt_seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
	if (!opt_maxoplen)
		opt_maxoplen = opt_maxlen < MiB ? opt_maxlen : MiB;
	if (opt_maxoplen > opt_maxlen)
		opt_maxoplen = opt_maxlen;
	page_size = sysconf(_SC_PAGESIZE);

	tap_plan(nfiles + 1);
	tap_diag("fsx: %d files, %ld ops each, maxlen 0x%" PRIx64
		 ", maxoplen 0x%" PRIx64 ", verify every %ld, seed %" PRIu64,
		 nfiles, opt_ops, opt_maxlen, opt_maxoplen, opt_verify_every,
		 opt_seed);

	res = mmap(NULL, nfiles * sizeof(*res), PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	pids = calloc(nfiles, sizeof(*pids));
	if (res == MAP_FAILED || !pids)
		tap_bail("out of memory");

	for (i = 0; i < nfiles; i++) {
		fflush(stdout);
		pids[i] = fork();
		if (pids[i] < 0)
			tap_bail("fork: %s", strerror(errno));
		if (pids[i] == 0) {
			struct fsx f = {
				.idx = i + 1,
				.path = argv[optind + i],
				.res = &res[i],
				.rng = opt_seed * 0x100000001b3ULL + i,
			};

			rnd(&f); /* mix the seed in */
			run_file(&f);
			_exit(0);
		}
	}

	for (i = 0; i < nfiles; i++) {
		char name[64];
		int st;
		bool ok;

		while (waitpid(pids[i], &st, 0) < 0) {
			if (errno != EINTR)
				tap_bail("waitpid: %s", strerror(errno));
		}
		ok = WIFEXITED(st) && WEXITSTATUS(st) == 0 &&
		     res[i].status == RES_OK;
		if (res[i].status == RES_WRONG_DATA)
			wrong++;
		if (WIFSIGNALED(st))
			tap_diag("file %d (%s): killed by signal %d (%s) after %ld ops",
				 i + 1, argv[optind + i],
				 WTERMSIG(st), strsignal(WTERMSIG(st)),
				 res[i].ops_done);
		else if (!ok)
			tap_diag("file %d (%s): failed after %ld ops", i + 1,
				 argv[optind + i], res[i].ops_done);
		snprintf(name, sizeof(name), "fsx file %d: %ld ops", i + 1,
			 opt_ops);
		errno = 0;
		tap_ok(ok, name);
	}
	errno = 0;
	tap_ok(!wrong, "no_wrong_data");
	return tap_exit();
}
