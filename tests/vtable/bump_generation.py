#!/usr/bin/env python3
"""bump_generation.py PID: give the version table of the vfsd below PID a
new generation, as a restarted daemon would.

QEMU 7.2's vhost-user-fs cannot reconnect to a restarted backend, so a
daemon restart under a running guest is not possible; this changes what
the guest can observe of one instead.  It finds the processes descended
from PID (the harness), their memfds (/proc/P/fd) that start with the
table magic, and writes generation + 1 into the header (little endian,
struct vtfs_vtable_header in include/uapi/linux/virtio_fs.h).  Prints the
old and new generation; exit 1 if no table was found.
"""
import os
import struct
import sys

MAGIC = 0x4C425456  # VTFS_VTABLE_MAGIC, "VTBL"
HEADER = struct.Struct("<IIQQQ")  # magic, layout, generation, nr_slots, slots_offset


def descendants(pid):
    children = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry))
    todo, seen = [pid], []
    while todo:
        p = todo.pop()
        seen.append(p)
        todo.extend(children.get(p, []))
    return seen


def tables(pids):
    for p in pids:
        try:
            fds = os.listdir(f"/proc/{p}/fd")
        except OSError:
            continue
        for fd in fds:
            path = f"/proc/{p}/fd/{fd}"
            try:
                if not os.readlink(path).startswith("/memfd:"):
                    continue
                with open(path, "rb") as f:
                    head = f.read(HEADER.size)
            except OSError:
                continue
            if len(head) == HEADER.size and HEADER.unpack(head)[0] == MAGIC:
                yield path


def main():
    found = False
    for path in tables(descendants(int(sys.argv[1]))):
        fd = os.open(path, os.O_RDWR)
        try:
            magic, layout, gen, nr, off = HEADER.unpack(os.pread(fd, HEADER.size, 0))
            os.pwrite(fd, struct.pack("<Q", gen + 1), 8)
        finally:
            os.close(fd)
        print(f"{path}: generation {gen} -> {gen + 1}")
        found = True
    return 0 if found else 1


if __name__ == "__main__":
    sys.exit(main())
