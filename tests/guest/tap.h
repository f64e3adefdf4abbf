/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Minimal TAP output for the in-guest tests (kselftest style):
 *
 *   TAP version 13
 *   1..N
 *   ok 1 name
 *   not ok 2 name
 *   ok 3 name # SKIP reason
 *   # diagnostic
 *   Bail out! reason
 *
 * Header only.  A test program either calls tap_plan() + tap_ok()/tap_skip()
 * itself, or lists its tests in a struct tap_test table and calls
 * tap_run_tests(), where each test function returns TEST_PASS, TEST_FAIL or
 * TEST_SKIP (after tap_skip_reason()) and uses CHECK() for its assertions.
 * Exit status (tap_exit()): 0 only if every planned test ran and none failed.
 */
#ifndef VFS_TAP_H
#define VFS_TAP_H

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { TEST_PASS = 0, TEST_FAIL = 1, TEST_SKIP = 2 };

/* One copy per program (defined in vfsutil.c), shared by every file. */
struct tap_state {
	int planned;
	int number;
	int failures;
	char skip_buf[512];
};
extern struct tap_state tap_state;
#define tap_planned (tap_state.planned)
#define tap_number (tap_state.number)
#define tap_failures (tap_state.failures)
#define tap_skip_buf (tap_state.skip_buf)

static inline void tap_plan(int n)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	tap_planned = n;
	printf("TAP version 13\n1..%d\n", n);
	fflush(stdout);
}

static inline void tap_vdiag(const char *fmt, va_list ap)
{
	char buf[2048];
	char *line, *save = NULL;

	vsnprintf(buf, sizeof(buf), fmt, ap);
	/* One "# " per line, so a multi-line message stays a diagnostic. */
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save))
		printf("# %s\n", line);
	fflush(stdout);
}

static inline __attribute__((format(printf, 1, 2))) void
tap_diag(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	tap_vdiag(fmt, ap);
	va_end(ap);
}

/* Reports test @name; on failure adds a diagnostic with the current errno. */
static inline int tap_ok(int cond, const char *name)
{
	int e = errno;

	tap_number++;
	if (cond) {
		printf("ok %d %s\n", tap_number, name);
	} else {
		tap_failures++;
		if (e)
			printf("# %s failed: errno %d (%s)\n", name, e,
			       strerror(e));
		printf("not ok %d %s\n", tap_number, name);
	}
	fflush(stdout);
	errno = e;
	return cond;
}

static inline __attribute__((format(printf, 2, 3))) void
tap_skip(const char *name, const char *fmt, ...)
{
	char reason[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	tap_number++;
	printf("ok %d %s # SKIP %s\n", tap_number, name, reason);
	fflush(stdout);
}

/* Ends the program: the harness sees a failure, not a hang. */
static inline __attribute__((noreturn, format(printf, 1, 2))) void
tap_bail(const char *fmt, ...)
{
	char reason[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	printf("Bail out! %s\n", reason);
	fflush(stdout);
	_exit(1);
}

static inline int tap_exit(void)
{
	if (tap_number != tap_planned) {
		tap_diag("planned %d tests but ran %d", tap_planned,
			 tap_number);
		return 1;
	}
	if (tap_failures)
		tap_diag("%d of %d tests failed", tap_failures, tap_number);
	return tap_failures ? 1 : 0;
}

/* For test functions run by tap_run_tests(). */
static inline __attribute__((format(printf, 1, 2))) int
tap_skip_reason(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(tap_skip_buf, sizeof(tap_skip_buf), fmt, ap);
	va_end(ap);
	return TEST_SKIP;
}

static inline __attribute__((format(printf, 5, 6))) void
tap_check_failed(const char *file, int line, const char *expr, int err,
		 const char *fmt, ...)
{
	char msg[1024] = "";
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (err)
		tap_diag("%s:%d: %s%s(%s) failed: errno %d (%s)", file, line,
			 msg, *msg ? " " : "", expr, err, strerror(err));
	else
		tap_diag("%s:%d: %s%s(%s) failed", file, line, msg,
			 *msg ? " " : "", expr);
}

/*
 * CHECK(cond, fmt, ...): errno is cleared before @cond is evaluated, so the
 * errno shown is the one set by a call inside @cond (write the call in the
 * condition: CHECK((fd = open(...)) >= 0, "open %s", p)).
 */
#define CHECK(cond, ...)                                                     \
	do {                                                                 \
		errno = 0;                                                   \
		if (!(cond)) {                                               \
			int check_errno_ = errno;                            \
			tap_check_failed(__FILE__, __LINE__, #cond,          \
					 check_errno_, __VA_ARGS__);         \
			return TEST_FAIL;                                    \
		}                                                            \
	} while (0)

/* CHECK_ERRNO(call, expected): @call must fail (-1) with errno @expected. */
#define CHECK_ERRNO(call, expected, ...)                                     \
	do {                                                                 \
		long check_rc_;                                              \
		errno = 0;                                                   \
		check_rc_ = (long)(call);                                    \
		if (check_rc_ != -1 || errno != (expected)) {                \
			int check_errno_ = errno;                            \
			char check_msg_[512];                                \
			snprintf(check_msg_, sizeof(check_msg_), __VA_ARGS__); \
			tap_diag("%s:%d: %s: %s returned %ld errno %d (%s), " \
				 "expected -1 errno %s",                     \
				 __FILE__, __LINE__, check_msg_, #call,      \
				 check_rc_, check_errno_,                    \
				 strerror(check_errno_), #expected);         \
			return TEST_FAIL;                                    \
		}                                                            \
	} while (0)

struct tap_test {
	const char *name;
	int (*fn)(void);
};

static inline void tap_report(const char *name, int result)
{
	if (result == TEST_SKIP) {
		tap_skip(name, "%s", tap_skip_buf);
	} else {
		errno = 0;
		tap_ok(result == TEST_PASS, name);
	}
}

static inline void tap_run_tests(const struct tap_test *tests, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		tap_skip_buf[0] = '\0';
		fflush(stdout);
		tap_report(tests[i].name, tests[i].fn());
	}
}

#define TAP_ARRAY_SIZE(a) ((int)(sizeof(a) / sizeof((a)[0])))

#endif /* VFS_TAP_H */
