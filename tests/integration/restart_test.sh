#!/usr/bin/env bash
# Restart after keepAttached (an upgrade, or a crash): the new xgslbd adopts the pinned maps and
# swaps its program in for the one left attached (XDP_FLAGS_REPLACE), so XDP answers throughout;
# its first publish writes only what differs from what the maps held, a name dropped from the
# config included. A third xgslbd whose maps are defined differently (here a changed
# xdp.maxNames; an upgrade that changes a map's layout is the same case) replaces those pins
# with new maps, fills them and swaps its program in: still no gap, no load failure.
#   bash tests/integration/restart_test.sh BUILD_DIR
source "$(dirname "$0")/lib.sh"
it_init "${1:-}"

write_config "$WORK_DIR/first.yaml" 's/keepAttached: false/keepAttached: true/'
start_daemon first "$WORK_DIR/first.yaml"
wait_ready first
first_prog=$(xdp_prog_ids)
[[ -n $first_prog ]] || fail "no XDP program after the first start"
kill -TERM "$(daemon_pid first)"
wait_exit first 10

# The second daemon serves the same data but one name fewer, and leaves as it is told to.
write_config "$WORK_DIR/second.yaml" '/- name: failover.cloud.example.com/,+2d' 's/keepAttached: false/keepAttached: true/'
grep -q failover "$WORK_DIR/second.yaml" && fail "test setup: failover record not removed"
before=$(stats_json)
start_daemon second "$WORK_DIR/second.yaml"
wait_ready second
second_prog=$(xdp_prog_ids)
[[ -n $second_prog && $second_prog != "$first_prog" ]] || fail "program not replaced: before $first_prog, after $second_prog"
grep -q "replaced the xgslb program left attached to $IF_SERVER" "$(daemon_log second)" || fail "no 'replaced' line in the log"
published=$(last_published second)
assert_match "second start: only the dropped name and its set are erased" \
  'writes=2 \(zones \+0/-0, rrsets \+0/-1, names \+0/-1\)' "$published"
pass "restart: program $first_prog replaced by $second_prog, maps adopted ($published)"

r=$(dns_query "@$SERVER_V4" roundrobin.cloud.example.com A) || fail "no answer after restart"
jq_check "after restart" "$r" '[.answerRRs[].rdataA] | sort | join(" ")' "172.18.0.3 172.18.0.4"
r=$(dns_query "@$SERVER_V4" failover.cloud.example.com A) || fail "no answer for the dropped name"
jq_check "dropped name after restart" "$r" '.RCODE' 3
after=$(stats_json)
assert_eq "both answers from XDP (answered_a + answered_nxdomain)" 2 \
  "$(( $(counter_delta "$before" "$after" answered_a) + $(counter_delta "$before" "$after" answered_nxdomain) ))"
pass "restart: XDP answers from the adopted maps, the dropped name is NXDOMAIN"

kill -TERM "$(daemon_pid second)"
wait_exit second 10
[[ $(xdp_prog_ids) == "$second_prog" ]] || fail "the second daemon (keepAttached) did not leave its program attached"

write_config "$WORK_DIR/third.yaml" '/- name: failover.cloud.example.com/,+2d' 's/keepAttached: false/keepAttached: false\n  maxNames: 4096/'
grep -q "maxNames: 4096" "$WORK_DIR/third.yaml" || fail "test setup: maxNames not set"
before=$(stats_json)
start_daemon third "$WORK_DIR/third.yaml"
wait_ready third
third_prog=$(xdp_prog_ids)
[[ -n $third_prog && $third_prog != "$second_prog" ]] || fail "program not replaced: before $second_prog, after $third_prog"
grep -q "pinned map .*/xgslb_names was made by another build or config" "$(daemon_log third)" ||
  fail "no line about the incompatible names map"
r=$(dns_query "@$SERVER_V4" roundrobin.cloud.example.com A) || fail "no answer after the incompatible restart"
jq_check "after the incompatible restart" "$r" '[.answerRRs[].rdataA] | sort | join(" ")' "172.18.0.3 172.18.0.4"
after=$(stats_json)
assert_eq "answered by XDP" 1 "$(counter_delta "$before" "$after" answered_a)"
pass "restart: an incompatible pinned map is replaced, filled and served by the swapped-in program"

kill -TERM "$(daemon_pid third)"
wait_exit third 10
[[ -z $(xdp_prog_ids) ]] || fail "the third daemon did not detach on SIGTERM"
pass "restart: the replaced program is detached on SIGTERM"
