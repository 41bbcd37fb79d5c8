#!/usr/bin/env bash
# bench/slurm_array.sh - one MPI job against a job array of the same sweep, on the local Slurm
# (slurm/local-cluster.sh: one node, CPUs = this machine's cores; docs/cluster.md "One MPI job or a
# job array"). A sweep of TASKS tasks (default 16, about half a second each) runs as
#   mpi:   sbatch --ntasks=R slurm/seedsweep.sbatch                  (R = the node's CPUs)
#   array: sbatch --array=0-(R-1) --ntasks=1 slurm/seedsweep-array.sbatch, then a merge job (afterok)
# first on an idle cluster, then while another job holds one CPU for BUSY seconds (default 30).
# Prints, per case, seconds from sbatch to the first finished task and to the finished (merged) file.
# This is an emulation on one machine: Slurm's scheduling delays (sched_interval=5 here) and one node's
# CPUs, not a real cluster's queue.
#   bash bench/slurm_array.sh
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${SEEDSWEEP:-$ROOT/build/seedsweep}
BUSY=${BUSY:-30}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
exec 9>"${TMPDIR:-/tmp}/seedsweep-slurm-test.lock"   # the tests' lock: one local cluster per machine
flock -w 600 9 || { echo "slurm_array: the local cluster is busy" >&2; exit 1; }
was_up=0
bash "$ROOT/slurm/local-cluster.sh" status >/dev/null 2>&1 && was_up=1
[ $was_up = 1 ] || bash "$ROOT/slurm/local-cluster.sh" up >/dev/null 9>&- || exit 1
eval "$(bash "$ROOT/slurm/local-cluster.sh" env)"
T=$(mktemp -d "${TMPDIR:-/tmp}/seedsweep-array.XXXXXX")
trap '[ $was_up = 1 ] || bash "$ROOT/slurm/local-cluster.sh" down >/dev/null 2>&1; rm -rf "$T"' EXIT
cpus=$(nproc)
cp "$BIN" "$T/seedsweep"
"$T/seedsweep" synth fly1 --out "$T/a.h5" --size 64 --count 80 --seed 1 >/dev/null &&
"$T/seedsweep" synth fly3 --out "$T/b.h5" --size 64 --count 80 --seed 1 >/dev/null || exit 1
cat >"$T/job.ini" <<EOF
[sweep]
seeds  = 0-7
train  = a b
[datasets]
a = a.h5
b = b.h5
[model]
input  = 64x64x1
layers = conv8 pool conv16 pool conv16 pool flatten dense32 dense2
[train]
epochs = 6
batch  = 20
EOF
now() { date +%s.%N; }
state() { scontrol show job -o "$1" 2>/dev/null | tr ' ' '\n' | sed -n 's/^JobState=//p' | head -n 1; }
# measure NAME FIRST_GLOB DONE_JOB: waits for the first progress line in FIRST_GLOB and for DONE_JOB to end
measure() {
    local name=$1 glob=$2 done_job=$3 first="" s
    while :; do
        if [ -z "$first" ] && cat $glob 2>/dev/null | grep -q '^\[[0-9]*/'; then first=$(now); fi
        s=$(state "$done_job")
        case $s in COMPLETED | FAILED | CANCELLED | TIMEOUT) break ;; esac
        sleep 0.1
    done
    local end; end=$(now)
    printf '%-28s first task %5.1f s, done %5.1f s (%s)\n' "$name" "$(awk "BEGIN{print ${first:-$end} - $t0}")" "$(awk "BEGIN{print $end - $t0}")" "$s"
}
run_case() {   # run_case LABEL
    local label=$1 j a m
    rm -f "$T"/*.out "$T"/out*.h5
    t0=$(now)
    j=$(SEEDSWEEP="$T/seedsweep" sbatch --parsable --chdir="$T" --ntasks="$cpus" -o "$T/mpi.out" \
        "$ROOT/slurm/seedsweep.sbatch" job.ini --out out-mpi.h5)
    measure "$label: one MPI job ($cpus ranks)" "$T/mpi.out" "$j"
    t0=$(now)
    a=$(SEEDSWEEP="$T/seedsweep" SEEDSWEEP_SBATCH="$ROOT/slurm/seedsweep.sbatch" sbatch --parsable --chdir="$T" \
        --array=0-$((cpus - 1)) --ntasks=1 -o "$T/part-%a.out" "$ROOT/slurm/seedsweep-array.sbatch" job.ini --out out.h5)
    m=$(sbatch --parsable --chdir="$T" --dependency=afterok:"$a" -o "$T/merge.out" \
        --wrap "$T/seedsweep merge --out out-merged.h5 out.part-*-of-$cpus.h5")
    measure "$label: array of $cpus + merge" "$T/part-*.out" "$m"
}
echo "slurm_array: $("$T/seedsweep" --version | head -n 1); 16 tasks; one node, $cpus CPUs; BLAS ${OPENBLAS_CORETYPE:-auto}"
run_case idle
# busy: one CPU held by another job; the MPI job needs all CPUs at once, an array element needs one
blocker() { sbatch --parsable --ntasks=1 -o /dev/null --wrap "sleep $BUSY"; }
b=$(blocker); while [ "$(state "$b")" != RUNNING ]; do sleep 0.2; done
rm -f "$T"/*.out "$T"/out*.h5
t0=$(now)
j=$(SEEDSWEEP="$T/seedsweep" sbatch --parsable --chdir="$T" --ntasks="$cpus" -o "$T/mpi.out" \
    "$ROOT/slurm/seedsweep.sbatch" job.ini --out out-mpi.h5)
measure "busy ${BUSY}s: one MPI job" "$T/mpi.out" "$j"
b=$(blocker); while [ "$(state "$b")" != RUNNING ]; do sleep 0.2; done
t0=$(now)
a=$(SEEDSWEEP="$T/seedsweep" SEEDSWEEP_SBATCH="$ROOT/slurm/seedsweep.sbatch" sbatch --parsable --chdir="$T" \
    --array=0-$((cpus - 1)) --ntasks=1 -o "$T/part-%a.out" "$ROOT/slurm/seedsweep-array.sbatch" job.ini --out out.h5)
m=$(sbatch --parsable --chdir="$T" --dependency=afterok:"$a" -o "$T/merge.out" \
    --wrap "$T/seedsweep merge --out out-merged.h5 out.part-*-of-$cpus.h5")
measure "busy ${BUSY}s: array + merge" "$T/part-*.out" "$m"
