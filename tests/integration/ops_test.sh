#!/usr/bin/env bash
# Operations: the metrics endpoint (scrape, parse, counters move with queries), /healthz and
# /readyz, xgslbctl status / lookup / stats --watch with -o json, bpftool's view of the pinned
# maps and the program, the capability drop (CapEff reduced while the daemon still serves and
# reloads), JSON logs, and xgslbctl detach of an instance left attached.
#   bash tests/integration/ops_test.sh BUILD_DIR
source "$(dirname "$0")/lib.sh"
it_init "${1:-}"
for tool in curl bpftool python3; do command -v $tool >/dev/null || fail "missing $tool"; done

METRICS=http://127.0.0.1:9153
ctl() { "$XGSLBCTL" --instance "$INSTANCE" "$@"; }
scrape() { in_server curl -sf --max-time 5 "$METRICS/metrics" | python3 "$IT_SOURCE_DIR/tests/integration/prom_text.py"; }
sample() { jq -r --arg k "$2" '.[$k] // "absent"' <<<"$1"; }  # SCRAPE_JSON KEY
# BEFORE AFTER KEY: a sample first reported after BEFORE counts from 0 (rcodes show once seen).
delta() { jq -n -r --argjson a "$1" --argjson b "$2" --arg k "$3" 'if $b[$k] == null then "absent" else ($b[$k] - ($a[$k] // 0)) end'; }

write_config "$WORK_DIR/c.yaml" 's/keepAttached: false/keepAttached: true/'
printf 'metrics: {listen: "127.0.0.1:9153"}\nlogFormat: json\n' >>"$WORK_DIR/c.yaml"
start_daemon main "$WORK_DIR/c.yaml"
wait_ready main
pid=$(daemon_pid main)

# ---- logs: one JSON object per line, libbpf/libxdp lines among them -----------------------------
while IFS= read -r line; do
  jq -e '.ts and .level and (.msg | type == "string")' <<<"$line" >/dev/null || fail "log line is not JSON: $line"
done <"$(daemon_log main)"
pass "logs: $(wc -l <"$(daemon_log main)") JSON lines"

# ---- health ------------------------------------------------------------------------------------
assert_eq "/healthz" "ok" "$(in_server curl -sf "$METRICS/healthz")"
assert_eq "/readyz" "ready" "$(in_server curl -sf "$METRICS/readyz")"
assert_eq "POST refused" 405 "$(in_server curl -s -o /dev/null -w '%{http_code}' -X POST "$METRICS/metrics")"
assert_eq "unknown path" 404 "$(in_server curl -s -o /dev/null -w '%{http_code}' "$METRICS/nope")"
pass "health endpoints: /healthz ok, /readyz ready, POST 405, unknown 404"

# ---- metrics move with queries -----------------------------------------------------------------
m1=$(scrape) || fail "scrape did not parse"
for i in 1 2 3; do dns_query "@$SERVER_V4" roundrobin.cloud.example.com A >/dev/null || fail "no XDP answer"; done
dns_query "@$SERVER_V4" cloud.example.com SOA >/dev/null || fail "no slow-path answer"
dns_query "@$SERVER_V4" nothing.example.net A >/dev/null || fail "no REFUSED answer"
dns_query "@$SERVER_V4" cloud.example.com SOA +tcp >/dev/null || fail "no TCP answer"
m2=$(scrape)
assert_eq "xdp answered a" 3 "$(delta "$m1" "$m2" 'xgslb_xdp_answered_total{kind="a"}')"
assert_eq "xdp passed: apex SOA has other types" 1 "$(delta "$m1" "$m2" 'xgslb_xdp_passed_total{reason="name_flags"}')"
assert_eq "slow path udp NOERROR" 1 "$(delta "$m1" "$m2" 'xgslb_dns_responses_total{rcode="NOERROR",transport="udp"}')"
assert_eq "slow path udp REFUSED" 1 "$(delta "$m1" "$m2" 'xgslb_dns_responses_total{rcode="REFUSED",transport="udp"}')"
assert_eq "slow path tcp NOERROR" 1 "$(delta "$m1" "$m2" 'xgslb_dns_responses_total{rcode="NOERROR",transport="tcp"}')"
assert_eq "latency histogram count" 3 "$(delta "$m1" "$m2" 'xgslb_dns_answer_duration_seconds_count')"
assert_eq "publishes" 1 "$(sample "$m2" xgslb_publishes_total)"
assert_eq "names map fill" "$(ctl -o json records | jq length)" "$(sample "$m2" 'xgslb_map_entries{map="xgslb_names"}')"
pass "metrics: XDP, slow-path (rcode, transport, latency) and publish counters move as queried"

# Every xgslb_ metric the Grafana dashboard queries is one the daemon exports (xgslb_source_*
# only with a cluster source: metrics_families_test.sh checks those).
for name in $(grep -oE 'xgslb_[a-z_]+' "$IT_SOURCE_DIR/deploy/grafana/xgslb-dashboard.json" | sed -E 's/_bucket$//' | grep -v '^xgslb_source_' | sort -u); do
  jq -e --arg n "$name" 'keys | map(select(test("^" + $n + "(_bucket|_sum|_count)?({|$)"))) | length > 0' <<<"$m2" >/dev/null ||
    fail "dashboard queries $name, which /metrics does not export"
done
pass "grafana dashboard: every xgslb_ metric it queries is exported"

# ---- xgslbctl status ---------------------------------------------------------------------------
status=$(ctl -o json status)
jq_check "status program" "$status" '.program.name' xgslb_xdp
jq_check "status interface" "$status" '.interfaces | map("\(.name):\(.mode)") | join(" ")' "$IF_SERVER:native"
jq_check "status rrsets fill" "$status" '.maps[] | select(.name == "xgslb_rrsets") | .entries > 0 and .max == 131072' true
jq_check "status last publish" "$status" '.last_publish | test("^[0-9-]+T[0-9:]+Z$")' true
prog_id=$(jq .program.id <<<"$status")
assert_eq "status program id = attached id" "$(xdp_prog_ids)" "$prog_id"
assert_match "human status" "program +id $prog_id, name xgslb_xdp" "$(ctl status)"
pass "xgslbctl status: program $prog_id on $IF_SERVER (native), fill levels, last publish"

# ---- xgslbctl lookup ---------------------------------------------------------------------------
r=$(ctl -o json lookup roundrobin.cloud.example.com A)
jq_check "lookup verdict" "$r" .verdict answered
jq_check "lookup answer" "$r" '[.response.answer[] | split("\t") | last] | sort | join(" ")' "172.18.0.3 172.18.0.4"
r=$(ctl -o json lookup missing.cloud.example.com AAAA --client 10.9.9.9)
jq_check "lookup NXDOMAIN" "$r" '.response.rcode' NXDOMAIN
jq_check "lookup client" "$r" '.query.client' 10.9.9.9
r=$(ctl -o json lookup cloud.example.com SOA)
jq_check "lookup apex SOA passed" "$r" '"\(.verdict) \(.reasons | join(","))"' "passed name_flags"
r=$(ctl -o json lookup roundrobin.cloud.example.com A --ecs 198.51.100.0/24)
# XDP handles one well-formed ECS option (strategies, issue 5): answered, same records.
jq_check "lookup with ECS" "$r" .verdict answered
jq_check "lookup with ECS answer" "$r" '[.response.answer[] | split("\t") | last] | sort | join(" ")' "172.18.0.3 172.18.0.4"
assert_match "human lookup" '^passed to the slow path: qtype' "$(ctl lookup cloud.example.com ANY)"
assert_match "human lookup answer" 'ANSWER SECTION:' "$(ctl lookup roundrobin.cloud.example.com AAAA)"
pass "xgslbctl lookup: answers and pass reasons from the loaded program"

# ---- xgslbctl stats --watch --------------------------------------------------------------------
ctl -o json stats --watch --interval 1 --count 2 >"$WORK_DIR/watch.json" &
watch_pid=$!
sleep 0.2
for i in $(seq 10); do dns_query "@$SERVER_V4" roundrobin.cloud.example.com A >/dev/null; done
wait "$watch_pid" || fail "stats --watch failed"
assert_eq "watch lines" 2 "$(wc -l <"$WORK_DIR/watch.json")"
assert_eq "watch: rate x interval summed = queries sent" 10 \
  "$(jq -s '[.[] | .rates.answered_a * .interval_s] | add | round' "$WORK_DIR/watch.json")"
pass "xgslbctl stats --watch: rates per second add up to the 10 queries sent"

# ---- bpftool -----------------------------------------------------------------------------------
names=$(bpftool map dump pinned "$PIN_DIR/xgslb_names")
for field in '"text": "roundrobin.cloud.example.com."' '"zone_id"' '"flags"'; do
  [[ $names == *$field* ]] || fail "bpftool names dump lacks $field: ${names:0:300}"
done
stats=$(bpftool map dump pinned "$PIN_DIR/xgslb_stats")
for field in packets_seen answered_a pass_not_listen pass_qtype; do
  [[ $stats == *"\"$field\""* ]] || fail "bpftool stats dump lacks $field"
done
assert_match "bpftool prog show" "^$prog_id: xdp +name xgslb_xdp" "$(bpftool prog show id "$prog_id")"
pass "bpftool: map dumps carry field names (text, zone_id, flags, counters), program named xgslb_xdp"

# ---- capabilities: reduced, and the daemon still serves and reloads ---------------------------
capeff=$(awk '/^CapEff/ {print $2}' "/proc/$pid/status")
has_cap() { (( (16#$capeff >> $1) & 1 )); }
has_cap 39 || fail "CapEff $capeff lacks CAP_BPF"
has_cap 12 || fail "CapEff $capeff lacks CAP_NET_ADMIN"
has_cap 21 && fail "CapEff $capeff still has CAP_SYS_ADMIN"
has_cap 10 && fail "CapEff $capeff still has CAP_NET_BIND_SERVICE"
has_cap 1 && fail "CapEff $capeff still has CAP_DAC_OVERRIDE"
write_config "$WORK_DIR/c.yaml" 's/keepAttached: false/keepAttached: true/' 's/a: \[172.18.0.3, 172.18.0.4\]/a: [172.18.0.3, 172.18.0.4, 172.18.0.5]/'
printf 'metrics: {listen: "127.0.0.1:9153"}\nlogFormat: json\n' >>"$WORK_DIR/c.yaml"
kill -HUP "$pid"
wait_log main 'published zones=' 2 10
r=$(dns_query "@$SERVER_V4" roundrobin.cloud.example.com A) || fail "no answer after reload"
jq_check "reloaded with reduced capabilities" "$r" '[.answerRRs[].rdataA] | sort | join(" ")' "172.18.0.3 172.18.0.4 172.18.0.5"
assert_eq "publishes after reload" 2 "$(sample "$(scrape)" xgslb_publishes_total)"
assert_eq "CapEff unchanged" "$capeff" "$(awk '/^CapEff/ {print $2}' "/proc/$pid/status")"
pass "capabilities: CapEff $capeff (CAP_BPF, CAP_NET_ADMIN, CAP_PERFMON), still serving and reloading"

# ---- keepAttached + xgslbctl detach ------------------------------------------------------------
kill -TERM "$pid"
wait_exit main 10
[[ -n $(xdp_prog_ids) ]] || fail "keepAttached: program gone after SIGTERM"
d=$(in_server "$XGSLBCTL" --instance "$INSTANCE" -o json detach)
jq_check "detach" "$d" '.detached | join(" ")' "$IF_SERVER"
[[ -z $(xdp_prog_ids) ]] || fail "detach left a program on $IF_SERVER"
[[ ! -e $PIN_DIR ]] || fail "detach left $PIN_DIR"
pass "xgslbctl detach: program off $IF_SERVER, pins removed"
