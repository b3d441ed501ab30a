#!/usr/bin/env bash
# The delegation at a real BIND edge (named from Debian's bind9, zone example.com, one TSIG key
# per cluster with an update-policy for the delegation's names): xgslbd's signed RFC 2136
# UPDATEs put the NS RRset of cloud.example.com (every cluster's gslb-ns-<tag>-cloud.example.com,
# k8gb's names) and its own glue in place; a restart with another address moves the glue (the
# AAAA goes when no IPv6 address is left); nothing is sent when nothing changed; a wrong secret,
# an unknown key and a key the policy does not allow are each rejected by BIND and reported in
# the log once, not at every retry.
#   bash tests/integration/edge_delegation_test.sh BUILD_DIR
source "$(dirname "$0")/lib.sh"
it_init "${1:-}"
source "$(dirname "$0")/gslb_lib.sh"

eu_secret=$GSLB_EU_SECRET us_secret=$GSLB_US_SECRET
wrong_secret=d3Jvbmctd3Jvbmctd3Jvbmctd3Jvbmctd3Jvbmc9PT0=

gslb_topology edge:1 eu:2
gslb_edge_key eu-key "$eu_secret" gslb-ns-eu-cloud.example.com
gslb_edge_key us-key "$us_secret" gslb-ns-us-cloud.example.com
gslb_edge_start "$WORK_DIR/named" || fail "named did not start"
assert_eq "before: no delegation at the edge" "" "$(edge_dig +short NS cloud.example.com)"
pass "edge: named answers for example.com, no delegation of cloud.example.com yet"

# The NS names at the edge, sorted, from the referral's authority section (BIND is not
# authoritative below the cut, so the NS set comes back as a referral).
edge_ns() { edge_dig NS cloud.example.com | awk '$4 == "NS" && $1 == "cloud.example.com." {print $5}' | sort | tr '\n' ' '; }
edge_glue() { edge_dig +short "$1" gslb-ns-eu-cloud.example.com | sort | tr '\n' ' '; }

gslb_config "$WORK_DIR/eu.yaml" eu eu-key "$eu_secret"
started=$(now_ms)
gslb_start eu eu "$WORK_DIR/eu.yaml"
wait_log eu 'edge: delegation of cloud.example.com in place' 1 15
took=$(($(now_ms) - started))
assert_eq "NS RRset at the edge" "gslb-ns-eu-cloud.example.com. gslb-ns-us-cloud.example.com. " "$(edge_ns)"
assert_eq "glue A at the edge" "$(member_v4 eu) " "$(edge_glue A)"
assert_eq "glue AAAA at the edge" "$(member_v6 eu) " "$(edge_glue AAAA)"
assert_eq "one UPDATE" 1 "$(grep -c 'edge: updated' "$WORK_DIR/eu.log")"
grep -q "/key eu-key: updating zone 'example.com/IN': adding an RR at 'cloud.example.com' NS" "$WORK_DIR/named/named.log" ||
  fail "named logged no update signed with eu-key: $(tail -n 5 "$WORK_DIR/named/named.log")"
pass "xgslbd start -> delegation in BIND in ${took} ms: NS $(edge_ns)| glue $(edge_glue A)$(edge_glue AAAA)"

# In place: the daemon keeps checking, and sends nothing more.
sleep 2
assert_eq "still one UPDATE after 2 s of checks" 1 "$(grep -c 'edge: updated' "$WORK_DIR/eu.log")"
pass "no UPDATE when the edge already holds the delegation"

# A restart with another glue address: the A moves, the AAAA goes.
gslb_stop eu
GSLB_NS_ADDRESSES='["10.78.0.42"]' gslb_config "$WORK_DIR/eu.yaml" eu eu-key "$eu_secret"
gslb_start eu2 eu "$WORK_DIR/eu.yaml"
wait_log eu2 'edge: updated cloud.example.com' 1 15
assert_eq "glue A after the change" "10.78.0.42 " "$(edge_glue A)"
assert_eq "glue AAAA after the change" "" "$(edge_glue AAAA)"
assert_eq "NS RRset unchanged" "gslb-ns-eu-cloud.example.com. gslb-ns-us-cloud.example.com. " "$(edge_ns)"
pass "restart with nsAddresses [10.78.0.42]: glue A replaced, AAAA removed, NS untouched"
gslb_stop eu2

# Rejected updates: each reported once with what BIND said; the edge keeps what it had.
# expect_rejected NAME KEY SECRET REGEX
expect_rejected() {
  local name=$1 key=$2 secret=$3 regex=$4
  GSLB_NS_ADDRESSES='["10.78.0.43"]' gslb_config "$WORK_DIR/$name.yaml" eu "$key" "$secret"
  gslb_start "$name" eu "$WORK_DIR/$name.yaml"
  wait_log "$name" "edge: delegation of cloud.example.com not in place: .*$regex" 1 15
  sleep 3  # the retries (1 s, then 2 s backoff) must not log again
  assert_eq "$name: reported once" 1 "$(grep -c 'not in place' "$WORK_DIR/$name.log")"
  assert_eq "$name: glue unchanged" "10.78.0.42 " "$(edge_glue A)"
  pass "$name: $(grep -o 'not in place: .*' "$WORK_DIR/$name.log")"
  gslb_stop "$name"
}
expect_rejected wrong-secret eu-key "$wrong_secret" 'BADSIG'
expect_rejected unknown-key stranger-key "$eu_secret" 'BADKEY'
expect_rejected not-allowed us-key "$us_secret" 'REFUSED'
