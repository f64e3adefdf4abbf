// SPDX-License-Identifier: GPL-2.0
/*
 * virtio_fs.ko: no privilege check per write while the version table says
 * nothing changed.
 *
 * Before each write, the VFS (file_remove_privs(), from fuse.ko's write
 * paths) asks whether the file has a setuid or setgid bit or a
 * security.capability to remove.  Asking for the capability is a
 * GETXATTR to the host: for a DAX write, which otherwise makes no request
 * at all, that is the whole cost of the round trip.  The VFS skips the
 * question for inodes marked S_NOSEC, which it sets after a check found
 * nothing, on superblocks that allow it (SB_NOSEC); fuse.ko allows it only
 * when the daemon removes privileges itself (FUSE_HANDLE_KILLPRIV_V2), and
 * then nothing a host or another guest does clears the mark again.
 *
 * With the version table, a mount allows it, and keeps the mark only while
 * the inode is unchanged:
 *
 *  - any change to the inode (mode, owner, xattrs, on the host or through
 *    any guest) bumps its version first, and the next question about its
 *    attributes then finds their stamp stale (vtfs_verdict.c), which
 *    clears the mark, whoever asks (stat, permission, or a write here);
 *  - a write clears the mark before it starts unless the table vouches for
 *    the attributes, and after it ends if the mark was set during the write
 *    while the version moved: the check may have read the xattrs before a
 *    change whose stamp was already refreshed by someone else.
 *
 * So the first write after a change makes the full check, as without the
 * table, and later writes make none.  Locking: i_flags is changed with
 * inode_set_flags() (cmpxchg), as the VFS's own plain update of S_NOSEC
 * runs under the inode lock we do not hold.
 */
#include <linux/fs.h>

#include "vtfs.h"

/* A mount of ours with the version table may mark inodes S_NOSEC. */
void vtfs_vfs_nosec_attach(struct super_block *sb)
{
	sb->s_flags |= SB_NOSEC;
}

/* @inode may have changed: the next write makes the full check. */
void vtfs_vfs_nosec_forget(struct inode *inode)
{
	if (IS_NOSEC(inode))
		inode_set_flags(inode, 0, S_NOSEC);
}

/* @inode's version now, or an invalid tag without a usable table. */
static void vtfs_vfs_nosec_tag(struct vtfs_device *dev, struct inode *inode,
			       struct vtfs_vtable_tag *tag)
{
	tag->valid = false;
	if (dev)
		vtfs_vtable_tag_node(dev, get_node_id(inode), tag);
}

ssize_t vtfs_vfs_nosec_write(struct kiocb *iocb, struct iov_iter *from,
			     ssize_t (*write)(struct kiocb *, struct iov_iter *))
{
	struct inode *inode = file_inode(iocb->ki_filp);
	struct vtfs_device *dev = vtfs_sb_device(inode->i_sb);
	struct vtfs_verdict_key key = {
		.inode = inode,
		.nodeid = get_node_id(inode),
	};
	struct vtfs_vtable_tag before, after;
	bool marked = IS_NOSEC(inode);
	ssize_t ret;

	if (marked && (!dev || !vtfs_vtable_vouch(dev, &key))) {
		vtfs_vfs_nosec_forget(inode);
		marked = false;
	}
	/* Only a write that may set the mark needs the version around it. */
	if (!marked)
		vtfs_vfs_nosec_tag(dev, inode, &before);
	ret = write(iocb, from);
	if (marked || !IS_NOSEC(inode))
		return ret;
	vtfs_vfs_nosec_tag(dev, inode, &after);
	if (!before.valid || !after.valid || before.gen != after.gen ||
	    before.ver != after.ver)
		vtfs_vfs_nosec_forget(inode);
	return ret;
}
