/* SPDX-License-Identifier: GPL-2.0 */
/*
 * virtio_fs.ko: what differs between the kernels we build for, Debian 12's
 * 6.1 and Debian 13's 6.12, keyed on LINUX_VERSION_CODE.  Nothing else in
 * the module tests the version.
 *
 *   fuse_args_pages   6.12 may carry folios instead of pages (readdir does);
 *                     vtfs_ap_page() gives either as page, offset, length.
 *   virtio_find_vqs   6.12 takes one struct virtqueue_info array instead of
 *                     callback and name arrays (vtfs_find_vqs()).
 *   fuse_get_unique   6.1: caller holds fiq->lock; 6.12 takes it itself
 *                     (vtfs_get_unique(): caller does not hold it).
 *   fuse_iqueue_ops   6.1 calls ->wake_*_and_unlock with fiq->lock held after
 *                     queueing on the fuse_iqueue; 6.12 hands each request,
 *                     forget or interrupt to ->send_* without the lock and
 *                     leaves queueing, unique ids and the connected check to
 *                     the transport.  vtfs_compat.c maps both onto
 *                     vtfs_send_request() and the hiprio worker.
 *   idmapped mounts   inode operations take a struct user_namespace in 6.1
 *                     and a struct mnt_idmap in 6.12 (struct vtfs_idmap).
 *   open flags        6.12 knows FOPEN_PARALLEL_DIRECT_WRITES and
 *                     FOPEN_PASSTHROUGH, which tie a file to an io mode
 *                     (VTFS_FOPEN_IOMODE; 0 where they do not exist).
 */
#ifndef _FS_FUSE_VTFS_COMPAT_H
#define _FS_FUSE_VTFS_COMPAT_H

#include <linux/version.h>
#include <linux/virtio_config.h>

#include "fuse_i.h"

/*
 * Versions are checked on Debian's 6.1 and 6.12 only: Debian's 6.12 has
 * the folio fields from a stable update, so the boundary is 6.12.0 for all.
 */
#define VTFS_KERNEL_612		(KERNEL_VERSION(6, 12, 0) <= LINUX_VERSION_CODE)

#if VTFS_KERNEL_612
#define vtfs_idmap	mnt_idmap
#else
#define vtfs_idmap	user_namespace
#endif

#ifdef FOPEN_PARALLEL_DIRECT_WRITES
#define VTFS_FOPEN_PARALLEL	FOPEN_PARALLEL_DIRECT_WRITES
#else
#define VTFS_FOPEN_PARALLEL	0
#endif
#ifdef FOPEN_PASSTHROUGH
#define VTFS_FOPEN_IOMODE	(VTFS_FOPEN_PARALLEL | FOPEN_PASSTHROUGH)
#else
#define VTFS_FOPEN_IOMODE	VTFS_FOPEN_PARALLEL
#endif

/* Page @i of @ap with the byte range the request uses in it. */
static inline struct page *vtfs_ap_page(struct fuse_args_pages *ap,
					unsigned int i, unsigned int *offset,
					unsigned int *length)
{
#if VTFS_KERNEL_612
	if (ap->uses_folios) {
		*offset = ap->folio_descs[i].offset;
		*length = ap->folio_descs[i].length;
		return folio_page(ap->folios[i], 0);
	}
#endif
	*offset = ap->descs[i].offset;
	*length = ap->descs[i].length;
	return ap->pages[i];
}

static inline unsigned int vtfs_ap_count(struct fuse_args_pages *ap)
{
#if VTFS_KERNEL_612
	if (ap->uses_folios)
		return ap->num_folios;
#endif
	return ap->num_pages;
}

int vtfs_find_vqs(struct virtio_device *vdev, unsigned int n,
		  struct virtqueue *vqs[], vq_callback_t *callbacks[],
		  const char * const names[], struct irq_affinity *desc);

/* A new request id for a message of our own; fiq->lock is not held. */
static inline u64 vtfs_get_unique(struct fuse_iqueue *fiq)
{
#if VTFS_KERNEL_612
	return fuse_get_unique(fiq);
#else
	u64 unique;

	spin_lock(&fiq->lock);
	unique = fuse_get_unique(fiq);
	spin_unlock(&fiq->lock);
	return unique;
#endif
}

#endif /* _FS_FUSE_VTFS_COMPAT_H */
