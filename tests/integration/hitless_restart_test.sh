#!/usr/bin/env bash
# Hitless restart: a generator in the client namespace sends a steady stream of hot queries
# (A at roundrobin.cloud.example.com, answered by XDP) while xgslbd, with xdp.keepAttached, is
# killed with SIGKILL and started again. Every query sent must be answered, and by XDP: the
# answered_a counter (pinned, so it survives the daemon) moves by exactly the number sent and
# the slow path answers none of them.
#   bash tests/integration/hitless_restart_test.sh BUILD_DIR
source "$(dirname "$0")/lib.sh"
it_init "${1:-}"

RATE=2000
SECONDS_OF_LOAD=6
write_config "$WORK_DIR/c.yaml" 's/keepAttached: false/keepAttached: true/'
# One client at RATE q/s is a flood to RRL's per-prefix default; this test is about restarts.
echo 'rrl: {responsesPerSecond: 0}' >>"$WORK_DIR/c.yaml"
start_daemon first "$WORK_DIR/c.yaml"
wait_ready first
first_prog=$(xdp_prog_ids)
before=$(stats_json)

in_client python3 "$IT_SOURCE_DIR/tools/udp_query_gen.py" --server "$SERVER_V4" \
  --name roundrobin.cloud.example.com --rate "$RATE" --seconds "$SECONDS_OF_LOAD" >"$WORK_DIR/gen.json" &
gen_pid=$!
netns_on_exit "kill $gen_pid"

sleep 1.5
kill -KILL "$(daemon_pid first)"
wait_exit first 5
[[ $(xdp_prog_ids) == "$first_prog" ]] || fail "the program did not stay attached after SIGKILL"
killed_at=$SECONDS
start_daemon second "$WORK_DIR/c.yaml"
wait_ready second 20
second_prog=$(xdp_prog_ids)
[[ $second_prog != "$first_prog" ]] || fail "the restarted daemon did not swap its program in"
pass "hitless: killed, restarted in $((SECONDS - killed_at)) s, program $first_prog -> $second_prog"

wait "$gen_pid" || fail "the generator failed"
result=$(cat "$WORK_DIR/gen.json")
after=$(stats_json)
sent=$(jq .sent <<<"$result")
(( sent >= RATE * SECONDS_OF_LOAD * 9 / 10 )) || fail "generator sent only $sent queries: $result"
assert_eq "queries unanswered across SIGKILL + restart ($result)" 0 "$(jq .unanswered <<<"$result")"
assert_eq "all answers NOERROR" "$sent" "$(jq '.rcodes["0"]' <<<"$result")"
assert_eq "answered by XDP (answered_a delta)" "$sent" "$(counter_delta "$before" "$after" answered_a)"
pass "hitless: $sent queries at $RATE/s, all answered by XDP while xgslbd was killed and restarted ($result)"
