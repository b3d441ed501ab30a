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
# throughput.md, before this: the echo answered 82 % at 50k q/s). A real NIC's interrupt does not
# wait for a halted vCPU, and keeping CPUs out of deep idle (idle=poll, busy polling, a
# cpu_dma_latency of 0) is the standard tuning of low-latency servers; here none of the kernel's
# knobs can do it at run time (no cpuidle driver to obey cpu_dma_latency; idle=poll is a boot
# option), so a process does.
#
# How: one SCHED_IDLE shell loop per CPU, spinning in user mode (one system call per ~0.1 s). Every
# other task preempts it as soon as it wakes (a SCHED_IDLE task loses every wakeup preemption
# check, and user mode is preemptible even on this PREEMPT_NONE kernel), so it takes only
# time the CPU would have spent idle. That time is idle time in the results: profile_end
# subtracts it from cpuN_busy_pct; the per-side figures count only the server's and the client's
# own threads, so it was never in them. The same spinners run for every server and mode.
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
    # chrt and taskset exec their command: $! is the spinning shell itself. $0 names it. It
    # checks every ~0.1 s that the harness ($1) still runs, so not even a SIGKILLed harness
    # leaves it spinning.
    chrt --idle 0 taskset -c "$cpu" sh -c \
      'while kill -0 "$1" 2>/dev/null; do i=0; while [ $i -lt 20000 ]; do i=$((i + 1)); done; done' \
      "$WORK/idle-poll-cpu$cpu" "$$" &
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
