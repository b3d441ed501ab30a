#!/usr/bin/env bash
# Can tools/xdp_dns_loadgen's latency percentiles be trusted? Through the throughput harness's
# own pieces (bench/lib/*), at a low rate where nothing is lost:
#   1. every reply is matched to its query by the sequence number (timed == replies, 0 unmatched),
#      against the XDP echo and against xgslbd's slow path;
#   2. a known delay shows up: netem adds 1 ms to the server end's egress (the slow path's replies
#      go through it; XDP_TX frames would not), and the p50 must grow by 1 ms (± the histogram's
#      1/16 bucket width and some scheduling noise), p99 by at least 0.9 ms.
set -euo pipefail
BUILD=$(cd "${1:-build}" && pwd)
cd "$(dirname "$0")/../.."
fail() { echo "FAIL [loadgen_latency_test]: $*" >&2; exit 1; }
[[ -x $BUILD/tools/xdp_dns_loadgen && -x $BUILD/userspace/xgslbd ]] ||
  { echo "loadgen_latency_test: build xdp_dns_loadgen and xgslbd first" >&2; exit 77; }

source tools/lib/netns.sh
source bench/lib/throughput_servers.sh
GENERATOR=xdp
source bench/lib/load_generator.sh
QUERIES=bench/fixtures/throughput_queries.txt
PASS_OBJ=$BUILD/bpf/xdp_pass_skel/xdp_pass.bpf.o
ECHO_OBJ=$BUILD/bpf/xdp_echo_udp_skel/xdp_echo_udp.bpf.o
INSTANCE=it-latency-$$-$RANDOM
WORK=$(mktemp -d /tmp/xgslb-latency-test.XXXXXX)
netns_on_exit 'server_stop; rm -rf "$WORK"'
netns_pair_create "$PASS_OBJ"
SERVER_MAC=$(ip -n "$NS_SERVER" -j link show "$IF_SERVER" | jq -r '.[0].address')
CLIENT_MAC=$(ip -n "$NS_CLIENT" -j link show "$IF_CLIENT" | jq -r '.[0].address')
ip -n "$NS_SERVER" neigh replace "$CLIENT_V4" lladdr "$CLIENT_MAC" dev "$IF_SERVER" nud permanent
ip -n "$NS_CLIENT" neigh replace "$SERVER_V4" lladdr "$SERVER_MAC" dev "$IF_CLIENT" nud permanent
in_server ethtool -K "$IF_SERVER" tx off gro on >/dev/null

# run NAME: 2 s at 500 q/s; sets SENT REPLIES TIMED UNMATCHED P50 P99 (µs)
run() {
  local out=$WORK/$1.txt
  gun_run 500 2 "$out"
  read -r SENT _ REPLIES _ _ _ _ P50 _ P99 _ _ < <(gun_summary "$out")
  TIMED=$(awk '/^latency us:/ {print $14}' "$out")
  UNMATCHED=$(awk '/^latency us:/ {print $16}' "$out")
  echo "loadgen_latency_test: $1: sent $SENT replies $REPLIES timed $TIMED unmatched $UNMATCHED p50 $P50 p99 $P99 µs"
  ((SENT >= 900)) || fail "$1: only $SENT queries sent in 2 s at 500/s"
  ((REPLIES == SENT)) || fail "$1: $REPLIES replies to $SENT queries at 500 q/s"
  ((TIMED == REPLIES && UNMATCHED == 0)) || fail "$1: $TIMED of $REPLIES replies matched to their query, $UNMATCHED unmatched"
}

server_start echo
run echo
server_stop

server_start xgslb-slow
run slow
p50_plain=$P50 p99_plain=$P99
in_server tc qdisc add dev "$IF_SERVER" root netem delay 1ms || { echo "loadgen_latency_test: no netem qdisc here" >&2; exit 77; }
run slow-netem-1ms
in_server tc qdisc del dev "$IF_SERVER" root
awk -v a="$p50_plain" -v b="$P50" 'BEGIN {d = b - a; exit !(d >= 900 && d <= 1400)}' ||
  fail "netem delay 1ms moved the p50 from $p50_plain to $P50 µs (expected +900..+1400)"
# No reply can be faster than the delay: every percentile is at least 1 ms.
awk -v b="$P99" 'BEGIN {exit !(b >= 1000)}' || fail "p99 $P99 µs with 1 ms of netem delay (p99 before: $p99_plain)"
echo "loadgen_latency_test: ok (p50 $p50_plain -> $P50 µs with 1 ms of netem delay)"
