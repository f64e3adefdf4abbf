// SPDX-License-Identifier: GPL-2.0
/*
 * device-remove [DIR]: the virtio-fs PCI device is hot-removed
 * (echo 1 > /sys/bus/pci/devices/<dev>/remove) while a reader is busy.  Later
 * I/O must fail with an error, the mount must go away, and a new mount of the
 * tag must fail cleanly.
 *
 * Every step that could hang runs in a child bounded to 60 s; a step that
 * does not return is reported "not ok" and the run ends with "Bail out!".
 * $VFS_MNT (default /mnt) is the mount unmounted at the end; $VFS_TAG the tag.
 */
#include <dirent.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "faults.h"
#include "tap.h"
#include "vfsutil.h"

#define NTESTS 9
#define PCI "/sys/bus/pci/devices"

static int hexfile_is(const char *path, unsigned int want)
{
	char buf[32];

	return read_str_file(path, buf, sizeof(buf)) == 0 &&
	       strtoul(buf, NULL, 16) == want;
}

/* PCI device holding the virtio device of our tag (via our sysfs), if any. */
static int pci_of_tag(const char *tag, char *out, size_t cap)
{
	DIR *d = opendir("/sys/fs/virtiofs");
	struct dirent *de;
	int found = 0;

	if (!d)
		return -1;
	while ((de = readdir(d))) {
		char t[256], real[PATH_MAX];

		if (de->d_name[0] == '.')
			continue;
		if (read_str_file(pathf("/sys/fs/virtiofs/%s/tag", de->d_name), t,
				  sizeof(t)) || strcmp(t, tag))
			continue;
		if (!realpath(pathf("/sys/fs/virtiofs/%s/device", de->d_name), real))
			continue;
		/* .../0000:00:04.0/virtio2 -> .../0000:00:04.0 */
		snprintf(out, cap, "%s/%s", PCI, basename(dirname(real)));
		found = 1;
	}
	closedir(d);
	return found ? 0 : -1;
}

static int find_pci(const char *tag, char *out, size_t cap)
{
	DIR *d = opendir(PCI);
	struct dirent *de;
	int n = 0;

	if (!d)
		return -1;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		if (hexfile_is(pathf("%s/%s/vendor", PCI, de->d_name), 0x1af4) &&
		    hexfile_is(pathf("%s/%s/device", PCI, de->d_name), 0x105a)) {
			tap_diag("virtio-fs PCI device %s", de->d_name);
			if (!n++)
				snprintf(out, cap, "%s/%s", PCI, de->d_name);
		}
	}
	closedir(d);
	if (n == 1)
		return 0;
	if (n > 1 && pci_of_tag(tag, out, cap) == 0)
		return 0;
	return -1;
}

static int do_remove(void *arg)
{
	int fd = open(pathf("%s/remove", (const char *)arg), O_WRONLY);

	if (fd < 0)
		return -1;
	if (write(fd, "1", 1) != 1)
		return -1;
	return close(fd);
}

static int do_mount(void *arg)
{
	const char **a = arg;

	return mount(a[0], a[1], "virtiofs", 0, "");
}

int main(int argc, char **argv)
{
	const char *base = vfs_base_dir(argc, argv), *root = vfs_mount_root();
	const char *tag = getenv("VFS_TAG") && *getenv("VFS_TAG") ? getenv("VFS_TAG")
								 : "vfs0";
	char rroot[PATH_MAX], rbase[PATH_MAX], pci[PATH_MAX], what[64];
	const char *file, *which;
	struct io_loop loop;
	long iterations;
	char *dir;
	int rc, err = 0;

	tap_plan(NTESTS);
	tap_diag("device-remove in %s, mount %s, tag %s, transport %s", base, root,
		 tag, getenv("VFS_TRANSPORT") ? getenv("VFS_TRANSPORT") : "(unset)");
	if (fs_type(base) != FUSE_SUPER_MAGIC_)
		tap_bail("%s is not on a virtio-fs (fuse) mount", base);
	if (!realpath(root, rroot) || !realpath(base, rbase) ||
	    strncmp(rbase, rroot, strlen(rroot)))
		tap_bail("%s is not inside the mount %s ($VFS_MNT)", base, root);
	if (find_pci(tag, pci, sizeof(pci)))
		tap_bail("no single virtio-fs PCI device (1af4:105a) in %s", PCI);
	tap_diag("removing %s", pci);
	diag_virtiofs_state();

	/* 1: works before */
	dir = vfs_make_subdir(base, "device-remove");
	file = pathf("%s/busy", dir);
	{
		char *buf = malloc(1 << 16), *back = malloc(1 << 16);

		fill_pattern(buf, 1 << 16, 0, 9);
		errno = 0;
		tap_ok(buf && back && write_file(file, buf, 1 << 16) == 0 &&
			       read_file(file, back, 1 << 16) == 1 << 16 &&
			       !memcmp(buf, back, 1 << 16),
		       "io_before_remove");
		free(buf);
		free(back);
	}

	/* 2: a reader in the background */
	if (io_loop_start(&loop, file, 0))
		tap_bail("fork: %s", strerror(errno));
	if (!tap_ok(io_loop_wait_running(&loop, FAULT_WATCHDOG) == 0, "reader_running")) {
		io_loop_kill(&loop);
		tap_bail("no reader, not removing the device");
	}

	/* 3: remove the device */
	rc = run_bounded(FAULT_WATCHDOG, do_remove, pci, &err);
	if (rc == BOUNDED_TIMEOUT) {
		errno = 0;
		tap_ok(0, "remove_device");
		tap_bail("writing %s/remove did not return within %d s", pci,
			 FAULT_WATCHDOG);
	}
	errno = err;
	if (tap_ok(rc == 0, "remove_device"))
		tap_diag("%s %s", pci, access(pci, F_OK) ? "is gone" : "still exists");
	else {
		io_loop_kill(&loop);
		tap_bail("device not removed");
	}
	diag_virtiofs_state();

	/* 4: the reader ends with an error */
	rc = io_loop_wait_failed(&loop, FAULT_WATCHDOG, &iterations, what, sizeof(what));
	if (rc == -1) {
		errno = 0;
		tap_ok(0, "inflight_io_fails");
		tap_bail("reader still blocked %d s after the removal", FAULT_WATCHDOG);
	}
	if (rc > 0)
		tap_diag("reader: %s failed with %s after %ld iterations", what,
			 strerror(rc), iterations);
	else
		tap_diag("reader: %s", what);
	errno = 0;
	tap_ok(rc > 0, "inflight_io_fails");

	/* 5: new I/O fails */
	rc = try_new_io(dir, &which);
	if (rc == -1) {
		errno = 0;
		tap_ok(0, "new_io_fails");
		tap_bail("new I/O blocked for %d s after the removal", FAULT_WATCHDOG);
	}
	if (rc > 0)
		tap_diag("new I/O: %s failed with %s", which, strerror(rc));
	errno = 0;
	tap_ok(rc > 0, "new_io_fails");

	/* 6, 7: unmount */
	umount_tests(root);

	/* 8: the tag cannot be mounted again */
	{
		const char *mp = pathf("/tmp/vfs-remove-%d", (int)getpid());
		const char *a[2] = { tag, mp };

		if (mkdir(mp, 0755) && errno != EEXIST)
			tap_bail("mkdir %s: %s", mp, strerror(errno));
		rc = run_bounded(FAULT_WATCHDOG, do_mount, (void *)a, &err);
		if (rc == BOUNDED_TIMEOUT) {
			errno = 0;
			tap_ok(0, "mount_after_remove_fails");
			tap_bail("mount of %s after removal did not return within %d s",
				 tag, FAULT_WATCHDOG);
		}
		if (rc == 0) {
			tap_diag("mount of the removed device's tag succeeded");
			umount2(mp, MNT_DETACH);
		} else {
			tap_diag("mount after removal: %s", strerror(err));
		}
		errno = 0;
		tap_ok(rc == -1, "mount_after_remove_fails");
		rmdir(mp);
	}

	/* 9: nothing of the device is left in /sys/fs/virtiofs */
	{
		DIR *d = opendir("/sys/fs/virtiofs");
		struct dirent *de;
		int left = 0;

		if (!d) {
			tap_skip("sysfs_entry_gone", "no /sys/fs/virtiofs");
		} else {
			while ((de = readdir(d))) {
				char t[256];

				if (de->d_name[0] != '.' &&
				    !read_str_file(pathf("/sys/fs/virtiofs/%s/tag",
							 de->d_name), t, sizeof(t)) &&
				    !strcmp(t, tag))
					left++;
			}
			closedir(d);
			errno = 0;
			tap_ok(left == 0, "sysfs_entry_gone");
		}
	}
	free(dir);
	return tap_exit();
}
