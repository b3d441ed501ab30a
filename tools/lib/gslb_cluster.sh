# shellcheck shell=bash
# Sourced after tools/lib/topology.sh: one "cluster" of the demo — an xgslbd with XDP on its
# namespace's lan0, fed by a directory of k8gb-style manifests, and the region app behind the
# cluster's ingress address.
#
#   cluster_config TAG DNS_ADDR DIR EDGE_ADDR "TAG..."  # DIR/xgslbd.yaml; manifests in DIR/manifests
#   cluster_start TAG DIR BUILD                          # xgslbd in namespace TAG, until "xgslbd ready"
#   cluster_stop TAG                                     # SIGTERM: detaches, unpins, stops answering
#   app_start TAG ADDR DIR SRC                           # the region app on ADDR:80
#   endpoints_set_ready TAG DIR true|false               # the EndpointSlice rewritten, atomically
#   gslb_status DIR NAME                                 # the Gslb demo/NAME's status, as JSON
#
# Short timers on purpose: the peer poll interval (CLUSTER_POLL_MS) bounds how long a cluster
# keeps answering with another cluster's stale targets; CLUSTER_DROP_MS how long a silent peer
# is still believed.

CLUSTER_POLL_MS=${CLUSTER_POLL_MS:-1000}
CLUSTER_DROP_MS=${CLUSTER_DROP_MS:-3000}
declare -A CLUSTER_PID=()

cluster_instance() { echo "$TOPO_TAG-$1"; }

# cluster_config TAG DNS_ADDR DIR EDGE_ADDR ALL_TAGS: DIR/xgslbd.yaml. The TSIG secret is read
# from DIR/TAG-key.secret (the key the edge grants this cluster's delegation records to).
cluster_config() {
  local tag=$1 addr=$2 dir=$3 edge=$4 tags=$5
  cat >"$dir/xgslbd.yaml" <<EOF
# Cluster "$tag" of the multi-cluster demo (written by tools/lib/gslb_cluster.sh).
instance: $(cluster_instance "$tag")
logLevel: info
geoTag: $tag
zones:
  - zone: cloud.example.com   # ns omitted: every cluster's gslb-ns-<tag>-cloud.example.com
    negativeTtl: 5
xdp:
  interfaces: [lan0]
  mode: auto
dns:
  listen: ["$addr:53"]
  workers: 1
  tsigKeys:
    - {name: $tag-key, algorithm: hmac-sha256, secretFile: $tag-key.secret}
source:
  manifests: manifests
gslb:
  zone: cloud.example.com
  edgeZone: example.com
  edgeServers: ["$edge:53"]
  geoTags: [${tags// /, }]
  peerPollIntervalMs: $CLUSTER_POLL_MS
  peerDropAfterMs: $CLUSTER_DROP_MS
  edgeUpdate: {tsigKey: $tag-key}
EOF
}

cluster_start() {
  local tag=$1 dir=$2 build=$3 log
  log="$dir/xgslbd.log"
  topo_forget_pins "$(cluster_instance "$tag")"
  in_ns_bg "$tag" "$log" "$build/userspace/xgslbd" --config "$dir/xgslbd.yaml"
  CLUSTER_PID[$tag]=$TOPO_BG_PID
  wait_for 20 grep -q "xgslbd ready" "$log" || {
    echo "cluster $tag: xgslbd not ready; its log:" >&2
    tail -30 "$log" >&2
    return 1
  }
}

cluster_stop() { topo_stop_pid "${CLUSTER_PID[$1]}"; }

app_start() {
  local tag=$1 addr=$2 dir=$3 src=$4
  in_ns_bg "$tag" "$dir/app.log" python3 "$src/tools/demo/region_app.py" --region "$tag" --listen "$addr" --port 80
  wait_for 10 grep -q "listening" "$dir/app.log"
}

# Rewrites every `ready:` of the cluster's EndpointSlice manifest. Written beside and renamed
# over the file, so the daemon's inotify watch never reads it half-written. Prints the time of
# the rename (seconds since the epoch, with nanoseconds): where a measured switch starts.
endpoints_set_ready() {
  local tag=$1 dir=$2 ready=$3
  local file="$dir/manifests/endpointslice-frontend-podinfo.yaml"
  sed -E "s/^( *ready:) (true|false)$/\1 $ready/" "$file" >"$dir/endpointslice.tmp"
  mv "$dir/endpointslice.tmp" "$file"
  date +%s.%N
}

# The status the manifests source writes for Gslb demo/NAME (the API source would PUT it to
# the Gslb's /status): serviceHealth, healthyRecords, geoTag. Empty until written.
gslb_status() { cat "$1/manifests/.status/demo.$2.json" 2>/dev/null || true; }
