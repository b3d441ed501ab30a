#!/usr/bin/env bash
# Zone transfers from the live daemon: xgslbd in the server namespace with a TSIG key that
# dns.allowTransfer names (its secret in a secretFile), kdig from the client. A signed AXFR gets
# the fixture's zone (kdig verifies every message's TSIG), IXFR gets the same (no history is
# kept, RFC 1995 4) or the SOA alone when the client is current; unsigned, wrongly signed and
# UDP transfers are refused. XDP never answers these (it passes AXFR/IXFR up).
#   bash tests/integration/zone_transfer_test.sh BUILD_DIR
source "$(dirname "$0")/lib.sh"
it_init "${1:-}"

secret=c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LTMyYg==
other=b3RoZXItb3RoZXItb3RoZXItb3RoZXItb3RoZXItMzI=
printf '%s\n' "$secret" >"$WORK_DIR/xfr.key"
config=$WORK_DIR/xgslbd.yaml
write_config "$config" '/^  listen:/a\  tsigKeys:\n    - {name: xfr-key, algorithm: hmac-sha256, secretFile: xfr.key}\n    - {name: query-only, algorithm: hmac-sha256, secret: '"$other"'}\n  allowTransfer: [xfr-key]'
# short.example.org grows past one 64 KiB message, so kdig checks the MAC chain across messages.
for ((i = 0; i < 1500; i++)); do
  printf '  - name: host-%d.short.example.org\n    ttl: 60\n    txt: ["record %d of a zone that needs several messages"]\n' \
    "$i" "$i"
done >>"$config"
start_daemon main "$config"
wait_ready main

# The zone as the fixture defines it, one record a line, sorted (SOA first and last on the wire).
soa='cloud.example.com. 3600 IN SOA ns1.cloud.example.com. hostmaster.cloud.example.com. 1 7200 1800 1209600 45'
expected=$(sort <<EOF
$soa
$soa
cloud.example.com. 3600 IN NS ns1.cloud.example.com.
ns1.cloud.example.com. 3600 IN A 10.77.0.2
ns1.cloud.example.com. 3600 IN AAAA fd77::2
roundrobin.cloud.example.com. 30 IN A 172.18.0.3
roundrobin.cloud.example.com. 30 IN A 172.18.0.4
roundrobin.cloud.example.com. 30 IN AAAA 2001:db8::3
roundrobin.cloud.example.com. 30 IN AAAA 2001:db8::4
failover.cloud.example.com. 15 IN A 172.18.0.10
v6only.cloud.example.com. 30 IN AAAA 2001:db8::6
app.eu.cloud.example.com. 30 IN A 172.18.0.20
EOF
)

# xfr SERVER [KDIG_ARGS...]: the transfer's full kdig output (kdig fails on a bad TSIG).
xfr() {
  local server=$1; shift
  in_client kdig +retry=0 +timeout=3 "@$server" "$@" 2>&1
}

# The zone's records in kdig's output (not comments, not the TSIG records), whitespace
# squeezed, sorted.
zone_lines() { grep -vE '^(;|$)' <<<"$1" | grep -vE '^[^ 	]+[ 	]+0[ 	]+ANY[ 	]+TSIG' || true; }
records_of() { zone_lines "$1" | tr -s ' \t' ' ' | sed 's/ $//' | sort; }

for server in "$SERVER_V4" "$SERVER_V6"; do
  t="over $([[ $server == *:* ]] && echo IPv6 || echo IPv4)"
  out=$(xfr "$server" -y "hmac-sha256:xfr-key:$secret" cloud.example.com AXFR) || fail "signed AXFR $t: $out"
  [[ $out != *WARNING* && $out != *"failed"* ]] || fail "signed AXFR $t: kdig complained: $out"
  assert_eq "signed AXFR $t: the zone's records" "$expected" "$(records_of "$out")"
  first=$(zone_lines "$out" | head -n 1 | tr -s ' \t' ' ')
  last=$(zone_lines "$out" | tail -n 1 | tr -s ' \t' ' ')
  assert_match "signed AXFR $t: a TSIG record, no TSIG error" 'TSIG[[:space:]]+hmac-sha256\. .* NOERROR' "$out"
  assert_eq "signed AXFR $t: SOA first" "$soa" "$first"
  assert_eq "signed AXFR $t: SOA last" "$soa" "$last"
done
pass "signed AXFR over TCP, IPv4 and IPv6: the fixture's zone between two SOAs, TSIG verified by kdig"

out=$(xfr "$SERVER_V6" -y "hmac-sha256:xfr-key:$secret" short.example.org AXFR) || fail "large AXFR: $out"
[[ $out != *WARNING* && $out != *"failed"* ]] || fail "large AXFR: kdig complained: $(tail -n 5 <<<"$out")"
summary=$(grep -E '^;; Received' <<<"$out") || fail "large AXFR: no summary line: $(tail -n 5 <<<"$out")"
messages=$(grep -oE '[0-9]+ messages' <<<"$summary" | cut -d' ' -f1)
((messages >= 3)) || fail "large AXFR: expected at least 3 messages, got: $summary"
# SOA, NS, ns1 A and AAAA, www A, 1500 TXT, SOA.
assert_eq "large AXFR: record count" 1506 "$(zone_lines "$out" | wc -l)"
assert_eq "large AXFR: one TSIG per message" "$messages" "$(grep -cE '[[:space:]]TSIG[[:space:]].* NOERROR' <<<"$out")"
pass "signed AXFR of a zone that needs several messages: $summary, every TSIG verified by kdig"

out=$(xfr "$SERVER_V4" -y "hmac-sha256:xfr-key:$secret" cloud.example.com IXFR=0) || fail "signed IXFR=0: $out"
assert_eq "signed IXFR from serial 0: the whole zone" "$expected" "$(records_of "$out")"
out=$(xfr "$SERVER_V4" -y "hmac-sha256:xfr-key:$secret" cloud.example.com IXFR=1) || fail "signed IXFR=1: $out"
assert_eq "signed IXFR from the current serial: the SOA alone" "$soa" "$(records_of "$out")"
pass "signed IXFR: the whole zone from an older serial, the SOA alone from the current one"

# status OUTPUT: the rcode kdig printed.
status() { grep -oE 'status: [A-Z]+' <<<"$1" | head -n 1 | cut -d' ' -f2; }

out=$(xfr "$SERVER_V4" cloud.example.com AXFR) || true
assert_match "unsigned AXFR: refused" "error 'REFUSED'" "$out"
assert_eq "unsigned AXFR: no records" "" "$(records_of "$out")"
out=$(xfr "$SERVER_V4" cloud.example.com IXFR=0) || true
assert_match "unsigned IXFR: refused" 'REFUSED' "$out"
out=$(xfr "$SERVER_V4" -y "hmac-sha256:query-only:$other" cloud.example.com AXFR) || true
assert_match "AXFR with a key allowTransfer does not list: refused" 'REFUSED' "$out"
assert_eq "AXFR with a key allowTransfer does not list: no records" "" "$(records_of "$out")"
out=$(xfr "$SERVER_V4" -y "hmac-sha256:xfr-key:$other" cloud.example.com AXFR) || true
assert_match "AXFR with the wrong secret: NOTAUTH/BADSIG" "error 'BADSIG'" "$out"
assert_eq "AXFR with the wrong secret: no records" "" "$(records_of "$out")"
out=$(xfr "$SERVER_V4" -y "hmac-sha256:stranger:$secret" cloud.example.com AXFR) || true
assert_match "AXFR with an unknown key: NOTAUTH/BADKEY" "error 'BADKEY'" "$out"
out=$(xfr "$SERVER_V4" +notcp -y "hmac-sha256:xfr-key:$secret" cloud.example.com SOA) || fail "SOA: $out"
assert_eq "signed SOA query: answered" NOERROR "$(status "$out")"
pass "unsigned AXFR/IXFR and a key not allowed: REFUSED; wrong secret: BADSIG; unknown key: BADKEY"

# AXFR over UDP is not defined (RFC 5936 4.2): REFUSED, even with an allowed key.
out=$(xfr "$SERVER_V4" +notcp -y "hmac-sha256:xfr-key:$secret" cloud.example.com AXFR) || true
assert_match "AXFR over UDP: REFUSED" "error 'REFUSED'" "$out"
assert_match "AXFR over UDP: it went over UDP" '@53\(UDP\)' "$out"
pass "AXFR over UDP: REFUSED"

kill -TERM "$(daemon_pid main)"
wait_exit main 10
assert_eq "exit status after SIGTERM" 0 "$EXIT_STATUS"
line=$(grep 'dns server: stopped' "$(daemon_log main)") || fail "no 'dns server: stopped' line in the log"
assert_match "server totals: nothing dropped, no errors" 'dropped=0, errors=0' "$line"
pass "SIGTERM: the server stopped cleanly ($line)"
