#!/usr/bin/env python3
"""A DNS "server" that answers every UDP query with garbage, for the peer fault test
(fault_peer_garbage_test.sh). The kind of garbage is read from MODE_FILE at every query, so a
test switches it without restarting:

  wrong-id   a well-formed response whose ID is not the query's
  malformed  right ID and question, then an answer record cut off in the middle
  truncated  TC=1 and no records (a client retries over TCP: nothing listens there)
  random     random octets of the query's length
  silent     no response

It binds with SO_REUSEPORT, so it can be started beside a running xgslbd on the same address
and takes over the moment that one stops: no gap of plain silence between good and garbage.
Prints "listening" once bound.

  garbage_dns_server.py MODE_FILE PORT ADDRESS...
"""
import os
import select
import socket
import struct
import sys


def question_end(q):
    pos = 12
    while pos < len(q) and q[pos] != 0:
        pos += q[pos] + 1
    return pos + 1 + 4


def respond(q, mode):
    qid, = struct.unpack("!H", q[:2])
    question = q[12:question_end(q)]
    if mode == "wrong-id":
        return struct.pack("!HHHHHH", qid ^ 0x5A5A, 0x8400, 1, 0, 0, 0) + question
    if mode == "malformed":
        # One answer announced; the record stops after its name pointer and part of its type.
        return struct.pack("!HHHHHH", qid, 0x8400, 1, 1, 0, 0) + question + b"\xc0\x0c\x00"
    if mode == "truncated":
        return struct.pack("!HHHHHH", qid, 0x8600, 1, 0, 0, 0) + question
    if mode == "random":
        return os.urandom(len(q))
    return None


def main():
    mode_file, port, addresses = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
    sockets = []
    for address in addresses:
        family = socket.AF_INET6 if ":" in address else socket.AF_INET
        s = socket.socket(family, socket.SOCK_DGRAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        s.bind((address, port))
        sockets.append(s)
    print("listening", flush=True)
    while True:
        for s in select.select(sockets, [], [])[0]:
            q, client = s.recvfrom(4096)
            if len(q) < 12:
                continue
            with open(mode_file) as f:
                mode = f.read().strip()
            r = respond(q, mode)
            if r is not None:
                s.sendto(r, client)


if __name__ == "__main__":
    main()
