/* SPDX-License-Identifier: GPL-2.0 */
/*
 * virtio_fs.ko internals: a virtio transport for fuse.ko.
 *
 * The module is split by concern; this header is the only thing the parts
 * share:
 *
 *   vtfs_device.c   virtio driver: config, virtqueues, tag registry, failure
 *   vtfs_request.c  FUSE requests on request queues: mapping, replies, backlog
 *   vtfs_hiprio.c   FORGET/BATCH_FORGET/INTERRUPT on the high-priority queue
 *   vtfs_caps.c     daemon capabilities from FUSE_INIT; whether to interrupt
 *   vtfs_super.c    "virtiofs" file system type: options, mount, umount
 *   vtfs_dax.c      the DAX window: shared memory region as a dax_device
 *   vtfs_vtable.c   the version table: GETATTR/LOOKUP answered locally
 *   vtfs_vfs.c      ... and asked by the VFS first: no request at all
 *   vtfs_vfs_file.c ... also for directory listings and file contents
 *   vtfs_sysfs.c    /sys/fs/virtiofs/<index>/
 *   vtfs_main.c     module init/exit
 *   vtfs_compat.c   what differs between kernel 6.1 and 6.12 (and .h)
 *
 * Lifetime: a struct vtfs_device lives as long as its kobject.  References
 * are held by the tag registry (probe to remove), by each fuse_conn using
 * the device (fuse_iqueue.priv, dropped in the fiq ->release op) and by
 * each per-queue sysfs kobject.
 *
 * Lock order: dev->lock (mutex) -> vtfs_queue.lock -> fuse_iqueue.lock.
 * Requests are never ended (fuse_request_end) with a spinlock held.
 */
#ifndef _FS_FUSE_VTFS_H
#define _FS_FUSE_VTFS_H

#include <linux/kobject.h>
#include <linux/list.h>
#include <linux/memremap.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/virtio.h>
#include <linux/workqueue.h>
#include "linux/virtio_fs.h"

#include "fuse_i.h"
#include "vtfs_compat.h"

#define VTFS_NAME		"virtiofs"

/* Per-request timeout in seconds unless "request_timeout=" says otherwise. */
extern unsigned int vtfs_default_timeout;
extern int vtfs_send_interrupts;

/* sg entries a request needs besides its pages: in/out headers and args. */
#define VTFS_SG_OVERHEAD	4

/*
 * Bit 0 of a request's unique id marks an INTERRUPT for it; fuse.ko's
 * dev.c keeps this private, the protocol (and libfuse) depend on it.
 */
#define VTFS_INT_REQ_BIT	1ULL

/* Most forgets sent in one FUSE_BATCH_FORGET message. */
#define VTFS_FORGET_BATCH	64

enum vtfs_state {
	VTFS_LIVE,		/* queues running */
	VTFS_FAILED,		/* device reset after a timeout; no I/O */
	VTFS_REMOVED,		/* driver unbound; vdev and vqs are gone */
};

/* Counters shown in sysfs; updated under the owning queue's lock. */
struct vtfs_queue_stats {
	u64 requests;		/* buffers made available to the device */
	u64 kicks;		/* notifications sent to the device */
	u64 full;		/* submissions deferred: ring full or no memory */
	u64 bad_replies;	/* replies that failed validation */
	u64 timeouts;		/* requests that got no reply in time */
	u64 polls;		/* sends followed by polling (poll_us) */
	u64 polled;		/* of those, answered while polling */
};

/* Round-trip times of one queue (vtfs_latency.c). */
#define VTFS_LAT_BUCKETS	24	/* the last: 2^22 us (4 s) and more */
struct vtfs_latency {
	u64 count[VTFS_LAT_BUCKETS];
};

struct vtfs_device;
struct vtfs_vtable;

/*
 * Versions a GETATTR or LOOKUP reply depends on, read before the request
 * was sent (vtfs_vtable_before_send) and kept with it until the reply.
 */
struct vtfs_vtable_tag {
	u64 gen;		/* table generation */
	u64 ver;		/* slot of the request's nodeid */
	u64 child;		/* LOOKUP: nodeid the name led to before, or 0 */
	u64 child_ver;		/* slot of @child */
	bool valid;		/* false: nothing to keep from the reply */
};

/*
 * fuse.ko's dax.c hands out the window in ranges of this size (its private
 * FUSE_DAX_SZ, 2 MiB in 6.1); a window smaller than one range is useless.
 */
#define VTFS_DAX_RANGE_SIZE	(2UL << 20)

/*
 * The DAX window: the device's cache shared memory region as ZONE_DEVICE
 * pages behind a dax_device.  Set up at probe before the device is
 * published and never changed until the device is released, so readers
 * need no lock; @dax is killed at removal (dax_alive() turns false).
 */
struct vtfs_window {
	struct dev_pagemap pgmap;
	struct resource *res;		/* our claim in /proc/iomem */
	struct dax_device *dax;
	void *kaddr;			/* the window in the kernel's map */
	phys_addr_t phys;		/* guest-physical start */
	u64 len;			/* bytes */
	unsigned long nr_pages;
	char name[48];			/* "virtiofs <tag>", for @res */
};

/*
 * One virtqueue.  @lock protects @vq operations, @running, @inflight,
 * @backlog, @nr_inflight and @stats.  @vq may only be touched while
 * @running is true, under @lock, but for the kick that follows adding a
 * request (see @kicking).
 */
struct vtfs_queue {
	spinlock_t lock;
	struct virtqueue *vq;
	struct vtfs_device *dev;
	bool running;
	bool hiprio;
	unsigned int index;		/* virtqueue index */
	unsigned int nr_inflight;
	struct list_head inflight;	/* struct vtfs_req, oldest first */
	struct list_head backlog;	/* waiting for ring space or memory */
	u64 reaped;			/* used buffers taken back so far */
	/* vtfs_poll.c's backoff, under @lock: */
	u32 poll_skip;			/* senders left that do not poll */
	u8 poll_misses;			/* polls timed out in a row, capped */
	atomic_t kicking;		/* senders notifying the device after
					 * dropping @lock (vtfs_request.c);
					 * @vq is deleted only at zero
					 */
	unsigned int pollers;		/* tasks polling (vtfs_poll.c); callback
					 * held off while non-zero; under @lock
					 */
	struct work_struct done_work;	/* reap used buffers */
	struct delayed_work submit_work; /* retry the backlog (not hiprio) */
	struct vtfs_queue_stats stats;
	struct vtfs_latency latency;	/* request queues; under @lock */
	atomic64_t interrupts;		/* used-buffer callbacks (irq context) */
	struct kobject kobj;		/* queues/<name>/ in sysfs */
	char name[24];
};

struct vtfs_device {
	struct kobject kobj;		/* /sys/fs/virtiofs/<index> */
	struct kobject *queues_kobj;
	struct virtio_device *vdev;
	struct list_head node;		/* on the tag registry */
	char tag[VTFS_TAG_MAX + 1];
	int index;

	/*
	 * @lock serialises mount, unmount, failure and removal; it protects
	 * @state, @fc, @timeout and @poll_ns (the last two read with
	 * READ_ONCE).  @conn_lock (a spinlock, for the hiprio worker) also
	 * protects @fc: both are held to change it.
	 */
	struct mutex lock;
	spinlock_t conn_lock;
	enum vtfs_state state;
	struct fuse_conn *fc;
	unsigned long timeout;		/* jiffies, 0: never time out */
	unsigned int poll_ns;		/* poll_us in ns, 0: interrupts only,
					 * VTFS_POLL_AUTO: vtfs_poll.c decides
					 */

	struct vtfs_window *window;	/* NULL: no DAX; see vtfs_window */
	struct vtfs_vtable *vtable;	/* NULL: no table; fixed like @window */
	u32 daemon_caps;		/* VTFS_CAP_*, set by each INIT reply */

	unsigned int nr_queues;		/* hiprio + request queues */
	unsigned int max_pages;		/* per request, fits the rings */
	struct vtfs_queue *queues;	/* [0] is hiprio */

	struct work_struct hiprio_work;	/* send forgets and interrupts */
	void *hiprio_held;		/* message waiting for ring space */
	struct delayed_work watchdog;	/* request timeouts */

	/* Requests refused after failure, ended from @end_work. */
	spinlock_t end_lock;
	struct list_head end_list;
	struct work_struct end_work;
};

extern struct workqueue_struct *vtfs_wq;

static inline unsigned int vtfs_nr_request_queues(struct vtfs_device *dev)
{
	return dev->nr_queues - VTFS_FIRST_REQUEST_QUEUE;
}

/* Receives one used buffer (its token and length) under the queue lock. */
typedef void (*vtfs_take_fn)(struct vtfs_queue *q, void *token,
			     unsigned int len, void *arg);

/* vtfs_device.c */
void vtfs_take_all_used(struct vtfs_queue *q, vtfs_take_fn take, void *arg);
void vtfs_drain_used(struct vtfs_queue *q, vtfs_take_fn take, void *arg);
int vtfs_register_driver(void);
void vtfs_unregister_driver(void);
struct vtfs_device *vtfs_find_device(const char *tag);
void vtfs_get_device(struct vtfs_device *dev);
void vtfs_put_device(struct vtfs_device *dev);
void vtfs_fail_device(struct vtfs_device *dev, int error);
void vtfs_device_release(struct kobject *kobj);
const char *vtfs_state_name(enum vtfs_state state);

/* vtfs_caps.c */
void vtfs_caps_ask(u32 opcode, void *in, unsigned int len);
void vtfs_caps_take(struct vtfs_device *dev, struct fuse_req *req);
bool vtfs_interrupts_enabled(struct vtfs_device *dev);

/* vtfs_compat.c */
extern const struct fuse_iqueue_ops vtfs_fiq_ops;

/* vtfs_request.c */
void vtfs_queue_init(struct vtfs_queue *q, struct vtfs_device *dev,
		     unsigned int index);
void vtfs_request_done(struct virtqueue *vq);
void vtfs_reap_queue(struct vtfs_queue *q);
void vtfs_try_reap_queue(struct vtfs_queue *q);
void vtfs_reclaim_queue(struct vtfs_queue *q, int error);
void vtfs_send_request(struct vtfs_device *dev, struct fuse_req *req);
void vtfs_refuse(struct vtfs_device *dev, struct fuse_req *req, int err);
void vtfs_end_refused(struct work_struct *work);
void vtfs_watchdog(struct work_struct *work);
void vtfs_arm_watchdog(struct vtfs_device *dev);
unsigned int vtfs_ring_max_pages(struct vtfs_device *dev);

/* vtfs_poll.c */
#define VTFS_POLL_AUTO		UINT_MAX
bool vtfs_poll_wanted(struct vtfs_device *dev, struct fuse_req *req);
u64 vtfs_poll_begin(struct vtfs_queue *q);
void vtfs_poll_reply(struct vtfs_queue *q, struct fuse_req *req, u64 window);

/* vtfs_readahead.c */
void vtfs_readahead_adopt(struct address_space *mapping);

/* vtfs_hiprio.c */
void vtfs_hiprio_init(struct vtfs_queue *q, struct vtfs_device *dev);
void vtfs_hiprio_done(struct virtqueue *vq);
void vtfs_hiprio_send(struct work_struct *work);
void vtfs_hiprio_reclaim(struct vtfs_device *dev);
void vtfs_hiprio_kick(struct fuse_iqueue *fiq);
void vtfs_queue_interrupt(struct fuse_req *req);

/* vtfs_super.c */
int vtfs_register_fs(void);
void vtfs_unregister_fs(void);

/* vtfs_dax.c */
void vtfs_window_probe(struct vtfs_device *dev);
void vtfs_window_kill(struct vtfs_device *dev);
void vtfs_window_free(struct vtfs_device *dev);
u64 vtfs_window_size(struct vtfs_device *dev);

/* vtfs_latency.c */
void vtfs_latency_note(struct vtfs_latency *lat, u64 ns);
ssize_t vtfs_latency_show(const struct vtfs_latency *lat, char *buf);

/* vtfs_verdict.c */
struct vtfs_verdicts;
/* What the table was asked about (vtfs_vtable_vouch). */
struct vtfs_verdict_key {
	struct dentry *dentry;		/* the dentry asked about, or NULL */
	struct inode *inode;		/* or the inode whose attributes */
	u64 nodeid;			/* its directory, or itself */
	u64 child;			/* dentry: node it leads to, 0: none */
	const struct qstr *name;	/* dentry: its name; NULL: attributes */
};
struct vtfs_verdicts *vtfs_verdict_alloc(void);
void vtfs_verdict_free(struct vtfs_verdicts *memo);
bool vtfs_verdict_known(struct vtfs_verdicts *memo,
			const struct vtfs_verdict_key *key, u64 gen, u64 ver);
void vtfs_verdict_note(const struct vtfs_verdict_key *key, u64 gen, u64 ver);
void vtfs_verdict_init(struct dentry *dentry);
u64 vtfs_verdict_hits(struct vtfs_verdicts *memo, bool names);

/* vtfs_vtable.c */
void vtfs_vtable_probe(struct vtfs_device *dev);
void vtfs_vtable_free(struct vtfs_device *dev);
void vtfs_vtable_start(struct vtfs_device *dev, bool wanted);
void vtfs_vtable_stop(struct vtfs_device *dev);
bool vtfs_vtable_answer(struct vtfs_device *dev, struct fuse_req *req);
void vtfs_vtable_before_send(struct vtfs_device *dev, struct fuse_req *req,
			     struct vtfs_vtable_tag *tag);
void vtfs_vtable_note_reply(struct vtfs_device *dev, struct fuse_req *req,
			    const struct vtfs_vtable_tag *tag);
bool vtfs_vtable_forget_one(struct vtfs_device *dev,
			    struct fuse_forget_one *one);
unsigned int vtfs_vtable_forget_list(struct vtfs_device *dev,
				     struct fuse_forget_link **head);
bool vtfs_vtable_vouch(struct vtfs_device *dev,
		       const struct vtfs_verdict_key *key);
bool vtfs_vtable_vouch_listing(struct vtfs_device *dev, u64 nodeid);
bool vtfs_vtable_vouch_data(struct vtfs_device *dev, u64 nodeid,
			    struct vtfs_vtable_tag *tag);
void vtfs_vtable_data_emptied(struct vtfs_device *dev, u64 nodeid,
			      const struct vtfs_vtable_tag *tag);
bool vtfs_vtable_in_use(struct vtfs_device *dev);
void vtfs_vtable_tag_node(struct vtfs_device *dev, u64 nodeid,
			  struct vtfs_vtable_tag *tag);
extern const struct attribute_group vtfs_vtable_group;

/* vtfs_vfs.c */
void vtfs_vfs_attach(struct super_block *sb);
/* An attribute timeout we set for one call, undone after it. */
struct vtfs_vfs_vouch {
	u64 old;
	u64 now;
	bool set;
};
void vtfs_vfs_vouch_attr(struct inode *inode, struct vtfs_vfs_vouch *v);
void vtfs_vfs_unvouch(struct inode *inode, struct vtfs_vfs_vouch *v);

/* vtfs_vfs_nosec.c */
void vtfs_vfs_nosec_attach(struct super_block *sb);
void vtfs_vfs_nosec_forget(struct inode *inode);
ssize_t vtfs_vfs_nosec_write(struct kiocb *iocb, struct iov_iter *from,
			     ssize_t (*write)(struct kiocb *, struct iov_iter *));

/* vtfs_vfs_file.c */
void vtfs_vfs_adopt_fops(struct inode *inode);
void vtfs_vfs_adopt_open_file(struct file *file);

/* The device of a superblock of ours, or NULL once fuse.ko aborted it. */
static inline struct vtfs_device *vtfs_sb_device(struct super_block *sb)
{
	struct fuse_conn *fc = get_fuse_conn_super(sb);

	if (!READ_ONCE(fc->connected))
		return NULL;
	return fc->iq.priv;
}

/* vtfs_sysfs.c */
int vtfs_sysfs_init(void);
void vtfs_sysfs_exit(void);
int vtfs_sysfs_add_device(struct vtfs_device *dev);
void vtfs_sysfs_del_device(struct vtfs_device *dev);
extern const struct kobj_type vtfs_device_ktype;

#endif /* _FS_FUSE_VTFS_H */
