// SPDX-License-Identifier: GPL-2.0
/*
 * virtio_fs.ko: what the daemon can do beyond FUSE, and what follows.
 *
 * FUSE_INIT carries the question and the answer in a reserved word of its
 * in and out structs (include/uapi/linux/virtio_fs.h): we ask in the copy
 * of fuse_init_in we send, and read vfsd's answer from the reply.  Daemons
 * that do not know the word answer zero, so they get what they always got.
 *
 * The answer decides whether FUSE_INTERRUPT is sent (send_interrupts=-1,
 * the default); 0 and 1 override it.
 */
#include <linux/module.h>

#include "vtfs.h"

int vtfs_send_interrupts = -1;
module_param_named(send_interrupts, vtfs_send_interrupts, int, 0644);
MODULE_PARM_DESC(send_interrupts,
		 "Send FUSE_INTERRUPT: -1 when the daemon says it handles them (default), 0 never, 1 always (QEMU 7.2's virtiofsd hangs on a late one)");

/* @in is the copy of a request's in args that goes to the device. */
void vtfs_caps_ask(u32 opcode, void *in, unsigned int len)
{
	u32 ask = VTFS_INIT_EXT_ASK;

	if (opcode != FUSE_INIT || len < VTFS_INIT_EXT_OFFSET + sizeof(ask))
		return;
	memcpy(in + VTFS_INIT_EXT_OFFSET, &ask, sizeof(ask));
}

/* A checked reply was copied out: if it answers FUSE_INIT, note the caps. */
void vtfs_caps_take(struct vtfs_device *dev, struct fuse_req *req)
{
	struct fuse_args *args = req->args;
	u32 word = 0;
	u32 caps = 0;

	if (req->in.h.opcode != FUSE_INIT)
		return;
	if (!req->out.h.error && args->out_numargs &&
	    args->out_args[0].size >= VTFS_INIT_EXT_OFFSET + sizeof(word))
		memcpy(&word, args->out_args[0].value + VTFS_INIT_EXT_OFFSET,
		       sizeof(word));
	if ((word & VTFS_INIT_EXT_MAGIC) == VTFS_INIT_EXT_REPLY)
		caps = word & VTFS_INIT_EXT_CAPS;
	WRITE_ONCE(dev->daemon_caps, caps);
	dev_info(&dev->vdev->dev, "tag %s: daemon capabilities %#x\n",
		 dev->tag, caps);
}

bool vtfs_interrupts_enabled(struct vtfs_device *dev)
{
	int mode = READ_ONCE(vtfs_send_interrupts);

	if (mode >= 0)
		return mode > 0;
	return READ_ONCE(dev->daemon_caps) & VTFS_CAP_INTERRUPTS;
}
