#!/usr/bin/env bash
# Config errors: `xgslbd --config BAD` exits non-zero and names file:line and the field, for
# each kind of mistake; and while a daemon of the same instance is attached and serving, a
# second start with a broken config must leave it alone: same program attached, same pinned
# maps with the same contents, and XDP still answering.
#   bash tests/integration/config_error_test.sh BUILD_DIR
source "$(dirname "$0")/lib.sh"
it_init "${1:-}"

# name | sed expression on the fixture | regex of the line it breaks | what the message must say
# after "FILE:LINE: "
cases=(
  "bad address|s/172\.18\.0\.10\]/172.18.0.999]/|172\.18\.0\.999|records\[1\]\.a\[0\]: .*172\.18\.0\.999"
  "unknown key|s/    ttl: 15/    tll: 15/|tll: 15|records\[1\]\.tll: unknown key"
  "record outside the zones|s/www\.short\.example\.org/www.elsewhere.example.net/|www\.elsewhere|records\[4\]\.name: .*outside"
  "YAML syntax|s/    ttl: 15/    ttl: 15: 16/|ttl: 15: 16|YAML syntax"
  "bad listen port|s/\"10\.77\.0\.2:53\"/\"10.77.0.2:99999\"/|10\.77\.0\.2:99999|dns\.listen\[0\]: .*port"
  "bad XDP mode|s/mode: native/mode: turbo/|mode: turbo|xdp\.mode: .*turbo"
)

# run_bad CONFIG: xgslbd in the server namespace, bounded; sets OUT and STATUS.
run_bad() {
  STATUS=0
  OUT=$(timeout 15 nsenter --net="/run/netns/$NS_SERVER" "$XGSLBD" --config "$1" 2>&1) || STATUS=$?
  ((STATUS != 124)) || fail "xgslbd --config $1 still running after 15s (expected it to refuse the config)"
}

check_case() {  # NAME SED LINE_REGEX MESSAGE_REGEX CONTEXT
  local name=$1 expr=$2 line_regex=$3 message=$4 context=$5
  local bad=$WORK_DIR/${name// /-}.yaml line
  write_config "$bad" "$expr"
  line=$(grep -nE -- "$line_regex" "$bad" | head -n 1 | cut -d: -f1)
  [[ -n $line ]] || fail "$name: the edit '$expr' did not apply to the fixture"
  run_bad "$bad"
  ((STATUS != 0)) || fail "$name ($context): xgslbd exited 0 with a bad config; output: $OUT"
  local location
  location=$(sed 's/[.[\*^$]/\\&/g' <<<"$bad:$line: ")
  [[ $OUT =~ $location$message ]] ||
    fail "$name ($context): expected the error to say '$bad:$line: ' then /$message/, got: $OUT"
}

# ---- nothing running: errors are reported and nothing is created ------------------------------
for c in "${cases[@]}"; do
  IFS='|' read -r name expr line_regex message <<<"$c"
  check_case "$name" "$expr" "$line_regex" "$message" "no daemon running"
  [[ ! -e $PIN_DIR ]] || fail "$name: a refused config created $PIN_DIR"
  [[ -z $(xdp_prog_ids) ]] || fail "$name: a refused config attached XDP to $IF_SERVER"
done
run_bad "$WORK_DIR/no-such-file.yaml"
((STATUS != 0)) || fail "missing config file: exit status 0"
[[ $OUT == *"$WORK_DIR/no-such-file.yaml"* ]] || fail "missing config file: error does not name it: $OUT"
pass "${#cases[@]} kinds of config error and a missing file: non-zero exit, file:line: field, nothing created"

# ---- the same instance running: a broken start must not touch it -----------------------------
write_config "$WORK_DIR/good.yaml"
start_daemon main "$WORK_DIR/good.yaml"
wait_ready main

# Everything a second daemon could disturb: attachment, pins and the maps behind them, contents.
state() {
  echo "xdp: $(xdp_prog_ids | paste -sd,)"
  local pin
  for pin in "$PIN_DIR"/*; do echo "pin: $(basename "$pin") map id $(bpftool -j map show pinned "$pin" | jq .id)"; done
  "$XGSLBCTL" --instance "$INSTANCE" -o json records | jq -c .
}
before=$(state)
[[ $before == *"xdp: "[0-9]* && $before == *"pin: xgslb_names"* ]] || fail "running daemon: unexpected state: $before"

check_running_untouched() {  # WHAT
  local after stats_before stats_after
  daemon_alive main || fail "$1: the running xgslbd exited"
  after=$(state)
  [[ $after == "$before" ]] || fail "$1: the running instance changed.
before:
$before
after:
$after"
  stats_before=$(stats_json)
  local r
  r=$(dns_query "@$SERVER_V4" roundrobin.cloud.example.com A) || fail "$1: the running instance no longer answers"
  jq_check "$1: running instance answer" "$r" '[.answerRRs[].rdataA] | sort | join(" ")' "172.18.0.3 172.18.0.4"
  stats_after=$(stats_json)
  assert_eq "$1: the answer came from XDP (answered_a)" 1 "$(counter_delta "$stats_before" "$stats_after" answered_a)"
}

for c in "${cases[@]}"; do
  IFS='|' read -r name expr line_regex message <<<"$c"
  check_case "$name" "$expr" "$line_regex" "$message" "same instance running"
  check_running_untouched "$name"
done
pass "config errors with the same instance running: refused, running instance untouched"

# A config that parses but cannot be applied (no such interface), with different data: the
# second daemon must fail without publishing into the running instance's maps or unpinning them.
write_config "$WORK_DIR/no-interface.yaml" 's/interfaces: \[vs\]/interfaces: [nosuch0]/' \
  's/172\.18\.0\.10\]/172.18.0.66]/'
run_bad "$WORK_DIR/no-interface.yaml"
((STATUS != 0)) || fail "second start, interface nosuch0: exit status 0; output: $OUT"
[[ $OUT == *" level=error "* ]] || fail "second start, interface nosuch0: no error logged: $OUT"
check_running_untouched "second start on a missing interface"
pass "second start failing on a missing interface: running instance untouched ($(grep ' level=error ' <<<"$OUT" | tail -n 1 | sed 's/.* msg=//'))"
