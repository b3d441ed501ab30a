#!/usr/bin/env python3
"""The soak's controller side: republishes GSLB hosts every few milliseconds through the
manifests source (one JSON List file per host: Gslb, its Ingress with the load balancer
addresses, Service, ready EndpointSlice), and logs every version it writes.

  churn_manifests.py DIR LOG --hosts 16 --interval-ms 5 --seconds 40 [--init-only]

Each step takes the next host (round robin, so a host changes every hosts x interval) and
changes its targets (1-6 addresses), removes it (the file is deleted: NXDOMAIN) or adds it
back. A file is written to a hidden temporary name and renamed over (IN_MOVED_TO), so the
daemon never reads half a file. LOG gets "<unix ns> <name> <answer>" just before the rename
or unlink, flushed, in the form tests/soak/soak_dns.h reduces responses to: the A addresses
sorted as strings and joined by ",", or NXDOMAIN. The first address of every version encodes
the host and a per-host version number, so no two versions of a name are equal and an answer
mixing two versions equals neither.
"""
import argparse
import json
import os
import random
import signal
import sys
import time

ZONE = "cloud.example.com"
NS = "soak"


def host_name(i):
    return f"h{i}.{ZONE}"


def manifest(i, addresses):
    name = f"h{i}"
    svc = f"app-{i}"
    return {"apiVersion": "v1", "kind": "List", "items": [
        {"apiVersion": "k8gb.absa.oss/v1beta1", "kind": "Gslb",
         "metadata": {"name": name, "namespace": NS},
         "spec": {"ingress": {"rules": [{"host": host_name(i), "http": {"paths": [
             {"path": "/", "pathType": "Prefix",
              "backend": {"service": {"name": svc, "port": {"name": "http"}}}}]}}]},
             "strategy": {"type": "roundRobin", "dnsTtlSeconds": 5}}},
        {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
         "metadata": {"name": name, "namespace": NS},
         "spec": {"rules": [{"host": host_name(i), "http": {"paths": [
             {"path": "/", "pathType": "Prefix",
              "backend": {"service": {"name": svc, "port": {"name": "http"}}}}]}}]},
         "status": {"loadBalancer": {"ingress": [{"ip": a} for a in addresses]}}},
        {"apiVersion": "v1", "kind": "Service", "metadata": {"name": svc, "namespace": NS},
         "spec": {"ports": [{"name": "http", "port": 80}]}},
        {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
         "metadata": {"name": f"{svc}-x", "namespace": NS,
                      "labels": {"kubernetes.io/service-name": svc}},
         "addressType": "IPv4",
         "endpoints": [{"addresses": ["192.168.0.1"], "conditions": {"ready": True}}]},
    ]}


class Churn:
    def __init__(self, directory, log_path, hosts, seed):
        self.dir = directory
        self.log = open(log_path, "a", buffering=1)
        self.hosts = hosts
        self.rng = random.Random(seed)
        self.version = [0] * hosts
        self.present = [False] * hosts
        self.writes = 0

    def _log(self, i, answer):
        self.log.write(f"{time.time_ns()} {host_name(i)} {answer}\n")
        self.log.flush()

    def write(self, i):
        self.version[i] += 1
        v = self.version[i]
        first = f"10.{i}.{(v >> 8) & 255}.{v & 255}"
        extra = {f"172.16.{self.rng.randrange(256)}.{self.rng.randrange(1, 255)}"
                 for _ in range(self.rng.randrange(6))}
        addresses = [first] + sorted(extra)
        path = os.path.join(self.dir, f"h{i}.json")
        tmp = os.path.join(self.dir, f".h{i}.json.tmp")
        with open(tmp, "w") as f:
            json.dump(manifest(i, addresses), f)
        self._log(i, ",".join(sorted(addresses)))
        os.rename(tmp, path)
        self.present[i] = True
        self.writes += 1

    def remove(self, i):
        self._log(i, "NXDOMAIN")
        os.unlink(os.path.join(self.dir, f"h{i}.json"))
        self.present[i] = False
        self.writes += 1

    def step(self, i):
        if self.present[i] and self.rng.random() < 0.15:
            self.remove(i)
        else:
            self.write(i)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("dir")
    p.add_argument("log")
    p.add_argument("--hosts", type=int, default=16)
    p.add_argument("--interval-ms", type=float, default=5)
    p.add_argument("--seconds", type=float, default=40)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--init-only", action="store_true", help="write every host once and exit")
    a = p.parse_args()
    churn = Churn(a.dir, a.log, a.hosts, a.seed)
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    if a.init_only:
        for i in range(a.hosts):
            churn.write(i)
        return 0
    # The initial versions were written by an --init-only run: continue their numbering.
    churn.version = [1] * a.hosts
    churn.present = [True] * a.hosts
    start = time.monotonic()
    step = 0
    while not stop and time.monotonic() - start < a.seconds:
        churn.step(step % a.hosts)
        step += 1
        # Paced by schedule, not by sleep after work: the rate holds under load.
        delay = start + step * a.interval_ms / 1000 - time.monotonic()
        if delay > 0:
            time.sleep(delay)
    elapsed = time.monotonic() - start
    print(f"writes={churn.writes} seconds={elapsed:.1f} rate={churn.writes / elapsed:.0f}/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
