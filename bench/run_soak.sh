#!/usr/bin/env bash
# Soak under churn for minutes (issue 9): the run of tests/integration/soak_churn_test.sh, longer
# and faster. Hosts republished every 5 ms through the manifests source; queries from the client
# namespace, every answer checked against the versions written (tests/soak/soak_lib.sh).
# Writes bench/results/soak.md.
#
#   sudo bench/run_soak.sh [BUILD_DIR]        SOAK_SECONDS=300 RATE=10000 SOAK_HOSTS=16 SOAK_INTERVAL_MS=5
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
seconds=${SOAK_SECONDS:-300}
rate=${RATE:-10000}
[[ -f $build/CMakeCache.txt ]] || cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" --target xgslbd xgslbctl xdp_pass_skel_gen soak_client -j"$(nproc)" >/dev/null

source tests/integration/lib.sh
source tests/soak/soak_lib.sh
it_init "$build"
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
soak_start
echo "soak: $seconds s at $rate q/s, $SOAK_HOSTS hosts republished every $SOAK_INTERVAL_MS ms"
soak_run "$seconds" "$rate"
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

v() { soak_value "$1"; }
checked=$(v answers_checked)
xdp_pct=$(awk -v x="$SOAK_XDP_ANSWERS" -v c="$checked" 'BEGIN { printf "%.1f", c ? 100 * x / c : 0 }')
out=bench/results/soak.md
cat >"$out" <<MD
# Soak under churn

\`sudo SOAK_SECONDS=$seconds RATE=$rate bench/run_soak.sh\` — $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) CPUs,
load average $load_before before, $load_after after (other work shares the machine).

xgslbd on a veth in a namespace pair, \`source: {manifests: …}\`, RRL off. \`tests/soak/churn_manifests.py\`
republished $SOAK_HOSTS hosts (Gslb + Ingress + Service + EndpointSlice per host, one JSON file
each, renamed over) every $SOAK_INTERVAL_MS ms: targets changed (1–6 A records), hosts removed and
added back. \`tests/soak/soak_client\` sent $rate queries/s from the client namespace (every
${SOAK_COOKIE_EVERY}th round with an EDNS COOKIE, which XDP passes to the slow path) and checked every
answer against the versions written and xgslbd's publishes (\`tests/soak/soak_checker.h\`): equal
to a version current while the query was in flight, or to one the daemon could still serve —
read by its last publish before the send or the one before that (one publish behind).

| what | value |
|---|---|
| duration | $(v seconds) s |
| queries sent | $(v sent) ($(v sent_rate)/s; $(v send_errors) refused by the socket) |
| **answers checked** | **$checked** |
| **errors** (mixed, truncated, stale beyond one publish, from the future) | **$(v errors)** (stale $(v stale), future $(v future), unpublished $(v unpublished)) |
| answered with the current version / one publish behind | $(v current) / $(v within_lag) (max $(v max_staleness_ms) ms behind the write) |
| unanswered (lost) | $(v unanswered) |
| answered by XDP | $SOAK_XDP_ANSWERS ($xdp_pct %) |
| answered by the slow path (COOKIE queries; XDP passed $SOAK_PASS_EDNS for EDNS) | $(v answers_with_cookie) |
| versions written (churn writer) | $(v versions) read by the check — $SOAK_CHURN |
| publishes by xgslbd | $SOAK_PUBLISHES (longest pause between two: $(v max_publish_gap_ms) ms) |
| slowest answer | $(v max_rtt_ms) ms |
MD
cat "$out"
((SOAK_STATUS == 0)) || { echo "soak: errors found (see above)" >&2; exit 1; }
