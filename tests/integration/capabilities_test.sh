#!/usr/bin/env bash
# Least privilege on every thread: xgslbd started with exactly the capabilities it says it needs
# at start (`xgslbd --capabilities`, what the systemd unit and the DaemonSet grant) comes up, and
# then every one of its threads — main, slow-path workers, control socket, metrics endpoint,
# model loop — holds exactly the runtime set in CapEff and CapPrm, nothing inheritable, ambient
# or in the bounding set, and no_new_privs. The operations that still need privileges work
# after the drop: a reload that attaches to a new interface and changes the XDP listen set (a
# new inner map), and SIGTERM's detach. Threads are read again after the reload.
#   bash tests/integration/capabilities_test.sh BUILD_DIR
source "$(dirname "$0")/lib.sh"
it_init "${1:-}"
command -v setpriv >/dev/null || fail "missing setpriv (util-linux)"

caps=$("$XGSLBD" --capabilities)
start_caps=$(jq -r .start <<<"$caps")
runtime_caps=$(jq -r .runtime <<<"$caps")
# As /proc prints a set: bit n = capability n.
cap_bit() { case $1 in CAP_SETPCAP) echo 8 ;; CAP_NET_BIND_SERVICE) echo 10 ;; CAP_NET_ADMIN) echo 12 ;;
  CAP_SYS_ADMIN) echo 21 ;; CAP_PERFMON) echo 38 ;; CAP_BPF) echo 39 ;; *) fail "unknown capability $1" ;; esac; }
mask=0
for c in $runtime_caps; do mask=$((mask | 1 << $(cap_bit "$c"))); done
expected=$(printf '%016x' "$mask")
# setpriv names: lower case without the CAP_ prefix.
bounding="-all$(for c in $start_caps; do c=${c#CAP_}; printf ',+%s' "${c,,}"; done)"

# A second interface for the reload to attach to: a veth pair inside the server's namespace
# (no dummy driver on every kernel); it goes with the namespace.
DUMMY=xgca$$
ip -n "$NS_SERVER" link add "$DUMMY" type veth peer name "xgcb$$"
ip -n "$NS_SERVER" link set "xgcb$$" up
ip -n "$NS_SERVER" link set "$DUMMY" up
ip -n "$NS_SERVER" addr add 10.78.0.2/24 dev "$DUMMY"

write_config "$WORK_DIR/c.yaml"
printf 'metrics: {listen: "127.0.0.1:9153"}\n' >>"$WORK_DIR/c.yaml"
# Root's permitted set after exec is its bounding set: exactly the start set.
in_server_bg setpriv --inh-caps=-all --ambient-caps=-all --bounding-set="$bounding" -- \
  "$XGSLBD" --config "$WORK_DIR/c.yaml" >"$WORK_DIR/main.log" 2>&1
IT_DAEMON_NAMES+=(main)
IT_DAEMON_PID[main]=$SERVER_BG_PID
wait_ready main
pid=$(daemon_pid main)
pass "started with exactly the start set: $start_caps"

# check_threads WHEN: every thread's sets, as the kernel reports them.
check_threads() {
  local when=$1 task count=0 names=() s
  for task in /proc/"$pid"/task/*; do
    s=$(cat "$task/status") || continue  # a thread that ended meanwhile
    names+=("$(cat "$task/comm")")
    local what="$when, thread ${task##*/} ($(cat "$task/comm"))"
    assert_eq "$what CapEff" "$expected" "$(awk '/^CapEff:/ {print $2}' <<<"$s")"
    assert_eq "$what CapPrm" "$expected" "$(awk '/^CapPrm:/ {print $2}' <<<"$s")"
    assert_eq "$what CapInh" 0000000000000000 "$(awk '/^CapInh:/ {print $2}' <<<"$s")"
    assert_eq "$what CapBnd" 0000000000000000 "$(awk '/^CapBnd:/ {print $2}' <<<"$s")"
    assert_eq "$what CapAmb" 0000000000000000 "$(awk '/^CapAmb:/ {print $2}' <<<"$s")"
    assert_eq "$what NoNewPrivs" 1 "$(awk '/^NoNewPrivs:/ {print $2}' <<<"$s")"
    count=$((count + 1))
  done
  # main, the slow-path workers, control socket, metrics endpoint, model loop, manifests/none source
  ((count >= 5)) || fail "$when: only $count threads; expected the workers and service threads too"
  pass "$when: all $count threads ($(printf '%s\n' "${names[@]}" | sort | uniq -c | awk '{printf "%s%s x%s", (NR > 1 ? ", " : ""), $2, $1}')) hold CapEff=CapPrm=$expected ($runtime_caps), nothing inheritable, ambient or bounding, NoNewPrivs=1"
}
check_threads "after start"
assert_match "log names the kept set" "capabilities dropped on every thread to" "$(cat "$(daemon_log main)")"

# Still serving from XDP and the slow path.
r=$(dns_query "@$SERVER_V4" roundrobin.cloud.example.com A) || fail "no XDP answer after the drop"
jq_check "answer" "$r" '[.answerRRs[].rdataA] | sort | join(" ")' "172.18.0.3 172.18.0.4"

# A reload that needs the kept capabilities: attach to a new interface (CAP_NET_ADMIN, and
# CAP_BPF/CAP_PERFMON for libxdp) and answer on a new address (a new listen inner map: CAP_BPF).
write_config "$WORK_DIR/c.yaml" "s/interfaces: \[vs\]/interfaces: [vs, $DUMMY]/" 's/mode: native/mode: auto/' \
  's/listen: \["10.77.0.2:53", "\[fd77::2\]:53"\]/listen: ["10.77.0.2:53", "[fd77::2]:53", "10.78.0.2:53"]/'
printf 'metrics: {listen: "127.0.0.1:9153"}\n' >>"$WORK_DIR/c.yaml"
kill -HUP "$pid"
wait_log main 'attached XDP program to '"$DUMMY" 1 10
wait_log main 'published zones=.* listen=3 ' 1 10
ip -n "$NS_SERVER" -d link show dev "$DUMMY" | grep -qE 'prog/xdp id [0-9]+' || fail "no XDP program on $DUMMY after the reload"
grep -q 'reload failed' "$(daemon_log main)" && fail "reload failed: $(grep 'reload failed' "$(daemon_log main)")"
pass "reload after the drop: attached to $DUMMY, listen set of 3 published"
check_threads "after the reload"

kill -TERM "$pid"
wait_exit main 10
assert_eq "exit status" 0 "$EXIT_STATUS"
[[ -z $(xdp_prog_ids) ]] || fail "SIGTERM after the drop left the program on $IF_SERVER"
ip -n "$NS_SERVER" -d link show dev "$DUMMY" | grep -qE 'prog/xdp' && fail "SIGTERM left the program on $DUMMY"
pass "SIGTERM after the drop: detached from both interfaces, exit 0"
