# shellcheck shell=bash
# Sourced by bench/run_throughput.sh: where the time of one load run went, so a row that falls
# short of the ceiling says why. Every run: each CPU's busy and softirq share (/proc/stat; on
# veth the generator's frames, the responder's XDP program and the replies are all processed in
# softirq). With PROFILE=1 also each XDP program's CPU time per run (kernel bpf_stats:
# run_time_ns / run_cnt), on for the run only, because the two clock reads it adds per program
# run (~20-40 ns) slow every row.
#
#   profile_begin            before the generator starts
#   profile_end KEY OUT RAW  after it ends: appends "KEY<TAB>item<TAB>value" lines to OUT, items
#                            cpuN_busy_pct, cpuN_softirq_pct, udp_rcvbuf_drops (queries a
#                            kernel-stack server's socket buffer had no room for), query_octets and reply_octets
#                            (mean frame sizes) and generator_cpu_ns_per_query (its process's
#                            CPU time, sending only, per query sent), from xdp_dns_loadgen's
#                            output RAW; and with PROFILE=1
#                            prog_NAME_ns (ns per run) and prog_NAME_runs of the programs that
#                            ran (the generator's own are gone by then: xdp_dns_loadgen prints
#                            theirs, "prog NAME ns_per_run X runs N", in its output RAW)

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
  PROFILE_RCVBUF_BEFORE=$(profile_rcvbuf_errors)
  PROFILE_CPU_BEFORE=$(profile_cpu_snapshot)
  if ((PROFILE)); then
    PROFILE_STATS_WAS=$(sysctl -n kernel.bpf_stats_enabled)
    sysctl -q -w kernel.bpf_stats_enabled=1
    PROFILE_PROG_BEFORE=$(profile_prog_snapshot)
  fi
}

profile_end() {
  local key=$1 out=$2 raw=$3 rcvbuf
  rcvbuf=$(profile_rcvbuf_errors)
  printf '%s\tudp_rcvbuf_drops\t%s\n' "$key" $(( ${rcvbuf:-0} - ${PROFILE_RCVBUF_BEFORE:-0} )) >>"$out"
  # /proc/stat cpuN: user nice system idle iowait irq softirq steal ...
  join <(echo "$PROFILE_CPU_BEFORE" | sort) <(profile_cpu_snapshot | sort) |
    awk -v k="$key" '{
      total = 0; for (i = 2; i <= 9; i++) total += $(i + 10) - $i
      idle = ($(5 + 10) - $5) + ($(6 + 10) - $6); soft = $(8 + 10) - $8
      if (total > 0) printf "%s\t%s_busy_pct\t%.0f\n%s\t%s_softirq_pct\t%.0f\n", k, $1, 100 * (total - idle) / total, k, $1, 100 * soft / total
    }' >>"$out"
  awk -v k="$key" '$1 == "frame" && $2 == "octets:" {printf "%s\tquery_octets\t%s\n%s\treply_octets\t%s\n", k, $5, k, $8}
                   $1 == "generator" && $2 == "cpu:" {printf "%s\tgenerator_cpu_ns_per_query\t%s\n", k, $5}' "$raw" >>"$out"
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
