#!/usr/bin/env bash
# The throughput harness end to end, briefly: `bench/run_throughput.sh --smoke` (2 s at 20k q/s
# per server, one repetition, no sweep) must get answers from every responder, write its table
# and plots, and leave nothing behind: no namespace, no pinned maps, no work dir, no server
# process. Timings are not checked (they are measurements, not pass/fail).
set -euo pipefail
build=$(cd "${1:-build}" && pwd)
cd "$(dirname "$0")/../.."
out=$(mktemp -d /tmp/xgslb-throughput-smoke-test.XXXXXX)
trap 'rm -rf "$out"' EXIT
fail() { echo "FAIL [throughput_smoke_test]: $*" >&2; exit 1; }

OUT_DIR=$out bash bench/run_throughput.sh --smoke "$build" || fail "the harness exited with $?"

tsv=$out/throughput.tsv
[[ -f $tsv ]] || fail "no $tsv"
for server in xgslb-xdp xgslb-slow knot-xdp knot-udp nsd echo; do
  replies=$(awk -F'\t' -v s="$server" 'NR > 1 && $1 == "max" && $2 == s {print $7}' "$tsv")
  [[ -n $replies ]] || fail "no measurement for $server"
  ((replies > 0)) || fail "$server answered nothing: $(grep -P "\t$server\t" "$tsv")"
done
# The DNS servers must answer the NXDOMAIN part of the mix as such (the echo only reflects).
for server in xgslb-xdp xgslb-slow knot-xdp knot-udp nsd; do
  nx=$(awk -F'\t' -v s="$server" 'NR > 1 && $1 == "max" && $2 == s {print $11}' "$tsv")
  ((nx > 0)) || fail "$server gave no NXDOMAIN"
done
for f in throughput.md throughput_replies.png; do [[ -s $out/$f ]] || fail "no $f written"; done

# Leftovers, by the names the harness recorded for this run.
read -r _ ns_server ns_client < <(grep '^netns' "$out/throughput.resources")
instance=$(awk '$1 == "instance" {print $2}' "$out/throughput.resources")
work=$(awk '$1 == "work" {print $2}' "$out/throughput.resources")
for ns in "$ns_server" "$ns_client"; do
  ! ip netns list | grep -qw -- "$ns" || fail "namespace $ns left behind"
done
[[ ! -e /sys/fs/bpf/xgslb/$instance ]] || fail "pins /sys/fs/bpf/xgslb/$instance left behind"
[[ ! -e $work ]] || fail "work dir $work left behind"
! pgrep -f -- "$work" >/dev/null || fail "a server started from $work still runs: $(pgrep -af -- "$work")"
echo "throughput_smoke_test: ok ($(awk -F'\t' 'NR > 1 {printf "%s %s/s; ", $2, $8}' "$tsv"))"
