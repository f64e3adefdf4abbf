#!/bin/sh
# A vhost-user-fs backend that never answers: our vfsd, told to drop
# FUSE_INIT (--inject=drop:INIT).  The guest then has a virtio-fs device
# whose requests are never answered -- "a daemon that is not there" -- every
# time, unlike killing a daemon after its queues start, which races with its
# answer to INIT.  Used by tests/rootboot/check.sh as vfs-harness boot --daemon.
here=$(dirname "$0")
exec "$here/../../build/bin/vfsd" "$@" --inject=drop:INIT
