// SPDX-License-Identifier: GPL-2.0
/*
 * virtio_fs.ko: a virtio transport for fuse.ko (virtio-fs guest side).
 * See Documentation/filesystems/virtio_fs.rst.
 */
#include <linux/module.h>
#include <linux/workqueue.h>

#include "vtfs.h"

/*
 * Completions, retries and failure handling run here.  Writeback under
 * memory pressure waits on our replies, hence WQ_MEM_RECLAIM; per-CPU so
 * a completion is handled on the CPU its interrupt arrived on.
 */
struct workqueue_struct *vtfs_wq;

static int __init vtfs_init(void)
{
	int err;

	vtfs_wq = alloc_workqueue("virtio_fs", WQ_MEM_RECLAIM, 0);
	if (!vtfs_wq)
		return -ENOMEM;
	err = vtfs_sysfs_init();
	if (err)
		goto err_wq;
	err = vtfs_register_driver();
	if (err)
		goto err_sysfs;
	err = vtfs_register_fs();
	if (err)
		goto err_driver;
	return 0;

err_driver:
	vtfs_unregister_driver();
err_sysfs:
	vtfs_sysfs_exit();
err_wq:
	destroy_workqueue(vtfs_wq);
	return err;
}

static void __exit vtfs_exit(void)
{
	vtfs_unregister_fs();
	vtfs_unregister_driver();
	vtfs_sysfs_exit();
	destroy_workqueue(vtfs_wq);
}

module_init(vtfs_init);
module_exit(vtfs_exit);

MODULE_DESCRIPTION("virtio-fs transport for FUSE (out-of-tree)");
MODULE_LICENSE("GPL");
MODULE_SOFTDEP("pre: fuse");
