#!/usr/bin/env python3
"""A bounded DNS-over-UDP load generator for tests: sends one query name/type at a fixed rate
for a fixed time to one server, matches responses by message ID and reports, as one JSON line,
how many were sent, answered, unanswered and how many answers carried which rcode.

kxdpgun would need AF_XDP on the client veth, whose XDP slot the test namespaces already use
for the xdp_pass program that lets XDP_TX frames arrive (tools/lib/netns.sh), so the tests use
this instead. Every query gets a distinct ID (at most 65536 in flight per run), so a late
response is still counted; the generator waits `--drain` seconds after the last send.

  udp_query_gen.py --server 10.77.0.2 --name roundrobin.cloud.example.com --rate 2000 --seconds 5
"""
import argparse
import json
import selectors
import socket
import struct
import time


def query(msg_id, name, qtype):
    wire = b"".join(bytes([len(l)]) + l.encode() for l in name.rstrip(".").split(".")) + b"\0"
    return struct.pack("!HHHHHH", msg_id, 0x0100, 1, 0, 0, 0) + wire + struct.pack("!HH", qtype, 1)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--server", required=True)
    p.add_argument("--port", type=int, default=53)
    p.add_argument("--name", required=True)
    p.add_argument("--qtype", type=int, default=1)
    p.add_argument("--rate", type=float, default=1000, help="queries per second")
    p.add_argument("--seconds", type=float, default=5)
    p.add_argument("--drain", type=float, default=1.0, help="seconds to wait for late responses")
    a = p.parse_args()
    total = int(a.rate * a.seconds)
    if total > 65536:
        raise SystemExit("at most 65536 queries per run (distinct message IDs)")
    family = socket.AF_INET6 if ":" in a.server else socket.AF_INET
    s = socket.socket(family, socket.SOCK_DGRAM)
    s.setblocking(False)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    s.connect((a.server, a.port))
    sel = selectors.DefaultSelector()
    sel.register(s, selectors.EVENT_READ)
    answered, rcodes, send_errors = set(), {}, 0
    start = time.monotonic()
    sent = 0

    def receive(timeout):
        for _ in sel.select(timeout):
            while True:
                try:
                    data = s.recv(4096)
                except (BlockingIOError, ConnectionRefusedError):
                    return
                if len(data) < 12:
                    continue
                msg_id, flags = struct.unpack("!HH", data[:4])
                if msg_id < sent and msg_id not in answered:
                    answered.add(msg_id)
                    rcode = str(flags & 0xF)
                    rcodes[rcode] = rcodes.get(rcode, 0) + 1

    while sent < total:
        due = start + sent / a.rate
        now = time.monotonic()
        if now < due:
            receive(due - now)
            continue
        try:
            s.send(query(sent, a.name, a.qtype))
        except OSError:
            send_errors += 1  # counted as sent: the test wants every query answered
        sent += 1
    end = time.monotonic() + a.drain
    while len(answered) < sent and time.monotonic() < end:
        receive(max(0.0, end - time.monotonic()))
    missing = sorted(set(range(sent)) - answered)
    print(json.dumps({"sent": sent, "answered": len(answered), "unanswered": len(missing),
                      "first_unanswered": missing[:10], "send_errors": send_errors, "rcodes": rcodes,
                      "seconds": round(time.monotonic() - start, 3)}))


if __name__ == "__main__":
    main()
