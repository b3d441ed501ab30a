#!/usr/bin/env bash
# End-to-end throughput: a load generator in a client namespace against each responder in turn in a server
# namespace, over one veth pair: xgslb with XDP, xgslb's slow path alone, Knot DNS with its xdp
# section, Knot DNS over plain UDP, NSD, and an XDP UDP echo as the ceiling of the harness
# itself. Same zone (bench/fixtures/throughput.yaml, exported for Knot DNS and NSD), same query
# mix (bench/fixtures/throughput_queries.txt: hot A/AAAA, NODATA, NXDOMAIN, mixed case, 10 of 16
# with EDNS). Writes bench/results/throughput.md, throughput.tsv and three PNG plots (replies/s,
# answered % and latency percentiles against offered load, latency percentiles per server).
#
# MODES="split shared" (default; bench/lib/cpu_split.sh): "split" models two machines, the
# responder's receive path and processes on one CPU, the generator and its reply counter on the
# other, so a row shows whether the responder keeps up with what the generator offers; "shared"
# is one serial path in the generator's thread (on veth, without threaded NAPI, the responder's
# XDP program runs in the sender's softirq), so a row's rate is 1 / (the whole path's cost per
# query). Rows of the shared mode are named SERVER@shared. The sweep runs in the first mode.
#
# GENERATOR=xdp (default: tools/xdp_dns_loadgen, BPF_PROG_TEST_RUN live frames sent from inside
# the kernel, replies counted and timed by XDP: the only one that gives latency percentiles) or
# GENERATOR=kxdpgun (Knot's AF_XDP generator; its files are throughput_kxdpgun.*).
# bench/lib/load_generator.sh says why there are two.
#
#   sudo bench/run_throughput.sh [--smoke] [BUILD_DIR]     default build/
#     RUNS=3 repetitions at RATE offered queries/s (5000000 for xdp, 1000000 for kxdpgun: more
#     than either sends here, so each run is at the generator's maximum), DURATION=5 s each, in
#     each of MODES; servers and modes alternate within a repetition. Then one sweep per server
#     over SWEEP (offered q/s, DURATION each), in the first mode.
#     BATCH=64 frames per live-frames batch of the xdp generator (the responder only runs once a
#     batch is out: 256, the kernel's maximum, gave the echo a p50 of 98 µs instead of 24 and lost
#     0.05-0.4 % of frames at the responder's 256-frame veth ring, at the same rate);
#     SENDERS=1 threads making its live-frames calls (more: smaller bursts at paced rates, but
#     several CPUs sending at once; see tools/xdp_dns_loadgen.cpp);
#     LATENCY=0 turns its reply timing off (to see what timing costs: ~100 ns per query here);
#     PACING=frames (default): below its maximum rate its program sends each frame when it is
#     due, in long live-frames calls (see tools/xdp_dns_loadgen.cpp); PACING=calls: it sends a
#     call of PACE_FRAMES=128 frames (rate / 1000 above 128k q/s) whenever they are due, at full
#     speed, the older pacing; with either, CATCH_UP=256 frames at most when it fell behind (older
#     ones skipped); at RATE (flat out) calls are as large as it can make them.
#     IDLE_POLL=1 (default; 0: off): a SCHED_IDLE spinner on each CPU of the run keeps it from
#     halting when idle, for every server alike: bench/lib/idle_poll.sh says why.
#     GEN_SCHED=nice (default: nice -20; fifo: SCHED_FIFO 10): the paced generator's scheduling
#     in split mode (bench/lib/cpu_split.sh says why fifo is not the default).
#     PROFILE=1 also records, per run, the CPU time per packet of each XDP program (kernel
#     bpf_stats, which itself costs ~20-40 ns per program run: off by default) and each CPU's
#     busy and softirq share (/proc/stat): see bench/lib/run_profile.sh.
#     Then, per server after its sweep, the highest offered rate it answers in full: KNEE_STEPS=5
#     steps at most (0: none), bracketed by the sweep and bisected, >= KNEE_PCT=99.9 % answered
#     counting as full, KNEE_LOW=10000 q/s the lowest rate tried (see knee_search); a step is
#     KNEE_RUNS=3 runs at most, and passes when their median does (it stops once a majority agrees).
#     SERVERS="xgslb-xdp ..." picks a subset; OUT_DIR=bench/results.
#   --smoke: DURATION=2, RUNS=1, RATE=20000, no sweep, no knee, OUT_DIR a temp dir unless set; checks
#     only that each server answered (tests/integration/throughput_smoke_test.sh).
#
# Everything (servers, XDP attachments, pins, namespaces, the work dir) is removed on exit, on
# error and on Ctrl-C. Load is bounded: the generator runs DURATION seconds under a timeout.
set -euo pipefail
cd "$(dirname "$0")/.."

# The settings this run was given, for the command its report names (a rerun must be able to
# repeat it): every knob above that is set in the environment, in this order.
given_settings=""
for setting in GENERATOR MODES SERVERS RUNS DURATION RATE SWEEP KNEE_STEPS KNEE_RUNS KNEE_PCT KNEE_LOW \
               BATCH SENDERS LATENCY PACING PACE_FRAMES CATCH_UP IDLE_POLL GEN_SCHED PROFILE OUT_DIR; do
  [[ -z ${!setting+set} ]] || given_settings+=" $setting=${!setting@Q}"
done

GENERATOR=${GENERATOR:-xdp}
read -r -a modes <<<"${MODES:-split shared}"
for m in "${modes[@]}"; do
  [[ $m == split || $m == shared ]] || { echo "run_throughput: MODES holds split and/or shared" >&2; exit 1; }
done
[[ $GENERATOR == kxdpgun || $GENERATOR == xdp ]] || { echo "run_throughput: GENERATOR is kxdpgun or xdp" >&2; exit 1; }
smoke=0
if [[ ${1:-} == --smoke ]]; then smoke=1; shift; fi
BUILD=${1:-build}
knee_pct=${KNEE_PCT:-99.9} knee_low=${KNEE_LOW:-10000} knee_runs=${KNEE_RUNS:-3}
if ((smoke)); then
  duration=${DURATION:-2} runs=${RUNS:-1} rate=${RATE:-20000} sweep=${SWEEP:-} knee_steps=${KNEE_STEPS:-0}
  out_dir=${OUT_DIR:-$(mktemp -d /tmp/xgslb-throughput-smoke.XXXXXX)}
else
  duration=${DURATION:-5} runs=${RUNS:-3} knee_steps=${KNEE_STEPS:-5}
  if [[ $GENERATOR == xdp ]]; then  # it reaches ~600k q/s here: offer more, sweep further
    rate=${RATE:-5000000} sweep=${SWEEP-50000 100000 200000 400000 600000 800000 1000000 1200000}
  else
    rate=${RATE:-1000000} sweep=${SWEEP-25000 50000 100000 150000 200000 300000 500000}
  fi
  out_dir=${OUT_DIR:-bench/results}
fi
((duration > 0 && duration <= 30 && runs > 0 && runs <= 10 && rate > 0 && rate <= 10000000 && knee_steps >= 0 && knee_steps <= 10 &&
  knee_runs % 2 == 1 && knee_runs <= 5)) ||
  { echo "run_throughput: DURATION 1-30, RUNS 1-10, RATE 1-10M, KNEE_STEPS 0-10, KNEE_RUNS 1, 3 or 5" >&2; exit 1; }

[[ $(id -u) == 0 ]] || { echo "run_throughput: needs root (namespaces, XDP)" >&2; exit 1; }
name=throughput
if [[ $GENERATOR == kxdpgun ]]; then name=throughput_kxdpgun; fi
for tool in $([[ $GENERATOR == kxdpgun ]] && echo kxdpgun) knotd nsd kdig jq gnuplot; do
  command -v "$tool" >/dev/null || { echo "run_throughput: missing $tool (tools/install-deps.sh)" >&2; exit 1; }
done
[[ -f $BUILD/CMakeCache.txt ]] || cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$BUILD" --target xgslbd xgslbctl xdp_pass_skel_gen xdp_echo_udp_skel_gen \
  $([[ $GENERATOR == xdp ]] && echo xdp_dns_loadgen) -j"$(nproc)" >/dev/null

source tools/lib/netns.sh
source bench/lib/throughput_servers.sh
source bench/lib/load_generator.sh
GUN_FLAT_OUT=$rate
source bench/lib/cpu_split.sh
source bench/lib/run_profile.sh
source bench/lib/idle_poll.sh
read -r -a servers <<<"${SERVERS:-${THROUGHPUT_SERVERS[*]}}"
read -r -a sweep_rates <<<"$sweep"

QUERIES=bench/fixtures/throughput_queries.txt
PASS_OBJ=$BUILD/bpf/xdp_pass_skel/xdp_pass.bpf.o
ECHO_OBJ=$BUILD/bpf/xdp_echo_udp_skel/xdp_echo_udp.bpf.o
INSTANCE=bench-tp-$$-$RANDOM
WORK=$(mktemp -d /tmp/xgslb-throughput.XXXXXX)
mkdir -p "$out_dir"

throughput_cleanup() {
  # bpf_stats back as found, if a profiled run was interrupted.
  [[ -z $PROFILE_STATS_WAS ]] || sysctl -q -w kernel.bpf_stats_enabled="$PROFILE_STATS_WAS"
  server_stop
  split_off
  idle_poll_off
  rm -rf "$WORK"
}
netns_on_exit throughput_cleanup
netns_pair_create "$PASS_OBJ"
# Where the smoke test looks for leftovers once this script has exited.
if ((smoke)); then printf 'netns\t%s\t%s\ninstance\t%s\nwork\t%s\n' "$NS_SERVER" "$NS_CLIENT" "$INSTANCE" "$WORK" >"$out_dir/$name.resources"; fi
SERVER_MAC=$(ip -n "$NS_SERVER" -j link show "$IF_SERVER" | jq -r '.[0].address')
CLIENT_MAC=$(ip -n "$NS_CLIENT" -j link show "$IF_CLIENT" | jq -r '.[0].address')
# Static neighbours: the kernel-stack servers must not have to resolve a client whose veth end
# an AF_XDP program holds.
ip -n "$NS_SERVER" neigh replace "$CLIENT_V4" lladdr "$CLIENT_MAC" dev "$IF_SERVER" nud permanent
ip -n "$NS_CLIENT" neigh replace "$SERVER_V4" lladdr "$SERVER_MAC" dev "$IF_CLIENT" nud permanent
# Frames the server end receives are checksummed by kxdpgun, and the replies of the kernel
# stack servers carry complete checksums too (kxdpgun does not check them either way).
in_server ethtool -K "$IF_SERVER" tx off >/dev/null
# Frames the in-kernel generator sends arrive through veth's XDP transmit path, which needs NAPI
# on the server end: an XDP program enables it, GRO does for the kernel-stack servers.
if [[ $GENERATOR == xdp ]]; then in_server ethtool -K "$IF_SERVER" gro on >/dev/null; fi

server_export_zone
# From here to the end no CPU of the run halts when idle (IDLE_POLL, bench/lib/idle_poll.sh).
idle_poll_on

# ---- the runs ---------------------------------------------------------------------------------
total=$(( ${#servers[@]} * (runs * ${#modes[@]} + ${#sweep_rates[@]} + knee_steps * knee_runs) ))  # knee: at most
step=0
started=$SECONDS
progress() {
  step=$((step + 1))
  local eta=$(( step > 1 ? (SECONDS - started) * (total - step + 1) / (step - 1) : 0 ))
  printf '\rrun_throughput: %d/%d  %-10s %-22s  load %s  ~%ds left   ' "$step" "$total" "$1" "$2" \
    "$(cut -d' ' -f1 /proc/loadavg)" "$eta" >&2
}
tsv=$out_dir/$name.tsv
printf "kind\tserver\trun\toffered\t$GUN_SUMMARY_COLUMNS\n" >"$tsv"
profile_tsv=$out_dir/$name.profile.tsv
gen_log=$out_dir/$name.generator.log
: >"$gen_log"
printf 'kind\tserver\trun\toffered\titem\tvalue\n' >"$profile_tsv"
# The row name of SERVER in the current mode: SERVER in the first, SERVER@MODE in another.
row() { if [[ $mode == "${modes[0]}" ]]; then echo "$1"; else echo "$1@$mode"; fi; }
use_mode() {
  mode=$1
  if [[ $mode == split ]]; then split_on; else split_off; fi
}
measure() {  # KIND SERVER RUN RATE
  local raw=$WORK/gun.$1.$2.$3.$4.txt
  profile_begin
  gun_run "$4" "$duration" "$raw" || return 1
  profile_end "$1"$'\t'"$2"$'\t'"$3"$'\t'"$4" "$profile_tsv" "$raw" "$duration"
  printf '%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "$(gun_summary "$raw")" >>"$tsv"
  # The generator's own words, for what the summary leaves out (pacing, refused calls).
  { echo "== $1 $2 run $3 offered $4"; cat "$raw"; } >>"$gen_log"
}

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
for run in $(seq 1 "$runs"); do
  # Alternate the order so slow drift in the machine's load does not favour one server or mode.
  order=("${servers[@]}") mode_order=("${modes[@]}")
  if ((run % 2 == 0)); then
    mapfile -t order < <(printf '%s\n' "${servers[@]}" | tac)
    mapfile -t mode_order < <(printf '%s\n' "${modes[@]}" | tac)
  fi
  for m in "${mode_order[@]}"; do
    use_mode "$m"
    for server in "${order[@]}"; do
      progress "$(row "$server")" "run $run of $runs"
      server_start "$server"
      measure max "$(row "$server")" "$run" "$rate"
      server_stop
    done
  done
done
# The highest offered rate SERVER answers in full (>= KNEE_PCT % of what was sent), in the first
# mode, right after its sweep. One 5-s run is noisy here (a stall of the server's CPU by other
# work on this shared machine fails a rate it answers otherwise), so a step is up to KNEE_RUNS
# runs at one rate and passes when their median reaches KNEE_PCT: with 3, it stops after two
# that agree. Bracketed by the sweep (the highest rate that passed once, the lowest above it
# that failed; none failed: the generator flat out at RATE, and if that passes the generator is
# the limit); the lower bracket is checked first (failing: the next lower rate of the sweep that
# passed, or KNEE_LOW), then bisected geometrically; at most KNEE_STEPS steps ("knee" rows, run
# STEP.N). Only steps that passed count as the result (bench/throughput_report.sh).
knee_try() {  # SERVER STEP RATE: measures; true when the median of the step's runs >= KNEE_PCT; KNEE_SENT its last sent/s
  local n pass=0 fail=0
  for ((n = 1; n <= knee_runs; n++)); do
    progress "$1" "knee $3 q/s ($n)"
    measure knee "$1" "$2.$n" "$3" || { echo "run_throughput: $1 at $3 q/s: the generator failed" >&2; exit 1; }
    KNEE_SENT=$(tail -n 1 "$tsv" | cut -f6)
    if awk -v p="$(tail -n 1 "$tsv" | cut -f9)" -v t="$knee_pct" 'BEGIN {exit !(p >= t)}'; then pass=$((pass + 1)); else fail=$((fail + 1)); fi
    ((2 * pass > knee_runs || 2 * fail > knee_runs)) && break
  done
  ((2 * pass > knee_runs))
}
# The highest rate of SERVER's sweep below $2 that passed once; nothing when none did.
knee_lower_pass() {
  awk -F'\t' -v s="$1" -v t="$knee_pct" -v below="$2" 'NR > 1 && $1 == "sweep" && $2 == s && $9 >= t && $4 < below && $4 > best {best = $4}
    END {if (best) print best}' "$tsv"
}
knee_search() {
  local s=$1 lo hi mid kstep=0 lower  # not "step": progress() counts that one
  read -r lo hi < <(awk -F'\t' -v s="$s" -v t="$knee_pct" 'NR > 1 && $1 == "sweep" && $2 == s {r[NR] = $4; ok[NR] = ($9 >= t)}
    END {lo = 0; for (i in r) if (ok[i] && r[i] > lo) lo = r[i]
         hi = 0; for (i in r) if (!ok[i] && r[i] > lo && (hi == 0 || r[i] < hi)) hi = r[i]
         print lo, hi}' "$tsv")
  if ((lo == 0)); then
    lo=$knee_low
    if ((hi != 0 && hi <= lo)) || ! knee_try "$s" $((++kstep)) "$lo"; then return 0; fi  # not even the lowest
  else
    # The sweep's one run may have passed by luck: the lower bracket must pass as a step too.
    until knee_try "$s" $((++kstep)) "$lo"; do
      hi=$lo
      lower=$(knee_lower_pass "$s" "$lo")
      lo=${lower:-$knee_low}
      ((kstep < knee_steps && lo < hi)) || return 0
    done
  fi
  if ((hi == 0)); then
    ((kstep < knee_steps)) || return 0
    knee_try "$s" $((++kstep)) "$rate" && return 0  # the generator flat out, all answered
    hi=$(( KNEE_SENT > lo ? KNEE_SENT : lo ))
  fi
  while ((kstep < knee_steps && hi * 100 > lo * 103)); do
    mid=$(awk -v a="$lo" -v b="$hi" 'BEGIN {printf "%d", int(sqrt(a * b) / 1000 + 0.5) * 1000}')
    ((mid > lo && mid < hi)) || break
    if knee_try "$s" $((++kstep)) "$mid"; then lo=$mid; else hi=$mid; fi
  done
}

use_mode "${modes[0]}"
for server in "${servers[@]}"; do
  ((${#sweep_rates[@]} || knee_steps)) || break
  server_start "$server"
  for r in "${sweep_rates[@]}"; do
    progress "$server" "sweep $r q/s"
    measure sweep "$server" 1 "$r"
  done
  ((knee_steps == 0)) || knee_search "$server"
  server_stop
done
split_off
idle_poll_off
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
echo >&2

GEN_SCHED=${GEN_SCHED:-nice} BATCH=${BATCH:-64} KNEE_RUNS=$knee_runs PACING=${PACING:-frames} LOAD_BEFORE=$load_before LOAD_AFTER=$load_after IDLE_POLL=$IDLE_POLL CATCH_UP=${CATCH_UP:-256} KNEE_PCT=$knee_pct KNEE_STEPS=$knee_steps PACE_FRAMES=${PACE_FRAMES:-128} DURATION=$duration RUNS=$runs RATE=$rate SMOKE=$smoke MODES="${modes[*]}" \
  GENERATOR=$GENERATOR COMMAND="sudo$given_settings bench/run_throughput.sh$( ((smoke)) && echo ' --smoke') $BUILD" \
  bench/throughput_report.sh "$tsv" "$out_dir/$name"
echo "run_throughput: wrote $out_dir/$name.md" >&2
