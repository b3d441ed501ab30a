# shellcheck shell=bash
# Sourced by bench/run_throughput.sh: starts and stops each responder of the throughput run in
# the server namespace of tools/lib/netns.sh, all on 10.77.0.2:53 (one at a time), all serving
# the zone of bench/fixtures/throughput.yaml (Knot DNS and NSD get `xgslbctl zone export`'s
# output of it). Needs BUILD, WORK, INSTANCE, ECHO_OBJ, the netns.sh variables and
# bench/lib/cpu_split.sh (server_start calls its split_pin_server).
#
#   server_start NAME     one of THROUGHPUT_SERVERS; returns once it answers (or fails)
#   server_stop           stops whatever server_start started, and detaches any XDP program
# In the harness's split mode (bench/lib/cpu_split.sh) every server process starts under
# SPLIT_SERVER_WRAP: pinned to the server's CPU.

THROUGHPUT_SERVERS=(xgslb-xdp xgslb-slow knot-xdp knot-udp nsd echo)
declare -A SERVER_LABEL=(
  [xgslb-xdp]="xgslb, XDP attached"
  [xgslb-slow]="xgslb, slow path only"
  [knot-xdp]="Knot DNS, xdp section"
  [knot-udp]="Knot DNS, UDP"
  [nsd]="NSD"
  [echo]="UDP echo XDP program (ceiling)"
)
SERVER_PID=

# The xgslbd config: the fixture with this run's instance, XDP on vs or nowhere.
server_xgslbd_config() {
  local interfaces=$1
  sed -e "s/^instance: .*/instance: $INSTANCE/" -e "s/^  interfaces: .*/  interfaces: $interfaces/" \
    bench/fixtures/throughput.yaml >"$WORK/xgslbd.yaml"
}

server_xgslbd() {
  server_xgslbd_config "$1"
  : >"$WORK/xgslbd.log"
  in_server_bg "${SPLIT_SERVER_WRAP[@]}" "$BUILD/userspace/xgslbd" --config "$WORK/xgslbd.yaml" >"$WORK/xgslbd.log" 2>&1
  SERVER_PID=$SERVER_BG_PID
  wait_for 15 grep -q 'xgslbd ready' "$WORK/xgslbd.log" || { cat "$WORK/xgslbd.log" >&2; return 1; }
  # XDP must be attached exactly when the run says so, or the row measures the other path.
  if [[ $1 == "[vs]" ]]; then grep -q 'attached XDP' "$WORK/xgslbd.log"
  else ! grep -q 'attached XDP' "$WORK/xgslbd.log"; fi || { echo "xgslbd: XDP attachment not as asked" >&2; return 1; }
}

# The zone file every other server loads: exported once from a running xgslbd.
server_export_zone() {
  server_xgslbd "[]"
  mkdir -p "$WORK/zones"
  "$BUILD/tools/xgslbctl" --instance "$INSTANCE" zone export cloud.example.com >"$WORK/zones/cloud.example.com.zone"
  server_stop
}

server_knot() {
  local xdp=$1
  mkdir -p "$WORK/knot"
  {
    echo "server:"
    echo "    rundir: \"$WORK/knot\""
    echo "    listen: 10.77.0.2@53"
    echo "    udp-workers: 2"
    echo "    tcp-workers: 1"
    echo "    background-workers: 1"
    if [[ $xdp == xdp ]]; then
      # Knot 3.2's XDP workers: one per queue of the interface (veth: one).
      echo "xdp:"
      echo "    listen: $IF_SERVER@53"
      echo "    udp: on"
    fi
    echo "database:"
    echo "    storage: \"$WORK/knot\""
    echo "log:"
    echo "  - target: \"$WORK/knot/knotd.log\""
    echo "    any: warning"
    echo "template:"
    echo "  - id: default"
    echo "    storage: \"$WORK/zones\""
    echo "    file: \"%s.zone\""
    echo "    zonefile-sync: -1"
    echo "    journal-content: none"
    echo "zone:"
    echo "  - domain: cloud.example.com"
  } >"$WORK/knot/knot.conf"
  in_server_bg "${SPLIT_SERVER_WRAP[@]}" knotd --config "$WORK/knot/knot.conf" >"$WORK/knotd.out" 2>&1
  SERVER_PID=$SERVER_BG_PID
}

# Knot DNS started right after a previous Knot DNS on the same interface can find its XDP queue
# still held by the old AF_XDP socket, released asynchronously ("requested resource is busy",
# and knotd exits): start again, up to 5 times, a second apart.
server_knot_xdp() {
  local attempt
  for attempt in 1 2 3 4 5; do
    server_knot xdp
    sleep 0.5
    if kill -0 "$SERVER_PID" 2>/dev/null || ! grep -q 'resource is busy' "$WORK/knot/knotd.log" 2>/dev/null; then return 0; fi
    wait "$SERVER_PID" 2>/dev/null || true
    : >"$WORK/knot/knotd.log"
    sleep 1
  done
}

server_nsd() {
  mkdir -p "$WORK/nsd"
  cat >"$WORK/nsd/nsd.conf" <<CONF
server:
    ip-address: 10.77.0.2
    port: 53
    do-ip6: no
    server-count: 2
    username: ""
    chroot: ""
    database: ""
    zonesdir: "$WORK/zones"
    zonelistfile: "$WORK/nsd/zone.list"
    xfrdfile: "$WORK/nsd/xfrd.state"
    pidfile: "$WORK/nsd/nsd.pid"
    logfile: "$WORK/nsd/nsd.log"
    verbosity: 0
    # Debian builds NSD with response rate limiting on (200 q/s per /24, every 2nd limited
    # answer slipped as TC): one client at benchmark rates would measure the limiter.
    rrl-ratelimit: 0
    rrl-whitelist-ratelimit: 0
remote-control:
    control-enable: no
zone:
    name: cloud.example.com
    zonefile: cloud.example.com.zone
CONF
  in_server_bg "${SPLIT_SERVER_WRAP[@]}" nsd -d -c "$WORK/nsd/nsd.conf" >"$WORK/nsd.out" 2>&1
  SERVER_PID=$SERVER_BG_PID
}

# A server is ready when kdig, from the client end (xdp_pass attached there, so XDP_TX and
# AF_XDP replies arrive), gets the hot name's answer.
server_answers() {
  in_client kdig +retry=0 +timeout=1 @10.77.0.2 roundrobin.cloud.example.com A | grep -q 'status: NOERROR'
}

server_start() {
  SERVER_PID=
  case $1 in
    xgslb-xdp) server_xgslbd "[vs]" ;;
    xgslb-slow) server_xgslbd "[]" ;;
    knot-xdp) server_knot_xdp ;;
    knot-udp) server_knot udp ;;
    nsd) server_nsd ;;
    echo) ip -n "$NS_SERVER" link set dev "$IF_SERVER" xdp obj "$ECHO_OBJ" sec xdp ;;
    *) echo "unknown server $1" >&2; return 1 ;;
  esac
  [[ $1 == echo ]] && return 0
  wait_for 15 server_answers || {
    echo "$1 does not answer; its logs:" >&2
    tail -n 20 "$WORK"/*.out "$WORK"/*/*.log "$WORK/xgslbd.log" >&2 2>/dev/null
    return 1
  }
  split_pin_server "$SERVER_PID"
}

server_stop() {
  if [[ -n $SERVER_PID ]]; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 100); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  SERVER_PID=
  # Knot leaves its XDP program attached (by design, for restarts); the echo program is ours.
  ip -n "$NS_SERVER" link set dev "$IF_SERVER" xdp off 2>/dev/null || true
  rm -rf "/sys/fs/bpf/xgslb/$INSTANCE"
}
