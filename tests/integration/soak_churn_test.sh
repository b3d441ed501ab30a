#!/usr/bin/env bash
# Soak under churn, bounded for CI (issue 9): for SOAK_SECONDS (35) the hosts are republished
# every 5 ms through the manifests source while soak_client sends 8000 queries/s from the client
# namespace and checks every answer against the versions written (tests/soak/soak_lib.sh): none
# mixed, truncated, or stale beyond one publish. Most answers must come from XDP (so the maps'
# update order is what is tested) and some from the slow path (EDNS COOKIE queries, so its view
# swap is too). The long run is bench/run_soak.sh.
#   bash tests/integration/soak_churn_test.sh BUILD_DIR
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/../soak/soak_lib.sh"
it_init "${1:-}"

seconds=${SOAK_SECONDS:-35}
rate=${SOAK_RATE:-8000}
soak_start
soak_run "$seconds" "$rate"

checked=$(soak_value answers_checked)
sent=$(soak_value sent)
((SOAK_STATUS == 0)) || fail "soak_client found errors (status $SOAK_STATUS): $(cat "$WORK_DIR/soak_client.out")"
assert_eq "errors among $checked answers" 0 "$(soak_value errors)"
# Enough answers to mean something: a loaded 2-core machine loses some, not most.
((checked * 10 >= sent * 8)) || fail "only $checked of $sent queries answered"
# The churn really happened while the load ran: the daemon published hundreds of times.
((SOAK_PUBLISHES >= seconds * 5)) || fail "only $SOAK_PUBLISHES publishes in $seconds s ($SOAK_CHURN)"
# Paths: XDP answered most (the plain queries), the slow path the COOKIE ones.
cookie=$(soak_value answers_with_cookie)
((SOAK_XDP_ANSWERS * 2 >= checked)) || fail "XDP answered only $SOAK_XDP_ANSWERS of $checked"
((cookie * 10 >= checked)) || fail "only $cookie answers came through the slow path"
((SOAK_PASS_EDNS >= cookie)) || fail "XDP passed $SOAK_PASS_EDNS EDNS queries, fewer than the $cookie COOKIE answers"
pass "soak $seconds s: $checked answers checked, 0 errors ($(soak_value within_lag) one publish behind, max $(soak_value max_staleness_ms) ms); XDP answered $SOAK_XDP_ANSWERS, slow path $cookie; $SOAK_PUBLISHES publishes ($SOAK_CHURN)"
