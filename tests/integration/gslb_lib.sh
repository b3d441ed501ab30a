# shellcheck shell=bash disable=SC2034,SC2153  # (INSTANCE and PASS_OBJ come from lib.sh's it_init)
# Sourced by the multi-cluster integration tests after lib.sh's it_init: clusters as xgslbd in
# members of a bridge (tools/lib/netns_bridge.sh), an edge BIND (tools/lib/edge_named.sh), and
# their configs. Every daemon, namespace, pin and the named process are removed on exit.
#
#   gslb_topology edge:1 eu:2 us:3           # the bridge and its members
#   gslb_config OUT TAG KEY SECRET [YAML...]  # a cluster config (instance $INSTANCE-TAG)
#   gslb_start NAME MEMBER CONFIG             # xgslbd in MEMBER's namespace, log $WORK_DIR/NAME.log

# shellcheck source=../../tools/lib/netns_bridge.sh
source "$IT_SOURCE_DIR/tools/lib/netns_bridge.sh"
# shellcheck source=../../tools/lib/edge_named.sh
source "$IT_SOURCE_DIR/tools/lib/edge_named.sh"

command -v named >/dev/null || { echo "missing named (bind9; tools/install-deps.sh)" >&2; exit 1; }
command -v dig >/dev/null || { echo "missing dig (bind9-dnsutils; tools/install-deps.sh)" >&2; exit 1; }

gslb_topology() {
  local spec
  bridge_create "$PASS_OBJ"
  netns_on_exit edge_named_stop
  for spec in "$@"; do bridge_join "${spec%%:*}" "${spec##*:}"; done
}

# gslb_config OUT TAG KEY SECRET [EXTRA_YAML_LINES...]: cluster TAG on the member of that name,
# answering on its bridge addresses, peering with eu and us through the edge member "edge",
# keeping its delegation with KEY. Extra lines are appended (records:, more keys).
gslb_config() {
  local out=$1 tag=$2 key=$3 secret=$4; shift 4
  local instance="$INSTANCE-$tag"
  netns_on_exit "rm -rf /sys/fs/bpf/xgslb/$instance"
  cat >"$out.tmp" <<YAML
instance: $instance
geoTag: $tag
zones:
  - zone: cloud.example.com
xdp:
  interfaces: [v0]
  mode: native
dns:
  listen: ["$(bridge_v4 "$tag"):53", "[$(bridge_v6 "$tag")]:53"]
  tsigKeys: [{name: $key, algorithm: hmac-sha256, secret: "$secret"}]
gslb:
  zone: cloud.example.com
  edgeZone: example.com
  edgeServers: ["$(bridge_v4 edge):53"]
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
  in_ns_bg "$member" "$XGSLBD" --config "$config" >"$WORK_DIR/$name.log" 2>&1
  IT_DAEMON_NAMES+=("$name")
  IT_DAEMON_PID[$name]=$NS_BG_PID
}

# gslb_stop NAME: SIGTERM, and wait (bounded) for the exit.
gslb_stop() {
  it_stop_pid "${IT_DAEMON_PID[$1]}"
}

now_ms() { echo $(($(date +%s%N) / 1000000)); }
