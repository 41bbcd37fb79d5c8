#!/usr/bin/env bash
# tests/crash/campaign.sh - kill -9 a running sweep at random moments, resume it, and require the
# final results to equal an uninterrupted run's, bit for bit (docs/design.md section 7).
#
#   tests/crash/campaign.sh [-n TRIALS] [-s SEED] [-k MAX_KILLS] [-r RANKS] [-K]
#
# Each trial starts `mpirun -np RANKS seedsweep run` onto a fresh file, and 1..MAX_KILLS times kills
# it with SIGKILL after a random delay (start-up and file creation included), choosing at random:
# rank 0 (the writer), another rank, mpirun itself, or everything at once. After each kill it checks
# that the file still opens with h5py and that no task recorded before the kill was lost, then it
# restarts the sweep (with 1..RANKS ranks, so resumes also change the rank count). A final resume
# must exit 0, and /accuracy, /loss, /collapsed, /train_loss, /train_accuracy, /task_status and every
# /predictions/<name> must equal the clean run's exactly. Prints PASS/FAIL per trial (tests/run
# format) and a summary line "crash campaign: X of N trials identical to the clean run".
# Work lost per kill: the job checkpoints every epoch (checkpoint_every = 1 epoch), and
# for every kill the campaign adds up, over the tasks in flight, the training time between the
# task's last saved state (its start, or its last checkpoint written in that run) and the kill;
# task starts come from the timestamped progress lines (a rank starts its next task when its last
# one is recorded). The summary prints mean and max seconds lost per kill, with checkpoints and as
# it would have been without them (kill - task start).
# -s replays a campaign (kill delays and victims come from bash's RANDOM seeded with it);
# -K keeps the scratch directory. `make crash-campaign N=20` runs it with -n 20;
# tests/crash_short.sh runs a few trials in `make test`.
source "$(dirname "$0")/../lib.sh"
trials=5 seed=$(( $(date +%s) % 100000 )) max_kills=3 ranks=3 keep=0
while getopts "n:s:k:r:K" opt; do
    case $opt in
        n) trials=$OPTARG ;; s) seed=$OPTARG ;; k) max_kills=$OPTARG ;; r) ranks=$OPTARG ;; K) keep=1 ;;
        *) echo "usage: $0 [-n TRIALS] [-s SEED] [-k MAX_KILLS] [-r RANKS] [-K]" >&2; exit 2 ;;
    esac
done
RANDOM=$seed
T=$(tmpdir)
[ "$keep" = 1 ] && echo "scratch: $T" || trap 'rm -rf "$T"' EXIT
cd "$T" || exit 1
# a private copy: a rebuild in the working tree midway (make by someone else) must not mix two
# binaries, whose results may legitimately differ, into one comparison
cp "$SEEDSWEEP" ./seedsweep || { fail "crash campaign: no $SEEDSWEEP (make first)"; finish; }
S=$T/seedsweep
echo "crash campaign: $trials trials, seed $seed (replay: -s $seed), up to $max_kills kills each, $ranks ranks"

# ---- the job: 20 small tasks, a few seconds in all, so kills land in every phase ----
source "$ROOT/tests/crash/job.sh"
write_crash_job "$S" || { fail "crash campaign: synth"; finish; }
echo "checkpoint_every = 1 epoch" >>crash.ini
stamp() { while IFS= read -r line; do echo "$(date +%s%N) $line"; done; }
run_sweep() {  # run_sweep NP OUT: mpirun in the background, stdout timestamped into run.log; sets SWEEP_PID
    : >run.log
    mpirun -np "$1" "$S" run crash.ini --out "$2" --threads 1 > >(stamp >>run.log) 2>>sweep.log &
    SWEEP_PID=$!
}
# lost_work KILL_NS NP PENDING OUT: "LOST WITHOUT" seconds for the kill, from run.log and OUT.ckpt.
# KILL_NS is taken just after the kill: a rank may finish a batch or a save meanwhile, and what
# reached the disk is not lost. Ranks a one-rank kill leaves running until mpirun tears them down
# lose their work after KILL_NS too; that teardown is not counted.
lost_work() {
    $PY - "$@" <<'PY'
import os, struct, sys, re, glob
kill, np_, pending, out = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
lines = [l.split(" ", 1) for l in open("run.log").read().splitlines() if " " in l]
opening = [int(t) for t, l in lines if l.startswith("seedsweep run:") and " to run " in l]
if not opening or opening[0] > kill:
    print("0 0"); sys.exit()          # killed before training began: nothing in flight
start = {r: opening[0] for r in range(np_)}
for t, l in lines:
    m = re.match(r"\[\d+/\d+\] task \d+ .* rank (\d+) ETA", l)
    if m: start[int(m.group(1))] = int(t)
# ranks in flight: as many as tasks were left, those that started their current task first
busy = sorted(start, key=lambda r: start[r])[:min(np_, pending)]
saves = {}
for path in glob.glob(out + ".ckpt/task-*.ckpt"):
    with open(path, "rb") as f: head = f.read(192)
    if len(head) < 192: continue
    rank = struct.unpack_from("<i", head, 116)[0]
    saves.setdefault(rank, []).append(os.stat(path).st_mtime_ns)
lost = without = 0
for r in busy:
    last = max([s for s in saves.get(r, []) if s >= start[r]], default=start[r])
    lost += max(0, kill - last); without += max(0, kill - start[r])
print(f"{lost / 1e9:.3f} {without / 1e9:.3f}")
PY
}
start=$SECONDS
clean_start=$(date +%s%N)
mpirun -np 2 "$S" run crash.ini --out clean.h5 --quiet --threads 1 >clean.log 2>&1 ||
    { fail "crash campaign: the clean run failed: $(tail -3 clean.log)"; finish; }
clean_ms=$(( ($(date +%s%N) - clean_start) / 1000000 ))
# kills land between 0.2 s and 90% of the clean run's length (start-up, creation and training)
max_delay_ms=$(( clean_ms * 9 / 10 > 400 ? clean_ms * 9 / 10 : 400 ))

done_count() {  # tasks recorded in $1 (0 when absent or unreadable)
    [ -f "$1" ] || { echo 0; return; }
    "$S" info "$1" 2>/dev/null | awk '$1 == "tasks" { print $3; exit }' | grep -E '^[0-9]+$' || echo 0
}
rank_pids() {  # rank_pids MPIRUN_PID: "rank pid" lines for its children
    local p r
    for p in $(pgrep -P "$1" 2>/dev/null); do
        r=$(tr '\0' '\n' <"/proc/$p/environ" 2>/dev/null | sed -n 's/^OMPI_COMM_WORLD_RANK=//p')
        [ -n "$r" ] && echo "$r $p"
    done
}

identical=0 task_total=20 lost_list="" without_list=""
for trial in $(seq 1 "$trials"); do
    out=trial$trial.h5
    kills=$((1 + RANDOM % max_kills))
    story="" problem=""
    for k in $(seq 1 "$kills"); do
        np=$((1 + RANDOM % ranks)); [ "$k" = 1 ] && np=$ranks
        delay_ms=$((200 + (RANDOM * 32768 + RANDOM) % max_delay_ms))
        run_sweep "$np" "$out"
        sleep "$(printf '%d.%03d' $((delay_ms / 1000)) $((delay_ms % 1000)))"
        pids=$(rank_pids "$SWEEP_PID")
        if ! kill -0 "$SWEEP_PID" 2>/dev/null || [ -z "$pids" ]; then
            wait "$SWEEP_PID" 2>/dev/null
            story+=" [np$np finished before the kill at ${delay_ms}ms]"
            continue
        fi
        before=$(done_count "$out")
        nranks=$(echo "$pids" | wc -l)
        case $((RANDOM % 4)) in
            0) victim="rank 0"; kill -9 $(echo "$pids" | awk '$1 == 0 { print $2 }') 2>/dev/null ;;
            1) if [ "$nranks" -gt 1 ]; then
                   r=$((1 + RANDOM % (nranks - 1))); victim="rank $r"
                   kill -9 $(echo "$pids" | awk -v r=$r '$1 == r { print $2 }') 2>/dev/null
               else victim="rank 0 (only rank)"; kill -9 $(echo "$pids" | awk '{ print $2 }') 2>/dev/null; fi ;;
            2) victim="mpirun"; kill -9 "$SWEEP_PID" 2>/dev/null ;;
            3) victim="everything"; kill -9 "$SWEEP_PID" $(echo "$pids" | awk '{ print $2 }') 2>/dev/null ;;
        esac
        kill_ns=$(date +%s%N)
        wait "$SWEEP_PID" 2>/dev/null
        # no rank may outlive its job (an orphan would keep the file locked, or keep writing)
        for _ in $(seq 1 50); do
            left=""
            for p in $(echo "$pids" | awk '{ print $2 }'); do kill -0 "$p" 2>/dev/null && left+=" $p"; done
            [ -z "$left" ] && break
            sleep 0.2
        done
        if [ -n "$left" ]; then
            problem+=" ranks$left outlived the kill of $victim by 10 s;"
            for p in $left; do kill -9 "$p" 2>/dev/null; done
        fi
        after=$(done_count "$out")
        read -r lost without < <(lost_work "$kill_ns" "$np" $((task_total - after)) "$out")
        lost_list+=" ${lost:-0}" without_list+=" ${without:-0}"
        story+=" [np$np, kill -9 $victim at ${delay_ms}ms: $before -> $after done, ${lost}s lost]"
        [ "$after" -lt "$before" ] && problem+=" tasks lost by the kill of $victim ($before -> $after);"
        if [ -f "$out" ] && ! $PY -c "import h5py, sys; h5py.File(sys.argv[1], 'r')['task_status'][:]" "$out" 2>/dev/null; then
            problem+=" h5py cannot read the file after the kill of $victim;"
        fi
    done
    np=$((1 + RANDOM % ranks))
    if ! mpirun -np "$np" "$S" run crash.ini --out "$out" --quiet --threads 1 >resume.log 2>&1; then
        problem+=" the final resume (np$np) failed: $(tail -2 resume.log | tr '\n' ' ');"
    fi
    if [ -z "$problem" ]; then
        diff=$($PY - clean.h5 "$out" <<'EOF'
import sys, h5py, numpy as np
a, b = h5py.File(sys.argv[1], 'r'), h5py.File(sys.argv[2], 'r')
names = ['accuracy', 'loss', 'collapsed', 'train_loss', 'train_accuracy', 'task_status', 'task_seed',
         'task_train_dataset'] + ['predictions/' + n for n in a['predictions']]
bad = [n for n in names if n not in b or a[n].shape != b[n].shape or
       not np.array_equal(a[n][()], b[n][()], equal_nan=a[n].dtype.kind == 'f')]
if not (b['task_status'][()] == 1).all(): bad.append('not every task done')
print(' '.join(bad))
EOF
        ) || diff="(comparison failed)"
        [ -n "$diff" ] && problem+=" differs from the clean run in: $diff;"
    fi
    # a kill during creation may leave the hidden temporary .OUT.tmp.XXXXXXXXXXXX (src/atomic_file.c)
    debris=$(ls -A | grep -E "^\.$out\.tmp\." | tr '\n' ' ')
    [ -n "$debris" ] && story+=" [debris left by a kill during creation: $debris]" && rm -f ".$out".tmp.*
    if [ -z "$problem" ]; then
        identical=$((identical + 1))
        pass "crash trial $trial:$story, resumed with np$np: identical to the clean run"
    else
        fail "crash trial $trial:$story:$problem"
    fi
done
echo "crash campaign: $identical of $trials trials identical to the clean run (seed $seed, $((SECONDS - start)) s)"
# work lost per kill, in seconds of training summed over the tasks in flight
$PY - "$lost_list" "$without_list" "$clean_ms" <<'PY'
import sys
lost, without = ([float(x) for x in a.split()] for a in sys.argv[1:3])
if lost:
    print(f"crash campaign: work lost per kill (checkpoint_every = 1 epoch; clean run {int(sys.argv[3]) / 1e3:.2f} s): "
          f"mean {sum(lost) / len(lost):.3f} s, max {max(lost):.3f} s over {len(lost)} kills; "
          f"without checkpoints it would have been mean {sum(without) / len(without):.3f} s, max {max(without):.3f} s")
PY
finish
