// SPDX-License-Identifier: GPL-2.0
/*
 * virtio_fs.ko: the high-priority queue.
 *
 * FORGETs and INTERRUPTs must not wait behind ordinary requests, so they
 * have a queue of their own.  The device writes no reply to them: a buffer
 * coming back only means it may be freed.
 *
 * Both wait on the fuse_iqueue (forget_list_head, interrupts; on 6.1
 * fuse.ko queues them there, on 6.12 vtfs_compat.c does) and the iqueue
 * ops only schedule a worker;
 * it drains the iqueue in sleepable context, packing up to
 * VTFS_FORGET_BATCH forgets into one FUSE_BATCH_FORGET, and sends them.
 * If the ring is full, the message waits in dev->hiprio_held until the
 * device returns a buffer.
 *
 * FUSE_INTERRUPT is only sent when vtfs_interrupts_enabled() (vtfs_caps.c):
 * QEMU 7.2's virtiofsd stops serving requests when an interrupt arrives
 * for a request it has already answered.  Otherwise an interrupted request
 * stays on fiq->interrupts until fuse ends it, as with any transport that
 * does not implement interrupts.
 */
#include <linux/slab.h>
#include <linux/virtio_config.h>

#include "vtfs.h"

/* One message on the high-priority queue, device-readable only. */
struct vtfs_hiprio_msg {
	struct fuse_in_header ih;
	union {
		struct fuse_forget_in forget;
		struct fuse_interrupt_in interrupt;
		struct {
			struct fuse_batch_forget_in batch;
			struct fuse_forget_one one[VTFS_FORGET_BATCH];
		};
	};
};

void vtfs_hiprio_kick(struct fuse_iqueue *fiq)
{
	struct vtfs_device *dev = fiq->priv;

	queue_work(vtfs_wq, &dev->hiprio_work);
}

/*
 * @req was interrupted while we were sending it, before fuse could see
 * FR_SENT: queue the interrupt the way fuse's own queue_interrupt() does.
 * The request is in flight, hence alive.
 */
void vtfs_queue_interrupt(struct fuse_req *req)
{
	struct fuse_iqueue *fiq = &req->fm->fc->iq;

	spin_lock(&fiq->lock);
	if (list_empty(&req->intr_entry) &&
	    !test_bit(FR_FINISHED, &req->flags)) {
		list_add_tail(&req->intr_entry, &fiq->interrupts);
		vtfs_hiprio_kick(fiq);
	}
	spin_unlock(&fiq->lock);
}

static void vtfs_fill_interrupt(struct vtfs_hiprio_msg *msg,
				struct fuse_req *req)
{
	msg->ih.opcode = FUSE_INTERRUPT;
	msg->ih.unique = req->in.h.unique | VTFS_INT_REQ_BIT;
	msg->ih.len = sizeof(msg->ih) + sizeof(msg->interrupt);
	msg->interrupt.unique = req->in.h.unique;
}

static void vtfs_fill_forgets(struct vtfs_hiprio_msg *msg,
			      struct fuse_forget_link *link,
			      unsigned int count)
{
	struct fuse_forget_link *next;
	unsigned int i = 0;

	if (count == 1) {
		msg->ih.opcode = FUSE_FORGET;
		msg->ih.nodeid = link->forget_one.nodeid;
		msg->ih.len = sizeof(msg->ih) + sizeof(msg->forget);
		msg->forget.nlookup = link->forget_one.nlookup;
		kfree(link);
		return;
	}
	msg->ih.opcode = FUSE_BATCH_FORGET;
	msg->ih.len = sizeof(msg->ih) + sizeof(msg->batch) +
		      count * sizeof(msg->one[0]);
	msg->batch.count = count;
	for (; link; link = next) {
		next = link->next;
		msg->one[i++] = link->forget_one;
		kfree(link);
	}
}

/*
 * Take up to @max forgets off fiq's list (fuse.ko's own helper is private
 * in 6.12).  Caller holds fiq->lock.
 */
static struct fuse_forget_link *vtfs_dequeue_forgets(struct fuse_iqueue *fiq,
						     unsigned int max,
						     unsigned int *count)
{
	struct fuse_forget_link *head = fiq->forget_list_head.next;
	struct fuse_forget_link **link = &head;

	for (*count = 0; *link && *count < max; (*count)++)
		link = &(*link)->next;
	fiq->forget_list_head.next = *link;
	*link = NULL;
	if (!fiq->forget_list_head.next)
		fiq->forget_list_tail = &fiq->forget_list_head;
	return head;
}

/* Build the next message from the iqueue; NULL when there is none. */
static struct vtfs_hiprio_msg *vtfs_hiprio_next(struct vtfs_device *dev)
{
	struct fuse_forget_link *links = NULL;
	struct vtfs_hiprio_msg *msg;
	struct fuse_iqueue *fiq;
	struct fuse_req *req;
	unsigned int count = 0;
	bool found = false;

	msg = kzalloc(sizeof(*msg), GFP_NOIO | __GFP_NOFAIL);
retry:
	spin_lock(&dev->conn_lock);
	if (!dev->fc)
		goto unlock;
	fiq = &dev->fc->iq;
	spin_lock(&fiq->lock);
	req = NULL;
	if (vtfs_interrupts_enabled(dev))
		req = list_first_entry_or_null(&fiq->interrupts,
					       struct fuse_req, intr_entry);
	if (req) {
		list_del_init(&req->intr_entry);
		vtfs_fill_interrupt(msg, req);
		found = true;
	} else if (fiq->forget_list_head.next) {
		links = vtfs_dequeue_forgets(fiq, VTFS_FORGET_BATCH, &count);
	}
	spin_unlock(&fiq->lock);
	if (links)
		msg->ih.unique = vtfs_get_unique(fiq);
unlock:
	spin_unlock(&dev->conn_lock);

	/* The version table may absorb whole forgets: then look for more. */
	if (links) {
		count = vtfs_vtable_forget_list(dev, &links);
		if (!links)
			goto retry;
		vtfs_fill_forgets(msg, links, count);
		found = true;
	}
	if (!found) {
		kfree(msg);
		return NULL;
	}
	return msg;
}

/* Returns 0, -ENOSPC/-ENOMEM (try again later) or another error. */
static int vtfs_hiprio_add(struct vtfs_queue *q, struct vtfs_hiprio_msg *msg)
{
	struct scatterlist sg;
	int err;

	sg_init_one(&sg, msg, msg->ih.len);
	spin_lock(&q->lock);
	if (!q->running) {
		err = -ENOTCONN;
		goto unlock;
	}
	err = virtqueue_add_outbuf(q->vq, &sg, 1, msg, GFP_ATOMIC);
	if (err)
		goto unlock;
	q->nr_inflight++;
	q->stats.requests++;
	if (virtqueue_kick_prepare(q->vq)) {
		q->stats.kicks++;
		virtqueue_notify(q->vq);
	}
unlock:
	spin_unlock(&q->lock);
	return err;
}

/* Keep @msg for later; false if buffers came back meanwhile (retry now). */
static bool vtfs_hiprio_hold(struct vtfs_queue *q, struct vtfs_hiprio_msg *msg,
			     u64 reaped)
{
	bool held;

	spin_lock(&q->lock);
	held = q->reaped == reaped;
	if (held) {
		q->dev->hiprio_held = msg;
		q->stats.full++;
	}
	spin_unlock(&q->lock);
	return held;
}

void vtfs_hiprio_send(struct work_struct *work)
{
	struct vtfs_device *dev = container_of(work, struct vtfs_device,
					       hiprio_work);
	struct vtfs_queue *q = &dev->queues[VTFS_HIPRIO_QUEUE];
	struct vtfs_hiprio_msg *msg;
	u64 reaped;
	int err;

	for (;;) {
		spin_lock(&q->lock);
		msg = dev->hiprio_held;
		dev->hiprio_held = NULL;
		reaped = q->reaped;
		spin_unlock(&q->lock);

		if (!msg)
			msg = vtfs_hiprio_next(dev);
		if (!msg)
			return;
		err = vtfs_hiprio_add(q, msg);
		if (!err)
			continue;
		if (err != -ENOSPC && err != -ENOMEM) {
			/* Device is gone: a lost forget costs the host an inode. */
			kfree(msg);
			return;
		}
		if (vtfs_hiprio_hold(q, msg, reaped))
			return;
	}
}

static void vtfs_free_used(struct vtfs_queue *q, void *msg, unsigned int len,
			   void *unused)
{
	kfree(msg);
	q->nr_inflight--;
}

static void vtfs_hiprio_reap(struct work_struct *work)
{
	struct vtfs_queue *q = container_of(work, struct vtfs_queue,
					    done_work);
	bool held = false;

	spin_lock(&q->lock);
	if (q->running) {
		vtfs_drain_used(q, vtfs_free_used, NULL);
		held = q->dev->hiprio_held;
	}
	spin_unlock(&q->lock);

	if (held)
		queue_work(vtfs_wq, &q->dev->hiprio_work);
}

void vtfs_hiprio_done(struct virtqueue *vq)
{
	struct vtfs_device *dev = vq->vdev->priv;
	struct vtfs_queue *q = &dev->queues[VTFS_HIPRIO_QUEUE];

	atomic64_inc(&q->interrupts);
	queue_work(vtfs_wq, &q->done_work);
}

/* After a device reset: free every message.  q->running is false. */
void vtfs_hiprio_reclaim(struct vtfs_device *dev)
{
	struct vtfs_queue *q = &dev->queues[VTFS_HIPRIO_QUEUE];
	struct vtfs_hiprio_msg *msg;

	spin_lock(&q->lock);
	vtfs_take_all_used(q, vtfs_free_used, NULL);
	while ((msg = virtqueue_detach_unused_buf(q->vq)) != NULL)
		kfree(msg);
	q->nr_inflight = 0;
	kfree(dev->hiprio_held);
	dev->hiprio_held = NULL;
	spin_unlock(&q->lock);
}

void vtfs_hiprio_init(struct vtfs_queue *q, struct vtfs_device *dev)
{
	spin_lock_init(&q->lock);
	q->dev = dev;
	q->hiprio = true;
	q->index = VTFS_HIPRIO_QUEUE;
	INIT_LIST_HEAD(&q->inflight);
	INIT_LIST_HEAD(&q->backlog);
	INIT_WORK(&q->done_work, vtfs_hiprio_reap);
	strscpy(q->name, "hiprio", sizeof(q->name));
}
