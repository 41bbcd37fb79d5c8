#!/usr/bin/env bash
# sweep_shm.sh - the node's one copy of the images (src/sweep/node_data.c):
# 3 ranks on one node read the images once and share them (the log says so, every rank maps the
# same MPI shared-memory segment) and give arrays bit-identical to 1 rank; SEEDSWEEP_SHARE_DATA=0
# falls back to a copy per rank with a message, also identical, as does a node where MPI gives no
# window or its backing directory is unusable; kill -9 of a non-leader rank
# mid-sweep ends the whole job (no rank left behind) and a rerun resumes to the clean run's arrays.
source "$(dirname "$0")/lib.sh"
source "$ROOT/tests/helpers/sweep_fixture.sh"
dir=$(tmpdir)
trap 'rm -rf "$dir"' EXIT
make_fixture "$dir" 16 300 || { fail "shm fixture: synth failed"; finish; }

"$SEEDSWEEP" run "$dir/job.ini" --out "$dir/r1.h5" --quiet >"$dir/r1.log" 2>&1
check "shm: 1 rank (no window) exits 0" [ $? = 0 ]
check "shm: 1 rank says nothing about sharing" bash -c "! grep -q 'shared by\|own copy' '$dir/r1.log'"

mpirun -n 3 "$SEEDSWEEP" run "$dir/job.ini" --out "$dir/r3.h5" --quiet >"$dir/r3.log" 2>&1
check "shm: 3 ranks sharing exits 0" [ $? = 0 ]
check "shm: 3 ranks: images read once by rank 0 and shared by 3 ranks" \
    grep -qE '^seedsweep run: node .*: images of 3 datasets \([0-9.]+ MB\) read once by rank 0 and shared by 3 ranks' "$dir/r3.log"
check "shm: the sharing line is printed once (one node)" [ "$(grep -c 'shared by' "$dir/r3.log")" = 1 ]
check "shm: 3 ranks sharing bit-identical to 1 rank" same_arrays "$dir/r1.h5" "$dir/r3.h5"

SEEDSWEEP_SHARE_DATA=0 mpirun -n 3 -x SEEDSWEEP_SHARE_DATA "$SEEDSWEEP" run "$dir/job.ini" --out "$dir/off.h5" --quiet \
    >"$dir/off.log" 2>&1
check "shm: SEEDSWEEP_SHARE_DATA=0 exits 0" [ $? = 0 ]
check "shm: SEEDSWEEP_SHARE_DATA=0 says each rank holds its own copy" \
    grep -q 'each of 3 ranks holds its own copy of the images: SEEDSWEEP_SHARE_DATA=0' "$dir/off.log"
check "shm: SEEDSWEEP_SHARE_DATA=0 bit-identical to 1 rank" same_arrays "$dir/r1.h5" "$dir/off.h5"

# no window to be had: MPI refuses it (no osc/sm component), or its backing directory is unusable
# (Open MPI 4.1 would hang there, so node_data checks the directory first); both fall back, identical
mpirun -n 2 --mca osc ^sm "$SEEDSWEEP" run "$dir/job.ini" --out "$dir/nosm.h5" --quiet >"$dir/nosm.log" 2>&1
check "shm: MPI without a shared window (--mca osc ^sm) exits 0" [ $? = 0 ]
check "shm: ... says each rank holds its own copy (MPI could not allocate)" \
    grep -q 'each of 2 ranks holds its own copy of the images: MPI could not allocate a shared window' "$dir/nosm.log"
check "shm: ... bit-identical to 1 rank" same_arrays "$dir/r1.h5" "$dir/nosm.h5"
timeout 120 mpirun -n 2 --mca osc_sm_backing_directory "$dir/no-such-dir" "$SEEDSWEEP" run "$dir/job.ini" \
    --out "$dir/nodir.h5" --quiet >"$dir/nodir.log" 2>&1
check "shm: a missing shared-memory directory exits 0 (no hang)" [ $? = 0 ]
check "shm: ... says which directory it could not use" grep -q "own copy of the images: cannot use the shared-memory directory $dir/no-such-dir" "$dir/nodir.log"
check "shm: ... bit-identical to 1 rank" same_arrays "$dir/r1.h5" "$dir/nodir.h5"

# a bad dataset is still refused cleanly on every rank (headers are read by all, before the window)
sed -e "s|^fly2 = .*|fly2 = $dir/missing.h5|" "$dir/job.ini" >"$dir/bad.ini"
mpirun -n 3 "$SEEDSWEEP" run "$dir/bad.ini" --out "$dir/bad.h5" >"$dir/bad.log" 2>&1
rc=$?
check "shm: a missing dataset with 3 ranks exits 2" [ $rc = 2 ]
check "shm: a missing dataset is named once" [ "$(grep -c 'missing.h5: cannot open' "$dir/bad.log")" = 1 ]

# ---- a rank dies while the others read the window ----
# 12 tasks of 150 epochs (~0.4 s each on an idle core, seconds on a loaded one) on 3 oversubscribed
# ranks: the kill after the first recorded task lands mid-sweep however fast the machine is.
sed -e "s/^epochs.*/epochs = 150/" "$dir/job.ini" >"$dir/slow.ini"
"$SEEDSWEEP" run "$dir/slow.ini" --out "$dir/clean.h5" --quiet >"$dir/clean.log" 2>&1
check "shm: clean 1-rank run of the slow job exits 0" [ $? = 0 ]

rank_pid() {  # rank_pid MPIRUN_PID RANK
    local p
    for p in $(pgrep -P "$1"); do
        if tr '\0' '\n' <"/proc/$p/environ" 2>/dev/null | grep -qx "OMPI_COMM_WORLD_RANK=$2"; then echo "$p"; return; fi
    done
}
mpirun -n 3 "$SEEDSWEEP" run "$dir/slow.ini" --out "$dir/killed.h5" >"$dir/killed.log" 2>&1 &
mpirun_pid=$!
for _ in $(seq 1 600); do   # until the first task is recorded (at most 60 s)
    grep -q '^\[1/12\]' "$dir/killed.log" 2>/dev/null && break
    kill -0 $mpirun_pid 2>/dev/null || break
    sleep 0.1
done
pids=""
for r in 0 1 2; do pids+=" $(rank_pid $mpirun_pid $r)"; done
segments=""
for p in $pids; do   # the shared segment each rank maps: device:inode of the osc_sm file
    segments+="$(awk '/osc_sm/ { print $4 ":" $5 }' "/proc/$p/maps" 2>/dev/null | sort -u)"$'\n'
done
check "shm: every rank maps the same one shared segment" \
    [ "$(echo "$pids" | wc -w)" = 3 ] && [ "$(echo "$segments" | grep -c .)" = 3 ] && [ "$(echo "$segments" | grep . | sort -u | wc -l)" = 1 ]
victim=$(rank_pid $mpirun_pid 2)
if [ -n "$victim" ] && grep -q '^\[1/12\]' "$dir/killed.log" && ! grep -q '^\[12/12\]' "$dir/killed.log"; then
    kill -9 "$victim"
    rc=0
    for _ in $(seq 1 600); do kill -0 $mpirun_pid 2>/dev/null || break; sleep 0.1; done
    if kill -0 $mpirun_pid 2>/dev/null; then
        fail "shm: the job ends within 60 s of a rank's kill -9"
        kill -9 $mpirun_pid $pids 2>/dev/null
    else
        wait $mpirun_pid; rc=$?
        check "shm: kill -9 of rank 2 mid-sweep ends the job with a failure status" [ $rc != 0 ]
        left=""   # a rank still running (a zombie waiting for its reaper is gone already)
        for _ in $(seq 1 50); do
            left=""
            for p in $pids; do
                state=$(awk '{ print $3 }' "/proc/$p/stat" 2>/dev/null)
                [ -n "$state" ] && [ "$state" != Z ] && left+=" $p"
            done
            [ -z "$left" ] && break
            sleep 0.1
        done
        check "shm: no rank outlives the job" [ -z "$left" ]
    fi
else
    fail "shm: kill -9 of rank 2 mid-sweep: the run was not mid-sweep (pid '$victim'; $(tail -2 "$dir/killed.log"))"
    kill -9 $mpirun_pid 2>/dev/null
fi
wait $mpirun_pid 2>/dev/null
mpirun -n 3 "$SEEDSWEEP" run "$dir/slow.ini" --out "$dir/killed.h5" >"$dir/resume.log" 2>&1
check "shm: the rerun after the kill exits 0" [ $? = 0 ]
check "shm: the rerun resumed (tasks already done)" grep -qE '\(([1-9]|1[01]) already done\)' "$dir/resume.log"
check "shm: resumed after the kill bit-identical to the clean run" same_arrays "$dir/clean.h5" "$dir/killed.h5"
finish
