# shellcheck shell=bash
# Sourced by bench/run_throughput.sh: the "split" mode, two machines modelled on one. In reality
# a load generator and a DNS server each have their own CPUs; on one veth pair, by default, the
# whole path (the generator's live-frames call, the responder's XDP program, the reply counter)
# runs serially in the generator's thread, so a row's rate is 1 / (sum of all per-query costs).
# Split mode gives each side one CPU of its own:
#   server CPU (SPLIT_SERVER_CPU, 1): the server end's NAPI (threaded: a kthread, where the
#     responder's XDP program and the kernel's receive path run) and the server's processes;
#   client CPU (SPLIT_CLIENT_CPU, 0): the generator and the client end's NAPI kthread (the reply
#     counter).
# The NAPI kthreads run SCHED_FIFO (as softirq preempts tasks on a real machine: a NIC's receive
# work does not wait behind other engineers' compilers on this shared one); the generator and
# the servers run at nice -20 for the same reason. GEN_SCHED=fifo runs the paced generator (below
# its maximum rate) SCHED_FIFO at priority 10 instead, below the NAPI kthreads
# (SPLIT_CLIENT_PACED_WRAP): paced per frame (PACING=frames) it never sleeps, and at nice -20
# other work takes its CPU for long stretches on a loaded machine (measured interleaved with
# the echo and xgslb at 400k and 800k q/s, load average 5-8: it sent 62-98 % of what was offered
# at nice -20, 95-96 % as SCHED_FIFO; 0.4-1.4 % of frames in bursts against 2-17 %). Not the
# default: a SCHED_FIFO loop starves CPU 0's fair-class threads, and the kernel-stack and AF_XDP
# servers then lost most queries even at 10-50k q/s (Knot DNS XDP 0.9 % answered at 50k against
# 100 % at nice -20, the same minutes). Much of that was Knot DNS's worker on CPU 0 (see
# split_pin_server): with every server thread on CPU 1, GEN_SCHED=fifo at 50k q/s gave Knot DNS
# XDP and xgslb's slow path 100 %, but Knot DNS UDP still 38.9 % (99.4 % at nice -20; why is not
# known). So, as on a real machine, a kernel-stack server's receive path (GRO, UDP) preempts
# the server's own workers: under overload it takes the CPU they need (receive livelock; a real
# kernel would hand over to ksoftirqd after 2 ms). Measured (bench/sample_thread_cpu.py, xgslb's
# slow path, 200k q/s offered, four runs): the NAPI kthread took 82-94 % of CPU 1 and the two
# workers 6-7 %; with the workers stopped (SIGSTOP) it still took 53 % to receive the frames
# and drop them at the full socket, so from ~400k q/s the receive path alone fills the CPU and
# every kernel-stack server answers almost nothing. The NAPI kthreads at nice -20 instead of SCHED_FIFO changed little (the slow
# path 4.6k replies/s at the maximum against 5.5k, Knot DNS UDP 1.8k against 0.4k).
# Threaded NAPI needs NAPI on the veth ends whether or not XDP is attached (GRO on), so the
# kthreads survive the harness's XDP attach/detach between runs; they go with the veth pair.
#
#   split_on       threaded NAPI on both ends, kthreads pinned; SPLIT_SERVER_WRAP and
#                  SPLIT_CLIENT_WRAP become the command prefixes that pin a process to its side
#                  (SPLIT_CLIENT_PACED_WRAP: the generator's below its maximum rate)
#   split_off      back to one path in the generator's thread (the "shared" mode)
#   split_pin_server PID  every thread of the server's processes onto the server CPU, again:
#                  Knot DNS spreads its workers over the CPUs itself (sched_setaffinity),
#                  undoing the taskset it started under: one of its two UDP workers was
#                  allowed only CPU 0, the generator's (2 of 8 s of CPU time there, and the
#                  generator got 72 % of its CPU instead of 100)
#   split_server_cpus PID the CPU lists its threads may run on, "/" between ("1": all on CPU 1)
#   split_snapshot per-run accounting: "name cpu_ns" lines for each NAPI kthread (and the
#                  server's processes, SERVER_PID and its children), plus the veth ends'
#                  receive drops
SPLIT_SERVER_CPU=${SPLIT_SERVER_CPU:-1}
SPLIT_CLIENT_CPU=${SPLIT_CLIENT_CPU:-0}
SPLIT_NAPI_SERVER= SPLIT_NAPI_CLIENT=
SPLIT_SERVER_WRAP=() SPLIT_CLIENT_WRAP=() SPLIT_CLIENT_PACED_WRAP=()

# The NAPI kthreads of interfaces named $1: "napi/<dev>-<napi id>". Other namespaces may have
# interfaces of the same name, so split_on takes the ones that appear when it switches threaded
# NAPI on in ours.
split_napi_threads() { pgrep -x "napi/$1-[0-9]+" | sort || true; }

split_threaded() {  # NS DEV 0|1 (sysfs of the namespace: ip netns exec mounts it, nsenter does not)
  ip netns exec "$1" sh -c "echo $3 > /sys/class/net/$2/threaded"
}

split_on() {
  local before
  [[ -z $SPLIT_NAPI_SERVER ]] || return 0  # already on
  in_server ethtool -K "$IF_SERVER" gro on >/dev/null
  in_client ethtool -K "$IF_CLIENT" gro on >/dev/null
  before=$(split_napi_threads "$IF_SERVER")
  split_threaded "$NS_SERVER" "$IF_SERVER" 1
  SPLIT_NAPI_SERVER=$(comm -13 <(echo "$before") <(split_napi_threads "$IF_SERVER"))
  before=$(split_napi_threads "$IF_CLIENT")
  split_threaded "$NS_CLIENT" "$IF_CLIENT" 1
  SPLIT_NAPI_CLIENT=$(comm -13 <(echo "$before") <(split_napi_threads "$IF_CLIENT"))
  [[ $SPLIT_NAPI_SERVER =~ ^[0-9]+$ && $SPLIT_NAPI_CLIENT =~ ^[0-9]+$ ]] ||
    { echo "split mode: expected one new NAPI kthread per veth end, got '$SPLIT_NAPI_SERVER' / '$SPLIT_NAPI_CLIENT'" >&2; return 1; }
  taskset -pc "$SPLIT_SERVER_CPU" "$SPLIT_NAPI_SERVER" >/dev/null
  taskset -pc "$SPLIT_CLIENT_CPU" "$SPLIT_NAPI_CLIENT" >/dev/null
  chrt -f -p 50 "$SPLIT_NAPI_SERVER"
  chrt -f -p 50 "$SPLIT_NAPI_CLIENT"
  SPLIT_SERVER_WRAP=(taskset -c "$SPLIT_SERVER_CPU" nice -n -20)
  SPLIT_CLIENT_WRAP=(taskset -c "$SPLIT_CLIENT_CPU" nice -n -20)
  if [[ ${GEN_SCHED:-nice} == fifo ]]; then
    SPLIT_CLIENT_PACED_WRAP=(taskset -c "$SPLIT_CLIENT_CPU" chrt -f 10)
  else
    SPLIT_CLIENT_PACED_WRAP=("${SPLIT_CLIENT_WRAP[@]}")
  fi
}

split_off() {
  if [[ -n $SPLIT_NAPI_SERVER ]]; then split_threaded "$NS_SERVER" "$IF_SERVER" 0; fi
  if [[ -n $SPLIT_NAPI_CLIENT ]]; then split_threaded "$NS_CLIENT" "$IF_CLIENT" 0; fi
  SPLIT_NAPI_SERVER= SPLIT_NAPI_CLIENT=
  SPLIT_SERVER_WRAP=() SPLIT_CLIENT_WRAP=() SPLIT_CLIENT_PACED_WRAP=()
}

# A process and its descendants (NSD forks its servers), one PID a line.
split_process_tree() {
  local child
  [[ -n $1 && -d /proc/$1 ]] || return 0
  echo "$1"
  for child in $(pgrep -P "$1" || true); do split_process_tree "$child"; done
}

split_pin_server() {
  local pid
  [[ -n $SPLIT_NAPI_SERVER ]] || return 0
  for pid in $(split_process_tree "$1"); do taskset -apc "$SPLIT_SERVER_CPU" "$pid" >/dev/null; done
}

split_server_cpus() {
  local pid
  for pid in $(split_process_tree "$1"); do
    awk '$1 == "Cpus_allowed_list:" {print $2}' /proc/"$pid"/task/*/status 2>/dev/null
  done | sort -u | paste -sd'/'
}

# CPU time (ns) of every thread of a process and its descendants, 0 when it is gone. %.0f:
# mawk's %d stops at 2^31 (2.1 s of CPU time).
split_task_ns() {
  local pid
  for pid in $(split_process_tree "$1"); do cat /proc/"$pid"/task/*/schedstat 2>/dev/null; done |
    awk '{t += $1} END {printf "%.0f\n", t}'
}

# The CPU a thread last ran on (/proc/PID/stat field 39; the name field has no spaces here).
split_last_cpu() {
  if [[ -n $1 && -r /proc/$1/stat ]]; then awk '{print $39}' /proc/"$1"/stat; else echo -; fi
}

split_rx_dropped() { ip -n "$1" -j -s link show "$2" | jq -r '.[0].stats64.rx.dropped'; }

# Time a thread waited to run after it was woken (ns), and how many times it ran: their ratio is
# how late the server's NAPI kthread was, on average, when frames arrived.
split_task_waits() {
  if [[ -n $1 && -r /proc/$1/schedstat ]]; then awk '{printf "%.0f %.0f\n", $2, $3}' /proc/"$1"/schedstat; else echo "0 0"; fi
}

split_snapshot() {
  local waits
  read -r -a waits < <(split_task_waits "$SPLIT_NAPI_SERVER")
  echo "napi_server_wait_ns ${waits[0]}"
  echo "napi_server_runs ${waits[1]}"
  echo "napi_server_ns $(split_task_ns "$SPLIT_NAPI_SERVER")"
  echo "napi_client_ns $(split_task_ns "$SPLIT_NAPI_CLIENT")"
  echo "server_process_ns $(split_task_ns "$SERVER_PID")"
  echo "server_ring_drops $(split_rx_dropped "$NS_SERVER" "$IF_SERVER")"
  echo "client_ring_drops $(split_rx_dropped "$NS_CLIENT" "$IF_CLIENT")"
  echo "server_rx_packets $(ip -n "$NS_SERVER" -j -s link show "$IF_SERVER" | jq -r '.[0].stats64.rx.packets')"
  # Frames the responder's XDP program dropped, or redirected nowhere (an AF_XDP ring was full).
  echo "server_xdp_drops $(in_server ethtool -S "$IF_SERVER" | awk '$1 == "rx_queue_0_xdp_drops:" {print $2}')"
}
