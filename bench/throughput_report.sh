#!/usr/bin/env bash
# Turns bench/run_throughput.sh's measurements (a TSV, and PREFIX.profile.tsv when present) into
# PREFIX.md and plots: PREFIX_replies.png, PREFIX_sweep.png (answered %), and where the generator
# timed replies PREFIX_latency.png (percentiles per server) and PREFIX_sweep_latency.png (p50 and
# p99 against offered load). Medians and min–max over the repetitions; ratios only between
# servers measured in the same run.
#
#   bench/throughput_report.sh TSV PREFIX   (env: LOAD_BEFORE LOAD_AFTER DURATION RUNS RATE COMMAND SMOKE GENERATOR MODES)
# Rows named SERVER@MODE are SERVER measured in the run's second mode (bench/lib/cpu_split.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib/throughput_servers.sh  # labels only
tsv=$1 prefix=$2
md=$prefix.md
base=$(basename "$prefix")

# stat SERVER COLUMN: "median min max" of COLUMN over the max-rate runs of SERVER.
stat() {
  awk -F'\t' -v s="$1" -v c="$2" 'NR > 1 && $1 == "max" && $2 == s && $c != "-" {print $c}' "$tsv" | sort -g |
    awk '{v[NR]=$1} END {if (!NR) {print "nan nan nan"; exit}
         m = NR % 2 ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2; print m, v[1], v[NR]}'
}
col() { awk -F'\t' -v n="$1" 'NR == 1 {for (i = 1; i <= NF; i++) if ($i == n) print i}' "$tsv"; }
c_rps=$(col replies_per_s) c_sps=$(col sent_per_s) c_pct=$(col answered_pct)
c_ok=$(col noerror) c_nx=$(col nxdomain) c_sent=$(col sent) c_rep=$(col replies)
c_p50=$(col p50_us) c_p90=$(col p90_us) c_p99=$(col p99_us) c_p999=$(col p999_us)
has_latency=$(awk -F'\t' -v c="$c_p50" 'NR > 1 && $c != "-" {f=1} END {print f ? 1 : 0}' "$tsv")
has_sweep=$(awk -F'\t' 'NR > 1 && $1 == "sweep" {f=1} END {print f ? 1 : 0}' "$tsv")
mapfile -t servers < <(awk -F'\t' 'NR > 1 {print $2}' "$tsv" | awk '!seen[$0]++')
mapfile -t sweep_servers < <(awk -F'\t' 'NR > 1 && $1 == "sweep" {print $2}' "$tsv" | awk '!seen[$0]++')
median_rps() { stat "$1" "$c_rps" | cut -d' ' -f1; }
ratio() {
  local a b
  a=$(median_rps "$1") b=$(median_rps "$2")
  [[ $a == nan || $b == nan || $b == 0 ]] && { echo "n/a"; return; }
  awk -v a="$a" -v b="$b" 'BEGIN {printf "%.2f", a / b}'
}
# The label of a row: the server's, with the mode when it is not the run's first.
label() {
  local s=${1%@*} m=""
  [[ $1 == *@* ]] && m=", ${1#*@} CPU"
  echo "${SERVER_LABEL[$s]:-$s}$m"
}
# pmed SERVER ITEM: the median of a profile item over SERVER's max-rate runs ("nan" if none).
pmed() {
  [[ -s $prefix.profile.tsv ]] || { echo nan; return; }
  awk -F'\t' -v s="$1" -v i="$2" 'NR > 1 && $1 == "max" && $2 == s && $5 == i && $6 != "-" {print $6}' "$prefix.profile.tsv" |
    sort -g | awk '{v[NR]=$1} END {if (!NR) print "nan"; else print (NR % 2 ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2)}'
}
# Which side limited a max-rate row: in split mode the side whose CPU was (nearly) full; in
# shared mode the one serial path.
limit() {
  [[ $1 == *@shared || ${MODES%% *} == shared ]] && { echo "one serial path"; return; }
  local sc cc cb ns
  sc=$(pmed "$1" server_cpu_pct) cc=$(pmed "$1" client_cpu_pct)
  cb=$(pmed "$1" "cpu${SPLIT_CLIENT_CPU:-0}_busy_pct") ns=$(pmed "$1" server_cpu_ns_per_query)
  # The client CPU also runs kernel work of the generator that no thread of ours is charged
  # with (page pools of finished live-frames calls are released by a kworker), so a client CPU
  # that is fully busy counts as the generator's limit when the server's is not.
  awk -v s="$sc" -v c="$cc" -v b="$cb" -v ns="$ns" 'BEGIN {
    if (s == "nan" || c == "nan") {print "–"; exit}
    cap = (ns != "nan" && ns > 0) ? sprintf("; server at 100 %%: ~%.0fk q/s", 1e6 / ns) : ""
    if (s >= 90) printf "**responder** (server CPU %d %%, client %d %%%s)\n", s, c, cap
    else if (c >= 90 || b >= 95) printf "**generator** (client CPU %d %% ours, %d %% busy; server %d %%%s)\n", c, b, s, cap
    else printf "neither CPU full (server %d %%, client %d %% ours, %d %% busy%s)\n", s, c, b, cap}'
}
k() { awk -v v="$1" 'BEGIN {if (v == "nan") print "n/a"; else if (v >= 1000) printf "%.0fk", v / 1000; else printf "%.0f", v}'; }

# ---- plots -----------------------------------------------------------------------------------
dat=$(mktemp) sweep_dat=$(mktemp) lat_dat=$(mktemp)
trap 'rm -f "$dat" "$sweep_dat" "$lat_dat"' EXIT
i=0
for s in "${servers[@]}"; do
  read -r m lo hi < <(stat "$s" "$c_rps")
  [[ $m == nan ]] && continue
  printf '%d\t"%s"\t%s\t%s\t%s\n' "$i" "$(label "$s")" "$m" "$lo" "$hi" >>"$dat"
  i=$((i + 1))
done
if [[ -s $dat ]]; then
  gnuplot <<PLOT
set terminal pngcairo size 900,500
set output "${prefix}_replies.png"
set title "Replies/s per server (median of $RUNS, bars: min–max; $GENERATOR at $RATE offered q/s, ${DURATION} s)"
set ylabel "replies/s"
set yrange [0:*]
set style fill solid 0.5
set boxwidth 0.6
set xtics rotate by -20
set bmargin 6
set rmargin 12
set grid ytics
unset key
plot "$dat" using 1:3:xtic(2) with boxes, "" using 1:3:4:5 with yerrorbars lc black pt 0
PLOT
fi
plot_cmd=""
for s in "${sweep_servers[@]}"; do
  awk -F'\t' -v s="$s" -v p="$c_pct" -v r="$c_rps" -v a="$c_p50" -v b="$c_p99" \
    'NR > 1 && $1 == "sweep" && $2 == s {print $4, $p, $r, $a, $b}' "$tsv" >>"$sweep_dat"
  printf '\n\n' >>"$sweep_dat"
done
if ((has_sweep)); then
  idx=0
  for s in "${sweep_servers[@]}"; do
    plot_cmd+="${plot_cmd:+, }\"$sweep_dat\" index $idx using 1:2 with linespoints title \"$(label "$s")\""
    idx=$((idx + 1))
  done
  gnuplot <<PLOT
set terminal pngcairo size 900,500
set output "${prefix}_sweep.png"
set title "Answered % against offered load ($GENERATOR, ${DURATION} s per point)"
set xlabel "offered queries/s"
set ylabel "answered %"
set logscale x
set yrange [0:105]
set grid
set key bottom left
plot $plot_cmd
PLOT
fi
# Latency: the median run's percentiles per server (log scale: XDP rows are µs, kernel-stack
# rows under overload ms), and p50 / p99 against offered load from the sweep.
if ((has_latency)); then
  i=0
  for s in "${servers[@]}"; do
    read -r a _ < <(stat "$s" "$c_p50"); read -r b _ < <(stat "$s" "$c_p90")
    read -r c _ < <(stat "$s" "$c_p99"); read -r d _ < <(stat "$s" "$c_p999")
    [[ $a == nan ]] && continue
    printf '"%s"\t%s\t%s\t%s\t%s\n' "$(label "$s")" "$a" "$b" "$c" "$d" >>"$lat_dat"
  done
  gnuplot <<PLOT
set terminal pngcairo size 900,500
set output "${prefix}_latency.png"
set title "Reply latency percentiles per server (median of $RUNS runs; $GENERATOR at $RATE offered q/s)"
set ylabel "latency, µs (log)"
set logscale y
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.6
set xtics rotate by -20
set bmargin 6
set grid ytics
set key top left
plot "$lat_dat" using 2:xtic(1) title "p50", "" using 3 title "p90", "" using 4 title "p99", "" using 5 title "p99.9"
PLOT
  if ((has_sweep)); then
    plot_cmd="" idx=0
    for s in "${sweep_servers[@]}"; do
      plot_cmd+="${plot_cmd:+, }\"$sweep_dat\" index $idx using 1:4 with linespoints lc $((idx + 1)) pt 7 title \"$(label "$s") p50\""
      plot_cmd+=", \"$sweep_dat\" index $idx using 1:5 with linespoints lc $((idx + 1)) dt 2 pt 6 title \"p99\""
      idx=$((idx + 1))
    done
    gnuplot <<PLOT
set terminal pngcairo size 1150,550
set output "${prefix}_sweep_latency.png"
set title "Reply latency against offered load ($GENERATOR, ${DURATION} s per point; solid p50, dashed p99)"
set xlabel "offered queries/s"
set ylabel "latency, µs (log)"
set logscale xy
set grid
set key outside right font ",8"
plot $plot_cmd
PLOT
  fi
fi

# ---- markdown --------------------------------------------------------------------------------
{
  echo "# End-to-end throughput: xgslb against Knot DNS, NSD and the harness's ceiling"
  echo
  echo "Generated by \`${COMMAND}\` (DURATION=$DURATION s, RUNS=$RUNS, RATE=$RATE offered q/s)."
  if ((SMOKE)); then echo "**Smoke run**: a check that the harness works, not a measurement."; fi
  echo
  echo "- Machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'); kernel $(uname -r)"
  echo "- Load average (1/5/15 min) before: $LOAD_BEFORE; after: $LOAD_AFTER — shared machine, other engineers' builds and tests ran meanwhile"
  echo "- Date: $(date -u +%Y-%m-%dT%H:%M:%SZ); commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
  if [[ $GENERATOR == xdp ]]; then
    echo "- Generator: \`tools/xdp_dns_loadgen\` in the client namespace: BPF_PROG_TEST_RUN in live-frames mode, each repetition"
    echo "  XDP_TX of the next prebuilt query frame out of the client veth end; replies counted (and dropped) by an XDP program there;"
  else
    echo "- Generator: kxdpgun $(kxdpgun -V 2>&1 | awk '{print $NF}') (knot-dnsutils) in the client namespace, AF_XDP on its veth end (one queue: one thread),"
  fi
  echo "  query mix \`bench/fixtures/throughput_queries.txt\` ($(wc -l <bench/fixtures/throughput_queries.txt) queries in a loop). Servers: Knot DNS $(knotd --version | awk '{print $NF}'), NSD $(nsd -v 2>&1 | awk 'NR==1 {print $3}');"
  echo "  every server with 2 UDP workers; all on 10.77.0.2:53 over one veth pair, one at a time."
  echo
  echo "- Modes (\`bench/lib/cpu_split.sh\`): ${MODES:-shared}. **split**: two machines modelled on one, each side one CPU of its own:"
  echo "  the server end's NAPI as a kthread on CPU ${SPLIT_SERVER_CPU:-1} (the responder's XDP program and the kernel's receive"
  echo "  path run there) with the server's processes, the generator and the client end's NAPI kthread (the reply counter)"
  echo "  on CPU ${SPLIT_CLIENT_CPU:-0}; NAPI kthreads SCHED_FIFO, processes nice -20. **shared** (rows \"…, shared CPU\" when"
  echo "  both ran): one serial path in the generator's thread, so a row's rate is 1 / (generator + veth + responder + counter"
  echo "  cost per query) and \"÷ ceiling\" compares per-query costs, not whether a responder keeps up."
  echo
  echo "| server | replies/s, median (min–max) | answered %, median (min–max) | queries sent/s, median | latency µs p50 / p90 / p99 / p99.9, median | the limit (CPU busy, median) | NOERROR / NXDOMAIN (run 1) |"
  echo "|---|---:|---:|---:|---:|---|---:|"
  for s in "${servers[@]}"; do
    read -r m lo hi < <(stat "$s" "$c_rps")
    read -r pm plo phi < <(stat "$s" "$c_pct")
    read -r sm _ _ < <(stat "$s" "$c_sps")
    codes=$(awk -F'\t' -v s="$s" -v a="$c_ok" -v b="$c_nx" 'NR > 1 && $1 == "max" && $2 == s && $3 == 1 {print $a " / " $b}' "$tsv")
    lat="–"
    if ((has_latency)); then
      lat=$(for c in "$c_p50" "$c_p90" "$c_p99" "$c_p999"; do stat "$s" "$c" | cut -d' ' -f1; done |
            awk '{v[NR] = ($1 == "nan" ? "–" : $1)} END {print v[1] " / " v[2] " / " v[3] " / " v[4]}')
    fi
    echo "| $(label "$s") | **$(k "$m")** ($(k "$lo")–$(k "$hi")) | $pm ($plo–$phi) | $(k "$sm") | $lat | $(limit "$s") | $codes |"
  done
  echo
  for m in ${MODES:-shared}; do
    sfx=""
    [[ $m == "${MODES%% *}" ]] || sfx="@$m"
    echo "Ratios of median replies/s, $m mode, same run: xgslb XDP ÷ ceiling **$(ratio xgslb-xdp$sfx echo$sfx)**;"
    echo "xgslb XDP ÷ Knot DNS XDP **$(ratio xgslb-xdp$sfx knot-xdp$sfx)**; xgslb slow path ÷ Knot DNS UDP **$(ratio xgslb-slow$sfx knot-udp$sfx)**;"
    echo "xgslb XDP ÷ NSD **$(ratio xgslb-xdp$sfx nsd$sfx)**."
    echo
  done
  if ((has_latency)); then
    echo "Latency: from the moment the generator's XDP program writes a query frame to the moment the XDP"
    echo "program on the client end sees its reply (matched by a sequence number in the DNS ID and source"
    echo "port), in a log-linear histogram (buckets ≤ 1/16 of their value wide; the bucket's upper bound is"
    echo "reported). It includes the generator's own batching (up to ${BATCH:-64} frames are written before the kernel"
    echo "sends them) and queueing behind earlier queries when a responder is saturated: the echo row is the"
    echo "harness's floor. At the maximum rate every row is saturated, so the sweep below is the fairer view."
  else
    echo "kxdpgun 3.2 measures no latency: run with the default generator (GENERATOR=xdp) for percentiles."
  fi
  echo "The limit: in split mode, the side whose CPU was ≥ 90 % busy with this row's work (thread CPU"
  echo "time of that side's NAPI kthread and processes, so other work on the machine is not counted;"
  echo "the client's CPU also counts when ≥ 95 % busy in all, as the generator's live-frames calls leave"
  echo "kernel work to a kworker there). \"server at 100 %\": 10^9 / the server side's CPU ns per query it took in,"
  echo "what the responder could answer with its CPU all busy (an estimate from below the limit);"
  echo "\"neither\" means frames were lost though no CPU was full (a veth ring holds 256 frames: a side"
  echo "that wakes late loses a burst; see the ring drops below). When a row answers ~100 % of what was"
  echo "sent, it kept up with what the generator offered."
  if [[ -s $prefix.profile.tsv ]]; then
    echo
    echo "## Where the CPU time went (maximum-rate runs, median over runs)"
    echo
    echo "Per CPU: busy % and softirq % of the run (\`/proc/stat\`; other work on the machine included)."
    echo "\`generator_cpu_ns_per_query\`: the generator process's CPU time per query sent (in shared mode the responder's"
    echo "XDP program and the reply counter run in its softirq, so for XDP rows this is the whole path; in split mode it is"
    echo "the sending alone); \`client_cpu_pct\` / \`server_cpu_pct\`: CPU time of each side's threads (generator and client NAPI"
    echo "kthread / server NAPI kthread and server processes) per second of sending, \`server_cpu_ns_per_query\` the server's"
    echo "per frame it took in (in split mode: what answering costs the responder's CPU, veth receive and transmit included);"
    echo "\`server_ring_drops\` / \`client_ring_drops\`: frames lost at a full veth ring (256 frames) of that end;"
    echo "\`server_napi_cpu\` / \`client_napi_cpu\`: the CPU each NAPI kthread last ran on (the split, checked; – in shared mode);"
    echo "\`udp_rcvbuf_drops\`: queries dropped because a kernel-stack server's socket buffer was full (an"
    echo "XDP-sent frame becomes an skb of a whole page, so a default 208 KiB buffer holds ~50);"
    echo "mean frame octets of queries and replies. With PROFILE=1 (kernel bpf_stats on, which adds its own"
    echo "~20–40 ns per program run): ns per run of the responder's XDP program and of the generator's two."
    echo
    awk -F'\t' 'NR > 1 && $1 == "max" && $5 !~ /_runs$/ {key = $2 SUBSEP $5; v[key] = v[key] " " $6; if (!($2 in seen)) {seen[$2]; order[++n] = $2}
                 if (!($5 in iseen)) {iseen[$5]; items[++m] = $5}}
         function median(list,   a, c, i, j, t) {c = split(list, a, " "); for (i = 1; i <= c; i++) for (j = i + 1; j <= c; j++) if (a[j] + 0 < a[i] + 0) {t = a[i]; a[i] = a[j]; a[j] = t}
                          return c ? (c % 2 ? a[(c + 1) / 2] : (a[c / 2] + a[c / 2 + 1]) / 2) : "–"}
         END {if (!n) exit; line = "| server |"; sep = "|---|"; for (j = 1; j <= m; j++) {line = line " " items[j] " |"; sep = sep "---:|"}
              print line; print sep
              for (i = 1; i <= n; i++) {line = "| " order[i] " |"; for (j = 1; j <= m; j++) {k = order[i] SUBSEP items[j]; line = line " " (k in v ? median(v[k]) : "–") " |"}; print line}}' \
      "$prefix.profile.tsv"
  fi
  if ((has_sweep)); then
    echo
    echo "## Answered % against offered load"
    echo
    echo "One run per point, ${DURATION} s each. Offered = the generator's \`-Q\`; sent/s is what it managed."
    echo
    echo "| server | offered q/s | sent/s | replies/s | answered % | p50 µs | p99 µs |"
    echo "|---|---:|---:|---:|---:|---:|---:|"
    awk -F'\t' -v p="$c_pct" -v r="$c_rps" -v sp="$c_sps" -v a="$c_p50" -v b="$c_p99" \
      'NR > 1 && $1 == "sweep" {print $2 "\t" $4 "\t" $sp "\t" $r "\t" $p "\t" $a "\t" $b}' "$tsv" |
      while IFS=$'\t' read -r s o sp r p a b; do echo "| $(label "$s") | $o | $sp | $r | $p | $a | $b |"; done
  fi
  echo
  echo "## Every run"
  echo
  echo "| kind | server | run | offered | sent | replies | replies/s | answered % | p50 / p99 / p99.9 µs | untimed replies |"
  echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"
  awk -F'\t' -v s="$c_sent" -v r="$c_rep" -v rps="$c_rps" -v p="$c_pct" -v a="$c_p50" -v b="$c_p99" -v c="$c_p999" -v u="$(col untimed)" \
    'NR > 1 && $1 == "max" {print "| " $1 " | " $2 " | " $3 " | " $4 " | " $s " | " $r " | " $rps " | " $p " | " $a " / " $b " / " $c " | " (u ? $u : "-") " |"}' "$tsv"
  echo
  echo "Untimed replies: not matched to a send time (later than the sequence number's wrap, 2^19 queries"
  echo "of one CPU, or duplicates); they are counted as replies but are not in the percentiles."
  echo
  if [[ -f ${prefix}_replies.png ]]; then echo "![replies/s per server](${base}_replies.png)"; fi
  if [[ -f ${prefix}_sweep.png ]]; then echo "![answered % against offered load](${base}_sweep.png)"; fi
  if [[ -f ${prefix}_latency.png ]]; then echo "![latency percentiles per server](${base}_latency.png)"; fi
  if [[ -f ${prefix}_sweep_latency.png ]]; then echo "![latency against offered load](${base}_sweep_latency.png)"; fi
} >"$md"
