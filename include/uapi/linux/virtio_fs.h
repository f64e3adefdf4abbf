/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause) */
/*
 * virtio-fs device ABI as used by this project.
 *
 * The config space layout itself (struct virtio_fs_config) and the shared
 * memory id come from the system's <linux/virtio_fs.h>, which this header
 * includes; it must never be redefined here.  What follows are the parts of
 * the virtio specification ("File System Device") that the kernel header does
 * not spell out, so the guest module, the daemon and the tests agree on them.
 */
#ifndef _UAPI_VTFS_VIRTIO_FS_H
#define _UAPI_VTFS_VIRTIO_FS_H

#include_next <linux/virtio_fs.h>

/* Size of virtio_fs_config.tag: UTF-8, NUL padded, not NUL terminated. */
#define VTFS_TAG_MAX		36

/*
 * Virtqueue layout: queue 0 is the high-priority queue (FUSE_FORGET,
 * FUSE_BATCH_FORGET, FUSE_INTERRUPT; the device writes no reply), queues
 * 1 .. num_request_queues are request queues.
 */
#define VTFS_HIPRIO_QUEUE	0
#define VTFS_FIRST_REQUEST_QUEUE 1

/* A device must offer at least this many and at most this many queues. */
#define VTFS_MIN_REQUEST_QUEUES	1
#define VTFS_MAX_REQUEST_QUEUES	1023

#endif /* _UAPI_VTFS_VIRTIO_FS_H */
