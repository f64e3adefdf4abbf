/* SPDX-License-Identifier: GPL-2.0 */
/* Helpers shared by the in-guest test programs (see vfsutil.c). */
#ifndef VFS_UTIL_H
#define VFS_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define FUSE_SUPER_MAGIC_ 0x65735546
#define V9FS_MAGIC_ 0x01021997

/* argv[1], else $VFS_MNT, else /mnt. */
const char *vfs_base_dir(int argc, char **argv);
/* $VFS_MNT, else /mnt: the mount point itself. */
const char *vfs_mount_root(void);

/* Creates BASE/vfs-PROG-PID-XXXX, bails out (TAP) on failure. */
char *vfs_make_subdir(const char *base, const char *prog);
/* rm -rf, not following symlinks.  0 or -1 with errno of the first error. */
int vfs_rmtree(const char *path);

/* snprintf into one of 16 rotating static buffers. */
const char *pathf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Whole-buffer I/O, retrying short transfers; return 0 or -1 (errno). */
int write_all(int fd, const void *buf, size_t len);
int pwrite_all(int fd, const void *buf, size_t len, off_t off);
int pread_all(int fd, void *buf, size_t len, off_t off);
/* Creates/truncates @path with @len bytes of @data (O_WRONLY|O_CREAT|O_TRUNC). */
int write_file(const char *path, const void *data, size_t len);
/* Reads at most @cap bytes of @path; returns length or -1. */
ssize_t read_file(const char *path, void *buf, size_t cap);

/* Deterministic content: byte at file offset @off under @seed. */
void fill_pattern(void *buf, size_t len, uint64_t off, uint64_t seed);
/* First mismatching offset relative to @buf, or -1 if it matches. */
ssize_t check_pattern(const void *buf, size_t len, uint64_t off,
		      uint64_t seed);
/* FNV-1a 64, continued from @h (start with FNV_INIT). */
#define FNV_INIT 0xcbf29ce484222325ULL
uint64_t fnv1a(uint64_t h, const void *buf, size_t len);

/* statfs f_type of @path, or 0 on error. */
long fs_type(const char *path);
int on_shared_fs(const char *path);

/*
 * Runs @fn(@arg) in a forked child and waits at most @timeout_s seconds.
 * Returns what @fn returned (0 or -1, with the child's errno in *@err), or
 * BOUNDED_TIMEOUT (the child got SIGKILL and is left behind: it may be stuck
 * in the kernel), or BOUNDED_CRASH (the child died of a signal).
 */
#define BOUNDED_TIMEOUT (-100)
#define BOUNDED_CRASH (-101)
int run_bounded(int timeout_s, int (*fn)(void *), void *arg, int *err);

/* Number of CPUs in our affinity mask; pins the caller to @cpu. */
int cpus_available(void);
int pin_to_cpu(int cpu);

/*
 * Forks @n (at most RUN_PINNED_MAX) children, child i pinned to CPU i, all
 * released at once; each runs @fn(i, @arg) and exits with its result.
 * Returns 1 if all exited 0.  have_two_cpus(): CPUs 0 and 1 are ours.
 */
#define RUN_PINNED_MAX 8
int run_pinned(int n, int (*fn)(int, void *), void *arg, const char *what);
int have_two_cpus(void);

/* Reads a small sysfs-style file as an unsigned number / a trimmed string. */
int read_u64_file(const char *path, unsigned long long *out);
int read_str_file(const char *path, char *buf, size_t cap);

/*
 * The device directory under @root (/sys/fs/virtiofs) whose tag is
 * $VFS_TAG, or the only one; 0 and its path in @out, -1 if not exactly one.
 */
int vfs_sysfs_device(const char *root, char *out, size_t cap);

#endif /* VFS_UTIL_H */
