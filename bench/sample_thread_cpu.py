#!/usr/bin/env python3
"""CPU share of the throughput run's threads over a few seconds, from the scheduler's own
accounting (/proc/PID/task/TID/schedstat): the figures behind bench/lib/cpu_split.sh's receive
livelock (the server end's NAPI kthread against the server's workers).

    sudo chrt -f 90 bench/sample_thread_cpu.py [SECONDS]      (default 2)

Run it while bench/run_throughput.sh is loading the CPUs, at SCHED_FIFO above the NAPI kthreads
(50): at nice 0 it waits seconds for a CPU and samples after the run. Prints, per thread that
used at least 0.5 % of a CPU: its share of one CPU, how long it waited per time it ran once
woken, and how many times it ran. `perf record -e cpu-clock` is no substitute on this VM: its
samples land on tasks that make system calls (the idle-poll spinner got 68 % of them against
47 % of the scheduler's time)."""
import os
import sys
import time

NAMES = ('napi/', 'xgslb', 'knotd', 'nsd', 'python3', 'xdp_dns_loadgen', 'kxdpgun')


def snapshot():
    threads = {}
    for pid in filter(str.isdigit, os.listdir('/proc')):
        try:
            tids = os.listdir(f'/proc/{pid}/task')
        except OSError:
            continue
        for tid in tids:
            try:
                with open(f'/proc/{pid}/task/{tid}/comm') as f:
                    name = f.read().strip()
                if not name.startswith(NAMES):
                    continue
                with open(f'/proc/{pid}/task/{tid}/schedstat') as f:
                    ran_ns, waited_ns, runs = map(int, f.read().split())
                threads[tid] = (name, ran_ns, waited_ns, runs)
            except (OSError, ValueError):
                continue
    return threads


def main():
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 2.0
    before = snapshot()
    time.sleep(seconds)
    after = snapshot()
    for tid, (name, ran, waited, runs) in sorted(after.items(), key=lambda item: item[1][0]):
        if tid not in before:
            continue
        _, ran0, waited0, runs0 = before[tid]
        share = (ran - ran0) / (seconds * 1e7)
        if share < 0.5:
            continue
        n = runs - runs0
        wait_us = (waited - waited0) / n / 1000 if n else 0.0
        print(f'{tid:>8} {name:18} cpu%={share:5.1f} wait_us/run={wait_us:8.1f} runs={n}')


if __name__ == '__main__':
    main()
