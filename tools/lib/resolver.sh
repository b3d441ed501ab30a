# shellcheck shell=bash
# Sourced after tools/lib/topology.sh: the client's recursive resolver — a real unbound that
# reaches the GSLB zone the way a resolver on the Internet would, by following the edge's
# delegation — and the client's own tools (glibc's resolver, curl) pointed at it.
#
#   resolver_start MEMBER DIR ZONE EDGE_ADDR   # unbound on MEMBER's 127.0.0.1:53
#   in_client_resolving MEMBER DIR CMD...      # CMD in MEMBER's namespace, /etc/resolv.conf -> unbound
#
# What bounds its cache (so a measured switch time is honest): records live as long as their
# own TTL (the Gslb's dnsTtlSeconds; nothing is stretched: no serve-expired, no prefetch);
# cache-max-ttl caps everything else (the delegation from the edge) at RESOLVER_MAX_TTL;
# negative answers at 1 s. DNSSEC validation is off (module-config: iterator): the demo
# zones are not signed.

RESOLVER_MAX_TTL=${RESOLVER_MAX_TTL:-30}

resolver_start() {
  local member=$1 dir=$2 zone=$3 edge=$4
  cat >"$dir/unbound.conf" <<EOF
server:
  verbosity: 1
  interface: 127.0.0.1
  port: 53
  do-daemonize: no
  username: ""
  chroot: ""
  directory: "$dir"
  pidfile: "$dir/unbound.pid"
  use-syslog: no
  logfile: ""
  num-threads: 1
  do-ip6: no
  module-config: "iterator"
  cache-max-ttl: $RESOLVER_MAX_TTL
  cache-max-negative-ttl: 1
  serve-expired: no
  prefetch: no
  # Which server answered best is forgotten quickly, so a cluster that comes back is asked again.
  infra-host-ttl: 10
  # Hands out a cached RRset in a rotated order, as resolvers commonly do: the client (curl
  # takes the first address) then sees every cluster of a round-robin answer.
  rrset-roundrobin: yes
  # Only the demo's zone is resolved; everything else is refused here, so nothing is ever sent
  # towards the real root servers.
  local-zone: "." refuse
  local-zone: "$zone." transparent

stub-zone:
  name: "$zone"
  stub-addr: $edge
EOF
  unbound-checkconf "$dir/unbound.conf" >/dev/null
  printf 'nameserver 127.0.0.1\noptions timeout:1 attempts:2\n' >"$dir/resolv.conf"
  in_ns_bg "$member" "$dir/unbound.log" unbound -d -c "$dir/unbound.conf"
  wait_for 15 in_ns "$member" dig +time=1 +tries=1 @127.0.0.1 "$zone" SOA +short || {
    tail -20 "$dir/unbound.log" >&2
    return 1
  }
}

# A private mount namespace per call: the client's resolv.conf is bind-mounted over
# /etc/resolv.conf for CMD only, so getaddrinfo (curl) asks unbound and the host's file is
# never touched.
in_client_resolving() {
  local member=$1 dir=$2; shift 2
  # shellcheck disable=SC2016  # $0 and $@ are the inner shell's
  in_ns "$member" unshare --mount --propagation private \
    sh -c 'mount --bind "$0" /etc/resolv.conf && exec "$@"' "$dir/resolv.conf" "$@"
}
