#!/usr/bin/env python3
"""Time from an EndpointSlice file write to the XDP answer changing.

Run inside the client namespace. Each round rewrites the manifests file with the backend's
endpoints not ready (or ready again) and queries the host over UDP every ~0.2 ms until the
answer count flips; the time from the write (just before open) to the first flipped answer is
one sample. Prints one JSON object: samples in ms and their median, p90, min and max.

  flip_latency.py SERVER_IP HOST FILE READY_TEXT NOT_READY_TEXT ROUNDS
"""
import json
import os
import random
import socket
import statistics
import struct
import sys
import time


def query(name):
    qid = random.randrange(65536)
    msg = struct.pack(">HHHHHH", qid, 0x0100, 1, 0, 0, 0)
    for label in name.split("."):
        msg += bytes([len(label)]) + label.encode()
    return qid, msg + b"\x00" + struct.pack(">HH", 1, 1)


def ancount(sock, server, name):
    qid, msg = query(name)
    sock.sendto(msg, (server, 53))
    while True:
        try:
            data = sock.recv(4096)
        except socket.timeout:
            return None
        if len(data) >= 12 and struct.unpack(">H", data[:2])[0] == qid:
            return struct.unpack(">H", data[6:8])[0]


def write(path, text):
    with open(path, "w") as f:
        f.write(text)


def main():
    server, host, path, ready_file, not_ready_file, rounds = sys.argv[1:7]
    texts = {True: open(ready_file).read(), False: open(not_ready_file).read()}
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.settimeout(0.05)
    samples = []
    healthy = (ancount(sock, server, host) or 0) > 0
    for _ in range(int(rounds)):
        want_healthy = not healthy
        start = time.monotonic()
        write(path, texts[want_healthy])
        while True:
            n = ancount(sock, server, host)
            if n is not None and (n > 0) == want_healthy:
                break
            if time.monotonic() - start > 5:
                sys.exit("answer did not flip within 5 s")
            time.sleep(0.0002)
        samples.append((time.monotonic() - start) * 1000)
        healthy = want_healthy
        time.sleep(0.2 + random.random() * 0.1)  # settle; no phase lock with the debounce
    s = sorted(samples)
    print(json.dumps({"rounds": len(s), "median_ms": statistics.median(s), "p90_ms": s[int(len(s) * 0.9) - 1],
                      "min_ms": s[0], "max_ms": s[-1], "samples_ms": [round(x, 2) for x in samples]}))


if __name__ == "__main__":
    main()
