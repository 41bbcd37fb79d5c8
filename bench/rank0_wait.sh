#!/usr/bin/env bash
# bench/rank0_wait.sh [RANKS...] - the rank-0 bound: for each rank count (default
# 2 16 64, oversubscribed when above the cores) runs a sweep of short tasks (16x16 images, one
# epoch: milliseconds) and one of long tasks (32x32, two convs, 4 epochs), and prints per run the
# wall time, rank 0's "ms per report served", the workers' wait for rank 0's reply (median, max)
# and rank 0's idle polls, as `seedsweep run` reports them. BIN=... picks the binary.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${BIN:-$ROOT/build/seedsweep}
ranks_list=${*:-2 16 64}
dir=$(mktemp -d /tmp/rank0-wait.XXXXXX)
trap 'rm -rf "$dir"' EXIT
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMP_WAIT_POLICY=passive
for p in fly1 fly2 fly3; do
    "$BIN" synth $p --out "$dir/s-$p.h5" --size 16 --count 24 >/dev/null
    "$BIN" synth $p --out "$dir/l-$p.h5" --size 32 --count 120 >/dev/null
done
job() {   # job NAME SIZE LAYERS EPOCHS PREFIX
    cat <<JOB
[sweep]
name = $1
seeds = 0-63
train = fly1 fly2
[datasets]
fly1 = $dir/$5-fly1.h5
fly2 = $dir/$5-fly2.h5
fly3 = $dir/$5-fly3.h5
[model]
input = $2x$2x1
layers = $3
[train]
epochs = $4
batch = 8
JOB
}
job short 16 "conv4 pool flatten dense8 dense2" 1 s >"$dir/short.ini"
job long 32 "conv8 pool conv8 pool flatten dense16 dense2" 4 l >"$dir/long.ini"
echo "kind ranks tasks wall_s ms_per_report_served busy_ms_per_report wait_median_ms wait_max_ms idle_polls idle_poll_ms"
for kind in short long; do
    for n in $ranks_list; do
        mpirun -n "$n" --oversubscribe --bind-to none --mca btl self,vader "$BIN" run "$dir/$kind.ini" \
            --out "$dir/$kind-$n.h5" --quiet >"$dir/log" 2>&1 || { echo "$kind $n: run failed: $(tail -2 "$dir/log")"; continue; }
        summary=$(grep "tasks in" "$dir/log"); waits=$(grep "workers waited" "$dir/log")
        echo "$kind $n $(sed -E 's/.*: ([0-9]+) tasks in ([0-9.]+) s wall.*, ([0-9.]+) ms per report served.*/\1 \2 \3/' <<<"$summary")" \
            "$(sed -E 's/.*median ([0-9.]+) ms, max ([0-9.]+) ms over .*rank 0: ([0-9.]+) ms per report served without its idle polls \(([0-9]+) polls finding none, ([0-9.]+) ms\)/\3 \1 \2 \4 \5/' <<<"$waits")"
    done
done
