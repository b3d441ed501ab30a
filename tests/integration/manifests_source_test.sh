#!/usr/bin/env bash
# The manifests source end to end: xgslbd with `source: {manifests: DIR}` holding k8gb's own
# sample Gslbs (tests/fixtures/k8gb/, unchanged) and the cluster around them
# (tests/fixtures/controller/cluster.yaml). kdig from the client namespace must get the healthy
# host's Ingress addresses from XDP (counter deltas), nothing for the unhealthy and not-found
# hosts, and k8gb-shaped statuses in DIR/.status. Then the cluster changes by file:
#   * the EndpointSlice's endpoints become not ready (in-place write) -> the answer goes away;
#   * back to ready (a rename over the file, as editors do)            -> the answer is back;
#   * the file is broken -> logged with file:line, the last good version keeps being served;
#   * an Ingress annotated k8gb.io/strategy -> its Gslb file is created and its host answered.
#   bash tests/integration/manifests_source_test.sh BUILD_DIR
source "$(dirname "$0")/lib.sh"
it_init "${1:-}"

k8gb_manifests_config </dev/null

start_daemon main "$WORK_DIR/xgslbd.yaml"
wait_ready main

# answers NAME TYPE: the sorted addresses of one UDP answer (empty for none); counts it.
answers() {
  local r
  r=$(dns_query "@$SERVER_V4" "$1" "$2" +noedns) || fail "no response for $1 $2"
  jq -r '[.answerRRs[]? | (.rdataA // .rdataAAAA)] | sort | join(" ")' <<<"$r"
}
rcode() { dns_query "@$SERVER_V4" "$1" "$2" +noedns | jq -r .RCODE; }

before=$(stats_json)
assert_eq "roundrobin A (Healthy: the Ingress' IPv4)" "172.18.0.3 172.18.0.4" "$(answers roundrobin.cloud.example.com A)"
assert_eq "roundrobin AAAA (Healthy: the Ingress' IPv6)" "2001:db8::3" "$(answers roundrobin.cloud.example.com AAAA)"
assert_eq "failover A" "172.18.0.10" "$(answers failover.cloud.example.com A)"
assert_eq "localtargets- of roundrobin" "172.18.0.3 172.18.0.4" "$(answers localtargets-roundrobin.cloud.example.com A)"
assert_eq "unhealthy: no records" 3 "$(rcode unhealthy.cloud.example.com A)"
assert_eq "notfound: no records" 3 "$(rcode notfound.cloud.example.com A)"
after=$(stats_json)
assert_eq "XDP answered the A queries" 3 "$(counter_delta "$before" "$after" answered_a)"
assert_eq "XDP answered the AAAA query" 1 "$(counter_delta "$before" "$after" answered_aaaa)"
assert_eq "XDP answered the NXDOMAINs" 2 "$(counter_delta "$before" "$after" answered_nxdomain)"
pass "k8gb samples served from XDP: Healthy answered, Unhealthy and NotFound not"

status=$M/.status/test-gslb.test-gslb.json
wait_for 5 test -s "$status" || fail "no status file $status"
assert_eq "serviceHealth as k8gb writes it" \
  '{"notfound.cloud.example.com":"NotFound","roundrobin.cloud.example.com":"Healthy","unhealthy.cloud.example.com":"Unhealthy"}' \
  "$(jq -cS .serviceHealth "$status")"
assert_eq "healthyRecords" '{"roundrobin.cloud.example.com":["172.18.0.3","172.18.0.4","2001:db8::3"]}' \
  "$(jq -cS .healthyRecords "$status")"
assert_eq "geoTag" eu "$(jq -r .geoTag "$status")"
pass "status written back: serviceHealth, healthyRecords, geoTag"

# wait_answer NAME TYPE EXPECTED: polls until the answer is EXPECTED (at most 3 s).
wait_answer() {
  local deadline=$((SECONDS + 3)) got
  while :; do
    got=$(answers "$1" "$2")
    [[ $got == "$3" ]] && return 0
    ((SECONDS < deadline)) || fail "$1 $2: expected '$3' within 3 s, still '$got'"
    sleep 0.05
  done
}

publishes=$(grep -c 'published zones=' "$(daemon_log main)")
sed -e 's/conditions: {ready: true}/conditions: {ready: false}/' -e 's/conditions: {}/conditions: {ready: false}/' \
  "$M/cluster.yaml" >"$WORK_DIR/zero.yaml"
cat "$WORK_DIR/zero.yaml" >"$M/cluster.yaml"   # in place: IN_CLOSE_WRITE
wait_answer roundrobin.cloud.example.com A ""
assert_eq "scaled to zero: NXDOMAIN" 3 "$(rcode roundrobin.cloud.example.com A)"
assert_eq "scaled to zero: localtargets gone too" "" "$(answers localtargets-roundrobin.cloud.example.com A)"
wait_for 3 grep -q '"roundrobin.cloud.example.com": "Unhealthy"' "$status" || fail "status not Unhealthy: $(cat "$status")"
assert_eq "scaled to zero: healthyRecords empty" '{}' "$(jq -c .healthyRecords "$status")"
pass "endpoints not ready -> host Unhealthy, records removed from XDP, status rewritten"

cp "$IT_SOURCE_DIR/tests/fixtures/controller/cluster.yaml" "$M/.cluster.yaml.swp"
mv "$M/.cluster.yaml.swp" "$M/cluster.yaml"    # a rename over the file: IN_MOVED_TO
wait_answer roundrobin.cloud.example.com A "172.18.0.3 172.18.0.4"
pass "endpoints ready again -> answered again"
((publishes < $(grep -c 'published zones=' "$(daemon_log main)"))) || fail "no publish logged for the changes"

printf 'kind: EndpointSlice\nmetadata: {name: broken\n' >"$M/cluster.yaml"
wait_log main 'cluster.yaml:[0-9]+: YAML syntax.*keeping its last good version' 1 3
assert_eq "bad file: the last good data is served" "172.18.0.3 172.18.0.4" "$(answers roundrobin.cloud.example.com A)"
cp "$IT_SOURCE_DIR/tests/fixtures/controller/cluster.yaml" "$M/cluster.yaml"
pass "bad file logged with file:line, last good version kept"

cat >"$M/shop.yaml" <<'YAML'
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: shop
  namespace: test-gslb
  annotations: {k8gb.io/strategy: roundRobin, k8gb.io/dns-ttl-seconds: "10"}
spec:
  rules:
  - host: shop.cloud.example.com
    http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: frontend-podinfo, port: {name: http}}}}]}
status:
  loadBalancer: {ingress: [{ip: 172.18.0.50}]}
YAML
wait_answer shop.cloud.example.com A "172.18.0.50"
gslb=$M/test-gslb.shop.gslb.json
[[ -s $gslb ]] || fail "no Gslb file $gslb"
assert_eq "created Gslb owned by the Ingress" "Ingress shop true" \
  "$(jq -r '.metadata.ownerReferences[0] | "\(.kind) \(.name) \(.controller)"' "$gslb")"
assert_eq "created Gslb's strategy" '{"dnsTtlSeconds":10,"type":"roundRobin"}' "$(jq -cS .spec.strategy "$gslb")"
assert_eq "its TTL" 10 "$(dns_query "@$SERVER_V4" shop.cloud.example.com A +noedns | jq '.answerRRs[0].TTL')"
pass "annotated Ingress -> Gslb created (owned by it) -> host answered"

# The Kubernetes API source in-cluster, outside a pod (no KUBERNETES_SERVICE_HOST): a clear
# error at start, before touching BPF state.
sed -e "s/^instance: .*/instance: $INSTANCE-k8s/" -e 's/^source: .*/source: {kubernetes: {}}/' \
  "$WORK_DIR/xgslbd.yaml" >"$WORK_DIR/k8s.yaml"
start_daemon k8s "$WORK_DIR/k8s.yaml"
wait_exit k8s 10
((EXIT_STATUS != 0)) || fail "xgslbd with source.kubernetes exited 0"
grep -q 'KUBERNETES_SERVICE_HOST' "$(daemon_log k8s)" || fail "no clear message: $(cat "$(daemon_log k8s)")"
[[ ! -e /sys/fs/bpf/xgslb/$INSTANCE-k8s ]] || fail "BPF state created for a config that cannot start"
pass "source.kubernetes outside a cluster: clear error at start, nothing touched"
