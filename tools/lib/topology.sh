# shellcheck shell=bash
# Sourced by the multi-cluster demo, the e2e tests and the integration tests' gslb_lib.sh: a LAN of network namespaces on one bridge,
# named uniquely per run, and one clean-up for everything started in them — on exit, on failure
# and on Ctrl-C.
#
#   source tools/lib/topology.sh
#   topo_create PASS_OBJ                 # the hub namespace with bridge br0; installs the traps
#   topo_add_member eu 10.80.1.2/16 ...  # namespace "$TOPO_TAG-eu", veth lan0 <-> hub port p-eu
#                                        # (IPv6 addresses too, without duplicate detection)
#   in_ns eu CMD...                      # network namespace only (/sys/fs/bpf stays the host's)
#   in_ns_bg eu LOG CMD...               # background, output to LOG; TOPO_BG_PID is CMD's pid
#   topo_stop_pid PID                    # TERM, bounded wait, KILL
#   topo_on_exit 'CMD'                   # runs first at clean-up, in the order registered
#   topo_forget_pins INSTANCE            # its /sys/fs/bpf/xgslb/INSTANCE goes at clean-up
#   wait_for SECONDS CMD...              # (tools/lib/netns.sh) until CMD succeeds
#
# Why a bridge in its own namespace, not veth pairs: every member (edge DNS, clusters, client)
# reaches every other one, as on one network. Every hub port runs an XDP_PASS program, because a
# frame an XDP program sends back with XDP_TX only arrives at a veth end that runs XDP. Every
# member computes its own checksums (tx offload off): veth otherwise hands over partial UDP
# checksums, and the XDP program's incremental update of one of those is garbage.

# shellcheck source=tools/lib/netns.sh
# wait_for, and the EXIT trap's hook list. Not again when already sourced (the integration tests'
# lib.sh does, and has its namespace pair's names and clean-up hooks in it by now).
declare -F netns_on_exit >/dev/null || source "$(dirname "${BASH_SOURCE[0]}")/netns.sh"

TOPO_TAG="xg$$r$RANDOM"
TOPO_HUB="$TOPO_TAG-hub"
TOPO_MEMBERS=()
TOPO_PIDS=()
TOPO_PINS=()
TOPO_HOOKS=()
TOPO_PASS_OBJ=

topo_ns() { echo "$TOPO_TAG-$1"; }
in_ns() { local m=$1; shift; nsenter --net="/run/netns/$TOPO_TAG-$m" "$@"; }

# nsenter execs CMD, so TOPO_BG_PID is CMD itself and a signal sent to it reaches CMD.
in_ns_bg() {
  local m=$1 log=$2; shift 2
  nsenter --net="/run/netns/$TOPO_TAG-$m" "$@" >"$log" 2>&1 &
  TOPO_BG_PID=$!
  TOPO_PIDS+=("$TOPO_BG_PID")
}

topo_on_exit() { TOPO_HOOKS+=("$*"); }
topo_forget_pins() { TOPO_PINS+=("$1"); }

topo_stop_pid() {
  local pid=$1 i
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
}

topo_cleanup() {
  trap - ERR INT TERM
  local hook pid m inst
  for hook in "${TOPO_HOOKS[@]}"; do eval "$hook" >/dev/null 2>&1 || true; done
  TOPO_HOOKS=()
  for pid in "${TOPO_PIDS[@]}"; do topo_stop_pid "$pid"; done
  TOPO_PIDS=()
  for m in "${TOPO_MEMBERS[@]}"; do
    # A daemon killed hard leaves its program attached through libxdp's dispatcher, pinned
    # under /sys/fs/bpf/xdp; unloading removes those pins, deleting the namespace would not.
    in_ns "$m" xdp-loader unload --all lan0 >/dev/null 2>&1 || true
    ip netns del "$TOPO_TAG-$m" 2>/dev/null || true
  done
  TOPO_MEMBERS=()
  ip netns del "$TOPO_HUB" 2>/dev/null || true
  for inst in "${TOPO_PINS[@]}"; do rm -rf "/sys/fs/bpf/xgslb/$inst"; done
  TOPO_PINS=()
}

# $1: the XDP_PASS object for the hub ports (build/bpf/xdp_pass_skel/xdp_pass.bpf.o).
topo_create() {
  TOPO_PASS_OBJ=$1
  # One EXIT trap for everything: netns.sh's runs its hooks (an integration test's own clean-up
  # first, then this one) and removes its namespace pair when there is one.
  netns_on_exit topo_cleanup
  trap netns_cleanup EXIT
  trap 'exit 130' INT TERM
  ip netns add "$TOPO_HUB"
  ip -n "$TOPO_HUB" link set lo up
  ip -n "$TOPO_HUB" link add br0 type bridge stp_state 0 forward_delay 0
  ip -n "$TOPO_HUB" link set br0 up
}

# topo_add_member NAME ADDRESS/PREFIX...: the namespace, its lan0 on the bridge, its addresses.
topo_add_member() {
  local m=$1; shift
  local ns="$TOPO_TAG-$m" port="p-$m" a
  ip netns add "$ns"
  TOPO_MEMBERS+=("$m")
  ip -n "$ns" link set lo up
  ip link add lan0 netns "$ns" type veth peer name "$port" netns "$TOPO_HUB"
  for a in "$@"; do
    if [[ $a == *:* ]]; then ip -n "$ns" addr add "$a" dev lan0 nodad; else ip -n "$ns" addr add "$a" dev lan0; fi
  done
  in_ns "$m" ethtool -K lan0 tx off >/dev/null
  ip -n "$TOPO_HUB" link set "$port" master br0
  ip -n "$TOPO_HUB" link set dev "$port" xdp obj "$TOPO_PASS_OBJ" sec xdp
  ip -n "$TOPO_HUB" link set "$port" up
  ip -n "$ns" link set lan0 up
}
