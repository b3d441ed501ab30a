# shellcheck shell=bash
# Sourced by tests/integration/e2e_*_test.sh (ctest runs them as `bash SCRIPT BUILD_DIR`): the
# multi-cluster topology of tools/lib/gslb_topology.sh, plus reporting and the final check that
# nothing was left behind.
#
#   source "$(dirname "$0")/e2e_lib.sh"
#   e2e_init "$1"                      # root, tools, binaries; E2E_WORK; sources the topology
#   e2e_require_multicluster           # skips (77) while xgslbd has no gslb:/source: sections
#   gslb_topology_up "$E2E_SRC" "$E2E_BUILD" "$E2E_WORK"
#   expect_within 3 "eu us" "what" ask eu roundrobin.cloud.example.com
#   e2e_finish                         # tears down now and fails if a namespace, process or pin remains
set -Eeuo pipefail

E2E_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=tools/lib/gslb_topology.sh
source "$E2E_SRC/tools/lib/gslb_topology.sh"

e2e_logs() {
  local f
  for f in "$E2E_WORK"/*/xgslbd.log "$E2E_WORK"/edge/named.log "$E2E_WORK"/client/unbound.log; do
    [[ -f $f ]] || continue
    echo "---- tail of $f ----" >&2
    tail -n 25 "$f" >&2
  done
}

fail() {
  trap - ERR
  echo "FAIL [$(basename "$0")]: $*" >&2
  [[ $BASHPID == "$$" ]] && e2e_logs
  exit 1
}

pass() { echo "ok   $*"; }

e2e_init() {
  local build=${1:?usage: bash $0 BUILD_DIR} f tool
  [[ $EUID -eq 0 ]] || { echo "$(basename "$0"): needs root (namespaces, XDP, bpffs)" >&2; exit 1; }
  E2E_BUILD=$(cd "$build" && pwd)
  for f in "$E2E_BUILD/userspace/xgslbd" "$E2E_BUILD/bpf/xdp_pass_skel/xdp_pass.bpf.o"; do
    [[ -e $f ]] || { echo "missing $f: build first" >&2; exit 1; }
  done
  for tool in named unbound dig nsupdate curl jq python3 xdp-loader ethtool nsenter unshare; do
    command -v "$tool" >/dev/null || { echo "missing tool '$tool' (tools/install-deps.sh)" >&2; exit 1; }
  done
  E2E_WORK=$(mktemp -d "/tmp/xgslb-$(basename "$0" .sh).XXXXXX")
  E2E_STARTED=$SECONDS
  trap 'fail "command failed (status $?) at line $LINENO: $BASH_COMMAND"' ERR
}

# The demo's cluster config must be accepted before anything starts: a rejected one fails the
# test at once with xgslbd's own error, not later as a cluster that never answers.
e2e_require_multicluster() {
  local dir="$E2E_WORK/check" out
  mkdir -p "$dir/manifests"
  head -c 32 /dev/urandom | base64 >"$dir/eu-key.secret"
  cluster_config eu 10.80.1.2 "$dir" "$EDGE_ADDR" "${GSLB_TAGS[*]}"
  out=$("$E2E_BUILD/userspace/xgslbd" --check --config "$dir/xgslbd.yaml" 2>&1) ||
    fail "the demo's cluster config is rejected: $out"
  rm -rf "$dir"
}

# e2e_clusters_up: the demo's two clusters, edge and resolver up (their config checked first);
# eu and us: each cluster's app address.
e2e_clusters_up() {
  e2e_require_multicluster
  gslb_topology_up "$E2E_SRC" "$E2E_BUILD" "$E2E_WORK"
  eu=${CLUSTER_APP[eu]}
  us=${CLUSTER_APP[us]}
}

# expect_within SECONDS EXPECTED WHAT CMD...: CMD's output becomes EXPECTED within SECONDS.
# Prints how long it took.
expect_within() {
  local seconds=$1 expected=$2 what=$3; shift 3
  local t0
  t0=$(now)
  until_equal "$seconds" "$expected" "$@" || fail "$what: expected '$expected' within ${seconds}s, last saw '$SEEN'"
  pass "$what: '$expected' after $(elapsed_since "$t0") s"
}

# expect_stays SECONDS EXPECTED WHAT CMD...: CMD's output is EXPECTED every time for SECONDS.
expect_stays() {
  local seconds=$1 expected=$2 what=$3; shift 3
  local end=$((SECONDS + seconds)) got
  while ((SECONDS < end)); do
    got=$("$@")
    [[ $got == "$expected" ]] || fail "$what: expected '$expected' throughout ${seconds}s, saw '$got'"
    sleep 0.2
  done
  pass "$what: '$expected' for ${seconds}s"
}

# expect_curl_reaches_both HOST: repeated curl through the resolver is served by both regions
# within 24 tries. The resolver rotates the cached set by a bit of each query's random ID and curl
# takes the first address, so each try reaches either region with even odds: 24 tries miss one
# with a chance of 1 in 8 million (12 tries, 1 in 2,000, did miss once in CI). The message lists
# every try as FIRST>SERVED, so a failed connection (curl moving on to the other region) is told
# apart from the resolver's order.
expect_curl_reaches_both() {
  local -A seen=()
  local t tries=()
  for _ in $(seq 24); do
    t=$(curl_trace "$1")
    tries+=("$t")
    seen[${t#*>}]=1
    [[ -n ${seen[eu]:-} && -n ${seen[us]:-} ]] && break
  done
  [[ -n ${seen[eu]:-} && -n ${seen[us]:-} ]] ||
    fail "curl http://$1/ through the resolver reached only: ${!seen[*]} (tries, first tried>served: ${tries[*]})"
  pass "curl http://$1/ through the resolver reached: ${!seen[*]} (tries, first tried>served: ${tries[*]})"
}

# Tears everything down now (not at exit), then checks: no namespace of this run, no process
# it started, no pinned map of its instances.
e2e_finish() {
  local pids=("${TOPO_PIDS[@]}") pins=("${TOPO_PINS[@]}") pid inst left
  topo_cleanup
  left=$(ip netns list | grep -c "^$TOPO_TAG-" || true)
  [[ $left == 0 ]] || fail "left behind: $left network namespaces $TOPO_TAG-*"
  for pid in "${pids[@]}"; do
    if kill -0 "$pid" 2>/dev/null; then fail "left behind: process $pid ($(cat /proc/"$pid"/comm))"; fi
  done
  for inst in "${pins[@]}"; do
    if [[ -e /sys/fs/bpf/xgslb/$inst ]]; then fail "left behind: /sys/fs/bpf/xgslb/$inst"; fi
  done
  if [[ -d $E2E_WORK ]]; then fail "left behind: $E2E_WORK"; fi
  pass "nothing left behind (namespaces, ${#pids[@]} processes, pins of ${#pins[@]} instances, work dir); $((SECONDS - E2E_STARTED)) s in all"
}
