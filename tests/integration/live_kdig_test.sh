#!/usr/bin/env bash
# Live: xgslbd attaches natively to the server veth and publishes tests/fixtures/integration.yaml;
# kdig (and drill, which keeps the case of a name) queries it from the client namespace over
# IPv4 and IPv6. Every answer is checked field by field, then the XDP counters must have risen
# by exactly the number of queries of each kind: the answers came from XDP, since nothing else
# in the server namespace answers DNS. A query to a server address outside the listen set must
# be passed up by XDP (pass_not_listen) and get no answer from it.
#   bash tests/integration/live_kdig_test.sh BUILD_DIR
source "$(dirname "$0")/lib.sh"
it_init "${1:-}"

write_config "$WORK_DIR/xgslbd.yaml"
start_daemon main "$WORK_DIR/xgslbd.yaml"
wait_ready main
mode=$(ip -n "$NS_SERVER" -d link show dev "$IF_SERVER")
assert_match "XDP on $IF_SERVER in native mode (not xdpgeneric)" 'prog/xdp id [0-9]+' "$mode"
before=$(stats_json)

declare -A expected=([answered_a]=0 [answered_aaaa]=0 [answered_nodata]=0 [answered_nxdomain]=0)

# query KIND WHAT @SERVER NAME TYPE [FLAGS...]: sets R to the JSON response; checks the header
# fields every XDP answer shares (QR, AA, opcode, one question, no truncation) and the rcode.
query() {
  local kind=$1 what=$2; shift 2
  R=$(dns_query "$@") || fail "$what: no response to kdig $*"
  expected[$kind]=$((expected[$kind] + 1))
  local rcode=0
  [[ $kind == answered_nxdomain ]] && rcode=3
  jq_check "$what" "$R" '[.QR, .AA, .TC, .Opcode, .QDCOUNT, .RCODE] | map(tostring) | join(" ")' "1 1 0 0 1 $rcode"
}

# The negative-answer authority section: exactly the zone's SOA with TTL min(SOA ttl, negativeTtl).
check_soa() {  # WHAT ZONE TTL
  jq_check "$1: no answers" "$R" '.ANCOUNT' 0
  jq_check "$1: authority" "$R" '[.authorityRRs[] | "\(.NAME) \(.TYPEname) \(.TTL)"] | join(",")' "$2 SOA $3"
  jq_check "$1: SOA minimum" "$R" '.authorityRRs[0].rdataSOA | split(" ") | last' "$4"
}

no_opt() { jq_check "$1: no OPT without EDNS in the query" "$R" '.ARCOUNT' 0; }

# OPT: version 0, our payload size (1232, the default), DO as in the query (OPT TTL bit 15).
check_opt() {  # WHAT DO(0|1)
  jq_check "$1: OPT" "$R" \
    '[.additionalRRs[] | select(.TYPE == 41) | "\(.NAME) size=\(.CLASS) flags=\(.TTL)"] | join(",")' \
    ". size=1232 flags=$(($2 * 32768))"
  jq_check "$1: additional is only the OPT" "$R" '.ARCOUNT' 1
}

rr_set() { jq -r "[.answerRRs[] | .$1] | sort | join(\" \")" <<<"$R"; }

for server in "$SERVER_V4" "$SERVER_V6"; do
  t="over $( [[ $server == *:* ]] && echo IPv6 || echo IPv4 )"

  query answered_a "A $t" "@$server" roundrobin.cloud.example.com A +noedns
  assert_eq "A $t: the whole set" "172.18.0.3 172.18.0.4" "$(rr_set rdataA)"
  jq_check "A $t: owner, TTL from the set" "$R" '[.answerRRs[] | "\(.NAME) \(.TTL)"] | unique | join(",")' \
    "roundrobin.cloud.example.com. 30"
  jq_check "A $t: RD copied" "$R" '.RD' 1
  no_opt "A $t"

  query answered_a "A without RD $t" "@$server" failover.cloud.example.com A +nordflag +noedns
  assert_eq "A without RD $t" "172.18.0.10" "$(rr_set rdataA)"
  jq_check "A without RD $t: RD copied" "$R" '.RD' 0
  jq_check "A without RD $t: TTL" "$R" '.answerRRs[0].TTL' 15

  query answered_aaaa "AAAA $t" "@$server" roundrobin.cloud.example.com AAAA +noedns
  assert_eq "AAAA $t: the whole set" "2001:db8::3 2001:db8::4" "$(rr_set rdataAAAA)"
  jq_check "AAAA $t: TTL" "$R" '[.answerRRs[].TTL] | unique | join(",")' 30
  no_opt "AAAA $t"

  query answered_a "A with EDNS, DO $t" "@$server" roundrobin.cloud.example.com A +dnssec
  assert_eq "A with DO $t: the whole set" "172.18.0.3 172.18.0.4" "$(rr_set rdataA)"
  check_opt "A with DO $t" 1

  query answered_aaaa "AAAA with EDNS, no DO $t" "@$server" roundrobin.cloud.example.com AAAA +edns
  assert_eq "AAAA with EDNS $t: the whole set" "2001:db8::3 2001:db8::4" "$(rr_set rdataAAAA)"
  check_opt "AAAA with EDNS $t" 0

  query answered_nodata "NODATA (MX at an A/AAAA name) $t" "@$server" roundrobin.cloud.example.com MX +noedns
  jq_check "NODATA $t: rcode" "$R" '.RCODE' 0
  check_soa "NODATA $t" cloud.example.com. 45 45
  no_opt "NODATA $t"

  query answered_nodata "NODATA with DO $t" "@$server" v6only.cloud.example.com A +dnssec
  check_soa "NODATA with DO $t" cloud.example.com. 45 45
  check_opt "NODATA with DO $t" 1

  query answered_nxdomain "NXDOMAIN $t" "@$server" nope.cloud.example.com A +noedns
  check_soa "NXDOMAIN $t" cloud.example.com. 45 45
  no_opt "NXDOMAIN $t"

  query answered_nxdomain "NXDOMAIN with DO $t" "@$server" nope.short.example.org AAAA +dnssec
  check_soa "NXDOMAIN, SOA ttl < negativeTtl, $t" short.example.org. 20 600
  check_opt "NXDOMAIN with DO $t" 1
done
pass "A, AAAA, NODATA, NXDOMAIN, EDNS with and without DO, over IPv4 and IPv6"

# RFC 8020: a name that exists only as an empty non-terminal is NODATA, and names below an
# existing name that are not there are NXDOMAIN.
query answered_nodata "empty non-terminal" "@$SERVER_V4" eu.cloud.example.com A
check_soa "empty non-terminal" cloud.example.com. 45 45
query answered_nodata "AAAA at an A-only name" "@$SERVER_V4" failover.cloud.example.com AAAA
check_soa "AAAA at an A-only name" cloud.example.com. 45 45
query answered_nxdomain "below an existing name" "@$SERVER_V4" x.app.eu.cloud.example.com A
check_soa "below an existing name" cloud.example.com. 45 45
pass "empty non-terminal NODATA, NXDOMAIN below a leaf"

# 0x20: kdig lowercases names before sending; drill sends them as written. The question and
# the owner of every answer (a pointer to the question) must come back in the query's case.
mixed=RoundRobin.CLOUD.example.Com
out=$(in_client drill "$mixed" @"$SERVER_V4" A 2>&1) || fail "drill $mixed: no response: $out"
expected[answered_a]=$((expected[answered_a] + 1))
question=$(awk '/QUESTION SECTION/ {getline; print $2, $4}' <<<"$out")
owners=$(awk '/ANSWER SECTION/ {on=1; next} /^$/ {on=0} on {print $1, $4, $5}' <<<"$out" | sort | paste -sd,)
[[ $out == *"rcode: NOERROR"* && $question == "$mixed. A" && $owners == "$mixed. A 172.18.0.3,$mixed. A 172.18.0.4" ]] ||
  fail "0x20: expected NOERROR, question '$mixed. A' and both A records owned by '$mixed.', drill says: $out"
pass "0x20 mixed case echoed"

after=$(stats_json)
for kind in answered_a answered_aaaa answered_nodata answered_nxdomain; do
  assert_eq "XDP counter $kind rose by the number of such queries" "${expected[$kind]}" \
    "$(counter_delta "$before" "$after" "$kind")"
done
pass "XDP counters: $(for k in "${!expected[@]}"; do printf '%s+%s ' "$k" "${expected[$k]}"; done)"

# An address of the server that is not in dns.listen: XDP must pass the query up untouched, and
# with no slow path yet nothing answers it.
ip -n "$NS_SERVER" addr add 10.77.0.3/24 dev "$IF_SERVER"
before=$(stats_json)
dns_expect_none @10.77.0.3 roundrobin.cloud.example.com A
after=$(stats_json)
assert_eq "query to 10.77.0.3 (not in listen): pass_not_listen rises by one" 1 \
  "$(counter_delta "$before" "$after" pass_not_listen)"
for kind in answered_a answered_aaaa answered_nodata answered_nxdomain; do
  assert_eq "query to 10.77.0.3: $kind unchanged" 0 "$(counter_delta "$before" "$after" "$kind")"
done
pass "query to an address outside the listen set passed (pass_not_listen), not answered"
