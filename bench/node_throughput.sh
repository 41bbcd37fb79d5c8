#!/usr/bin/env bash
# bench/node_throughput.sh - does training throughput per node scale with the cores? `seedsweep bench`
# (the paper's network, 1 thread) alone, then N copies at once (one per core), REPS rounds interleaved
# so both see the same machine; prints the medians and each parallel copy's rate relative to alone.
#   REPS=5 SECONDS_PER_RUN=8 COPIES=2 bash bench/node_throughput.sh
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${BIN:-$ROOT/${BUILD:-build}/seedsweep}
REPS=${REPS:-3}
SECS=${SECONDS_PER_RUN:-8}
COPIES=${COPIES:-$(nproc)}
unset OPENBLAS_CORETYPE
export OMP_WAIT_POLICY=passive
median() { sort -g | awk '{v[NR]=$1} END {if (NR==0) print "nan"; else if (NR%2) print v[(NR+1)/2]; else print (v[NR/2]+v[NR/2+1])/2}'; }
value() { awk -v k="$1" '$1==k {print $2}'; }
"$BIN" bench --seconds 0.3 | head -1
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
alone=() par=()
for r in $(seq "$REPS"); do
    alone+=("$("$BIN" bench --threads 1 --seconds "$SECS" | value images_per_s)")
    for c in $(seq "$COPIES"); do taskset -c $((c - 1)) "$BIN" bench --threads 1 --seconds "$SECS" >"$tmp/$c" & done
    wait
    for c in $(seq "$COPIES"); do par+=("$(value images_per_s <"$tmp/$c")"); done
done
a=$(printf '%s\n' "${alone[@]}" | median); p=$(printf '%s\n' "${par[@]}" | median)
echo "alone: median $a img/s (runs: ${alone[*]})"
echo "$COPIES at once: median $p img/s per copy (runs: ${par[*]})"
awk -v a="$a" -v p="$p" -v n="$COPIES" 'BEGIN {printf "per copy %.2fx of alone; node %.1f img/s = %.2fx one copy\n", p / a, n * p, n * p / a}'
echo "($(uptime | sed 's/.*load/load/'))"
