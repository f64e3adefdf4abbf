#!/usr/bin/env python3
"""SHMEM_MAP / SHMEM_UNMAP against the patched QEMU (Documentation/qemu-dax.rst,
Documentation/version-table.rst): region 0, the DAX window, and region 1, the
version table.

Plays a minimal vhost-user-fs backend: answers QEMU's handshake on the
front-end channel, then sends backend requests on the channel QEMU hands over
with SET_SLAVE_REQ_FD and checks each reply.  No guest is needed: QEMU runs
with -S, its main loop still serves the backend channel.  That a mapping
really landed (or went away) is read from QEMU's /proc/PID/maps, where the
window shows the mapped file with the requested protection.

Usage: shmem_map_test.py QEMU_BINARY
Exit status: 0 all checks passed, 1 a check failed, 77 skipped (no binary;
a skip is not a pass).
"""

import array
import os
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

HDR = struct.Struct("<III")
VERSION, REPLY, NEED_REPLY = 0x1, 0x4, 0x8
GET_FEATURES, GET_PROTOCOL_FEATURES, GET_VRING_BASE = 1, 15, 11
SET_SLAVE_REQ_FD = 21
SHMEM_MAP, SHMEM_UNMAP = 9, 10
SHMEM = struct.Struct("<B7xQQQQ")  # shmid, fd_offset, shm_offset, len, flags
PROTO_REPLY_ACK, PROTO_SLAVE_REQ, PROTO_SLAVE_SEND_FD = 3, 5, 10
MIB = 1 << 20
WINDOW = 64 * MIB

failures = []


def check(ok, what):
    print(("ok     " if ok else "FAILED ") + what, flush=True)
    if not ok:
        failures.append(what)


def recv_exact(sock, n):
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise EOFError
        data += chunk
    return data


class Frontend(threading.Thread):
    """Answers QEMU on the front-end channel; keeps the backend channel fd."""

    def __init__(self, conn):
        super().__init__(daemon=True)
        self.conn = conn
        self.backend = None
        self.ready = threading.Event()

    def reply(self, request, payload):
        self.conn.sendall(HDR.pack(request, VERSION | REPLY, len(payload)) + payload)

    def run(self):
        try:
            while True:
                hdr, fds, _, _ = socket.recv_fds(self.conn, HDR.size, 8)
                if not hdr:
                    return
                hdr += recv_exact(self.conn, HDR.size - len(hdr))
                request, flags, size = HDR.unpack(hdr)
                payload = recv_exact(self.conn, size) if size else b""
                if request == GET_FEATURES:
                    # VIRTIO_F_VERSION_1 and VHOST_USER_F_PROTOCOL_FEATURES.
                    self.reply(request, struct.pack("<Q", (1 << 32) | (1 << 30)))
                elif request == GET_PROTOCOL_FEATURES:
                    bits = (1 << PROTO_REPLY_ACK) | (1 << PROTO_SLAVE_REQ) | (1 << PROTO_SLAVE_SEND_FD)
                    self.reply(request, struct.pack("<Q", bits))
                elif request == GET_VRING_BASE:
                    self.reply(request, payload[:4] + struct.pack("<I", 0))
                elif flags & NEED_REPLY:
                    self.reply(request, struct.pack("<Q", 0))
                if request == SET_SLAVE_REQ_FD and fds:
                    self.backend = socket.socket(fileno=fds.pop(0))
                    self.ready.set()
                for fd in fds:
                    os.close(fd)
        except (EOFError, OSError):
            return


def request(backend, req, shmid=0, fd_offset=0, shm_offset=0, length=0, flags=0, fd=None, payload=None):
    """Sends one backend request with NEED_REPLY; returns the u64 reply."""
    body = SHMEM.pack(shmid, fd_offset, shm_offset, length, flags) if payload is None else payload
    msg = HDR.pack(req, VERSION | NEED_REPLY, len(body)) + body
    if fd is None:
        backend.sendall(msg)
    else:
        backend.sendmsg([msg], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", [fd]))])
    backend.settimeout(10)
    r_req, r_flags, r_size = HDR.unpack(recv_exact(backend, HDR.size))
    (value,) = struct.unpack("<Q", recv_exact(backend, r_size))
    assert r_req == req and r_flags & REPLY, (r_req, r_flags)
    return value


def maps_of(pid, path):
    """(start, end, perms) of QEMU's mappings of `path`."""
    out = []
    with open(f"/proc/{pid}/maps") as f:
        for line in f:
            fields = line.split()
            if len(fields) >= 6 and fields[5] == path:
                start, end = (int(x, 16) for x in fields[0].split("-"))
                out.append((start, end, fields[1]))
    return out


def perms_at(pid, addr):
    with open(f"/proc/{pid}/maps") as f:
        for line in f:
            fields = line.split()
            start, end = (int(x, 16) for x in fields[0].split("-"))
            if start <= addr < end:
                return fields[1], (fields[5] if len(fields) >= 6 else "")
    return None, None


def hmp(workdir, cache_size, command, vtable_size=0):
    """Runs one human monitor command; returns what it printed."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as mon:
        mon.connect(os.path.join(workdir, f"hmp-{cache_size}-{vtable_size}.sock"))
        mon.settimeout(5)
        mon.recv(4096)  # banner and prompt
        mon.sendall(command.encode() + b"\n")
        time.sleep(0.3)
        return mon.recv(65536).decode(errors="replace")


def qemu_argv(qemu, workdir, cache_size, vtable_size, sock_path):
    device = "vhost-user-fs-pci,chardev=c0,tag=t"
    if cache_size:
        device += f",cache-size={cache_size}"
    if vtable_size:
        device += f",version-table-size={vtable_size}"
    hmp_path = os.path.join(workdir, f"hmp-{cache_size}-{vtable_size}.sock")
    return [qemu, "-S", "-nodefaults", "-no-user-config", "-display", "none",
            "-monitor", f"unix:{hmp_path},server=on,wait=off",
            "-serial", "none", "-accel", "tcg",
            "-L", "/usr/share/seabios", "-L", "/usr/share/qemu", "-m", "256M",
            "-object", "memory-backend-memfd,id=mem,size=256M,share=on",
            "-numa", "node,memdev=mem", "-chardev", f"socket,id=c0,path={sock_path}",
            "-device", device]


def start_qemu(qemu, workdir, cache_size, vtable_size=0):
    sock_path = os.path.join(workdir, f"vhost-{cache_size}-{vtable_size}.sock")
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(sock_path)
    listener.listen(1)
    argv = qemu_argv(qemu, workdir, cache_size, vtable_size, sock_path)
    log = os.path.join(workdir, f"qemu-{cache_size}-{vtable_size}.log")
    proc = subprocess.Popen(argv, stderr=open(log, "w"))
    listener.settimeout(20)
    conn, _ = listener.accept()
    frontend = Frontend(conn)
    frontend.start()
    if not frontend.ready.wait(20):
        proc.kill()
        raise RuntimeError("QEMU never sent SET_SLAVE_REQ_FD")
    return proc, frontend


def window_tests(qemu, workdir):
    data = os.path.join(workdir, "data")
    with open(data, "wb") as f:
        f.truncate(16 * MIB)
    fd = os.open(data, os.O_RDWR)
    proc, fe = start_qemu(qemu, workdir, "64M")
    b = fe.backend
    try:
        check(request(b, SHMEM_MAP, 0, 0, 0, 2 * MIB, 0, fd) == 0, "MAP 2M read-only at 0")
        m = maps_of(proc.pid, data)
        check(len(m) == 1 and m[0][1] - m[0][0] == 2 * MIB and m[0][2].startswith("r--s"),
              f"file mapped read-only, 2M, in QEMU: {m}")
        base = m[0][0] if m else 0

        check(request(b, SHMEM_MAP, 0, 0, 0, 2 * MIB, 1, fd) == 0, "MAP over it read-write (upgrade)")
        check(perms_at(proc.pid, base)[0] == "rw-s", "range now rw-s")

        check(request(b, SHMEM_MAP, 0, 4 * MIB, WINDOW - 2 * MIB, 2 * MIB, 1, fd) == 0,
              "MAP the last 2M of the window")
        check(perms_at(proc.pid, base + WINDOW - 1) == ("rw-s", data), "last page of the window mapped")

        check(request(b, SHMEM_UNMAP, 0, 0, 0, 2 * MIB) == 0, "UNMAP 2M at 0")
        check(perms_at(proc.pid, base) == ("---p", ""), "range back to PROT_NONE anonymous (not a hole)")
        check(request(b, SHMEM_UNMAP, 0, 0, 0, 2 * MIB) == 0, "UNMAP of an unmapped range")

        page = os.sysconf("SC_PAGE_SIZE")
        bad = [
            ("MAP shmid 1", SHMEM_MAP, dict(shmid=1, length=2 * MIB)),
            ("MAP zero length", SHMEM_MAP, dict(length=0)),
            ("MAP at the window's end", SHMEM_MAP, dict(shm_offset=WINDOW, length=page)),
            ("MAP crossing the window's end", SHMEM_MAP, dict(shm_offset=WINDOW - page, length=2 * page)),
            ("MAP larger than the window", SHMEM_MAP, dict(length=2 * WINDOW)),
            ("MAP with wrapping offset+len", SHMEM_MAP, dict(shm_offset=(1 << 64) - page, length=2 * page)),
            ("MAP unaligned window offset", SHMEM_MAP, dict(shm_offset=page + 1, length=page)),
            ("MAP unaligned length", SHMEM_MAP, dict(length=page + 1)),
            ("MAP unaligned file offset", SHMEM_MAP, dict(fd_offset=17, length=page)),
            ("MAP file offset beyond off_t", SHMEM_MAP, dict(fd_offset=(1 << 63), length=page)),
            ("UNMAP shmid 1", SHMEM_UNMAP, dict(shmid=1, length=page)),
            ("UNMAP zero length", SHMEM_UNMAP, dict(length=0)),
            ("UNMAP crossing the window's end", SHMEM_UNMAP, dict(shm_offset=WINDOW - page, length=2 * page)),
            ("UNMAP unaligned", SHMEM_UNMAP, dict(shm_offset=1, length=page)),
        ]
        for what, req, kw in bad:
            check(request(b, req, fd=fd if req == SHMEM_MAP else None, **kw) != 0, f"{what} is refused")
        check(request(b, SHMEM_MAP, 0, 0, 0, page, 0) != 0, "MAP without a file descriptor is refused")
        check(request(b, SHMEM_MAP, payload=b"\0" * 16, fd=fd) != 0, "MAP with a short payload is refused")
        ro = os.open(data, os.O_RDONLY)
        check(request(b, SHMEM_MAP, 0, 0, 0, page, 1, ro) != 0, "MAP read-write of a read-only fd fails")
        check(perms_at(proc.pid, base) == ("---p", ""), "a failed MAP leaves the range reserved")
        os.close(ro)
        check(perms_at(proc.pid, base + WINDOW - 1) == ("rw-s", data), "refusals left other mappings alone")

        # A system reset resets the device, which must empty the window.
        hmp(workdir, "64M", "system_reset")
        deadline = time.monotonic() + 10
        while maps_of(proc.pid, data) and time.monotonic() < deadline:
            time.sleep(0.1)
        check(maps_of(proc.pid, data) == [], "system_reset emptied the window")
        check(perms_at(proc.pid, base + WINDOW - 1) == ("---p", ""), "and left it reserved")
        check(proc.poll() is None, "QEMU still running")
    finally:
        proc.kill()
        proc.wait()
        os.close(fd)


def no_window_tests(qemu, workdir):
    data = os.path.join(workdir, "data")
    fd = os.open(data, os.O_RDWR)
    proc, fe = start_qemu(qemu, workdir, 0)
    try:
        check(request(fe.backend, SHMEM_MAP, 0, 0, 0, 2 * MIB, 1, fd) != 0,
              "without cache-size, MAP is refused")
        check(maps_of(proc.pid, data) == [], "and nothing was mapped")
    finally:
        proc.kill()
        proc.wait()
        os.close(fd)


KIB = 1 << 10
VTABLE = 64 * KIB


def memfd_with(name, size):
    fd = os.memfd_create(name)
    os.ftruncate(fd, size)
    return fd, f"/memfd:{name}"  # maps_of compares the first word of the name


def bar2_size(info_pci):
    """Size of the vhost-user-fs device's BAR 2 in `info pci` output:
    "BAR2: 64 bit prefetchable memory at ADDR [LAST]."."""
    for line in info_pci.splitlines():
        if "BAR2:" in line and " at " in line and "[" in line:
            addr = int(line.split(" at ")[1].split()[0], 16)
            last = int(line[line.index("[") + 1:line.index("]")], 16)
            # An unassigned BAR (-S: no firmware yet) is at all ones; wrap.
            return (last - addr + 1) % (1 << 64)
    return None


def vtable_tests(qemu, workdir, cache_size):
    """Region 1 alone (cache_size 0) or after a 64M window."""
    label = f"cache-size={cache_size or 0}, version-table-size=64K:"
    table, table_path = memfd_with(f"vtable-{cache_size}", VTABLE)
    big, big_path = memfd_with(f"vtable-big-{cache_size}", 2 * VTABLE)
    data = os.path.join(workdir, "data")
    with open(data, "wb") as f:
        f.truncate(16 * MIB)
    dfd = os.open(data, os.O_RDWR)
    proc, fe = start_qemu(qemu, workdir, cache_size, "64K")
    b = fe.backend
    page = os.sysconf("SC_PAGE_SIZE")
    try:
        want_bar = 1 << ((64 * MIB if cache_size else 0) + VTABLE - 1).bit_length()
        check(bar2_size(hmp(workdir, cache_size, "info pci", "64K")) == want_bar,
              f"{label} BAR 2 is {want_bar:#x} bytes (window + table, rounded up)")

        check(request(b, SHMEM_MAP, 1, 0, 0, VTABLE, 0, table) == 0, f"{label} MAP the table")
        m = maps_of(proc.pid, table_path)
        check(len(m) == 1 and m[0][1] - m[0][0] == VTABLE and m[0][2].startswith("r--s"),
              f"{label} table mapped read-only and whole in QEMU: {m}")
        base = m[0][0] if m else 0

        # The guest reads what the backend writes, through QEMU's mapping.
        os.pwrite(table, b"VTBL", 0)
        with open(f"/proc/{proc.pid}/mem", "rb") as mem:
            mem.seek(base)
            check(mem.read(4) == b"VTBL", f"{label} QEMU's mapping shows the backend's writes")

        if cache_size:
            check(request(b, SHMEM_MAP, 0, 0, 0, 2 * MIB, 1, dfd) == 0,
                  f"{label} the window still maps (shmid 0)")
            check(len(maps_of(proc.pid, table_path)) == 1, f"{label} and the table stays")

        bad = [
            ("MAP writable", dict(flags=1, length=VTABLE)),
            ("MAP zero length", dict(length=0)),
            ("MAP past the table", dict(length=2 * VTABLE)),
            ("MAP at the table's end", dict(shm_offset=VTABLE, length=page)),
            ("MAP unaligned", dict(shm_offset=page + 1, length=page)),
            ("MAP unaligned file offset", dict(fd_offset=17, length=page)),
        ]
        for what, kw in bad:
            check(request(b, SHMEM_MAP, 1, fd=big, **kw) != 0, f"{label} {what} is refused")
        check(maps_of(proc.pid, big_path) == [], f"{label} refusals mapped nothing")
        check(request(b, SHMEM_MAP, 2, 0, 0, page, 0, table) != 0, f"{label} MAP shmid 2 is refused")

        # Not cleared on reset: Linux resets the device at probe, after the
        # backend mapped its table.
        hmp(workdir, cache_size, "system_reset", "64K")
        time.sleep(0.5)
        check(len(maps_of(proc.pid, table_path)) == 1, f"{label} system_reset keeps the table")

        check(request(b, SHMEM_UNMAP, 1, 0, 0, VTABLE) == 0, f"{label} UNMAP the table")
        check(maps_of(proc.pid, table_path) == [], f"{label} the backend's memory is gone")
        perms, name = perms_at(proc.pid, base)
        check(perms == "r--p" and name == "", f"{label} zero pages, read-only, not a hole: {perms} {name}")
        with open(f"/proc/{proc.pid}/mem", "rb") as mem:
            mem.seek(base)
            check(mem.read(8) == b"\0" * 8, f"{label} an unmapped table reads as zeros (no magic)")
        check(request(b, SHMEM_UNMAP, 1, 0, 0, 2 * VTABLE) != 0, f"{label} UNMAP past the table is refused")

        check(request(b, SHMEM_MAP, 1, 0, 0, VTABLE, 0, table) == 0, f"{label} MAP it again")
        check(proc.poll() is None, f"{label} QEMU still running")
    finally:
        proc.kill()
        proc.wait()
        for fd in (table, big, dfd):
            os.close(fd)


def bad_vtable_size_test(qemu, workdir):
    sock_path = os.path.join(workdir, "refused.sock")
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as listener:
        listener.bind(sock_path)
        listener.listen(1)  # QEMU connects, then fails at realize
        argv = qemu_argv(qemu, workdir, 0, 1000, sock_path)
        r = subprocess.run(argv, capture_output=True, text=True, timeout=30)
    check(r.returncode != 0 and "version-table-size" in r.stderr,
          f"version-table-size=1000 (not a page multiple) is refused: {r.stderr.strip()}")


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    qemu = sys.argv[1]
    if not os.access(qemu, os.X_OK):
        print(f"SKIP: {qemu} is not an executable (build it with make qemu-dax)")
        return 77
    with tempfile.TemporaryDirectory() as workdir:
        window_tests(qemu, workdir)
        no_window_tests(qemu, workdir)
        vtable_tests(qemu, workdir, 0)
        vtable_tests(qemu, workdir, "64M")
        bad_vtable_size_test(qemu, workdir)
    print(f"{len(failures)} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
