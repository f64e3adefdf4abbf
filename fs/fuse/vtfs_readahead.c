// SPDX-License-Identifier: GPL-2.0
/*
 * virtio_fs.ko: one-page readahead read synchronously, so that it is
 * polled for.
 *
 * With a page cache (cache=auto or always), a read of a page not cached
 * goes through readahead, and fuse.ko sends readahead as a background
 * request (the daemon asks for FUSE_ASYNC_READ): the reader sleeps on the
 * page lock until the reply's interrupt, and fuse.ko sends it from under
 * its spinlocks, where the sender cannot poll (vtfs_poll.c).  Random reads
 * (fio's randread, a database's page reads, FADV_RANDOM files) are all
 * one-page readaheads, and each waits for the interrupt path.
 *
 * Readahead of more than a page still overlaps the reader, and stays
 * fuse.ko's.  A one-page readahead is for the page the reader needs now
 * (or the last page of the file), so nothing is lost by reading it at
 * once: our copy of fuse.ko's address_space_operations reads it with
 * fuse.ko's own read_folio, a synchronous request that its sender polls
 * for.  A mapping gets our copy the first time the transport meets one of
 * its readahead READs (vtfs_readahead_adopt()); its first one goes the old
 * way.  Every other operation in the copy is fuse.ko's.
 */
#include <linux/fs.h>
#include <linux/pagemap.h>
#include <linux/spinlock.h>

#include "vtfs.h"

/*
 * fuse.ko's file address_space_operations and our copy.  The copy is
 * filled once under vtfs_ra_lock, then @fuse is published (release) and
 * both are read without the lock.  Only one table of fuse.ko's is copied:
 * regular files that are not DAX all share it.
 */
static DEFINE_SPINLOCK(vtfs_ra_lock);
static const struct address_space_operations *vtfs_ra_fuse;
static struct address_space_operations vtfs_ra_ours;

static void vtfs_readahead(struct readahead_control *rac)
{
	const struct address_space_operations *fuse = READ_ONCE(vtfs_ra_fuse);
	struct folio *folio;

	if (readahead_count(rac) != 1 || !rac->file) {
		fuse->readahead(rac);
		return;
	}
	/* Locked; read_folio unlocks it, read or not. */
	folio = readahead_folio(rac);
	if (folio)
		fuse->read_folio(rac->file, folio);
}

/* Our copy of @aops, made on first use; NULL if @aops is another table. */
static const struct address_space_operations *
vtfs_ra_copy_of(const struct address_space_operations *aops)
{
	const struct address_space_operations *ours = NULL;

	spin_lock(&vtfs_ra_lock);
	if (!vtfs_ra_fuse) {
		vtfs_ra_ours = *aops;
		vtfs_ra_ours.readahead = vtfs_readahead;
		/* Release: lockless readers see the copy complete. */
		smp_store_release(&vtfs_ra_fuse, aops);
	}
	if (vtfs_ra_fuse == aops)
		ours = &vtfs_ra_ours;
	spin_unlock(&vtfs_ra_lock);
	return ours;
}

/*
 * @mapping just sent a readahead READ: from now on its one-page
 * readaheads are ours.  May be called under spinlocks.
 */
void vtfs_readahead_adopt(struct address_space *mapping)
{
	const struct address_space_operations *aops = READ_ONCE(mapping->a_ops);
	const struct address_space_operations *ours;

	if (aops == &vtfs_ra_ours || !aops->readahead || !aops->read_folio)
		return;
	/* Acquire: pairs with the release above; the copy is complete. */
	if (smp_load_acquire(&vtfs_ra_fuse) == aops)
		ours = &vtfs_ra_ours;
	else
		ours = vtfs_ra_copy_of(aops);
	/* Both tables are valid at every instant: a plain swap will do. */
	if (ours)
		cmpxchg(&mapping->a_ops, aops, ours);
}
