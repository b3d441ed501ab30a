# shellcheck shell=bash
# The article's topology on one machine, shared by tools/demo.sh and tests/integration/e2e_*:
#
#                      ┌──────────── bridge br0 (namespace <tag>-hub), 10.80.0.0/16 ─────────────┐
#   edge   10.80.0.2   named, zone example.com; keys eu-key/us-key may change cloud's delegation
#   eu     10.80.1.2   xgslbd (XDP on lan0), manifests in WORK/eu/manifests; app 10.80.1.10:80
#   us     10.80.2.2   xgslbd (XDP on lan0), manifests in WORK/us/manifests; app 10.80.2.10:80
#   client 10.80.9.2   unbound on 127.0.0.1 (stub for example.com -> edge), dig, curl
#
#   source tools/lib/gslb_topology.sh
#   gslb_topology_up SRC BUILD WORK [MANIFESTS]   # everything up; MANIFESTS default SRC/tools/demo/manifests
#   GSLB_STATIC=1 gslb_topology_up ...            # no peers/manifests: static records, static delegation
#
# Everything is removed on exit, on failure and on Ctrl-C (tools/lib/topology.sh).

GSLB_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tools/lib/topology.sh
source "$GSLB_LIB_DIR/topology.sh"
# shellcheck source=tools/lib/edge_dns.sh
source "$GSLB_LIB_DIR/edge_dns.sh"
# shellcheck source=tools/lib/resolver.sh
source "$GSLB_LIB_DIR/resolver.sh"
# shellcheck source=tools/lib/gslb_cluster.sh
source "$GSLB_LIB_DIR/gslb_cluster.sh"

GSLB_ZONE=cloud.example.com
EDGE_ZONE=example.com
EDGE_ADDR=10.80.0.2
CLIENT_ADDR=10.80.9.2
GSLB_TAGS=(eu us)
declare -A CLUSTER_DNS=([eu]=10.80.1.2 [us]=10.80.2.2)
declare -A CLUSTER_APP=([eu]=10.80.1.10 [us]=10.80.2.10)
GSLB_WORK=

# The region an app address belongs to ("eu" for 10.80.1.10), or the address itself.
region_of() {
  local tag
  for tag in "${GSLB_TAGS[@]}"; do [[ $1 == "${CLUSTER_APP[$tag]}" ]] && { echo "$tag"; return; }; done
  echo "$1"
}

# What each cluster key may change at the edge: the zone's NS set and its own glue, nothing else.
gslb_edge_policy() {
  local tag policy=
  for tag in "${GSLB_TAGS[@]}"; do
    policy+="grant $tag-key name $GSLB_ZONE. NS; grant $tag-key name gslb-ns-$tag-${GSLB_ZONE%."$EDGE_ZONE"}.$EDGE_ZONE. A AAAA; "
  done
  echo "$policy"
}

# The delegation as the clusters would write it, for GSLB_STATIC runs (no edge updates).
gslb_static_delegation() {
  local tag
  for tag in "${GSLB_TAGS[@]}"; do echo "${GSLB_ZONE%."$EDGE_ZONE"} 30 IN NS gslb-ns-$tag-${GSLB_ZONE%."$EDGE_ZONE"}.$EDGE_ZONE."; done
  for tag in "${GSLB_TAGS[@]}"; do echo "gslb-ns-$tag-${GSLB_ZONE%."$EDGE_ZONE"} 30 IN A ${CLUSTER_DNS[$tag]}"; done
}

gslb_topology_up() {
  local src=$1 build=$2 work=$3 manifests=${4:-$1/tools/demo/manifests}
  local tag extra=
  GSLB_WORK=$work
  topo_on_exit "rm -rf '$work'"
  mkdir -p "$work/edge" "$work/client"
  topo_create "$build/bpf/xdp_pass_skel/xdp_pass.bpf.o"
  topo_add_member edge "$EDGE_ADDR/16"
  for tag in "${GSLB_TAGS[@]}"; do topo_add_member "$tag" "${CLUSTER_DNS[$tag]}/16" "${CLUSTER_APP[$tag]}/16"; done
  topo_add_member client "$CLIENT_ADDR/16"

  for tag in "${GSLB_TAGS[@]}"; do edge_key_new "$tag-key" "$work/edge"; done
  [[ ${GSLB_STATIC:-} == 1 ]] && extra=$(gslb_static_delegation)
  edge_dns_start edge "$EDGE_ADDR" "$work/edge" "$EDGE_ZONE" "$(gslb_edge_policy)" "$extra"

  for tag in "${GSLB_TAGS[@]}"; do
    mkdir -p "$work/$tag"
    cp "$work/edge/$tag-key.secret" "$work/$tag/"
    if [[ ${GSLB_STATIC:-} == 1 ]]; then
      cluster_config_static "$tag" "${CLUSTER_DNS[$tag]}" "$work/$tag"
    else
      cp -r "$manifests/$tag" "$work/$tag/manifests"
      cluster_config "$tag" "${CLUSTER_DNS[$tag]}" "$work/$tag" "$EDGE_ADDR" "${GSLB_TAGS[*]}"
    fi
    app_start "$tag" "${CLUSTER_APP[$tag]}" "$work/$tag" "$src"
  done
  for tag in "${GSLB_TAGS[@]}"; do cluster_start "$tag" "$work/$tag" "$build"; done
  resolver_start client "$work/client" "$EDGE_ZONE" "$EDGE_ADDR"
}

# A cluster without peers or a manifests source: the round-robin host as static records (both
# apps), the zone's NS set as the edge delegates it.
cluster_config_static() {
  local tag=$1 addr=$2 dir=$3 t ns=() apps=()
  for t in "${GSLB_TAGS[@]}"; do ns+=("gslb-ns-$t-${GSLB_ZONE%."$EDGE_ZONE"}.$EDGE_ZONE"); apps+=("${CLUSTER_APP[$t]}"); done
  local IFS=,
  cat >"$dir/xgslbd.yaml" <<EOF
instance: $(cluster_instance "$tag")
zones:
  - zone: $GSLB_ZONE
    ns: [${ns[*]}]
xdp:
  interfaces: [lan0]
dns:
  listen: ["$addr:53"]
  workers: 1
records:
  - name: roundrobin.$GSLB_ZONE
    ttl: 2
    a: [${apps[*]}]
EOF
}

# ---- asking ------------------------------------------------------------------------------------

# ask TAG NAME: the A records cluster TAG answers for NAME, sorted, space-separated (from the
# client namespace, straight to the cluster: what the cluster itself says).
# No cookie option, so the query is one the XDP program answers (it passes EDNS options on).
# An answer without records (a host with no healthy targets) is ""; no answer at all is "timeout".
ask() {
  local out
  out=$(in_ns client dig +time=1 +tries=1 +nocookie +short @"${CLUSTER_DNS[$1]}" "$2" A 2>/dev/null) || { echo timeout; return; }
  sort <<<"$out" | xargs
}

# resolve NAME: the same through the client's resolver (the edge's delegation, unbound's cache).
resolve() {
  local out
  out=$(in_ns client dig +time=2 +tries=1 +short @127.0.0.1 "$1" A 2>/dev/null) || { echo timeout; return; }
  sort <<<"$out" | xargs
}

# curl_region NAME: the region of the app that served http://NAME/, through getaddrinfo and unbound.
curl_region() {
  in_client_resolving client "$GSLB_WORK/client" curl -4 -s --max-time 2 "http://$1/" 2>/dev/null | jq -r .region 2>/dev/null || true
}

# curl_trace NAME: "FIRST>SERVED": the region of the address curl tried first (getaddrinfo's
# first, i.e. the first of the resolver's rotated answer) and of the app that served the request
# ("none" for no answer). The two differ only when a connection to FIRST failed and curl went on.
curl_trace() {
  local dir=$GSLB_WORK/client first served
  in_client_resolving client "$dir" curl -4 -sv --max-time 2 -o "$dir/curl.body" "http://$1/" 2>"$dir/curl.trace" || true
  first=$(awk '$2 == "Trying" { sub(/:[0-9]+[.]*$/, "", $3); print $3; exit }' "$dir/curl.trace")
  served=$(jq -r .region "$dir/curl.body" 2>/dev/null || true)
  rm -f "$dir/curl.body" "$dir/curl.trace"
  echo "$(region_of "${first:-none}")>${served:-none}"
}

# edge_delegation: the NS names the edge refers cloud.example.com to, sorted (a referral: they
# are in the authority section).
edge_delegation() {
  in_ns client dig +time=1 +tries=1 +norecurse +noall +authority @"$EDGE_ADDR" "$GSLB_ZONE" NS 2>/dev/null |
    awk '$4 == "NS" { print $5 }' | sort | xargs
}

# regions_of "ADDR..." -> "eu us"
regions_of() { local a out=(); for a in $1; do out+=("$(region_of "$a")"); done; echo "${out[*]}"; }

now() { date +%s.%N; }
elapsed_since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }'; }

# until_equal SECONDS EXPECTED CMD...: polls CMD (every 50 ms) until its output is EXPECTED.
# Sets SEEN to the last output. Non-zero status on timeout.
until_equal() {
  local seconds=$1 expected=$2; shift 2
  local deadline
  deadline=$(awk -v n="$(now)" -v s="$seconds" 'BEGIN { printf "%.3f", n + s }')
  while :; do
    SEEN=$("$@")
    [[ $SEEN == "$expected" ]] && return 0
    awk -v n="$(now)" -v d="$deadline" 'BEGIN { exit !(n < d) }' || return 1
    sleep 0.05
  done
}
