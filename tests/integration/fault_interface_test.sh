#!/usr/bin/env bash
# Fault: the XDP interface going down and up, then deleted and created again under the same
# name. Down: XDP stays attached (the kernel keeps it), the daemon logs it once; up: XDP answers
# again, logged once. Deleted: the attachment goes with the interface; the daemon hears it
# (rtnetlink link notifications), logs it once, and attaches its program to the new interface
# as soon as it appears; XDP answers there, and a change published after that reaches it. An
# interface added to the config on SIGHUP is attached too (by netlink: after the capability drop
# libxdp crashes reading the program's BTF).
#   bash tests/integration/fault_interface_test.sh BUILD_DIR
source "$(dirname "$0")/lib.sh"
it_init "${1:-}"

config=$WORK_DIR/xgslbd.yaml
down="interface $IF_SERVER: down"
removed="interface $IF_SERVER: removed"
back="interface $IF_SERVER: XDP program attached and the interface up again"

xdp_a() { xdp_answer_a "@$SERVER_V4" "$1"; }
slow_a() { answer_a "@$SERVER_V4" "$1" +tcp; }
xdp_is() { [[ $(xdp_a "$1") == "$2" ]]; }
errors() { grep -c 'level=error' "$(daemon_log main)" || true; }

write_config "$config"
start_daemon main "$config"
wait_ready main
prog=$(xdp_prog_ids)
[[ -n $prog ]] || fail "nothing attached to $IF_SERVER"
assert_eq "XDP before" 172.18.0.10 "$(xdp_a failover.cloud.example.com)"
pass "serving from XDP (program $prog on $IF_SERVER)"

# ---- down and up ------------------------------------------------------------------------------
ip -n "$NS_SERVER" link set "$IF_SERVER" down
wait_log main "$down" 1 5
dns_expect_none "@$SERVER_V4" failover.cloud.example.com A
assert_eq "still attached while down" "$prog" "$(xdp_prog_ids)"
ip -n "$NS_SERVER" link set "$IF_SERVER" up
wait_log main "$back" 1 5
wait_for 5 xdp_is failover.cloud.example.com 172.18.0.10 || fail "XDP after up: $(xdp_a failover.cloud.example.com)"
assert_eq "slow path after up" 172.18.0.10 "$(slow_a failover.cloud.example.com)"
assert_eq "down logged once" 1 "$(grep -c "$down" "$(daemon_log main)")"
assert_eq "one error line for the fault" 1 "$(errors)"
pass "down: logged once, program stays attached; up: XDP answers the last good data again"

# ---- deleted and created again ----------------------------------------------------------------
ip -n "$NS_SERVER" link del "$IF_SERVER"   # takes the client end with it
wait_log main "$removed" 1 5
sleep 1.5  # a periodic check or two: nothing more may be logged while it is gone
netns_pair_link "$PASS_OBJ"
wait_log main "attached XDP program to $IF_SERVER" 2 5
wait_log main "$back" 2 5
assert_eq "our program on the new interface" "$prog" "$(xdp_prog_ids)"
wait_for 5 xdp_is failover.cloud.example.com 172.18.0.10 || fail "XDP on the new interface: $(xdp_a failover.cloud.example.com)"
assert_eq "slow path on the new interface" 172.18.0.10 "$(slow_a failover.cloud.example.com)"
assert_eq "removal logged once" 1 "$(grep -c "$removed" "$(daemon_log main)")"
assert_eq "one more error line, for the removal" 2 "$(errors)"
pass "deleted: logged once; re-created: program $prog attached to the new $IF_SERVER, XDP answers the last good data"

# ---- a change after the recovery --------------------------------------------------------------
write_config "$config" 's/172\.18\.0\.10\]/172.18.0.11]/'
kill -HUP "$(daemon_pid main)"
wait_log main 'reload: .* applied' 1 10
assert_eq "XDP after a change" 172.18.0.11 "$(xdp_a failover.cloud.example.com)"
assert_eq "slow path after a change" 172.18.0.11 "$(slow_a failover.cloud.example.com)"
pass "a change published after the re-attach is answered by XDP on the new interface"

# Our program detached from outside (ip link set ... xdp off): attached again at the next check.
ip -n "$NS_SERVER" link set dev "$IF_SERVER" xdp off
wait_log main "interface $IF_SERVER: our XDP program was detached from outside; attaching it again" 1 5
wait_for 5 xdp_is failover.cloud.example.com 172.18.0.11 || fail "XDP after the outside detach: $(xdp_a failover.cloud.example.com)"
assert_eq "our program back on $IF_SERVER" "$prog" "$(xdp_prog_ids)"
pass "detached from outside: program $prog attached again, XDP answers"

# An interface added on SIGHUP (after the capability drop: attached by netlink, not libxdp).
ip -n "$NS_SERVER" link add extra0 type veth peer name extra1
ip -n "$NS_SERVER" link set extra0 up
ip -n "$NS_SERVER" link set extra1 up
write_config "$config" 's/172\.18\.0\.10\]/172.18.0.11]/' "s/interfaces: \[vs\]/interfaces: [vs, extra0]/"
kill -HUP "$(daemon_pid main)"
wait_log main 'reload: .* applied' 2 10
wait_log main 'attached XDP program to extra0' 1 5
extra_prog=$(ip -n "$NS_SERVER" -d link show dev extra0 | grep -oE 'prog/xdp id [0-9]+' | awk '{print $3}')
assert_eq "our program on the interface added by SIGHUP" "$prog" "$extra_prog"
assert_eq "XDP still answers on vs" 172.18.0.11 "$(xdp_a failover.cloud.example.com)"
pass "an interface added on SIGHUP gets program $prog; the daemon keeps serving"

# A clean stop detaches from the new interface too.
it_stop_pid "$(daemon_pid main)"
assert_eq "detached at stop" "" "$(xdp_prog_ids)"
pass "SIGTERM detaches the re-attached program"
