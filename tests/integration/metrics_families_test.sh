#!/usr/bin/env bash
# Every metric family issue 7 asks for appears on /metrics and moves when exercised:
#   XDP answers per strategy (rotate, weighted, geo, fixed), rate limited (dropped, slipped),
#   reflection drops, pass reasons; the slow path's responses and latency histogram; the
#   controller's reconciles, status writes and source health/watch restarts (manifests source:
#   a rescan per change); publish latency; k8gb's per-Gslb gauges with k8gb's names and labels
#   (k8gb's own sample Gslbs), following a change of health.
#   bash tests/integration/metrics_families_test.sh BUILD_DIR
source "$(dirname "$0")/lib.sh"
it_init "${1:-}"
for tool in curl python3; do command -v $tool >/dev/null || fail "missing $tool"; done

k8gb_manifests_config <<CONF
metrics: {listen: "127.0.0.1:9153"}
# A small limit for one /32 client prefix, so this test's own queries can go over it.
rrl: {responsesPerSecond: 40, slip: 2, ipv4Prefix: 32}
geoip:
  regions: {site1: [10.77.0.0/24], site2: [192.200.2.0/24]}
records:
  - name: wrr.cloud.example.com
    strategy: {type: roundRobin, weight: {eu: 1, us: 4}}
    targets: {eu: [10.0.0.1], us: [10.1.0.1]}
  - name: geo.cloud.example.com
    strategy: {type: geoip}
    targets: {eu: [10.77.0.50], us: [192.200.2.5]}
  - name: plain.cloud.example.com
    a: [10.9.0.1]
CONF
start_daemon main "$WORK_DIR/xgslbd.yaml"
wait_ready main

scrape() { in_server curl -sf --max-time 5 http://127.0.0.1:9153/metrics | python3 "$IT_SOURCE_DIR/tests/integration/prom_text.py"; }
# BEFORE AFTER KEY: how much a sample moved (a sample first seen counts from 0); "absent" if never.
delta() { jq -n -r --argjson a "$1" --argjson b "$2" --arg k "$3" 'if $b[$k] == null then "absent" else ($b[$k] - ($a[$k] // 0)) end'; }
value() { jq -r --arg k "$2" '.[$k] // "absent"' <<<"$1"; }
q() { dns_query "@$SERVER_V4" "$@" >/dev/null || fail "no answer for $*"; }

m1=$(scrape) || fail "scrape did not parse"
# ---- XDP: per strategy ----------------------------------------------------------------------------
for i in 1 2 3; do q roundrobin.cloud.example.com A; done  # k8gb roundRobin Gslb: rotate
q failover.cloud.example.com A                            # k8gb failover Gslb: rotate
for i in 1 2; do q wrr.cloud.example.com A; done          # weighted
q geo.cloud.example.com A                                 # geo (the client 10.77.0.1 is site1)
q plain.cloud.example.com A                               # no strategy: fixed
m2=$(scrape)
assert_eq "rotate answers" 4 "$(delta "$m1" "$m2" 'xgslb_xdp_strategy_answers_total{selection="rotate"}')"
assert_eq "weighted answers" 2 "$(delta "$m1" "$m2" 'xgslb_xdp_strategy_answers_total{selection="weighted"}')"
assert_eq "geo answers" 1 "$(delta "$m1" "$m2" 'xgslb_xdp_strategy_answers_total{selection="geo"}')"
assert_eq "fixed answers" 1 "$(delta "$m1" "$m2" 'xgslb_xdp_strategy_answers_total{selection="fixed"}')"
assert_eq "answered A total" 8 "$(delta "$m1" "$m2" 'xgslb_xdp_answered_total{kind="a"}')"
pass "XDP answers per strategy: rotate 4, weighted 2, geo 1, fixed 1 (= 8 A answers)"

# ---- XDP: rate limited and reflection -----------------------------------------------------------
# 120 queries in well under a second from one /32: 40 answered from the bucket, the rest over.
in_client python3 - "$SERVER_V4" <<'PY'
import socket, struct, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
q = lambda i: struct.pack(">HHHHHH", i, 0x0100, 1, 0, 0, 0) + b"\x05plain\x05cloud\x07example\x03com\x00" + struct.pack(">HH", 1, 1)
for i in range(120):
    s.sendto(q(i), (sys.argv[1], 53))
# From a reflection port (NTP, 123): dropped whatever the limit.
r = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
r.bind(("0.0.0.0", 123))
for i in range(3):
    r.sendto(q(1000 + i), (sys.argv[1], 53))
PY
sleep 0.3
m3=$(scrape)
dropped=$(delta "$m2" "$m3" 'xgslb_xdp_rate_limited_total{action="dropped"}')
slipped=$(delta "$m2" "$m3" 'xgslb_xdp_rate_limited_total{action="slipped"}')
[[ $dropped != absent && $slipped != absent ]] || fail "rate-limited family absent: dropped=$dropped slipped=$slipped"
((dropped > 0 && slipped > 0)) || fail "rate limited: dropped $dropped, slipped $slipped; expected both > 0"
assert_eq "over-limit = dropped + slipped" "$((dropped + slipped))" \
  "$((120 - $(delta "$m2" "$m3" 'xgslb_xdp_strategy_answers_total{selection="fixed"}')))"
assert_eq "reflection drops" 3 "$(delta "$m2" "$m3" xgslb_xdp_reflection_dropped_total)"
pass "XDP rate limited: $dropped dropped, $slipped slipped of 120; 3 reflection drops"
sleep 1.1  # the bucket refills before the next queries

# ---- slow path ------------------------------------------------------------------------------------
q cloud.example.com SOA
m4=$(scrape)
assert_eq "slow-path NOERROR" 1 "$(delta "$m3" "$m4" 'xgslb_dns_responses_total{rcode="NOERROR",transport="udp"}')"
assert_eq "slow-path latency observations" 1 "$(delta "$m3" "$m4" xgslb_dns_answer_duration_seconds_count)"
assert_eq "passed to the slow path (apex SOA)" 1 "$(delta "$m3" "$m4" 'xgslb_xdp_passed_total{reason="name_flags"}')"
pass "slow path: responses by rcode and the latency histogram moved"

# ---- controller, source, publish, k8gb gauges -----------------------------------------------------
id='name="test-gslb",namespace="test-gslb"'
assert_eq "k8gb healthy records" 3 "$(value "$m4" "k8gb_gslb_healthy_records{$id}")"
assert_eq "k8gb hosts Healthy" 1 "$(value "$m4" "k8gb_gslb_service_status_num{$id,status=\"Healthy\"}")"
assert_eq "k8gb hosts Unhealthy" 1 "$(value "$m4" "k8gb_gslb_service_status_num{$id,status=\"Unhealthy\"}")"
assert_eq "k8gb hosts NotFound" 1 "$(value "$m4" "k8gb_gslb_service_status_num{$id,status=\"NotFound\"}")"
assert_eq "source synced" 1 "$(value "$m4" xgslb_source_synced)"
assert_eq "source healthy" 1 "$(value "$m4" xgslb_source_healthy)"
for k in xgslb_controller_reconciles_total xgslb_controller_failures_total xgslb_controller_status_writes_total \
  xgslb_source_watch_restarts_total "k8gb_gslb_reconciliation_loops_total{$id}" xgslb_publish_duration_seconds_count; do
  [[ $(value "$m4" "$k") != absent ]] || fail "$k absent from /metrics"
done

# The roundrobin host's endpoints become not ready: one change, one more reconcile and publish.
sed -i -e 's/conditions: {ready: true}/conditions: {ready: false}/' -e 's/conditions: {}/conditions: {ready: false}/' "$M/cluster.yaml"
wait_log main 'model: hosts=' 2 10
sleep 0.2
m5=$(scrape)
assert_eq "k8gb healthy records after the change" 0 "$(value "$m5" "k8gb_gslb_healthy_records{$id}")"
assert_eq "k8gb hosts Healthy after the change" 0 "$(value "$m5" "k8gb_gslb_service_status_num{$id,status=\"Healthy\"}")"
reconciles=$(delta "$m4" "$m5" xgslb_controller_reconciles_total)
((reconciles >= 1)) || fail "controller reconciles did not move ($reconciles)"
assert_eq "k8gb reconciliation loops follow the controller" "$reconciles" \
  "$(delta "$m4" "$m5" "k8gb_gslb_reconciliation_loops_total{$id}")"
(($(delta "$m4" "$m5" xgslb_controller_status_writes_total) >= 1)) || fail "no status write counted"
(($(delta "$m4" "$m5" xgslb_source_watch_restarts_total) >= 0)) || fail "watch restarts went backwards"
(($(delta "$m4" "$m5" xgslb_publish_duration_seconds_count) >= 1)) || fail "publish latency histogram did not move"
pass "controller: reconciles +$reconciles, status writes, publish latency; k8gb gauges follow health (3 -> 0 healthy records)"

# Every family the dashboard queries is exported.
for name in $(grep -oE '(xgslb|k8gb)_[a-z_]+' "$IT_SOURCE_DIR/deploy/grafana/xgslb-dashboard.json" | sed -E 's/_(bucket|sum|count)$//' | sort -u); do
  jq -e --arg n "$name" 'keys | map(select(test("^" + $n + "(_bucket|_sum|_count)?({|$)"))) | length > 0' <<<"$m5" >/dev/null ||
    fail "dashboard queries $name, which /metrics does not export"
done
pass "grafana dashboard: every metric it queries is exported"
