#!/usr/bin/env bash
# Fault: a peer cluster answering garbage. eu learns us's targets; then us's xgslbd is replaced,
# on the same address, by a server that answers every query with garbage in turn — responses
# with a wrong ID, malformed responses, truncated ones (TC=1, nothing over TCP), random octets.
# Throughout, eu serves the last good data (us's last targets stand: peerDropAfterMs is longer
# than the fault), from XDP and from the slow path; it logs one error naming what was wrong, not
# one per query or per kind; when us's xgslbd is back, with other targets, eu logs that us answers
# again and serves the new targets.
#   bash tests/integration/fault_peer_garbage_test.sh BUILD_DIR
source "$(dirname "$0")/lib.sh"
it_init "${1:-}"
source "$(dirname "$0")/gslb_lib.sh"

GSLB_POLL_MS=300 GSLB_TIMEOUT_MS=500 GSLB_DROP_MS=60000  # a slow answer under load is not the fault

gslb_eu_us_up

gslb_app_config eu 172.18.0.3
gslb_app_config us "172.19.0.3, 172.19.0.4"
gslb_start eu eu "$WORK_DIR/eu.yaml"
gslb_start us us "$WORK_DIR/us.yaml"
wait_log eu 'peers changed: us\{app.cloud.example.com: 172.19.0.3 172.19.0.4\}' 1 20

# eu's answer for app A: by XDP (no cookie: XDP answers it) and by the slow path (TCP).
xdp_answer() { gslb_app_answer edge eu; }
slow_answer() { gslb_app_answer edge eu +tcp; }
good="172.18.0.3 172.19.0.3 172.19.0.4"
wait_for 5 gslb_app_is edge eu "$good" || fail "eu's XDP answer before the fault: '$(xdp_answer)'"
assert_eq "eu's slow-path answer before the fault" "$good" "$(slow_answer)"
pass "eu serves both clusters' targets: $good"

# The garbage server joins us's address (SO_REUSEPORT); it gets the queries once xgslbd is gone.
mode=$WORK_DIR/garbage.mode
echo wrong-id >"$mode"
in_ns_bg us "$WORK_DIR/garbage.log" python3 "$IT_SOURCE_DIR/tests/integration/garbage_dns_server.py" "$mode" 53 \
  "$(member_v4 us)" "$(member_v6 us)"
garbage_pid=$TOPO_BG_PID
wait_for 5 grep -q listening "$WORK_DIR/garbage.log" || fail "the garbage server did not start: $(cat "$WORK_DIR/garbage.log")"
log_mark=$(wc -l <"$WORK_DIR/eu.log")
since_fault() { tail -n +"$((log_mark + 1))" "$WORK_DIR/eu.log"; }
gslb_stop us

for kind in wrong-id malformed truncated random; do
  echo "$kind" >"$mode"
  gslb_app_stays 2 edge eu "$good" "while us sends $kind"  # about 6 polls of each kind
done
errors=$(since_fault | grep 'level=error' || true)
assert_eq "error lines during the fault" 1 "$(grep -c . <<<"$errors")"
assert_match "the error names the peer and the garbage" 'peer us: no usable answer \(localtargets-app\.cloud\.example\.com A: 10\.78\.0\.3:53: timeout; ignored [0-9]+ datagram.*\[fd78::3\]:53: timeout; ignored' "$errors"
assert_eq "no peers change during the fault" 0 "$(since_fault | grep -c 'peers changed' || true)"
pass "8 s of wrong IDs, malformed, truncated and random answers from us: eu kept serving $good; one error: $(sed 's/.*msg=//' <<<"$errors")"

# The fault ends: us's xgslbd is back, with other targets; eu follows.
topo_stop_pid "$garbage_pid"
gslb_app_config us "172.19.0.5"
gslb_start us2 us "$WORK_DIR/us.yaml"
wait_log eu 'peer us: answering again' 1 20
wait_log eu 'peers changed: us\{app.cloud.example.com: 172.19.0.5\}' 1 20
wait_for 5 gslb_app_is edge eu "172.18.0.3 172.19.0.5" || fail "eu's XDP answer after recovery: '$(xdp_answer)'"
assert_eq "eu's slow-path answer after recovery" "172.18.0.3 172.19.0.5" "$(slow_answer)"
assert_eq "still one error line" 1 "$(since_fault | grep -c 'level=error' || true)"
pass "us back with 172.19.0.5: eu logged '$(since_fault | grep -o 'peer us: answering again.*' | head -1 | tr -d '"')' and serves $(xdp_answer)"
