#!/bin/sh
# A vhost-user-fs backend that dies as soon as the guest's driver has started
# the device: QEMU's virtiofsd, SIGKILLed once it logs that its queues
# started.  The guest then has a virtio-fs device whose requests are never
# answered -- "a daemon that is not there".  Used by tests/rootboot/check.sh
# as vfs-harness boot --daemon.
log=$(mktemp)
/usr/lib/qemu/virtiofsd -o sandbox=chroot "$@" 2>"$log" &
pid=$!
i=0
while ! grep -q fv_queue_set_started "$log" && [ $i -lt 1200 ]; do
	kill -0 $pid 2>/dev/null || break
	sleep 0.1
	i=$((i + 1))
done
kill -9 $pid 2>/dev/null
cat "$log" >&2
echo "dead-daemon: SIGKILLed virtiofsd (pid $pid) once its queues started" >&2
rm -f "$log"
# Stay alive: the harness stops this process at the end of the boot.
exec sleep 3600
