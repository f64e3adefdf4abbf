// SPDX-License-Identifier: GPL-2.0
/*
 * virtio_fs.ko: the "virtiofs" file system type.
 *
 *   mount -t virtiofs [-o OPTIONS] TAG DIR
 *
 * The source is the device's tag.  All mounts of one tag share one
 * superblock and so one fuse_conn; the connection holds a reference on the
 * device until its last mount is gone.
 */
#include <linux/fs_context.h>
#include <linux/fs_parser.h>
#include <linux/module.h>
#include <linux/slab.h>

#include "vtfs.h"

unsigned int vtfs_default_timeout = 120;
module_param_named(request_timeout, vtfs_default_timeout, uint, 0644);
MODULE_PARM_DESC(request_timeout,
		 "Seconds a request may wait for the device before it is reset (0: forever; default 120)");

enum {
	OPT_DAX,
	OPT_DAX_MODE,
	OPT_DEFAULT_PERMISSIONS,
	OPT_ALLOW_OTHER,
	OPT_REQUEST_TIMEOUT,
	OPT_VERSION_TABLE,
	OPT_POLL_US,
};

/* Longest poll_us= accepted: past this, an interrupt is the cheaper wait. */
#define VTFS_MAX_POLL_US	10000

static const struct fs_parameter_spec vtfs_parameters[] = {
	fsparam_flag("dax", OPT_DAX),
	fsparam_string("dax", OPT_DAX_MODE),
	fsparam_flag("default_permissions", OPT_DEFAULT_PERMISSIONS),
	fsparam_flag("allow_other", OPT_ALLOW_OTHER),
	fsparam_u32("request_timeout", OPT_REQUEST_TIMEOUT),
	fsparam_string("version_table", OPT_VERSION_TABLE),
	fsparam_string("poll_us", OPT_POLL_US),
	{}
};

/* What one mount (or remount) asked for. */
struct vtfs_mount_opts {
	struct fuse_fs_context fuse;
	unsigned int timeout_secs;
	bool timeout_set;
	bool no_version_table;	/* version_table=off */
	unsigned int poll_ns;	/* dev->poll_ns, vtfs_poll.c */
	bool poll_set;
};

/*
 * "dax" is "dax=always".  Whether the device has a window is checked when
 * the tag is known, in vtfs_check_dax().
 */
static int vtfs_parse_dax(struct fs_context *fsc, const char *mode)
{
	struct vtfs_mount_opts *opts = fsc->fs_private;

	if (strcmp(mode, "always") == 0)
		opts->fuse.dax_mode = FUSE_DAX_ALWAYS;
	else if (strcmp(mode, "never") == 0)
		opts->fuse.dax_mode = FUSE_DAX_NEVER;
	else if (strcmp(mode, "inode") == 0)
		opts->fuse.dax_mode = FUSE_DAX_INODE_USER;
	else
		return invalfc(fsc, "dax=%s: expected always, never or inode",
			       mode);
	return 0;
}

/*
 * Without a window, dax=always cannot be honoured and fails.  dax=inode
 * (and the default, which is per inode too) only means "files the server
 * marks for DAX", and with no window none can be: the mount works without
 * DAX, as with upstream's virtiofs.
 */
static int vtfs_check_dax(struct fs_context *fsc, struct vtfs_device *dev)
{
	struct vtfs_mount_opts *opts = fsc->fs_private;

	if (opts->fuse.dax_mode != FUSE_DAX_ALWAYS || vtfs_window_size(dev))
		return 0;
	return invalfc(fsc, "tag %s: no DAX window, cannot mount with dax (dax=inode and dax=never work)",
		       dev->tag);
}

/* What fuse_fill_super_common() gets for DAX. */
static void vtfs_fuse_dax(struct fuse_fs_context *ctx, struct vtfs_device *dev)
{
	ctx->dax_dev = NULL;
	if (ctx->dax_mode != FUSE_DAX_NEVER && dev->window)
		ctx->dax_dev = dev->window->dax;
}

static int vtfs_set_timeout(struct fs_context *fsc, unsigned int secs)
{
	struct vtfs_mount_opts *opts = fsc->fs_private;

	if (secs > INT_MAX / HZ)
		return invalfc(fsc, "request_timeout=%u: too large", secs);
	opts->timeout_secs = secs;
	opts->timeout_set = true;
	return 0;
}

/*
 * "on" or "off" (6.1's fs_parser has no on/off booleans).  Only the first
 * mount of a tag sets it: later ones share its connection.
 */
static int vtfs_set_version_table(struct fs_context *fsc, const char *value)
{
	struct vtfs_mount_opts *opts = fsc->fs_private;

	if (strcmp(value, "on") == 0)
		opts->no_version_table = false;
	else if (strcmp(value, "off") == 0)
		opts->no_version_table = true;
	else
		return invalfc(fsc, "version_table=%s: expected on or off",
			       value);
	return 0;
}

/* "auto" or microseconds, 0 for none. */
static int vtfs_set_poll(struct fs_context *fsc, const char *value)
{
	struct vtfs_mount_opts *opts = fsc->fs_private;
	unsigned int us;

	if (strcmp(value, "auto") == 0) {
		opts->poll_ns = VTFS_POLL_AUTO;
	} else if (kstrtouint(value, 10, &us) || us > VTFS_MAX_POLL_US) {
		return invalfc(fsc, "poll_us=%s: expected auto or 0 to %u",
			       value, VTFS_MAX_POLL_US);
	} else {
		opts->poll_ns = us * NSEC_PER_USEC;
	}
	opts->poll_set = true;
	return 0;
}

static int vtfs_parse_param(struct fs_context *fsc,
			    struct fs_parameter *param)
{
	struct fs_parse_result result;
	int opt = fs_parse(fsc, vtfs_parameters, param, &result);

	if (opt == OPT_REQUEST_TIMEOUT)
		return vtfs_set_timeout(fsc, result.uint_32);
	if (opt == OPT_VERSION_TABLE)
		return vtfs_set_version_table(fsc, param->string);
	if (opt == OPT_POLL_US)
		return vtfs_set_poll(fsc, param->string);
	if (opt == OPT_DAX || opt == OPT_DAX_MODE)
		return vtfs_parse_dax(fsc, opt == OPT_DAX ? "always" :
				      param->string);
	/*
	 * default_permissions and allow_other are on for every virtiofs
	 * mount and only accepted for fstab; negative: fs_parse's error.
	 */
	return opt < 0 ? opt : 0;
}

static void vtfs_free_fsc(struct fs_context *fsc)
{
	kfree(fsc->fs_private);
}

static unsigned long vtfs_timeout_of(struct vtfs_mount_opts *opts)
{
	unsigned int secs = opts->timeout_set ? opts->timeout_secs :
			    READ_ONCE(vtfs_default_timeout);

	return (unsigned long)min_t(unsigned int, secs, INT_MAX / HZ) * HZ;
}

/* Shared-folder defaults: the host enforces access, every user may look. */
static void vtfs_fuse_defaults(struct fuse_fs_context *ctx)
{
	ctx->fudptr = NULL;		/* no /dev/fuse: we are the transport */
	ctx->no_control = false;	/* /sys/fs/fuse/connections works */
	ctx->no_force_umount = false;	/* umount -f aborts the connection */
	ctx->destroy = true;		/* FUSE_DESTROY at the last umount */
	ctx->allow_other = 1;
	ctx->default_permissions = 1;
	ctx->rootmode = S_IFDIR;
	ctx->blksize = 512;
	ctx->max_read = UINT_MAX;
}

static int vtfs_fill_super(struct super_block *sb, struct fs_context *fsc)
{
	struct vtfs_mount_opts *opts = fsc->fs_private;
	struct fuse_mount *fm = get_fuse_mount_super(sb);
	struct vtfs_device *dev = fm->fc->iq.priv;
	int err;

	vtfs_fuse_defaults(&opts->fuse);
	vtfs_fuse_dax(&opts->fuse, dev);
	mutex_lock(&dev->lock);
	if (dev->state != VTFS_LIVE) {
		errorfc(fsc, "tag %s: device is %s", dev->tag,
			vtfs_state_name(dev->state));
		err = -EIO;
		goto unlock;
	}
	if (WARN_ON(dev->fc)) {
		err = -EBUSY;
		goto unlock;
	}
	err = fuse_fill_super_common(sb, &opts->fuse);
	if (err)
		goto unlock;
	vtfs_vtable_start(dev, !opts->no_version_table);
	if (vtfs_vtable_in_use(dev))
		vtfs_vfs_attach(sb);

	WRITE_ONCE(dev->timeout, vtfs_timeout_of(opts));
	WRITE_ONCE(dev->poll_ns, opts->poll_set ? opts->poll_ns : VTFS_POLL_AUTO);
	spin_lock(&dev->conn_lock);
	dev->fc = fm->fc;
	spin_unlock(&dev->conn_lock);
	vtfs_arm_watchdog(dev);
	mutex_unlock(&dev->lock);

	sb->s_flags |= SB_ACTIVE;
	fuse_send_init(fm);
	return 0;

unlock:
	mutex_unlock(&dev->lock);
	return err;
}

/* The last mount of a connection is going away. */
static void vtfs_conn_destroy(struct fuse_mount *fm)
{
	struct fuse_conn *fc = fm->fc;
	struct vtfs_device *dev = fc->iq.priv;

	/* No more range reclaim; evicting the inodes frees their ranges. */
	if (IS_ENABLED(CONFIG_FUSE_DAX))
		fuse_dax_cancel_work(fc);

	/* Sends FUSE_DESTROY, then waits for every request to end. */
	fuse_conn_destroy(fm);

	mutex_lock(&dev->lock);
	/* Under dev->lock: before a new mount of the tag can start it. */
	vtfs_vtable_stop(dev);
	spin_lock(&dev->conn_lock);
	dev->fc = NULL;
	spin_unlock(&dev->conn_lock);
	mutex_unlock(&dev->lock);

	cancel_delayed_work_sync(&dev->watchdog);
	flush_work(&dev->hiprio_work);
}

static void vtfs_kill_sb(struct super_block *sb)
{
	struct fuse_mount *fm = get_fuse_mount_super(sb);

	/* A mount that failed in fill_super has no root and no connection. */
	if (sb->s_root && fuse_mount_remove(fm))
		vtfs_conn_destroy(fm);
	kill_anon_super(sb);
	fuse_mount_destroy(fm);
}

static int vtfs_same_device(struct super_block *sb, struct fs_context *fsc)
{
	struct fuse_mount *ours = fsc->s_fs_info;
	struct fuse_mount *theirs = get_fuse_mount_super(sb);

	return ours->fc->iq.priv == theirs->fc->iq.priv;
}

/* What every virtiofs connection gets, whatever the mount options. */
static void vtfs_conn_setup(struct fuse_conn *fc, struct vtfs_device *dev)
{
	/* One request's pages must fit the ring (computed at probe). */
	if (dev->max_pages < fc->max_pages_limit)
		fc->max_pages_limit = dev->max_pages;

	/* The host may rename or delete behind us: drop stale dentries. */
	fc->delete_stale = true;

	/* syncfs(2) in the guest reaches the host as FUSE_SYNCFS. */
	fc->sync_fs = true;

	/* Mount points inside the shared tree become guest automounts. */
	fc->auto_submounts = true;

	fc->release = fuse_free_conn;
}

/* A connection for @dev; it takes over the caller's device reference. */
static struct fuse_mount *vtfs_new_conn(struct fs_context *fsc,
					struct vtfs_device *dev)
{
	struct fuse_conn *fc = kzalloc(sizeof(*fc), GFP_KERNEL);
	struct fuse_mount *fm = kzalloc(sizeof(*fm), GFP_KERNEL);

	if (!fc || !fm) {
		kfree(fc);
		kfree(fm);
		return NULL;
	}
	fuse_conn_init(fc, fm, fsc->user_ns, &vtfs_fiq_ops, dev);
	vtfs_conn_setup(fc, dev);
	return fm;
}

/*
 * Join the superblock of an earlier mount of the same tag, or get a fresh
 * one that takes @fm over.  @fm is released when it is not needed.
 */
static struct super_block *vtfs_attach_sb(struct fs_context *fsc,
					  struct fuse_mount *fm)
{
	struct super_block *sb;

	fsc->s_fs_info = fm;
	sb = sget_fc(fsc, vtfs_same_device, set_anon_super_fc);
	if (fsc->s_fs_info) {
		fsc->s_fs_info = NULL;
		fuse_mount_destroy(fm);
	}
	return sb;
}

static int vtfs_get_tree(struct fs_context *fsc)
{
	struct vtfs_device *dev;
	struct fuse_mount *fm;
	struct super_block *sb;
	int err = 0;

	if (!fsc->source || !*fsc->source)
		return invalfc(fsc, "no tag given: mount -t virtiofs TAG DIR");

	dev = vtfs_find_device(fsc->source);
	if (!dev) {
		errorfc(fsc, "no virtio-fs device has tag \"%s\"", fsc->source);
		return -ENOENT;
	}
	err = vtfs_check_dax(fsc, dev);
	if (err) {
		vtfs_put_device(dev);
		return err;
	}
	fm = vtfs_new_conn(fsc, dev);
	if (!fm) {
		vtfs_put_device(dev);
		return -ENOMEM;
	}

	sb = vtfs_attach_sb(fsc, fm);
	if (IS_ERR(sb))
		return PTR_ERR(sb);
	if (!sb->s_root)
		err = vtfs_fill_super(sb, fsc);
	if (err)
		deactivate_locked_super(sb);
	else
		fsc->root = dget(sb->s_root);
	return err;
}

static int vtfs_reconfigure(struct fs_context *fsc)
{
	struct super_block *sb = fsc->root->d_sb;
	struct vtfs_device *dev = get_fuse_conn_super(sb)->iq.priv;
	struct vtfs_mount_opts *opts = fsc->fs_private;

	sync_filesystem(sb);
	if (opts->timeout_set) {
		WRITE_ONCE(dev->timeout, vtfs_timeout_of(opts));
		vtfs_arm_watchdog(dev);
	}
	if (opts->poll_set)
		WRITE_ONCE(dev->poll_ns, opts->poll_ns);
	return 0;
}

static const struct fs_context_operations vtfs_context_ops = {
	.parse_param	= vtfs_parse_param,
	.get_tree	= vtfs_get_tree,
	.reconfigure	= vtfs_reconfigure,
	.free		= vtfs_free_fsc,
};

static int vtfs_init_fs_context(struct fs_context *fsc)
{
	/* fuse sets up the context for crossing into a submount itself. */
	if (fsc->purpose == FS_CONTEXT_FOR_SUBMOUNT)
		return fuse_init_fs_context_submount(fsc);

	fsc->fs_private = kzalloc(sizeof(struct vtfs_mount_opts), GFP_KERNEL);
	fsc->ops = &vtfs_context_ops;
	return fsc->fs_private ? 0 : -ENOMEM;
}

static struct file_system_type vtfs_fs_type = {
	.owner			= THIS_MODULE,
	.name			= VTFS_NAME,
	.init_fs_context	= vtfs_init_fs_context,
	.parameters		= vtfs_parameters,
	.kill_sb		= vtfs_kill_sb,
};
MODULE_ALIAS_FS(VTFS_NAME);

int vtfs_register_fs(void)
{
	return register_filesystem(&vtfs_fs_type);
}

void vtfs_unregister_fs(void)
{
	unregister_filesystem(&vtfs_fs_type);
}
