// SPDX-License-Identifier: GPL-2.0
/*
 * virtio_fs.ko: the version table (device shared memory region 1).
 *
 * The daemon keeps one little-endian u64 counter per inode in a region the
 * guest maps (layout: include/uapi/linux/virtio_fs.h).  It increments a
 * counter after a change to that inode's attributes (or, for a directory,
 * its entries) has taken effect and before it replies to the request that
 * made it, or as soon as it learns of a change made on the host.  So a
 * GETATTR or LOOKUP reply that the daemon produced after the guest read
 * counter value V still describes the object while the counter reads V.
 *
 * We use that to answer GETATTR and LOOKUP without the host:
 *
 *   - before a GETATTR or LOOKUP goes to the device, the versions it
 *     depends on are read (vtfs_vtable_before_send): the object's slot for
 *     GETATTR; the parent's slot for LOOKUP, plus the child's slot when an
 *     earlier reply told us which child the name leads to;
 *   - its reply is kept with those versions (vtfs_vtable_note_reply),
 *     negative lookups (ENOENT) included;
 *   - the next identical request is answered from the cache and ended with
 *     fuse.ko's normal completion while the generation and all versions
 *     are unchanged (vtfs_vtable_answer).  A positive LOOKUP is only
 *     answered when the child's version was read before its reply, so the
 *     first lookup of a name after a change costs two round trips.
 *
 * A LOOKUP answered here adds to fuse.ko's nlookup for the child, which the
 * daemon never saw.  We count those per nodeid ("owed") and take them off
 * the next FORGETs for that nodeid (vtfs_vtable_forget_one), so that
 * daemon count = guest count - owed at all times, and the daemon's count
 * never reaches 0 while the guest still holds the node: a FORGET is only
 * sent with a non-zero count after owed has dropped to 0.  The same FORGET
 * drops every entry that returns its nodeid and its attributes, under the
 * lock local answers take, so nothing hands out that node again until a
 * real reply brings it back.
 *
 * The cache lives while a connection uses the device with the table on
 * (vtfs_vtable_start/stop, both under dev->lock); the mapping lives as
 * long as the device.
 */
#include <linux/hash.h>
#include <linux/io.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/stringhash.h>
#include <linux/virtio_config.h>

#include "vtfs.h"

static unsigned int vtfs_vtable_max_entries = 65536;
module_param_named(vtable_max_entries, vtfs_vtable_max_entries, uint, 0644);
MODULE_PARM_DESC(vtable_max_entries,
		 "Most GETATTR/LOOKUP replies kept per mount for the version table (default 65536; 0 keeps none)");

#define VTFS_VC_KEY_BITS	14	/* buckets by (kind, nodeid, name) */
#define VTFS_VC_NODE_BITS	12	/* buckets by child or owed nodeid */

enum vtfs_vc_kind {
	VTFS_VC_ATTR,		/* GETATTR reply of nodeid */
	VTFS_VC_ENTRY,		/* LOOKUP reply of (nodeid, name) */
	VTFS_VC_LISTING,	/* directory nodeid's listing fuse.ko caches */
	VTFS_VC_DATA,		/* file nodeid's page cache */
};

/* One kept reply; on vtfs_vtable.keys, .lru and maybe .children. */
struct vtfs_vc_entry {
	struct hlist_node key_node;
	struct hlist_node child_node;	/* positive entries only */
	struct list_head lru;		/* most recently used first */
	enum vtfs_vc_kind kind;
	u64 nodeid;			/* GETATTR, listing: the object;
					 * LOOKUP: the parent
					 */
	u64 gen;			/* table generation the versions are of */
	u64 ver;			/* @nodeid's counter before the request;
					 * listing: before its first READDIR;
					 * data: before the page cache was
					 * last emptied
					 */
	u64 child;			/* LOOKUP: nodeid returned, 0: ENOENT */
	u64 child_ver;			/* @child's counter before the request */
	bool child_ver_known;		/* @child_ver was read before sending */
	union {
		struct fuse_attr_out attr;
		struct fuse_entry_out entry;
	} out;
	unsigned int name_len;
	char name[];			/* LOOKUP: NUL terminated */
};

/* Locally answered lookups of a nodeid the daemon has not counted. */
struct vtfs_vc_owed {
	struct hlist_node node;
	u64 nodeid;
	u64 count;
};

struct vtfs_vtable_stats {
	u64 hits;		/* kept replies still current */
	u64 local_replies;	/* requests ended here, never sent */
	u64 misses;		/* sent: nothing kept for them */
	u64 stale;		/* sent: kept reply outdated */
	u64 forgets_adjusted;	/* FORGETs reduced by owed lookups */
	u64 forgets_dropped;	/* ... of which nothing was left to send */
	u64 invalidations;	/* entries dropped because of a FORGET */
	u64 evictions;		/* entries dropped for vtable_max_entries */
	u64 dentries_vouched;	/* revalidations answered: no request */
	u64 attrs_vouched;	/* attribute checks answered: no request */
	u64 listings_vouched;	/* directory listings read from the guest */
	u64 data_vouched;	/* reads the page cache may serve */
	u64 data_dropped;	/* page caches emptied: the file changed */
};

/*
 * The mapping (@base, @len) is set at probe and fixed until the device is
 * released.  @lock protects everything after it except @warned (a
 * once-per-mount log flag, WRITE_ONCE).  It is the innermost lock: taken
 * with at most dev->lock (a mutex) of ours held, possibly under fuse.ko's
 * fc->bg_lock; nothing under it sleeps, takes another lock or ends a
 * request.  @on is also read without it as a hint; every decision that
 * matters is made again under it.
 */
struct vtfs_vtable {
	void *base;
	u64 len;

	spinlock_t lock;		/* see above */
	bool on;			/* the current connection uses it */
	bool warned;			/* header complaint logged this mount */
	struct hlist_head *keys;	/* [1 << VTFS_VC_KEY_BITS] */
	struct hlist_head *children;	/* [1 << VTFS_VC_NODE_BITS] */
	struct hlist_head *owed;	/* [1 << VTFS_VC_NODE_BITS] */
	struct list_head lru;
	struct vtfs_verdicts *verdicts;		/* fixed; own locking */
	unsigned long nr_entries;
	unsigned long nr_owed;
	struct vtfs_vtable_stats stats;
};

/* The header as read at one moment, if it describes a usable table. */
struct vtfs_vt_view {
	u64 gen;
	const __le64 *slots;
	u64 nr_slots;
};

static u64 vtfs_vt_load(const __le64 *p)
{
	/*
	 * Acquire: what we read after a counter (the generation again, the
	 * device's reply) is not older than the counter; pairs with the
	 * daemon's release increment.
	 */
	return le64_to_cpu(smp_load_acquire(p));
}

/*
 * Does the header describe a usable table now?  If not, *@why says what
 * is wrong with it, or is NULL for a table that is simply not live (yet).
 */
static bool vtfs_vt_check(struct vtfs_vtable *vt, struct vtfs_vt_view *view,
			  const char **why)
{
	const struct vtfs_vtable_header *hdr = vt->base;
	u64 off, nr;

	*why = NULL;
	/* The daemon stores the magic last, with release ordering. */
	if (le32_to_cpu(smp_load_acquire(&hdr->magic)) != VTFS_VTABLE_MAGIC)
		return false;
	view->gen = vtfs_vt_load(&hdr->generation);
	if (!view->gen)
		return false;
	off = le64_to_cpu(READ_ONCE(hdr->slots_offset));
	nr = le64_to_cpu(READ_ONCE(hdr->nr_slots));
	if (le32_to_cpu(READ_ONCE(hdr->layout)) != VTFS_VTABLE_LAYOUT)
		*why = "unknown layout";
	else if (off < sizeof(*hdr) || !IS_ALIGNED(off, sizeof(__le64)) ||
		 off > vt->len)
		*why = "slots_offset outside the region";
	else if (!nr || nr > (vt->len - off) / sizeof(__le64))
		*why = "nr_slots does not fit the region";
	if (*why)
		return false;
	view->slots = (const __le64 *)((u8 *)vt->base + off);
	view->nr_slots = nr;
	return true;
}

/*
 * Read the header; false if the table is not usable now.  Checked on
 * every use, so a restarted daemon (new generation, maybe a new layout)
 * is picked up without any state change here.
 */
static bool vtfs_vt_view(struct vtfs_vtable *vt, struct vtfs_vt_view *view,
			 struct device *dev)
{
	const char *why;

	if (vtfs_vt_check(vt, view, &why))
		return true;
	if (why && !READ_ONCE(vt->warned)) {
		WRITE_ONCE(vt->warned, true);
		dev_warn(dev, "version table: %s; answering nothing locally\n",
			 why);
	}
	return false;
}

/* A counter, or false for a nodeid without a slot. */
static bool vtfs_vt_version(const struct vtfs_vt_view *view, u64 nodeid,
			    u64 *ver)
{
	u64 slot = VTFS_VTABLE_SLOT(nodeid);

	if (!nodeid || slot >= view->nr_slots)
		return false;
	*ver = vtfs_vt_load(&view->slots[slot]);
	return true;
}

/*
 * True if the generation still reads @view->gen: versions read in between
 * belong to it, not to a daemon that replaced the table meanwhile.
 */
static bool vtfs_vt_same_gen(struct vtfs_vtable *vt,
			     const struct vtfs_vt_view *view)
{
	const struct vtfs_vtable_header *hdr = vt->base;

	return vtfs_vt_load(&hdr->generation) == view->gen;
}

/* ---- which requests qualify ---- */

static bool vtfs_vc_name(const struct fuse_args *args, const char **name,
			 unsigned int *len)
{
	const struct fuse_in_arg *arg;
	const char *s;

	if (!args->in_numargs || args->in_pages)
		return false;
	arg = &args->in_args[args->in_numargs - 1];
	s = arg->value;
	if (arg->size < 2 || arg->size > NAME_MAX + 1 || s[arg->size - 1])
		return false;
	/* "." and ".." depend on more than the parent's entries. */
	if (s[0] == '.' && (arg->size == 2 || (arg->size == 3 && s[1] == '.')))
		return false;
	*name = s;
	*len = arg->size - 1;
	return true;
}

/* Is @req a GETATTR or LOOKUP whose reply we may keep and replay? */
static bool vtfs_vc_kind_of(struct fuse_req *req, enum vtfs_vc_kind *kind)
{
	struct fuse_args *args = req->args;
	size_t want;

	switch (req->in.h.opcode) {
	case FUSE_GETATTR:
		*kind = VTFS_VC_ATTR;
		want = sizeof(struct fuse_attr_out);
		break;
	case FUSE_LOOKUP:
		*kind = VTFS_VC_ENTRY;
		want = sizeof(struct fuse_entry_out);
		break;
	default:
		return false;
	}
	/* Background requests end under fc->bg_lock: never locally. */
	if (test_bit(FR_BACKGROUND, &req->flags) ||
	    !test_bit(FR_ISREPLY, &req->flags))
		return false;
	return args->out_numargs == 1 && !args->out_pages &&
	       !args->out_argvar && args->out_args[0].size == want;
}

/* ---- the cache: callers hold vt->lock ---- */

static u32 vtfs_vc_key_hash(enum vtfs_vc_kind kind, u64 nodeid,
			    const char *name, unsigned int len)
{
	u64 h = nodeid * 4 + kind;

	if (len)
		h ^= (u64)full_name_hash(NULL, name, len) << 32;
	return hash_64(h, VTFS_VC_KEY_BITS);
}

static struct hlist_head *vtfs_vc_node_bucket(struct hlist_head *table,
					      u64 nodeid)
{
	return &table[hash_64(nodeid, VTFS_VC_NODE_BITS)];
}

static struct vtfs_vc_entry *vtfs_vc_find(struct vtfs_vtable *vt,
					  enum vtfs_vc_kind kind, u64 nodeid,
					  const char *name, unsigned int len)
{
	struct hlist_head *b = &vt->keys[vtfs_vc_key_hash(kind, nodeid, name,
							  len)];
	struct vtfs_vc_entry *e;

	hlist_for_each_entry(e, b, key_node) {
		if (e->kind == kind && e->nodeid == nodeid &&
		    e->name_len == len && !memcmp(e->name, name, len))
			return e;
	}
	return NULL;
}

static void vtfs_vc_unlink(struct vtfs_vtable *vt, struct vtfs_vc_entry *e)
{
	hlist_del(&e->key_node);
	if (!hlist_unhashed(&e->child_node))
		hlist_del(&e->child_node);
	list_del(&e->lru);
	vt->nr_entries--;
}

static void vtfs_vc_drop(struct vtfs_vtable *vt, struct vtfs_vc_entry *e)
{
	vtfs_vc_unlink(vt, e);
	kfree(e);
}

static void vtfs_vc_insert(struct vtfs_vtable *vt, struct vtfs_vc_entry *e)
{
	struct vtfs_vc_entry *old;

	old = vtfs_vc_find(vt, e->kind, e->nodeid, e->name, e->name_len);
	if (old)
		vtfs_vc_drop(vt, old);
	hlist_add_head(&e->key_node,
		       &vt->keys[vtfs_vc_key_hash(e->kind, e->nodeid, e->name,
						  e->name_len)]);
	INIT_HLIST_NODE(&e->child_node);
	if (e->child)
		hlist_add_head(&e->child_node,
			       vtfs_vc_node_bucket(vt->children, e->child));
	list_add(&e->lru, &vt->lru);
	vt->nr_entries++;

	while (vt->nr_entries > READ_ONCE(vtfs_vtable_max_entries)) {
		vtfs_vc_drop(vt, list_last_entry(&vt->lru,
						 struct vtfs_vc_entry, lru));
		vt->stats.evictions++;
	}
}

/*
 * A new listing or data record of @nodeid at @tag.  Listings keep the
 * older of two records of one generation (vtfs_vc_note_listing); data
 * records replace.  Without memory nothing is recorded: the caller's
 * next check fails and starts over.
 */
static void vtfs_vc_record(struct vtfs_vtable *vt, enum vtfs_vc_kind kind,
			   u64 nodeid, const struct vtfs_vtable_tag *tag,
			   gfp_t gfp)
{
	struct vtfs_vc_entry *e, *old;

	e = kzalloc(struct_size(e, name, 1), gfp);
	if (!e)
		return;
	e->kind = kind;
	e->nodeid = nodeid;
	e->gen = tag->gen;
	e->ver = tag->ver;

	spin_lock(&vt->lock);
	old = vt->on ? vtfs_vc_find(vt, kind, nodeid, NULL, 0) : NULL;
	if (kind == VTFS_VC_LISTING && old && old->gen == e->gen &&
	    old->ver <= e->ver) {
		list_move(&old->lru, &vt->lru);
	} else if (vt->on) {
		vtfs_vc_insert(vt, e);
		if (kind == VTFS_VC_DATA)
			vt->stats.data_dropped++;
		e = NULL;
	}
	spin_unlock(&vt->lock);
	kfree(e);
}

static struct vtfs_vc_owed *vtfs_vc_find_owed(struct vtfs_vtable *vt,
					      u64 nodeid)
{
	struct vtfs_vc_owed *o;

	hlist_for_each_entry(o, vtfs_vc_node_bucket(vt->owed, nodeid), node) {
		if (o->nodeid == nodeid)
			return o;
	}
	return NULL;
}

/*
 * One more local lookup of @nodeid; uses *@spare if a record is needed.
 * False (answer nothing) if there is no memory to count it.
 */
static bool vtfs_vc_owe(struct vtfs_vtable *vt, u64 nodeid,
			struct vtfs_vc_owed **spare)
{
	struct vtfs_vc_owed *o = vtfs_vc_find_owed(vt, nodeid);

	if (!o) {
		o = *spare;
		if (!o)
			return false;
		*spare = NULL;
		o->nodeid = nodeid;
		o->count = 0;
		hlist_add_head(&o->node, vtfs_vc_node_bucket(vt->owed, nodeid));
		vt->nr_owed++;
	}
	o->count++;
	return true;
}

/* Are @e's versions still those of the table as @view sees it? */
static bool vtfs_vc_current(const struct vtfs_vc_entry *e,
			    const struct vtfs_vt_view *view)
{
	u64 ver;

	if (e->gen != view->gen)
		return false;
	if (!vtfs_vt_version(view, e->nodeid, &ver) || ver != e->ver)
		return false;
	if (!e->child)
		return true;
	return e->child_ver_known &&
	       vtfs_vt_version(view, e->child, &ver) && ver == e->child_ver;
}

/* ---- answering locally ---- */

static void vtfs_vc_fill_reply(struct fuse_req *req,
			       const struct vtfs_vc_entry *e)
{
	struct fuse_arg *out = &req->args->out_args[0];

	req->out.h.unique = req->in.h.unique;
	req->out.h.len = sizeof(req->out.h);
	if (e->kind == VTFS_VC_ENTRY && !e->child) {
		req->out.h.error = -ENOENT;
		return;
	}
	req->out.h.error = 0;
	req->out.h.len += out->size;
	memcpy(out->value, &e->out, out->size);
}

/*
 * Caller holds vt->lock.  Ends nothing itself: true means @req got its
 * reply filled in and must be ended.
 */
static bool vtfs_vc_answer_locked(struct vtfs_vtable *vt, struct fuse_req *req,
				  enum vtfs_vc_kind kind,
				  const struct vtfs_vt_view *view,
				  struct vtfs_vc_owed **spare)
{
	const char *name = NULL;
	unsigned int len = 0;
	struct vtfs_vc_entry *e;

	if (kind == VTFS_VC_ENTRY && !vtfs_vc_name(req->args, &name, &len))
		return false;
	e = vtfs_vc_find(vt, kind, req->in.h.nodeid, name, len);
	if (!e) {
		vt->stats.misses++;
		return false;
	}
	/* The versions read must belong to the generation checked. */
	if (!vtfs_vc_current(e, view) || !vtfs_vt_same_gen(vt, view)) {
		vt->stats.stale++;
		return false;
	}
	vt->stats.hits++;
	if (e->child && !vtfs_vc_owe(vt, e->child, spare))
		return false;
	list_move(&e->lru, &vt->lru);
	vtfs_vc_fill_reply(req, e);
	vt->stats.local_replies++;
	return true;
}

/*
 * Answer @req from the cache if it is a GETATTR or LOOKUP whose kept reply
 * is still current.  True: @req has been ended (fuse_request_end) and must
 * not be sent.  Called for each request fuse.ko hands us, no lock held.
 */
bool vtfs_vtable_answer(struct vtfs_device *dev, struct fuse_req *req)
{
	struct vtfs_vtable *vt = dev->vtable;
	struct vtfs_vc_owed *spare = NULL;
	enum vtfs_vc_kind kind;
	struct vtfs_vt_view view;
	bool done = false;

	if (!vt || !READ_ONCE(vt->on) || !vtfs_vc_kind_of(req, &kind))
		return false;
	if (!vtfs_vt_view(vt, &view, &dev->vdev->dev))
		return false;
	if (kind == VTFS_VC_ENTRY)
		spare = kmalloc(sizeof(*spare), GFP_NOWAIT | __GFP_NOWARN);

	spin_lock(&vt->lock);
	if (vt->on)
		done = vtfs_vc_answer_locked(vt, req, kind, &view, &spare);
	spin_unlock(&vt->lock);
	kfree(spare);
	if (!done)
		return false;
	fuse_request_end(req);
	return true;
}

/* ---- noting requests and replies ---- */

/*
 * A READDIR or READDIRPLUS from offset 0 starts a listing; with
 * FOPEN_CACHE_DIR (vtfs_vfs.c) fuse.ko caches what follows.
 */
static bool vtfs_vc_listing_start(const struct fuse_req *req)
{
	const struct fuse_args *args = req->args;
	const struct fuse_read_in *in;

	if (req->in.h.opcode != FUSE_READDIR &&
	    req->in.h.opcode != FUSE_READDIRPLUS)
		return false;
	if (!args->in_numargs || args->in_args[0].size != sizeof(*in))
		return false;
	in = args->in_args[0].value;
	return !in->offset;
}

/*
 * A READ that may fill fuse.ko's page cache.  Direct I/O reads into the
 * caller's own pages (user_pages) and never does: no version to read.
 */
static bool vtfs_vc_page_cache_read(const struct fuse_req *req)
{
	return req->in.h.opcode == FUSE_READ && !req->args->user_pages;
}

/* @nodeid's version now (tag->valid false: no usable table). */
static void vtfs_vt_tag_node(struct vtfs_device *dev, u64 nodeid,
			     struct vtfs_vtable_tag *tag)
{
	struct vtfs_vtable *vt = dev->vtable;
	struct vtfs_vt_view view;
	const char *why;

	tag->valid = false;
	if (!vt || !vtfs_vt_check(vt, &view, &why) ||
	    !vtfs_vt_version(&view, nodeid, &tag->ver))
		return;
	tag->gen = view.gen;
	tag->child = 0;
	tag->valid = vtfs_vt_same_gen(vt, &view);
}

/*
 * A READ's reply may fill fuse.ko's page cache.  If the file changed
 * since the READ was sent, that data may predate the change: forget that
 * the page cache was current, so the next read empties it
 * (vtfs_vfs.c).
 */
static void vtfs_vc_note_read(struct vtfs_device *dev, struct fuse_req *req,
			      const struct vtfs_vtable_tag *tag)
{
	struct vtfs_vtable *vt = dev->vtable;
	struct vtfs_vtable_tag now;
	struct vtfs_vc_entry *e = NULL;

	vtfs_vt_tag_node(dev, req->in.h.nodeid, &now);
	if (now.valid && now.gen == tag->gen && now.ver == tag->ver)
		return;
	spin_lock(&vt->lock);
	if (vt->on)
		e = vtfs_vc_find(vt, VTFS_VC_DATA, req->in.h.nodeid, NULL, 0);
	if (e)
		vtfs_vc_drop(vt, e);
	spin_unlock(&vt->lock);
}

/*
 * A listing started.  Two starts may race with a change between them,
 * and the listing fuse.ko keeps may come from either: keep the older
 * version, so that a changed directory is never vouched for.  A record
 * found stale is dropped (vtfs_vtable_vouch_listing) before fuse.ko is
 * made to list again, so the next start records afresh.
 */
static void vtfs_vc_note_listing(struct vtfs_vtable *vt, struct fuse_req *req,
				 const struct vtfs_vtable_tag *tag)
{
	if (!req->out.h.error)
		vtfs_vc_record(vt, VTFS_VC_LISTING, req->in.h.nodeid, tag,
			       GFP_NOWAIT | __GFP_NOWARN);
}

/*
 * An OPENDIR or OPEN reply: keep fuse.ko's cached listing of the
 * directory or page cache of the file (FOPEN_KEEP_CACHE) if the table
 * vouches for it; else fuse.ko drops it.
 */
static void vtfs_vc_note_open(struct vtfs_device *dev, struct fuse_req *req)
{
	struct fuse_args *args = req->args;
	struct vtfs_vtable_tag tag;
	struct fuse_open_out *out;
	bool keep;

	if (req->out.h.error || args->out_numargs != 1 ||
	    args->out_args[0].size != sizeof(*out))
		return;
	out = args->out_args[0].value;
	if (req->in.h.opcode == FUSE_OPENDIR)
		keep = vtfs_vtable_vouch_listing(dev, req->in.h.nodeid);
	else
		keep = vtfs_vtable_vouch_data(dev, req->in.h.nodeid, &tag);
	if (keep)
		out->open_flags |= FOPEN_KEEP_CACHE;
}

/*
 * Read the versions @req's reply will depend on, before the device sees
 * it.  @tag->valid stays false for requests the table has nothing to do
 * with.
 */
void vtfs_vtable_before_send(struct vtfs_device *dev, struct fuse_req *req,
			     struct vtfs_vtable_tag *tag)
{
	struct vtfs_vtable *vt = dev->vtable;
	struct vtfs_vc_entry *e = NULL;
	enum vtfs_vc_kind kind;
	struct vtfs_vt_view view;
	unsigned int len;
	const char *name;

	tag->valid = false;
	if (!vt || !READ_ONCE(vt->on))
		return;
	if (vtfs_vc_listing_start(req) || vtfs_vc_page_cache_read(req)) {
		vtfs_vt_tag_node(dev, req->in.h.nodeid, tag);
		return;
	}
	if (!vtfs_vc_kind_of(req, &kind))
		return;
	if (kind == VTFS_VC_ENTRY && !vtfs_vc_name(req->args, &name, &len))
		return;
	if (!vtfs_vt_view(vt, &view, &dev->vdev->dev))
		return;

	tag->child = 0;
	if (kind == VTFS_VC_ENTRY) {
		/* A name seen before probably leads to the same child. */
		spin_lock(&vt->lock);
		if (vt->on)
			e = vtfs_vc_find(vt, kind, req->in.h.nodeid, name, len);
		if (e)
			tag->child = e->child;
		spin_unlock(&vt->lock);
	}
	tag->gen = view.gen;
	if (!vtfs_vt_version(&view, req->in.h.nodeid, &tag->ver))
		return;
	if (tag->child &&
	    !vtfs_vt_version(&view, tag->child, &tag->child_ver))
		tag->child = 0;
	tag->valid = vtfs_vt_same_gen(vt, &view);
}

static bool vtfs_vc_valid_mode(u32 mode)
{
	switch (mode & S_IFMT) {
	case S_IFREG: case S_IFDIR: case S_IFLNK: case S_IFCHR:
	case S_IFBLK: case S_IFIFO: case S_IFSOCK:
		return true;
	}
	return false;
}

/*
 * Build the entry for @req's reply, or NULL if it is not worth keeping.
 * A reply fuse.ko itself rejects (bad attributes) is never kept: a replay
 * of it would count an owed lookup that fuse.ko never counts.
 */
static struct vtfs_vc_entry *vtfs_vc_build(struct fuse_req *req,
					   enum vtfs_vc_kind kind,
					   const struct vtfs_vtable_tag *tag)
{
	const void *reply = req->args->out_args[0].value;
	const struct fuse_entry_out *eo = NULL;
	const struct fuse_attr *attr = NULL;
	const char *name = NULL;
	struct vtfs_vc_entry *e;
	unsigned int len = 0;
	int err = req->out.h.error;

	if (kind == VTFS_VC_ATTR && !err) {
		attr = &((const struct fuse_attr_out *)reply)->attr;
	} else if (kind == VTFS_VC_ENTRY && (!err || err == -ENOENT)) {
		if (!vtfs_vc_name(req->args, &name, &len))
			return NULL;
		eo = err ? NULL : reply;
		/* nodeid 0 is a negative entry with a timeout: not kept */
		if (eo && !eo->nodeid)
			return NULL;
		attr = eo ? &eo->attr : NULL;
	} else {
		return NULL;
	}
	if (attr && (!vtfs_vc_valid_mode(attr->mode) ||
		     attr->size > LLONG_MAX))
		return NULL;

	e = kzalloc(struct_size(e, name, len + 1), GFP_NOWAIT | __GFP_NOWARN);
	if (!e)
		return NULL;
	e->kind = kind;
	e->nodeid = req->in.h.nodeid;
	e->gen = tag->gen;
	e->ver = tag->ver;
	if (eo) {
		e->child = eo->nodeid;
		e->child_ver_known = tag->child == eo->nodeid;
		e->child_ver = tag->child_ver;
	}
	if (kind == VTFS_VC_ATTR || eo)
		memcpy(&e->out, reply, req->args->out_args[0].size);
	e->name_len = len;
	if (name)
		memcpy(e->name, name, len);
	return e;
}

/*
 * @req got a reply (already checked and copied out) from the device;
 * keep it if it can answer the next identical request.  A reply that is
 * not kept drops what was kept for the same key: it is older news.
 */
void vtfs_vtable_note_reply(struct vtfs_device *dev, struct fuse_req *req,
			    const struct vtfs_vtable_tag *tag)
{
	struct vtfs_vtable *vt = dev->vtable;
	struct vtfs_vc_entry *e, *old;
	enum vtfs_vc_kind kind;
	unsigned int len = 0;
	const char *name = NULL;

	if (!vt)
		return;
	if (req->in.h.opcode == FUSE_OPENDIR || req->in.h.opcode == FUSE_OPEN) {
		vtfs_vc_note_open(dev, req);
		return;
	}
	if (!tag->valid)
		return;
	if (vtfs_vc_listing_start(req)) {
		vtfs_vc_note_listing(vt, req, tag);
		return;
	}
	if (vtfs_vc_page_cache_read(req)) {
		vtfs_vc_note_read(dev, req, tag);
		return;
	}
	if (!vtfs_vc_kind_of(req, &kind))
		return;
	if (kind == VTFS_VC_ENTRY && !vtfs_vc_name(req->args, &name, &len))
		return;
	e = vtfs_vc_build(req, kind, tag);

	spin_lock(&vt->lock);
	if (vt->on && e) {
		vtfs_vc_insert(vt, e);
		e = NULL;
	} else if (vt->on) {
		old = vtfs_vc_find(vt, kind, req->in.h.nodeid, name, len);
		if (old)
			vtfs_vc_drop(vt, old);
	}
	spin_unlock(&vt->lock);
	kfree(e);
}

/* ---- vouching for what the VFS holds (vtfs_vfs.c) ---- */

/*
 * Is the positive entry @e's child still what the daemon describes, as
 * of the version read before its reply?  Then so is every attribute that
 * reply set.
 */
static bool vtfs_vc_child_current(const struct vtfs_vc_entry *e, u64 nodeid,
				  u64 ver, u64 gen)
{
	return e->kind == VTFS_VC_ENTRY && e->child == nodeid &&
	       e->gen == gen && e->child_ver_known && e->child_ver == ver;
}

/* Caller holds vt->lock. */
static bool vtfs_vc_attr_current(struct vtfs_vtable *vt, u64 nodeid,
				 u64 ver, u64 gen)
{
	struct vtfs_vc_entry *e = vtfs_vc_find(vt, VTFS_VC_ATTR, nodeid,
					      NULL, 0);

	if (e)
		return e->gen == gen && e->ver == ver;
	hlist_for_each_entry(e, vtfs_vc_node_bucket(vt->children, nodeid),
			     child_node) {
		if (vtfs_vc_child_current(e, nodeid, ver, gen))
			return true;
	}
	return false;
}

/*
 * Ask the table about @key->nodeid: with a name, whether that name in
 * directory @key->nodeid still leads to @key->child (0: to nothing),
 * which depends on the directory's version alone; without, whether the
 * attributes the last kept reply gave the node are current.  A yes is
 * stamped on the object asked about (vtfs_verdict.c).  Called
 * in RCU walk and under VFS spinlocks: vt->lock nests inside them.
 */
bool vtfs_vtable_vouch(struct vtfs_device *dev,
		       const struct vtfs_verdict_key *key)
{
	const struct qstr *name = key->name;
	struct vtfs_vtable *vt = dev->vtable;
	struct vtfs_vtable_tag now;
	struct vtfs_vc_entry *e;
	bool ok;

	vtfs_vt_tag_node(dev, key->nodeid, &now);
	if (!now.valid || !READ_ONCE(vt->on))
		return false;
	if (vtfs_verdict_known(vt->verdicts, key, now.gen, now.ver))
		return true;

	spin_lock(&vt->lock);
	if (!vt->on) {
		ok = false;
	} else if (name) {
		e = vtfs_vc_find(vt, VTFS_VC_ENTRY, key->nodeid, name->name,
				 name->len);
		ok = e && e->gen == now.gen && e->ver == now.ver &&
		     e->child == key->child;
		if (ok)
			vt->stats.dentries_vouched++;
	} else {
		ok = vtfs_vc_attr_current(vt, key->nodeid, now.ver, now.gen);
		if (ok)
			vt->stats.attrs_vouched++;
	}
	spin_unlock(&vt->lock);
	if (ok)
		vtfs_verdict_note(key, now.gen, now.ver);
	return ok;
}

/*
 * Is the listing or data record of @nodeid current?  *@now gets the
 * node's version now; @count is bumped on a yes; a stale record is
 * dropped if @drop.
 */
static bool vtfs_vc_vouch_record(struct vtfs_device *dev,
				 enum vtfs_vc_kind kind, u64 nodeid,
				 struct vtfs_vtable_tag *now, u64 *count,
				 bool drop)
{
	struct vtfs_vtable *vt = dev->vtable;
	struct vtfs_vc_entry *e = NULL;
	bool ok = false;

	vtfs_vt_tag_node(dev, nodeid, now);
	if (!now->valid || !READ_ONCE(vt->on))
		return false;
	spin_lock(&vt->lock);
	if (vt->on)
		e = vtfs_vc_find(vt, kind, nodeid, NULL, 0);
	if (e && e->gen == now->gen && e->ver == now->ver) {
		ok = true;
		list_move(&e->lru, &vt->lru);
		(*count)++;
	} else if (e && drop) {
		vtfs_vc_drop(vt, e);
	}
	spin_unlock(&vt->lock);
	return ok;
}


/*
 * Is fuse.ko's cached listing of directory @nodeid current?  It is if the
 * directory's version is the one read before the listing started.  A
 * record found stale is dropped: the caller makes fuse.ko list again.
 */
bool vtfs_vtable_vouch_listing(struct vtfs_device *dev, u64 nodeid)
{
	struct vtfs_vtable_tag now;

	return dev->vtable &&
	       vtfs_vc_vouch_record(dev, VTFS_VC_LISTING, nodeid, &now,
				    &dev->vtable->stats.listings_vouched, true);
}

/*
 * May fuse.ko's page cache of file @nodeid serve reads?  Yes if it was
 * last emptied at the file's current version.  *@tag gets the version
 * now either way, for vtfs_vtable_data_emptied().
 */
bool vtfs_vtable_vouch_data(struct vtfs_device *dev, u64 nodeid,
			    struct vtfs_vtable_tag *tag)
{
	if (!dev->vtable) {
		tag->valid = false;
		return false;
	}
	return vtfs_vc_vouch_record(dev, VTFS_VC_DATA, nodeid, tag,
				    &dev->vtable->stats.data_vouched, false);
}

/*
 * The caller emptied @nodeid's page cache after @tag was read: what
 * READs bring from now on is at least as new as @tag.  A READ sent
 * before that but answered after a change drops the record again
 * (vtfs_vc_note_read).  Without memory the next read empties it again.
 */
void vtfs_vtable_data_emptied(struct vtfs_device *dev, u64 nodeid,
			      const struct vtfs_vtable_tag *tag)
{
	if (dev->vtable && tag->valid)
		vtfs_vc_record(dev->vtable, VTFS_VC_DATA, nodeid, tag,
			       GFP_KERNEL);
}

/* @nodeid's version now; tag->valid is false without a usable table. */
void vtfs_vtable_tag_node(struct vtfs_device *dev, u64 nodeid,
			  struct vtfs_vtable_tag *tag)
{
	if (!dev->vtable || !READ_ONCE(dev->vtable->on)) {
		tag->valid = false;
		return;
	}
	vtfs_vt_tag_node(dev, nodeid, tag);
}

/* Does a mount of @dev use the table? */
bool vtfs_vtable_in_use(struct vtfs_device *dev)
{
	return dev->vtable && READ_ONCE(dev->vtable->on);
}

/* ---- forgets ---- */

/* Drop what could hand out @nodeid again.  Caller holds vt->lock. */
static void vtfs_vc_invalidate(struct vtfs_vtable *vt, u64 nodeid)
{
	struct hlist_head *b = vtfs_vc_node_bucket(vt->children, nodeid);
	struct vtfs_vc_entry *e;
	struct hlist_node *next;

	hlist_for_each_entry_safe(e, next, b, child_node) {
		if (e->child == nodeid) {
			vtfs_vc_drop(vt, e);
			vt->stats.invalidations++;
		}
	}
	e = vtfs_vc_find(vt, VTFS_VC_ATTR, nodeid, NULL, 0);
	if (e) {
		vtfs_vc_drop(vt, e);
		vt->stats.invalidations++;
	}
	/* The inode goes, and with it fuse.ko's listing or page cache. */
	e = vtfs_vc_find(vt, VTFS_VC_LISTING, nodeid, NULL, 0);
	if (e)
		vtfs_vc_drop(vt, e);
	e = vtfs_vc_find(vt, VTFS_VC_DATA, nodeid, NULL, 0);
	if (e)
		vtfs_vc_drop(vt, e);
}

/*
 * fuse.ko is about to forget @one->nodeid @one->nlookup times.  Take the
 * lookups we answered locally off that count and drop everything that
 * returns the node.  False: nothing is left to send.
 */
bool vtfs_vtable_forget_one(struct vtfs_device *dev,
			    struct fuse_forget_one *one)
{
	struct vtfs_vtable *vt = dev->vtable;
	struct vtfs_vc_owed *o;
	u64 taken;

	if (!vt || !READ_ONCE(vt->on))
		return true;
	spin_lock(&vt->lock);
	if (!vt->on)
		goto unlock;
	vtfs_vc_invalidate(vt, one->nodeid);
	o = vtfs_vc_find_owed(vt, one->nodeid);
	if (!o)
		goto unlock;
	taken = min(o->count, one->nlookup);
	o->count -= taken;
	one->nlookup -= taken;
	vt->stats.forgets_adjusted++;
	if (!one->nlookup)
		vt->stats.forgets_dropped++;
	if (!o->count) {
		hlist_del(&o->node);
		vt->nr_owed--;
		kfree(o);
	}
unlock:
	spin_unlock(&vt->lock);
	return one->nlookup != 0;
}

/*
 * vtfs_vtable_forget_one() over a list from fuse_dequeue_forget(): links
 * with nothing left to send are freed.  Returns how many remain in *@head.
 */
unsigned int vtfs_vtable_forget_list(struct vtfs_device *dev,
				     struct fuse_forget_link **head)
{
	struct fuse_forget_link **pos = head;
	struct fuse_forget_link *link;
	unsigned int count = 0;

	while ((link = *pos) != NULL) {
		if (vtfs_vtable_forget_one(dev, &link->forget_one)) {
			pos = &link->next;
			count++;
			continue;
		}
		*pos = link->next;
		kfree(link);
	}
	return count;
}

/* ---- a connection starts or stops using the table ---- */

static struct hlist_head *vtfs_vc_alloc_table(unsigned int bits)
{
	return kvcalloc(1U << bits, sizeof(struct hlist_head), GFP_KERNEL);
}

/*
 * A connection is being set up on @dev; @wanted is the mount option.
 * Without memory the mount works without the table.
 */
void vtfs_vtable_start(struct vtfs_device *dev, bool wanted)
{
	struct vtfs_vtable *vt = dev->vtable;
	struct hlist_head *keys, *children, *owed;

	if (!vt || !wanted)
		return;
	keys = vtfs_vc_alloc_table(VTFS_VC_KEY_BITS);
	children = vtfs_vc_alloc_table(VTFS_VC_NODE_BITS);
	owed = vtfs_vc_alloc_table(VTFS_VC_NODE_BITS);
	if (!keys || !children || !owed) {
		dev_warn(&dev->vdev->dev, "tag \"%s\": no memory for the version table cache, mounting without\n",
			 dev->tag);
		kvfree(keys);
		kvfree(children);
		kvfree(owed);
		return;
	}
	spin_lock(&vt->lock);
	vt->keys = keys;
	vt->children = children;
	vt->owed = owed;
	vt->warned = false;
	WRITE_ONCE(vt->on, true);
	spin_unlock(&vt->lock);
}

/* The connection is gone (or never came): forget everything kept. */
void vtfs_vtable_stop(struct vtfs_device *dev)
{
	struct vtfs_vtable *vt = dev->vtable;
	struct hlist_head *keys, *children, *owed;
	struct vtfs_vc_entry *e, *next;
	struct vtfs_vc_owed *o;
	struct hlist_node *tmp;
	unsigned int i;
	LIST_HEAD(entries);

	if (!vt)
		return;
	spin_lock(&vt->lock);
	WRITE_ONCE(vt->on, false);
	list_splice_init(&vt->lru, &entries);
	keys = vt->keys;
	children = vt->children;
	owed = vt->owed;
	vt->keys = NULL;
	vt->children = NULL;
	vt->owed = NULL;
	vt->nr_entries = 0;
	vt->nr_owed = 0;
	spin_unlock(&vt->lock);

	list_for_each_entry_safe(e, next, &entries, lru)
		kfree(e);
	for (i = 0; owed && i < 1U << VTFS_VC_NODE_BITS; i++)
		hlist_for_each_entry_safe(o, tmp, &owed[i], node)
			kfree(o);
	kvfree(keys);
	kvfree(children);
	kvfree(owed);
}

/* ---- the region: probe and release ---- */

/*
 * Map the device's version table region, if it has one.  Its header is
 * not checked here: the daemon may fill it in later (and a restarted
 * daemon replaces it), so it is checked on every use instead.  Without a
 * usable region the device works as before.
 */
void vtfs_vtable_probe(struct vtfs_device *dev)
{
	struct device *vd = &dev->vdev->dev;
	struct virtio_shm_region reg;
	struct vtfs_vtable *vt;

	if (!virtio_get_shm_region(dev->vdev, &reg, VTFS_SHMCAP_ID_VTABLE))
		return;
	if (reg.len < sizeof(struct vtfs_vtable_header) + sizeof(__le64) ||
	    reg.addr + reg.len < reg.addr) {
		dev_warn(vd, "tag \"%s\": version table region %#llx+%#llx is unusable\n",
			 dev->tag, reg.addr, reg.len);
		return;
	}
	vt = kzalloc(sizeof(*vt), GFP_KERNEL);
	if (!vt)
		return;
	/* Read-only by convention: the daemon is the only writer. */
	vt->base = memremap(reg.addr, reg.len, MEMREMAP_WB);
	if (!vt->base) {
		dev_warn(vd, "tag \"%s\": cannot map the version table\n",
			 dev->tag);
		kfree(vt);
		return;
	}
	vt->len = reg.len;
	/* Without memory for it, stamp hits go uncounted. */
	vt->verdicts = vtfs_verdict_alloc();
	spin_lock_init(&vt->lock);
	INIT_LIST_HEAD(&vt->lru);
	dev->vtable = vt;
	dev_info(vd, "tag \"%s\": version table of %llu KiB at %#llx\n",
		 dev->tag, reg.len >> 10, reg.addr);
}

/* Last reference to the device: no connection uses the table. */
void vtfs_vtable_free(struct vtfs_device *dev)
{
	struct vtfs_vtable *vt = dev->vtable;

	if (!vt)
		return;
	vtfs_vtable_stop(dev);
	dev->vtable = NULL;
	vtfs_verdict_free(vt->verdicts);
	memunmap(vt->base);
	kfree(vt);
}

/* ---- /sys/fs/virtiofs/<N>/version_table/ ---- */

static struct vtfs_vtable *vtfs_vt_of(struct kobject *kobj)
{
	return container_of(kobj, struct vtfs_device, kobj)->vtable;
}

/*
 * absent: the device has no table; unused: no mount uses it (or the mount
 * said version_table=off); waiting: mounted, but the header is not (yet)
 * valid; on: GETATTR and LOOKUP may be answered locally.
 */
static ssize_t state_show(struct kobject *kobj, struct kobj_attribute *attr,
			  char *buf)
{
	struct vtfs_vtable *vt = vtfs_vt_of(kobj);
	struct vtfs_vt_view view;
	const char *state = "absent";
	const char *why;

	if (vt && !READ_ONCE(vt->on))
		state = "unused";
	else if (vt)
		state = vtfs_vt_check(vt, &view, &why) ? "on" : "waiting";
	return sysfs_emit(buf, "%s\n", state);
}

static ssize_t size_show(struct kobject *kobj, struct kobj_attribute *attr,
			 char *buf)
{
	struct vtfs_vtable *vt = vtfs_vt_of(kobj);

	return sysfs_emit(buf, "%llu\n", vt ? vt->len : 0);
}

static ssize_t generation_show(struct kobject *kobj,
			       struct kobj_attribute *attr, char *buf)
{
	struct vtfs_vtable *vt = vtfs_vt_of(kobj);
	const struct vtfs_vtable_header *hdr;

	if (!vt)
		return sysfs_emit(buf, "0\n");
	hdr = vt->base;
	return sysfs_emit(buf, "%llu\n", vtfs_vt_load(&hdr->generation));
}

/* A counter of @kobj's table, at @offset in its stats; 0 without one. */
static u64 vtfs_vt_count(struct kobject *kobj, size_t offset)
{
	struct vtfs_vtable *vt = vtfs_vt_of(kobj);
	u64 value = 0;

	if (vt) {
		spin_lock(&vt->lock);
		value = *(u64 *)((u8 *)&vt->stats + offset);
		spin_unlock(&vt->lock);
	}
	return value;
}

static ssize_t vtfs_vt_count_show(struct kobject *kobj, size_t offset,
				  char *buf)
{
	return sysfs_emit(buf, "%llu\n", vtfs_vt_count(kobj, offset));
}

/* Yes answers: the long way (under vt->lock) and from the memo. */
static ssize_t vtfs_vt_vouched_show(struct kobject *kobj, size_t offset,
				    bool names, char *buf)
{
	struct vtfs_vtable *vt = vtfs_vt_of(kobj);
	u64 memo = vt ? vtfs_verdict_hits(vt->verdicts, names) : 0;

	return sysfs_emit(buf, "%llu\n", vtfs_vt_count(kobj, offset) + memo);
}

static ssize_t dentries_vouched_show(struct kobject *kobj,
				     struct kobj_attribute *attr, char *buf)
{
	return vtfs_vt_vouched_show(kobj,
		offsetof(struct vtfs_vtable_stats, dentries_vouched), true, buf);
}

static ssize_t attrs_vouched_show(struct kobject *kobj,
				  struct kobj_attribute *attr, char *buf)
{
	return vtfs_vt_vouched_show(kobj,
		offsetof(struct vtfs_vtable_stats, attrs_vouched), false, buf);
}

static ssize_t vtfs_vt_gauge_show(struct kobject *kobj, bool owed, char *buf)
{
	struct vtfs_vtable *vt = vtfs_vt_of(kobj);
	unsigned long value = 0;

	if (vt)
		value = owed ? READ_ONCE(vt->nr_owed) :
			READ_ONCE(vt->nr_entries);
	return sysfs_emit(buf, "%lu\n", value);
}

static ssize_t entries_show(struct kobject *kobj, struct kobj_attribute *attr,
			    char *buf)
{
	return vtfs_vt_gauge_show(kobj, false, buf);
}

static ssize_t owed_nodes_show(struct kobject *kobj,
			       struct kobj_attribute *attr, char *buf)
{
	return vtfs_vt_gauge_show(kobj, true, buf);
}

#define VTFS_VT_COUNTER(_name)						\
	static ssize_t _name##_show(struct kobject *kobj,		\
				    struct kobj_attribute *attr, char *buf) \
	{								\
		return vtfs_vt_count_show(kobj,				\
			offsetof(struct vtfs_vtable_stats, _name), buf); \
	}								\
	static struct kobj_attribute vtfs_vt_attr_##_name = __ATTR_RO(_name)

VTFS_VT_COUNTER(hits);
VTFS_VT_COUNTER(local_replies);
VTFS_VT_COUNTER(misses);
VTFS_VT_COUNTER(stale);
VTFS_VT_COUNTER(forgets_adjusted);
VTFS_VT_COUNTER(forgets_dropped);
VTFS_VT_COUNTER(invalidations);
VTFS_VT_COUNTER(evictions);
VTFS_VT_COUNTER(listings_vouched);
VTFS_VT_COUNTER(data_vouched);
VTFS_VT_COUNTER(data_dropped);
static struct kobj_attribute vtfs_vt_attr_state = __ATTR_RO(state);
static struct kobj_attribute vtfs_vt_attr_size = __ATTR_RO(size);
static struct kobj_attribute vtfs_vt_attr_generation = __ATTR_RO(generation);
static struct kobj_attribute vtfs_vt_attr_entries = __ATTR_RO(entries);
static struct kobj_attribute vtfs_vt_attr_owed_nodes = __ATTR_RO(owed_nodes);
static struct kobj_attribute vtfs_vt_attr_dentries_vouched =
	__ATTR_RO(dentries_vouched);
static struct kobj_attribute vtfs_vt_attr_attrs_vouched =
	__ATTR_RO(attrs_vouched);

static struct attribute *vtfs_vtable_attrs[] = {
	&vtfs_vt_attr_state.attr,
	&vtfs_vt_attr_size.attr,
	&vtfs_vt_attr_generation.attr,
	&vtfs_vt_attr_hits.attr,
	&vtfs_vt_attr_local_replies.attr,
	&vtfs_vt_attr_misses.attr,
	&vtfs_vt_attr_stale.attr,
	&vtfs_vt_attr_forgets_adjusted.attr,
	&vtfs_vt_attr_forgets_dropped.attr,
	&vtfs_vt_attr_invalidations.attr,
	&vtfs_vt_attr_evictions.attr,
	&vtfs_vt_attr_dentries_vouched.attr,
	&vtfs_vt_attr_attrs_vouched.attr,
	&vtfs_vt_attr_listings_vouched.attr,
	&vtfs_vt_attr_data_vouched.attr,
	&vtfs_vt_attr_data_dropped.attr,
	&vtfs_vt_attr_entries.attr,
	&vtfs_vt_attr_owed_nodes.attr,
	NULL,
};

const struct attribute_group vtfs_vtable_group = {
	.name	= "version_table",
	.attrs	= vtfs_vtable_attrs,
};
