#!/usr/bin/env bash
# sweep_checkpoint.sh - checkpoints inside a task. Three long tasks (12 epochs of 25
# mini-batches each) are stopped mid-epoch and resumed; every resumed file must end bit-identical
# to an uninterrupted run (tests/helpers/compare_results.py):
#  - SIGTERM to every rank: exit 3, one checkpoint per task in flight, and the re-run logs
#    "task T resumed at epoch E batch B" and leaves no checkpoint behind;
#  - kill -9 of everything: resumed from the last epoch's end (checkpoint_every = 1 epoch);
#  - another rank count: stopped with 3 ranks, resumed with 1, and stopped with 1, resumed with 3;
#  - a checkpoint with a flipped byte, a truncated one and another job's: a warning naming each
#    file, those tasks start over, the result is still identical;
#  - --restart ignores and removes checkpoints; a bad checkpoint_every exits 2 naming the key.
source "$(dirname "$0")/lib.sh"
source "$ROOT/tests/helpers/sweep_fixture.sh"
dir=$(tmpdir)
trap 'rm -rf "$dir"' EXIT
make_fixture "$dir" 32 200 || { fail "checkpoint fixture: synth failed"; finish; }
sed -i -e 's/^seeds  = .*/seeds  = 0-2/' -e 's/^train  = .*/train  = fly1/' \
    -e 's/^layers = .*/layers = conv8 pool conv8 pool flatten dense16 dense2/' -e 's/^epochs = .*/epochs = 12/' \
    "$dir/job.ini"
job=$dir/job.ini
ranks_of() { pgrep -P "$1" -x seedsweep | tr '\n' ' '; }
ckpts() { ls "$1.ckpt" 2>/dev/null | grep -c '^task-[0-9]*\.ckpt$'; }

start=$(date +%s%N)
mpirun -n 3 "$SEEDSWEEP" run "$job" --out "$dir/ref.h5" --threads 1 >"$dir/ref.log" 2>&1
rc=$?
clean_ms=$(( ($(date +%s%N) - start) / 1000000 ))
check "checkpoint reference run exits 0 (${clean_ms} ms)" [ $rc = 0 ]
check "checkpoint a finished sweep leaves no checkpoint directory" [ ! -e "$dir/ref.h5.ckpt" ]
# The stopped runs use the same job with checkpoint_every = 1 epoch: their checkpoints show from
# outside how far training got, so every stop lands early in a task (after its first epoch, before
# its last) whatever the machine's load, and half an epoch later: mid-epoch.
sed 's/^batch  = 8$/batch  = 8\ncheckpoint_every = 1 epoch/' "$dir/job.ini" >"$dir/every.ini"
job=$dir/every.ini
mpirun -n 3 "$SEEDSWEEP" run "$job" --out "$dir/ref_every.h5" --threads 1 --quiet >/dev/null 2>&1
check "checkpoint checkpoint_every = 1 epoch: results unchanged by the periodic checkpoints" same_arrays "$dir/ref.h5" "$dir/ref_every.h5"
# half an epoch of the slowest task of the reference run (12 epochs), in ms
half_epoch_ms=$(sed -n 's/.* \([0-9.]*\)s rank .*/\1/p' "$dir/ref.log" | sort -g | tail -1 | awk '{ printf "%d", $1 * 1000 / 24 }')
nap_ms() { sleep "$(printf '%d.%03d' $(($1 / 1000)) $(($1 % 1000)))"; }

# stop_with SIGNAL NP OUT: a sweep stopped by SIGNAL to every rank once each task in flight has saved
# its first epoch, half an epoch later
stop_with() {
    local want=$(( $2 < 3 ? $2 : 3 ))
    mpirun -n "$2" "$SEEDSWEEP" run "$job" --out "$3" --threads 1 >"$dir/stop.log" 2>&1 &
    local pid=$!
    for _ in $(seq 1200); do [ "$(ckpts "$3")" -ge "$want" ] && break; sleep 0.05; done
    nap_ms "${half_epoch_ms:-100}"
    kill "-$1" $(ranks_of $pid) 2>/dev/null
    [ "$1" = KILL ] && kill -9 $pid 2>/dev/null
    stop_rc=0; wait $pid || stop_rc=$?
}
# resume NP OUT NAME: re-run to the end, check exit 0 and identity; the log is $dir/resume.log
resume() {
    mpirun -n "$1" "$SEEDSWEEP" run "$job" --out "$2" --threads 1 >"$dir/resume.log" 2>&1
    local rc=$?
    if [ $rc = 0 ]; then pass "$3: re-run exits 0"; else fail "$3: re-run exit $rc: $(tail -3 "$dir/resume.log")"; fi
    check "$3: no checkpoint left once every task is recorded" [ ! -e "$2.ckpt" ]
    check "$3: bit-identical to the uninterrupted run" same_arrays "$dir/ref.h5" "$2"
}
resumed_lines() { grep -o 'task [0-9]* resumed at epoch [0-9]* batch [0-9]*\|task [0-9]* resumed after training' "$dir/resume.log" | sort; }

# ---- SIGTERM mid-epoch, 3 ranks -> 3 ranks ----
stop_with TERM 3 "$dir/term.h5"
if [ $stop_rc = 3 ]; then pass "checkpoint SIGTERM exits 3"; else fail "checkpoint SIGTERM exits 3: exit $stop_rc: $(tail -3 "$dir/stop.log")"; fi
n=$(ckpts "$dir/term.h5")
check "checkpoint SIGTERM left one checkpoint per task in flight ($n of 3)" [ "$n" = 3 ]
resume 3 "$dir/term.h5" "checkpoint SIGTERM"
lines=$(resumed_lines)
count=$(echo -n "$lines" | grep -c resumed)
if [ "$count" = "$n" ] && echo "$lines" | grep 'batch [0-9]*$' | grep -qv 'batch 1$'; then
    pass "checkpoint SIGTERM: the log says where each task resumed, mid-epoch ($(echo $lines | tr '\n' ';'))"
else fail "checkpoint SIGTERM: resumed lines ($count of $n, one mid-epoch): $lines"; fi

# ---- kill -9: back to the last epoch's end (checkpoint_every = 1 epoch) ----
stop_with KILL 3 "$dir/k9.h5"
n=$(ckpts "$dir/k9.h5")
check "checkpoint kill -9 left periodic checkpoints ($n)" [ "$n" -ge 1 ]
resume 2 "$dir/k9.h5" "checkpoint kill -9"
lines=$(resumed_lines)
if [ "$(echo -n "$lines" | grep -c resumed)" = "$n" ] && ! echo "$lines" | grep -qv 'batch 1$'; then
    pass "checkpoint kill -9: every task resumed at an epoch's start ($(echo $lines | tr '\n' ';'))"
else fail "checkpoint kill -9: resumed lines for $n checkpoints: $lines"; fi

# ---- another rank count: 3 -> 1 and 1 -> 3 ----
stop_with TERM 3 "$dir/three.h5"
n=$(ckpts "$dir/three.h5")
resume 1 "$dir/three.h5" "checkpoint stopped with 3 ranks, resumed with 1"
check "checkpoint 3 -> 1: all $n checkpoints resumed on rank 0" [ "$(grep -c 'rank 0: task [0-9]* resumed' "$dir/resume.log")" = "$n" ]
stop_with TERM 1 "$dir/one.h5"
check "checkpoint stopped with 1 rank: its task left a checkpoint" [ "$(ckpts "$dir/one.h5")" = 1 ]
resume 3 "$dir/one.h5" "checkpoint stopped with 1 rank, resumed with 3"
check "checkpoint 1 -> 3: the task resumed" [ "$(resumed_lines | wc -l)" = 1 ]

# ---- untrustworthy checkpoints: flipped byte, truncated, another job's ----
stop_with TERM 3 "$dir/bad.h5"
files=$(ls "$dir/bad.h5.ckpt"/task-*.ckpt 2>/dev/null)
if [ "$(echo "$files" | wc -w)" = 3 ]; then
    set -- $files
    "$PY" -c "
import sys; p = sys.argv[1]; b = bytearray(open(p, 'rb').read()); b[len(b) // 2] ^= 1; open(p, 'wb').write(b)" "$1"
    truncate -s -4096 "$2"
    # another job's checkpoint of the same task (its job text differs by one comment)
    t=$(basename "$3"); mkdir -p "$dir/other"
    { cat "$job"; echo "; another job"; } >"$dir/other/every.ini"
    stop_job=$job; job=$dir/other/every.ini
    stop_with TERM 3 "$dir/other/o.h5"
    job=$stop_job
    if [ -f "$dir/other/o.h5.ckpt/$t" ]; then cp "$dir/other/o.h5.ckpt/$t" "$3"; else rm -f "$3"; fi
    resume 3 "$dir/bad.h5" "checkpoint corrupt, truncated and foreign"
    for f in "$1" "$2"; do
        check "checkpoint warning names $(basename "$f") and the task starts over" \
            grep -q "starts over: checkpoint not trusted: $f" "$dir/resume.log"
    done
    if [ -f "$dir/other/o.h5.ckpt/$t" ]; then
        check "checkpoint another job's $t is refused by name" grep -q "starts over: checkpoint not trusted: $3: made by another job" "$dir/resume.log"
    else skip "checkpoint another job's checkpoint: the other sweep left none for $t"; fi
    check "checkpoint nothing untrusted was resumed" [ "$(resumed_lines | wc -l)" = 0 ]
else
    skip "checkpoint corruption: the stopped sweep left $(echo "$files" | wc -w) checkpoints, not 3"
fi

# ---- --restart removes checkpoints; bad checkpoint_every ----
stop_with TERM 3 "$dir/restart.h5"
mpirun -n 3 "$SEEDSWEEP" run "$job" --out "$dir/restart.h5" --threads 1 --restart >"$dir/resume.log" 2>&1
check "checkpoint --restart exits 0 without resuming anything" [ $? = 0 -a "$(resumed_lines | wc -l)" = 0 ]
check "checkpoint --restart: no checkpoint left" [ ! -e "$dir/restart.h5.ckpt" ]
check "checkpoint --restart: identical" same_arrays "$dir/ref.h5" "$dir/restart.h5"
sed 's/^batch  = 8$/batch  = 8\ncheckpoint_every = soon/' "$dir/job.ini" >"$dir/bad.ini"  # line 16
rc=0; "$SEEDSWEEP" run "$dir/bad.ini" --out "$dir/never.h5" >/dev/null 2>"$dir/bad.err" || rc=$?
check "checkpoint_every = soon exits 2" [ $rc = 2 ]
check "checkpoint_every = soon: the message names the key" grep -q "\[train\] checkpoint_every (line 1[0-9]): 'soon'" "$dir/bad.err"
finish
