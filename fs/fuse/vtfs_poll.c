// SPDX-License-Identifier: GPL-2.0
/*
 * virtio_fs.ko: waiting for a reply by polling its queue (mount option
 * poll_us=N|auto, auto by default).
 *
 * A synchronous request normally ends with an interrupt: the device
 * signals, the guest takes the interrupt, a worker reaps the used ring and
 * wakes the sender.  Under emulation each of those steps is expensive, and
 * a host that answers in tens of microseconds is kept waiting for the
 * guest to notice.  With poll_us=N, the task that sent a synchronous
 * request spins on its queue for up to N microseconds with the queue's
 * callback off, and reaps the reply itself; fuse.ko then finds the request
 * finished and does not sleep.  Past N (or when the scheduler wants the
 * CPU, or a signal is pending) the callback is re-armed and the request
 * ends the usual way.  Polling only happens while a request is in flight,
 * from a context that may sleep, never for background requests.
 *
 * poll_us=auto (the default) polls only where it pays: for up to twice the
 * queue's recent round trip, at most VTFS_POLL_AUTO_MAX_NS, and not at all
 * while recent round trips are longer than that (a slow host file: the
 * spinning would only cost CPU).  The average follows every reply,
 * polled or not, so polling comes back when the host does.
 *
 * The poller never touches the request after sending it (it may belong to
 * another task and be gone once answered): it stops at the first reply
 * the queue yields, which is its own unless others were in flight.
 */
#include <linux/ktime.h>
#include <linux/sched/signal.h>

#include "vtfs.h"

#define VTFS_POLL_AUTO_MAX_NS	(200 * NSEC_PER_USEC)

/* A reply came back @ns after its request was made available. */
void vtfs_poll_note_rtt(struct vtfs_queue *q, u64 ns)
{
	u32 sample = min_t(u64, ns, U32_MAX);
	u32 avg = q->rtt_avg_ns;

	/* An average over the last eight or so; the first sample seeds it. */
	WRITE_ONCE(q->rtt_avg_ns, avg ? avg - avg / 8 + sample / 8 : sample);
}

/* How long @q's sender should poll, in ns; 0: not at all. */
static u64 vtfs_poll_window(struct vtfs_queue *q)
{
	unsigned int mode = READ_ONCE(q->dev->poll_ns);
	u32 avg;

	if (mode != VTFS_POLL_AUTO)
		return mode;
	avg = READ_ONCE(q->rtt_avg_ns);
	if (avg > VTFS_POLL_AUTO_MAX_NS)
		return 0;
	if (!avg)
		return VTFS_POLL_AUTO_MAX_NS;
	return min_t(u64, 2ULL * avg, VTFS_POLL_AUTO_MAX_NS);
}

/* Whether @req's sender should poll for its reply. */
bool vtfs_poll_wanted(struct vtfs_device *dev, struct fuse_req *req)
{
	return READ_ONCE(dev->poll_ns) &&
	       test_bit(FR_ISREPLY, &req->flags) &&
	       !test_bit(FR_BACKGROUND, &req->flags) &&
	       preemptible();
}

/* Holds off @q's callback for one more poller.  Caller holds q->lock. */
static void vtfs_poll_begin(struct vtfs_queue *q)
{
	if (q->pollers++ == 0)
		virtqueue_disable_cb(q->vq);
	q->stats.polls++;
}

/*
 * The last poller re-arms the callback; a buffer used since the last reap
 * has no interrupt coming, so reap it from the worker.
 */
static void vtfs_poll_end(struct vtfs_queue *q, bool answered)
{
	bool pending = false;

	spin_lock(&q->lock);
	if (answered)
		q->stats.polled++;
	if (--q->pollers == 0 && q->running)
		pending = !virtqueue_enable_cb(q->vq);
	spin_unlock(&q->lock);
	if (pending)
		queue_work(vtfs_wq, &q->done_work);
}

/* Spins until @q has yielded a reply past @reaped, or the time is up. */
void vtfs_poll_reply(struct vtfs_queue *q, u64 reaped)
{
	u64 window = vtfs_poll_window(q), deadline;
	bool answered = false;

	if (!window)
		return;
	deadline = ktime_get_ns() + window;
	spin_lock(&q->lock);
	if (!q->running) {
		spin_unlock(&q->lock);
		return;
	}
	vtfs_poll_begin(q);
	spin_unlock(&q->lock);

	for (;;) {
		vtfs_reap_queue(q);
		if (READ_ONCE(q->reaped) != reaped) {
			answered = true;
			break;
		}
		if (need_resched() || signal_pending(current) ||
		    ktime_get_ns() > deadline)
			break;
		cpu_relax();
	}
	vtfs_poll_end(q, answered);
}
