#!/usr/bin/env bash
# Secrets never appear in logs or metrics (issue 9, least privilege). Two daemons at logLevel
# debug, each driven into the errors that concern its secret:
#   * "edge": gslb edge updates signed with a TSIG key (inline `secret:` in the config) sent to
#     a real BIND in the client namespace that knows the key name with another secret: the
#     updates are refused (BADSIG / NOTAUTH) and the daemon reports it;
#   * "kube": `source: {kubernetes: {kubeconfig: ...}}` with a bearer token the API server
#     (tests/k8s_api_double, TLS on the server namespace's loopback) rejects: 401, reported.
# Neither secret may occur in either log or in /metrics; each log must show the error (so the
# paths ran) and name the key or the kubeconfig (so the grep reads the right file).
#   bash tests/integration/secrets_not_logged_test.sh BUILD_DIR
source "$(dirname "$0")/lib.sh"
it_init "${1:-}"
for tool in named openssl curl python3; do command -v "$tool" >/dev/null || fail "missing $tool (tools/install-deps.sh)"; done

# Secrets unique to this run, so a match can only come from this run's daemons.
tsig_secret=$(head -c 32 /dev/urandom | base64)
edge_secret=$(head -c 32 /dev/urandom | base64)    # what the edge holds for the same key name
token="xgslb-secret-token-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
edge_addr=$CLIENT_V4

# ---- the edge DNS: BIND in the client namespace, key edge-key with another secret ----------------
E=$WORK_DIR/edge
mkdir "$E"
cat >"$E/named.conf" <<CONF
options {
  directory "$E"; pid-file "$E/named.pid"; session-keyfile "$E/session.key"; managed-keys-directory "$E";
  listen-on port 53 { $edge_addr; }; listen-on-v6 { none; };
  recursion no; allow-query { any; }; allow-transfer { none; }; dnssec-validation no; notify no;
};
controls { };
key "edge-key" { algorithm hmac-sha256; secret "$edge_secret"; };
zone "example.com" { type primary; file "$E/example.com.zone"; update-policy { grant edge-key subdomain cloud.example.com. ANY; }; };
CONF
printf '$TTL 30\n@ IN SOA ns1 hostmaster 1 60 60 600 5\n  IN NS ns1\nns1 IN A %s\n' "$edge_addr" >"$E/example.com.zone"
# nsenter execs the command, so $! is named itself (a shell function in the background would
# leave its own subshell's pid, and named running after the test).
nsenter --net="/run/netns/$NS_CLIENT" named -g -4 -n 1 -c "$E/named.conf" >"$E/named.log" 2>&1 &
named_pid=$!
netns_on_exit "kill $named_pid; wait $named_pid"
wait_for 15 in_client dig +time=1 +tries=1 +norecurse "@$edge_addr" example.com SOA +short ||
  fail "named did not start: $(tail -5 "$E/named.log")"

# ---- the API server double with its own CA; the daemon's kubeconfig holds a rejected token -----
K=$WORK_DIR/kube
mkdir "$K"
ec=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes)
openssl req -x509 "${ec[@]}" -keyout "$K/ca.key" -out "$K/ca.crt" -days 2 -subj /CN=xgslb-test-ca 2>/dev/null
openssl req "${ec[@]}" -keyout "$K/server.key" -out "$K/server.csr" -subj /CN=kube-apiserver 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1\n' >"$K/san.ext"
openssl x509 -req -in "$K/server.csr" -CA "$K/ca.crt" -CAkey "$K/ca.key" -CAcreateserial -out "$K/server.crt" \
  -days 2 -extfile "$K/san.ext" 2>/dev/null
nsenter --net="/run/netns/$NS_SERVER" python3 "$IT_SOURCE_DIR/tests/k8s_api_double/api_double.py" \
  --cert "$K/server.crt" --key "$K/server.key" --token "the-right-token" --port-file "$K/port" >"$K/api.log" 2>&1 &
api_pid=$!
netns_on_exit "kill $api_pid; wait $api_pid"
wait_for 10 test -s "$K/port" || fail "the API double did not start: $(cat "$K/api.log")"
cat >"$K/kubeconfig" <<CONF
apiVersion: v1
kind: Config
current-context: soak
contexts: [{name: soak, context: {cluster: double, user: xgslb}}]
clusters: [{name: double, cluster: {server: "https://127.0.0.1:$(cat "$K/port")", certificate-authority-data: $(base64 -w0 "$K/ca.crt")}}]
users: [{name: xgslb, user: {token: $token}}]
CONF

# ---- the two daemons ------------------------------------------------------------------------------
mkdir "$WORK_DIR/manifests"
cp "$IT_SOURCE_DIR"/tests/fixtures/k8gb/*.yaml "$IT_SOURCE_DIR/tests/fixtures/controller/cluster.yaml" "$WORK_DIR/manifests/"
cat >"$WORK_DIR/edge.yaml" <<CONF
instance: $INSTANCE
logLevel: debug
geoTag: eu
zones: [{zone: cloud.example.com}]
xdp: {interfaces: [$IF_SERVER], mode: native}
dns:
  listen: ["$SERVER_V4:53"]
  tsigKeys: [{name: edge-key, algorithm: hmac-sha256, secret: "$tsig_secret"}]
source: {manifests: manifests}
gslb:
  zone: cloud.example.com
  edgeZone: example.com
  edgeServers: ["$edge_addr:53"]
  geoTags: [eu, us]
  peerPollIntervalMs: 500
  edgeUpdate: {tsigKey: edge-key}
metrics: {listen: "127.0.0.1:9153"}
CONF
cat >"$WORK_DIR/kube.yaml" <<CONF
instance: $INSTANCE-kube
logLevel: debug
geoTag: eu
zones: [{zone: cloud.example.com}]
dns: {listen: ["127.0.0.1:5300"]}
source: {kubernetes: {kubeconfig: $K/kubeconfig}}
metrics: {listen: "127.0.0.1:9154"}
CONF
netns_on_exit "rm -rf /sys/fs/bpf/xgslb/$INSTANCE-kube"
start_daemon edge "$WORK_DIR/edge.yaml"
start_daemon kube "$WORK_DIR/kube.yaml"
wait_ready edge
wait_ready kube 30  # after its first-state wait: the source never syncs with a rejected token
wait_log edge 'BADSIG|BADKEY|NOTAUTH|not in place' 1 20
wait_log kube 'HTTP 401' 2 20
grep -q 'edge-key' "$E/named.log" || fail "named never saw the key: $(tail -5 "$E/named.log")"
pass "the secrets' error paths ran: edge updates refused by BIND, 401 from the API server"

# ---- the check ------------------------------------------------------------------------------------
metrics_edge=$(in_server curl -sf --max-time 5 http://127.0.0.1:9153/metrics) || fail "no /metrics from edge"
metrics_kube=$(in_server curl -sf --max-time 5 http://127.0.0.1:9154/metrics) || fail "no /metrics from kube"
[[ $metrics_edge == *xgslb_* && $metrics_kube == *xgslb_* ]] || fail "/metrics without xgslb_ series"
# Positive controls: what is searched is what the daemons wrote.
grep -q 'edge-key' "$(daemon_log edge)" || fail "the edge log never names its key: is it the right file?"
grep -qF "$K/kubeconfig" "$(daemon_log kube)" || fail "the kube log never names its kubeconfig"
# ...and the secrets are spelled as the daemons were given them (a search that cannot match
# proves nothing).
grep -qF -- "$tsig_secret" "$WORK_DIR/edge.yaml" || fail "the TSIG secret is not in the edge config as searched"
grep -qF -- "$token" "$K/kubeconfig" || fail "the token is not in the kubeconfig as searched"
leaks=0
for where in "$(daemon_log edge)" "$(daemon_log kube)"; do
  for secret in "$tsig_secret" "$token"; do
    if grep -qF -- "$secret" "$where"; then
      echo "LEAK: a secret in $where: $(grep -nF -- "$secret" "$where" | head -3)" >&2
      leaks=$((leaks + 1))
    fi
  done
done
for secret in "$tsig_secret" "$token"; do
  for m in "$metrics_edge" "$metrics_kube"; do
    [[ $m != *"$secret"* ]] || { echo "LEAK: a secret in /metrics" >&2; leaks=$((leaks + 1)); }
  done
done
assert_eq "secrets found in logs or metrics" 0 "$leaks"
pass "neither the TSIG secret nor the bearer token in $(wc -l <"$(daemon_log edge)") + $(wc -l <"$(daemon_log kube)") log lines or /metrics"

# Nothing of this run may outlive it: the hooks stop named and the double by pid; check they can.
for pid in "$named_pid" "$api_pid"; do
  [[ $(cat "/proc/$pid/comm" 2>/dev/null) == @(named|python3) ]] || fail "pid $pid is not the process started"
done
