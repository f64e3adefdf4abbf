// SPDX-License-Identifier: GPL-2.0
/*
 * virtio_fs.ko: the DAX window.
 *
 * A device may expose a shared memory region (id VIRTIO_FS_SHMCAP_ID_CACHE)
 * into which the host maps file ranges on FUSE_SETUPMAPPING.  We turn that
 * guest-physical range into ZONE_DEVICE pages and wrap it in a dax_device;
 * fuse.ko's dax.c then does the rest (range allocation, iomap, reclaim).
 *
 * Lifetime: struct vtfs_window is created at probe, before the device is
 * published, and is read-only afterwards.  Device removal kills the
 * dax_device so fuse's next access fails instead of touching a window the
 * device no longer backs.  The pages, the dax_device and the region claim
 * go only when the vtfs_device itself is released, that is after the last
 * fuse_conn that could hold the dax_device pointer (or DAX page cache
 * entries pointing at our pages) is gone.
 */
#include <linux/dax.h>
#include <linux/ioport.h>
#include <linux/memremap.h>
#include <linux/pfn_t.h>
#include <linux/slab.h>
#include <linux/virtio_config.h>

#include "vtfs.h"

/* A window offset (in pages) as a kernel address and a page frame. */
static void vtfs_window_locate(struct vtfs_window *win, pgoff_t pgoff,
			       void **kaddr, pfn_t *pfn)
{
	phys_addr_t at = (phys_addr_t)pgoff << PAGE_SHIFT;

	if (kaddr)
		*kaddr = (u8 *)win->kaddr + at;
	if (pfn)
		*pfn = phys_to_pfn_t(win->phys + at, PFN_DEV | PFN_MAP);
}

/*
 * dax_operations.direct_access: fuse asks for window pages by offset (the
 * window offset it gave the host in FUSE_SETUPMAPPING).  Recovery writes
 * need nothing special: the window has no poison to clear.
 */
static long vtfs_window_access(struct dax_device *dax, pgoff_t pgoff,
			       long nr_pages, enum dax_access_mode mode,
			       void **kaddr, pfn_t *pfn)
{
	struct vtfs_window *win = dax_get_private(dax);
	unsigned long avail;

	if (pgoff >= win->nr_pages || nr_pages < 0)
		return -ERANGE;
	avail = win->nr_pages - pgoff;
	vtfs_window_locate(win, pgoff, kaddr, pfn);
	return min_t(unsigned long, avail, nr_pages);
}

/* dax_operations.zero_page_range (required by the dax core). */
static int vtfs_window_zero(struct dax_device *dax, pgoff_t pgoff,
			    size_t nr_pages)
{
	struct vtfs_window *win = dax_get_private(dax);
	void *kaddr;

	if (pgoff >= win->nr_pages || nr_pages > win->nr_pages - pgoff)
		return -ERANGE;
	vtfs_window_locate(win, pgoff, &kaddr, NULL);
	memset(kaddr, 0, nr_pages << PAGE_SHIFT);
	return 0;
}

static const struct dax_operations vtfs_window_ops = {
	.direct_access		= vtfs_window_access,
	.zero_page_range	= vtfs_window_zero,
};

/* Is the region something fuse can carve into DAX ranges? */
static bool vtfs_window_usable(struct vtfs_device *dev,
			       const struct virtio_shm_region *reg)
{
	struct device *vd = &dev->vdev->dev;

	if (!IS_ALIGNED(reg->addr, PAGE_SIZE) ||
	    !IS_ALIGNED(reg->len, PAGE_SIZE)) {
		dev_warn(vd, "tag \"%s\": DAX window %#llx+%#llx is not page aligned, not using it\n",
			 dev->tag, reg->addr, reg->len);
		return false;
	}
	if (reg->len < VTFS_DAX_RANGE_SIZE) {
		dev_warn(vd, "tag \"%s\": DAX window of %llu bytes is smaller than one %lu byte range, not using it\n",
			 dev->tag, reg->len, VTFS_DAX_RANGE_SIZE);
		return false;
	}
	if (reg->addr + reg->len < reg->addr) {
		dev_warn(vd, "tag \"%s\": DAX window wraps around\n",
			 dev->tag);
		return false;
	}
	return true;
}

/* Claim the range and give it struct pages (ZONE_DEVICE, fs-dax type). */
static int vtfs_window_map(struct vtfs_device *dev, struct vtfs_window *win)
{
	struct device *vd = &dev->vdev->dev;
	void *kaddr;

	/* /proc/iomem keeps pointing at the name: it lives in @win. */

	snprintf(win->name, sizeof(win->name), "virtiofs %s", dev->tag);
	win->res = request_mem_region(win->phys, win->len, win->name);
	if (!win->res)
		return -EBUSY;

	win->pgmap.type = MEMORY_DEVICE_FS_DAX;
	win->pgmap.range.start = win->phys;
	win->pgmap.range.end = win->phys + win->len - 1;
	win->pgmap.nr_range = 1;
	kaddr = memremap_pages(&win->pgmap, dev_to_node(vd));
	if (IS_ERR(kaddr)) {
		release_mem_region(win->phys, win->len);
		win->res = NULL;
		return PTR_ERR(kaddr);
	}
	win->kaddr = kaddr;
	return 0;
}

static void vtfs_window_unmap(struct vtfs_window *win)
{
	memunmap_pages(&win->pgmap);
	release_mem_region(win->phys, win->len);
}

static int vtfs_window_create(struct vtfs_device *dev,
			      const struct virtio_shm_region *reg)
{
	struct vtfs_window *win;
	int err;

	win = kzalloc(sizeof(*win), GFP_KERNEL);
	if (!win)
		return -ENOMEM;
	win->phys = reg->addr;
	win->len = reg->len;
	win->nr_pages = reg->len >> PAGE_SHIFT;

	err = vtfs_window_map(dev, win);
	if (err)
		goto err_free;
	win->dax = alloc_dax(win, &vtfs_window_ops);
	if (IS_ERR_OR_NULL(win->dax)) {
		err = win->dax ? PTR_ERR(win->dax) : -EOPNOTSUPP;
		goto err_unmap;
	}
	dev->window = win;
	return 0;

err_unmap:
	vtfs_window_unmap(win);
err_free:
	kfree(win);
	return err;
}

/*
 * Look for the DAX window at probe.  A device without one, or with one we
 * cannot use, still works; only DAX mounts are refused then.
 */
void vtfs_window_probe(struct vtfs_device *dev)
{
	struct virtio_device *vdev = dev->vdev;
	struct virtio_shm_region reg;
	int err;

	if (!IS_ENABLED(CONFIG_FUSE_DAX))
		return;
	if (!virtio_get_shm_region(vdev, &reg, VIRTIO_FS_SHMCAP_ID_CACHE))
		return;
	if (!vtfs_window_usable(dev, &reg))
		return;
	err = vtfs_window_create(dev, &reg);
	if (err) {
		dev_warn(&vdev->dev, "tag \"%s\": cannot use the DAX window (%d), continuing without\n",
			 dev->tag, err);
		return;
	}
	dev_info(&vdev->dev, "tag \"%s\": DAX window of %llu MiB at %#llx\n",
		 dev->tag, dev->window->len >> 20, dev->window->phys);
}

/* The device is going away: fuse must not reach the window any more. */
void vtfs_window_kill(struct vtfs_device *dev)
{
	if (dev->window)
		kill_dax(dev->window->dax);
}

/* Last reference to the device: no fuse_conn can use the window now. */
void vtfs_window_free(struct vtfs_device *dev)
{
	struct vtfs_window *win = dev->window;

	if (!win)
		return;
	dev->window = NULL;
	kill_dax(win->dax);
	put_dax(win->dax);
	vtfs_window_unmap(win);
	kfree(win);
}

u64 vtfs_window_size(struct vtfs_device *dev)
{
	return dev->window ? dev->window->len : 0;
}
