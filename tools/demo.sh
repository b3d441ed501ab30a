#!/usr/bin/env bash
# The main job: a GSLB zone answered by XDP, on one machine. Builds xgslb, puts xgslbd on a veth
# in a network namespace with the embedded demo config (tools/demo/eu.yaml), and queries it with
# kdig from a client namespace: round-robin A/AAAA sets, NODATA, NXDOMAIN, an empty
# non-terminal (all from XDP), apex SOA/NS, TCP and an out-of-zone name (the slow path), then a
# failover (the eu targets replaced, SIGHUP, only the difference published), with the XDP
# counters showing which answers never left the kernel.
# Everything it creates is removed at the end, also on failure.
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(id -u)" = 0 ] || { echo "tools/demo.sh: run as root (XDP and network namespaces)" >&2; exit 2; }
./tools/build.sh xgslbd xgslbctl xdp_pass_skel_gen >/dev/null
BUILD=${BUILD_DIR:-build}
source tools/lib/netns.sh

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
ask() { printf '$ kdig %s\n' "$*"; in_client kdig @"$SERVER_V4" "$@" +retry=0 +timeout=2 +noall +header +answer +authority | grep -vE '^;; (Received|Time|From|WARNING)|^$' || true; }

work=$(mktemp -d)
netns_on_exit "rm -rf $work"
cp tools/demo/eu.yaml "$work/eu.yaml"
netns_pair_create "$BUILD/bpf/xdp_pass_skel/xdp_pass.bpf.o"

step "xgslbd on $IF_SERVER ($SERVER_V4, $SERVER_V6) in namespace $NS_SERVER"
in_server_bg "$BUILD/userspace/xgslbd" --config "$work/eu.yaml" >"$work/xgslbd.log" 2>&1
daemon=$SERVER_BG_PID
netns_on_exit "kill $daemon; wait $daemon"
wait_for 30 grep -q "xgslbd ready" "$work/xgslbd.log" || { cat "$work/xgslbd.log"; exit 1; }
grep -E "published|attached" "$work/xgslbd.log" | sed 's/^/  /'
ip -n "$NS_SERVER" link show "$IF_SERVER" | grep -o "prog/xdp.*" | sed 's/^/  /'

step "What the maps hold (xgslbctl records)"
"$BUILD/tools/xgslbctl" --instance demo-eu records

step "Round robin: every target of eu and us"
ask roundrobin.cloud.example.com A
ask RoundRobin.Cloud.Example.COM AAAA

step "Negative answers from XDP too"
ask roundrobin.cloud.example.com MX
ask nope.cloud.example.com A +dnssec
ask eu.cloud.example.com A

step "What XDP passes up, the slow path (io_uring + the same ZoneView) answers: SOA, NS, TCP, REFUSED"
ask cloud.example.com SOA
ask cloud.example.com NS
ask roundrobin.cloud.example.com A +tcp
ask www.example.org A

step "Failover: eu's targets go away, us takes over (config changed, SIGHUP)"
ask failover.cloud.example.com A
sed -i 's/    a: \[172.18.0.3, 172.18.0.4\]$/    a: [172.19.0.3, 172.19.0.4]/' "$work/eu.yaml"
kill -HUP "$daemon"
wait_for 10 bash -c "[ \$(grep -c published '$work/xgslbd.log') -ge 2 ]"
grep published "$work/xgslbd.log" | tail -1 | sed 's/^/  /'
ask failover.cloud.example.com A

step "XDP counters (xgslbctl stats): answered_* never left the kernel, pass_* went to the slow path"
"$BUILD/tools/xgslbctl" --instance demo-eu stats | grep -vE ' 0$'

step "Shutting down: SIGTERM detaches the program and removes its pins"
kill -TERM "$daemon"; wait "$daemon" || true
tail -2 "$work/xgslbd.log" | sed 's/^/  /'
