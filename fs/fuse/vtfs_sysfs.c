// SPDX-License-Identifier: GPL-2.0
/*
 * virtio_fs.ko: /sys/fs/virtiofs/
 *
 *   /sys/fs/virtiofs/<index>/tag                 the device's tag
 *   /sys/fs/virtiofs/<index>/num_request_queues
 *   /sys/fs/virtiofs/<index>/state               live, failed or removed
 *   /sys/fs/virtiofs/<index>/request_timeout     seconds, 0 for none
 *   /sys/fs/virtiofs/<index>/poll_us             mount option: auto, or N, 0: off
 *   /sys/fs/virtiofs/<index>/dax_window          DAX window bytes, 0 for none
 *   /sys/fs/virtiofs/<index>/device              link to the virtio device
 *   /sys/fs/virtiofs/<index>/queues/<name>/      hiprio, request.0, ...
 *       requests inflight kicks interrupts full bad_replies timeouts
 *       polls polled (vtfs_poll.c)
 *       latency_us (request queues: histogram, vtfs_latency.c)
 *   /sys/fs/virtiofs/<index>/version_table/      see vtfs_vtable.c
 *
 * Documented in Documentation/filesystems/virtio_fs.rst.
 */
#include <linux/kobject.h>
#include <linux/sysfs.h>

#include "vtfs.h"

static struct kobject *vtfs_root;

static struct vtfs_device *to_vtfs_device(struct kobject *kobj)
{
	return container_of(kobj, struct vtfs_device, kobj);
}

static ssize_t tag_show(struct kobject *kobj, struct kobj_attribute *attr,
			char *buf)
{
	return sysfs_emit(buf, "%s\n", to_vtfs_device(kobj)->tag);
}

static ssize_t num_request_queues_show(struct kobject *kobj,
				       struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%u\n",
			  vtfs_nr_request_queues(to_vtfs_device(kobj)));
}

static ssize_t state_show(struct kobject *kobj, struct kobj_attribute *attr,
			  char *buf)
{
	enum vtfs_state state = READ_ONCE(to_vtfs_device(kobj)->state);

	return sysfs_emit(buf, "%s\n", vtfs_state_name(state));
}

static ssize_t request_timeout_show(struct kobject *kobj,
				    struct kobj_attribute *attr, char *buf)
{
	unsigned long timeout = READ_ONCE(to_vtfs_device(kobj)->timeout);

	return sysfs_emit(buf, "%lu\n", timeout / HZ);
}

static ssize_t poll_us_show(struct kobject *kobj, struct kobj_attribute *attr,
			    char *buf)
{
	unsigned int ns = READ_ONCE(to_vtfs_device(kobj)->poll_ns);

	if (ns == VTFS_POLL_AUTO)
		return sysfs_emit(buf, "auto\n");
	return sysfs_emit(buf, "%u\n", ns / (unsigned int)NSEC_PER_USEC);
}

/* The window is fixed from probe to release; no lock needed. */
static ssize_t dax_window_show(struct kobject *kobj,
			       struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%llu\n",
			  vtfs_window_size(to_vtfs_device(kobj)));
}

static struct kobj_attribute vtfs_attr_tag = __ATTR_RO(tag);
static struct kobj_attribute vtfs_attr_queues = __ATTR_RO(num_request_queues);
static struct kobj_attribute vtfs_attr_state = __ATTR_RO(state);
static struct kobj_attribute vtfs_attr_timeout = __ATTR_RO(request_timeout);
static struct kobj_attribute vtfs_attr_dax_window = __ATTR_RO(dax_window);
static struct kobj_attribute vtfs_attr_poll_us = __ATTR_RO(poll_us);

static struct attribute *vtfs_device_attrs[] = {
	&vtfs_attr_tag.attr,
	&vtfs_attr_queues.attr,
	&vtfs_attr_state.attr,
	&vtfs_attr_timeout.attr,
	&vtfs_attr_dax_window.attr,
	&vtfs_attr_poll_us.attr,
	NULL,
};

static const struct attribute_group vtfs_device_group = {
	.attrs	= vtfs_device_attrs,
};

static const struct attribute_group *vtfs_device_groups[] = {
	&vtfs_device_group,
	&vtfs_vtable_group,	/* version_table/ */
	NULL,
};

const struct kobj_type vtfs_device_ktype = {
	.release	= vtfs_device_release,
	.sysfs_ops	= &kobj_sysfs_ops,
	.default_groups	= vtfs_device_groups,
};

/* Per-queue counters: one attribute type, told apart by field offset. */
struct vtfs_queue_attr {
	struct kobj_attribute attr;
	size_t offset;
};

static ssize_t vtfs_queue_stat_show(struct kobject *kobj,
				    struct kobj_attribute *kattr, char *buf)
{
	struct vtfs_queue *q = container_of(kobj, struct vtfs_queue, kobj);
	struct vtfs_queue_attr *qa =
		container_of(kattr, struct vtfs_queue_attr, attr);
	u64 value;

	spin_lock(&q->lock);
	value = *(u64 *)((u8 *)&q->stats + qa->offset);
	spin_unlock(&q->lock);
	return sysfs_emit(buf, "%llu\n", value);
}

static ssize_t inflight_show(struct kobject *kobj, struct kobj_attribute *a,
			     char *buf)
{
	struct vtfs_queue *q = container_of(kobj, struct vtfs_queue, kobj);

	return sysfs_emit(buf, "%u\n", READ_ONCE(q->nr_inflight));
}

static ssize_t interrupts_show(struct kobject *kobj, struct kobj_attribute *a,
			       char *buf)
{
	struct vtfs_queue *q = container_of(kobj, struct vtfs_queue, kobj);

	return sysfs_emit(buf, "%lld\n", atomic64_read(&q->interrupts));
}

#define VTFS_QUEUE_STAT(_name)						\
	static struct vtfs_queue_attr vtfs_qattr_##_name = {		\
		.attr = __ATTR(_name, 0444, vtfs_queue_stat_show, NULL), \
		.offset = offsetof(struct vtfs_queue_stats, _name),	\
	}

VTFS_QUEUE_STAT(requests);
VTFS_QUEUE_STAT(kicks);
VTFS_QUEUE_STAT(full);
VTFS_QUEUE_STAT(bad_replies);
VTFS_QUEUE_STAT(timeouts);
VTFS_QUEUE_STAT(polls);
VTFS_QUEUE_STAT(polled);
/* Copied under the lock, formatted without it. */
static ssize_t latency_us_show(struct kobject *kobj, struct kobj_attribute *a,
			       char *buf)
{
	struct vtfs_queue *q = container_of(kobj, struct vtfs_queue, kobj);
	struct vtfs_latency lat;

	spin_lock(&q->lock);
	lat = q->latency;
	spin_unlock(&q->lock);
	return vtfs_latency_show(&lat, buf);
}

static struct kobj_attribute vtfs_qattr_inflight = __ATTR_RO(inflight);
static struct kobj_attribute vtfs_qattr_latency_us = __ATTR_RO(latency_us);
static struct kobj_attribute vtfs_qattr_interrupts = __ATTR_RO(interrupts);

static struct attribute *vtfs_queue_attrs[] = {
	&vtfs_qattr_requests.attr.attr,
	&vtfs_qattr_kicks.attr.attr,
	&vtfs_qattr_full.attr.attr,
	&vtfs_qattr_bad_replies.attr.attr,
	&vtfs_qattr_timeouts.attr.attr,
	&vtfs_qattr_polls.attr.attr,
	&vtfs_qattr_polled.attr.attr,
	&vtfs_qattr_inflight.attr,
	&vtfs_qattr_interrupts.attr,
	&vtfs_qattr_latency_us.attr,
	NULL,
};
ATTRIBUTE_GROUPS(vtfs_queue);

/* A queue's kobject pins the device whose memory it lives in. */
static void vtfs_queue_release(struct kobject *kobj)
{
	struct vtfs_queue *q = container_of(kobj, struct vtfs_queue, kobj);

	vtfs_put_device(q->dev);
}

static const struct kobj_type vtfs_queue_ktype = {
	.release	= vtfs_queue_release,
	.sysfs_ops	= &kobj_sysfs_ops,
	.default_groups	= vtfs_queue_groups,
};

static void vtfs_sysfs_del_queues(struct vtfs_device *dev, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		kobject_put(&dev->queues[i].kobj);
	kobject_put(dev->queues_kobj);
	dev->queues_kobj = NULL;
}

static int vtfs_sysfs_add_queues(struct vtfs_device *dev)
{
	struct vtfs_queue *q;
	unsigned int i;
	int err;

	dev->queues_kobj = kobject_create_and_add("queues", &dev->kobj);
	if (!dev->queues_kobj)
		return -ENOMEM;
	for (i = 0; i < dev->nr_queues; i++) {
		q = &dev->queues[i];
		vtfs_get_device(dev);
		err = kobject_init_and_add(&q->kobj, &vtfs_queue_ktype,
					   dev->queues_kobj, "%s", q->name);
		if (err) {
			kobject_put(&q->kobj);
			vtfs_sysfs_del_queues(dev, i);
			return err;
		}
	}
	return 0;
}

int vtfs_sysfs_add_device(struct vtfs_device *dev)
{
	int err;

	err = kobject_add(&dev->kobj, vtfs_root, "%d", dev->index);
	if (err)
		return err;
	err = sysfs_create_link(&dev->kobj, &dev->vdev->dev.kobj, "device");
	if (err)
		goto err_del;
	err = vtfs_sysfs_add_queues(dev);
	if (err)
		goto err_link;
	return 0;

err_link:
	sysfs_remove_link(&dev->kobj, "device");
err_del:
	kobject_del(&dev->kobj);
	return err;
}

void vtfs_sysfs_del_device(struct vtfs_device *dev)
{
	vtfs_sysfs_del_queues(dev, dev->nr_queues);
	sysfs_remove_link(&dev->kobj, "device");
	kobject_del(&dev->kobj);
}

int vtfs_sysfs_init(void)
{
	vtfs_root = kobject_create_and_add(VTFS_NAME, fs_kobj);
	return vtfs_root ? 0 : -ENOMEM;
}

void vtfs_sysfs_exit(void)
{
	kobject_put(vtfs_root);
}
