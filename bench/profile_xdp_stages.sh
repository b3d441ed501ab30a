#!/usr/bin/env bash
# Where the XDP program's time goes, stage by stage: builds bpf/xgslb.bpf.c once per stage with
# -DXGSLB_PROFILE_STOP_AFTER=N (the program ends after stage N with XDP_PASS; bpf/profile_stage.h)
# and once in full, then times all the builds interleaved in one process on the same published
# maps (bench/xdp_stage_cost) and prints the net cost up to each stage and (the difference to
# the row above) each stage alone.
# Needs root; run from anywhere.
#
#   bench/profile_xdp_stages.sh [BUILD_DIR] [xdp_stage_cost flags, e.g. --rrl-rate 0 --no-edns]
set -euo pipefail
cd "$(dirname "$0")/.."

build=${1:-build}
shift || true
[[ $(id -u) == 0 ]] || { echo "profile_xdp_stages: BPF_PROG_TEST_RUN needs root" >&2; exit 1; }
cmake --build "$build" --target xdp_stage_cost -j"$(nproc)" >/dev/null

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# The headline query's stages are the express program's (bpf/express_answer.h); the general
# program has markers of its own at the same numbers, which only a query it answers reaches. The
# rate limit is inlined in the express program: stopping inside it (41-43) makes that program's
# verification explode (E2BIG), so it is timed as one stage.
stages=(0 1 4 6 7 full)
names=("entry: settings and listen-set lookups"
       "the lane (bpf/express_lane.h): headers, question and OPT at constant offsets, express probe"
       "rrl_decide: never-reflect rules, RRL slot, clock and token bucket (inlined)"
       "the set's turn (Rotate) and the slot's fields"
       "writer: header plan, frame grown, headers, checksums, records and OPT stored"
       "the slot's sequence re-read, counters; XDP_TX")
source bench/lib/bpf_object.sh
args=()
for i in "${!stages[@]}"; do
  s=${stages[$i]}
  define=()
  [[ $s == full ]] || define=(-DXGSLB_PROFILE_STOP_AFTER="$s")
  compile_xgslb_object . "$tmp/stage_$s.o" "${define[@]}"
  args+=("$tmp/stage_$s.o=${names[$i]}")
done
"$build/bench/xdp_stage_cost" "$@" "${args[@]}"
