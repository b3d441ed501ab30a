#!/usr/bin/env bash
# The slow path live: xgslbd with XDP attached in the server namespace, kdig from the client.
# What XDP passes up (apex SOA and NS, names outside every zone) is answered by xgslbd's own
# DNS server over UDP, and TCP (which XDP never touches) is answered by it too, pipelined on one
# connection; what XDP answers is still answered, and counted, by XDP. A SIGHUP swaps the
# server's view along with the maps. On SIGTERM the server's totals show in the log.
#   bash tests/integration/slow_path_test.sh BUILD_DIR
source "$(dirname "$0")/lib.sh"
it_init "${1:-}"

config=$WORK_DIR/xgslbd.yaml
write_config "$config"
start_daemon main "$config"
wait_ready main
grep -q 'dns server: listening on 10.77.0.2:53 \[fd77::2\]:53' "$(daemon_log main)" ||
  fail "no 'dns server: listening' line for both addresses in the log"

answered_sum() { jq '[to_entries[] | select(.key | startswith("answered_")) | .value] | add' <<<"$1"; }

# slow WHAT PASS_COUNTER @SERVER NAME TYPE [FLAGS...]: R is the response; XDP must have passed
# the query up for the reason PASS_COUNTER and answered nothing. (Other pass counters are not
# compared: ARP, neighbour discovery and MLD come and go on the link.)
slow() {
  local what=$1 reason=$2 before after; shift 2
  before=$(stats_json)
  R=$(dns_query "$@") || fail "$what: no response to kdig $*"
  after=$(stats_json)
  assert_eq "$what: XDP answered nothing" 0 $(($(answered_sum "$after") - $(answered_sum "$before")))
  assert_eq "$what: XDP passed it up ($reason)" 1 "$(counter_delta "$before" "$after" "$reason")"
}

for server in "$SERVER_V4" "$SERVER_V6"; do
  t="over $([[ $server == *:* ]] && echo IPv6 || echo IPv4)"

  slow "apex SOA $t" pass_name_flags "@$server" cloud.example.com SOA
  jq_check "apex SOA $t: header" "$R" '[.QR, .AA, .TC, .RCODE] | map(tostring) | join(" ")' "1 1 0 0"
  jq_check "apex SOA $t: answer" "$R" '[.answerRRs[] | "\(.NAME) \(.TYPEname) \(.TTL)"] | join(",")' \
    "cloud.example.com. SOA 3600"
  jq_check "apex SOA $t: mname rname serial" "$R" '.answerRRs[0].rdataSOA | split(" ")[0:3] | join(" ")' \
    "ns1.cloud.example.com. hostmaster.cloud.example.com. 1"

  slow "apex NS $t" pass_name_flags "@$server" cloud.example.com NS
  jq_check "apex NS $t: header" "$R" '[.QR, .AA, .RCODE] | map(tostring) | join(" ")' "1 1 0"
  jq_check "apex NS $t: answer" "$R" '[.answerRRs[] | "\(.TYPEname) \(.rdataNS)"] | join(",")' \
    "NS ns1.cloud.example.com."
  jq_check "apex NS $t: glue from dns.listen" "$R" \
    '[.additionalRRs[] | select(.TYPE != 41) | "\(.NAME) \(.TYPEname)"] | sort | join(",")' \
    "ns1.cloud.example.com. A,ns1.cloud.example.com. AAAA"

  slow "out of zone $t" pass_not_in_zone "@$server" www.example.org A
  jq_check "out of zone $t: REFUSED" "$R" '.RCODE' 5
  jq_check "out of zone $t: no data" "$R" '[.ANCOUNT, .NSCOUNT] | map(tostring) | join(" ")' "0 0"
done
pass "apex SOA and NS (with glue), REFUSED out of zone: passed by XDP, answered by the slow path, IPv4 and IPv6"

# What XDP answers stays XDP's.
before=$(stats_json)
R=$(dns_query "@$SERVER_V4" roundrobin.cloud.example.com A) || fail "roundrobin A: no response"
after=$(stats_json)
assert_eq "roundrobin A over UDP: answered by XDP" 1 "$(counter_delta "$before" "$after" answered_a)"
jq_check "roundrobin A over UDP" "$R" '[.answerRRs[].rdataA] | sort | join(" ")' "172.18.0.3 172.18.0.4"
pass "a query XDP answers is counted as answered by XDP"

# TCP: the same answers, from the slow path; two queries kept on one connection.
before=$(stats_json)
R=$(dns_query "@$SERVER_V4" roundrobin.cloud.example.com A +tcp) || fail "A over TCP: no response"
jq_check "A over TCP" "$R" '[.QR, .AA, .RCODE] | map(tostring) | join(" ")' "1 1 0"
jq_check "A over TCP: the whole set" "$R" '[.answerRRs[].rdataA] | sort | join(" ")' "172.18.0.3 172.18.0.4"
out=$(in_client kdig +retry=0 +timeout=2 +tcp +keepopen "@$SERVER_V6" roundrobin.cloud.example.com AAAA \
  cloud.example.com SOA nope.cloud.example.com A) || fail "three queries over one TCP connection: $out"
assert_eq "three queries over one TCP connection: three responses" 3 "$(grep -c ';; ->>HEADER<<-' <<<"$out")"
assert_match "TCP: the AAAA set" '2001:db8::3' "$out"
assert_match "TCP: NXDOMAIN for the missing name" 'status: NXDOMAIN' "$out"
after=$(stats_json)
assert_eq "queries over TCP: XDP answered none" 0 $(($(answered_sum "$after") - $(answered_sum "$before")))
pass "TCP: A over IPv4, three queries on one IPv6 connection (+keepopen), all from the slow path"

# SIGHUP: the slow path answers from the new view (TCP, so XDP cannot be the one answering).
write_config "$config" 's/172\.18\.0\.10\]/172.18.0.11]/'
kill -HUP "$(daemon_pid main)"
wait_log main 'published zones=' 2 10
R=$(dns_query "@$SERVER_V4" failover.cloud.example.com A +tcp) || fail "failover A over TCP after SIGHUP: no response"
jq_check "failover A over TCP after SIGHUP" "$R" '[.answerRRs[].rdataA] | join(" ")' 172.18.0.11
pass "SIGHUP: the slow path answers from the new view"

kill -TERM "$(daemon_pid main)"
wait_exit main 10
assert_eq "exit status after SIGTERM" 0 "$EXIT_STATUS"
line=$(grep 'dns server: stopped' "$(daemon_log main)") || fail "no 'dns server: stopped' line in the log"
# UDP: SOA, NS, REFUSED over IPv4 and IPv6. TCP: 1 + 3 + 1.
assert_match "server totals" 'udp queries=6 responses=6, tcp queries=5 responses=5 connections=3, dropped=0, errors=0' \
  "$line"
pass "SIGTERM: the server stopped with the expected totals ($line)"
