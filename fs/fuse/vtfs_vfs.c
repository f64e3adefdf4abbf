// SPDX-License-Identifier: GPL-2.0
/*
 * virtio_fs.ko: the version table's fast path in the VFS.
 *
 * With cache=none fuse.ko gives every dentry and every inode's attributes
 * a timeout of zero.  Each path component then costs a LOOKUP (dentry
 * revalidation) and, with default_permissions, a GETATTR (permission
 * check); each stat() costs one more GETATTR; and the last dput() of a
 * dentry evicts its inode, so the next use looks it up again and the
 * daemon gets a FORGET in between.  vtfs_vtable.c can answer a GETATTR or
 * LOOKUP without the host, but each still costs a fuse request.  Here the
 * VFS asks the table first, so that no request is made at all while the
 * table vouches for what the dcache and the inode hold:
 *
 *   d_revalidate  a dentry is valid while its directory's version is the
 *                 one read before the LOOKUP reply kept for its name, and
 *                 that reply led to the same node (or, negative, to none);
 *   d_delete      unused dentries stay cached while the table is in use;
 *                 revalidation decides when they are next used;
 *   permission,   an inode's attributes are current while its version is
 *   getattr       the one read before the kept reply that described it;
 *                 fuse.ko's own operation then runs with the attribute
 *                 timeout set to now, for that one call.
 *
 * Listings and file contents: vtfs_vfs_file.c.
 *
 * Anything the table does not vouch for goes to fuse.ko's operations
 * unchanged.  fuse.ko itself is not modified: our superblock's s_d_op
 * points to a copy of fuse's dentry operations with three of them replaced,
 * and an inode gets a copy of its fuse inode operations with these two
 * replaced (and of its file operations, vtfs_vfs_file.c) when a
 * revalidation first meets it, or when a lookup or open(O_CREAT) in a
 * directory that has ours makes it (for directories, lookup and
 * atomic_open are replaced for that).  Submounts are fuse's superblocks
 * and keep fuse's operations.
 */
#include <linux/dcache.h>
#include <linux/fs.h>
#include <linux/jiffies.h>
#include <linux/namei.h>
#include <linux/spinlock.h>

#include "vtfs.h"

/* One of fuse.ko's inode_operations and our copy of it. */
struct vtfs_vfs_iops {
	const struct inode_operations *fuse;	/* published last */
	struct inode_operations ours;	/* copied at first use */
};

/*
 * fuse.ko has three inode_operations (files and special files,
 * directories, symlinks); one spare.  vtfs_vfs_lock serialises filling a
 * slot; a slot is read without it once ->fuse is published (release) and
 * never changes after.  The same holds for the dentry operations.
 */
#define VTFS_VFS_NR_IOPS	4
static struct vtfs_vfs_iops vtfs_vfs_iops[VTFS_VFS_NR_IOPS];
static const struct dentry_operations *vtfs_vfs_fuse_dops;
static struct dentry_operations vtfs_vfs_dops;
static DEFINE_SPINLOCK(vtfs_vfs_lock);

/* ---- inode operations ---- */

static const struct inode_operations *vtfs_vfs_fuse_iops(struct inode *inode)
{
	return container_of(inode->i_op, struct vtfs_vfs_iops, ours)->fuse;
}

/*
 * fuse.ko refreshes attributes whose timeout (fi->i_time, in jiffies) is
 * before now.  If that is the only reason it would, and the table says
 * they are current, make the timeout now for this one call: fuse.ko
 * treats that as valid and still applies its own invalidation mask.
 *
 * Plain stores, racing with fuse.ko's own (under fi->lock), on purpose:
 * fuse.ko only ever stores an expiry time there, never an invalidation
 * (that is fi->inval_mask), so losing a race only ends a validity early
 * and costs one refresh.  An expired @old put back is as good as any.
 */
void vtfs_vfs_vouch_attr(struct inode *inode, struct vtfs_vfs_vouch *v)
{
	struct fuse_inode *fi = get_fuse_inode(inode);
	struct vtfs_device *dev = vtfs_sb_device(inode->i_sb);
	struct vtfs_verdict_key key = {
		.inode = inode,
		.nodeid = get_node_id(inode),
	};

	v->set = false;
	v->now = get_jiffies_64();
	v->old = READ_ONCE(fi->i_time);
	if (!dev || !time_before64(v->old, v->now) || fuse_is_bad(inode))
		return;
	if (!vtfs_vtable_vouch(dev, &key))
		return;
	WRITE_ONCE(fi->i_time, v->now);
	v->set = true;
}

void vtfs_vfs_unvouch(struct inode *inode, struct vtfs_vfs_vouch *v)
{
	struct fuse_inode *fi = get_fuse_inode(inode);

	if (v->set && READ_ONCE(fi->i_time) == v->now)
		WRITE_ONCE(fi->i_time, v->old);
}

static int vtfs_vfs_permission(struct vtfs_idmap *idmap, struct inode *inode,
			       int mask)
{
	struct vtfs_vfs_vouch v;
	int err;

	vtfs_vfs_vouch_attr(inode, &v);
	err = vtfs_vfs_fuse_iops(inode)->permission(idmap, inode, mask);
	vtfs_vfs_unvouch(inode, &v);
	return err;
}

static int vtfs_vfs_getattr(struct vtfs_idmap *idmap, const struct path *path,
			    struct kstat *stat, u32 mask, unsigned int flags)
{
	struct inode *inode = d_inode(path->dentry);
	struct vtfs_vfs_vouch v;
	int err;

	vtfs_vfs_vouch_attr(inode, &v);
	err = vtfs_vfs_fuse_iops(inode)->getattr(idmap, path, stat, mask,
						  flags);
	vtfs_vfs_unvouch(inode, &v);
	return err;
}

static void vtfs_vfs_adopt(struct inode *inode);

/* A name looked up for the first time: its inode is ours from the start. */
static struct dentry *vtfs_vfs_lookup(struct inode *dir, struct dentry *entry,
				      unsigned int flags)
{
	struct dentry *alias = vtfs_vfs_fuse_iops(dir)->lookup(dir, entry,
							      flags);
	struct dentry *found = alias ? alias : entry;

	if (!IS_ERR(alias) && d_really_is_positive(found))
		vtfs_vfs_adopt(d_inode(found));
	return alias;
}

/*
 * open(O_CREAT) of a name not in the dcache: fuse.ko may create and open
 * the file in one go, with its own file operations; the new file gets
 * ours before anyone else sees it.
 */
static int vtfs_vfs_atomic_open(struct inode *dir, struct dentry *entry,
				struct file *file, unsigned int flags,
				umode_t mode)
{
	int err = vtfs_vfs_fuse_iops(dir)->atomic_open(dir, entry, file, flags,
						       mode);
	struct dentry *found;

	if (err)
		return err;
	if (file->f_mode & FMODE_OPENED) {
		vtfs_vfs_adopt(file_inode(file));
		vtfs_vfs_adopt_open_file(file);
		return 0;
	}
	/* finish_no_open(): the VFS opens @found itself. */
	found = file->f_path.dentry;
	if (found && d_really_is_positive(found))
		vtfs_vfs_adopt(d_inode(found));
	return 0;
}

static bool vtfs_vfs_is_ours(const struct inode_operations *iop)
{
	unsigned int i;

	for (i = 0; i < VTFS_VFS_NR_IOPS; i++)
		if (iop == &vtfs_vfs_iops[i].ours)
			return true;
	return false;
}

/* Our copy of @iop, made on first use; NULL when out of slots. */
static const struct inode_operations *
vtfs_vfs_copy_of(const struct inode_operations *iop)
{
	struct vtfs_vfs_iops *slot = NULL;
	unsigned int i;

	for (i = 0; i < VTFS_VFS_NR_IOPS; i++) {
		/* Acquire: pairs with the release below; ->ours is complete. */
		if (smp_load_acquire(&vtfs_vfs_iops[i].fuse) == iop)
			return &vtfs_vfs_iops[i].ours;
	}

	spin_lock(&vtfs_vfs_lock);
	for (i = 0; i < VTFS_VFS_NR_IOPS; i++) {
		slot = &vtfs_vfs_iops[i];
		if (slot->fuse == iop || !slot->fuse)
			break;
	}
	if (i == VTFS_VFS_NR_IOPS) {
		slot = NULL;
	} else if (!slot->fuse) {
		slot->ours = *iop;
		if (iop->permission)
			slot->ours.permission = vtfs_vfs_permission;
		if (iop->getattr)
			slot->ours.getattr = vtfs_vfs_getattr;
		if (iop->lookup)
			slot->ours.lookup = vtfs_vfs_lookup;
		if (iop->atomic_open)
			slot->ours.atomic_open = vtfs_vfs_atomic_open;
		/* Release: lockless readers see ->ours complete. */
		smp_store_release(&slot->fuse, iop);
	}
	spin_unlock(&vtfs_vfs_lock);
	return slot ? &slot->ours : NULL;
}

/* Route @inode's permission and getattr through us from now on. */
static void vtfs_vfs_adopt(struct inode *inode)
{
	const struct inode_operations *iop = READ_ONCE(inode->i_op);
	const struct inode_operations *ours;

	/* Adopted already: its file operations were done first. */
	if (vtfs_vfs_is_ours(iop))
		return;
	vtfs_vfs_adopt_fops(inode);
	ours = vtfs_vfs_copy_of(iop);
	/* Both tables are valid at every instant: a plain swap will do. */
	if (ours)
		cmpxchg(&inode->i_op, iop, ours);
}

/* ---- dentry operations ---- */

/*
 * Ask the table about @dentry's name and parent, which rename changes.
 * Outside RCU walk they are read under d_lock, which rename takes.
 */
static bool vtfs_vfs_vouch_locked(struct vtfs_device *dev,
				  struct dentry *dentry,
				  struct vtfs_verdict_key *key)
{
	struct inode *dir;
	bool ok = false;

	spin_lock(&dentry->d_lock);
	dir = d_inode(dentry->d_parent);
	if (dir) {
		key->nodeid = get_node_id(dir);
		key->name = &dentry->d_name;
		ok = vtfs_vtable_vouch(dev, key);
	}
	spin_unlock(&dentry->d_lock);
	return ok;
}

/*
 * The same in RCU walk, without the lock: a consistent (name, parent)
 * pair is read under d_seq, and the walk checks d_seq again after us, so
 * a rename that comes later makes it start over.  The name's memory
 * stays valid for the walk (freed after an RCU grace period), and is read
 * no further than its length then.
 */
static bool vtfs_vfs_vouch_rcu(struct vtfs_device *dev, struct dentry *dentry,
			       struct vtfs_verdict_key *key)
{
	unsigned int seq = raw_seqcount_begin(&dentry->d_seq);
	struct dentry *parent = READ_ONCE(dentry->d_parent);
	struct qstr name = {
		.hash_len = READ_ONCE(dentry->d_name.hash_len),
		.name = READ_ONCE(dentry->d_name.name),
	};
	struct inode *dir = d_inode_rcu(parent);

	if (read_seqcount_retry(&dentry->d_seq, seq) || !dir)
		return false;
	key->nodeid = get_node_id(dir);
	key->name = &name;
	return vtfs_vtable_vouch(dev, key);
}

/* Does the table vouch for @dentry as it is? */
static bool vtfs_vfs_dentry_current(struct dentry *dentry, bool rcu)
{
	struct vtfs_device *dev = vtfs_sb_device(dentry->d_sb);
	struct inode *inode = d_inode_rcu(dentry);
	struct vtfs_verdict_key key = { .dentry = dentry };

	if (!dev)
		return false;
	if (inode) {
		if (fuse_is_bad(inode))
			return false;
		vtfs_vfs_adopt(inode);
		key.child = get_node_id(inode);
	}
	if (rcu)
		return vtfs_vfs_vouch_rcu(dev, dentry, &key);
	return vtfs_vfs_vouch_locked(dev, dentry, &key);
}

static int vtfs_vfs_d_revalidate(struct dentry *dentry, unsigned int flags)
{
	/* fuse.ko asks the host for these whatever the timeout says. */
	const unsigned int fresh = LOOKUP_EXCL | LOOKUP_REVAL |
				   LOOKUP_RENAME_TARGET;

	if (!(flags & fresh) &&
	    vtfs_vfs_dentry_current(dentry, flags & LOOKUP_RCU))
		return 1;
	return vtfs_vfs_fuse_dops->d_revalidate(dentry, flags);
}

/* A new dentry starts without a stamp (vtfs_verdict.c). */
static int vtfs_vfs_d_init(struct dentry *dentry)
{
	vtfs_verdict_init(dentry);
	if (vtfs_vfs_fuse_dops->d_init)
		return vtfs_vfs_fuse_dops->d_init(dentry);
	return 0;
}

static int vtfs_vfs_d_delete(const struct dentry *dentry)
{
	struct vtfs_device *dev = vtfs_sb_device(dentry->d_sb);

	if (dev && vtfs_vtable_in_use(dev))
		return 0;
	return vtfs_vfs_fuse_dops->d_delete(dentry);
}

/* Our copy of fuse.ko's dentry operations @dops, made on first use. */
static const struct dentry_operations *
vtfs_vfs_dops_for(const struct dentry_operations *dops)
{
	const struct dentry_operations *ours = NULL;

	spin_lock(&vtfs_vfs_lock);
	if (!vtfs_vfs_fuse_dops && dops->d_revalidate && dops->d_delete) {
		vtfs_vfs_dops = *dops;
		vtfs_vfs_dops.d_revalidate = vtfs_vfs_d_revalidate;
		vtfs_vfs_dops.d_delete = vtfs_vfs_d_delete;
		vtfs_vfs_dops.d_init = vtfs_vfs_d_init;
		vtfs_vfs_fuse_dops = dops;
	}
	if (vtfs_vfs_fuse_dops == dops)
		ours = &vtfs_vfs_dops;
	spin_unlock(&vtfs_vfs_lock);
	return ours;
}

/*
 * A new superblock of ours whose mount uses the version table; fuse.ko
 * has filled it in, and no dentry but the root exists yet.
 */
void vtfs_vfs_attach(struct super_block *sb)
{
	const struct dentry_operations *ours = vtfs_vfs_dops_for(sb->s_d_op);

	if (!ours)
		return;
	sb->s_d_op = ours;
	vtfs_vfs_nosec_attach(sb);
	vtfs_verdict_init(sb->s_root);
	vtfs_vfs_adopt(d_inode(sb->s_root));
}
