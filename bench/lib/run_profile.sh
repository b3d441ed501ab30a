# shellcheck shell=bash
# Sourced by bench/run_throughput.sh: where the time of one load run went, so a row that falls
# short of the ceiling says why. Every run: each CPU's busy and softirq share (/proc/stat; on
# veth the generator's frames, the responder's XDP program and the replies are all processed in
# softirq). With PROFILE=1 also each XDP program's CPU time per run (kernel bpf_stats:
# run_time_ns / run_cnt), on for the run only, because the two clock reads it adds per program
# run (~20-40 ns) slow every row.
#
#   profile_begin            before the generator starts
#   profile_end KEY OUT RAW SECONDS  after it ends (SECONDS: of sending, unless RAW says): appends "KEY<TAB>item<TAB>value" lines to OUT, items
#                            cpuN_busy_pct, cpuN_softirq_pct, udp_rcvbuf_drops (queries a
#                            kernel-stack server's socket buffer had no room for), query_octets and reply_octets
#                            (mean frame sizes) and generator_cpu_ns_per_query (its process's
#                            CPU time, sending only, per query sent), from xdp_dns_loadgen's
#                            output RAW; and with PROFILE=1
#                            prog_NAME_ns (ns per run) and prog_NAME_runs of the programs that
#                            ran (the generator's own are gone by then: xdp_dns_loadgen prints
#                            theirs, "prog NAME ns_per_run X runs N", in its output RAW)
#                            Per side (bench/lib/cpu_split.sh; thread CPU time, so other work on
#                            the machine is not in it): client_cpu_pct (the generator's process
#                            and the client end's NAPI kthread, per second of sending),
#                            server_cpu_pct (the server end's NAPI kthread, where an XDP
#                            responder runs in split mode, and the server's processes),
#                            server_cpu_ns_per_query (that, per frame the server end took in),
#                            server_ring_drops / client_ring_drops (frames lost because a veth
#                            end's 256-frame ring was full: the receiving side was late), and
#                            server_napi_cpu / client_napi_cpu (the CPU each NAPI kthread last
#                            ran on: the split is checked, not assumed; - in shared mode),
#                            server_threads_cpus (the CPU lists the server's threads may run on
#                            at the run's end, "/" between: split_pin_server checked);
#                            server_napi_wait_us (how long, on
#                            average, the server's NAPI kthread waited to run once woken) and
#                            server_napi_frames_per_run (frames it took in per run)
#                            generator_largest_call and generator_burst_pct (its most frames in
#                            one live-frames call, and the % of frames it sent in calls of more
#                            than the server's 256-frame ring: it fell behind and caught up;
#                            PACING=calls), generator_skipped_pct and generator_late_pct (of
#                            the frames due, skipped as too late; of those sent, sent more than
#                            one interval late; PACING=frames), generator_slot_max and
#                            generator_gap_p50_us (the most frames it sent in one 10 µs slot, and
#                            the median gap between frames, from its own send times) and
#                            generator_waited_pct (of the run, how long the generator was
#                            runnable but waiting for its CPU: other work, or the reply counter),
#                            generator_burst_slots_pct (% of frames sent in 10 µs slots holding
#                            more than max(4, 2 x the mean): bursts, tools/send_spacing.h)
#                            With IDLE_POLL (bench/lib/idle_poll.sh): idle_poll_cpuN_pct (the
#                            share of the run CPU N's spinner took: idle time, not in
#                            cpuN_busy_pct) and idle_poll_cpuN_ran_on (the CPU it last ran on)

PROFILE=${PROFILE:-0}
PROFILE_STATS_WAS=

profile_cpu_snapshot() { grep '^cpu[0-9]' /proc/stat; }

# "id name run_time_ns run_cnt" per loaded program (bpf_stats counts only while on).
profile_prog_snapshot() {
  bpftool -j prog show 2>/dev/null |
    jq -r '.[] | "\(.id) \(.name // "-") \(.run_time_ns // 0) \(.run_cnt // 0)"'
}

# The server namespace's UDP receive-buffer overflows: what the kernel-stack servers never saw.
profile_rcvbuf_errors() { in_server nstat -az UdpRcvbufErrors 2>/dev/null | awk '$1 == "UdpRcvbufErrors" {print $2}'; }

profile_begin() {
  PROFILE_IDLE_POLL_BEFORE=$(idle_poll_snapshot)
  PROFILE_SPLIT_BEFORE=$(split_snapshot)
  PROFILE_RCVBUF_BEFORE=$(profile_rcvbuf_errors)
  PROFILE_CPU_BEFORE=$(profile_cpu_snapshot)
  if ((PROFILE)); then
    PROFILE_STATS_WAS=$(sysctl -n kernel.bpf_stats_enabled)
    sysctl -q -w kernel.bpf_stats_enabled=1
    PROFILE_PROG_BEFORE=$(profile_prog_snapshot)
  fi
}

profile_end() {
  local key=$1 out=$2 raw=$3 seconds=$4 rcvbuf
  rcvbuf=$(profile_rcvbuf_errors)
  printf '%s\tudp_rcvbuf_drops\t%s\n' "$key" $(( ${rcvbuf:-0} - ${PROFILE_RCVBUF_BEFORE:-0} )) >>"$out"
  # /proc/stat cpuN: user nice system idle iowait irq softirq steal ... in USER_HZ ticks (10 ms).
  # The idle-poll spinners' time (bench/lib/idle_poll.sh) is idle time: subtracted from busy.
  local spin
  spin=$(join <(echo "$PROFILE_IDLE_POLL_BEFORE" | sort) <(idle_poll_snapshot | sort) |
    awk '{sub(/^idle_poll_/, "", $1); sub(/_ns$/, "", $1); printf "%s=%.0f ", $1, $3 - $2}')
  join <(echo "$PROFILE_CPU_BEFORE" | sort) <(profile_cpu_snapshot | sort) |
    awk -v k="$key" -v spin="$spin" '
      BEGIN {n = split(spin, a, " "); for (i = 1; i <= n; i++) {split(a[i], kv, "="); spun[kv[1]] = kv[2]}}
      {
      total = 0; for (i = 2; i <= 9; i++) total += $(i + 10) - $i
      idle = ($(5 + 10) - $5) + ($(6 + 10) - $6); soft = $(8 + 10) - $8
      busy = total - idle
      if ($1 in spun) {
        busy -= spun[$1] / 1e7; if (busy < 0) busy = 0
        if (total > 0) printf "%s\tidle_poll_%s_pct\t%.0f\n", k, $1, spun[$1] / 1e5 / total
      }
      if (total > 0) printf "%s\t%s_busy_pct\t%.0f\n%s\t%s_softirq_pct\t%.0f\n", k, $1, 100 * busy / total, k, $1, 100 * soft / total
    }' >>"$out"
  # Where each spinner ran: pinned, checked (tests/integration/throughput_smoke_test.sh).
  local cpu
  for cpu in "${!IDLE_POLL_PIDS[@]}"; do
    printf '%s\tidle_poll_cpu%s_ran_on\t%s\n' "$key" "$cpu" "$(split_last_cpu "${IDLE_POLL_PIDS[$cpu]}")" >>"$out"
  done
  profile_sides "$key" "$raw" "$seconds" >>"$out"
  awk -v k="$key" '$1 == "frame" && $2 == "octets:" {printf "%s\tquery_octets\t%s\n%s\treply_octets\t%s\n", k, $5, k, $8}
                   $1 == "generator" && $2 == "cpu:" {printf "%s\tgenerator_cpu_ns_per_query\t%s\n", k, $5; if ($(NF - 2) == "waited") waited = $(NF - 1)}
                   $1 == "duration:" {secs = $2}
                   $1 == "total" && $2 == "queries:" {sent = $3}
                   $1 == "pacing:" && $2 == "in" {skipped = $8; late = $16}
                   $1 == "pacing:" && $2 != "in" {largest = $5; burst = $7}
                   $1 == "spacing:" {slot_max = $9; gap_p50 = $17; burst_frames_pct = $(NF - 1)}
                   END {if (waited != "" && secs > 0) printf "%s\tgenerator_waited_pct\t%.0f\n", k, waited / (secs * 10)
                        if (largest != "") printf "%s\tgenerator_largest_call\t%s\n%s\tgenerator_burst_pct\t%.1f\n", k, largest, k, (sent ? 100 * burst / sent : 0)
                        if (skipped != "") printf "%s\tgenerator_skipped_pct\t%.2f\n%s\tgenerator_late_pct\t%.1f\n", k, (sent ? 100 * skipped / (sent + skipped) : 0), k, (sent ? 100 * late / sent : 0)
                        if (slot_max != "") printf "%s\tgenerator_slot_max\t%s\n%s\tgenerator_gap_p50_us\t%s\n%s\tgenerator_burst_slots_pct\t%s\n", k, slot_max, k, gap_p50, k, burst_frames_pct}' "$raw" >>"$out"
  if ((PROFILE)); then
    local after
    after=$(profile_prog_snapshot)
    sysctl -q -w kernel.bpf_stats_enabled="${PROFILE_STATS_WAS:-0}"
    # The responder's program (the one on the server end; other programs on this shared
    # machine are not ours): run time and count differences.
    local id
    id=$(ip -n "$NS_SERVER" -j link show "$IF_SERVER" | jq -r '.[0].xdp.prog.id // empty')
    [[ -z $id ]] || join <(echo "$PROFILE_PROG_BEFORE" | sort -k1,1) <(echo "$after" | sort -k1,1) |
      awk -v k="$key" -v id="$id" '$1 == id {t = $6 - $3; n = $7 - $4
        if (n > 0) printf "%s\tprog_responder_ns\t%.0f\n%s\tprog_responder_runs\t%d\n", k, t / n, k, n}' >>"$out"
    awk -v k="$key" '$1 == "prog" && $6 > 0 {printf "%s\tprog_%s_ns\t%s\n%s\tprog_%s_runs\t%s\n", k, $2, $4, k, $2, $6}' "$raw" >>"$out"
  fi
}

# The per-side items of profile_end: split_snapshot now against the one profile_begin took.
profile_sides() {
  local key=$1 raw=$2 secs
  # xdp_dns_loadgen says how long it sent; kxdpgun does not (and its CPU time is not known: 0).
  secs=$(awk '$1 == "duration:" {print $2}' "$raw")
  join <(echo "$PROFILE_SPLIT_BEFORE" | sort) <(split_snapshot | sort) |
    awk -v k="$key" -v sc="$(split_last_cpu "$SPLIT_NAPI_SERVER")" -v cc="$(split_last_cpu "$SPLIT_NAPI_CLIENT")" \
        -v scpus="$(split_server_cpus "$SERVER_PID")" \
        -v gen_ms="$(awk '$1 == "generator" && $2 == "cpu:" {print $3}' "$raw")" \
        -v secs="${secs:-$3}" '
      {d[$1] = $3 - $2}
      END {
        if (secs + 0 <= 0) exit
        server_ns = d["napi_server_ns"] + d["server_process_ns"]
        printf "%s\tclient_cpu_pct\t%.0f\n", k, (gen_ms * 1e6 + d["napi_client_ns"]) / (secs * 1e7)
        printf "%s\tserver_cpu_pct\t%.0f\n", k, server_ns / (secs * 1e7)
        if (d["server_rx_packets"] > 0) printf "%s\tserver_cpu_ns_per_query\t%.0f\n", k, server_ns / d["server_rx_packets"]
        printf "%s\tserver_ring_drops\t%.0f\n%s\tclient_ring_drops\t%.0f\n", k, d["server_ring_drops"] - d["server_xdp_drops"], k, d["client_ring_drops"]
        printf "%s\tserver_xdp_drops\t%.0f\n", k, d["server_xdp_drops"]
        if (d["napi_server_runs"] > 0) printf "%s\tserver_napi_wait_us\t%.1f\n%s\tserver_napi_frames_per_run\t%.1f\n", k, d["napi_server_wait_ns"] / d["napi_server_runs"] / 1000, k, d["server_rx_packets"] / d["napi_server_runs"]
        printf "%s\tserver_napi_cpu\t%s\n%s\tclient_napi_cpu\t%s\n", k, (sc == "" ? "-" : sc), k, (cc == "" ? "-" : cc)
        if (scpus != "") printf "%s\tserver_threads_cpus\t%s\n", k, scpus
      }'
}
