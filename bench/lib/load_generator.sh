# shellcheck shell=bash
# Sourced by bench/run_throughput.sh: one bounded kxdpgun run from the client namespace, and its
# summary as one TSV line. kxdpgun (knot-dnsutils) sends through AF_XDP on the client veth end
# and attaches its own XDP program there, so the harness's xdp_pass comes off for the run and
# goes back after it (between runs kdig needs it to see XDP_TX replies). Addresses and MACs are
# given explicitly: kxdpgun would otherwise look them up in the neighbour table.
#
#   gun_run RATE SECONDS OUT     raw output in OUT
#   gun_summary OUT              "sent sent_per_s replies replies_per_s answered_% noerror nxdomain"

gun_run() {
  local rate=$1 seconds=$2 out=$3
  ip -n "$NS_CLIENT" link set dev "$IF_CLIENT" xdp off
  # timeout: kxdpgun waits for replies a little after -t; a hang must not stall the harness.
  in_client timeout $((seconds + 15)) kxdpgun -t "$seconds" -Q "$rate" -i "$QUERIES" -I "$IF_CLIENT" \
    -l "$CLIENT_V4" -L "$CLIENT_MAC" -R "$SERVER_MAC" "$SERVER_V4" >"$out" 2>&1 || {
    echo "kxdpgun failed:" >&2; cat "$out" >&2
    ip -n "$NS_CLIENT" link set dev "$IF_CLIENT" xdp off 2>/dev/null || true
    ip -n "$NS_CLIENT" link set dev "$IF_CLIENT" xdp obj "$PASS_OBJ" sec xdp
    return 1
  }
  ip -n "$NS_CLIENT" link set dev "$IF_CLIENT" xdp off 2>/dev/null || true
  ip -n "$NS_CLIENT" link set dev "$IF_CLIENT" xdp obj "$PASS_OBJ" sec xdp
}

# kxdpgun 3.2 prints "total queries: N (R pps)", "total replies: N (R pps) (P%)" and one
# "responded RCODE: N" line per rcode seen; no latency figures.
gun_summary() {
  awk '/^total queries:/ {sent=$3; gsub(/\(/, "", $4); sps=$4}
       /^total replies:/ {rep=$3; gsub(/\(/, "", $4); rps=$4}
       /^responded NOERROR:/ {ok=$3} /^responded NXDOMAIN:/ {nx=$3}
       END {printf "%d\t%d\t%d\t%d\t%.2f\t%d\t%d\n", sent, sps, rep, rps, (sent ? 100 * rep / sent : 0), ok, nx}' "$1"
}
