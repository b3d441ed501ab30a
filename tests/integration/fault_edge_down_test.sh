#!/usr/bin/env bash
# Fault: the edge DNS down, then back with its data lost (a fresh zone: no delegation); then the
# edge rejecting a cluster's TSIG key, until it is given the right secret again. While it
# is down each cluster keeps serving (XDP and slow path) the last good data — eu keeps us's
# targets, found through the NS address it resolved before — and logs one error saying the
# delegation cannot be checked; no more lines while its retries back off. When named is back,
# each cluster writes its delegation again by itself (TSIG-signed UPDATE) and logs that it is in
# place; a change on us after that still reaches eu through the edge.
#   bash tests/integration/fault_edge_down_test.sh BUILD_DIR
source "$(dirname "$0")/lib.sh"
it_init "${1:-}"
source "$(dirname "$0")/gslb_lib.sh"

GSLB_POLL_MS=300 GSLB_TIMEOUT_MS=1000 GSLB_DROP_MS=60000  # a generous timeout: a slow answer under load is not the fault

gslb_eu_us_up
named_pid=$TOPO_BG_PID

gslb_app_config eu 172.18.0.3
gslb_app_config us "172.19.0.3"
gslb_start eu eu "$WORK_DIR/eu.yaml"
gslb_start us us "$WORK_DIR/us.yaml"
in_place='edge: delegation of cloud.example.com in place'
not_in_place='edge: delegation of cloud.example.com not in place'
wait_log eu "$in_place" 1 15
wait_log us "$in_place" 1 15
wait_log eu 'peers changed: us\{app.cloud.example.com: 172.19.0.3\}' 1 20

edge_ns() { edge_dig NS cloud.example.com | awk '$4 == "NS" && $1 == "cloud.example.com." {print $5}' | sort | xargs; }
xdp_answer() { gslb_app_answer us eu; }
slow_answer() { gslb_app_answer us eu +tcp; }
good="172.18.0.3 172.19.0.3"
wait_for 5 gslb_app_is us eu "$good" || fail "eu's answer before the fault: '$(xdp_answer)'"
assert_eq "delegation at the edge" "gslb-ns-eu-cloud.example.com. gslb-ns-us-cloud.example.com." "$(edge_ns)"
pass "delegation in place, eu serves $good"

declare -A mark
for d in eu us; do mark[$d]=$(wc -l <"$WORK_DIR/$d.log"); done
since_fault() { tail -n +"$((mark[$1] + 1))" "$WORK_DIR/$1.log"; }
topo_stop_pid "$named_pid"
gslb_app_stays 4 us eu "$good" "with the edge down"
for d in eu us; do
  assert_eq "$d: error lines with the edge down" 1 "$(since_fault "$d" | grep -c 'level=error' || true)"
  assert_match "$d: the error says why" "$not_in_place: no edge server answered \(10\.78\.0\.1:53: " "$(since_fault "$d" | grep 'level=error')"
done
pass "edge down 4 s: eu served $good throughout; one error each: $(since_fault eu | grep -o 'not in place.*' | tr -d '"')"

# named back with a fresh zone (its journal gone): the clusters must write the delegation again.
rm -f "$WORK_DIR/named/example.com.zone.jnl"
EDGE_KEYS=()
gslb_edge_start "$WORK_DIR/named" || fail "named did not start again"
named_pid=$TOPO_BG_PID
# The edge lost the delegation: named starts from a zone file written afresh, without its journal.
# Checked in that file, not by asking named: the clusters retry every few hundred ms and may
# already have written the delegation again by the time a query gets there.
assert_eq "the edge restarted without the delegation" 0 "$(grep -c 'gslb-ns-' "$WORK_DIR/named/example.com.zone" || true)"
restarted=$(now_ms)
for d in eu us; do
  wait_log "$d" 'edge: updated cloud.example.com' 1 40
  wait_log "$d" "$in_place" 2 40
done
pass "edge back: delegation written again by both clusters after $(($(now_ms) - restarted)) ms (retries back off)"
assert_eq "delegation at the edge again" "gslb-ns-eu-cloud.example.com. gslb-ns-us-cloud.example.com." "$(edge_ns)"
assert_eq "us's glue again" "$(member_v4 us)" "$(edge_dig +short A gslb-ns-us-cloud.example.com)"
for d in eu us; do assert_eq "$d: still one error line" 1 "$(since_fault "$d" | grep -c 'level=error' || true)"; done

# A change after the recovery: us gets another target; eu learns it (through the edge's NS name).
gslb_app_config us "172.19.0.7"
kill -HUP "$(daemon_pid us)"
wait_log eu 'peers changed: us\{app.cloud.example.com: 172.19.0.7\}' 1 15
wait_for 5 gslb_app_is us eu "172.18.0.3 172.19.0.7" || fail "eu's answer after the change: '$(xdp_answer)'"
assert_eq "eu's slow-path answer after the change" "172.18.0.3 172.19.0.7" "$(slow_answer)"
pass "a change on us after the recovery reaches eu: $(xdp_answer)"

# ---- the edge rejecting us's TSIG key ---------------------------------------------------------
# The edge's secret for us-key changes (named.conf, SIGHUP: no restart, so nothing else fails),
# and us's glue is removed there: us's UPDATE is refused (BADSIG), reported once; eu keeps us's
# last address (the edge has no glue now) and answers as before. The edge gets the right secret
# back: us writes its glue by itself at its next retry and logs that the delegation is in place.
for d in eu us; do mark[$d]=$(wc -l <"$WORK_DIR/$d.log"); done
conf=$WORK_DIR/named/named.conf
other_secret=$(head -c 32 /dev/urandom | base64)
sed -i "s|^key \"us-key\" { algorithm hmac-sha256; secret \"$GSLB_US_SECRET\"; };|key \"us-key\" { algorithm hmac-sha256; secret \"$other_secret\"; };|" "$conf"
grep -q "$other_secret" "$conf" || fail "could not change us-key's secret in $conf"
kill -HUP "$named_pid"
changed() { edge_update edge "$(member_v4 edge)" us-key "$other_secret" <<<"update delete gslb-ns-us-cloud.example.com. A" >/dev/null 2>&1; }
wait_for 5 changed || fail "named did not take the new secret for us-key"
wait_log us 'not in place: UPDATE to 10\.78\.0\.1:53 rejected: NOTAUTH, TSIG error BADSIG' 1 20
gslb_app_stays 3 us eu "172.18.0.3 172.19.0.7" "while the edge refuses us's key"
assert_eq "us: one error line for the refused key" 1 "$(since_fault us | grep -c 'level=error' || true)"
assert_eq "eu: no error line" 0 "$(since_fault eu | grep -c 'level=error' || true)"
assert_eq "us's glue not written with the wrong key" "" "$(edge_dig +short A gslb-ns-us-cloud.example.com)"
pass "edge refuses us's key: one error ($(since_fault us | grep -o 'rejected: [A-Z]*, TSIG error [A-Z]*' | head -1)), eu kept serving us's target"

sed -i "s|$other_secret|$GSLB_US_SECRET|" "$conf"
kill -HUP "$named_pid"
fixed=$(now_ms)
wait_log us "$in_place" 3 40
assert_eq "us's glue written again" "$(member_v4 us)" "$(edge_dig +short A gslb-ns-us-cloud.example.com)"
assert_eq "us: still one error line" 1 "$(since_fault us | grep -c 'level=error' || true)"
pass "right secret back at the edge: us wrote its glue by itself $(($(now_ms) - fixed)) ms later (its retry backoff)"
