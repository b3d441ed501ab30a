#!/usr/bin/env bash
# Against a real server: xgslbd (XDP and the slow path) and Knot DNS serving the same zones, the
# same few hundred queries to both, the responses compared.
#
# xgslbd serves tests/fixtures/knot_compare.yaml on 10.77.0.2; `xgslbctl zone export ZONE` gives
# each zone as a master file (checked against the config here: SOA first, the records, the glue);
# knotd (Debian's knot) loads those files and listens on 10.77.0.3 and fd77::3, addresses of the
# same server namespace that the XDP program does not answer for, so its queries pass untouched.
# tests/integration/dns_compare (built with the tests) then sends the generated queries (every
# owner, apexes, empty non-terminals, below the cut, wildcards, NXDOMAIN one and several labels
# deep, outside our zones; common types, ANY, meta types; EDNS or not, DO, a 512-octet buffer;
# random 0x20 case) over UDP to both, every 10th over TCP too, and compares rcode, flags, the
# question, each section as a set, TTLs and the OPT. The only differences allowed are the ones
# README "Differences from Knot DNS" lists, each excused by name (--excuse) and matched exactly.
#   bash tests/integration/knot_compare_test.sh BUILD_DIR
source "$(dirname "$0")/lib.sh"
# shellcheck disable=SC2034  # read by write_config in lib.sh
IT_FIXTURE=$IT_SOURCE_DIR/tests/fixtures/knot_compare.yaml
it_init "${1:-}"
command -v knotd >/dev/null || fail "missing knotd (Debian package knot; tools/install-deps.sh)"
COMPARE=$BUILD_DIR/tests/integration/dns_compare
[[ -x $COMPARE ]] || fail "missing $COMPARE: build first"

KNOT_V4=10.77.0.3
KNOT_V6=fd77::3
ip -n "$NS_SERVER" addr add "$KNOT_V4/24" dev "$IF_SERVER"
ip -n "$NS_SERVER" addr add "$KNOT_V6/64" dev "$IF_SERVER" nodad

write_config "$WORK_DIR/xgslbd.yaml"
start_daemon main "$WORK_DIR/xgslbd.yaml"
wait_ready main

# ---- the export ---------------------------------------------------------------------------------

zones=(cloud.example.com short.example.org)
for zone in "${zones[@]}"; do
  "$XGSLBCTL" --instance "$INSTANCE" zone export "$zone" >"$WORK_DIR/$zone.zone" ||
    fail "xgslbctl zone export $zone failed"
done
cloud=$(<"$WORK_DIR/cloud.example.com.zone")
assert_eq "export: a comment, then the SOA first" \
  "cloud.example.com. 3600 IN SOA ns1.cloud.example.com. hostmaster.cloud.example.com. 1 7200 1800 1209600 45" \
  "$(sed -n 2p <<<"$cloud")"
assert_match "export: glue below the cut" $'\nns1\\.sub\\.cloud\\.example\\.com\\. 300 IN AAAA 2001:db8::53\n' "$cloud"
assert_match "export: wildcard" $'\n\\*\\.wild\\.cloud\\.example\\.com\\. 30 IN TXT "wildcard"\n' "$cloud"
assert_match "export: TXT escapes" 'IN TXT "quote \\" and backslash \\\\"' "$cloud"
assert_eq "export: every zone is the zones one after the other" \
  "$(cat "$WORK_DIR/cloud.example.com.zone" "$WORK_DIR/short.example.org.zone")" \
  "$("$XGSLBCTL" --instance "$INSTANCE" zone export)"
if out=$("$XGSLBCTL" --instance "$INSTANCE" zone export example.net 2>&1); then
  fail "export of a zone we do not serve succeeded: $out"
fi
assert_eq "export of an unknown zone: the error" \
  "xgslbctl: no zone example.net. is served (zones: cloud.example.com., short.example.org.)" "$out"
pass "xgslbctl zone export: SOA first, glue, wildcard, TXT escapes; all zones; unknown zone is an error"

# ---- Knot DNS -----------------------------------------------------------------------------------

knot_dir=$WORK_DIR/knot
mkdir -p "$knot_dir"
cp "$WORK_DIR"/*.zone "$knot_dir/"
# Knot's defaults already match what xgslb does where RFCs leave room (minimal responses,
# no rotation, 1232-octet EDNS buffer); they are written out so a changed default shows here.
cat >"$knot_dir/knot.conf" <<CONF
server:
    rundir: "$knot_dir"
    listen: [ $KNOT_V4@53, $KNOT_V6@53 ]
    udp-workers: 1
    tcp-workers: 1
    background-workers: 1
    answer-rotation: off
    udp-max-payload: 1232
database:
    storage: "$knot_dir"
log:
  - target: "$knot_dir/knotd.log"
    any: info
control:
    listen: "$knot_dir/knot.sock"
template:
  - id: default
    storage: "$knot_dir"
    file: "%s.zone"
    zonefile-sync: -1
    zonefile-load: whole
    journal-content: none
    semantic-checks: on
zone:
$(for zone in "${zones[@]}"; do echo "  - domain: $zone"; done)
CONF
in_server_bg knotd --config "$knot_dir/knot.conf" >"$WORK_DIR/knotd.out" 2>&1
knot_pid=$SERVER_BG_PID
netns_on_exit "it_stop_pid $knot_pid"
knot_ready() { in_client kdig +retry=0 +timeout=1 "@$KNOT_V4" short.example.org SOA | grep -q 'status: NOERROR'; }
if ! wait_for 15 knot_ready; then
  tail -n 20 "$knot_dir/knotd.log" "$WORK_DIR/knotd.out" >&2 || true
  fail "knotd did not answer for short.example.org within 15 s"
fi
for zone in "${zones[@]}"; do
  grep -q "\[$zone.\] loaded" "$knot_dir/knotd.log" || { tail -n 30 "$knot_dir/knotd.log" >&2; fail "knotd did not load $zone"; }
done
pass "knotd loaded the exported zones (semantic checks on) and answers on $KNOT_V4 and $KNOT_V6"

# ---- the comparison -----------------------------------------------------------------------------

# README "Differences from Knot DNS": one excuse per listed difference, each matched exactly.
excuses=(--excuse knot-ede-on-refused --excuse glue-owner-case --excuse any-ns-without-glue
  --excuse cname-across-zones)
zone_args=(--zone "$WORK_DIR/cloud.example.com.zone" --zone "$WORK_DIR/short.example.org.zone")

# The comparator is not blind: without the excuses, the known differences fail the run.
if out=$(in_client "$COMPARE" --a "$SERVER_V4" --b "$KNOT_V4" "${zone_args[@]}" --count 150 --tcp-every 0); then
  fail "dns_compare without excuses found no difference: $(tail -n 1 <<<"$out")"
fi
assert_match "without excuses: the known differences are reported" 'EDE|000f00020014' "$out"

compare() {  # LABEL SERVER_A SERVER_B COUNT SEED
  local out status=0
  out=$(in_client "$COMPARE" --a "$2" --b "$3" "${zone_args[@]}" --count "$4" --seed "$5" --tcp-every 10 \
    "${excuses[@]}") || status=$?
  echo "$out" >"$WORK_DIR/compare-$1.txt"
  ((status == 0)) || { echo "$out" | head -n 120 >&2; fail "$1: xgslbd and Knot DNS answer differently (above)"; }
  pass "$1: $(grep '^dns_compare:' <<<"$out" | sed 's/^dns_compare: //')"
  grep '^  excused:' <<<"$out" || true
}
compare IPv4 "$SERVER_V4" "$KNOT_V4" 400 1
compare IPv6 "$SERVER_V6" "$KNOT_V6" 150 2

# Nothing Knot answered came from XDP by mistake, and XDP did answer its share of ours.
answered=$(stats_json | jq '[to_entries[] | select(.key | startswith("answered_")) | .value] | add')
((answered > 0)) || fail "XDP answered none of the queries to $SERVER_V4 and $SERVER_V6"
pass "XDP answered $answered of the queries to xgslbd, the slow path the rest"
