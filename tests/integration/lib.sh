# shellcheck shell=bash disable=SC2034  # (variables here are for the sourcing test)
# Sourced by tests/integration/*_test.sh, which ctest runs as `bash SCRIPT BUILD_DIR`.
#
#   source "$(dirname "$0")/lib.sh"
#   it_init "$1"                    # namespaces, a work dir, a unique INSTANCE, one cleanup
#   write_config "$WORK_DIR/c.yaml" # tests/fixtures/integration.yaml with INSTANCE in it
#   start_daemon main "$WORK_DIR/c.yaml" && wait_ready main
#   dns_query @10.77.0.2 roundrobin.cloud.example.com A   # kdig +json, from the client end
#
# Everything a test creates (namespaces, daemons, XDP attachments, pins under
# /sys/fs/bpf/xgslb/$INSTANCE, the work dir) is removed on exit, on failure and on SIGINT/TERM.
# A failure prints what was expected, what was seen, and the tail of every daemon log.
set -Eeuo pipefail

IT_SOURCE_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=../../tools/lib/netns.sh
source "$IT_SOURCE_DIR/tools/lib/netns.sh"

IT_FIXTURE=$IT_SOURCE_DIR/tests/fixtures/integration.yaml
IT_DAEMON_NAMES=()
declare -A IT_DAEMON_PID=()

# ---- reporting --------------------------------------------------------------------------------

it_show_logs() {
  local name
  for name in "${IT_DAEMON_NAMES[@]}"; do
    echo "---- tail of xgslbd log '$name' ($WORK_DIR/$name.log) ----" >&2
    tail -n 30 "$WORK_DIR/$name.log" >&2 2>/dev/null || true
  done
}

fail() {
  trap - ERR
  echo "FAIL [$(basename "$0")]: $*" >&2
  # In a $(...) only the subshell ends; the caller reports the failure with the logs.
  [[ $BASHPID == "$$" ]] && it_show_logs
  exit 1
}

pass() { echo "ok   $*"; }

it_on_error() {
  fail "command failed (status $1) at line $2: $3"
}

assert_eq() {  # WHAT EXPECTED ACTUAL
  [[ "$2" == "$3" ]] || fail "$1: expected '$2', got '$3'"
}

assert_match() {  # WHAT REGEX TEXT
  [[ "$3" =~ $2 ]] || fail "$1: expected to match /$2/, got: $3"
}

# ---- set-up and clean-up ----------------------------------------------------------------------

it_init() {
  local build=${1:?usage: bash $0 BUILD_DIR}
  [[ $EUID -eq 0 ]] || { echo "$(basename "$0"): needs root (namespaces, XDP, bpffs)" >&2; exit 1; }
  BUILD_DIR=$(cd "$build" && pwd)
  XGSLBD=$BUILD_DIR/userspace/xgslbd
  XGSLBCTL=$BUILD_DIR/tools/xgslbctl
  PASS_OBJ=$BUILD_DIR/bpf/xdp_pass_skel/xdp_pass.bpf.o
  local f tool
  for f in "$XGSLBD" "$XGSLBCTL" "$PASS_OBJ"; do [[ -e $f ]] || { echo "missing $f: build first" >&2; exit 1; }; done
  for tool in kdig drill jq ip nsenter ethtool; do
    command -v "$tool" >/dev/null || { echo "missing tool '$tool' (tools/install-deps.sh)" >&2; exit 1; }
  done

  local test_name
  test_name=$(basename "$0" .sh)
  test_name=${test_name%_test}
  # Unique per run, so a test never adopts the maps of a developer's instance or another run.
  INSTANCE="test-${test_name//_/-}-$$"
  PIN_DIR=/sys/fs/bpf/xgslb/$INSTANCE
  WORK_DIR=$(mktemp -d "/tmp/xgslb-it-$test_name.XXXXXX")

  netns_pair_create "$PASS_OBJ"   # installs the EXIT trap that runs the hooks below
  netns_on_exit it_cleanup
  trap 'it_on_error $? $LINENO "$BASH_COMMAND"' ERR
}

# Waits (bounded) for a process of ours to end; SIGKILL if SIGTERM was not enough.
it_stop_pid() {
  local pid=$1 i
  kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 50; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

it_cleanup() {
  trap - ERR  # cleanup goes on past failures; a failing step must not end it early
  local name
  for name in "${IT_DAEMON_NAMES[@]}"; do it_stop_pid "${IT_DAEMON_PID[$name]}"; done
  # A daemon killed hard or told to keepAttached leaves its program attached and pinned.
  ip -n "$NS_SERVER" link set dev "$IF_SERVER" xdp off 2>/dev/null || true
  [[ -n ${INSTANCE:-} ]] && rm -rf "/sys/fs/bpf/xgslb/$INSTANCE"
  [[ -n ${WORK_DIR:-} && -d $WORK_DIR ]] && rm -rf "$WORK_DIR"
  return 0
}

# ---- configuration ----------------------------------------------------------------------------

# write_config OUT [SED_EXPR...]: the fixture with this run's instance, then each sed expression.
write_config() {
  local out=$1; shift
  local args=(-e "s/^instance: .*/instance: $INSTANCE/")
  local e
  for e in "$@"; do args+=(-e "$e"); done
  sed "${args[@]}" "$IT_FIXTURE" >"$out.tmp"
  mv "$out.tmp" "$out"  # a reload never reads a half-written file
}

# k8gb_manifests_config: k8gb's own sample Gslbs (tests/fixtures/k8gb/) and the cluster around
# them (tests/fixtures/controller/cluster.yaml) in M=$WORK_DIR/manifests, and
# $WORK_DIR/xgslbd.yaml serving them through the manifests source; YAML lines on stdin are
# appended to that config.
k8gb_manifests_config() {
  M=$WORK_DIR/manifests
  mkdir "$M"
  cp "$IT_SOURCE_DIR"/tests/fixtures/k8gb/*.yaml "$IT_SOURCE_DIR/tests/fixtures/controller/cluster.yaml" "$M/"
  {
    cat <<CONF
instance: $INSTANCE
geoTag: eu
zones:
  - zone: cloud.example.com
    negativeTtl: 45
xdp: {interfaces: [$IF_SERVER], mode: native}
dns: {listen: ["$SERVER_V4:53", "[$SERVER_V6]:53"]}
source: {manifests: manifests, resyncSeconds: 600}
CONF
    cat
  } >"$WORK_DIR/xgslbd.yaml"
}

# ---- the daemon -------------------------------------------------------------------------------

# start_daemon NAME CONFIG [ARGS...]: xgslbd in the server namespace, output in $WORK_DIR/NAME.log.
start_daemon() {
  local name=$1 config=$2; shift 2
  in_server_bg "$XGSLBD" --config "$config" "$@" >"$WORK_DIR/$name.log" 2>&1
  IT_DAEMON_NAMES+=("$name")
  IT_DAEMON_PID[$name]=$SERVER_BG_PID
}

daemon_pid() { echo "${IT_DAEMON_PID[$1]}"; }
daemon_log() { echo "$WORK_DIR/$1.log"; }
daemon_alive() { kill -0 "${IT_DAEMON_PID[$1]}" 2>/dev/null; }

# wait_log NAME REGEX COUNT SECONDS: until the log has COUNT lines matching; fails early if the
# daemon exits.
wait_log() {
  local name=$1 regex=$2 count=$3 seconds=$4
  local deadline=$((SECONDS + seconds)) seen
  while :; do
    seen=$(grep -cE -- "$regex" "$WORK_DIR/$name.log" 2>/dev/null || true)
    ((seen >= count)) && return 0
    daemon_alive "$name" || fail "xgslbd '$name' exited (waiting for $count x /$regex/, saw $seen)"
    ((SECONDS < deadline)) || fail "timeout after ${seconds}s waiting for $count x /$regex/ in '$name' log (saw $seen)"
    sleep 0.1
  done
}

wait_ready() { wait_log "$1" 'xgslbd ready' 1 "${2:-15}"; }

# wait_exit NAME SECONDS: until the daemon has exited; sets EXIT_STATUS.
wait_exit() {
  local name=$1 seconds=$2 pid=${IT_DAEMON_PID[$1]}
  local deadline=$((SECONDS + seconds))
  while kill -0 "$pid" 2>/dev/null; do
    ((SECONDS < deadline)) || fail "xgslbd '$name' still running ${seconds}s after it was told to stop"
    sleep 0.1
  done
  EXIT_STATUS=0
  wait "$pid" || EXIT_STATUS=$?
}

# The last "published ..." line of a daemon's log.
last_published() { grep -E 'published zones=' "$WORK_DIR/$1.log" | tail -n 1; }

# ---- XDP state --------------------------------------------------------------------------------

# The XDP program ids on the server's veth (empty when nothing is attached).
xdp_prog_ids() {
  ip -n "$NS_SERVER" -d link show dev "$IF_SERVER" | grep -oE 'prog/xdp id [0-9]+' | awk '{print $3}' || true
}

# stats_json: the counters of this run's instance as one JSON object.
stats_json() { "$XGSLBCTL" --instance "$INSTANCE" -o json stats | jq -c .counters; }

# counter_delta BEFORE_JSON AFTER_JSON NAME
counter_delta() { jq -n --argjson a "$1" --argjson b "$2" -r "\$b.$3 - \$a.$3"; }

# ---- DNS from the client namespace ------------------------------------------------------------

# dns_query @SERVER NAME TYPE [KDIG_FLAGS...]: one UDP query, no retry, the response as RFC 8427
# JSON on stdout; non-zero status when no response came.
dns_query() { in_client kdig +retry=0 +timeout=2 +json "$@"; }

# dns_expect_none @SERVER NAME TYPE: no response within the timeout.
dns_expect_none() {
  local out
  if out=$(in_client kdig +retry=0 +timeout=1 +json "$@" 2>&1); then
    fail "kdig $*: expected no answer, got: $out"
  fi
}

# answer_a @SERVER NAME [KDIG_FLAGS...]: the A set answered for NAME, sorted, space-separated
# ("" for none), or "no response". With +tcp it is the slow path's answer (XDP passes TCP).
answer_a() {
  local r
  r=$(dns_query "$@" A) || { echo "no response"; return 0; }
  jq -r '[.answerRRs[]?.rdataA] | sort | join(" ")' <<<"$r"
}

# xdp_answer_a @SERVER NAME: the same, only if this run's XDP program answered it (its
# answered_a counter moved by one), else "not by XDP: ...".
xdp_answer_a() {
  local before after r
  before=$(stats_json)
  r=$(dns_query "$@" A) || { echo "no response"; return 0; }
  after=$(stats_json)
  [[ $(counter_delta "$before" "$after" answered_a) == 1 ]] || { echo "not by XDP: $(jq -c .answerRRs <<<"$r")"; return 0; }
  jq -r '[.answerRRs[]?.rdataA] | sort | join(" ")' <<<"$r"
}

# jq_check WHAT JSON FILTER EXPECTED: the filter's raw output must equal EXPECTED.
jq_check() {
  local got
  got=$(jq -r "$3" <<<"$2" 2>&1) || fail "$1: jq '$3' failed on: $2"
  [[ "$got" == "$4" ]] || fail "$1: expected $3 == '$4', got '$got' in response: $(jq -c . <<<"$2")"
}
