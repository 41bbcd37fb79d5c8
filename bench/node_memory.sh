#!/usr/bin/env bash
# bench/node_memory.sh BIN RANKS... - the node's memory for the paper job (docs/cluster.md "Memory per node"):
# starts `mpirun -np R BIN run jobs/snap29-paper.ini` (one thread per rank, results in a scratch
# dir), waits until the ranks have loaded the data and trained for SETTLE seconds (default 8),
# sums PSS from /proc/PID/smaps_rollup over the ranks (PSS splits shared pages among the
# processes that map them, so the sum is what the node really holds), then stops the run.
# Needs `make paper-data`. Prints one line per rank count: ranks, sum of PSS, PSS per rank.
#   bench/node_memory.sh build/seedsweep 1 2 4 8
#   SEEDSWEEP_SHARE_DATA=0 bench/node_memory.sh build/seedsweep 1 2 4 8   (a copy per rank)
set -u
BIN=$(readlink -f "$1"); shift
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SETTLE=${SETTLE:-8}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
scratch=$(mktemp -d "${TMPDIR:-/tmp}/seedsweep-memory.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
cd "$ROOT" || exit 1
[ -s data/fly3.h5 ] || { echo "node_memory: run 'make paper-data' first" >&2; exit 2; }
printf '%-6s %-14s %s\n' ranks "PSS sum (MB)" "PSS per rank (MB)"
for R in "$@"; do
    log="$scratch/run$R.log"
    mpirun -np "$R" --oversubscribe --bind-to none "$BIN" run jobs/snap29-paper.ini --out "$scratch/r$R.h5" \
        --threads 1 --quiet >"$log" 2>&1 &
    mpirun_pid=$!
    for _ in $(seq 1 1200); do   # the opening line comes once every rank has its data (at most 120 s)
        grep -q ' tasks, ' "$log" && break
        kill -0 $mpirun_pid 2>/dev/null || break
        sleep 0.1
    done
    sleep "$SETTLE"
    total=0 each=""
    for p in $(pgrep -P $mpirun_pid); do
        tr '\0' '\n' <"/proc/$p/environ" 2>/dev/null | grep -q '^OMPI_COMM_WORLD_RANK=' || continue
        kb=$(awk '/^Pss:/ { print $2 }' "/proc/$p/smaps_rollup" 2>/dev/null)
        [ -n "$kb" ] || continue
        total=$((total + kb))
        each+=" $((kb / 1024))"
    done
    printf '%-6s %-14s %s\n' "$R" "$((total / 1024))" "$each"
    grep -h 'shared by\|own copy' "$log" | sed 's/^/       /'
    kill -TERM $mpirun_pid 2>/dev/null
    wait $mpirun_pid 2>/dev/null
done
