#!/usr/bin/env bash
# The delegation at the edge is the clusters' doing: after the start BIND holds both clusters'
# NS names and glue (written by RFC 2136 UPDATE, TSIG-signed); it follows a change of a
# cluster's addresses; and a cluster holding a wrong key is refused by BIND and says so.
# shellcheck source=tests/integration/e2e_lib.sh
source "$(dirname "$0")/e2e_lib.sh"
e2e_init "$1"
e2e_clusters_up
glue() { in_ns client dig +short @"$EDGE_ADDR" "gslb-ns-$1-cloud.example.com" A | sort | xargs; }

expect_within 10 "gslb-ns-eu-cloud.example.com. gslb-ns-us-cloud.example.com." "delegation after the start" edge_delegation
expect_within 5 "${CLUSTER_DNS[eu]}" "eu's glue" glue eu
expect_within 5 "${CLUSTER_DNS[us]}" "us's glue" glue us

# A change: eu now also listens on 10.80.1.3; its glue at the edge follows.
cluster_stop eu
in_ns eu ip addr add 10.80.1.3/16 dev lan0
sed -i 's/^  listen: \["10.80.1.2:53"\]$/  listen: ["10.80.1.2:53", "10.80.1.3:53"]/' "$E2E_WORK/eu/xgslbd.yaml"
grep -q '10.80.1.3:53' "$E2E_WORK/eu/xgslbd.yaml" || fail "could not add the address to eu's config"
cluster_start eu "$E2E_WORK/eu" "$E2E_BUILD"
expect_within 5 "10.80.1.2 10.80.1.3" "eu's glue follows its new addresses" glue eu

# A wrong key: us restarts with a secret the edge does not know; the edge keeps refusing it.
cluster_stop us
edge_update client "$EDGE_ADDR" us-key "$(cat "$E2E_WORK/edge/us-key.secret")" <<<"update delete gslb-ns-us-cloud.example.com. A" \
  || fail "could not remove us's glue with the right key"
head -c 32 /dev/urandom | base64 >"$E2E_WORK/us/us-key.secret"
cluster_start us "$E2E_WORK/us" "$E2E_BUILD"
reported() { grep -ciE 'NOTAUTH|BADSIG|BADKEY|not in place' "$E2E_WORK/us/xgslbd.log" | awk '{ print ($1 > 0) ? "yes" : "no" }'; }
expect_within 5 "yes" "us reports the edge's refusal" reported
grep -iE 'NOTAUTH|BADSIG|BADKEY|not in place' "$E2E_WORK/us/xgslbd.log" | head -2 | sed 's/^/     /'
expect_stays 2 "" "the edge has no glue from the wrong key" glue us
grep -q "request has invalid signature\|BADSIG\|bad signature" "$E2E_WORK/edge/named.log" || fail "named did not log a bad signature"
pass "named logged the bad signature"

e2e_finish
