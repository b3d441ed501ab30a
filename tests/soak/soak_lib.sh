# shellcheck shell=bash
# The soak under churn, shared by tests/integration/soak_churn_test.sh (bounded, CI) and
# bench/run_soak.sh (minutes). Sourced after tests/integration/lib.sh and `it_init`:
#
#   soak_start                      # manifests dir, xgslbd on it (RRL off), initial hosts answered
#   soak_run SECONDS RATE           # churn + checked load at once; sets SOAK_* (below)
#
# While churn_manifests.py republishes the hosts every SOAK_INTERVAL_MS through the manifests
# source, soak_client sends RATE queries/s from the client namespace (one round in
# SOAK_COOKIE_EVERY with an EDNS COOKIE, which XDP passes to the slow path) and checks every
# answer against the versions the writer logged and the publishes xgslbd logged
# (tests/soak/soak_checker.h: no answer mixed, cut, or stale beyond one publish).
SOAK_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SOAK_HOSTS=${SOAK_HOSTS:-16}
SOAK_INTERVAL_MS=${SOAK_INTERVAL_MS:-5}
SOAK_COOKIE_EVERY=${SOAK_COOKIE_EVERY:-4}

soak_names() {
  local i names=()
  for ((i = 0; i < SOAK_HOSTS; i++)); do names+=("h$i.cloud.example.com"); done
  local IFS=,
  echo "${names[*]}"
}

soak_start() {
  SOAK_CLIENT=$BUILD_DIR/tests/soak/soak_client
  [[ -x $SOAK_CLIENT ]] || fail "missing $SOAK_CLIENT: build the soak_client target"
  SOAK_MANIFESTS=$WORK_DIR/manifests
  SOAK_VERSIONS=$WORK_DIR/versions.log
  mkdir -p "$SOAK_MANIFESTS"
  python3 "$SOAK_DIR/churn_manifests.py" "$SOAK_MANIFESTS" "$SOAK_VERSIONS" --hosts "$SOAK_HOSTS" --init-only
  cat >"$WORK_DIR/xgslbd.yaml" <<CONF
instance: $INSTANCE
geoTag: eu
logLevel: info
zones: [{zone: cloud.example.com}]
xdp: {interfaces: [$IF_SERVER], mode: native}
dns: {listen: ["$SERVER_V4:53"]}
source: {manifests: $SOAK_MANIFESTS, resyncSeconds: 3600}
rrl: {responsesPerSecond: 0}   # one client sends thousands of queries per second
CONF
  start_daemon main "$WORK_DIR/xgslbd.yaml"
  wait_ready main
  # Every host of the initial versions answered before the churn starts.
  local last=$((SOAK_HOSTS - 1))
  local want
  want=$(awk -v n="h$last.cloud.example.com" '$2 == n {a = $3} END {print a}' "$SOAK_VERSIONS")
  wait_for 10 soak_answer_is "h$last.cloud.example.com" "$want" ||
    fail "h$last.cloud.example.com not answered with its initial version '$want'"
}

soak_answer_is() {  # NAME EXPECTED (sorted, comma-joined A addresses)
  [[ $(dns_query "@$SERVER_V4" "$1" A +noedns | jq -r '[.answerRRs[]?.rdataA] | sort | join(",")') == "$2" ]]
}

# soak_run SECONDS RATE: sets SOAK_REPORT (the client's key=value summary file), SOAK_STATUS (the
# client's exit status), SOAK_PUBLISHES (the daemon's publishes during the run), SOAK_CHURN (the
# writer's summary), SOAK_XDP_ANSWERS (answers the XDP program sent during the run).
soak_run() {
  local seconds=$1 rate=$2 before after publishes_before
  SOAK_REPORT=$WORK_DIR/soak_report.txt
  publishes_before=$(grep -c 'published zones=' "$(daemon_log main)" || true)
  before=$(stats_json)
  python3 "$SOAK_DIR/churn_manifests.py" "$SOAK_MANIFESTS" "$SOAK_VERSIONS" --hosts "$SOAK_HOSTS" \
    --interval-ms "$SOAK_INTERVAL_MS" --seconds "$((seconds + 2))" --seed "$$" >"$WORK_DIR/churn.out" &
  SOAK_CHURN_PID=$!
  netns_on_exit soak_stop_churn
  SOAK_STATUS=0
  in_client "$SOAK_CLIENT" --server "$SERVER_V4" --names "$(soak_names)" --rate "$rate" --seconds "$seconds" \
    --cookie-every "$SOAK_COOKIE_EVERY" --versions "$SOAK_VERSIONS" --publish-log "$(daemon_log main)" \
    --report "$SOAK_REPORT" >"$WORK_DIR/soak_client.out" 2>&1 || SOAK_STATUS=$?
  local churn_status=0
  wait "$SOAK_CHURN_PID" || churn_status=$?
  SOAK_CHURN_PID=
  ((churn_status == 0)) || fail "churn writer failed: $(cat "$WORK_DIR/churn.out")"
  after=$(stats_json)
  SOAK_CHURN=$(cat "$WORK_DIR/churn.out")
  SOAK_PUBLISHES=$(($(grep -c 'published zones=' "$(daemon_log main)") - publishes_before))
  SOAK_XDP_ANSWERS=$(($(counter_delta "$before" "$after" answered_a) + $(counter_delta "$before" "$after" answered_nxdomain) +
    $(counter_delta "$before" "$after" answered_nodata)))
  SOAK_PASS_EDNS=$(counter_delta "$before" "$after" pass_edns)
  cat "$WORK_DIR/soak_client.out"
  if [[ -n ${SOAK_KEEP_DIR:-} ]]; then  # for a look after the run: the logs go with the work dir
    mkdir -p "$SOAK_KEEP_DIR"
    cp "$(daemon_log main)" "$SOAK_VERSIONS" "$WORK_DIR/soak_client.out" "$SOAK_KEEP_DIR/"
  fi
}

SOAK_CHURN_PID=
soak_stop_churn() {  # on exit, also on failure: the writer, if still running
  [[ -n $SOAK_CHURN_PID ]] && kill "$SOAK_CHURN_PID" 2>/dev/null
  SOAK_CHURN_PID=
}

soak_value() { sed -n "s/^$1=//p" "$SOAK_REPORT"; }  # KEY: from the client's summary
