#!/usr/bin/env bash
# k8gb's split failover (terratest k8gb_split_failover_test): the same host with failover
# strategy, but each cluster names itself primary (eu: primaryGeoTag eu, us: primaryGeoTag us).
# Each cluster answers its own target; eu unhealthy -> eu's Gslb status says Unhealthy and eu
# answers us's target while us still answers its own; eu healthy again -> eu answers its own.
# shellcheck source=tests/integration/e2e_lib.sh
source "$(dirname "$0")/e2e_lib.sh"
e2e_init "$1"
e2e_require_multicluster
manifests="$E2E_WORK/split-manifests"
mkdir -p "$manifests"
cp -r "$E2E_SRC/tools/demo/manifests/eu" "$E2E_SRC/tools/demo/manifests/us" "$manifests/"
sed -i 's/primaryGeoTag: eu/primaryGeoTag: us/' "$manifests/us/gslb-failover.yaml"
grep -q "primaryGeoTag: us" "$manifests/us/gslb-failover.yaml" || fail "could not make us its own primary"
gslb_topology_up "$E2E_SRC" "$E2E_BUILD" "$E2E_WORK" "$manifests"
eu=${CLUSTER_APP[eu]}
us=${CLUSTER_APP[us]}
host=failover.cloud.example.com
limit=$(( (CLUSTER_POLL_MS * 2) / 1000 + 3 ))

expect_within "$limit" "$eu" "eu resolves its own target" ask eu "$host"
expect_within "$limit" "$us" "us resolves its own target" ask us "$host"

endpoints_set_ready eu "$E2E_WORK/eu" false >/dev/null
status() { gslb_status "$E2E_WORK/eu" failover | jq -r ".serviceHealth[\"$host\"] // empty" 2>/dev/null || true; }
expect_within "$limit" "Unhealthy" "eu's Gslb serviceHealth" status
expect_within "$limit" "$us" "eu fails over to us" ask eu "$host"
expect_stays 2 "$us" "us still returns its own" ask us "$host"

endpoints_set_ready eu "$E2E_WORK/eu" true >/dev/null
expect_within "$limit" "Healthy" "eu's Gslb serviceHealth" status
expect_within "$limit" "$eu" "eu returns its own again" ask eu "$host"
expect_within "$limit" "$us" "us still returns its own" ask us "$host"

e2e_finish
