/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause) */
/*
 * virtio-fs device ABI as used by this project.
 *
 * The config space layout itself (struct virtio_fs_config) and the shared
 * memory id come from the system's <linux/virtio_fs.h>, which this header
 * includes; it must never be redefined here.  What follows are the parts of
 * the virtio specification ("File System Device") that the kernel header does
 * not spell out, so the guest module, the daemon and the tests agree on them.
 */
#ifndef _UAPI_VTFS_VIRTIO_FS_H
#define _UAPI_VTFS_VIRTIO_FS_H

#include_next <linux/virtio_fs.h>
#include <linux/types.h>

/* Size of virtio_fs_config.tag: UTF-8, NUL padded, not NUL terminated. */
#define VTFS_TAG_MAX		36

/*
 * Virtqueue layout: queue 0 is the high-priority queue (FUSE_FORGET,
 * FUSE_BATCH_FORGET, FUSE_INTERRUPT; the device writes no reply), queues
 * 1 .. num_request_queues are request queues.
 */
#define VTFS_HIPRIO_QUEUE	0
#define VTFS_FIRST_REQUEST_QUEUE 1

/* A device must offer at least this many and at most this many queues. */
#define VTFS_MIN_REQUEST_QUEUES	1
#define VTFS_MAX_REQUEST_QUEUES	1023

/*
 * The version table: device shared memory region VTFS_SHMCAP_ID_VTABLE.
 *
 * The daemon owns the memory (it hands QEMU a memfd with SHMEM_MAP, shmid 1,
 * offset 0, the whole region) and is its only writer; the guest maps it and
 * only reads it.  Every inode the daemon hands out has a slot; the nodeid
 * names the slot (VTFS_VTABLE_SLOT(nodeid)), so the FUSE wire format is
 * unchanged.  The daemon increments a slot's counter (release ordering)
 * before it replies to any request that changes that inode's attributes or,
 * for a directory, its entries, and when it sees such a change made on the
 * host outside the daemon.  A slot reused for another inode is incremented
 * too.  A guest that read a counter before sending GETATTR or LOOKUP may
 * answer the same request locally while the counter (and the generation)
 * still hold that value.
 *
 * All fields are little endian; the guest reads them with acquire ordering.
 */
#define VTFS_SHMCAP_ID_VTABLE	1

#define VTFS_VTABLE_MAGIC	0x4c425456	/* "VTBL" */
#define VTFS_VTABLE_LAYOUT	1

struct vtfs_vtable_header {
	__le32 magic;		/* VTFS_VTABLE_MAGIC once the table is live */
	__le32 layout;		/* VTFS_VTABLE_LAYOUT */
	__le64 generation;	/* new on every daemon start; 0: not valid */
	__le64 nr_slots;	/* counters that follow the header */
	__le64 slots_offset;	/* from the region start, 8-byte aligned */
};

/* nodeid <-> slot: FUSE_ROOT_ID (1) is slot 0. */
#define VTFS_VTABLE_SLOT(nodeid)	((nodeid) - 1)
#define VTFS_VTABLE_NODEID(slot)	((slot) + 1)

/*
 * Daemon capabilities beyond FUSE, negotiated in FUSE_INIT through the last
 * 32-bit word of struct fuse_init_in and of struct fuse_init_out (byte
 * offset 60 of both, reserved and zero in every FUSE protocol version so
 * far).  The guest module writes VTFS_INIT_EXT_ASK there; a daemon that
 * knows this answers VTFS_INIT_EXT_REPLY in the upper half of the word and
 * VTFS_CAP_* bits in the lower half, and writes nothing there for a guest
 * that did not ask.  Daemons that do not know it (QEMU's virtiofsd, the
 * Rust virtiofsd) answer zero: no capabilities, nothing for them to trip
 * over.  Native endian, as every FUSE field.
 */
#define VTFS_INIT_EXT_OFFSET	60
#define VTFS_INIT_EXT_ASK	0x76746673U	/* "vtfs" */
#define VTFS_INIT_EXT_REPLY	0x56460000U	/* "VF" in the upper half */
#define VTFS_INIT_EXT_MAGIC	0xffff0000U
#define VTFS_INIT_EXT_CAPS	0x0000ffffU

/*
 * FUSE_INTERRUPT is safe: a request still in progress that can wait (a
 * SETLKW) is answered -EINTR; an interrupt for a request already answered,
 * or never received, is ignored.  No reply is written to any interrupt.
 */
#define VTFS_CAP_INTERRUPTS	(1U << 0)

#endif /* _UAPI_VTFS_VIRTIO_FS_H */
