#!/usr/bin/env bash
# Verifier cost of BPF objects: loads each (as XDP, into a temporary pin that is removed at
# once) and prints the "processed N insns" line of the verifier log; a rejected object says so
# (with the log's last lines) and makes the exit status 1. Needs root.
#
#   bench/verifier_count.sh [OBJECT...]         default: build/bpf/xgslb_skel/xgslb.bpf.o
#   bench/verifier_count.sh --ref GIT_REF       the same for xgslb.bpf.c as of GIT_REF (e.g. main)
set -euo pipefail
cd "$(dirname "$0")/.."

objects=("$@")
failed=0
if [[ ${1:-} == --ref ]]; then
  src=$(mktemp -d)
  trap 'rm -rf "$src"' EXIT
  git archive "$2" bpf maps cmake | tar -x -C "$src"
  source bench/lib/bpf_object.sh
  compile_xgslb_object "$src" "$src/xgslb.bpf.o"
  objects=("$src/xgslb.bpf.o")
fi
[[ ${#objects[@]} -gt 0 ]] || objects=(build/bpf/xgslb_skel/xgslb.bpf.o)
for obj in "${objects[@]}"; do
  pin=/sys/fs/bpf/verifier_count_$$
  # The verifier prints its "processed" line on a rejection too: the exit status says which.
  status=0
  log=$(bpftool -d prog load "$obj" "$pin" type xdp 2>&1) || status=$?
  rm -f "$pin"
  line=$(grep -m1 '^processed' <<<"$log" || true)
  if [[ $status == 0 ]]; then
    # One "processed" line per program of the object (xgslb.bpf.c has two), named by the load
    # log's header before it.
    per_program=$(awk -F"'" '/-- BEGIN PROG LOAD LOG --/ { prog = $2 } /^processed/ { print prog ": " $0 }' <<<"$log")
    if [[ -n $per_program ]]; then
      while IFS= read -r row; do echo "$obj: $row"; done <<<"$per_program"
    else
      echo "$obj: ${line:-loaded (no verifier statistics in the log)}"
    fi
  else
    failed=1
    echo "$obj: LOAD FAILED (exit $status; ${line:-no verifier statistics}); the verifier said:"
    # The reason is the line above the statistics (or, without them, the end of the output).
    { grep -B 3 -m1 '^processed' <<<"$log" | head -n -1 || tail -n 5 <<<"$log"; } | sed 's/^/  /'
  fi
done
exit "$failed"
