#!/usr/bin/env bash
# Response rate limiting through the daemon: the `rrl` section is published into the XDP
# program's maps at start and again on SIGHUP. With 5 responses per second and slip 1, a burst
# of queries from the client is answered 5 times (plus refill), then with TC=1 slips, none
# dropped; after a SIGHUP with `responsesPerSecond: 0` every query is answered. A query from
# port 123 (NTP, a reflection port) is dropped by XDP.
#   bash tests/integration/rrl_test.sh BUILD_DIR
source "$(dirname "$0")/lib.sh"
it_init "${1:-}"

config=$WORK_DIR/xgslbd.yaml
queries=15
with_rrl() {  # with_rrl SECTION: the fixture plus an rrl section
  write_config "$config"
  echo "rrl: $1" >>"$config"
}

# burst: $queries kdig queries in a row; prints the counter deltas "answered_a slips dropped".
burst() {
  local before after i
  before=$(stats_json)
  for ((i = 0; i < queries; i++)); do
    # Buckets are per CPU and veth runs XDP on the sender's CPU: send from one CPU only.
    in_client taskset -c 0 kdig +retry=0 +timeout=1 +notcp +ignore "@$SERVER_V4" roundrobin.cloud.example.com A \
      >/dev/null || true
  done
  after=$(stats_json)
  echo "$(counter_delta "$before" "$after" answered_a) $(counter_delta "$before" "$after" answered_rrl_slip)" \
    "$(counter_delta "$before" "$after" dropped_rrl)"
}

with_rrl '{responsesPerSecond: 5, slip: 1}'
start_daemon main "$config"
wait_ready main
wait_log main 'rrl responses_per_second=5 slip=1 ipv4_prefix=24' 1 5
start=$(date +%s%N)
read -r answered slips dropped <<<"$(burst)"
elapsed_ms=$((($(date +%s%N) - start) / 1000000))
# 5 at once, then one per 200 ms of the burst's duration.
max_answered=$((5 + elapsed_ms / 200 + 1))
[[ $answered -ge 5 && $answered -le $max_answered ]] ||
  fail "answered $answered of $queries in $elapsed_ms ms, expected 5..$max_answered"
assert_eq "every query answered or slipped" "$queries" "$((answered + slips))"
assert_eq "nothing dropped with slip 1" 0 "$dropped"
[[ $slips -ge 1 ]] || fail "no slip in a burst of $queries at 5 per second"
pass "5 per second, slip 1: $answered answered, $slips TC=1 slips in $elapsed_ms ms"

with_rrl '{responsesPerSecond: 0}'
kill -HUP "$(daemon_pid main)"
wait_log main 'rrl responses_per_second=0' 1 10
read -r answered slips dropped <<<"$(burst)"
assert_eq "rate limiting off after SIGHUP: all answered" "$queries 0 0" "$answered $slips $dropped"
pass "SIGHUP with responsesPerSecond: 0 turned limiting off"

before=$(stats_json)
in_client kdig +retry=0 +timeout=1 -b "$CLIENT_V4#123" "@$SERVER_V4" roundrobin.cloud.example.com A >/dev/null || true
after=$(stats_json)
assert_eq "a query from port 123 is dropped as a reflection" 1 "$(counter_delta "$before" "$after" dropped_reflection)"
pass "query from the NTP port dropped"
