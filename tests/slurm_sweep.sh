#!/usr/bin/env bash
# slurm_sweep.sh - seedsweep under the local Slurm, end to end: a 2-rank sweep submitted with
# slurm/seedsweep.sbatch finishes every task; the same sweep requeued midway (`scontrol requeue`, as
# preemption does) and warned of its time limit midway (SIGUSR1 to the batch shell, as --signal=B:USR1@N
# does; the script requeues itself) both resume by themselves and end with arrays identical to the
# uninterrupted run's (all but task_seconds, task_rank, task_host, task_blas and /hosts, which record where
# and how long a task ran),
# and the tasks in flight at the stop resume from their checkpoints (no finished epoch lost).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/slurm_lib.sh"

if ! out=$("$SEEDSWEEP" run --help 2>&1); then
    fail "slurm_sweep: $SEEDSWEEP run --help fails: $(echo "$out" | tail -n 2)"; finish
fi
if ! "$PY" -c 'import h5py, numpy' 2>/dev/null; then skip "slurm_sweep: $PY lacks h5py/numpy"; finish; fi
slurm_up slurm_sweep || finish

T=$(tmpdir)
cleanup() { slurm_down; rm -rf "$T"; }
trap cleanup EXIT

# A private copy of the binary: every run of this test must use the same code, even if `make` rebuilds
# build/seedsweep meanwhile (comparing arrays across a rebuild would compare two programs).
cp "$SEEDSWEEP" "$T/seedsweep" && SEEDSWEEP=$T/seedsweep

# 16 tasks of about half a second each: long enough to interrupt midway, short enough for the test budget.
"$SEEDSWEEP" synth fly1 --out "$T/a.h5" --size 64 --count 80 --seed 1 >/dev/null &&
"$SEEDSWEEP" synth fly3 --out "$T/b.h5" --size 64 --count 80 --seed 1 >/dev/null ||
    { fail "slurm_sweep: seedsweep synth failed"; finish; }
cat >"$T/job.ini" <<EOF
[sweep]
name   = slurm-test
output = results.h5
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
TASKS=16

# done_count FILE: "DONE TOTAL" tasks of a results file, read while the sweep may be writing it
done_count() {
    HDF5_USE_FILE_LOCKING=FALSE "$PY" - "$1" 2>/dev/null <<'EOF'
import sys, h5py
with h5py.File(sys.argv[1], "r") as f:
    s = f["task_status"][()]
    print(int((s != 0).sum()), s.size)
EOF
}
# check_results FILE [REFERENCE]: every task done, run with 2 ranks; arrays equal to REFERENCE's
check_results() {
    HDF5_USE_FILE_LOCKING=FALSE "$PY" - "$@" <<'EOF'
import sys, h5py, numpy as np
def arrays(f):
    out = {}
    f.visititems(lambda name, obj: out.__setitem__(name, obj[()]) if isinstance(obj, h5py.Dataset) else None)
    return out
with h5py.File(sys.argv[1], "r") as f:
    got = arrays(f)
    ranks = f.attrs.get("ranks")
status = got["task_status"]
if status.size != 16 or (status == 0).any():
    sys.exit(f"task_status {status.tolist()}: expected 16 tasks, none pending")
if ranks is not None and int(ranks) != 2:
    sys.exit(f"attribute ranks = {ranks}, expected 2")
if len(sys.argv) > 2:
    with h5py.File(sys.argv[2], "r") as f:
        want = arrays(f)
    if set(got) != set(want):
        sys.exit(f"arrays differ: {sorted(set(got) ^ set(want))}")
    differ = []
    for name in sorted(want):
        # where and how long a task ran, and the table of each run's hosts (a resumed run adds its rows)
        if name in ("task_seconds", "task_rank", "task_host", "task_blas") or name.startswith("hosts/"):
            continue
        a, b = got[name], want[name]
        same = a.shape == b.shape and (np.array_equal(a, b, equal_nan=True) if a.dtype.kind == "f" else np.array_equal(a, b))
        if not same:
            differ.append(name)
    if differ:
        sys.exit(f"differs from the uninterrupted run: {', '.join(differ)}")
    print(f"{len(want) - len([n for n in want if n.startswith(('task_seconds', 'task_rank', 'task_host', 'task_blas', 'hosts/'))])} arrays identical to the uninterrupted run")
EOF
}
submit() {   # submit OUT: job id
    SEEDSWEEP="$SEEDSWEEP" sbatch --parsable --chdir="$T" --ntasks=2 --cpus-per-task=1 -o "$T/$1.out" \
        "$ROOT/slurm/seedsweep.sbatch" job.ini --out "$1.h5"
}
show_job() { echo "--- job $1 output:"; cat "$T/$2.out" 2>/dev/null | tail -n 40; }

# 1. End to end.
t0=$SECONDS
job=$(submit e2e)
state=$(job_wait_done "$job" 120)
exitcode=$(job_field "$job" ExitCode)
if [ "$state" = COMPLETED ] && [ "$exitcode" = 0:0 ] && why=$(check_results "$T/e2e.h5" 2>&1); then
    pass "slurm_sweep_job ($TASKS tasks, 2 ranks, $((SECONDS - t0)) s from sbatch to done)"
else
    fail "slurm_sweep_job: job $job $state exit $exitcode: ${why:-}"; show_job "$job" e2e
    finish
fi

# interrupt_midway NAME HOW: submit, wait until 2+ tasks are done, interrupt with HOW, expect a restart
# that finishes the sweep with the reference's arrays
interrupt_midway() {
    local name=$1 how=$2 job n total state restarts why t0=$SECONDS
    job=$(submit "$name")
    for i in $(seq 480); do
        read -r n total < <(done_count "$T/$name.h5" || echo "0 0")
        [ "${n:-0}" -ge 2 ] && break
        job_ended "$job" && break
        sleep 0.25
    done
    if [ "${n:-0}" -ge "$TASKS" ] || [ "${n:-0}" -lt 2 ]; then
        fail "$name: could not interrupt midway ($n of $TASKS tasks done, job $(job_field "$job" JobState))"
        show_job "$job" "$name"; return
    fi
    case $how in
        requeue) scontrol requeue "$job" ;;
        usr1) scancel --batch --signal=USR1 "$job" ;;
    esac
    state=$(job_wait_done "$job" 150)
    restarts=$(job_field "$job" Restarts)
    if [ "$state" = COMPLETED ] && [ "$restarts" = 1 ] && why=$(check_results "$T/$name.h5" "$T/e2e.h5" 2>&1); then
        pass "$name (interrupted at $n/$TASKS done, resumed, $why; $((SECONDS - t0)) s)"
    else
        fail "$name: job $job $state, restarts $restarts: ${why:-}"; show_job "$job" "$name"
    fi
    # checkpoints: the stop saved the tasks in flight at their next mini-batch, the rerun
    # continued them where they were (no finished epoch, nor batch, redone), then removed the checkpoints
    local resumed
    resumed=$(grep -c "resumed at epoch\|resumed after training" "$T/$name.out" 2>/dev/null)
    if [ "${resumed:-0}" -ge 1 ] && ! grep -q "checkpoint not trusted\|checkpoint not saved" "$T/$name.out" &&
        [ ! -e "$T/$name.h5.ckpt" ]; then
        pass "$name: no finished epoch lost ($resumed tasks in flight resumed from their checkpoints)"
    else
        fail "$name: tasks in flight not resumed from checkpoints ($resumed resumed lines; checkpoint dir $(ls "$T/$name.h5.ckpt" 2>&1 | tr '\n' ' '))"
        show_job "$job" "$name"
    fi
}
# 2. Preemption or an admin: Slurm sends SIGTERM and requeues the job.
interrupt_midway slurm_sweep_requeue requeue
# 3. The time-limit warning: the batch script forwards SIGUSR1 and requeues its own job.
interrupt_midway slurm_sweep_timelimit usr1
finish
