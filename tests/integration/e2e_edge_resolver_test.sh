#!/usr/bin/env bash
# The ground the multi-cluster tests stand on, without peers or manifests (static records and a
# static delegation): the BIND edge delegates cloud.example.com to both clusters; a recursive
# resolver follows that delegation to an xgslbd answering from XDP; curl reaches each region's
# app through it; the edge takes a cluster's signed update of its own glue and refuses a wrong
# key and a change outside what the key is granted; nothing is left behind.
# shellcheck source=tests/integration/e2e_lib.sh
source "$(dirname "$0")/e2e_lib.sh"
e2e_init "$1"
GSLB_STATIC=1 gslb_topology_up "$E2E_SRC" "$E2E_BUILD" "$E2E_WORK"

delegation=$(edge_delegation)
[[ $delegation == "gslb-ns-eu-cloud.example.com. gslb-ns-us-cloud.example.com." ]] || fail "delegation at the edge: got '$delegation'"
pass "edge delegates cloud.example.com to: $delegation"

both="${CLUSTER_APP[eu]} ${CLUSTER_APP[us]}"
expect_within 3 "$both" "resolver follows the delegation" resolve roundrobin.cloud.example.com
# Nothing else has asked the clusters yet: the resolver's queries were answered by XDP.
answered=0
for tag in eu us; do
  n=$("$E2E_BUILD/tools/xgslbctl" --instance "$(cluster_instance $tag)" -o json stats | jq '.counters.answered_a')
  answered=$((answered + n))
done
((answered > 0)) || fail "no cluster's XDP program answered the resolver's A query"
pass "the clusters' XDP programs answered $answered of the resolver's A queries"
expect_within 3 "$both" "eu answers roundrobin" ask eu roundrobin.cloud.example.com
expect_within 3 "$both" "us answers roundrobin" ask us roundrobin.cloud.example.com

# The resolver rotates the cached set, so curl (first address) meets both regions.
expect_curl_reaches_both roundrobin.cloud.example.com

# Signed updates at the edge: granted, bad key, not granted.
eu_secret=$(cat "$E2E_WORK/edge/eu-key.secret")
edge_update eu "$EDGE_ADDR" eu-key "$eu_secret" <<<"update add gslb-ns-eu-cloud.example.com. 30 A 10.80.1.3" \
  || fail "the edge refused eu's signed update of its own glue"
glue=$(in_ns client dig +short @"$EDGE_ADDR" gslb-ns-eu-cloud.example.com A | sort | xargs)
[[ $glue == "10.80.1.2 10.80.1.3" ]] || fail "glue after the update: '$glue'"
pass "signed update of eu's glue applied: $glue"

bad_secret=$(head -c 32 /dev/urandom | base64)
if reply=$(edge_update eu "$EDGE_ADDR" eu-key "$bad_secret" <<<"update add gslb-ns-eu-cloud.example.com. 30 A 10.80.1.4" 2>&1); then
  fail "the edge accepted an update signed with a wrong secret"
fi
[[ $reply == *NOTAUTH* ]] || fail "wrong key: expected NOTAUTH, got: $reply"
pass "wrong key refused: $(grep -o 'NOTAUTH.*' <<<"$reply")"

if reply=$(edge_update eu "$EDGE_ADDR" eu-key "$eu_secret" <<<"update add gslb-ns-us-cloud.example.com. 30 A 10.80.1.4" 2>&1); then
  fail "the edge let eu-key change us's glue"
fi
[[ $reply == *REFUSED* ]] || fail "outside the grant: expected REFUSED, got: $reply"
pass "eu-key may not change us's glue: REFUSED"

e2e_finish
