#!/usr/bin/env bash
# Can tools/xdp_dns_loadgen's latency percentiles be trusted? Through the throughput harness's
# own pieces (bench/lib/*), at a low rate where nothing is lost:
#   1. every reply is matched to its query by the sequence number (timed == replies, 0 unmatched),
#      against the XDP echo and against xgslbd's slow path;
#   2. a known delay shows up: tests/integration/delayed_udp_echo.py sends every query back
#      20 ms after it arrived (this kernel has no netem qdisc, and XDP_TX replies bypass qdiscs
#      anyway); against the same responder with no delay, the p50 must grow by 20 ms (+ at most
#      the histogram's 1/16 bucket width and some scheduling lateness), and every percentile
#      must be at least 20 ms.
set -euo pipefail
BUILD=$(cd "${1:-build}" && pwd)
cd "$(dirname "$0")/../.."
fail() { echo "FAIL [loadgen_latency_test]: $*" >&2; exit 1; }
[[ -x $BUILD/tools/xdp_dns_loadgen && -x $BUILD/userspace/xgslbd ]] ||
  { echo "loadgen_latency_test: build xdp_dns_loadgen and xgslbd first" >&2; exit 77; }

source tools/lib/netns.sh
source bench/lib/throughput_servers.sh
source bench/lib/cpu_split.sh  # server_start's split_pin_server (off: split_on is never called)
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
server_stop

# delayed_echo NAME DELAY_MS: the delayed responder on the server's address, one run against it.
delayed_echo() {
  # Real-time priority: on a loaded machine a normal process wakes milliseconds late, which
  # would be a delay we did not set. It sleeps between replies, so it takes little CPU.
  in_server_bg chrt -f 10 python3 tests/integration/delayed_udp_echo.py "$SERVER_V4" 53 "$2" >"$WORK/echo.$1.log" 2>&1
  SERVER_PID=$SERVER_BG_PID
  wait_for 10 server_answers || fail "delayed_udp_echo.py does not answer: $(cat "$WORK/echo.$1.log")"
  run "$1"
  server_stop
}
delayed_echo delay-0ms 0
p50_plain=$P50
delayed_echo delay-20ms 20
awk -v a="$p50_plain" -v b="$P50" 'BEGIN {d = b - a; exit !(d >= 19000 && d <= 23000)}' ||
  fail "a 20 ms delay moved the p50 from $p50_plain to $P50 µs (expected +19000..+23000)"
min_ok=$(awk '/^latency us:/ {print ($4 >= 20000 && $6 >= $4 && $8 >= $6 && $10 >= $8) ? 1 : 0}' "$WORK/delay-20ms.txt")
((min_ok)) || fail "percentiles with a 20 ms delay: $(grep '^latency' "$WORK/delay-20ms.txt")"
echo "loadgen_latency_test: ok (p50 $p50_plain -> $P50 µs with a 20 ms responder delay)"
