// SPDX-License-Identifier: GPL-2.0
/*
 * virtio_fs.ko: FUSE requests on the request queues.
 *
 * fuse.ko hands a request to vtfs_send_request() (through the iqueue ops in
 * vtfs_compat.c, which differ by kernel).  We pick the request queue of the current
 * CPU, describe the request to the device as two scatter-gather lists
 * (device-readable: in header, in args, in pages; device-writable: out
 * header, out args, out pages) and make it available.  Fixed-size args
 * travel through a bounce buffer in our per-request struct vtfs_req, since
 * fuse passes some of them on the stack; page payloads are mapped in place.
 *
 * When the device returns the buffer, the reply is checked against what
 * the request allows before anything is copied back: a malformed reply
 * fails that request with -EIO instead of corrupting memory.
 *
 * A full ring (or no memory in atomic context) never fails a request: it
 * waits on the queue's backlog and is retried from a worker when the
 * device returns buffers.
 */
#include <linux/highmem.h>
#include <linux/scatterlist.h>
#include <linux/sched/clock.h>
#include <linux/slab.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ring.h>
#include <linux/wait_bit.h>

#include "vtfs.h"

/* One request made available to the device; the virtqueue token. */
struct vtfs_req {
	struct list_head node;		/* on vtfs_queue.inflight */
	struct fuse_req *req;
	struct vtfs_queue *queue;
	u64 sent_ns;			/* local_clock(): latency, watchdog */
	unsigned int used_len;		/* bytes the device wrote */
	unsigned int in_len;		/* bounce bytes for in args */
	unsigned int nr_out_sg;		/* device-readable entries */
	unsigned int nr_in_sg;		/* device-writable entries */
	struct work_struct end_work;	/* for args that may block */
	struct vtfs_vtable_tag vt;	/* versions the reply depends on */
	struct scatterlist *sg;		/* nr_out_sg + nr_in_sg entries */
	u8 *bounce;			/* in args, then fixed out args */
};

static struct vtfs_queue *vtfs_queue_of(struct virtqueue *vq)
{
	struct vtfs_device *dev = vq->vdev->priv;

	return &dev->queues[vq->index];
}

static struct fuse_args_pages *vtfs_pages_of(struct fuse_args *args)
{
	return container_of(args, struct fuse_args_pages, args);
}

/*
 * Number of page entries covering @bytes of @ap's pages; fills @sg with
 * them unless it is NULL.
 */
static unsigned int vtfs_map_pages(struct scatterlist *sg,
				   struct fuse_args_pages *ap,
				   unsigned int bytes)
{
	unsigned int n = 0;
	unsigned int off, len;
	struct page *page;

	while (bytes && n < vtfs_ap_count(ap)) {
		page = vtfs_ap_page(ap, n, &off, &len);
		len = min(bytes, len);
		if (sg)
			sg_set_page(&sg[n], page, len, off);
		bytes -= len;
		n++;
	}
	return n;
}

static unsigned int vtfs_fixed_in_len(struct fuse_args *args)
{
	return fuse_len_args(args->in_numargs - args->in_pages,
			     (struct fuse_arg *)args->in_args);
}

static unsigned int vtfs_fixed_out_len(struct fuse_args *args)
{
	return fuse_len_args(args->out_numargs - args->out_pages,
			     args->out_args);
}

static unsigned int vtfs_page_bytes_in(struct fuse_args *args)
{
	return args->in_pages ? args->in_args[args->in_numargs - 1].size : 0;
}

static unsigned int vtfs_page_bytes_out(struct fuse_args *args)
{
	return args->out_pages ? args->out_args[args->out_numargs - 1].size : 0;
}

/* Fill the device-readable list: header, fixed in args, in pages. */
static unsigned int vtfs_build_out_sg(struct vtfs_req *vr)
{
	struct fuse_req *req = vr->req;
	struct fuse_args *args = req->args;
	struct scatterlist *sg = vr->sg;
	unsigned int n = 0;
	unsigned int off = 0;
	unsigned int i;

	for (i = 0; i < args->in_numargs - args->in_pages; i++) {
		memcpy(vr->bounce + off, args->in_args[i].value,
		       args->in_args[i].size);
		off += args->in_args[i].size;
	}
	vtfs_caps_ask(req->in.h.opcode, vr->bounce, off);
	sg_set_buf(&sg[n++], &req->in.h, sizeof(req->in.h));
	if (vr->in_len)
		sg_set_buf(&sg[n++], vr->bounce, vr->in_len);
	if (args->in_pages)
		n += vtfs_map_pages(&sg[n], vtfs_pages_of(args),
				    vtfs_page_bytes_in(args));
	return n;
}

/* Fill the device-writable list: header, fixed out args, out pages. */
static unsigned int vtfs_build_in_sg(struct vtfs_req *vr)
{
	struct fuse_req *req = vr->req;
	struct fuse_args *args = req->args;
	struct scatterlist *sg = vr->sg + vr->nr_out_sg;
	unsigned int fixed = vtfs_fixed_out_len(args);
	unsigned int n = 0;

	sg_set_buf(&sg[n++], &req->out.h, sizeof(req->out.h));
	if (fixed)
		sg_set_buf(&sg[n++], vr->bounce + vr->in_len, fixed);
	if (args->out_pages)
		n += vtfs_map_pages(&sg[n], vtfs_pages_of(args),
				    vtfs_page_bytes_out(args));
	return n;
}

/*
 * Allocate the token for @req with its bounce buffer and sg entries in one
 * piece (kmalloc memory, so the device may access the bounce buffer).
 */
static struct vtfs_req *vtfs_req_alloc(struct fuse_req *req, gfp_t gfp)
{
	struct fuse_args *args = req->args;
	bool reply = test_bit(FR_ISREPLY, &req->flags);
	unsigned int in_len = vtfs_fixed_in_len(args);
	unsigned int out_len = reply ? vtfs_fixed_out_len(args) : 0;
	unsigned int nr_out, nr_in = 0;
	struct vtfs_req *vr;
	size_t size;

	nr_out = 1 + !!in_len;
	if (args->in_pages)
		nr_out += vtfs_map_pages(NULL, vtfs_pages_of(args),
					 vtfs_page_bytes_in(args));
	if (reply) {
		nr_in = 1 + !!out_len;
		if (args->out_pages)
			nr_in += vtfs_map_pages(NULL, vtfs_pages_of(args),
						vtfs_page_bytes_out(args));
	}

	size = sizeof(*vr) + (nr_out + nr_in) * sizeof(struct scatterlist);
	vr = kmalloc(size + in_len + out_len, gfp);
	if (!vr)
		return NULL;
	vr->req = req;
	vr->in_len = in_len;
	vr->nr_out_sg = nr_out;
	vr->nr_in_sg = nr_in;
	vr->sg = (struct scatterlist *)(vr + 1);
	vr->bounce = (u8 *)vr + size;

	sg_init_table(vr->sg, nr_out);
	WARN_ON(vtfs_build_out_sg(vr) != nr_out);
	if (reply) {
		sg_init_table(vr->sg + nr_out, nr_in);
		WARN_ON(vtfs_build_in_sg(vr) != nr_in);
	}
	return vr;
}

/* Caller holds q->lock and the request is in flight, so it is alive. */
static void vtfs_catch_interrupt(struct vtfs_queue *q, struct fuse_req *req)
{
	/* Pairs with the barrier after set_bit(FR_INTERRUPTED) in fuse. */
	smp_mb__after_atomic();
	if (vtfs_interrupts_enabled(q->dev) &&
	    test_bit(FR_INTERRUPTED, &req->flags))
		vtfs_queue_interrupt(req);
}

/* Make @vr available to the device.  Caller holds q->lock. */
static int vtfs_add_locked(struct vtfs_queue *q, struct vtfs_req *vr)
{
	struct scatterlist *lists[2] = { vr->sg, vr->sg + vr->nr_out_sg };
	struct fuse_req *req = vr->req;
	int err;

	if (!q->running)
		return -ENOTCONN;
	if (vr->nr_out_sg + vr->nr_in_sg > virtqueue_get_vring_size(q->vq) &&
	    !virtio_has_feature(q->dev->vdev, VIRTIO_RING_F_INDIRECT_DESC))
		return -E2BIG;

	set_bit(FR_SENT, &req->flags);
	err = virtqueue_add_sgs(q->vq, lists, 1, vr->nr_in_sg ? 1 : 0, vr,
				GFP_ATOMIC);
	if (err) {
		clear_bit(FR_SENT, &req->flags);
		return err;
	}
	vr->queue = q;
	vr->sent_ns = local_clock();
	list_add_tail(&vr->node, &q->inflight);
	q->nr_inflight++;
	q->stats.requests++;
	vtfs_catch_interrupt(q, req);
	return 0;
}

/*
 * Whether the device wants a kick for what was just added; if so the
 * caller must call vtfs_kick() after dropping q->lock.  The kick is an
 * exit to the hypervisor: under the lock, the queue's other senders and
 * its reaper (or poller) would spin for all of it.  Caller holds q->lock.
 */
static bool vtfs_kick_prepare_locked(struct vtfs_queue *q)
{
	if (!virtqueue_kick_prepare(q->vq))
		return false;
	q->stats.kicks++;
	atomic_inc(&q->kicking);
	return true;
}

/* vtfs_remove() deletes the vq only once no kick is under way. */
static void vtfs_kick(struct vtfs_queue *q)
{
	virtqueue_notify(q->vq);
	if (atomic_dec_and_test(&q->kicking))
		wake_up_var(&q->kicking);
}

static int vtfs_submit(struct vtfs_queue *q, struct fuse_req *req, gfp_t gfp)
{
	struct vtfs_req *vr;
	bool kick;
	int err;

	vr = vtfs_req_alloc(req, gfp);
	if (!vr)
		return -ENOMEM;
	vtfs_vtable_before_send(q->dev, req, &vr->vt);
	spin_lock(&q->lock);
	err = vtfs_add_locked(q, vr);
	kick = !err && vtfs_kick_prepare_locked(q);
	spin_unlock(&q->lock);
	if (kick)
		vtfs_kick(q);
	if (err)
		kfree(vr);
	return err;
}

static bool vtfs_transient(int err)
{
	return err == -ENOSPC || err == -ENOMEM;
}

/*
 * Fail @req without touching the device.  The submission path may hold
 * fc->bg_lock, which fuse_request_end() takes, so a worker ends it.
 */
void vtfs_refuse(struct vtfs_device *dev, struct fuse_req *req, int err)
{
	req->out.h.error = err;
	spin_lock(&dev->end_lock);
	list_add_tail(&req->list, &dev->end_list);
	spin_unlock(&dev->end_lock);
	queue_work(vtfs_wq, &dev->end_work);
}

void vtfs_end_refused(struct work_struct *work)
{
	struct vtfs_device *dev = container_of(work, struct vtfs_device,
					       end_work);
	struct fuse_req *req, *next;
	LIST_HEAD(reqs);

	spin_lock(&dev->end_lock);
	list_splice_init(&dev->end_list, &reqs);
	spin_unlock(&dev->end_lock);

	list_for_each_entry_safe(req, next, &reqs, list) {
		list_del_init(&req->list);
		fuse_request_end(req);
	}
}

/* Queue behind earlier deferred requests so order is kept. */
static void vtfs_defer(struct vtfs_queue *q, struct fuse_req *req,
		       unsigned long delay)
{
	spin_lock(&q->lock);
	list_add_tail(&req->list, &q->backlog);
	q->stats.full++;
	spin_unlock(&q->lock);
	mod_delayed_work(vtfs_wq, &q->submit_work, delay);
}

static void vtfs_dispatch(struct vtfs_queue *q, struct fuse_req *req)
{
	bool behind;
	int err;

	spin_lock(&q->lock);
	behind = !list_empty(&q->backlog);
	if (behind)
		list_add_tail(&req->list, &q->backlog);
	spin_unlock(&q->lock);
	if (behind)
		return;

	err = vtfs_submit(q, req, GFP_ATOMIC);
	if (!err)
		return;
	if (vtfs_transient(err))
		vtfs_defer(q, req, 0);
	else
		vtfs_refuse(q->dev, req, err);
}

/* Worker: retry the backlog in order until the ring is full again. */
static void vtfs_submit_backlog(struct work_struct *work)
{
	struct vtfs_queue *q = container_of(to_delayed_work(work),
					    struct vtfs_queue, submit_work);
	struct fuse_req *req;
	u64 reaped;
	int err;

	for (;;) {
		spin_lock(&q->lock);
		req = list_first_entry_or_null(&q->backlog, struct fuse_req,
					       list);
		if (req)
			list_del_init(&req->list);
		reaped = q->reaped;
		spin_unlock(&q->lock);
		if (!req)
			return;

		err = vtfs_submit(q, req, GFP_NOIO);
		if (!err)
			continue;
		if (!vtfs_transient(err)) {
			vtfs_refuse(q->dev, req, err);
			continue;
		}

		spin_lock(&q->lock);
		list_add(&req->list, &q->backlog);
		/* Buffers came back meanwhile: the reaper saw no backlog. */
		if (q->reaped != reaped)
			err = 0;
		spin_unlock(&q->lock);
		if (err == -ENOMEM)
			mod_delayed_work(vtfs_wq, &q->submit_work, HZ / 50);
		if (err)
			return;
	}
}

static void vtfs_zero_tail(struct fuse_args_pages *ap, unsigned int filled)
{
	unsigned int i, off, len;
	struct page *page;

	for (i = 0; i < vtfs_ap_count(ap); i++) {
		page = vtfs_ap_page(ap, i, &off, &len);
		if (filled < len)
			zero_user_segment(page, off + filled, off + len);
		filled -= min(filled, len);
	}
}

static const char *vtfs_check_header(struct vtfs_req *vr)
{
	struct fuse_req *req = vr->req;
	struct fuse_out_header *oh = &req->out.h;

	if (vr->used_len < sizeof(*oh))
		return "shorter than a reply header";
	if (oh->unique != req->in.h.unique)
		return "unique does not match the request";
	if (oh->len < sizeof(*oh) || oh->len > vr->used_len)
		return "length disagrees with what the device wrote";
	if (oh->error > 0 || oh->error <= -512)
		return "error code out of range";
	return NULL;
}

/*
 * The payload must fill the out args exactly, except that a variable
 * sized last arg (out_argvar) may come back shorter.
 */
static const char *vtfs_fit_payload(struct fuse_args *args,
				    unsigned int payload)
{
	unsigned int want = fuse_len_args(args->out_numargs, args->out_args);
	struct fuse_arg *last;

	if (payload > want)
		return "payload longer than the request allows";
	if (payload == want)
		return NULL;
	last = &args->out_args[args->out_numargs - 1];
	if (!args->out_argvar || want - payload > last->size)
		return "payload shorter than the request needs";
	last->size -= want - payload;
	return NULL;
}

static void vtfs_copy_out(struct vtfs_req *vr)
{
	struct fuse_args *args = vr->req->args;
	const u8 *src = vr->bounce + vr->in_len;
	unsigned int i;

	for (i = 0; i < args->out_numargs - args->out_pages; i++) {
		memcpy(args->out_args[i].value, src, args->out_args[i].size);
		src += args->out_args[i].size;
	}
	if (args->out_pages && args->page_zeroing)
		vtfs_zero_tail(vtfs_pages_of(args),
			       args->out_args[args->out_numargs - 1].size);
}

static void vtfs_count_bad_reply(struct vtfs_queue *q)
{
	spin_lock(&q->lock);
	q->stats.bad_replies++;
	spin_unlock(&q->lock);
}

/* Check the reply and copy it out; returns 0 or a negative errno. */
static int vtfs_take_reply(struct vtfs_req *vr)
{
	struct fuse_req *req = vr->req;
	struct fuse_out_header *oh = &req->out.h;
	const char *why;

	if (!test_bit(FR_ISREPLY, &req->flags))
		return 0;
	why = vtfs_check_header(vr);
	if (!why && !oh->error)
		why = vtfs_fit_payload(req->args, oh->len - sizeof(*oh));
	if (why) {
		vtfs_count_bad_reply(vr->queue);
		pr_warn_ratelimited("%s: tag %s: bad reply to opcode %u unique %llu: %s\n",
				    VTFS_NAME, vr->queue->dev->tag,
				    req->in.h.opcode, req->in.h.unique, why);
		return -EIO;
	}
	if (!oh->error)
		vtfs_copy_out(vr);
	vtfs_caps_take(vr->queue->dev, req);
	return 0;
}

static void vtfs_end(struct vtfs_req *vr)
{
	struct fuse_req *req = vr->req;

	kfree(vr);
	fuse_request_end(req);
}

static void vtfs_end_work(struct work_struct *work)
{
	vtfs_end(container_of(work, struct vtfs_req, end_work));
}

/* A request ends with @err (0: the reply, already checked). */
static void vtfs_finish(struct vtfs_req *vr, int err)
{
	struct fuse_req *req = vr->req;

	clear_bit(FR_SENT, &req->flags);
	if (err)
		req->out.h.error = err;
	else
		vtfs_vtable_note_reply(vr->queue->dev, req, &vr->vt);
	/* Ending may sleep for these; do not hold up the other replies. */
	if (req->args->may_block) {
		INIT_WORK(&vr->end_work, vtfs_end_work);
		queue_work(vtfs_wq, &vr->end_work);
		return;
	}
	vtfs_end(vr);
}

static void vtfs_take_used(struct vtfs_queue *q, void *token,
			   unsigned int len, void *done)
{
	struct vtfs_req *vr = token;
	u64 now = local_clock();

	vr->used_len = len;
	/* Taken on another CPU, the clock may read a little behind. */
	vtfs_latency_note(&q->latency, now > vr->sent_ns ? now - vr->sent_ns : 0);
	list_move_tail(&vr->node, done);
	q->nr_inflight--;
}

/*
 * Moves the requests whose replies @q has onto @done; true if requests
 * wait in the backlog for the room this made.  The callback stays off
 * while a task polls the queue (vtfs_poll.c); the last poller re-arms it.
 * Caller holds q->lock.
 */
static bool vtfs_take_replies(struct vtfs_queue *q, struct list_head *done)
{
	if (!q->running)
		return false;
	if (q->pollers)
		vtfs_take_all_used(q, vtfs_take_used, done);
	else
		vtfs_drain_used(q, vtfs_take_used, done);
	return !list_empty(&q->backlog);
}

static void vtfs_end_replies(struct vtfs_queue *q, struct list_head *done,
			     bool backlog)
{
	struct vtfs_req *vr, *next;

	if (backlog)
		mod_delayed_work(vtfs_wq, &q->submit_work, 0);

	list_for_each_entry_safe(vr, next, done, node) {
		list_del(&vr->node);
		vtfs_finish(vr, vtfs_take_reply(vr));
	}
}

/* End the requests whose replies @q has. */
void vtfs_reap_queue(struct vtfs_queue *q)
{
	LIST_HEAD(done);
	bool backlog;

	spin_lock(&q->lock);
	backlog = vtfs_take_replies(q, &done);
	spin_unlock(&q->lock);
	vtfs_end_replies(q, &done, backlog);
}

/*
 * vtfs_reap_queue() for pollers, who call it on every spin: whoever holds
 * q->lock is sending or reaping already, and waiting for the lock would
 * only make that CPU's own spin longer (and, with the vCPU holding it
 * preempted by the host, much longer).
 */
void vtfs_try_reap_queue(struct vtfs_queue *q)
{
	LIST_HEAD(done);
	bool backlog;

	if (!spin_trylock(&q->lock))
		return;
	backlog = vtfs_take_replies(q, &done);
	spin_unlock(&q->lock);
	vtfs_end_replies(q, &done, backlog);
}

static void vtfs_reap(struct work_struct *work)
{
	vtfs_reap_queue(container_of(work, struct vtfs_queue, done_work));
}

void vtfs_request_done(struct virtqueue *vq)
{
	struct vtfs_queue *q = vtfs_queue_of(vq);

	atomic64_inc(&q->interrupts);
	queue_work(vtfs_wq, &q->done_work);
}

/*
 * After a device reset: replies the device completed are delivered, the
 * rest fail with @err.  Caller holds dev->lock; q->running is false.
 */
void vtfs_reclaim_queue(struct vtfs_queue *q, int err)
{
	struct vtfs_req *vr, *next;
	struct fuse_req *req, *rnext;
	LIST_HEAD(done);
	LIST_HEAD(lost);
	LIST_HEAD(waiting);

	spin_lock(&q->lock);
	vtfs_take_all_used(q, vtfs_take_used, &done);
	while ((vr = virtqueue_detach_unused_buf(q->vq)) != NULL) {
		list_move_tail(&vr->node, &lost);
		q->nr_inflight--;
	}
	list_splice_init(&q->backlog, &waiting);
	spin_unlock(&q->lock);

	list_for_each_entry_safe(vr, next, &done, node) {
		list_del(&vr->node);
		vtfs_finish(vr, vtfs_take_reply(vr));
	}
	list_for_each_entry_safe(vr, next, &lost, node) {
		list_del(&vr->node);
		vtfs_finish(vr, err);
	}
	list_for_each_entry_safe(req, rnext, &waiting, list) {
		list_del_init(&req->list);
		req->out.h.error = err;
		fuse_request_end(req);
	}
}

static struct vtfs_queue *vtfs_pick_queue(struct vtfs_device *dev)
{
	unsigned int cpu = raw_smp_processor_id();

	return &dev->queues[VTFS_FIRST_REQUEST_QUEUE +
			    cpu % vtfs_nr_request_queues(dev)];
}

/*
 * fuse.ko's readahead READs are background requests on locked page cache
 * pages: their mapping's next one-page readaheads are read synchronously
 * instead (vtfs_readahead.c).
 */
static void vtfs_note_readahead(struct fuse_req *req)
{
	struct fuse_args *args = req->args;
	unsigned int off, len;
	struct page *page;

	if (req->in.h.opcode != FUSE_READ ||
	    !test_bit(FR_BACKGROUND, &req->flags) || !args->out_pages ||
	    !args->page_replace || !vtfs_ap_count(vtfs_pages_of(args)))
		return;
	page = vtfs_ap_page(vtfs_pages_of(args), 0, &off, &len);
	if (page_folio(page)->mapping)
		vtfs_readahead_adopt(page_folio(page)->mapping);
}

/*
 * fuse.ko hands over @req (through vtfs_fiq_ops, vtfs_compat.c) with
 * FR_PENDING clear and its unique id set.
 */
void vtfs_send_request(struct vtfs_device *dev, struct fuse_req *req)
{
	struct vtfs_queue *q;
	u64 poll_ns = 0;

	vtfs_note_readahead(req);
	if (vtfs_vtable_answer(dev, req))
		return;
	q = vtfs_pick_queue(dev);
	/*
	 * Decided before sending: a background request may be gone once
	 * answered; a polled one is its sender's (vtfs_poll.c).
	 */
	if (vtfs_poll_wanted(dev, req))
		poll_ns = vtfs_poll_begin(q);
	vtfs_dispatch(q, req);
	if (poll_ns)
		vtfs_poll_reply(q, req, poll_ns);
}

/* Blocking lock requests wait for other lock holders, not for a device. */
static bool vtfs_may_wait_forever(struct vtfs_req *vr)
{
	return vr->req->in.h.opcode == FUSE_SETLKW;
}

static bool vtfs_queue_stalled(struct vtfs_queue *q, unsigned long timeout,
			       u32 *opcode)
{
	u64 limit = jiffies_to_nsecs(timeout);
	u64 now = local_clock();
	struct vtfs_req *vr;
	bool stalled = false;

	spin_lock(&q->lock);
	list_for_each_entry(vr, &q->inflight, node) {
		if (vtfs_may_wait_forever(vr))
			continue;
		/* Oldest first: if this one is in time, all later are. */
		stalled = now > vr->sent_ns && now - vr->sent_ns > limit;
		if (stalled) {
			*opcode = vr->req->in.h.opcode;
			q->stats.timeouts++;
		}
		break;
	}
	spin_unlock(&q->lock);
	return stalled;
}

static unsigned long vtfs_watchdog_period(unsigned long timeout)
{
	return clamp(timeout / 5, (unsigned long)HZ, 10UL * HZ);
}

void vtfs_arm_watchdog(struct vtfs_device *dev)
{
	unsigned long timeout = READ_ONCE(dev->timeout);

	if (timeout)
		mod_delayed_work(vtfs_wq, &dev->watchdog,
				 vtfs_watchdog_period(timeout));
}

/*
 * The device gives no sign when the daemon behind it dies: requests just
 * never come back.  A request older than the timeout means the device is
 * gone for us; reset it so its requests (and all later ones) fail.
 */
void vtfs_watchdog(struct work_struct *work)
{
	struct vtfs_device *dev = container_of(to_delayed_work(work),
					       struct vtfs_device, watchdog);
	unsigned long timeout = READ_ONCE(dev->timeout);
	unsigned int i;
	u32 opcode;

	if (!timeout || READ_ONCE(dev->state) != VTFS_LIVE)
		return;
	for (i = VTFS_FIRST_REQUEST_QUEUE; i < dev->nr_queues; i++) {
		if (vtfs_queue_stalled(&dev->queues[i], timeout, &opcode)) {
			pr_err("%s: tag %s: opcode %u got no reply in %lu s; resetting the device, I/O fails until it is probed again\n",
			       VTFS_NAME, dev->tag, opcode, timeout / HZ);
			vtfs_fail_device(dev, -ETIMEDOUT);
			return;
		}
	}
	if (READ_ONCE(dev->fc))
		vtfs_arm_watchdog(dev);
}

/* Largest request (in pages) that fits every request queue's ring. */
unsigned int vtfs_ring_max_pages(struct vtfs_device *dev)
{
	unsigned int ring = UINT_MAX;
	unsigned int i;

	for (i = VTFS_FIRST_REQUEST_QUEUE; i < dev->nr_queues; i++)
		ring = min(ring, virtqueue_get_vring_size(dev->queues[i].vq));
	/* Pages may be mapped in both directions (ioctl). */
	return ring > VTFS_SG_OVERHEAD ? (ring - VTFS_SG_OVERHEAD) / 2 : 1;
}

void vtfs_queue_init(struct vtfs_queue *q, struct vtfs_device *dev,
		     unsigned int index)
{
	spin_lock_init(&q->lock);
	q->dev = dev;
	q->index = index;
	INIT_LIST_HEAD(&q->inflight);
	INIT_LIST_HEAD(&q->backlog);
	INIT_WORK(&q->done_work, vtfs_reap);
	INIT_DELAYED_WORK(&q->submit_work, vtfs_submit_backlog);
	snprintf(q->name, sizeof(q->name), "request.%u",
		 index - VTFS_FIRST_REQUEST_QUEUE);
}
