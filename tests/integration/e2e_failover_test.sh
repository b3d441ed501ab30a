#!/usr/bin/env bash
# The full failover sequence of k8gb's terratest (k8gb_full_failover_test), primaryGeoTag eu,
# with each cluster's app made unhealthy and healthy again by its EndpointSlice manifest; both
# clusters must agree at every step. Then the switch through the resolver, timed.
# shellcheck source=tests/integration/e2e_lib.sh
source "$(dirname "$0")/e2e_lib.sh"
e2e_init "$1"
e2e_clusters_up
host=failover.cloud.example.com
# A change reaches the other cluster at its next poll; twice that, plus TTL-free direct asks.
limit=$(( (CLUSTER_POLL_MS * 2) / 1000 + 3 ))

both_answer() {  # EXPECTED WHAT
  expect_within "$limit" "$1" "$2: eu answers" ask eu "$host"
  expect_within "$limit" "$1" "$2: us answers" ask us "$host"
}

both_answer "$eu" "both healthy, primary eu"
endpoints_set_ready us "$E2E_WORK/us" false >/dev/null
both_answer "$eu" "us unhealthy"
endpoints_set_ready eu "$E2E_WORK/eu" false >/dev/null
both_answer "" "both unhealthy"
endpoints_set_ready us "$E2E_WORK/us" true >/dev/null
both_answer "$us" "us healthy again, eu not"
endpoints_set_ready eu "$E2E_WORK/eu" true >/dev/null
both_answer "$eu" "eu healthy again"

# Through the resolver: record TTL 2 s (dnsTtlSeconds), so a switch is seen within the poll
# interval + TTL + what the change itself takes.
expect_within 5 "eu" "curl through the resolver before the switch" curl_region "$host"
t=$(endpoints_set_ready eu "$E2E_WORK/eu" false)
until_equal 8 us curl_region "$host" || fail "curl through the resolver: still '$SEEN' 8 s after eu went unready"
pass "eu -> us through the resolver: $(elapsed_since "$t") s after the manifest write"
t=$(endpoints_set_ready eu "$E2E_WORK/eu" true)
until_equal 8 eu curl_region "$host" || fail "curl through the resolver: still '$SEEN' 8 s after eu was ready again"
pass "us -> eu through the resolver: $(elapsed_since "$t") s after the manifest write"

e2e_finish
