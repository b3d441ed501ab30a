#!/usr/bin/env bash
# The throughput harness end to end, briefly: `bench/run_throughput.sh --smoke` (2 s at 20k q/s
# per server, one repetition, no sweep) must get answers from every responder, write its table
# and plots, and leave nothing behind: no namespace, no pinned maps, no work dir, no server
# process. Once with kxdpgun against all six responders, once with the project's own generator
# (GENERATOR=xdp) against one XDP and one kernel-stack server and the echo. Timings are not
# checked: they are measurements, not pass/fail.
set -euo pipefail
build=$(cd "${1:-build}" && pwd)
cd "$(dirname "$0")/../.."
out=$(mktemp -d /tmp/xgslb-throughput-smoke-test.XXXXXX)
trap 'rm -rf "$out"' EXIT
fail() { echo "FAIL [throughput_smoke_test]: $*" >&2; exit 1; }

# check DIR NAME SERVER...: every SERVER answered, the DNS servers with NXDOMAIN among the
# answers (the echo only reflects), the table and plot exist, nothing of the run is left.
check() {
  local dir=$1 name=$2 server; shift 2
  local tsv=$dir/$name.tsv
  [[ -f $tsv ]] || fail "no $tsv"
  for server in "$@"; do
    local replies nx
    replies=$(awk -F'\t' -v s="$server" 'NR > 1 && $1 == "max" && $2 == s {print $7}' "$tsv")
    nx=$(awk -F'\t' -v s="$server" 'NR > 1 && $1 == "max" && $2 == s {print $11}' "$tsv")
    [[ -n $replies ]] || fail "$name: no measurement for $server"
    ((replies > 0)) || fail "$name: $server answered nothing: $(grep -P "\t$server\t" "$tsv")"
    [[ $server == echo ]] || ((nx > 0)) || fail "$name: $server gave no NXDOMAIN"
  done
  for f in "$name.md" "${name}_replies.png"; do [[ -s $dir/$f ]] || fail "no $f written"; done

  local ns_server ns_client instance work
  read -r _ ns_server ns_client < <(grep '^netns' "$dir/$name.resources")
  instance=$(awk '$1 == "instance" {print $2}' "$dir/$name.resources")
  work=$(awk '$1 == "work" {print $2}' "$dir/$name.resources")
  for ns in "$ns_server" "$ns_client"; do
    ! ip netns list | grep -qw -- "$ns" || fail "namespace $ns left behind"
  done
  [[ ! -e /sys/fs/bpf/xgslb/$instance ]] || fail "pins /sys/fs/bpf/xgslb/$instance left behind"
  [[ ! -e $work ]] || fail "work dir $work left behind"
  ! pgrep -f -- "$work" >/dev/null || fail "a server started from $work still runs: $(pgrep -af -- "$work")"
  echo "throughput_smoke_test: $name ok ($(awk -F'\t' 'NR > 1 {printf "%s %s/s; ", $2, $8}' "$tsv"))"
}

OUT_DIR=$out/kxdpgun bash bench/run_throughput.sh --smoke "$build" || fail "the harness (kxdpgun) exited with $?"
check "$out/kxdpgun" throughput xgslb-xdp xgslb-slow knot-xdp knot-udp nsd echo
GENERATOR=xdp SERVERS="xgslb-xdp knot-udp echo" DURATION=1 OUT_DIR=$out/xdp bash bench/run_throughput.sh --smoke "$build" ||
  fail "the harness (GENERATOR=xdp) exited with $?"
check "$out/xdp" throughput_xdp_loadgen xgslb-xdp knot-udp echo
