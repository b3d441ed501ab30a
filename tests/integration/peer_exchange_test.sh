#!/usr/bin/env bash
# Two clusters exchanging targets the k8gb way, through a real BIND edge: eu and us (xgslbd
# with XDP on their veths, on one bridge with the edge) each register their NS name and glue at
# the edge, find the other's NS name there (gslb-ns-<tag>-cloud.example.com), and ask it for
# localtargets-<host> A and AAAA every poll interval. Each learns the other's targets; a host
# the peer has nothing for (NXDOMAIN) is an empty set; a peer that withdraws its targets is seen
# with empty sets; a stopped peer is dropped within peerDropAfterMs + one interval, and the other
# cluster keeps answering.
#   bash tests/integration/peer_exchange_test.sh BUILD_DIR
source "$(dirname "$0")/lib.sh"
it_init "${1:-}"
source "$(dirname "$0")/gslb_lib.sh"

eu_secret=$GSLB_EU_SECRET us_secret=$GSLB_US_SECRET
GSLB_POLL_MS=500 GSLB_TIMEOUT_MS=200 GSLB_DROP_MS=2000
poll_ms=500 timeout_ms=200 drop_ms=2000

gslb_eu_us_up

# Each cluster's GSLB hosts (static strategy records until the model loop feeds the daemon):
# its own targets under its own tag; build_view publishes localtargets-<host> from them, and
# the answers combine them with the peers'.
gslb_config "$WORK_DIR/eu.yaml" eu eu-key "$eu_secret" \
  'records:' \
  '  - {name: app.cloud.example.com, ttl: 5, strategy: {type: roundRobin}, targets: {eu: [172.18.0.3, "2001:db8:1::3"]}}' \
  '  - {name: solo.cloud.example.com, ttl: 5, strategy: {type: roundRobin}, targets: {eu: [172.18.0.9]}}'
us_app='  - {name: app.cloud.example.com, ttl: 5, strategy: {type: roundRobin}, targets: {us: [172.19.0.3, 172.19.0.4, "2001:db8:2::3"]}}'
gslb_config "$WORK_DIR/us.yaml" us us-key "$us_secret" 'records:' "$us_app"
gslb_start eu eu "$WORK_DIR/eu.yaml"
gslb_start us us "$WORK_DIR/us.yaml"

eu_sees_us='peers changed: us\{app.cloud.example.com: 172.19.0.3 172.19.0.4 2001:db8:2::3; solo.cloud.example.com: -\}'
us_sees_eu='peers changed: eu\{app.cloud.example.com: 172.18.0.3 2001:db8:1::3\}'
wait_log eu "$eu_sees_us" 1 20
wait_log us "$us_sees_eu" 1 20
pass "eu learned us's targets (solo: none there) and us learned eu's, through the edge's NS names"

# k8gb's query, answered by us's XDP program: localtargets-<host> A at the NS name's address.
ns_us=$(edge_dig +short A gslb-ns-us-cloud.example.com)
assert_eq "us's NS name at the edge" "$(member_v4 us)" "$ns_us"
got=$(in_ns eu dig +norec +time=1 +tries=1 +short "@$ns_us" localtargets-app.cloud.example.com A | sort | tr '\n' ' ')
assert_eq "localtargets-app A at us" "172.19.0.3 172.19.0.4 " "$got"
pass "dig @gslb-ns-us-cloud.example.com ($ns_us) localtargets-app.cloud.example.com A: $got"

# answers NAME TYPE MEMBER: the sorted addresses MEMBER's cluster answers (asked from the edge).
answers() { in_ns edge dig +norec +time=1 +tries=1 +short "@$(member_v4 "$3")" "$1" "$2" | sort | tr '\n' ' '; }
answers_are() { [[ "$(answers "$1" "$2" "$3")" == "$4" ]]; }
wait_for 5 answers_are app.cloud.example.com A eu "172.18.0.3 172.19.0.3 172.19.0.4 " ||
  fail "eu's answer for app A: expected both clusters' targets, got '$(answers app.cloud.example.com A eu)'"
assert_eq "us answers app AAAA with both clusters'" "2001:db8:1::3 2001:db8:2::3 " "$(answers app.cloud.example.com AAAA us)"
pass "round robin over both clusters: eu answers app A $(answers app.cloud.example.com A eu)| us answers AAAA $(answers app.cloud.example.com AAAA us)"

# us loses its targets for app: eu sees an empty set for it (not a missing peer), and answers
# with its own alone.
gslb_config "$WORK_DIR/us.yaml" us us-key "$us_secret" 'records:' \
  '  - {name: app.cloud.example.com, ttl: 5, strategy: {type: roundRobin}, targets: {eu: [172.18.0.3]}}'
kill -HUP "$(daemon_pid us)"
wait_log eu 'peers changed: us\{app.cloud.example.com: -; solo.cloud.example.com: -\}' 1 10
wait_for 5 answers_are app.cloud.example.com A eu "172.18.0.3 " ||
  fail "eu's answer for app A after us withdrew: got '$(answers app.cloud.example.com A eu)'"
pass "us has nothing healthy for app (empty localtargets): eu keeps us with an empty set and answers $(answers app.cloud.example.com A eu)"

# us stops: eu drops it within peerDropAfterMs + one interval.
stopped=$(now_ms)
kill -TERM "$(daemon_pid us)"
deadline=$((stopped + drop_ms + poll_ms + 2 * timeout_ms + 3000))
until grep -A1000 'app.cloud.example.com: -; solo.cloud.example.com: -}' "$WORK_DIR/eu.log" | grep -q 'peers changed: none reachable'; do
  (($(now_ms) < deadline)) || fail "eu did not drop us within $((deadline - stopped)) ms"
  sleep 0.05
done
dropped_after=$(($(now_ms) - stopped))
limit=$((drop_ms + poll_ms + 2 * timeout_ms))
((dropped_after <= limit)) || fail "eu dropped us after ${dropped_after} ms, more than dropAfter+interval+2*timeout = $limit ms"
((dropped_after >= drop_ms - poll_ms)) || fail "eu dropped us after only ${dropped_after} ms (peerDropAfterMs $drop_ms)"
pass "us stopped: eu dropped it after ${dropped_after} ms (peerDropAfterMs $drop_ms, interval $poll_ms)"

assert_eq "eu still answers" "172.18.0.3 " "$(answers app.cloud.example.com A eu)"
daemon_alive eu || fail "eu exited"
pass "eu keeps answering with us gone"
