// SPDX-License-Identifier: GPL-2.0
/*
 * virtio_fs.ko: the virtio driver side.
 *
 * Probing reads the tag and queue count from config space, sets up the
 * high-priority queue and every request queue the device offers, and
 * publishes the device in the tag registry that mount looks names up in.
 * Failure (a request timed out) and removal both reset the device, take
 * back every buffer the device still owns and fail the requests behind
 * them, so nothing waits on a device that will never answer.
 */
#include <linux/ctype.h>
#include <linux/idr.h>
#include <linux/interrupt.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ids.h>
#include <linux/wait_bit.h>

#include "vtfs.h"

/* Tag registry: live devices by tag.  Protected by vtfs_registry_lock. */
static LIST_HEAD(vtfs_registry);
static DEFINE_MUTEX(vtfs_registry_lock);
static DEFINE_IDA(vtfs_index_ida);

static const char * const vtfs_state_names[] = {
	[VTFS_LIVE] = "live",
	[VTFS_FAILED] = "failed",
	[VTFS_REMOVED] = "removed",
};

const char *vtfs_state_name(enum vtfs_state state)
{
	return vtfs_state_names[state];
}

void vtfs_get_device(struct vtfs_device *dev)
{
	kobject_get(&dev->kobj);
}

void vtfs_put_device(struct vtfs_device *dev)
{
	kobject_put(&dev->kobj);
}

/* kobject release: the last reference is gone, nothing can queue work. */
void vtfs_device_release(struct kobject *kobj)
{
	struct vtfs_device *dev = container_of(kobj, struct vtfs_device, kobj);
	unsigned int i;

	cancel_delayed_work_sync(&dev->watchdog);
	flush_work(&dev->hiprio_work);
	flush_work(&dev->end_work);
	for (i = 0; i < dev->nr_queues; i++) {
		flush_work(&dev->queues[i].done_work);
		if (i >= VTFS_FIRST_REQUEST_QUEUE)
			cancel_delayed_work_sync(&dev->queues[i].submit_work);
	}
	vtfs_window_free(dev);
	vtfs_vtable_free(dev);
	if (dev->index >= 0)
		ida_free(&vtfs_index_ida, dev->index);
	kfree(dev->queues);
	kfree(dev);
}

struct vtfs_device *vtfs_find_device(const char *tag)
{
	struct vtfs_device *dev;
	struct vtfs_device *found = NULL;

	mutex_lock(&vtfs_registry_lock);
	list_for_each_entry(dev, &vtfs_registry, node) {
		if (strcmp(dev->tag, tag) == 0) {
			vtfs_get_device(dev);
			found = dev;
			break;
		}
	}
	mutex_unlock(&vtfs_registry_lock);
	return found;
}

static int vtfs_publish(struct vtfs_device *dev)
{
	struct vtfs_device *other;
	int err = 0;

	mutex_lock(&vtfs_registry_lock);
	list_for_each_entry(other, &vtfs_registry, node) {
		if (strcmp(other->tag, dev->tag) == 0) {
			dev_err(&dev->vdev->dev,
				"tag \"%s\" is already used by another device\n",
				dev->tag);
			err = -EEXIST;
			goto out;
		}
	}
	list_add_tail(&dev->node, &vtfs_registry);
out:
	mutex_unlock(&vtfs_registry_lock);
	return err;
}

static void vtfs_unpublish(struct vtfs_device *dev)
{
	mutex_lock(&vtfs_registry_lock);
	list_del_init(&dev->node);
	mutex_unlock(&vtfs_registry_lock);
}

/*
 * The tag is NUL padded, not NUL terminated.  Refuse tags that could not be
 * typed on a mount command line: empty, control characters, or junk after
 * the padding.
 */
static int vtfs_read_tag(struct vtfs_device *dev)
{
	struct virtio_device *vdev = dev->vdev;
	u8 raw[VTFS_TAG_MAX];
	size_t len, i;

	virtio_cread_bytes(vdev, offsetof(struct virtio_fs_config, tag),
			   raw, sizeof(raw));
	len = strnlen(raw, sizeof(raw));
	if (len == 0) {
		dev_err(&vdev->dev, "device has an empty tag\n");
		return -EINVAL;
	}
	if (memchr_inv(raw + len, 0, sizeof(raw) - len)) {
		dev_err(&vdev->dev, "tag is not NUL padded\n");
		return -EINVAL;
	}
	for (i = 0; i < len; i++) {
		if (raw[i] < 0x20 || raw[i] == 0x7f) {
			dev_err(&vdev->dev, "tag has control characters\n");
			return -EINVAL;
		}
	}
	memcpy(dev->tag, raw, len);
	dev->tag[len] = '\0';
	return 0;
}

static int vtfs_read_queue_count(struct vtfs_device *dev, u32 *count)
{
	u32 n;

	virtio_cread_le(dev->vdev, struct virtio_fs_config,
			num_request_queues, &n);
	if (n < VTFS_MIN_REQUEST_QUEUES || n > VTFS_MAX_REQUEST_QUEUES) {
		dev_err(&dev->vdev->dev,
			"device offers %u request queues, expected %u to %u\n",
			n, VTFS_MIN_REQUEST_QUEUES, VTFS_MAX_REQUEST_QUEUES);
		return -EINVAL;
	}
	*count = n;
	return 0;
}

/*
 * Set up hiprio plus all request queues.  Request queue interrupts are
 * spread over the CPUs; the hiprio vector is left out of the spreading.
 */
static int vtfs_setup_queues(struct vtfs_device *dev, u32 nr_request)
{
	struct irq_affinity spread = { .pre_vectors = 1 };
	unsigned int n = nr_request + VTFS_FIRST_REQUEST_QUEUE;
	vq_callback_t **callbacks;
	struct virtqueue **vqs;
	const char **names;
	unsigned int i;
	int err = -ENOMEM;

	dev->queues = kcalloc(n, sizeof(*dev->queues), GFP_KERNEL);
	vqs = kcalloc(n, sizeof(*vqs), GFP_KERNEL);
	callbacks = kcalloc(n, sizeof(*callbacks), GFP_KERNEL);
	names = kcalloc(n, sizeof(*names), GFP_KERNEL);
	if (!dev->queues || !vqs || !callbacks || !names)
		goto out;
	dev->nr_queues = n;

	vtfs_hiprio_init(&dev->queues[VTFS_HIPRIO_QUEUE], dev);
	callbacks[VTFS_HIPRIO_QUEUE] = vtfs_hiprio_done;
	for (i = VTFS_FIRST_REQUEST_QUEUE; i < n; i++) {
		vtfs_queue_init(&dev->queues[i], dev, i);
		callbacks[i] = vtfs_request_done;
	}
	for (i = 0; i < n; i++)
		names[i] = dev->queues[i].name;

	err = vtfs_find_vqs(dev->vdev, n, vqs, callbacks, names, &spread);
	if (err)
		goto out;
	for (i = 0; i < n; i++)
		dev->queues[i].vq = vqs[i];
	dev->max_pages = vtfs_ring_max_pages(dev);
out:
	kfree(names);
	kfree(callbacks);
	kfree(vqs);
	return err;
}

/* Hand every used buffer to @take.  Caller holds q->lock. */
void vtfs_take_all_used(struct vtfs_queue *q, vtfs_take_fn take, void *arg)
{
	unsigned int len;
	void *token;

	while ((token = virtqueue_get_buf(q->vq, &len)) != NULL) {
		take(q, token, len, arg);
		q->reaped++;
	}
}

/*
 * As above, then re-enable callbacks; buffers used in between are taken
 * too, so none is left without a callback to come.
 */
void vtfs_drain_used(struct vtfs_queue *q, vtfs_take_fn take, void *arg)
{
	for (;;) {
		virtqueue_disable_cb(q->vq);
		vtfs_take_all_used(q, take, arg);
		if (virtqueue_enable_cb(q->vq) || virtqueue_is_broken(q->vq))
			return;
	}
}

static void vtfs_set_running(struct vtfs_device *dev, bool running)
{
	struct vtfs_queue *q;

	for (q = dev->queues; q < dev->queues + dev->nr_queues; q++) {
		spin_lock(&q->lock);
		q->running = running;
		spin_unlock(&q->lock);
	}
}

static struct vtfs_device *vtfs_alloc_device(struct virtio_device *vdev)
{
	struct vtfs_device *dev;

	dev = kzalloc(sizeof(*dev), GFP_KERNEL);
	if (!dev)
		return NULL;
	kobject_init(&dev->kobj, &vtfs_device_ktype);
	dev->vdev = vdev;
	dev->index = -1;
	INIT_LIST_HEAD(&dev->node);
	mutex_init(&dev->lock);
	spin_lock_init(&dev->conn_lock);
	spin_lock_init(&dev->end_lock);
	INIT_LIST_HEAD(&dev->end_list);
	INIT_WORK(&dev->end_work, vtfs_end_refused);
	INIT_WORK(&dev->hiprio_work, vtfs_hiprio_send);
	INIT_DELAYED_WORK(&dev->watchdog, vtfs_watchdog);
	dev->state = VTFS_LIVE;
	return dev;
}

static int vtfs_probe(struct virtio_device *vdev)
{
	struct vtfs_device *dev;
	u32 nr_request;
	int err;

	dev = vtfs_alloc_device(vdev);
	if (!dev)
		return -ENOMEM;

	err = vtfs_read_tag(dev);
	if (err)
		goto err_put;
	err = vtfs_read_queue_count(dev, &nr_request);
	if (err)
		goto err_put;
	err = ida_alloc(&vtfs_index_ida, GFP_KERNEL);
	if (err < 0)
		goto err_put;
	dev->index = err;

	err = vtfs_setup_queues(dev, nr_request);
	if (err)
		goto err_put;
	vtfs_window_probe(dev);
	vtfs_vtable_probe(dev);

	vdev->priv = dev;
	vtfs_set_running(dev, true);
	virtio_device_ready(vdev);

	err = vtfs_publish(dev);
	if (err)
		goto err_reset;
	err = vtfs_sysfs_add_device(dev);
	if (err)
		goto err_unpublish;

	dev_info(&vdev->dev, "tag \"%s\", %u request queue%s\n", dev->tag,
		 nr_request, nr_request == 1 ? "" : "s");
	return 0;

err_unpublish:
	vtfs_unpublish(dev);
err_reset:
	vtfs_set_running(dev, false);
	virtio_reset_device(vdev);
	vdev->config->del_vqs(vdev);
	vdev->priv = NULL;
err_put:
	vtfs_put_device(dev);
	return err;
}

/*
 * Reset the device so it no longer touches our buffers, then finish or
 * fail everything it held.  Caller holds dev->lock.
 */
static void vtfs_shut_down_locked(struct vtfs_device *dev, int error,
				  enum vtfs_state state)
{
	unsigned int i;

	lockdep_assert_held(&dev->lock);
	if (dev->state == VTFS_LIVE) {
		vtfs_set_running(dev, false);
		virtio_reset_device(dev->vdev);
		for (i = VTFS_FIRST_REQUEST_QUEUE; i < dev->nr_queues; i++)
			vtfs_reclaim_queue(&dev->queues[i], error);
		vtfs_hiprio_reclaim(dev);
	}
	dev->state = state;

	/* Make fuse fail new requests itself instead of queueing them. */
	if (dev->fc)
		fuse_abort_conn(dev->fc);
}

void vtfs_fail_device(struct vtfs_device *dev, int error)
{
	mutex_lock(&dev->lock);
	if (dev->state == VTFS_LIVE)
		vtfs_shut_down_locked(dev, error, VTFS_FAILED);
	mutex_unlock(&dev->lock);
}

static void vtfs_remove(struct virtio_device *vdev)
{
	struct vtfs_device *dev = vdev->priv;
	unsigned int i;

	vtfs_unpublish(dev);
	vtfs_sysfs_del_device(dev);

	/*
	 * Before the reset: a reset empties the window on the host, and a
	 * DAX copy still running in it would touch unbacked memory.  Killing
	 * the dax_device waits for those copies and fails later ones.
	 */
	vtfs_window_kill(dev);
	mutex_lock(&dev->lock);
	vtfs_shut_down_locked(dev, -ENOTCONN, VTFS_REMOVED);
	/* The region goes with the device: stop reading it. */
	vtfs_vtable_stop(dev);
	mutex_unlock(&dev->lock);

	/* Workers check ->running; wait for those that started before. */
	cancel_delayed_work_sync(&dev->watchdog);
	flush_work(&dev->hiprio_work);
	for (i = 0; i < dev->nr_queues; i++) {
		flush_work(&dev->queues[i].done_work);
		if (i >= VTFS_FIRST_REQUEST_QUEUE)
			cancel_delayed_work_sync(&dev->queues[i].submit_work);
		/* A sender that added before the reset may still be kicking. */
		wait_var_event(&dev->queues[i].kicking,
			       !atomic_read(&dev->queues[i].kicking));
	}
	vdev->config->del_vqs(vdev);
	vdev->priv = NULL;
	dev_info(&vdev->dev, "tag \"%s\" removed\n", dev->tag);
	vtfs_put_device(dev);
}

static const struct virtio_device_id vtfs_id_table[] = {
	{ VIRTIO_ID_FS, VIRTIO_DEV_ANY_ID },
	{},
};
MODULE_DEVICE_TABLE(virtio, vtfs_id_table);

static struct virtio_driver vtfs_driver = {
	.driver.name	= KBUILD_MODNAME,
	.driver.owner	= THIS_MODULE,
	.id_table	= vtfs_id_table,
	.probe		= vtfs_probe,
	.remove		= vtfs_remove,
};

int vtfs_register_driver(void)
{
	return register_virtio_driver(&vtfs_driver);
}

void vtfs_unregister_driver(void)
{
	unregister_virtio_driver(&vtfs_driver);
}
