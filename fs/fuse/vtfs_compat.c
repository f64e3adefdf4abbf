// SPDX-License-Identifier: GPL-2.0
/*
 * virtio_fs.ko: the kernel-version-dependent glue (see vtfs_compat.h).
 *
 * fuse.ko's transport interface, struct fuse_iqueue_ops, is where 6.1 and
 * 6.12 differ most.  Both are mapped onto the same three things:
 *
 *   a request      vtfs_send_request(), with FR_PENDING clear and its
 *                  unique id set;
 *   a forget       on fiq's forget list (fiq->lock), then the hiprio worker;
 *   an interrupt   on fiq->interrupts (fiq->lock), then the hiprio worker,
 *                  only with send_interrupts=1 (see vtfs_hiprio.c).
 */
#include <linux/slab.h>

#include "vtfs.h"

int vtfs_find_vqs(struct virtio_device *vdev, unsigned int n,
		  struct virtqueue *vqs[], vq_callback_t *callbacks[],
		  const char * const names[], struct irq_affinity *desc)
{
#if VTFS_KERNEL_612
	struct virtqueue_info *info;
	unsigned int i;
	int err;

	info = kcalloc(n, sizeof(*info), GFP_KERNEL);
	if (!info)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		info[i].name = names[i];
		info[i].callback = callbacks[i];
	}
	err = virtio_find_vqs(vdev, n, vqs, info, desc);
	kfree(info);
	return err;
#else
	return virtio_find_vqs(vdev, n, vqs, callbacks,
			       (const char **)names, desc);
#endif
}

#if VTFS_KERNEL_612

/*
 * fuse.ko no longer checks fiq->connected for us; a request after an abort
 * fails as with fuse's own device.
 */
static void vtfs_send_req(struct fuse_iqueue *fiq, struct fuse_req *req)
{
	clear_bit(FR_PENDING, &req->flags);
	if (req->in.h.opcode != FUSE_NOTIFY_REPLY)
		req->in.h.unique = fuse_get_unique(fiq);
	if (!READ_ONCE(fiq->connected)) {
		vtfs_refuse(fiq->priv, req, -ENOTCONN);
		return;
	}
	vtfs_send_request(fiq->priv, req);
}

/* The link is ours now: queue it where 6.1's fuse.ko would have. */
static void vtfs_send_forget(struct fuse_iqueue *fiq,
			     struct fuse_forget_link *link)
{
	spin_lock(&fiq->lock);
	if (!fiq->connected) {
		spin_unlock(&fiq->lock);
		kfree(link);
		return;
	}
	fiq->forget_list_tail->next = link;
	fiq->forget_list_tail = link;
	vtfs_hiprio_kick(fiq);
	spin_unlock(&fiq->lock);
}

/* fuse.ko saw FR_SENT and FR_INTERRUPTED; vtfs_queue_interrupt() rechecks. */
static void vtfs_send_interrupt(struct fuse_iqueue *fiq, struct fuse_req *req)
{
	if (vtfs_interrupts_enabled(fiq->priv))
		vtfs_queue_interrupt(req);
}

#else /* 6.1 */

static void vtfs_wake_pending_and_unlock(struct fuse_iqueue *fiq)
	__releases(fiq->lock)
{
	struct fuse_req *req, *next;
	LIST_HEAD(reqs);

	list_for_each_entry(req, &fiq->pending, list)
		clear_bit(FR_PENDING, &req->flags);
	list_splice_init(&fiq->pending, &reqs);
	spin_unlock(&fiq->lock);

	list_for_each_entry_safe(req, next, &reqs, list) {
		list_del_init(&req->list);
		vtfs_send_request(fiq->priv, req);
	}
}

/* fuse.ko has put the forget on fiq's list. */
static void vtfs_wake_forget_and_unlock(struct fuse_iqueue *fiq)
	__releases(fiq->lock)
{
	vtfs_hiprio_kick(fiq);
	spin_unlock(&fiq->lock);
}

/* fuse.ko has put the request on fiq->interrupts. */
static void vtfs_wake_interrupt_and_unlock(struct fuse_iqueue *fiq)
	__releases(fiq->lock)
{
	if (vtfs_interrupts_enabled(fiq->priv))
		vtfs_hiprio_kick(fiq);
	spin_unlock(&fiq->lock);
}

#endif

static void vtfs_fiq_release(struct fuse_iqueue *fiq)
{
	vtfs_put_device(fiq->priv);
}

const struct fuse_iqueue_ops vtfs_fiq_ops = {
#if VTFS_KERNEL_612
	.send_forget			= vtfs_send_forget,
	.send_interrupt			= vtfs_send_interrupt,
	.send_req			= vtfs_send_req,
#else
	.wake_forget_and_unlock		= vtfs_wake_forget_and_unlock,
	.wake_interrupt_and_unlock	= vtfs_wake_interrupt_and_unlock,
	.wake_pending_and_unlock	= vtfs_wake_pending_and_unlock,
#endif
	.release			= vtfs_fiq_release,
};
