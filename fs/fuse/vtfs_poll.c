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
 * from a context that may sleep, never for background requests (fuse.ko
 * sends those under its spinlocks).
 *
 * poll_us=auto (the default) polls only where it pays: for up to twice the
 * queue's recent polled round trip, at most VTFS_POLL_AUTO_MAX_NS.  A poll
 * that runs out of time (a slow host file, a long request) makes the
 * queue's next senders skip polling, twice as many after each miss in a
 * row, up to 1 << VTFS_POLL_MAX_BACKOFF, and doubles the next window: a
 * slow host costs one bounded probe now and then, and the first probe
 * answered in time brings polling back.  A queue has at most one such
 * poller at a time.  Only polled replies feed the average: a reply that
 * came by interrupt took the interrupt's time too, and counting it would
 * keep polling off wherever the interrupt path alone is slower than the
 * window.
 *
 * The poller never touches the request after sending it (it may belong to
 * another task and be gone once answered): it stops at the first reply
 * the queue yields, which is its own unless others were in flight.
 */
#include <linux/sched/clock.h>
#include <linux/sched/signal.h>

#include "vtfs.h"

#define VTFS_POLL_AUTO_MAX_NS	(200 * NSEC_PER_USEC)
#define VTFS_POLL_MAX_BACKOFF	6

/* A poller was answered @ns after it started.  Caller holds q->lock. */
static void vtfs_poll_note_rtt(struct vtfs_queue *q, u64 ns)
{
	u32 sample = min_t(u64, ns, U32_MAX);
	u32 avg = q->rtt_avg_ns;

	/* An average over the last eight or so; the first sample seeds it. */
	q->rtt_avg_ns = avg ? avg - avg / 8 + sample / 8 : sample;
	q->poll_backoff = 0;
}

/*
 * A poller ran out of time: the round trip is longer than the window was,
 * so widen the next one, and skip the next few.  Caller holds q->lock.
 */
static void vtfs_poll_note_miss(struct vtfs_queue *q)
{
	q->rtt_avg_ns = min_t(u64, 2ULL * q->rtt_avg_ns,
			      VTFS_POLL_AUTO_MAX_NS / 2);
	if (q->poll_backoff < VTFS_POLL_MAX_BACKOFF)
		q->poll_backoff++;
	q->poll_skip = 1U << q->poll_backoff;
}

/*
 * How long the sender of a request just made available on @q should poll,
 * in ns; 0: not at all.  Caller holds q->lock.
 */
static u64 vtfs_poll_window(struct vtfs_queue *q)
{
	unsigned int mode = READ_ONCE(q->dev->poll_ns);

	if (mode != VTFS_POLL_AUTO)
		return mode;
	/*
	 * One poller reaps every reply, and ends its neighbours' requests
	 * too; a second would spin a second CPU, and where vCPUs and host
	 * cores are as many, take the core the daemon needs.
	 */
	if (q->pollers)
		return 0;
	if (q->poll_skip) {
		q->poll_skip--;
		return 0;
	}
	if (!q->rtt_avg_ns)
		return VTFS_POLL_AUTO_MAX_NS;
	return min_t(u64, 2ULL * q->rtt_avg_ns, VTFS_POLL_AUTO_MAX_NS);
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

/* How a poll ended. */
enum vtfs_poll_end {
	VTFS_POLL_ANSWERED,
	VTFS_POLL_TIMED_OUT,
	VTFS_POLL_CUT_SHORT,	/* the scheduler or a signal: no verdict */
};

/*
 * The last poller re-arms the callback; a buffer used since the last reap
 * has no interrupt coming, so reap it from the worker.
 */
static void vtfs_poll_end(struct vtfs_queue *q, enum vtfs_poll_end end,
			  u64 ns)
{
	bool pending = false;

	spin_lock(&q->lock);
	if (end == VTFS_POLL_ANSWERED) {
		q->stats.polled++;
		vtfs_poll_note_rtt(q, ns);
	} else if (end == VTFS_POLL_TIMED_OUT) {
		vtfs_poll_note_miss(q);
	}
	if (--q->pollers == 0 && q->running)
		pending = !virtqueue_enable_cb(q->vq);
	spin_unlock(&q->lock);
	if (pending)
		queue_work(vtfs_wq, &q->done_work);
}

/* Spins until @q has yielded a reply past @reaped, or the time is up. */
void vtfs_poll_reply(struct vtfs_queue *q, u64 reaped)
{
	enum vtfs_poll_end end;
	u64 window = 0, start, now, spent;

	spin_lock(&q->lock);
	if (q->running)
		window = vtfs_poll_window(q);
	if (window)
		vtfs_poll_begin(q);
	spin_unlock(&q->lock);
	if (!window)
		return;

	/*
	 * local_clock(), not ktime_get_ns(): where the clocksource is the HPET
	 * (TCG guests find their TSCs unsynchronized), each ktime read is an
	 * exit to the device model under QEMU's global lock, dozens per poll.
	 */
	start = local_clock();
	for (;;) {
		vtfs_reap_queue(q);
		now = local_clock();
		spent = now > start ? now - start : 0;	/* moved CPU */
		if (READ_ONCE(q->reaped) != reaped) {
			end = VTFS_POLL_ANSWERED;
			break;
		}
		if (spent > window) {
			end = VTFS_POLL_TIMED_OUT;
			break;
		}
		if (need_resched() || signal_pending(current)) {
			end = VTFS_POLL_CUT_SHORT;
			break;
		}
		cpu_relax();
	}
	vtfs_poll_end(q, end, spent);
}
