#!/usr/bin/env bash
# Losing a cluster: eu's app loses all ready endpoints -> eu's target leaves us's round-robin
# answer within the peer poll interval + 1 s (k8gb needs a reconcile period of 30 s); it comes
# back when ready again. Then eu's daemon is stopped: us keeps answering, directly and through
# the resolver, and drops eu (peerDropAfterMs) from its answers.
# shellcheck source=tests/integration/e2e_lib.sh
source "$(dirname "$0")/e2e_lib.sh"
e2e_init "$1"
e2e_clusters_up
host=roundrobin.cloud.example.com
expect_within 5 "$eu $us" "us answers both clusters" ask us "$host"

bound=$(awk -v p="$CLUSTER_POLL_MS" 'BEGIN { printf "%.1f", p / 1000 + 1 }')
t=$(endpoints_set_ready eu "$E2E_WORK/eu" false)
until_equal 10 "$us" ask us "$host" || fail "us still answers '$SEEN' 10 s after eu lost its endpoints"
took=$(elapsed_since "$t")
awk -v a="$took" -v b="$bound" 'BEGIN { exit !(a <= b) }' || fail "eu left us's answer after $took s, more than poll interval + 1 s = $bound s"
pass "eu's target left us's answer $took s after eu lost its endpoints (bound $bound s)"
expect_within 5 "$us" "eu itself answers us only" ask eu "$host"

t=$(endpoints_set_ready eu "$E2E_WORK/eu" true)
until_equal 10 "$eu $us" ask us "$host" || fail "us answers '$SEEN' 10 s after eu's endpoints are ready again"
took=$(elapsed_since "$t")
awk -v a="$took" -v b="$bound" 'BEGIN { exit !(a <= b) }' || fail "eu came back into us's answer after $took s, more than $bound s"
pass "eu's target back in us's answer after $took s"

cluster_stop eu
pass "eu's xgslbd stopped"
expect_within 3 "$eu $us" "us still answers right after" ask us "$host"
drop=$(( (CLUSTER_DROP_MS + CLUSTER_POLL_MS) / 1000 + 2 ))
expect_within "$drop" "$us" "us drops the silent eu (peerDropAfterMs $CLUSTER_DROP_MS)" ask us "$host"
expect_within 8 "$us" "the resolver still answers (through us)" resolve "$host"
expect_within 5 "us" "curl through the resolver reaches us" curl_region "$host"

e2e_finish
