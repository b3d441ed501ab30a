#!/usr/bin/env bash
# Verifier cost of BPF objects: loads each (as XDP, into a temporary pin that is removed at
# once) and prints the "processed N insns" line of the verifier log. Needs root.
#
#   bench/verifier_count.sh [OBJECT...]         default: build/bpf/xgslb_skel/xgslb.bpf.o
#   bench/verifier_count.sh --ref GIT_REF       the same for xgslb.bpf.c as of GIT_REF (e.g. main)
set -euo pipefail
cd "$(dirname "$0")/.."

objects=("$@")
if [[ ${1:-} == --ref ]]; then
  src=$(mktemp -d)
  trap 'rm -rf "$src"' EXIT
  git archive "$2" bpf maps | tar -x -C "$src"
  clang -g -O2 -target bpf -D__TARGET_ARCH_x86 -I"$src" -idirafter "/usr/include/$(gcc -print-multiarch)" \
    -idirafter /usr/include -c "$src/bpf/xgslb.bpf.c" -o "$src/xgslb.bpf.o"
  objects=("$src/xgslb.bpf.o")
fi
[[ ${#objects[@]} -gt 0 ]] || objects=(build/bpf/xgslb_skel/xgslb.bpf.o)
for obj in "${objects[@]}"; do
  pin=/sys/fs/bpf/verifier_count_$$
  line=$(bpftool -d prog load "$obj" "$pin" type xdp 2>&1 | grep -m1 '^processed' || true)
  rm -f "$pin"
  echo "$obj: ${line:-load failed}"
done
