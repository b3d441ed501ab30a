#!/usr/bin/env bash
# Turns bench/run_throughput.sh's measurements (a TSV, and PREFIX.profile.tsv when present) into
# PREFIX.md and plots: PREFIX_replies.png, PREFIX_sweep.png (answered %), and where the generator
# timed replies PREFIX_latency.png (percentiles per server) and PREFIX_sweep_latency.png (p50 and
# p99 against offered load). Medians and min–max over the repetitions; ratios only between
# servers measured in the same run.
#
#   bench/throughput_report.sh TSV PREFIX   (env: LOAD_BEFORE LOAD_AFTER DURATION RUNS RATE COMMAND SMOKE GENERATOR MODES
#                                          IDLE_POLL GEN_SCHED PACING PACE_FRAMES CATCH_UP BATCH KNEE_PCT KNEE_STEPS KNEE_RUNS)
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
# losses SERVER: "lost server_ring socket client_ring other" as % of the queries sent, medians
# over SERVER's max-rate runs: where the unanswered queries went (bench/lib/run_profile.sh).
losses() {
  [[ -s $prefix.profile.tsv ]] || { echo "nan nan nan nan nan"; return; }
  awk -F'\t' -v s="$1" -v cs="$c_sent" -v cr="$c_rep" '
    FNR == 1 {file++; next}
    file == 1 && $1 == "max" && $2 == s {sent[$3] = $cs; lost[$3] = $cs - $cr}
    file == 2 && $1 == "max" && $2 == s && $5 == "server_ring_drops" {ring[$3] = $6}
    file == 2 && $1 == "max" && $2 == s && $5 == "udp_rcvbuf_drops" {sock[$3] = $6}
    file == 2 && $1 == "max" && $2 == s && $5 == "client_ring_drops" {back[$3] = $6}
    function med(list,   a, c, i, j, t) {c = split(list, a, " "); for (i = 1; i <= c; i++) for (j = i + 1; j <= c; j++) if (a[j] + 0 < a[i] + 0) {t = a[i]; a[i] = a[j]; a[j] = t}
                                        return c ? (c % 2 ? a[(c + 1) / 2] : (a[c / 2] + a[c / 2 + 1]) / 2) : "nan"}
    END {
      for (r in sent) if (sent[r] > 0) {
        o = lost[r] - ring[r] - sock[r] - back[r]
        L = L " " 100 * lost[r] / sent[r]; R = R " " 100 * ring[r] / sent[r]; S = S " " 100 * sock[r] / sent[r]
        B = B " " 100 * back[r] / sent[r]; O = O " " 100 * (o > 0 ? o : 0) / sent[r]
      }
      print med(L), med(R), med(S), med(B), med(O)
    }' "$tsv" "$prefix.profile.tsv"
}
# Which side limited a max-rate row, from where its unanswered queries were lost and how busy
# each side's threads were: all answered: the generator (the responder kept up with what it
# sent); a server CPU >= 90 % busy: the responder; else the largest loss names it: the server
# end's ring (its NAPI kthread ran too late to take the frames: on this PREEMPT_NONE kernel a
# woken thread waits for the running kernel code to yield), the server's socket buffer (its
# processes too slow or too late), the reply ring at the client, or elsewhere in the server
# (e.g. Knot DNS's AF_XDP ring). Shared mode: one serial path, losses only.
limit() {
  local sc cc ns shared=0 lost ring sock back other
  [[ $1 == *@shared || ${MODES%% *} == shared ]] && shared=1
  sc=$(pmed "$1" server_cpu_pct) cc=$(pmed "$1" client_cpu_pct) ns=$(pmed "$1" server_cpu_ns_per_query)
  local cb
  cb=$(pmed "$1" "cpu${SPLIT_SERVER_CPU:-1}_busy_pct")
  read -r lost ring sock back other < <(losses "$1")
  awk -v sh="$shared" -v s="$sc" -v c="$cc" -v ns="$ns" -v cb="$cb" -v L="$lost" -v R="$ring" -v S="$sock" -v B="$back" -v O="$other" 'BEGIN {
    if (L == "nan") {print "–"; exit}
    where = sprintf("lost %.1f %%: server ring %.1f, socket %.1f, reply ring %.1f, other %.1f", L, R, S, B, O)
    if (sh) {printf "one serial path; %s\n", where; exit}
    if (s == "nan") {print where; exit}
    cap = (ns != "nan" && ns > 0) ? sprintf("; server CPU %d %%, %.0f ns/query (all busy: ~%.0fk q/s); client %d %%", s, ns, 1e6 / ns, c) : ""
    if (cap != "" && cb != "nan") cap = cap sprintf("; the server'"'"'s CPU %d %% busy, other work included", cb)
    if (L <= 0.1) v = "**generator** (all answered)"
    else if (s >= 90) v = "**responder** (its CPU)"
    else if (R >= S && R >= B && R >= O) v = "**server woken late** (ring)"
    else if (S >= B && S >= O) v = "**server** (socket buffer)"
    else if (B >= O) v = "**reply counter** (client ring)"
    else v = "**server** (dropped inside)"
    printf "%s; %s%s\n", v, where, cap}'
}
# knee_steps: one line per step of run_throughput.sh's knee_search (knee rows, run "STEP.N"):
# "server step offered runs median_sent_per_s median_replies_per_s median_answered_% passed"
# (passed 1 when the median of its runs reached KNEE_PCT), in the order they ran.
knee_steps() {
  awk -F'\t' -v t="${KNEE_PCT:-99.9}" -v sp="$c_sps" -v r="$c_rps" -v p="$c_pct" '
    function med(list,   n, a, i, j, x) {n = split(list, a, " ")
      for (i = 2; i <= n; i++) {x = a[i]; for (j = i - 1; j >= 1 && a[j] + 0 > x + 0; j--) a[j + 1] = a[j]; a[j + 1] = x}
      return a[int((n + 1) / 2)]}
    NR > 1 && $1 == "knee" {split($3, st, "."); key = $2 " " st[1]
      if (!(key in off)) {order[++k] = key; off[key] = $4}
      n[key]++; S[key] = S[key] " " $sp; R[key] = R[key] " " $r; P[key] = P[key] " " $p}
    END {for (i = 1; i <= k; i++) {key = order[i]; m = med(P[key])
      print key, off[key], n[key], med(S[key]), med(R[key]), m, (m + 0 >= t + 0)}}' "$tsv"
}
# full SERVER: "offered sent_per_s replies_per_s answered_% flat_out" of SERVER's step with the
# highest replies/s (medians) among its knee steps that passed (single sweep runs do not count:
# one run may pass by luck), flat_out 1 when that was the generator at its maximum (RATE offered);
# "nan" when none passed.
full() {
  knee_steps | awk -v s="$1" -v top="$RATE" '$1 == s && $8 == 1 && $6 + 0 > best + 0 {best = $6; line = $3 " " $5 " " $6 " " $7 " " ($3 == top)}
    END {print (line == "" ? "nan" : line)}'
}
# full_cell SERVER: the table's cell for full.
full_cell() {
  local o sp r p top
  read -r o sp r p top < <(full "$1")
  if [[ $o == nan ]]; then
    awk -F'\t' -v s="$1" 'NR > 1 && $1 == "knee" && $2 == s {n++; if (low == "" || $4 < low) low = $4}
      END {if (n) printf "none (tried down to %.0fk)", low / 1000; else print "–"}' "$tsv"
  elif ((top)); then echo "**$(k "$r")** (generator flat out)"
  else echo "**$(k "$r")** (offered $(k "$o"))"; fi
}
# full_ratio A B: replies/s of A over B at the full criterion.
full_ratio() {
  local a b
  a=$(full "$1" | awk '{print $3}') b=$(full "$2" | awk '{print $3}')
  [[ -z $a || -z $b || $a == nan || $b == nan ]] && { echo "n/a"; return; }
  awk -v a="$a" -v b="$b" 'BEGIN {printf "%.2f", a / b}'
}
has_full=$(awk -F'\t' 'NR > 1 && $1 == "knee" {f=1} END {print f ? 1 : 0}' "$tsv")
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
  echo "  on CPU ${SPLIT_CLIENT_CPU:-0}; NAPI kthreads SCHED_FIFO 50, the generator $( [[ ${GEN_SCHED:-nice} == fifo ]] && echo "nice -20 flat out and SCHED_FIFO 10 paced (GEN_SCHED=fifo)" || echo "nice -20"),"
  echo "  the servers' processes nice -20. **shared** (rows \"…, shared CPU\" when"
  echo "  both ran): one serial path in the generator's thread, so a row's rate is 1 / (generator + veth + responder + counter"
  echo "  cost per query) and \"÷ ceiling\" compares per-query costs, not whether a responder keeps up."
  if ((${IDLE_POLL:-0})); then
    echo "- Idle CPUs polled (IDLE_POLL=1, \`bench/lib/idle_poll.sh\`; IDLE_POLL=0 turns it off): a SCHED_IDLE process spins on"
    echo "  each CPU of the run, for every server alike, so no CPU halts when idle. This VM has no cpuidle driver: an idle"
    echo "  CPU executes HLT, and a halted vCPU of this nested VM wakes late, so the server's NAPI kthread ran late and its"
    echo "  256-frame veth ring overflowed while its CPU was mostly idle. A real NIC's interrupt does not wait for a halted"
    echo "  vCPU, and keeping CPUs out of deep idle (idle=poll, busy polling) is standard low-latency tuning. Any other task"
    echo "  preempts the spinner at once; its CPU time is counted as idle (not in busy %, nor in either side's CPU)."
  else
    echo "- Idle CPUs halt (IDLE_POLL=0): a woken NAPI kthread may wait for its vCPU to wake (\`bench/lib/idle_poll.sh\`)."
  fi
  if [[ $GENERATOR == xdp ]]; then
    if [[ ${PACING:-frames} == frames ]]; then
      echo "- Pacing (PACING=frames): below its maximum the generator's program sends each frame when it is due, inside"
      echo "  live-frames calls of ~20 ms run back to back: a repetition with no frame due drops its page (recycled, nothing"
      echo "  sent), so frames leave one by one at the offered rate (the kernel flushes them at the end of each batch of"
      echo "  ${BATCH:-64} repetitions, a few µs), not in bursts of rate / 1000 at the generator's full speed. Fallen behind"
      echo "  (other work on its CPU), it sends at most ${CATCH_UP:-256} overdue frames at once (CATCH_UP) and skips older ones."
      echo "  Flat out (offered $RATE) calls are as large as it can make. Its CPU is busy for the whole run at any rate."
    else
      echo "- Pacing (PACING=calls): below its maximum the generator sends a live-frames call of ${PACE_FRAMES:-128} frames whenever they are due"
      echo "  (PACE_FRAMES), or of rate / 1000 frames above 128k q/s (each call holds a kernel memory-model ID for a while: more"
      echo "  calls a second ran out of them); fallen behind (other work on its CPU), at most max(${CATCH_UP:-256}, two calls) at once"
      echo "  (CATCH_UP), skipping older ones. Flat out (offered $RATE) calls are as large as it can make."
    fi
    echo "  \`$(basename "$prefix").generator.log\`: the generator's output per run (calls, the largest, refused calls)."
  fi
  echo
  full_head="" full_sep=""
  if ((has_full)); then full_head=" replies/s with ≥ ${KNEE_PCT:-99.9} % answered, highest |" full_sep="---:|"; fi
  echo "| server | replies/s, median (min–max) | answered %, median (min–max) |$full_head queries sent/s, median | latency µs p50 / p90 / p99 / p99.9, median | the limit; where queries were lost; CPU per side (medians) | NOERROR / NXDOMAIN (run 1) |"
  echo "|---|---:|---:|$full_sep---:|---:|---|---:|"
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
    fc=""
    if ((has_full)); then fc=" $(if [[ $s == *@* ]]; then echo –; else full_cell "$s"; fi) |"; fi
    echo "| $(label "$s") | **$(k "$m")** ($(k "$lo")–$(k "$hi")) | $pm ($plo–$phi) |$fc $(k "$sm") | $lat | $(limit "$s") | $codes |"
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
  if ((has_full)); then
    echo "Ratios at the highest rate with ≥ ${KNEE_PCT:-99.9} % answered, ${MODES%% *} mode, same run: xgslb XDP ÷ ceiling"
    echo "**$(full_ratio xgslb-xdp echo)**; xgslb XDP ÷ Knot DNS XDP **$(full_ratio xgslb-xdp knot-xdp)**; xgslb slow path ÷ Knot DNS UDP"
    echo "**$(full_ratio xgslb-slow knot-udp)** (a ratio is n/a when one of the two answered less than that at every rate tried)."
    echo
  fi
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
  echo "The limit (split mode): **generator** when ≥ 99.9 % was answered (the responder kept up with all"
  echo "it was sent); **responder** when the server side's threads (its NAPI kthread, where an XDP responder"
  echo "runs, and its processes) were ≥ 90 % busy; otherwise where most unanswered queries were lost, as %"
  echo "of those sent: the server end's veth ring (256 frames; its NAPI kthread ran too late to take them:"
  echo "on this PREEMPT_NONE kernel a woken thread waits until the kernel code running on its CPU yields,"
  echo "e.g. other work's BPF verifier or test runs), the server's socket buffer, the client's reply ring, or"
  echo "inside the server (e.g. Knot DNS's AF_XDP ring). \"all busy\": 10^9 / the server side's CPU ns per"
  echo "query it took in (veth receive and transmit included), what its CPU could answer if fully busy."
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
    echo "\`server_threads_cpus\`: the CPUs the server's threads may run on (in split mode the harness pins them all to the"
    echo "server CPU once the server answers: Knot DNS pins its own UDP workers, one of them to the generator's CPU);"
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
    echo "One run per point, ${DURATION} s each, in ${MODES%% *} mode. Offered = the generator's \`-Q\`; sent/s is what it managed."
    echo
    echo "| server | offered q/s | sent/s | replies/s | answered % | p50 µs | p99 µs |"
    echo "|---|---:|---:|---:|---:|---:|---:|"
    awk -F'\t' -v p="$c_pct" -v r="$c_rps" -v sp="$c_sps" -v a="$c_p50" -v b="$c_p99" \
      'NR > 1 && $1 == "sweep" {print $2 "\t" $4 "\t" $sp "\t" $r "\t" $p "\t" $a "\t" $b}' "$tsv" |
      while IFS=$'\t' read -r s o sp r p a b; do echo "| $(label "$s") | $o | $sp | $r | $p | $a | $b |"; done
  fi
  if ((has_full)); then
    echo
    echo "## The highest rate answered in full"
    echo
    echo "Per server, in ${MODES%% *} mode, after its sweep: the highest offered rate with ≥ ${KNEE_PCT:-99.9} % of the queries sent"
    echo "answered. **Rule:** a step is up to ${KNEE_RUNS:-1} runs of ${DURATION} s at one rate and passes when the median of its"
    echo "runs' answered % reaches ${KNEE_PCT:-99.9} (it stops once a majority agrees: two of three), so one run stalled by"
    echo "other work on this shared machine does not decide it; only steps that passed count. Bracketed by the sweep (one"
    echo "run per rate: the highest rate that passed, the lowest above it that failed; if none failed, the generator flat"
    echo "out at $RATE offered: if that passes, the generator is the limit), the lower bracket checked first as a step"
    echo "(failing: the next lower rate of the sweep that passed), then bisected geometrically; at most ${KNEE_STEPS:-5} steps."
    echo "Every step (medians of its runs; the runs are under \"Every run\"):"
    echo
    echo "| server | step | offered q/s | runs | sent/s | replies/s | answered % | passed |"
    echo "|---|---:|---:|---:|---:|---:|---:|---|"
    knee_steps | while read -r s st o n sp r p ok; do
      echo "| $(label "$s") | $st | $o | $n | $sp | $r | $p | $( ((ok)) && echo yes || echo no) |"
    done
  fi
  echo
  echo "## Every run"
  echo
  echo "| kind | server | run | offered | sent | replies | replies/s | answered % | p50 / p99 / p99.9 µs | untimed replies |"
  echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"
  awk -F'\t' -v s="$c_sent" -v r="$c_rep" -v rps="$c_rps" -v p="$c_pct" -v a="$c_p50" -v b="$c_p99" -v c="$c_p999" -v u="$(col untimed)" \
    'NR > 1 && ($1 == "max" || $1 == "knee") {print "| " $1 " | " $2 " | " $3 " | " $4 " | " $s " | " $r " | " $rps " | " $p " | " $a " / " $b " / " $c " | " (u ? $u : "-") " |"}' "$tsv"
  echo
  echo "Untimed replies: not matched to a send time (later than the sequence number's wrap, 2^19 queries"
  echo "of one CPU, or duplicates); they are counted as replies but are not in the percentiles."
  echo
  if [[ -f ${prefix}_replies.png ]]; then echo "![replies/s per server](${base}_replies.png)"; fi
  if [[ -f ${prefix}_sweep.png ]]; then echo "![answered % against offered load](${base}_sweep.png)"; fi
  if [[ -f ${prefix}_latency.png ]]; then echo "![latency percentiles per server](${base}_latency.png)"; fi
  if [[ -f ${prefix}_sweep_latency.png ]]; then echo "![latency against offered load](${base}_sweep_latency.png)"; fi
} >"$md"
