#!/usr/bin/env bash
# Line-level profile of the XDP program on one benchmark case: bench/xdp_query_cost runs the
# case (every program interleaved, as always) on one CPU under `perf record -e cpu-clock` (a
# timer, so no PMU is needed: this VM has none); while the program is loaded, its JITed
# layout is read (bench/jit_line_map), and every sample inside it is charged to the source
# line whose JITed code holds it. Prints the lines by share of the program's samples, then the
# functions. A sample's line is the last line-info record at or before its address, so a
# line's share includes the instructions the compiler scheduled after it. Needs root and perf.
#
#   bench/profile_xdp_lines.sh [BUILD_DIR] [CASE] [TOP]     defaults: build a4_edns 40
set -euo pipefail
cd "$(dirname "$0")/.."

build=${1:-build}
case_id=${2:-a4_edns}
top=${3:-40}
cpu=${CPU:-1}
[[ $(id -u) == 0 ]] || { echo "profile_xdp_lines: needs root" >&2; exit 1; }
command -v perf >/dev/null || { echo "profile_xdp_lines: needs perf (apt-get install linux-perf)" >&2; exit 1; }
cmake --build "$build" --target xdp_query_cost jit_line_map -j"$(nproc)" >/dev/null

tmp=$(mktemp -d)
perf_pid=
# An interrupted run stops perf (and with it the benchmark it started) before the files go.
trap '[[ -n $perf_pid ]] && kill "$perf_pid" 2>/dev/null; rm -rf "$tmp"' EXIT
perf record -q -e cpu-clock -F 20000 -C "$cpu" -o "$tmp/perf.data" -- \
  "$build/bench/xdp_query_cost" --cpu "$cpu" --case "$case_id" --rounds "${ROUNDS:-3000}" --block 1000 \
  >"$tmp/bench.out" 2>&1 &
perf_pid=$!
# The program is loaded for the whole run: read its layout once it is there.
for _ in $(seq 1 100); do
  id=$(bpftool prog show name xgslb_xdp 2>/dev/null | sed -n 's/^\([0-9]*\): xdp .*/\1/p' | tail -1 || true)
  [[ -n $id ]] && "$build/bench/jit_line_map" "$id" >"$tmp/lines.txt" 2>/dev/null && break
  sleep 0.1
done
wait "$perf_pid"
[[ -s $tmp/lines.txt ]] || { echo "profile_xdp_lines: could not read the program's layout" >&2; exit 1; }
perf script -i "$tmp/perf.data" -F ip 2>/dev/null >"$tmp/ips.txt"
python3 - "$tmp/lines.txt" "$tmp/ips.txt" "$top" <<'PY'
import bisect, collections, sys
funcs, lines = [], []
for row in open(sys.argv[1]):
    kind, rest = row.rstrip("\n").split(" ", 1)
    if kind == "func":
        addr, size, name = rest.split(" ", 2)
        funcs.append((int(addr, 16), int(size), name))
    else:
        addr, where, *text = rest.split(" ", 2)
        lines.append((int(addr, 16), where, (text[0] if text else "").strip()))
lines.sort()
starts = [l[0] for l in lines]
per_line, per_func, total = collections.Counter(), collections.Counter(), 0
for row in open(sys.argv[2]):
    ip = int(row.strip() or "0", 16)
    func = next((f for f in funcs if f[0] <= ip < f[0] + f[1]), None)
    if not func:
        continue
    total += 1
    per_func[func[2]] += 1
    i = bisect.bisect_right(starts, ip) - 1
    if i >= 0:
        per_line[(lines[i][1], lines[i][2])] += 1
if not total:
    sys.exit("profile_xdp_lines: no samples inside the program")
print(f"{total} samples inside the program\n\n| share | line | source |\n|---:|---|---|")
for (where, text), n in per_line.most_common(int(sys.argv[3])):
    print(f"| {100 * n / total:.1f} % | {where} | `{text[:90]}` |")
print("\n| share | function |\n|---:|---|")
for name, n in per_func.most_common():
    print(f"| {100 * n / total:.1f} % | {name} |")
PY
