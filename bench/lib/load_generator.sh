# shellcheck shell=bash
# Sourced by bench/run_throughput.sh: one bounded load run from the client namespace, and its
# summary as one TSV line. GENERATOR picks the sender:
#   kxdpgun  (knot-dnsutils) sends through AF_XDP on the client veth end, one thread per queue.
#   xdp      tools/xdp_dns_loadgen sends from inside the kernel (BPF_PROG_TEST_RUN live frames)
#            and counts and times replies with an XDP program: for when kxdpgun, not the
#            responder, is the limit, and for latency percentiles (kxdpgun 3.2 gives none).
# Both attach their own XDP program to the client end, so the harness's xdp_pass comes off for
# the run and goes back after it (between runs kdig needs it to see XDP_TX replies). Addresses
# and MACs are given explicitly: kxdpgun would otherwise look them up in the neighbour table.
#
#   gun_run RATE SECONDS OUT     raw output in OUT
#   gun_summary OUT              "sent sent_per_s replies replies_per_s answered_% noerror nxdomain
#                                 p50_us p90_us p99_us p99.9_us max_us untimed" ("-" where not
#                                 measured; untimed: replies not matched to a send time, i.e.
#                                 later than the sequence number's wrap, or duplicates)
GUN_SUMMARY_COLUMNS='sent\tsent_per_s\treplies\treplies_per_s\tanswered_pct\tnoerror\tnxdomain\tp50_us\tp90_us\tp99_us\tp999_us\tmax_us\tuntimed'


GENERATOR=${GENERATOR:-kxdpgun}

gun_client_xdp_pass() {
  ip -n "$NS_CLIENT" link set dev "$IF_CLIENT" xdp off 2>/dev/null || true
  ip -n "$NS_CLIENT" link set dev "$IF_CLIENT" xdp obj "$PASS_OBJ" sec xdp
}

gun_run() {
  local rate=$1 seconds=$2 out=$3 cmd catch_up=${CATCH_UP:-256} pacing=${PACING:-frames} wrap=("${SPLIT_CLIENT_PACED_WRAP[@]}")
  # Flat out (GUN_FLAT_OUT: the harness's RATE, more than it can send) xdp_dns_loadgen sends in
  # calls as large as it can: calls of 256 frames cost it ~30 % of its rate here (per-call
  # overhead), and the maximum-rate rows measure what it can offer. Paced, a late generator
  # sends at most CATCH_UP frames at once (see tools/xdp_dns_loadgen.cpp).
  # Paced (PACING=frames, the default), its program sends each frame when it is due, within long
  # calls; PACING=calls is the older pacing by call sizes, bursts of up to rate / 1000 frames.
  if ((rate >= ${GUN_FLAT_OUT:-10000000})); then catch_up=65536 pacing=calls wrap=("${SPLIT_CLIENT_WRAP[@]}"); fi
  case $GENERATOR in
    kxdpgun) cmd=(kxdpgun -t "$seconds" -Q "$rate" -i "$QUERIES" -I "$IF_CLIENT" -l "$CLIENT_V4"
                  -L "$CLIENT_MAC" -R "$SERVER_MAC" "$SERVER_V4") ;;
    xdp) cmd=("$BUILD/tools/xdp_dns_loadgen" -t "$seconds" -Q "$rate" -i "$QUERIES" -I "$IF_CLIENT"
              --src "$CLIENT_V4" --dst "$SERVER_V4" --src-mac "$CLIENT_MAC" --dst-mac "$SERVER_MAC"
              --histogram "$out.hist" --batch "${BATCH:-64}" --pace-frames "${PACE_FRAMES:-128}" --catch-up "$catch_up" --pacing "$pacing" --senders "${SENDERS:-1}" --park-on lo $( ((${LATENCY:-1})) || echo --no-latency)) ;;
    *) echo "GENERATOR is kxdpgun or xdp" >&2; return 1 ;;
  esac
  ip -n "$NS_CLIENT" link set dev "$IF_CLIENT" xdp off
  # timeout: both wait for replies a little after -t; a hang must not stall the harness.
  # SPLIT_CLIENT_WRAP (bench/lib/cpu_split.sh): pinned to the client's CPU in split mode (paced:
  # SPLIT_CLIENT_PACED_WRAP, SCHED_FIFO).
  if ! in_client "${wrap[@]}" timeout $((seconds + 15)) "${cmd[@]}" >"$out" 2>&1; then
    echo "$GENERATOR failed:" >&2; cat "$out" >&2
    gun_client_xdp_pass
    return 1
  fi
  gun_client_xdp_pass
}

# kxdpgun 3.2 prints "total queries: N (R pps)", "total replies: N (R pps) (P%)" and one
# "responded RCODE: N" line per rcode seen, and no latency figures; xdp_dns_loadgen the same,
# and "latency us: p50 X p90 X p99 X p99.9 X max X timed N unmatched M".
gun_summary() {
  awk '/^total queries:/ {sent=$3; gsub(/\(/, "", $4); sps=$4}
       /^total replies:/ {rep=$3; gsub(/\(/, "", $4); rps=$4}
       /^responded NOERROR:/ {ok=$3} /^responded NXDOMAIN:/ {nx=$3}
       /^latency us:/ {if ($14 > 0) lat = $4 "\t" $6 "\t" $8 "\t" $10 "\t" $12; untimed = $16}
       END {printf "%d\t%d\t%d\t%d\t%.2f\t%d\t%d\t%s\n", sent, sps, rep, rps, (sent ? 100 * rep / sent : 0), ok, nx,
                   (lat != "" ? lat "\t" untimed : "-\t-\t-\t-\t-\t-")}' "$1"
}
