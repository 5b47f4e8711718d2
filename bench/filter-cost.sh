#!/usr/bin/env bash
# What a display filter costs: `peel frames` (release build) on a large capture with and without
# `-Y`, several runs each, medians and the overhead in percent. The budget (issue 6) is 10%.
#
#   bench/filter-cost.sh [CAPTURE]
#
# Three runs are compared, each writing its lines to /dev/null:
#   none     peel frames CAPTURE
#   typical  peel frames -Y "$FILTER" CAPTURE             (what a user types; prints fewer lines)
#   all      peel frames -Y "($FILTER) || frame" CAPTURE  (the filter evaluated on every frame,
#            then every frame printed: the same output as `none`, so the difference is the
#            filter's own cost; this one is held to the budget)
#
# Measured: CPU time (user + system; median of RUNS interleaved runs, and the median ratio of
# neighbouring runs), and, when valgrind is installed, instructions executed (callgrind; exact
# and repeatable however busy the machine is). The verdict uses instructions when they were
# counted (INSTRUCTIONS=0 skips them), else the time ratio.
#
# Environment: RUNS (default 7), FILTER (default: a SIP-over-TLS filter for the bulk capture),
# CARGO_TARGET_DIR (default: target). Without CAPTURE, the bulk capture at
# /work/bench-data/bulk200/bulk.pcap is used, and made first when missing (needs root:
# shared/tools/mkcaptures captures on a private network namespace's loopback).
# Exit status 1 when the `all` overhead is over 10%.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
runs=${RUNS:-7}
filter=${FILTER:-'ip.addr == 127.0.0.1 && tcp.port == 5070 && tls.record.content_type == 23'}
target=${CARGO_TARGET_DIR:-$here/target}
capture=${1:-}

if [[ -z $capture ]]; then
    dir=/work/bench-data/bulk200
    capture=$dir/bulk.pcap
    if [[ ! -f $capture ]]; then
        tools=$here/../shared/tools
        keys=$here/../shared/corpus/generated
        echo "making $capture (200 MB of TLS traffic; takes about a minute)" >&2
        if [[ $(id -u) -ne 0 ]]; then
            echo "mkcaptures needs root; run: sudo $tools/mkcaptures --bulk 200 --keys $keys $dir" >&2
            exit 2
        fi
        mkdir -p "$dir"
        "$tools/mkcaptures" --bulk 200 --keys "$keys" "$dir"
    fi
fi
[[ -f $capture ]] || { echo "no capture at $capture" >&2; exit 2; }

(cd "$here" && cargo build --release -q -p peel-cli)
peel=$target/release/peel

# CPU milliseconds (user + system) of one run of peel with the given arguments, output to
# /dev/null. CPU time rather than wall time: the machine is shared, and waiting for a core is not
# the filter's cost.
time_ms() {
    local out
    out=$( { TIMEFORMAT='%3U %3S'; time "$peel" frames "$@" "$capture" >/dev/null; } 2>&1 )
    awk -v t="$out" 'BEGIN {split(t, a, " "); printf "%d\n", (a[1] + a[2]) * 1000}'
}

median() { sort -n | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : int((v[NR / 2] + v[NR / 2 + 1]) / 2)}'; }

frames=$("$peel" frames --json "$capture" | wc -l)
shown=$("$peel" frames --json -Y "$filter" "$capture" | wc -l)
echo "capture: $capture ($frames frames, $(du -h "$capture" | cut -f1))"
echo "filter:  $filter ($shown frames displayed)"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "runs:    $runs of each, interleaved, after one warm-up run (file in the page cache)"

time_ms >/dev/null
none=() typical=() all=() ratio=()
for _ in $(seq "$runs"); do
    n=$(time_ms)
    t=$(time_ms -Y "$filter")
    a=$(time_ms -Y "($filter) || frame")
    none+=("$n") typical+=("$t") all+=("$a")
    # Runs next to each other share the machine's state: their ratio is steadier than the
    # ratio of medians when other work comes and goes.
    ratio+=("$(awk -v a="$a" -v b="$n" 'BEGIN {printf "%.4f", a / b}')")
done
m_none=$(printf '%s\n' "${none[@]}" | median)
m_typical=$(printf '%s\n' "${typical[@]}" | median)
m_all=$(printf '%s\n' "${all[@]}" | median)
min() { sort -n | head -1; }
pct() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%+.1f%%", (a - b) * 100 / b}'; }
echo "CPU time (user + system), median of $runs runs:"
printf '  %-8s %6s ms  (fastest %s; runs: %s)\n' none "$m_none" "$(printf '%s\n' "${none[@]}" | min)" "${none[*]}"
printf '  %-8s %6s ms  %s  (fastest %s; runs: %s)\n' typical "$m_typical" "$(pct "$m_typical" "$m_none")" "$(printf '%s\n' "${typical[@]}" | min)" "${typical[*]}"
printf '  %-8s %6s ms  %s  (fastest %s; runs: %s)\n' all "$m_all" "$(pct "$m_all" "$m_none")" "$(printf '%s\n' "${all[@]}" | min)" "${all[*]}"
pair=$(printf '%s\n' "${ratio[@]}" | sort -n | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}')
time_pct=$(awk -v r="$pair" 'BEGIN {printf "%+.1f", (r - 1) * 100}')
echo "  all / none, median of the $runs run pairs: ${time_pct}%"

# Instructions executed (valgrind's callgrind): the same on a busy machine as on an idle one.
verdict=$time_pct
if [[ ${INSTRUCTIONS:-1} != 0 ]] && command -v valgrind >/dev/null; then
    count() {
        local log
        log=$(mktemp)
        valgrind --tool=callgrind --callgrind-out-file=/dev/null "$peel" frames "$@" "$capture" \
            >/dev/null 2>"$log"
        awk '/Collected :/ {print $NF}' "$log"
        rm -f "$log"
    }
    i_none=$(count)
    i_all=$(count -Y "($filter) || frame")
    verdict=$(awk -v a="$i_all" -v b="$i_none" 'BEGIN {printf "%+.1f", (a - b) * 100 / b}')
    echo "Instructions (callgrind):"
    echo "  none     $i_none"
    echo "  all      $i_all  ${verdict}%"
fi
if awk -v v="$verdict" 'BEGIN {exit !(v > 10)}'; then
    echo "over budget: the filter costs ${verdict}% over peel frames without one (budget 10%)"
    exit 1
fi
echo "within budget: the filter costs ${verdict}% over peel frames without one (budget 10%)"
