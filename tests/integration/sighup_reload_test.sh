#!/usr/bin/env bash
# SIGHUP: xgslbd re-reads its config and writes only what changed (one changed A set: one map
# write), and the XDP answers follow. A config that no longer loads is reported with its file,
# line and field, once; the daemon keeps running and answering (XDP and slow path) from the last
# good data, and a later good config is published from there and logged as applied.
#   bash tests/integration/sighup_reload_test.sh BUILD_DIR
source "$(dirname "$0")/lib.sh"
it_init "${1:-}"

config=$WORK_DIR/xgslbd.yaml
published='published zones='

# a_records NAME [KDIG_FLAGS]: the A set for NAME; by XDP without flags, by the slow path with +tcp.
a_records() { answer_a "@$SERVER_V4" "$@"; }

write_config "$config"
start_daemon main "$config"
wait_ready main
wait_log main "$published" 1 5
assert_eq "failover A before the reload" 172.18.0.10 "$(a_records failover.cloud.example.com)"

# One record's address changes: exactly one rrset is rewritten, nothing else.
write_config "$config" 's/172\.18\.0\.10\]/172.18.0.11]/'
kill -HUP "$(daemon_pid main)"
wait_log main "$published" 2 10
line=$(last_published main)
assert_match "second publish writes only the changed rrset" \
  'writes=1 \(zones \+0/-0, rrsets \+1/-0, names \+0/-0\)' "$line"
assert_eq "failover A after the reload" 172.18.0.11 "$(a_records failover.cloud.example.com)"
assert_eq "roundrobin A untouched by the reload" "172.18.0.3 172.18.0.4" "$(a_records roundrobin.cloud.example.com)"
pass "SIGHUP published one write; XDP answers the new address"

# A bad address: the reload fails with file:line: field, the daemon and its answers stay.
write_config "$config" 's/172\.18\.0\.10\]/172.18.0.999]/'
bad_line=$(grep -n '172\.18\.0\.999' "$config" | cut -d: -f1)
kill -HUP "$(daemon_pid main)"
wait_log main 'reload failed' 1 10
error=$(grep 'reload failed' "$(daemon_log main)")
assert_match "the reload error names file:line: field" \
  "$(sed 's/[.[\*^$]/\\&/g' <<<"$config"):$bad_line: records\[1\]\.a\[0\]: .*172\.18\.0\.999" "$error"
sleep 0.5  # give a daemon that would die or publish anyway the time to do it
daemon_alive main || fail "xgslbd exited after a bad config on SIGHUP"
assert_eq "no publish after the failed reload" 2 "$(grep -c "$published" "$(daemon_log main)")"
assert_eq "failover A still the last good one" 172.18.0.11 "$(a_records failover.cloud.example.com)"
assert_eq "failover A still the last good one (slow path)" 172.18.0.11 "$(a_records failover.cloud.example.com +tcp)"
assert_eq "roundrobin A still served" "172.18.0.3 172.18.0.4" "$(a_records roundrobin.cloud.example.com)"
[[ -d $PIN_DIR ]] || fail "pins $PIN_DIR gone after a failed reload"
assert_eq "one error line for the bad config" 1 "$(grep -c 'level=error' "$(daemon_log main)")"
pass "bad config on SIGHUP: error at $(basename "$config"):$bad_line, still serving the last good data"

# A good config after the bad one is diffed against what is published, not against the bad one.
write_config "$config" 's/172\.18\.0\.10\]/172.18.0.12]/'
kill -HUP "$(daemon_pid main)"
wait_log main "$published" 3 10
assert_match "publish after recovery writes only the changed rrset" \
  'writes=1 \(zones \+0/-0, rrsets \+1/-0, names \+0/-0\)' "$(last_published main)"
assert_eq "failover A after recovery" 172.18.0.12 "$(a_records failover.cloud.example.com)"
assert_eq "failover A after recovery (slow path)" 172.18.0.12 "$(a_records failover.cloud.example.com +tcp)"
wait_log main 'reload: .* applied' 2 5
assert_eq "still one error line" 1 "$(grep -c 'level=error' "$(daemon_log main)")"
pass "good config after the bad one published as a one-write diff, logged as applied"
