# shellcheck shell=bash
# Sourced by bench/run_throughput.sh: keeps the run's CPUs from halting while it measures
# (IDLE_POLL=1, the default; IDLE_POLL=0 turns it off, IDLE_POLL_CPUS="0 1" by default: both
# sides of the split, bench/lib/cpu_split.sh).
#
# Why: this VM has no cpuidle driver (/sys/devices/system/cpu/cpuidle/current_driver: none), so
# an idle CPU executes HLT, and in this nested VM a halted vCPU wakes late. The server end's
# NAPI kthread (where an XDP responder runs in split mode) is woken for every batch of frames
# the generator sends; when its CPU had halted meanwhile, the 256-frame veth ring can fill before
# it runs, and queries are lost while the server's CPU is mostly idle (bench/results/
# throughput.md before this: the echo answered 82 % at 50k q/s). The generator sleeps between
# paced calls and wakes late the same way: measured with IDLE_POLL=0 against 1, interleaved
# (echo and xgslb, 3 s runs, load average 6-7), it sent 165-172k of 200k q/s offered (192-199k
# polled) and 377-434k of 600k (542-571k). A real NIC's interrupt does not wait for a halted
# vCPU, and keeping CPUs out of deep idle (idle=poll, busy polling, a cpu_dma_latency of 0) is
# the standard tuning of low-latency servers; here none of the kernel's knobs can do it at run
# time (no cpuidle driver, so writing 0 to /dev/cpu_dma_latency changes nothing: the idle loop
# only asks a driver; idle=poll is a boot option), so a process does. It does not help when
# the CPU is not idle: other work's kernel code (PREEMPT_NONE) still delays the NAPI kthread.
#
# How: one SCHED_IDLE process per CPU calling sched_yield() in a loop. Every other task runs
# before it: an RT task (the NAPI kthreads) preempts it at once; a fair-class task (the servers'
# processes, the generator) woken onto its CPU gets only a lazy reschedule on this kernel
# (PREEMPT_NONE with lazy preemption: honoured at the next tick, 4 ms at HZ=250), so the spinner
# yields on its own, some 10^5-10^6 times a second. Measured on CPU 1, overshoot of 1 ms sleeps
# at load average ~6.8 (/tmp wake test, 1500 sleeps each): a nice-0 task p50 / p90 88-89 /
# 120-125 us when the CPU halts, 111-1249 / 3706-4480 us beside a busy loop without system calls
# (the first version of this file: woken tasks waited for the tick), 74-85 / 209-1860 us beside
# this one; a SCHED_FIFO task 31-39 / 51-52 halting, 27-36 / 44-54 beside the busy loop, 32-35 /
# 53-87 beside this one (p99 116-251, 68-120 and 239-406: noisy). It takes only time the CPU would have spent idle. That time is idle
# time in the results: profile_end subtracts it from cpuN_busy_pct; the per-side figures count
# only the server's and the client's own threads, so it was never in them. The same spinners
# run for every server and mode.
#
#   idle_poll_on      starts the spinners (nothing when IDLE_POLL=0); their command line holds
#                     $WORK, so a check for processes left behind from the work dir finds them
#   idle_poll_off     stops them (also from the harness's exit trap)
#   idle_poll_snapshot  "idle_poll_cpuN_ns NS" per spinner: its CPU time so far
#   idle_poll_cpu PID   the CPU a spinner last ran on
IDLE_POLL=${IDLE_POLL:-1}
read -r -a IDLE_POLL_CPU_LIST <<<"${IDLE_POLL_CPUS:-0 1}"
declare -A IDLE_POLL_PIDS=()  # CPU -> pid

idle_poll_on() {
  local cpu
  ((IDLE_POLL)) || return 0
  ((${#IDLE_POLL_PIDS[@]} == 0)) || return 0  # already on
  for cpu in "${IDLE_POLL_CPU_LIST[@]}"; do
    # chrt and taskset exec their command: $! is the spinner itself; its first argument names
    # it. It checks every 10^5 yields that the harness ($$) still runs, so not even a SIGKILLed
    # harness leaves it spinning.
    chrt --idle 0 taskset -c "$cpu" python3 -c '
import os, sys
harness, n = int(sys.argv[2]), 0
while True:
    os.sched_yield()
    n += 1
    if n % 100000 == 0:
        try:
            os.kill(harness, 0)
        except OSError:
            break' "$WORK/idle-poll-cpu$cpu" "$$" &
    IDLE_POLL_PIDS[$cpu]=$!
  done
}

idle_poll_off() {
  local cpu pid
  for cpu in "${!IDLE_POLL_PIDS[@]}"; do
    pid=${IDLE_POLL_PIDS[$cpu]}
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  IDLE_POLL_PIDS=()
}

idle_poll_snapshot() {
  local cpu
  for cpu in "${!IDLE_POLL_PIDS[@]}"; do
    echo "idle_poll_cpu${cpu}_ns $(split_task_ns "${IDLE_POLL_PIDS[$cpu]}")"
  done
}
