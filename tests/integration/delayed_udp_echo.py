#!/usr/bin/env python3
"""A UDP responder that sends each datagram back exactly DELAY_MS after it arrived, with the DNS
QR bit set: the known delay of loadgen_latency_test.sh. This kernel has no netem qdisc, and
XDP_TX replies bypass qdiscs anyway, so the delay is made here. Replies are scheduled on a timer
queue, never served one after another, so a burst does not queue behind the delay.

    delayed_udp_echo.py ADDRESS PORT DELAY_MS
"""
import heapq
import select
import socket
import sys
import time


def main() -> None:
    address, port, delay_ms = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    delay_ns = int(delay_ms * 1e6)
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    sock.bind((address, port))
    sock.setblocking(False)
    due = []  # (send at ns, sequence, payload, peer)
    sequence = 0
    while True:
        timeout = max(0.0, (due[0][0] - time.monotonic_ns()) / 1e9) if due else None
        readable, _, _ = select.select([sock], [], [], timeout)
        if readable:
            while True:
                try:
                    payload, peer = sock.recvfrom(2048)
                except BlockingIOError:
                    break
                if len(payload) >= 12 and not payload[2] & 0x80:
                    reply = payload[:2] + bytes([payload[2] | 0x80]) + payload[3:]
                    heapq.heappush(due, (time.monotonic_ns() + delay_ns, sequence, reply, peer))
                    sequence += 1
        now = time.monotonic_ns()
        while due and due[0][0] <= now:
            _, _, reply, peer = heapq.heappop(due)
            sock.sendto(reply, peer)


if __name__ == "__main__":
    main()
