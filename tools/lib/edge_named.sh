# shellcheck shell=bash
# Sourced after tools/lib/netns_bridge.sh: a real BIND ("edge DNS", as in the article) in a
# bridge member's namespace, authoritative for the edge zone, accepting RFC 2136 UPDATEs signed
# with TSIG keys for the delegation of the gslb zone: each key may replace the zone's NS RRset
# and the A/AAAA of the NS names it is given (k8gb's ExternalDNS RFC 2136 set-up, one key per
# cluster).
#
#   edge_named_key eu-key "$secret" gslb-ns-eu-cloud.example.com   # before start
#   edge_named_start edge "$WORK_DIR/named"    # member "edge" of the bridge; waits until it answers
#   edge_dig +short NS cloud.example.com       # dig at the edge, from the edge's namespace
#   edge_named_stop
#
# EDGE_ZONE (example.com) and EDGE_GSLB_ZONE (cloud.example.com) may be set before start.

EDGE_ZONE=${EDGE_ZONE:-example.com}
EDGE_GSLB_ZONE=${EDGE_GSLB_ZONE:-cloud.example.com}
EDGE_KEYS=()
EDGE_POLICY=()
EDGE_NAMED_PID=

# edge_named_key NAME SECRET NS_NAME...: an hmac-sha256 key allowed to write the gslb zone's NS
# RRset and the A/AAAA records of the NS names given.
edge_named_key() {
  local key=$1 secret=$2 ns; shift 2
  EDGE_KEYS+=("key \"$key\" { algorithm hmac-sha256; secret \"$secret\"; };")
  EDGE_POLICY+=("grant $key name $EDGE_GSLB_ZONE. NS;")
  for ns in "$@"; do EDGE_POLICY+=("grant $key name $ns. A AAAA;"); done
}

edge_named_start() {
  local member=$1 dir=$2 v4 v6
  v4=$(bridge_v4 "$member")
  v6=$(bridge_v6 "$member")
  EDGE_MEMBER=$member
  EDGE_V4=$v4
  mkdir -p "$dir"
  cat >"$dir/$EDGE_ZONE.zone" <<ZONE
\$TTL 60
@    IN SOA ns.$EDGE_ZONE. hostmaster.$EDGE_ZONE. 1 3600 600 86400 30
@    IN NS  ns.$EDGE_ZONE.
ns   IN A   $v4
ns   IN AAAA $v6
ZONE
  {
    printf '%s\n' "${EDGE_KEYS[@]}"
    cat <<CONF
options {
  directory "$dir";
  pid-file "$dir/named.pid";
  session-keyfile "$dir/session.key";
  managed-keys-directory "$dir";
  listen-on port 53 { $v4; };
  listen-on-v6 port 53 { $v6; };
  recursion no;
  dnssec-validation no;
  allow-query { any; };
};
controls { };
zone "$EDGE_ZONE" {
  type primary;
  file "$dir/$EDGE_ZONE.zone";
  update-policy {
$(printf '    %s\n' "${EDGE_POLICY[@]}")
  };
};
CONF
  } >"$dir/named.conf"
  named-checkconf "$dir/named.conf" >&2
  in_ns_bg "$member" named -g -n 1 -c "$dir/named.conf" >"$dir/named.log" 2>&1
  EDGE_NAMED_PID=$NS_BG_PID
  local i
  for ((i = 0; i < 100; i++)); do
    edge_dig +short SOA "$EDGE_ZONE" 2>/dev/null | grep -q . && return 0
    kill -0 "$EDGE_NAMED_PID" 2>/dev/null || { cat "$dir/named.log" >&2; return 1; }
    sleep 0.1
  done
  echo "named did not answer within 10 s" >&2
  cat "$dir/named.log" >&2
  return 1
}

edge_named_stop() {
  [[ -n $EDGE_NAMED_PID ]] || return 0
  kill -TERM "$EDGE_NAMED_PID" 2>/dev/null || true
  wait "$EDGE_NAMED_PID" 2>/dev/null || true
  EDGE_NAMED_PID=
}

# dig at the edge, non-recursive, short timeouts, from the edge's own namespace.
edge_dig() { in_ns "$EDGE_MEMBER" dig +norec +time=1 +tries=2 "@$EDGE_V4" "$@"; }
