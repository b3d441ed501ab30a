# shellcheck shell=bash disable=SC2034,SC2153  # (INSTANCE and PASS_OBJ come from lib.sh's it_init)
# Sourced by the multi-cluster integration tests after lib.sh's it_init: clusters as xgslbd in
# members of one bridge LAN (tools/lib/topology.sh, the demo's), an edge BIND
# (tools/lib/edge_dns.sh), and their configs. Every daemon, namespace, pin and the named process
# are removed on exit, also on failure.
#
#   gslb_topology edge:1 eu:2 us:3            # the bridge; member NAME at 10.78.0.N/24, fd78::N/64
#   gslb_edge_key eu-key SECRET NS_NAME...    # before gslb_edge_start: may write the delegation's
#                                             # NS RRset and the A/AAAA of NS_NAME
#   gslb_edge_start DIR                       # named in member "edge"; edge_dig asks it
#   gslb_config OUT TAG KEY SECRET [YAML...]  # a cluster config (instance $INSTANCE-TAG)
#   gslb_eu_us_up; gslb_app_config eu "172.18.0.3"  # the usual: edge, eu, us; app served by eu
#   gslb_start NAME MEMBER CONFIG             # xgslbd in MEMBER's namespace, log $WORK_DIR/NAME.log

# shellcheck source=../../tools/lib/topology.sh
source "$IT_SOURCE_DIR/tools/lib/topology.sh"
# shellcheck source=../../tools/lib/edge_dns.sh
source "$IT_SOURCE_DIR/tools/lib/edge_dns.sh"

command -v named >/dev/null || { echo "missing named (bind9; tools/install-deps.sh)" >&2; exit 1; }
command -v dig >/dev/null || { echo "missing dig (bind9-dnsutils; tools/install-deps.sh)" >&2; exit 1; }

GSLB_EU_SECRET=ZXUtc2VjcmV0LWV1LXNlY3JldC1ldS1zZWNyZXQtMzI=
GSLB_US_SECRET=dXMtc2VjcmV0LXVzLXNlY3JldC11cy1zZWNyZXQtMzI=
declare -A GSLB_MEMBER_INDEX=()
GSLB_EDGE_POLICY=
GSLB_EDGE_SECRETS=()

member_v4() { echo "10.78.0.${GSLB_MEMBER_INDEX[$1]}"; }
member_v6() { echo "fd78::${GSLB_MEMBER_INDEX[$1]}"; }

gslb_topology() {
  local spec name
  topo_create "$PASS_OBJ"
  for spec in "$@"; do
    name=${spec%%:*}
    GSLB_MEMBER_INDEX[$name]=${spec##*:}
    topo_add_member "$name" "$(member_v4 "$name")/24" "$(member_v6 "$name")/64"
  done
}

# gslb_edge_key NAME SECRET NS_NAME...: an hmac-sha256 key allowed to write the gslb zone's NS
# RRset and the A/AAAA records of the NS names given (k8gb's ExternalDNS RFC 2136 set-up).
gslb_edge_key() {
  local key=$1 secret=$2 ns; shift 2
  GSLB_EDGE_SECRETS+=("$key" "$secret")
  GSLB_EDGE_POLICY+="grant $key name cloud.example.com. NS; "
  for ns in "$@"; do GSLB_EDGE_POLICY+="grant $key name $ns. A AAAA; "; done
}

gslb_edge_start() {
  local dir=$1 i
  mkdir -p "$dir"
  for ((i = 0; i < ${#GSLB_EDGE_SECRETS[@]}; i += 2)); do
    edge_key_add "${GSLB_EDGE_SECRETS[i]}" "${GSLB_EDGE_SECRETS[i + 1]}" "$dir"
  done
  edge_dns_start edge "$(member_v4 edge)" "$dir" example.com "$GSLB_EDGE_POLICY"
}

# gslb_eu_us_up: the bridge with edge, eu and us, and named at the edge with eu-key and us-key
# (GSLB_EU_SECRET, GSLB_US_SECRET), each allowed the NS RRset and its own cluster's glue.
gslb_eu_us_up() {
  gslb_topology edge:1 eu:2 us:3
  gslb_edge_key eu-key "$GSLB_EU_SECRET" gslb-ns-eu-cloud.example.com
  gslb_edge_key us-key "$GSLB_US_SECRET" gslb-ns-us-cloud.example.com
  gslb_edge_start "$WORK_DIR/named" || fail "named did not start"
}

# gslb_app_config TAG "ADDRESS, ...": $WORK_DIR/TAG.yaml, cluster TAG (eu or us, with its key)
# serving app.cloud.example.com round robin from those targets of its own.
gslb_app_config() {
  local tag=$1 targets=$2 secret=$GSLB_US_SECRET
  [[ $tag == eu ]] && secret=$GSLB_EU_SECRET
  gslb_config "$WORK_DIR/$tag.yaml" "$tag" "$tag-key" "$secret" 'records:' \
    "  - {name: app.cloud.example.com, ttl: 5, strategy: {type: roundRobin}, targets: {$tag: [$targets]}}"
}

# gslb_app_answer FROM TAG [DIG_FLAGS...]: cluster TAG's A set for app, asked from member FROM,
# sorted. No cookie: the XDP program answers it; +tcp: the slow path does.
gslb_app_answer() {
  local from=$1 tag=$2; shift 2
  in_ns "$from" dig +norec +nocookie +time=1 +tries=1 +short "$@" "@$(member_v4 "$tag")" app.cloud.example.com A | sort | xargs
}

# gslb_app_is FROM TAG EXPECTED: TAG's XDP answer for app is EXPECTED (for wait_for).
gslb_app_is() { [[ $(gslb_app_answer "$1" "$2") == "$3" ]]; }

# gslb_app_stays SECONDS FROM TAG EXPECTED WHAT: TAG's app answer, from XDP and from the slow
# path, is EXPECTED every time it is asked for SECONDS (a fault must not change it).
gslb_app_stays() {
  local end=$((SECONDS + $1)) from=$2 tag=$3 expected=$4 what=$5
  while ((SECONDS < end)); do
    assert_eq "$tag's XDP answer $what" "$expected" "$(gslb_app_answer "$from" "$tag")"
    assert_eq "$tag's slow-path answer $what" "$expected" "$(gslb_app_answer "$from" "$tag" +tcp)"
    sleep 0.2
  done
}

# dig at the edge, non-recursive, short timeouts, from the edge's own namespace.
edge_dig() { in_ns edge dig +norec +time=1 +tries=2 "@$(member_v4 edge)" "$@"; }

# gslb_config OUT TAG KEY SECRET [EXTRA_YAML_LINES...]: cluster TAG on the member of that name,
# answering on its addresses, peering with eu and us through the edge member "edge", keeping
# its delegation with KEY. Extra lines are appended (records:, more keys).
gslb_config() {
  local out=$1 tag=$2 key=$3 secret=$4; shift 4
  local instance="$INSTANCE-$tag"
  topo_forget_pins "$instance"
  cat >"$out.tmp" <<YAML
instance: $instance
geoTag: $tag
zones:
  - zone: cloud.example.com
xdp:
  interfaces: [lan0]
  mode: native
dns:
  listen: ["$(member_v4 "$tag"):53", "[$(member_v6 "$tag")]:53"]
  tsigKeys: [{name: $key, algorithm: hmac-sha256, secret: "$secret"}]
gslb:
  zone: cloud.example.com
  edgeZone: example.com
  edgeServers: ["$(member_v4 edge):53"]
  geoTags: [eu, us]
  peerPollIntervalMs: ${GSLB_POLL_MS:-500}
  peerTimeoutMs: ${GSLB_TIMEOUT_MS:-200}
  peerDropAfterMs: ${GSLB_DROP_MS:-2000}
  edgeUpdate: {tsigKey: $key${GSLB_NS_ADDRESSES:+, nsAddresses: $GSLB_NS_ADDRESSES}}
YAML
  local line
  for line in "$@"; do printf '%s\n' "$line" >>"$out.tmp"; done
  mv "$out.tmp" "$out"
}

gslb_start() {
  local name=$1 member=$2 config=$3
  in_ns_bg "$member" "$WORK_DIR/$name.log" "$XGSLBD" --config "$config"
  IT_DAEMON_NAMES+=("$name")
  IT_DAEMON_PID[$name]=$TOPO_BG_PID
}

# gslb_stop NAME: SIGTERM, and wait (bounded) for the exit.
gslb_stop() {
  it_stop_pid "${IT_DAEMON_PID[$1]}"
}

now_ms() { echo $(($(date +%s%N) / 1000000)); }
