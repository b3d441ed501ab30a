#!/usr/bin/env bash
# Fault: the Kubernetes API server slow, returning errors, and down — for the daemon as a whole
# (xgslbd with `source: {kubernetes: …}` against tests/k8s_api_double over HTTPS, its own CA and
# token, in the test's server namespace). Good data first (an Ingress' address served by XDP and
# the slow path); then
#   slow:   every request and stream stalls 4 s: answers unchanged, nothing logged as an error;
#   errors: watches cut and the next 12 requests answer 500: answers unchanged, one error line
#           ("source not current"), one recovery line, and a change made then is served;
#   down:   the API server process stopped for 4 s, then started again (etcd kept: versions go
#           on, old watches get 410): answers unchanged, /readyz stays 200 (fail-static) while
#           xgslb_source_healthy is 0, one error, one recovery line (and the gauge 1 again), and
#           the change made while it was down is served.
#   bash tests/integration/fault_api_server_test.sh BUILD_DIR
source "$(dirname "$0")/lib.sh"
it_init "${1:-}"
command -v openssl >/dev/null || { echo "missing openssl" >&2; exit 1; }

api_port=16443 token=fault-test-token
certs=$WORK_DIR/certs objects=$WORK_DIR/objects
mkdir -p "$certs" "$objects"
ec=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes)
openssl req -x509 "${ec[@]}" -keyout "$certs/ca.key" -out "$certs/ca.crt" -days 2 -subj /CN=xgslb-fault-ca 2>/dev/null
openssl req "${ec[@]}" -keyout "$certs/server.key" -out "$certs/server.csr" -subj /CN=kube-apiserver 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1\n' >"$certs/san.ext"
openssl x509 -req -in "$certs/server.csr" -CA "$certs/ca.crt" -CAkey "$certs/ca.key" -CAcreateserial \
  -out "$certs/server.crt" -days 2 -extfile "$certs/san.ext" 2>/dev/null
printf '%s\n' "current-context: test" \
  "contexts: [{name: test, context: {cluster: double, user: tester}}]" \
  "clusters: [{name: double, cluster: {server: \"https://127.0.0.1:$api_port\", certificate-authority: $certs/ca.crt}}]" \
  "users: [{name: tester, user: {token: $token}}]" >"$WORK_DIR/kubeconfig"

# ingress_json ADDRESS: the app's Ingress with that load-balancer address (what the Gslb serves).
ingress_json() {
  printf '%s' '{"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
 "metadata": {"name": "app", "namespace": "demo", "labels": {"app": "app-gslb"}},
 "spec": {"rules": [{"host": "app.cloud.example.com", "http": {"paths": [{"path": "/", "pathType": "Prefix",
   "backend": {"service": {"name": "app", "port": {"name": "http"}}}}]}}]},
 "status": {"loadBalancer": {"ingress": [{"ip": "'"$1"'"}]}}}'
}
to_yaml() { python3 -c 'import json,sys,yaml; yaml.safe_dump(json.load(sys.stdin), sys.stdout)'; }
printf '%s\n' \
  'apiVersion: k8gb.absa.oss/v1beta1' 'kind: Gslb' 'metadata: {name: app, namespace: demo}' 'spec:' \
  '  resourceRef: {apiVersion: networking.k8s.io/v1, kind: Ingress, matchLabels: {app: app-gslb}}' \
  '  strategy: {type: roundRobin, dnsTtlSeconds: 30}' '---' \
  'apiVersion: v1' 'kind: Service' 'metadata: {name: app, namespace: demo}' 'spec:' \
  '  selector: {app: app}' '  ports: [{name: http, port: 80}]' '---' \
  'apiVersion: discovery.k8s.io/v1' 'kind: EndpointSlice' \
  'metadata: {name: app-1, namespace: demo, labels: {kubernetes.io/service-name: app}}' \
  'addressType: IPv4' 'endpoints: [{addresses: [10.42.0.10], conditions: {ready: true}}]' \
  'ports: [{name: http, port: 80, protocol: TCP}]' >"$objects/cluster.yaml"
ingress_json 172.18.0.5 | to_yaml >"$objects/ingress.yaml"

api_start() {  # [START_RESOURCE_VERSION]
  rm -f "$WORK_DIR/api.port"
  in_server_bg python3 "$IT_SOURCE_DIR/tests/k8s_api_double/api_double.py" --cert "$certs/server.crt" \
    --key "$certs/server.key" --token "$token" --port "$api_port" --port-file "$WORK_DIR/api.port" \
    --objects "$objects" --start-resource-version "${1:-0}" >>"$WORK_DIR/api.log" 2>&1
  API_PID=$SERVER_BG_PID
  netns_on_exit "it_stop_pid $API_PID"
  wait_for 10 test -s "$WORK_DIR/api.port" || fail "the API double did not start: $(tail -5 "$WORK_DIR/api.log")"
}
api() {  # PATH [JSON]: the double's control endpoint
  local data=()
  [[ -n ${2:-} ]] && data=(-H 'Content-Type: application/json' -d "$2")
  in_server curl -sf --max-time 5 --cacert "$certs/ca.crt" -H "Authorization: Bearer $token" "${data[@]}" \
    "https://127.0.0.1:$api_port$1"
}
api_start

config=$WORK_DIR/xgslbd.yaml
printf '%s\n' "instance: $INSTANCE" 'geoTag: eu' 'zones:' '  - zone: cloud.example.com' \
  'xdp:' "  interfaces: [$IF_SERVER]" '  mode: native' \
  'dns:' "  listen: [\"$SERVER_V4:53\"]" '  workers: 1' \
  'metrics: {listen: "127.0.0.1:9153"}' \
  'source:' "  kubernetes: {kubeconfig: $WORK_DIR/kubeconfig}" >"$config"
start_daemon main "$config"
wait_ready main 30

xdp_a() { xdp_answer_a "@$SERVER_V4" app.cloud.example.com; }
slow_a() { answer_a "@$SERVER_V4" app.cloud.example.com +tcp; }
xdp_is() { [[ $(xdp_a) == "$1" ]]; }
synced() { in_server curl -s --max-time 2 http://127.0.0.1:9153/metrics | awk '$1 == "xgslb_source_healthy" { print $2 }'; }
synced_is() { [[ $(synced) == "$1" ]]; }
readyz() { in_server curl -s -o /dev/null -w '%{http_code}' --max-time 2 http://127.0.0.1:9153/readyz; }
log_mark=0
mark() { log_mark=$(wc -l <"$(daemon_log main)"); }
since() { tail -n +"$((log_mark + 1))" "$(daemon_log main)"; }
errors_since() { since | grep -c 'level=error' || true; }
# holds SECONDS EXPECTED: both paths answer EXPECTED throughout.
holds() {
  local end=$((SECONDS + $1))
  while ((SECONDS < end)); do
    assert_eq "XDP answer during the fault" "$2" "$(xdp_a)"
    assert_eq "slow-path answer during the fault" "$2" "$(slow_a)"
    sleep 0.25
  done
}

wait_for 15 xdp_is 172.18.0.5 || fail "XDP before the faults: $(xdp_a)"
assert_eq "slow path before the faults" 172.18.0.5 "$(slow_a)"
assert_eq "/readyz before" 200 "$(readyz)"
wait_for 3 synced_is 1 || fail "xgslb_source_healthy before the faults: '$(synced)'"
pass "serving the Ingress' 172.18.0.5 from the API server (XDP and slow path), /readyz 200"

# ---- slow -------------------------------------------------------------------------------------
mark
api /_control/fault '{"stall_seconds": 4}' >/dev/null
holds 4 172.18.0.5
api /_control/apply "$(ingress_json 172.18.0.6)" >/dev/null
wait_for 10 xdp_is 172.18.0.6 || fail "XDP after the stall: $(xdp_a)"
assert_eq "slow path after the stall" 172.18.0.6 "$(slow_a)"
assert_eq "error lines for a slow API server" 0 "$(errors_since)"
pass "API server stalled 4 s: answers unchanged, no error; a change after it served (172.18.0.6)"

# ---- errors -----------------------------------------------------------------------------------
mark
api /_control/fault '{"drop_watches": true, "fail_next": 12, "fail_code": 500}' >/dev/null
wait_log main 'model: source not current' 1 10
holds 2 172.18.0.6
wait_for 3 synced_is 0 || fail "xgslb_source_healthy while the API server fails: '$(synced)'"
wait_log main 'model: source current again' 1 40
api /_control/apply "$(ingress_json 172.18.0.7)" >/dev/null
wait_for 10 xdp_is 172.18.0.7 || fail "XDP after the errors: $(xdp_a)"
assert_eq "slow path after the errors" 172.18.0.7 "$(slow_a)"
assert_eq "one error line for 12 failed requests" 1 "$(errors_since)"
wait_for 10 synced_is 1 || fail "xgslb_source_healthy after the errors: '$(synced)'"
pass "12 x HTTP 500 with the watches cut: one error ($(since | grep -o 'source not current.*' | cut -c1-90)...), recovered, change served"

# ---- down -------------------------------------------------------------------------------------
mark
last_rv=$(api /_control/objects | jq -r .resourceVersion)
it_stop_pid "$API_PID"
wait_log main 'model: source not current' 1 10
holds 4 172.18.0.7
assert_eq "/readyz with the API server down (serving the last good data)" 200 "$(readyz)"
assert_eq "xgslb_source_healthy with the API server down" 0 "$(synced)"
ingress_json 172.18.0.8 | to_yaml >"$objects/ingress.yaml"
api_start $((last_rv + 1000))
wait_log main 'model: source current again' 1 40
wait_for 10 xdp_is 172.18.0.8 || fail "XDP after the API server came back: $(xdp_a)"
assert_eq "slow path after the API server came back" 172.18.0.8 "$(slow_a)"
assert_eq "one error line for the outage" 1 "$(errors_since)"
wait_for 10 synced_is 1 || fail "xgslb_source_healthy after the outage: '$(synced)'"
pass "API server down 4 s: answers unchanged, /readyz 200, one error ($(since | grep -o 'source not current.*' | cut -c1-90)...), recovered by itself, change served"
