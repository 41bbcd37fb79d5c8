#!/usr/bin/env bash
# sweep_resume.sh - SIGTERM (to every rank, as Slurm sends it) and SIGUSR1 (to mpirun, which
# forwards it) stop the sweep with exit 3 keeping finished tasks; re-running resumes and ends
# bit-identical to an uninterrupted run. kill -9 of the whole job at several moments leaves a
# file plain h5py opens, holding every task reported finished before the kill.
source "$(dirname "$0")/lib.sh"
source "$ROOT/tests/helpers/sweep_fixture.sh"
dir=$(tmpdir)
trap 'rm -rf "$dir"' EXIT
make_slow_fixture "$dir" || { fail "sweep fixture: synth failed"; finish; }
# 16 epochs: each task ~0.5 s, the sweep several seconds on 2 ranks, so a signal sent after the 4th task
# finds tasks still to hand out even when the machine is loaded (at 4 epochs the whole sweep took ~1 s and
# could end before the signal arrived)
sed -i 's/^epochs = .*/epochs = 16/' "$dir/job.ini"

mpirun -n 2 "$SEEDSWEEP" run "$dir/job.ini" --out "$dir/ref.h5" --quiet >"$dir/ref.log" 2>&1
check "resume reference run exits 0" [ $? = 0 ]

# start_sweep OUT: mpirun -n 2 in the background; sets $job_pid; waits for 4 finished tasks (up to 60 s:
# a loaded CI machine starts slowly, and a signal before the ranks are up would kill them outright)
start_sweep() {
    mpirun -n 2 "$SEEDSWEEP" run "$dir/job.ini" --out "$1" >"$dir/run.log" 2>&1 &
    job_pid=$!
    for _ in $(seq 1200); do
        [ "$(grep -c '^\[' "$dir/run.log")" -ge 4 ] && return 0
        sleep 0.05
    done
    return 1
}
ranks_of() { pgrep -P "$1" -x seedsweep | tr '\n' ' '; }

# SIGTERM to each rank (what srun/Slurm does)
start_sweep "$dir/term.h5"
kill -TERM $(ranks_of $job_pid) 2>/dev/null
rc=0; wait $job_pid || rc=$?
if [ $rc = 3 ]; then pass "resume SIGTERM to the ranks exits 3"; else fail "resume SIGTERM exits 3: exit $rc: $(tail -3 "$dir/run.log")"; fi
check "resume SIGTERM message says resumable" grep -q "run the same command again to resume" "$dir/run.log"
pending=$("$PY" -c "import h5py; s=h5py.File('$dir/term.h5','r')['task_status'][()]; print((s==0).sum())")
if [ "$pending" -gt 0 ] && [ "$pending" -lt 30 ]; then pass "resume SIGTERM kept finished tasks ($((30 - pending)) done, $pending pending)"
else fail "resume SIGTERM kept finished tasks: $pending pending"; fi
mpirun -n 2 "$SEEDSWEEP" run "$dir/job.ini" --out "$dir/term.h5" >"$dir/rerun.log" 2>&1
rc=$?; if [ $rc = 0 ]; then pass "resume re-run exits 0"; else fail "resume re-run exits 0: exit $rc: $(tail -3 "$dir/rerun.log")"; fi
check "resume re-run ran only pending tasks" grep -q "30 tasks, $pending to run" "$dir/rerun.log"
check "resume after SIGTERM bit-identical to uninterrupted" same_arrays "$dir/ref.h5" "$dir/term.h5"

# SIGUSR1 to mpirun (forwarded to the ranks)
start_sweep "$dir/usr1.h5"
kill -USR1 $job_pid
rc=0; wait $job_pid || rc=$?
if [ $rc = 3 ]; then pass "resume SIGUSR1 via mpirun exits 3"; else fail "resume SIGUSR1 via mpirun exits 3: exit $rc"; fi
mpirun -n 3 "$SEEDSWEEP" run "$dir/job.ini" --out "$dir/usr1.h5" --quiet >/dev/null 2>&1
check "resume after SIGUSR1 with 3 ranks bit-identical" same_arrays "$dir/ref.h5" "$dir/usr1.h5"

# kill -9 of the whole job at several moments: during start-up/creation, then after 1, 6 and
# 14 finished tasks plus a random fraction of a task (so some kills land inside a write)
for target in start 1 6 14; do
    rm -f "$dir/k9.h5"
    mpirun -n 2 "$SEEDSWEEP" run "$dir/job.ini" --out "$dir/k9.h5" >"$dir/run.log" 2>&1 &
    job_pid=$!
    if [ $target = start ]; then
        sleep 0.5
    else
        for _ in $(seq 400); do
            [ "$(grep -c '^\[' "$dir/run.log")" -ge $target ] && break
            sleep 0.02
        done
        sleep "0.0$((RANDOM % 10))"
    fi
    if [ $target = 1 ]; then
        # read the file while the sweep runs (before this kill); a second sweep onto it is refused
        rc=0; "$SEEDSWEEP" run "$dir/job.ini" --out "$dir/k9.h5" --quiet >/dev/null 2>"$dir/second.err" || rc=$?
        if grep -q "tasks in" "$dir/run.log"; then skip "resume second sweep onto a running file: the sweep ended first"
        elif [ $rc = 2 ] && grep -q "another sweep is writing" "$dir/second.err"; then pass "resume a second sweep onto a running sweep's file is refused"
        else fail "resume second sweep onto a running file: exit $rc: $(cat "$dir/second.err")"; fi
        "$SEEDSWEEP" report "$dir/k9.h5" >"$dir/live.txt" 2>&1
        if grep -qE "30 tasks: [0-9]+ done, 0 diverged, [0-9]+ pending" "$dir/live.txt"; then pass "resume report works on a running sweep ($(head -1 "$dir/live.txt" | cut -d: -f2-))"
        else fail "resume report on a running sweep: $(head -3 "$dir/live.txt")"; fi
        "$PY" -c "
import h5py, xarray as xr
f = h5py.File('$dir/k9.h5', 'r'); s = f['task_status'][()]; assert (s == 1).sum() > 0
assert xr.open_dataset('$dir/k9.h5', engine='h5netcdf').accuracy.dims == ('task', 'dataset')" 2>"$dir/live.err"
        rc=$?; [ $rc = 0 ] || tail -3 "$dir/live.err"; [ $rc = 0 ]
        check "resume h5py and xarray open a running sweep's file" [ $? = 0 ]
    fi
    kill -9 $(ranks_of $job_pid) $job_pid 2>/dev/null
    wait $job_pid 2>/dev/null
    sleep 0.1
    delay=$target
    done_tasks=$(sed -n 's/^\[[0-9]*\/[0-9]*\] task \([0-9]*\) .*/\1/p' "$dir/run.log" | tr '\n' ' ')
    if [ ! -e "$dir/k9.h5" ]; then
        if [ -z "$done_tasks" ]; then pass "resume kill -9 at ${delay}: no file yet, nothing lost"
        else fail "resume kill -9 at ${delay}: tasks finished but no file"; fi
        continue
    fi
    "$PY" - "$dir/k9.h5" "$dir/ref.h5" $done_tasks >"$dir/k9.py.log" 2>&1 <<'PY'
import sys, h5py, numpy as np
f = h5py.File(sys.argv[1], "r")          # plain open: default locking, no SWMR, no h5clear
ref = h5py.File(sys.argv[2], "r")
status = f["task_status"][()]
for t in map(int, sys.argv[3:]):
    assert status[t] == 1, f"task {t} reported done but status {status[t]}"
done = status != 0
for name in ("accuracy", "loss", "train_loss", "predictions/fly2"):
    assert np.array_equal(f[name][()][done], ref[name][()][done]), name
    # a pending row may hold the rows of the one task being recorded at the kill (status comes last)
    rows = f[name][()][~done]
    written = int((~np.isnan(rows.reshape(len(rows), -1)).all(axis=1)).sum()) if len(rows) else 0
    assert written <= 1, (name, written)
print(int(done.sum()))
PY
    if [ $? = 0 ]; then pass "resume kill -9 at ${delay}: h5py opens it, $(tail -1 "$dir/k9.py.log") done tasks intact"
    else fail "resume kill -9 at ${delay}: $(tail -2 "$dir/k9.py.log")"; fi
done
mpirun -n 2 "$SEEDSWEEP" run "$dir/job.ini" --out "$dir/k9.h5" --quiet >/dev/null 2>&1
check "resume after kill -9 bit-identical to uninterrupted" same_arrays "$dir/ref.h5" "$dir/k9.h5"
finish
