# Sourced by the demo, the integration tests and the benchmarks: a server and a client network
# namespace joined by a veth pair, named uniquely per run and removed on exit, also on failure.
#
#   source tools/lib/netns.sh
#   netns_pair_create          # sets NS_SERVER NS_CLIENT, IF_SERVER=vs IF_CLIENT=vc
#   netns_pair_link PASS_OBJ   # the veth pair again, after a test deleted it
#   in_server CMD...           # network namespace only: /sys/fs/bpf stays the host's, so pins
#                              # and libxdp's bpffs are shared with the host
#   in_client CMD...
#   in_server_bg CMD...        # background; SERVER_BG_PID is CMD's pid, for signals
#
# Addresses: server 10.77.0.2/24 and fd77::2/64, client 10.77.0.1/24 and fd77::1/64.
# The client end runs an XDP_PASS program (frames the server sends with XDP_TX only arrive at a
# veth end that runs XDP) and computes its own checksums (tx offload off: otherwise veth hands
# over UDP checksums that are only partial, and an incremental update of those is garbage).

NETNS_TAG="xgslb-$$-$RANDOM"
NS_SERVER="$NETNS_TAG-srv"
NS_CLIENT="$NETNS_TAG-cli"
IF_SERVER=vs
IF_CLIENT=vc
SERVER_V4=10.77.0.2
CLIENT_V4=10.77.0.1
SERVER_V6=fd77::2
CLIENT_V6=fd77::1
NETNS_CLEANUP_HOOKS=()

netns_on_exit() { NETNS_CLEANUP_HOOKS+=("$*"); }

netns_cleanup() {
  local hook
  for hook in "${NETNS_CLEANUP_HOOKS[@]}"; do eval "$hook" >/dev/null 2>&1 || true; done
  NETNS_CLEANUP_HOOKS=()
  ip netns del "$NS_SERVER" 2>/dev/null || true
  ip netns del "$NS_CLIENT" 2>/dev/null || true
}

in_server() { nsenter --net="/run/netns/$NS_SERVER" "$@"; }
in_client() { nsenter --net="/run/netns/$NS_CLIENT" "$@"; }

# in_server in the background; SERVER_BG_PID is CMD's own pid (nsenter execs CMD, no wrapping
# subshell), so a signal sent to it reaches CMD. Redirect on the call: in_server_bg CMD >log 2>&1
in_server_bg() { nsenter --net="/run/netns/$NS_SERVER" "$@" & SERVER_BG_PID=$!; }

# $1: the xdp_pass object for the client end (build/bpf/xdp_pass_skel/xdp_pass.bpf.o).
netns_pair_create() {
  local pass_obj=$1
  trap netns_cleanup EXIT
  trap 'exit 130' INT TERM
  ip netns add "$NS_SERVER"
  ip netns add "$NS_CLIENT"
  for ns in "$NS_SERVER" "$NS_CLIENT"; do ip -n "$ns" link set lo up; done
  netns_pair_link "$pass_obj"
}

# The veth pair itself, with its addresses, offloads and the client's XDP_PASS: also for a test
# that deletes the link and makes it again (an interface re-created under the same name).
netns_pair_link() {
  local pass_obj=$1
  ip link add "$IF_SERVER" netns "$NS_SERVER" type veth peer name "$IF_CLIENT" netns "$NS_CLIENT"
  ip -n "$NS_SERVER" addr add "$SERVER_V4/24" dev "$IF_SERVER"
  ip -n "$NS_CLIENT" addr add "$CLIENT_V4/24" dev "$IF_CLIENT"
  ip -n "$NS_SERVER" addr add "$SERVER_V6/64" dev "$IF_SERVER" nodad
  ip -n "$NS_CLIENT" addr add "$CLIENT_V6/64" dev "$IF_CLIENT" nodad
  ip -n "$NS_SERVER" link set "$IF_SERVER" up
  ip -n "$NS_CLIENT" link set "$IF_CLIENT" up
  in_client ethtool -K "$IF_CLIENT" tx off >/dev/null
  ip -n "$NS_CLIENT" link set dev "$IF_CLIENT" xdp obj "$pass_obj" sec xdp
}

# Waits until CMD succeeds, at most $1 seconds.
wait_for() {
  local seconds=$1; shift
  local deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    ((SECONDS < deadline)) || return 1
    sleep 0.2
  done
}
