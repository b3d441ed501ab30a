#!/usr/bin/env bash
# The main job: the article's multi-cluster GSLB (../shared/seed/) on one machine. A BIND edge
# DNS delegates cloud.example.com to two clusters, eu and us — each an xgslbd answering from XDP,
# fed by k8gb's own Gslb manifests — and a client reaches the apps through a real recursive
# resolver (unbound). Shows the delegation the clusters wrote into BIND, round robin (curl sees
# eu and us), and failover (eu's endpoints go unready -> us; back), with the measured time of
# each switch.
#
#   sudo tools/demo.sh            # on a terminal: pauses between steps (Enter)
#   sudo tools/demo.sh </dev/null # unattended; exit status 0 only if every step behaved
#
# Everything it creates (namespaces, daemons, XDP programs, pins, temp files) is removed at the
# end, also on failure and on Ctrl-C. Topology: tools/lib/gslb_topology.sh.
set -Eeuo pipefail
cd "$(dirname "$0")/.."
[ "$(id -u)" = 0 ] || { echo "tools/demo.sh: run as root (XDP and network namespaces)" >&2; exit 2; }
./tools/build.sh xgslbd xgslbctl xdp_pass_skel_gen >/dev/null
BUILD=$(cd "${BUILD_DIR:-build}" && pwd)
source tools/lib/gslb_topology.sh

SWITCH_LIMIT=${SWITCH_LIMIT:-10}  # seconds a switch may take before the demo calls it failed
FAILED=0
step() {
  if [ -t 0 ]; then read -r -p $'\n(Enter for the next step) ' _; fi
  printf '\n\033[1m== %s\033[0m\n' "$*"
}
show() { printf '  $ %s\n' "$*"; "$@" 2>&1 | sed 's/^/    /'; }
bad() { printf '  \033[31mNOT AS EXPECTED:\033[0m %s\n' "$*"; FAILED=1; }
good() { printf '  \033[32mas expected:\033[0m %s\n' "$*"; }
# Why a step failed is in the logs; the work dir goes at exit, so show their tails first.
logs_on_failure() {
  ((FAILED)) || return 0
  local f
  for f in "$GSLB_WORK"/{eu,us}/xgslbd.log "$GSLB_WORK"/edge/named.log; do
    [ -f "$f" ] && { echo "---- tail of $f"; tail -n 15 "$f"; }
  done
}

step "Setting up: edge DNS (BIND), clusters eu and us (xgslbd + XDP + manifests), client (unbound, curl)"
started=$(now)
work=$(mktemp -d /tmp/xgslb-demo.XXXXXX)
gslb_topology_up "$PWD" "$BUILD" "$work"
topo_on_exit logs_on_failure
echo "  namespaces $TOPO_TAG-{hub,edge,eu,us,client}; work dir $work; up in $(elapsed_since "$started") s"
for tag in eu us; do
  echo "  $tag: xgslbd $(cluster_instance "$tag") on lan0 ${CLUSTER_DNS[$tag]}, app ${CLUSTER_APP[$tag]}:80, manifests $work/$tag/manifests"
  ip -n "$(topo_ns "$tag")" -d link show lan0 | grep -o "prog/xdp id [0-9]*" | sed 's/^/    attached: /' || true
done

step "The delegation in BIND: the clusters wrote it there themselves (RFC 2136 UPDATE, TSIG)"
want="gslb-ns-eu-cloud.example.com. gslb-ns-us-cloud.example.com."
if until_equal 15 "$want" edge_delegation; then
  good "both clusters' NS names at the edge $(elapsed_since "$started") s after the start"
else
  bad "the edge delegates cloud.example.com to '$SEEN', not '$want'"
fi
show in_ns client dig +norecurse +noall +authority @"$EDGE_ADDR" cloud.example.com NS
show in_ns client dig +short @"$EDGE_ADDR" gslb-ns-eu-cloud.example.com A
show in_ns client dig +short @"$EDGE_ADDR" gslb-ns-us-cloud.example.com A

step "Each cluster serves its own healthy targets as localtargets-<host> (how k8gb clusters find each other's)"
for tag in eu us; do
  show in_ns client dig +nocookie +short @"${CLUSTER_DNS[$tag]}" localtargets-roundrobin.cloud.example.com A
done

step "Round robin: roundrobin.cloud.example.com holds both regions; curl through the resolver sees both"
both="${CLUSTER_APP[eu]} ${CLUSTER_APP[us]}"
for tag in eu us; do
  if until_equal 10 "$both" ask "$tag" roundrobin.cloud.example.com; then good "$tag answers: $SEEN"; else bad "$tag answers '$SEEN', not '$both'"; fi
done
show in_ns client dig +noall +answer @127.0.0.1 roundrobin.cloud.example.com A
# The resolver's rotation is random per query (a bit of its ID): up to 16 tries, until both.
declare -A seen=()
for i in $(seq 16); do
  region=$(curl_region roundrobin.cloud.example.com)
  printf '    curl #%d http://roundrobin.cloud.example.com/ -> %s\n' "$i" "${region:-no answer}"
  seen[${region:-none}]=1
  [[ -n ${seen[eu]:-} && -n ${seen[us]:-} ]] && break
done
if [[ -n ${seen[eu]:-} && -n ${seen[us]:-} ]]; then good "curl reached eu and us"; else bad "curl reached only: ${!seen[*]}"; fi

# measure_switch TO: polls curl through the resolver every 100 ms from the manifest write
# ($changed) until the app of region TO answers; prints every change of answer on the way.
measure_switch() {
  local to=$1 last='' region t
  while :; do
    region=$(curl_region failover.cloud.example.com)
    t=$(elapsed_since "$changed")
    [[ $region != "$last" ]] && printf '    +%5s s  curl http://failover.cloud.example.com/ -> %s\n' "$t" "${region:-no answer}"
    last=$region
    [[ $region == "$to" ]] && { SWITCH_TIME=$t; return 0; }
    awk -v t="$t" -v l="$SWITCH_LIMIT" 'BEGIN { exit !(t < l) }' || return 1
    sleep 0.1
  done
}

step "Failover: failover.cloud.example.com (primaryGeoTag eu, dnsTtlSeconds 2) goes to eu while eu is healthy"
for i in 1 2 3; do
  region=$(curl_region failover.cloud.example.com)
  printf '    curl #%d http://failover.cloud.example.com/ -> %s\n' "$i" "${region:-no answer}"
  [[ $region == eu ]] || bad "answered by '${region:-nobody}', not eu"
done
show in_ns client dig +noall +answer @127.0.0.1 failover.cloud.example.com A

# switch READY TO: eu's EndpointSlice manifest gets ready: READY, then the switch to TO is
# timed; SWITCH_TIME holds it, empty when it did not happen.
switch() {
  local ready=$1 to=$2
  echo "  $ sed -i 's/ready: $([[ $ready == true ]] && echo false || echo true)/ready: $ready/' $work/eu/manifests/endpointslice-frontend-podinfo.yaml"
  changed=$(endpoints_set_ready eu "$work/eu" "$ready")
  if measure_switch "$to"; then
    good "$to answers ${SWITCH_TIME} s after the manifest was written"
  else
    SWITCH_TIME=
    bad "still not $to ${SWITCH_LIMIT} s after the manifest was written"
  fi
  echo "  eu's Gslb demo/failover status (written by eu's controller):"
  gslb_status "$work/eu" failover | jq -c . 2>/dev/null | sed 's/^/    /' || true
}

step "eu's app loses its ready endpoints (ready: false in eu's EndpointSlice manifest) -> us"
switch false us
DOWN_TIME=$SWITCH_TIME

step "eu's endpoints are ready again -> back to eu"
switch true eu
UP_TIME=$SWITCH_TIME

step "XDP counters: answered_* never left the kernel; pass_* went to the slow path"
for tag in eu us; do
  echo "  $tag:"
  "$BUILD/tools/xgslbctl" --instance "$(cluster_instance "$tag")" stats | grep -E '^  (answered|pass)' | grep -vE ' 0$' | sed 's/^/  /'
done

step "Summary"
printf '  switch times through the resolver (record TTL 2 s, peer poll %s ms): eu -> us %s s, us -> eu %s s\n' \
  "$CLUSTER_POLL_MS" "${DOWN_TIME:-failed}" "${UP_TIME:-failed}"
if ((FAILED)); then echo "  some steps did not behave as expected (above)"; exit 1; fi
echo "  every step behaved as expected; tearing down"
