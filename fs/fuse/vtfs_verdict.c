// SPDX-License-Identifier: GPL-2.0
/*
 * virtio_fs.ko: the version table's recent yes answers to "is this
 * dentry / are these attributes current?" (vtfs_vtable_vouch), kept in
 * the dentry and the inode themselves.
 *
 * A stat() of a path asks that question once per component for the
 * dentry and once per directory for its attributes (permission), and
 * once more for the attributes of the file.  The full answer takes the
 * table's lock and a hash lookup by name.  But a yes depends only on the
 * table generation and the version of one node (the dentry's directory,
 * or the inode itself) read before it: while both still read the same,
 * the same question gets the same answer.  So a yes leaves a stamp of
 * that node, generation and version in the object asked about, and the
 * next question compares one word, as a timeout would, instead of
 * taking the lock.
 *
 * The stamp lives where fuse.ko leaves room for us on 64-bit machines:
 * dentry->d_time ("used by d_revalidate"; fuse.ko keeps its entry
 * timeout in d_fsdata there) and inode->i_private (fuse.ko uses it only
 * for its control file system).  The dentry's is zeroed when the dentry
 * is made (vtfs_verdict_init), as dcache.c leaves it as the last user
 * of the memory did; inode_init_always() zeroes i_private.
 *
 * A stamp is the low 32 bits of the version and a 32-bit hash of the
 * node and generation.  It cannot vouch for something that changed:
 *
 *  - a name changes (rename, unlink and create, host changes) only
 *    through a request the daemon answers after bumping the directory's
 *    version, or on the host, which bumps it too: versions only grow, so
 *    the stamp's no longer matches.  A dentry moved to another directory
 *    (rename, d_splice_alias) is compared against that directory, whose
 *    hash differs;
 *  - a new daemon has a new generation, so a new hash;
 *  - what is left are coincidences of 32-bit hashes and of versions
 *    2^32 bumps apart, like a wrapped sequence count.
 *
 * Locking: none.  A stamp is one word, stored and loaded whole
 * (WRITE_ONCE/READ_ONCE); a stale store racing with a newer one at worst
 * costs the next question the long way.  The hit counters are per CPU,
 * summed unlocked by sysfs.
 */
#include <linux/dcache.h>
#include <linux/fs.h>
#include <linux/hash.h>
#include <linux/percpu.h>
#include <linux/slab.h>

#include "vtfs.h"

struct vtfs_verdict_hits {
	u64 count[2];			/* [false]: attributes, [true]: names */
};

struct vtfs_verdicts {
	struct vtfs_verdict_hits __percpu *hits;
};

/* Never 0, so that a zeroed object holds no stamp. */
static unsigned long vtfs_verdict_stamp(u64 nodeid, u64 gen, u64 ver)
{
	unsigned long who = hash_64(nodeid ^ hash_64(gen, 64), 32) | 1;

	BUILD_BUG_ON(sizeof(unsigned long) < sizeof(u64));
	return who << 32 | lower_32_bits(ver);
}

static unsigned long vtfs_verdict_held(const struct vtfs_verdict_key *key)
{
	if (key->dentry)
		return READ_ONCE(key->dentry->d_time);
	return (unsigned long)READ_ONCE(key->inode->i_private);
}

/* Was @key vouched for at generation @gen, version @ver? */
bool vtfs_verdict_known(struct vtfs_verdicts *memo,
			const struct vtfs_verdict_key *key, u64 gen, u64 ver)
{
	if (vtfs_verdict_held(key) != vtfs_verdict_stamp(key->nodeid, gen, ver)) {
		/* What was derived from the old attributes goes too. */
		if (key->inode)
			vtfs_vfs_nosec_forget(key->inode);
		return false;
	}
	if (memo)
		this_cpu_inc(memo->hits->count[!!key->dentry]);
	return true;
}

/* The table vouched for @key at generation @gen, version @ver. */
void vtfs_verdict_note(const struct vtfs_verdict_key *key, u64 gen, u64 ver)
{
	unsigned long stamp = vtfs_verdict_stamp(key->nodeid, gen, ver);

	if (key->dentry)
		WRITE_ONCE(key->dentry->d_time, stamp);
	else
		WRITE_ONCE(key->inode->i_private, (void *)stamp);
}

/* A new dentry of ours holds no stamp. */
void vtfs_verdict_init(struct dentry *dentry)
{
	WRITE_ONCE(dentry->d_time, 0);
}

/* Yes answers given from stamps: for names (dentries) or attributes. */
u64 vtfs_verdict_hits(struct vtfs_verdicts *memo, bool names)
{
	u64 sum = 0;
	int cpu;

	if (!memo)
		return 0;
	for_each_possible_cpu(cpu)
		sum += READ_ONCE(per_cpu_ptr(memo->hits, cpu)->count[names]);
	return sum;
}

/* NULL without memory: stamps still work, uncounted. */
struct vtfs_verdicts *vtfs_verdict_alloc(void)
{
	struct vtfs_verdicts *memo = kzalloc(sizeof(*memo), GFP_KERNEL);

	if (!memo)
		return NULL;
	memo->hits = alloc_percpu(struct vtfs_verdict_hits);
	if (!memo->hits) {
		kfree(memo);
		return NULL;
	}
	return memo;
}

void vtfs_verdict_free(struct vtfs_verdicts *memo)
{
	if (!memo)
		return;
	free_percpu(memo->hits);
	kfree(memo);
}
