// SPDX-License-Identifier: GPL-2.0
/*
 * virtio_fs.ko: a memo of the version table's recent yes answers to "is
 * this dentry / are these attributes current?" (vtfs_vtable_vouch).
 *
 * A stat() of a path asks that question once per component for the
 * dentry and once per directory for its attributes (permission), and
 * once more for the attributes of the file.  The full answer takes the
 * table's lock and a hash lookup by name.  But a yes depends only on the
 * table generation and the node's version read before it: while both
 * still read the same, the same question gets the same answer.  So each
 * device keeps its recent yes answers per object in a direct-mapped
 * array, big enough for the objects of a source tree, and a question
 * whose object, nodeid, child, name and versions all match is answered
 * from it without the table's lock.
 *
 * Locking: each slot has its own sequence count, odd while a writer fills
 * it.  Readers take no lock: they check the count before and after
 * reading the slot.  A writer claims a slot by moving its count from even
 * to odd with cmpxchg, and gives up if another writer has it (a memo may
 * forget).  The hit counters are per CPU, summed unlocked by sysfs.
 *
 * A slot is never trusted for its object pointer alone: a freed dentry
 * or inode may come back at the same address, and a dentry may be
 * renamed.  The slot also holds the nodeid, child, and the name as the
 * VFS has it (its memory and its hash and length), compared without
 * reading the name's bytes.  These cannot all match for another name at
 * the same version: a name changes (rename, unlink and a new lookup) only
 * through a request the daemon answers after bumping the directory's
 * version, or on the host, which bumps it too.
 */
#include <linux/hash.h>
#include <linux/mm.h>
#include <linux/percpu.h>
#include <linux/slab.h>

#include "vtfs.h"

#define VTFS_VERDICT_BITS	13	/* 8192 slots of 64 bytes: 512 KiB */

struct vtfs_verdict {
	unsigned long seq;		/* odd while being written */
	const void *obj;		/* NULL: empty slot */
	u64 nodeid;
	u64 child;
	const unsigned char *name;	/* NULL: attributes */
	u64 hash_len;
	u64 gen;
	u64 ver;
};

struct vtfs_verdict_hits {
	u64 count[2];			/* [false]: attributes, [true]: names */
};

struct vtfs_verdicts {
	struct vtfs_verdict *slot;	/* [1 << VTFS_VERDICT_BITS] */
	struct vtfs_verdict_hits __percpu *hits;
};

static struct vtfs_verdict *vtfs_verdict_slot(struct vtfs_verdicts *memo,
					      const void *obj)
{
	return &memo->slot[hash_ptr(obj, VTFS_VERDICT_BITS)];
}

/* Racy reads: the caller checks the slot's count afterwards. */
static bool vtfs_verdict_same(const struct vtfs_verdict *v,
			      const struct vtfs_verdict_key *key, u64 gen,
			      u64 ver)
{
	const struct qstr *name = key->name;

	return READ_ONCE(v->obj) == key->obj &&
	       READ_ONCE(v->nodeid) == key->nodeid &&
	       READ_ONCE(v->child) == key->child &&
	       READ_ONCE(v->name) == (name ? name->name : NULL) &&
	       READ_ONCE(v->hash_len) == (name ? name->hash_len : 0) &&
	       READ_ONCE(v->gen) == gen && READ_ONCE(v->ver) == ver;
}

/* Was @key vouched for at generation @gen, version @ver? */
bool vtfs_verdict_known(struct vtfs_verdicts *memo,
			const struct vtfs_verdict_key *key, u64 gen, u64 ver)
{
	struct vtfs_verdict *v;
	unsigned long seq;
	bool hit;

	if (!memo)
		return false;
	v = vtfs_verdict_slot(memo, key->obj);
	/* Acquire: the fields read next are the ones this count covers. */
	seq = smp_load_acquire(&v->seq);
	if (seq & 1)
		return false;
	hit = vtfs_verdict_same(v, key, gen, ver);
	/* Read the fields before the count again. */
	smp_rmb();
	if (!hit || READ_ONCE(v->seq) != seq)
		return false;
	this_cpu_inc(memo->hits->count[!!key->name]);
	return true;
}

/* The table vouched for @key at generation @gen, version @ver. */
void vtfs_verdict_note(struct vtfs_verdicts *memo,
		       const struct vtfs_verdict_key *key, u64 gen, u64 ver)
{
	const struct qstr *name = key->name;
	struct vtfs_verdict *v;
	unsigned long seq;

	if (!memo)
		return;
	v = vtfs_verdict_slot(memo, key->obj);
	seq = READ_ONCE(v->seq);
	/* Full barrier on success: the fields are written after the claim. */
	if ((seq & 1) || cmpxchg(&v->seq, seq, seq + 1) != seq)
		return;
	WRITE_ONCE(v->obj, key->obj);
	WRITE_ONCE(v->nodeid, key->nodeid);
	WRITE_ONCE(v->child, key->child);
	WRITE_ONCE(v->gen, gen);
	WRITE_ONCE(v->ver, ver);
	WRITE_ONCE(v->name, name ? name->name : NULL);
	WRITE_ONCE(v->hash_len, name ? name->hash_len : 0);
	/* Release: readers that see the new count see these fields. */
	smp_store_release(&v->seq, seq + 2);
}

/* Yes answers given from the memo: for names (dentries) or attributes. */
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

/* NULL without memory: every question then takes the long way. */
struct vtfs_verdicts *vtfs_verdict_alloc(void)
{
	struct vtfs_verdicts *memo = kzalloc(sizeof(*memo), GFP_KERNEL);

	if (!memo)
		return NULL;
	memo->slot = kvcalloc(1U << VTFS_VERDICT_BITS, sizeof(*memo->slot),
			      GFP_KERNEL);
	memo->hits = alloc_percpu(struct vtfs_verdict_hits);
	if (!memo->slot || !memo->hits) {
		vtfs_verdict_free(memo);
		return NULL;
	}
	return memo;
}

void vtfs_verdict_free(struct vtfs_verdicts *memo)
{
	if (!memo)
		return;
	free_percpu(memo->hits);
	kvfree(memo->slot);
	kfree(memo);
}
