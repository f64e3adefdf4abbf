#!/usr/bin/env python3
"""The host's side of tests/locks/check.sh, with classic POSIX locks and flock.

  host_lock.py hold FILE           write-lock bytes 0-9 of FILE until killed
  host_lock.py contend FILE N KIND N increments of the decimal counter in
                                   FILE under lockf (KIND posix) or flock
                                   (KIND flock), as tests/guest/locks.c does;
                                   paced (1 ms inside the lock, 5 ms outside)
                                   so they overlap the guests' slower loops
"""
import fcntl
import os
import sys
import time


def hold(path):
    fd = os.open(path, os.O_RDWR)
    fcntl.lockf(fd, fcntl.LOCK_EX, 10, 0)
    print("held", flush=True)
    while True:
        time.sleep(3600)


def contend(path, n, kind):
    fd = os.open(path, os.O_RDWR)
    lock = fcntl.flock if kind == "flock" else fcntl.lockf
    start = time.monotonic()
    for _ in range(n):
        lock(fd, fcntl.LOCK_EX)
        value = int(os.pread(fd, 32, 0).decode().strip() or "0") + 1
        time.sleep(0.001)  # a guest that ignored the lock would interleave here
        os.pwrite(fd, f"{value:<20}\n".encode(), 0)
        lock(fd, fcntl.LOCK_UN)
        time.sleep(0.005)
    os.close(fd)
    print(f"host: {n} {kind} increments in {time.monotonic() - start:.1f} s", flush=True)


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "hold":
        hold(sys.argv[2])
    elif len(sys.argv) == 5 and sys.argv[1] == "contend":
        contend(sys.argv[2], int(sys.argv[3]), sys.argv[4])
    else:
        sys.exit(__doc__)
