// SPDX-License-Identifier: GPL-2.0
/*
 * virtio_fs.ko: the version table's fast path for directory listings and
 * file contents (vtfs_vfs.c does dentries and attributes).
 *
 * With cache=none the daemon opens files with FOPEN_DIRECT_IO and
 * directories without FOPEN_CACHE_DIR, so every read() and every readdir
 * goes to the host.  While a mount uses the version table, fuse.ko may
 * cache both, and we check the object's version wherever a cached copy
 * would be used:
 *
 *   directories  opened with FOPEN_CACHE_DIR; at each readdir from offset
 *                0 (opendir, rewinddir) fuse.ko's cached listing is reset
 *                unless the directory's version is the one read before the
 *                listing was fetched;
 *   files        opened for reading only without FOPEN_DIRECT_IO; before
 *                each read (read, splice, mmap) the page cache is emptied
 *                unless the
 *                file's version is the one read when it was last
 *                emptied, and a READ answered after a change makes the
 *                next read empty it (vtfs_vtable.c).
 *
 * The transport records the versions and adds FOPEN_KEEP_CACHE to OPEN
 * and OPENDIR replies on the same conditions.  So a read sees every change
 * whose version bump came before it, as with cache=none, and costs no
 * request while nothing changed.  Pages a process has mapped are checked
 * at mmap() only, as with cache=auto; writers use direct I/O as before,
 * and their writes bump the version.  DAX files keep fuse.ko's DAX paths, and files opened before
 * their inode was adopted keep fuse.ko's operations and open flags.
 */
#include <linux/fs.h>
#include <linux/pagemap.h>
#include <linux/spinlock.h>

#include "vtfs.h"

/* fuse.ko's file_operations for one kind of inode, and our copy of them. */
struct vtfs_vfs_fops {
	const struct file_operations *fuse;	/* published last */
	struct file_operations ours;		/* copied at first use */
	/* Puts ours in; false if fuse.ko's lack one that is wrapped. */
	bool (*wrap)(struct file_operations *ours);
};

/* The copies are filled once under this lock, then read without it. */
static DEFINE_SPINLOCK(vtfs_vfs_fops_lock);

static const struct file_operations *vtfs_vfs_fuse_fops(struct file *file)
{
	return container_of(file->f_op, struct vtfs_vfs_fops, ours)->fuse;
}

/* May fuse.ko cache @inode's listing or contents for us? */
static struct vtfs_device *vtfs_vfs_cacheable(struct inode *inode)
{
	struct vtfs_device *dev = vtfs_sb_device(inode->i_sb);

	if (!dev || !vtfs_vtable_in_use(dev) || FUSE_IS_DAX(inode))
		return NULL;
	return dev;
}

/* ---- directories ---- */

/* What fuse.ko's fuse_rdc_reset() does (readdir.c, static there). */
static void vtfs_vfs_reset_listing(struct inode *inode)
{
	struct fuse_inode *fi = get_fuse_inode(inode);

	spin_lock(&fi->rdc.lock);
	fi->rdc.cached = false;
	fi->rdc.version++;
	fi->rdc.size = 0;
	fi->rdc.pos = 0;
	spin_unlock(&fi->rdc.lock);
}

/* Not yet visible to anyone else: no lock needed. */
static void vtfs_vfs_dir_opened(struct inode *inode, struct file *file)
{
	struct fuse_file *ff = file->private_data;

	if (vtfs_vfs_cacheable(inode))
		ff->open_flags |= FOPEN_CACHE_DIR;
}

static int vtfs_vfs_dir_open(struct inode *inode, struct file *file)
{
	int err = vtfs_vfs_fuse_fops(file)->open(inode, file);

	if (!err)
		vtfs_vfs_dir_opened(inode, file);
	return err;
}

/*
 * From offset 0 fuse.ko serves its cached listing if it has a complete
 * one; make it list again unless the table vouches for that listing.
 */
static int vtfs_vfs_iterate(struct file *file, struct dir_context *ctx)
{
	struct inode *inode = file_inode(file);
	struct fuse_file *ff = file->private_data;
	struct vtfs_device *dev;

	if (!ctx->pos && (ff->open_flags & FOPEN_CACHE_DIR)) {
		dev = vtfs_sb_device(inode->i_sb);
		if (!dev || !vtfs_vtable_vouch_listing(dev, get_node_id(inode)))
			vtfs_vfs_reset_listing(inode);
	}
	return vtfs_vfs_fuse_fops(file)->iterate_shared(file, ctx);
}

static bool vtfs_vfs_wrap_dir(struct file_operations *ours)
{
	if (!ours->open || !ours->iterate_shared)
		return false;
	ours->open = vtfs_vfs_dir_open;
	ours->iterate_shared = vtfs_vfs_iterate;
	return true;
}

/* ---- regular files ---- */

/*
 * Not yet visible to anyone else: no lock needed.  Writers keep direct
 * I/O: through the page cache each write() costs fuse.ko a GETXATTR
 * (file_remove_privs) and would be slower than with cache=none.  Flags
 * that tie the file to an io mode at open stay as they are.
 */
static void vtfs_vfs_file_opened(struct inode *inode, struct file *file)
{
	struct fuse_file *ff = file->private_data;

	if (vtfs_vfs_cacheable(inode) && !(file->f_mode & FMODE_WRITE) &&
	    !(ff->open_flags & VTFS_FOPEN_IOMODE))
		ff->open_flags &= ~FOPEN_DIRECT_IO;
}

static int vtfs_vfs_file_open(struct inode *inode, struct file *file)
{
	int err = vtfs_vfs_fuse_fops(file)->open(inode, file);

	if (!err)
		vtfs_vfs_file_opened(inode, file);
	return err;
}

/*
 * Before fuse.ko may use @file's page cache: empty it unless it was
 * emptied at the file's current version.
 */
static bool vtfs_vfs_direct(struct file *file)
{
	struct fuse_file *ff = file->private_data;

	return ff->open_flags & FOPEN_DIRECT_IO;
}

static void vtfs_vfs_check_data(struct file *file)
{
	struct inode *inode = file_inode(file);
	struct vtfs_vtable_tag tag;
	struct vtfs_device *dev;

	if (vtfs_vfs_direct(file))
		return;
	dev = vtfs_vfs_cacheable(inode);
	if (!dev || vtfs_vtable_vouch_data(dev, get_node_id(inode), &tag))
		return;
	/* As fuse.ko does at an open without FOPEN_KEEP_CACHE. */
	invalidate_inode_pages2(inode->i_mapping);
	vtfs_vtable_data_emptied(dev, get_node_id(inode), &tag);
}

/*
 * A read that neither continues the previous one nor finds a page in the
 * cache: the page cache would cost it a page allocation, an async READ
 * and a copy more than a direct READ into the caller's buffer, and
 * readahead would not help the next one.  Synchronous calls only, so the
 * caller still waits for the whole read.
 */
static bool vtfs_vfs_cold_random(struct kiocb *iocb, struct iov_iter *to)
{
	struct file *file = iocb->ki_filp;
	loff_t pos = iocb->ki_pos;
	size_t count = iov_iter_count(to);

	if (!is_sync_kiocb(iocb) || (iocb->ki_flags & IOCB_NOWAIT) || !count)
		return false;
	if (!pos || pos == READ_ONCE(file->f_ra.prev_pos))
		return false;
	return !filemap_range_has_page(file->f_mapping, pos, pos + count - 1);
}

/*
 * Cold random reads go to the host directly, as with cache=none, through
 * fuse.ko's O_DIRECT path; the rest use the page cache.  f_ra.prev_pos is
 * racy by design (filemap_read writes it unlocked too).
 */
static ssize_t vtfs_vfs_read_direct(struct kiocb *iocb, struct iov_iter *to)
{
	struct file *file = iocb->ki_filp;
	ssize_t ret;

	iocb->ki_flags |= IOCB_DIRECT;
	ret = vtfs_vfs_fuse_fops(file)->read_iter(iocb, to);
	iocb->ki_flags &= ~IOCB_DIRECT;
	WRITE_ONCE(file->f_ra.prev_pos, iocb->ki_pos);
	return ret;
}

/*
 * fuse.ko refreshes the size (a GETATTR) before a read that reaches past
 * it, as reading a whole file does; the table vouches for it instead
 * (vtfs_vfs_vouch_attr), as for stat().  Reads within the size need not.
 */
static ssize_t vtfs_vfs_read_iter(struct kiocb *iocb, struct iov_iter *to)
{
	struct file *file = iocb->ki_filp;
	struct inode *inode = file_inode(file);
	struct vtfs_vfs_vouch v = { .set = false };
	ssize_t ret;

	vtfs_vfs_check_data(file);
	if (vtfs_vfs_direct(file))
		return vtfs_vfs_fuse_fops(file)->read_iter(iocb, to);
	if (iocb->ki_pos + iov_iter_count(to) > i_size_read(inode))
		vtfs_vfs_vouch_attr(inode, &v);
	if (vtfs_vfs_cold_random(iocb, to))
		ret = vtfs_vfs_read_direct(iocb, to);
	else
		ret = vtfs_vfs_fuse_fops(file)->read_iter(iocb, to);
	vtfs_vfs_unvouch(inode, &v);
	return ret;
}

/*
 * No size refresh here: 6.1 splices through read_iter above, 6.12's
 * fuse_splice_read() reads the page cache without one.
 */
static ssize_t vtfs_vfs_splice_read(struct file *in, loff_t *ppos,
				    struct pipe_inode_info *pipe, size_t len,
				    unsigned int flags)
{
	vtfs_vfs_check_data(in);
	return vtfs_vfs_fuse_fops(in)->splice_read(in, ppos, pipe, len, flags);
}

static int vtfs_vfs_mmap(struct file *file, struct vm_area_struct *vma)
{
	vtfs_vfs_check_data(file);
	return vtfs_vfs_fuse_fops(file)->mmap(file, vma);
}

/* No privilege check while nothing changed: vtfs_vfs_nosec.c. */
static ssize_t vtfs_vfs_write_iter(struct kiocb *iocb, struct iov_iter *from)
{
	return vtfs_vfs_nosec_write(iocb, from,
				    vtfs_vfs_fuse_fops(iocb->ki_filp)->write_iter);
}

static bool vtfs_vfs_wrap_file(struct file_operations *ours)
{
	if (!ours->open || !ours->read_iter || !ours->splice_read ||
	    !ours->mmap || !ours->write_iter)
		return false;
	ours->write_iter = vtfs_vfs_write_iter;
	ours->open = vtfs_vfs_file_open;
	ours->read_iter = vtfs_vfs_read_iter;
	ours->splice_read = vtfs_vfs_splice_read;
	ours->mmap = vtfs_vfs_mmap;
	return true;
}

/* ---- adoption ---- */

static struct vtfs_vfs_fops vtfs_vfs_dir = { .wrap = vtfs_vfs_wrap_dir };
static struct vtfs_vfs_fops vtfs_vfs_file = { .wrap = vtfs_vfs_wrap_file };

static struct vtfs_vfs_fops *vtfs_vfs_slot(struct inode *inode)
{
	if (S_ISDIR(inode->i_mode))
		return &vtfs_vfs_dir;
	if (S_ISREG(inode->i_mode))
		return &vtfs_vfs_file;
	return NULL;
}

/* Our copy of fuse.ko's @fops in @slot, made on first use, or NULL. */
static const struct file_operations *
vtfs_vfs_copy_fops(struct vtfs_vfs_fops *slot,
		   const struct file_operations *fops)
{
	const struct file_operations *ours = NULL;

	spin_lock(&vtfs_vfs_fops_lock);
	if (!slot->fuse) {
		slot->ours = *fops;
		if (slot->wrap(&slot->ours))
			/* Release: lockless readers see the copy complete. */
			smp_store_release(&slot->fuse, fops);
	}
	if (slot->fuse == fops)
		ours = &slot->ours;
	spin_unlock(&vtfs_vfs_fops_lock);
	return ours;
}

/*
 * Route @inode's file operations through us from now on: directories and
 * regular files; files already open keep what they have.
 */
void vtfs_vfs_adopt_fops(struct inode *inode)
{
	const struct file_operations *fop = READ_ONCE(inode->i_fop);
	const struct file_operations *ours;
	struct vtfs_vfs_fops *slot = vtfs_vfs_slot(inode);

	if (!slot || fop == &slot->ours)
		return;
	/* Acquire: pairs with the release above; the copy is complete. */
	if (smp_load_acquire(&slot->fuse) == fop)
		ours = &slot->ours;
	else
		ours = vtfs_vfs_copy_fops(slot, fop);
	if (ours)
		cmpxchg(&inode->i_fop, fop, ours);
}

/*
 * @file was opened inside fuse.ko's atomic_open, with fuse.ko's file
 * operations, and is not yet visible to anyone else: give it ours, and
 * what our open would have done.  Both tables have fuse.ko as owner, so
 * the module reference the open took stays right.
 */
void vtfs_vfs_adopt_open_file(struct file *file)
{
	struct inode *inode = file_inode(file);
	struct vtfs_vfs_fops *slot = vtfs_vfs_slot(inode);

	/* Acquire: pairs with the release above; the copy is complete. */
	if (!slot || smp_load_acquire(&slot->fuse) != file->f_op)
		return;
	file->f_op = &slot->ours;
	if (slot == &vtfs_vfs_dir)
		vtfs_vfs_dir_opened(inode, file);
	else
		vtfs_vfs_file_opened(inode, file);
}
