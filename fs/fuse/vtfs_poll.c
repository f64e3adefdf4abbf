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
 * poll_us=auto (the default) polls for up to VTFS_POLL_AUTO_NS, as KVM's
 * halt polling does by default.  The window is fixed, not fitted to recent
 * round trips: under emulation a round trip jitters by several times its
 * median (a vCPU or the daemon preempted on the host, several tasks'
 * requests queued behind one another), and every reply a tight window
 * misses costs an interrupt.  Where polling does not pay it backs off:
 * once more than VTFS_POLL_MISS_TOLERANCE polls in a row run out of time
 * (a slow host file, a long request), the queue's next senders skip
 * polling, twice as many after each further miss, up to
 * 1 << VTFS_POLL_MAX_BACKOFF; the first probe answered in time brings
 * polling back.  A slow host costs one bounded probe now and then, and
 * the odd miss of a busy but fast queue costs no skipped senders.
 *
 * Every sender polls, each on its own CPU: a task that sleeps instead
 * costs its CPU a switch to another task and back, each a full TLB flush
 * under emulation, and a wake-up.  Pollers take whatever replies the queue
 * has, their neighbours' too, and skip a spin rather than wait for the
 * queue's lock.
 *
 * A poller spins until its own request is finished, whoever reaped it.
 * It may look at the request after sending it: a synchronous request
 * reaches the transport from its own sender, which holds a reference to
 * it until it has waited for the answer, after the poll.
 */
#include <linux/sched/clock.h>
#include <linux/sched/signal.h>

#include "vtfs.h"

#define VTFS_POLL_AUTO_NS	(200 * NSEC_PER_USEC)
#define VTFS_POLL_MISS_TOLERANCE	3
#define VTFS_POLL_MAX_BACKOFF	6

/* A poller was answered in time.  Caller holds q->lock. */
static void vtfs_poll_note_answer(struct vtfs_queue *q)
{
	q->poll_misses = 0;
}

/*
 * A poller ran out of time: the round trip was longer than the window.
 * Past the tolerance, skip the next few.  Caller holds q->lock.
 */
static void vtfs_poll_note_miss(struct vtfs_queue *q)
{
	if (q->poll_misses < VTFS_POLL_MISS_TOLERANCE + VTFS_POLL_MAX_BACKOFF)
		q->poll_misses++;
	if (q->poll_misses > VTFS_POLL_MISS_TOLERANCE)
		q->poll_skip = 1U << (q->poll_misses - VTFS_POLL_MISS_TOLERANCE);
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
	if (q->poll_skip) {
		q->poll_skip--;
		return 0;
	}
	return VTFS_POLL_AUTO_NS;
}

/*
 * Whether @req's sender should poll for its reply.  Not for a blocking
 * lock request: it waits for other lock holders, not for the host, and a
 * dozen waiters' misses in a row would make the queue's fast requests
 * after them skip polling.
 */
bool vtfs_poll_wanted(struct vtfs_device *dev, struct fuse_req *req)
{
	return READ_ONCE(dev->poll_ns) &&
	       test_bit(FR_ISREPLY, &req->flags) &&
	       !test_bit(FR_BACKGROUND, &req->flags) &&
	       req->in.h.opcode != FUSE_SETLKW && preemptible();
}

/* Holds off @q's callback for one more poller.  Caller holds q->lock. */
static void vtfs_poll_hold(struct vtfs_queue *q)
{
	if (q->pollers++ == 0)
		virtqueue_disable_cb(q->vq);
	q->stats.polls++;
}

/*
 * Before sending a request whose sender will poll: how long to poll, in
 * ns, 0 for not at all; if not 0, @q's callback is held off already.
 * Before, not after the send: a device that is busy anyway may answer
 * while the sender is still on its way back from the kick, and an enabled
 * callback would then cost an interrupt for a reply the poller takes.
 */
u64 vtfs_poll_begin(struct vtfs_queue *q)
{
	u64 window = 0;

	spin_lock(&q->lock);
	if (q->running)
		window = vtfs_poll_window(q);
	if (window)
		vtfs_poll_hold(q);
	spin_unlock(&q->lock);
	return window;
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
static void vtfs_poll_end(struct vtfs_queue *q, enum vtfs_poll_end end)
{
	bool pending = false;

	spin_lock(&q->lock);
	if (end == VTFS_POLL_ANSWERED) {
		q->stats.polled++;
		vtfs_poll_note_answer(q);
	} else if (end == VTFS_POLL_TIMED_OUT) {
		vtfs_poll_note_miss(q);
	}
	if (--q->pollers == 0 && q->running)
		pending = !virtqueue_enable_cb(q->vq);
	spin_unlock(&q->lock);
	if (pending)
		queue_work(vtfs_wq, &q->done_work);
}

/*
 * Spins until @req, just sent on @q, is answered, or @window ns are up;
 * ends what vtfs_poll_begin() began.
 */
void vtfs_poll_reply(struct vtfs_queue *q, struct fuse_req *req, u64 window)
{
	enum vtfs_poll_end end;
	u64 start, now, spent;

	/*
	 * local_clock(), not ktime_get_ns(): where the clocksource is the HPET
	 * (TCG guests find their TSCs unsynchronized), each ktime read is an
	 * exit to the device model under QEMU's global lock, dozens per poll.
	 */
	start = local_clock();
	for (;;) {
		vtfs_try_reap_queue(q);
		now = local_clock();
		spent = now > start ? now - start : 0;	/* moved CPU */
		if (test_bit(FR_FINISHED, &req->flags)) {
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
	vtfs_poll_end(q, end);
}
