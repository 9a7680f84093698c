"""A userspace netem: a point-to-point IP link with a fixed one-way delay.

Why this exists: the keep-alive race needs the backend's FIN to be *in flight* while
nginx writes the next request, which is what real network latency does. `tc qdisc ...
netem delay` is the usual tool, but many CI kernels are built without sch_netem
(CONFIG_NET_SCH_NETEM is not set on the machine this was written on). A TUN device in
each of two network namespaces, joined by this process, gives the same effect with
only CONFIG_TUN: every IP packet leaving one namespace is held for `--delay-ms` and then
injected into the other. Both TCP stacks stay the kernel's own, so FIN, RST and
retransmission behave exactly as on a slow wire.

Run as root:  python3 delayline.py NS_A DEV_A NS_B DEV_B --delay-ms 40
It creates the two TUN devices (inside the namespaces, never in the caller's), prints
"ready" once they exist, and forwards until stdin closes or it gets SIGTERM. The
devices disappear with the process. Addresses are configured by the caller (`ip -n`).
"""

from __future__ import annotations

import argparse
import ctypes
import fcntl
import heapq
import os
import select
import signal
import struct
import sys
import time

CLONE_NEWNET = 0x40000000
TUNSETIFF = 0x400454CA
IFF_TUN = 0x0001
IFF_NO_PI = 0x1000
MAX_PACKET = 65536


def _enter_netns(name: str) -> None:
    """Switch this (single-threaded) process into the named network namespace."""
    libc = ctypes.CDLL(None, use_errno=True)
    fd = os.open(f"/run/netns/{name}", os.O_RDONLY)
    try:
        if libc.setns(fd, CLONE_NEWNET) != 0:
            err = ctypes.get_errno()
            raise OSError(err, f"setns({name}): {os.strerror(err)}")
    finally:
        os.close(fd)


def open_tun(netns: str, device: str) -> int:
    """Create TUN `device` inside `netns` and return its non-blocking fd."""
    _enter_netns(netns)
    fd = os.open("/dev/net/tun", os.O_RDWR | os.O_NONBLOCK)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", device.encode(), IFF_TUN | IFF_NO_PI))
    return fd


def forward(fd_a: int, fd_b: int, delay_s: float, control: int | None) -> None:
    """Move packets A->B and B->A, each released `delay_s` after it was read."""
    peer = {fd_a: fd_b, fd_b: fd_a}
    pending: list[tuple[float, int, int, bytes]] = []  # (due, seq, out_fd, packet)
    seq = 0
    watched = [fd_a, fd_b] + ([control] if control is not None else [])
    while True:
        now = time.monotonic()
        while pending and pending[0][0] <= now:
            _, _, out_fd, packet = heapq.heappop(pending)
            try:
                os.write(out_fd, packet)
            except OSError:
                pass  # a dropped packet is what a wire does under pressure; TCP retransmits
        timeout = max(0.0, pending[0][0] - now) if pending else None
        readable, _, _ = select.select(watched, [], [], timeout)
        arrived = time.monotonic()
        for fd in readable:
            if fd == control:
                if not os.read(control, 4096):
                    return
                continue
            while True:
                try:
                    packet = os.read(fd, MAX_PACKET)
                except BlockingIOError:
                    break
                if not packet:
                    break
                seq += 1
                heapq.heappush(pending, (arrived + delay_s, seq, peer[fd], packet))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("ns_a")
    parser.add_argument("dev_a")
    parser.add_argument("ns_b")
    parser.add_argument("dev_b")
    parser.add_argument("--delay-ms", type=float, required=True, help="one-way delay")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    fd_a = open_tun(args.ns_a, args.dev_a)
    fd_b = open_tun(args.ns_b, args.dev_b)
    print("ready", flush=True)
    control = sys.stdin.fileno() if not sys.stdin.isatty() else None
    try:
        forward(fd_a, fd_b, args.delay_ms / 1000.0, control)
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
