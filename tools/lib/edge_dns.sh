# shellcheck shell=bash
# Sourced after tools/lib/topology.sh (by the demo, the e2e tests and gslb_lib.sh): the "edge DNS" of the article — a real BIND (`named`)
# authoritative for the parent zone, where the clusters keep the delegation of their zone by
# RFC 2136 UPDATE signed with TSIG.
#
#   edge_key_new NAME DIR               # an hmac-sha256 key; DIR/NAME.secret holds the base64
#   edge_key_add NAME SECRET DIR        # the same with a given secret
#   edge_dns_start MEMBER ADDR DIR ZONE "POLICY" [EXTRA_ZONE_LINES]
#   edge_update MEMBER ADDR KEY SECRET <<<"nsupdate commands"   # signed update from MEMBER
#
# POLICY is BIND's update-policy body, e.g. 'grant eu-key name cloud.example.com. NS;': only
# what it grants may change, so a cluster cannot rewrite the rest of the parent zone.

EDGE_KEYS=()

edge_key_new() {
  local name=$1 dir=$2
  head -c 32 /dev/urandom | base64 >"$dir/$name.secret"
  chmod 600 "$dir/$name.secret"
  EDGE_KEYS+=("$name")
}

# edge_key_add NAME SECRET DIR: a key with a given base64 secret (a test that needs it known).
edge_key_add() {
  local name=$1 secret=$2 dir=$3
  printf '%s\n' "$secret" >"$dir/$name.secret"
  chmod 600 "$dir/$name.secret"
  EDGE_KEYS+=("$name")
}

edge_key_secret() { cat "$2/$1.secret"; }

# edge_dns_start MEMBER ADDR DIR ZONE POLICY [EXTRA]: named in the foreground (-g: logs on
# stderr, into DIR/named.log), one worker thread, the zone from a file in DIR (its journal
# beside it). Returns once it answers the zone's SOA.
edge_dns_start() {
  local member=$1 addr=$2 dir=$3 zone=$4 policy=$5 extra=${6:-}
  local key
  {
    cat <<EOF
options {
  directory "$dir";
  pid-file "$dir/named.pid";
  session-keyfile "$dir/session.key";
  managed-keys-directory "$dir";
  listen-on port 53 { $addr; };
  listen-on-v6 { none; };
  recursion no;
  allow-query { any; };
  allow-transfer { none; };
  dnssec-validation no;
  notify no;
};
controls { };
EOF
    for key in "${EDGE_KEYS[@]}"; do
      printf 'key "%s" { algorithm hmac-sha256; secret "%s"; };\n' "$key" "$(edge_key_secret "$key" "$dir")"
    done
    cat <<EOF
zone "$zone" {
  type primary;
  file "$dir/$zone.zone";
  update-policy { $policy };
};
EOF
  } >"$dir/named.conf"
  # Short TTLs and negative TTL: the demo changes the delegation and wants resolvers to see it.
  cat >"$dir/$zone.zone" <<EOF
\$TTL 30
@        IN SOA  ns1.$zone. hostmaster.$zone. ( 1 60 60 600 5 )
         IN NS   ns1.$zone.
ns1      IN A    $addr
$extra
EOF
  named-checkconf "$dir/named.conf" >/dev/null
  named-checkzone -q "$zone" "$dir/$zone.zone"
  in_ns_bg "$member" "$dir/named.log" named -g -4 -n 1 -c "$dir/named.conf"
  wait_for 15 in_ns "$member" dig +time=1 +tries=1 +norecurse @"$addr" "$zone" SOA +short || {
    tail -20 "$dir/named.log" >&2
    return 1
  }
}

# edge_update MEMBER ADDR KEY SECRET: the nsupdate commands on stdin, signed with KEY, sent from
# MEMBER's namespace. Non-zero status when the edge refuses (e.g. NOTAUTH for a bad key).
edge_update() {
  local member=$1 addr=$2 key=$3 secret=$4
  { echo "server $addr 53"; cat; echo "send"; } | in_ns "$member" nsupdate -t 3 -y "hmac-sha256:$key:$secret"
}
