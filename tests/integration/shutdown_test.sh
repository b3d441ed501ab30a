#!/usr/bin/env bash
# SIGTERM: by default xgslbd detaches its XDP program and removes its pins, and exits 0. With
# xdp.keepAttached: true it exits leaving the program attached and the maps pinned, and XDP keeps
# answering from them (fail-static); the test then detaches and unpins by hand.
#   bash tests/integration/shutdown_test.sh BUILD_DIR
source "$(dirname "$0")/lib.sh"
it_init "${1:-}"

link() { ip -n "$NS_SERVER" -d link show dev "$IF_SERVER"; }
pins() { ls "$PIN_DIR" 2>/dev/null | paste -sd' ' || true; }
all_pins="xgslb_express xgslb_geo xgslb_listen xgslb_names xgslb_programs xgslb_rotation xgslb_rrl xgslb_rrl_allow xgslb_rrl_conf xgslb_rrsets xgslb_scratch xgslb_settings xgslb_stats xgslb_zones"

answers_a() {  # WHAT: XDP answers roundrobin A, and its counter says so
  local before after r
  before=$(stats_json)
  r=$(dns_query "@$SERVER_V4" roundrobin.cloud.example.com A) || fail "$1: no answer"
  jq_check "$1" "$r" '[.answerRRs[].rdataA] | sort | join(" ")' "172.18.0.3 172.18.0.4"
  after=$(stats_json)
  assert_eq "$1: answered by XDP (answered_a)" 1 "$(counter_delta "$before" "$after" answered_a)"
}

answers_nxdomain() {  # WHAT: the general program (the express program's tail call) answers NXDOMAIN
  local before after r
  before=$(stats_json)
  r=$(dns_query "@$SERVER_V4" nope.cloud.example.com A) || fail "$1: no answer"
  jq_check "$1" "$r" '.RCODE' 3
  after=$(stats_json)
  assert_eq "$1: answered by XDP (answered_nxdomain)" 1 "$(counter_delta "$before" "$after" answered_nxdomain)"
}

# ---- default: SIGTERM detaches and unpins -----------------------------------------------------
write_config "$WORK_DIR/detach.yaml"
start_daemon detach "$WORK_DIR/detach.yaml"
wait_ready detach
[[ -n $(xdp_prog_ids) ]] || fail "after start: no XDP program on $IF_SERVER: $(link)"
assert_eq "after start: pinned maps" "$all_pins" "$(pins)"
answers_a "before SIGTERM"

kill -TERM "$(daemon_pid detach)"
wait_exit detach 10
assert_eq "exit status after SIGTERM" 0 "$EXIT_STATUS"
out=$(link)
[[ ! $out =~ (^|[[:space:]])xdp|prog/xdp ]] || fail "after SIGTERM: XDP still attached to $IF_SERVER: $out"
[[ ! -e $PIN_DIR ]] || fail "after SIGTERM: $PIN_DIR still there: $(pins)"
grep -q "detached XDP program from $IF_SERVER" "$(daemon_log detach)" || fail "no 'detached' line in the log"
dns_expect_none "@$SERVER_V4" roundrobin.cloud.example.com A
pass "SIGTERM: exit 0, XDP detached from $IF_SERVER, $PIN_DIR removed, no more answers"

# ---- keepAttached: SIGTERM leaves program and pins, which keep answering ----------------------
write_config "$WORK_DIR/keep.yaml" 's/keepAttached: false/keepAttached: true/'
start_daemon keep "$WORK_DIR/keep.yaml"
wait_ready keep
prog=$(xdp_prog_ids)
[[ -n $prog ]] || fail "keepAttached, after start: no XDP program on $IF_SERVER: $(link)"

kill -TERM "$(daemon_pid keep)"
wait_exit keep 10
assert_eq "keepAttached: exit status after SIGTERM" 0 "$EXIT_STATUS"
assert_eq "keepAttached: the same program still attached after SIGTERM" "$prog" "$(xdp_prog_ids)"
assert_eq "keepAttached: maps still pinned after SIGTERM" "$all_pins" "$(pins)"
grep -q keepAttached "$(daemon_log keep)" || fail "keepAttached: the log does not say it left the program attached"
answers_a "keepAttached, daemon gone"
# The express program's way to the general one is pinned too: without that pin the kernel would
# have emptied it with the daemon gone, and this query would pass to a slow path that is not there.
answers_nxdomain "keepAttached, daemon gone"
pass "keepAttached: SIGTERM exit 0, program $prog still attached and answering, maps pinned"

ip -n "$NS_SERVER" link set dev "$IF_SERVER" xdp off
rm -rf "$PIN_DIR"
[[ -z $(xdp_prog_ids) ]] || fail "'ip link set dev $IF_SERVER xdp off' left a program: $(link)"
[[ ! -e $PIN_DIR ]] || fail "$PIN_DIR could not be removed"
pass "cleanup after keepAttached: detached by hand, pins removed"
