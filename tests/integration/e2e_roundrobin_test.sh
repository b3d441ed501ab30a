#!/usr/bin/env bash
# Round robin across both clusters (k8gb terratest: k8gb_full_roundrobin_test): the clusters
# write the delegation into BIND themselves; each serves localtargets-<host> with its own
# target only, and the round-robin host with both; the resolver, following the delegation,
# gives both; curl through it reaches both regions.
# shellcheck source=tests/integration/e2e_lib.sh
source "$(dirname "$0")/e2e_lib.sh"
e2e_init "$1"
e2e_clusters_up

expect_within 10 "gslb-ns-eu-cloud.example.com. gslb-ns-us-cloud.example.com." "delegation written into BIND by the clusters" edge_delegation
glue() { in_ns client dig +short @"$EDGE_ADDR" "gslb-ns-$1-cloud.example.com" A | xargs; }
expect_within 5 "${CLUSTER_DNS[eu]}" "eu's glue at the edge" glue eu
expect_within 5 "${CLUSTER_DNS[us]}" "us's glue at the edge" glue us

expect_within 5 "$eu" "eu's localtargets" ask eu localtargets-roundrobin.cloud.example.com
expect_within 5 "$us" "us's localtargets" ask us localtargets-roundrobin.cloud.example.com
expect_within 5 "$eu $us" "eu answers both clusters" ask eu roundrobin.cloud.example.com
expect_within 5 "$eu $us" "us answers both clusters" ask us roundrobin.cloud.example.com
expect_within 5 "$eu $us" "the resolver answers both clusters" resolve roundrobin.cloud.example.com

expect_curl_reaches_both roundrobin.cloud.example.com

e2e_finish
