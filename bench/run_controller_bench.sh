#!/usr/bin/env bash
# The controller's two numbers (issue 4), with xgslbd on a veth in a namespace pair:
#   1. flip latency: from the write of a manifests file that makes an EndpointSlice's endpoints
#      not ready (or ready again) to the XDP answer for the host changing, seen by UDP queries
#      from the client namespace every ~0.2 ms (bench/controller/flip_latency.py). ROUNDS=40.
#   2. cold start: xgslbd started on a directory of HOSTS=100000 GSLB hosts (1000 Gslbs,
#      bench/controller/make_hosts.py, FORMAT=json|yaml); time from exec to the publish of the
#      hosts, the daemon's CPU time (user + system, from /proc: what the machine's load does not
#      inflate) at that moment, the model loop's and the manifests source's own timings, and the
#      daemon's VmHWM and VmRSS.
#
#   The back half of the cold start alone (build_view -> map contents -> BPF maps, no manifests,
#   no controller) is bench/controller/cold_publish: sudo BUILD_DIR/bench/cold_publish.
#
#   sudo bench/run_controller_bench.sh [BUILD_DIR]      prints the results
#   PARTS="flip scale" (default both); PERF=FILE records the cold start with `perf record -g`;
#   SCALE_DIR=DIR reuses (or keeps) the cold start's manifests; SKIP_BUILD=1 takes BUILD_DIR's
#   userspace/xgslbd, tools/xgslbctl and bpf/xdp_pass_skel/xdp_pass.bpf.o as they are.
set -euo pipefail
cd "$(dirname "$0")/.."
source tools/lib/netns.sh

build=${1:-build}
rounds=${ROUNDS:-40}
hosts=${HOSTS:-100000}
format=${FORMAT:-json}  # of the cold-start manifests: json (nlohmann) or yaml (yaml-cpp)
parts=${PARTS:-flip scale}
perf_data=${PERF:-}
[[ $(id -u) == 0 ]] || { echo "run_controller_bench: needs root (namespaces, XDP)" >&2; exit 1; }
# SKIP_BUILD=1: BUILD_DIR only holds the binaries (e.g. another branch's, to compare against).
if [[ -z ${SKIP_BUILD:-} ]]; then
  [[ -f $build/CMakeCache.txt ]] || cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  cmake --build "$build" --target xgslbd xgslbctl xdp_pass_skel_gen -j"$(nproc)" >/dev/null
fi

instance=bench-controller-$$
work=$(mktemp -d /tmp/xgslb-bench-controller.XXXXXX)
pid=
stop_daemon() {
  [[ -n $pid ]] || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  pid=
}
bench_cleanup() {
  stop_daemon
  rm -rf "/sys/fs/bpf/xgslb/$instance" "/sys/fs/bpf/xgslb/$instance-scale" "$work"
}
netns_on_exit bench_cleanup
netns_pair_create "$build/bpf/xdp_pass_skel/xdp_pass.bpf.o"

config() {  # INSTANCE MANIFESTS_DIR [XDP_EXTRA]
  cat <<CONF
instance: $1
geoTag: eu
zones: [{zone: cloud.example.com}]
xdp: {interfaces: [$IF_SERVER], mode: native${3:-}}
dns: {listen: ["$SERVER_V4:53"], workers: 1}
source: {manifests: $2, resyncSeconds: 3600}
CONF
}

# ---- 1. EndpointSlice write -> XDP answer ------------------------------------------------------
if [[ " $parts " == *" flip "* ]]; then
m=$work/flip
mkdir "$m"
cp tests/fixtures/k8gb/*.yaml tests/fixtures/controller/cluster.yaml "$m/"
cp tests/fixtures/controller/cluster.yaml "$work/ready.yaml"
sed -e 's/conditions: {ready: true}/conditions: {ready: false}/' -e 's/conditions: {}/conditions: {ready: false}/' \
  "$work/ready.yaml" >"$work/not_ready.yaml"
config "$instance" "$m" >"$work/flip.yaml"
in_server_bg "$build/userspace/xgslbd" --config "$work/flip.yaml" >"$work/flip.log" 2>&1
pid=$SERVER_BG_PID
wait_for 15 grep -q 'xgslbd ready' "$work/flip.log" || { cat "$work/flip.log" >&2; exit 1; }
before=$("$build/tools/xgslbctl" --instance "$instance" -o json stats | jq -c .counters)
flip=$(in_client python3 bench/controller/flip_latency.py "$SERVER_V4" roundrobin.cloud.example.com "$m/cluster.yaml" \
  "$work/ready.yaml" "$work/not_ready.yaml" "$rounds")
after=$("$build/tools/xgslbctl" --instance "$instance" -o json stats | jq -c .counters)
xdp_answers=$(jq -n --argjson a "$before" --argjson b "$after" '($b.answered_a - $a.answered_a) + ($b.answered_nxdomain - $a.answered_nxdomain) + ($b.answered_nodata - $a.answered_nodata)')
steps=$(grep -oE 'model: hosts=.*' "$work/flip.log" | tail -n "$rounds" |
  awk '{for(i=1;i<=NF;i++){split($i,kv,"="); if(kv[1]=="controller_us")c+=kv[2]; if(kv[1]=="view_us")v+=kv[2]; if(kv[1]=="publish_us")p+=kv[2]}; n++} END {printf "controller %.0f us, view %.0f us, publish %.0f us (means of %d steps)", c/n, v/n, p/n, n}')
stop_daemon
echo "flip: $flip"
echo "flip: queries answered by XDP during the run: $xdp_answers; model loop per change: $steps"
fi

# ---- 2. cold start with $hosts hosts ----------------------------------------------------------
[[ " $parts " == *" scale "* ]] || exit 0
# SCALE_DIR: reuse a directory make_hosts.py wrote before (writing one takes a while).
m=${SCALE_DIR:-$work/scale}
[[ -d $m ]] || python3 bench/controller/make_hosts.py "$m" "$hosts" "$format"
config "$instance-scale" "$m" ", maxNames: $((hosts * 2 + 1024)), maxRrsets: $((hosts * 2 + 1024))" >"$work/scale.yaml"
sync
echo "scale: load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
start_ns=$(date +%s%N)
if [[ -n $perf_data ]]; then
  in_server_bg perf record -q -F 499 -g -o "$perf_data" -- "$build/userspace/xgslbd" --config "$work/scale.yaml" >"$work/scale.log" 2>&1
  perf_pid=$SERVER_BG_PID
  until pid=$(pgrep -P "$perf_pid" -x xgslbd); do sleep 0.01; done
else
  in_server_bg "$build/userspace/xgslbd" --config "$work/scale.yaml" >"$work/scale.log" 2>&1
  pid=$SERVER_BG_PID
fi
until grep -qE 'model: hosts=[1-9]' "$work/scale.log"; do
  kill -0 "$pid" 2>/dev/null || { cat "$work/scale.log" >&2; exit 1; }
  sleep 0.01
done
published_ms=$(( ($(date +%s%N) - start_ns) / 1000000 ))
# utime + stime of every thread so far (fields 14, 15 of /proc/PID/stat, in clock ticks).
cpu_ms=$(awk -v hz="$(getconf CLK_TCK)" '{print int(($14 + $15) * 1000 / hz)}' "/proc/$pid/stat")
wait_for 60 grep -q 'xgslbd ready' "$work/scale.log" || { cat "$work/scale.log" >&2; exit 1; }
hwm=$(awk '/VmHWM/ {print $2 " " $3}' "/proc/$pid/status")
rss=$(awk '/VmRSS/ {print $2 " " $3}' "/proc/$pid/status")
answer=$(in_client kdig +retry=0 +timeout=2 +short "@$SERVER_V4" "h$((hosts - 1)).cloud.example.com" A | tr '\n' ' ')
echo "scale: hosts=$hosts ($format) exec->publish of the hosts ${published_ms} ms (daemon CPU ${cpu_ms} ms); VmHWM $hwm, VmRSS $rss; h$((hosts - 1)) A -> $answer"
echo "scale: load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
grep -E 'manifests: [0-9]+ files|model: hosts=|published zones=' "$work/scale.log" | sed 's/^/scale: /'
if [[ -n $perf_data ]]; then
  stop_daemon
  wait "$perf_pid" 2>/dev/null || true
  echo "scale: perf data in $perf_data (perf report -i $perf_data --no-children)"
fi
