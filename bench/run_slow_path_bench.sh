#!/usr/bin/env bash
# Slow path vs Knot DNS: dnsperf from the client namespace against xgslbd's userspace server and
# against Knot DNS (plain UDP, no XDP) serving the same zones, same query mix, same machine, same
# run, alternating servers between repetitions. Writes bench/results/slow_path.md.
#
# xgslbd runs tests/fixtures/knot_compare.yaml with `xdp.interfaces: []` (nothing attached, so
# every query reaches the slow path) on 10.77.0.2; `xgslbctl zone export` feeds knotd on 10.77.0.3
# in the same server namespace. Both get 2 worker threads (xgslbd dns.workers, knotd
# udp-workers). The query mix is bench/fixtures/slow_path_queries.txt (hot A/AAAA, NODATA,
# NXDOMAIN, apex SOA/NS, TXT, CNAME, wildcard, referral, REFUSED), sent with EDNS.
#
#   sudo bench/run_slow_path_bench.sh [BUILD_DIR]   default build/; DURATION=10 s, RUNS=3,
#                                                   CLIENTS=4, OUTSTANDING=100 per dnsperf run
set -euo pipefail
cd "$(dirname "$0")/.."
source tools/lib/netns.sh

build=${1:-build}
duration=${DURATION:-10}
runs=${RUNS:-3}
clients=${CLIENTS:-4}
outstanding=${OUTSTANDING:-100}
out=bench/results/slow_path.md
queries=bench/fixtures/slow_path_queries.txt
knot_v4=10.77.0.3

[[ $(id -u) == 0 ]] || { echo "run_slow_path_bench: needs root (namespaces)" >&2; exit 1; }
for tool in knotd dnsperf kdig; do
  command -v "$tool" >/dev/null || { echo "missing $tool (tools/install-deps.sh)" >&2; exit 1; }
done
((duration > 0 && duration <= 60 && runs > 0 && runs <= 10)) || { echo "DURATION 1-60, RUNS 1-10" >&2; exit 1; }
[[ -f $build/CMakeCache.txt ]] || cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" --target xgslbd xgslbctl xdp_pass_skel_gen -j"$(nproc)" >/dev/null

instance=bench-slow-path-$$
work=$(mktemp -d /tmp/xgslb-bench-slow-path.XXXXXX)
pids=()
bench_cleanup() {
  local pid
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  done
  rm -rf "/sys/fs/bpf/xgslb/$instance" "$work"
}
netns_on_exit bench_cleanup
netns_pair_create "$build/bpf/xdp_pass_skel/xdp_pass.bpf.o"
ip -n "$NS_SERVER" addr add "$knot_v4/24" dev "$IF_SERVER"

# ---- xgslbd: slow path only ---------------------------------------------------------------------
sed -e "s/^instance: .*/instance: $instance/" -e 's/^  interfaces: \[vs\]/  interfaces: []/' \
  -e 's/^  listen: .*/  listen: ["10.77.0.2:53"]\n  workers: 2/' tests/fixtures/knot_compare.yaml >"$work/xgslbd.yaml"
in_server_bg "$build/userspace/xgslbd" --config "$work/xgslbd.yaml" >"$work/xgslbd.log" 2>&1
xgslbd_pid=$SERVER_BG_PID
pids+=("$xgslbd_pid")
wait_for 15 grep -q 'xgslbd ready' "$work/xgslbd.log" || { cat "$work/xgslbd.log" >&2; exit 1; }
grep -q 'attached XDP' "$work/xgslbd.log" && { echo "XDP is attached: the run would not measure the slow path" >&2; exit 1; }

# ---- Knot DNS on the exported zones -------------------------------------------------------------
zones=(cloud.example.com short.example.org)
mkdir -p "$work/knot"
for zone in "${zones[@]}"; do "$build/tools/xgslbctl" --instance "$instance" zone export "$zone" >"$work/knot/$zone.zone"; done
cat >"$work/knot/knot.conf" <<CONF
server:
    rundir: "$work/knot"
    listen: $knot_v4@53
    udp-workers: 2
    tcp-workers: 1
    background-workers: 1
database:
    storage: "$work/knot"
log:
  - target: "$work/knot/knotd.log"
    any: warning
template:
  - id: default
    storage: "$work/knot"
    file: "%s.zone"
    zonefile-sync: -1
    journal-content: none
zone:
$(for zone in "${zones[@]}"; do echo "  - domain: $zone"; done)
CONF
in_server_bg knotd --config "$work/knot/knot.conf" >"$work/knotd.out" 2>&1
pids+=("$SERVER_BG_PID")
knot_ready() { in_client kdig +retry=0 +timeout=1 "@$knot_v4" cloud.example.com SOA | grep -q 'status: NOERROR'; }
wait_for 15 knot_ready || { cat "$work/knot/knotd.log" "$work/knotd.out" >&2; exit 1; }

# ---- the runs -----------------------------------------------------------------------------------
# One dnsperf run: its summary in $work/NAME.RUN.txt.
perf() {
  local name=$1 addr=$2 run=$3
  echo "run_slow_path_bench: $name, run $run of $runs (${duration}s)" >&2
  in_client dnsperf -s "$addr" -d "$queries" -l "$duration" -c "$clients" -T 1 -q "$outstanding" -e -t 2 \
    >"$work/$name.$run.txt" 2>&1
}
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
for run in $(seq 1 "$runs"); do
  if ((run % 2)); then perf xgslbd 10.77.0.2 "$run"; perf knot "$knot_v4" "$run"
  else perf knot "$knot_v4" "$run"; perf xgslbd 10.77.0.2 "$run"; fi
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
# The server's own totals (logged when it stops) show every query reached the slow path.
kill -TERM "$xgslbd_pid"
for _ in $(seq 100); do kill -0 "$xgslbd_pid" 2>/dev/null || break; sleep 0.1; done
server_totals=$(grep -o 'dns server: stopped.*' "$work/xgslbd.log" | sed 's/^dns server: stopped[:,]* *//' || echo "(not logged)")

# field NAME RUN: "qps avg_latency_ms lost sent"
field() {
  awk '/Queries sent:/ {sent=$3} /Queries lost:/ {lost=$3}
       /Queries per second:/ {qps=$4} /Average Latency \(s\):/ {lat=$4*1000}
       END {printf "%.0f %.3f %d %d\n", qps, lat, lost, sent}' "$work/$1.$2.txt"
}
# spread NAME COLUMN: "median (min–max)" over the runs.
spread() {
  local name=$1 col=$2 run
  for run in $(seq 1 "$runs"); do field "$name" "$run" | cut -d' ' -f"$col"; done | sort -g |
    awk '{v[NR]=$1} END {m = NR % 2 ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2; printf "%s (%s–%s)", m, v[1], v[NR]}'
}
rcodes() { grep -A1 'Response codes:' "$work/$1.1.txt" | head -1 | sed 's/.*Response codes: *//; s/ ([^)]*)//g'; }
median_qps() { for run in $(seq 1 "$runs"); do field "$1" "$run" | cut -d' ' -f1; done | sort -g | sed -n "$(((runs + 1) / 2))p"; }

ratio=$(awk -v a="$(median_qps xgslbd)" -v b="$(median_qps knot)" 'BEGIN {printf "%.2f", a / b}')
mkdir -p bench/results
{
  echo "# Slow path vs Knot DNS (dnsperf, UDP)"
  echo
  echo "Generated by \`sudo bench/run_slow_path_bench.sh $build\` (DURATION=$duration, RUNS=$runs, CLIENTS=$clients,"
  echo "OUTSTANDING=$outstanding). dnsperf $(dnsperf -h 2>&1 | awk '/^Version/ {print $2}') in the client namespace, over the veth pair of"
  echo "\`tools/lib/netns.sh\`, \`-c $clients -T 1 -q $outstanding -e -l $duration\`, query mix \`$queries\`"
  echo "($(wc -l <"$queries") queries in turn). xgslbd: \`xdp.interfaces: []\`, so every query is answered by the slow"
  echo "path (io_uring workers, dns.workers=2); Knot DNS $(knotd --version | awk '{print $NF}'): udp-workers 2, the zones from"
  echo "\`xgslbctl zone export\`. Servers alternate between repetitions; each cell: median (min–max) of $runs runs."
  echo
  echo "- Machine: $(uname -srm); $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //') × $(nproc)."
  echo "  **2 cores for everything:** dnsperf itself keeps about one busy, so each server gets roughly the other"
  echo "  one: the numbers compare the two servers on equal terms, not either one's ceiling."
  echo "- Load average (1/5/15 min) before: $load_before; after: $load_after"
  echo "- xgslbd's totals when it stopped: $server_totals"
  echo "- Date: $(date -u +%Y-%m-%dT%H:%M:%SZ); commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet HEAD -- userspace || echo ' (userspace/ modified)')"
  echo
  echo "| server | queries/s | average latency (ms) | lost | response codes (run 1) |"
  echo "|---|---|---|---|---|"
  for name in xgslbd knot; do
    lost=$(for run in $(seq 1 "$runs"); do field "$name" "$run" | cut -d' ' -f3; done | paste -sd+ | bc)
    label=$([[ $name == xgslbd ]] && echo "xgslbd slow path" || echo "Knot DNS (UDP)")
    echo "| $label | $(spread "$name" 1) | $(spread "$name" 2) | $lost | $(rcodes "$name") |"
  done
  echo
  echo "xgslbd / Knot DNS, median queries/s: **$ratio**."
  echo
  echo "## Every run"
  echo
  echo "| run | server | queries/s | average latency (ms) | lost | sent |"
  echo "|---|---|---|---|---|---|"
  for run in $(seq 1 "$runs"); do
    for name in xgslbd knot; do
      read -r qps lat lost sent < <(field "$name" "$run")
      echo "| $run | $name | $qps | $lat | $lost | $sent |"
    done
  done
} >"$out"
echo "run_slow_path_bench: wrote $out (xgslbd/knot = $ratio)" >&2
