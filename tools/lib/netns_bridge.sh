# shellcheck shell=bash disable=SC2034  # (NS_BG_PID, BRIDGE_* are for the sourcing script)
# Sourced by multi-cluster tests and the demo: N network namespaces on one Ethernet segment, a
# bridge in a hub namespace of its own (the host's network is never touched), named uniquely per
# run and removed on exit, also on failure.
#
#   source tools/lib/netns_bridge.sh
#   bridge_create PASS_OBJ        # the hub "$BRIDGE_TAG-hub" with bridge br0; PASS_OBJ is
#                                 # build/bpf/xdp_pass_skel/xdp_pass.bpf.o
#   bridge_join edge 1            # namespace "$BRIDGE_TAG-edge": veth "v0" at 10.78.0.1/24, fd78::1/64
#   bridge_join eu 2              # ... 10.78.0.2, fd78::2
#   in_ns eu CMD...               # nsenter --net (not ip netns exec: /sys/fs/bpf stays the host's)
#   in_ns_bg eu CMD... >log 2>&1  # background; NS_BG_PID is CMD's own pid, for signals
#   bridge_v4 eu / bridge_v6 eu   # the member's addresses
#   bridge_destroy                # every namespace of this run (also run by the EXIT trap)
#
# Every member can run XDP on its v0 (xgslbd: xdp.interfaces [v0]): the hub end of each veth runs
# an XDP_PASS program, because a frame sent with XDP_TX only arrives at a veth end that runs
# XDP; and each v0 computes its own checksums (tx offload off), so a query reaching another
# member's XDP program carries a full checksum it can update incrementally.
# When tools/lib/netns.sh is sourced too, the clean-up joins its hooks instead of replacing its trap.

BRIDGE_TAG="xgslb-br-$$-$RANDOM"
BRIDGE_HUB="$BRIDGE_TAG-hub"
BRIDGE_V4_PREFIX=10.78.0
BRIDGE_V6_PREFIX=fd78:
declare -A BRIDGE_INDEX=()

bridge_ns() { echo "$BRIDGE_TAG-$1"; }
bridge_v4() { echo "$BRIDGE_V4_PREFIX.${BRIDGE_INDEX[$1]}"; }
bridge_v6() { echo "$BRIDGE_V6_PREFIX:${BRIDGE_INDEX[$1]}"; }
in_ns() { local name=$1; shift; nsenter --net="/run/netns/$BRIDGE_TAG-$name" "$@"; }
in_ns_bg() { local name=$1; shift; nsenter --net="/run/netns/$BRIDGE_TAG-$name" "$@" & NS_BG_PID=$!; }

bridge_destroy() {
  local name
  for name in "${!BRIDGE_INDEX[@]}"; do ip netns del "$BRIDGE_TAG-$name" 2>/dev/null || true; done
  BRIDGE_INDEX=()
  ip netns del "$BRIDGE_HUB" 2>/dev/null || true
}

bridge_create() {
  BRIDGE_PASS_OBJ=${1:?usage: bridge_create XDP_PASS_OBJECT}
  if declare -F netns_on_exit >/dev/null; then
    netns_on_exit bridge_destroy
  else
    trap bridge_destroy EXIT
    trap 'exit 130' INT TERM
  fi
  ip netns add "$BRIDGE_HUB"
  ip -n "$BRIDGE_HUB" link add br0 type bridge
  ip -n "$BRIDGE_HUB" link set br0 up
}

# bridge_join NAME INDEX: INDEX (1-254) is the last octet of the member's addresses.
bridge_join() {
  local name=$1 index=$2 ns="$BRIDGE_TAG-$1" hub_end="h$2"
  BRIDGE_INDEX[$name]=$index
  ip netns add "$ns"
  ip link add v0 netns "$ns" type veth peer name "$hub_end" netns "$BRIDGE_HUB"
  ip -n "$ns" addr add "$BRIDGE_V4_PREFIX.$index/24" dev v0
  ip -n "$ns" addr add "$BRIDGE_V6_PREFIX:$index/64" dev v0 nodad
  ip -n "$ns" link set lo up
  ip -n "$ns" link set v0 up
  in_ns "$name" ethtool -K v0 tx off >/dev/null
  ip -n "$BRIDGE_HUB" link set "$hub_end" master br0
  ip -n "$BRIDGE_HUB" link set "$hub_end" up
  ip -n "$BRIDGE_HUB" link set dev "$hub_end" xdp obj "$BRIDGE_PASS_OBJ" sec xdp
}
