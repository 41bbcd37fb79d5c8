#!/usr/bin/env bash
# sweep_parts.sh - a sweep in parts (run --part I/N) merged by `seedsweep merge` equals one run of the
# whole job in every deterministic array, on 1 and 2 ranks per part and after a part killed with
# kill -9 and resumed; task_host/task_rank keep where each task ran. Missing, overlapping and foreign
# parts, an input a sweep is writing, --out onto an input and bad --part values are refused (exit 2,
# naming tasks and files); --partial and a later merge complete the file; report and info name the part.
source "$(dirname "$0")/lib.sh"
source "$ROOT/tests/helpers/sweep_fixture.sh"
dir=$(tmpdir)
trap 'kill $lock_pid 2>/dev/null; rm -rf "$dir"' EXIT
lock_pid=
make_slow_fixture "$dir" || { fail "parts fixture: synth failed"; finish; }
# 12 epochs: a part of 15 tasks then runs long enough on 2 ranks that a kill -9 after its 4th task
# finds tasks left even on a quiet machine (at 4 epochs the part often finished first)
sed -i 's/^epochs = .*/epochs = 12/' "$dir/job.ini"
job=$dir/job.ini

"$SEEDSWEEP" run "$job" --out "$dir/ref.h5" --quiet >"$dir/ref.log" 2>&1 ||
    { fail "parts reference run: $(tail -3 "$dir/ref.log")"; finish; }

# same_run MERGED [PART...]: every deterministic array of MERGED equals ref.h5's bit for bit (all but
# task_seconds, task_host, task_rank and /hosts), and each task's task_host/task_rank is that of the
# part it is done in
same_run() {
    "$PY" - "$dir/ref.h5" "$@" <<'PY'
import sys, h5py, numpy as np
ref, merged, parts = h5py.File(sys.argv[1], "r"), h5py.File(sys.argv[2], "r"), [h5py.File(p, "r") for p in sys.argv[3:]]
skip = {"task_seconds", "task_host", "task_rank"}
names = []
ref.visititems(lambda n, o: names.append(n) if isinstance(o, h5py.Dataset) and not n.startswith("hosts/") and n not in skip else None)
mine = []
merged.visititems(lambda n, o: mine.append(n) if isinstance(o, h5py.Dataset) and not n.startswith("hosts/") and n not in skip else None)
assert sorted(names) == sorted(mine), ("arrays differ", sorted(set(names) ^ set(mine)))
for n in names:
    x, y = ref[n][()], merged[n][()]
    assert x.dtype == y.dtype and x.shape == y.shape, (n, x.dtype, y.dtype, x.shape, y.shape)
    same = np.array_equal(x.view(np.uint8), y.view(np.uint8)) if x.dtype.kind == "f" else np.array_equal(x, y)
    assert same, f"{n} differs"
assert "part_index" not in merged.attrs and "part_count" not in merged.attrs
status = merged["task_status"][()]
assert (status != 0).all(), "merged file has pending tasks"
for p in parts:
    done = p["task_status"][()] != 0
    for n in ("task_host", "task_rank", "task_seconds"):
        assert np.array_equal(p[n][()][done], merged[n][()][done]), f"{n} not kept from {p.filename}"
runs = merged["hosts/run"][()]
used = runs[runs >= 0]
assert len(set(used.tolist())) >= len(parts), f"hosts runs not distinct: {used}"
print(f"{len(names)} arrays identical")
PY
}

# parts on one rank: 3 parts into DIR/p1.part-I-of-3.h5 (--out names the whole job's file)
for i in 0 1 2; do
    "$SEEDSWEEP" run "$job" --out "$dir/p1.h5" --part $i/3 >"$dir/p1-$i.log" 2>&1 ||
        fail "parts run --part $i/3 exits 0: $(tail -3 "$dir/p1-$i.log")"
done
check "parts --part I/N writes OUTPUT.part-I-of-N.h5" [ -f "$dir/p1.part-0-of-3.h5" -a -f "$dir/p1.part-2-of-3.h5" -a ! -e "$dir/p1.h5" ]
check "parts progress counts the part's tasks" grep -q "p1.part-1-of-3.h5: 10 tasks, 10 to run" "$dir/p1-1.log"
"$PY" -c "
import h5py; f = h5py.File('$dir/p1.part-1-of-3.h5', 'r'); s = f['task_status'][()]
assert f.attrs['part_index'] == 1 and f.attrs['part_count'] == 3
assert [t for t in range(30) if s[t]] == list(range(1, 30, 3)), s" 2>"$dir/py.err"
check "parts part 1/3 holds exactly the tasks t mod 3 = 1 and its attributes" [ $? = 0 ]
"$SEEDSWEEP" info "$dir/p1.part-1-of-3.h5" >"$dir/info.txt" 2>&1
check "parts info names the part" grep -q "part      part 1 of 3: tasks t mod 3 = 1 (10 of the job's 30 tasks" "$dir/info.txt"
check "parts info counts the part's tasks" grep -q "tasks     10: 10 done, 0 diverged, 0 pending$" "$dir/info.txt"
"$SEEDSWEEP" report "$dir/p1.part-1-of-3.h5" >"$dir/report.txt" 2>&1
check "parts report names the part and counts its tasks" \
    grep -q "part 1 of 3: tasks t mod 3 = 1, of the job's 30 tasks" "$dir/report.txt"
check "parts report counts the part's tasks" grep -q "10 tasks: 10 done, 0 diverged, 0 pending" "$dir/report.txt"
"$SEEDSWEEP" report "$dir/p1.part-1-of-3.h5" --format json | "$PY" -c "
import json, sys; r = json.load(sys.stdin); assert r['part'] == {'index': 1, 'count': 3, 'job_tasks': 30}, r['part']
assert r['tasks']['total'] == 10, r['tasks']" 2>"$dir/py.err"
check "parts report json names the part" [ $? = 0 ]
"$SEEDSWEEP" run "$job" --out "$dir/p1.h5" --part 1/3 >"$dir/again.log" 2>&1
check "parts a finished part re-run has nothing to do" grep -q "10 tasks, 0 to run (10 already done)" "$dir/again.log"

"$SEEDSWEEP" merge --out "$dir/m1.h5" "$dir"/p1.part-*-of-3.h5 >"$dir/merge.log" 2>&1
rc=$?; check "parts merge of 3 parts exits 0" [ $rc = 0 ]
check "parts merge says what it did" grep -q "3 files -> $dir/m1.h5: 30 of 30 tasks done" "$dir/merge.log"
out=$(same_run "$dir/m1.h5" "$dir"/p1.part-*-of-3.h5 2>&1)
if [ $? = 0 ]; then pass "parts 3 parts on 1 rank merged bit-identical to one run ($out)"; else fail "parts 1-rank merge: $out"; fi

# parts on 2 ranks each
for i in 0 1; do
    mpirun -n 2 "$SEEDSWEEP" run "$job" --out "$dir/p2.h5" --part $i/2 --quiet >"$dir/p2-$i.log" 2>&1 ||
        fail "parts mpirun -n 2 --part $i/2 exits 0: $(tail -3 "$dir/p2-$i.log")"
done
"$SEEDSWEEP" merge --out "$dir/m2.h5" "$dir/p2.part-1-of-2.h5" "$dir/p2.part-0-of-2.h5" >/dev/null 2>"$dir/merge.err"
out=$(same_run "$dir/m2.h5" "$dir/p2.part-0-of-2.h5" "$dir/p2.part-1-of-2.h5" 2>&1)
if [ $? = 0 ]; then pass "parts 2 parts on 2 ranks merged bit-identical to one run ($out)"; else fail "parts 2-rank merge: $out $(cat "$dir/merge.err")"; fi
"$PY" -c "
import h5py; r = h5py.File('$dir/m2.h5', 'r')['task_rank'][()]; assert set(r.tolist()) == {0, 1}, r" 2>"$dir/py.err"
check "parts merged task_rank keeps both ranks of each part" [ $? = 0 ]

# a part killed with kill -9 mid-run, resumed, merged
mpirun -n 2 "$SEEDSWEEP" run "$job" --out "$dir/k.h5" --part 0/2 >"$dir/k.log" 2>&1 &
job_pid=$!
for _ in $(seq 1200); do
    [ "$(grep -c '^\[' "$dir/k.log")" -ge 4 ] && break
    sleep 0.02
done
sleep "0.0$((RANDOM % 10))"
kill -9 $(pgrep -P $job_pid -x seedsweep | tr '\n' ' ') $job_pid 2>/dev/null
wait $job_pid 2>/dev/null
pending=$("$PY" -c "import h5py; s=h5py.File('$dir/k.part-0-of-2.h5','r')['task_status'][()]; print(int((s[0::2]==0).sum()))" 2>/dev/null)
if [ -n "$pending" ] && [ "$pending" -gt 0 ]; then pass "parts kill -9 left part 0/2 unfinished ($pending of 15 pending)"
else skip "parts kill -9: the part finished first (${pending:-no file})"; fi
mpirun -n 2 "$SEEDSWEEP" run "$job" --out "$dir/k.h5" --part 0/2 >"$dir/k2.log" 2>&1
check "parts killed part resumes and exits 0" [ $? = 0 ]
check "parts resumed part runs only its pending tasks" grep -q "15 tasks, ${pending:-x} to run" "$dir/k2.log"
"$SEEDSWEEP" merge --out "$dir/mk.h5" "$dir/k.part-0-of-2.h5" "$dir/p2.part-1-of-2.h5" >/dev/null 2>"$dir/merge.err"
out=$(same_run "$dir/mk.h5" "$dir/k.part-0-of-2.h5" 2>&1)
if [ $? = 0 ]; then pass "parts killed and resumed part merged bit-identical to one run"; else fail "parts kill -9 merge: $out $(cat "$dir/merge.err")"; fi

# refusals: exit 2 with a message naming the tasks and files
p0=$dir/p1.part-0-of-3.h5 p1=$dir/p1.part-1-of-3.h5 p2=$dir/p1.part-2-of-3.h5
refused() {   # refused NAME PATTERN merge-args...: exit 2, stderr matches PATTERN, no output left
    local name=$1 pattern=$2; shift 2
    rm -f "$dir/x.h5"
    local rc=0; "$SEEDSWEEP" merge --out "$dir/x.h5" "$@" >/dev/null 2>"$dir/refused.err" || rc=$?
    if [ $rc = 2 ] && grep -qF -- "$pattern" "$dir/refused.err" && [ ! -e "$dir/x.h5" ]; then pass "parts merge refuses $name"
    else fail "parts merge refuses $name: exit $rc: $(cat "$dir/refused.err")"; fi
}
refused "a missing part" "tasks 2, 5, 8, 11, 14, 17, 20, 23, 26, 29 (10 of 30) pending in every input" "$p0" "$p1"
refused "overlapping parts" "tasks 0, 3, 6, 9, 12, 15, 18, 21, 24, 27 (10 of 30) done in both $p0 and $dir/ref.h5" "$p0" "$dir/ref.h5"
refused "overlapping parts of two part counts" "done in both $dir/p2.part-0-of-2.h5 and $p0" "$dir/p2.part-0-of-2.h5" "$p0" "$p1" "$p2"
refused "one file given twice" "are the same file" "$p0" "$p1" "$p2" "$p1"
# foreign parts: another job (its text and digest rewritten consistently), other dataset contents, another BLAS kernel
foreign() {   # foreign COPY PYTHON [SOURCE]: a copy of SOURCE (default part 2) altered by PYTHON (f: the open file)
    cp "${3:-$p2}" "$1" && "$PY" -c "
import hashlib, h5py, numpy as np
f = h5py.File('$1', 'r+')
$2" || fail "parts foreign fixture $1"
}
foreign "$dir/otherjob.h5" "text = f.attrs['job'] + '; another job\n'
f.attrs['job'] = text; f.attrs['job_sha256'] = hashlib.sha256(text.encode()).hexdigest()"
refused "a part of another job" "$dir/otherjob.h5 is not from the job of $p0" "$p0" "$p1" "$dir/otherjob.h5"
foreign "$dir/otherdata.h5" "d = f['dataset_sha256']; v = d[()]; v[1] = b'0' * 64; d[...] = v"
refused "a part run on other data" "$dir/otherdata.h5: dataset fly2 had other contents than for $p0" "$p0" "$p1" "$dir/otherdata.h5"
foreign "$dir/otherblas.h5" "f.attrs['blas'] = 'OpenBLAS Prescott (elsewhere)'"
refused "a part run with another BLAS kernel" "$dir/otherblas.h5 ran with BLAS 'OpenBLAS Prescott (elsewhere)'" "$p0" "$p1" "$dir/otherblas.h5"
foreign "$dir/otherconv.h5" "f.attrs['conv_path'] = 'im2col' if f.attrs['conv_path'] == 'direct' else 'direct'"
refused "a part run on the other convolution path" "$dir/otherconv.h5 ran with convolution path" "$p0" "$p1" "$dir/otherconv.h5"
# another kernel in one part, with blas_mixing = allow in the job: merged
for i in 0 1 2; do
    src=$dir/p1.part-$i-of-3.h5
    foreign "$dir/mix$i.h5" "text = f.attrs['job'].replace('[sweep]\n', '[sweep]\nblas_mixing = allow\n', 1)
f.attrs['job'] = text; f.attrs['job_sha256'] = hashlib.sha256(text.encode()).hexdigest()
if $i == 2: f.attrs['blas'] = 'OpenBLAS Prescott (elsewhere)'" "$src"
done
expect_exit 0 "parts merge accepts another BLAS kernel when the job has blas_mixing = allow" \
    "$SEEDSWEEP" merge --out "$dir/mixed.h5" "$dir/mix0.h5" "$dir/mix1.h5" "$dir/mix2.h5"
refused "a file that is not a results file" "not a seedsweep results file" "$p0" "$p1" "$dir/fly1.h5"
# an input a sweep is still writing (its writer lock held)
"$PY" -c "
import fcntl, os, sys, time
fd = os.open('$p2', os.O_RDWR); fcntl.lockf(fd, fcntl.LOCK_EX)
open('$dir/locked', 'w').close(); time.sleep(60)" &
lock_pid=$!
for _ in $(seq 200); do [ -e "$dir/locked" ] && break; sleep 0.05; done
refused "an input a sweep is writing" "$p2: another sweep is writing this file" "$p0" "$p1" "$p2"
kill $lock_pid 2>/dev/null; wait $lock_pid 2>/dev/null; lock_pid=
# --out onto an input, or onto an existing results file
sum=$(sha256sum "$p0" | cut -c1-64)
rc=0; "$SEEDSWEEP" merge --out "$p0" "$p0" "$p1" "$p2" >/dev/null 2>"$dir/refused.err" || rc=$?
if [ $rc = 2 ] && grep -q "same file as the input" "$dir/refused.err" && [ "$(sha256sum "$p0" | cut -c1-64)" = "$sum" ]; then
    pass "parts merge --out onto an input is refused, the input untouched"
else fail "parts merge --out onto an input: exit $rc: $(cat "$dir/refused.err")"; fi
expect_exit 2 "parts merge --out onto an existing results file is refused" "$SEEDSWEEP" merge --out "$dir/ref.h5" "$p0" "$p1" "$p2"
expect_exit 2 "parts merge --out in a missing folder is refused" "$SEEDSWEEP" merge --out "$dir/nowhere/x.h5" "$p0" "$p1" "$p2"
expect_exit 2 "parts merge without --out is refused" "$SEEDSWEEP" merge "$p0" "$p1" "$p2"

# --partial, then a later merge completes the file
"$SEEDSWEEP" merge --partial --out "$dir/half.h5" "$p0" "$p2" >"$dir/half.log" 2>&1
check "parts merge --partial exits 0 and says what is pending" grep -q "20 of 30 tasks done (partial" "$dir/half.log"
"$SEEDSWEEP" info "$dir/half.h5" >"$dir/info.txt" 2>&1
check "parts a partial merge is the whole job with tasks pending" grep -q "tasks     30: 20 done, 0 diverged, 10 pending" "$dir/info.txt"
"$SEEDSWEEP" merge --out "$dir/full.h5" "$dir/half.h5" "$p1" >/dev/null 2>"$dir/merge.err"
out=$(same_run "$dir/full.h5" "$p0" "$p1" "$p2" 2>&1)
if [ $? = 0 ]; then pass "parts a partial merge completed by a later merge is bit-identical to one run"
else fail "parts partial then complete: $out $(cat "$dir/merge.err")"; fi

# bad --part values and a part file run as another part (exit 2 before any training)
for bad in 3/3 -1/3 1/0 a/3 1 0/3/4 /3 2/; do
    expect_exit 2 "parts run --part $bad is refused" "$SEEDSWEEP" run "$job" --out "$dir/bad.h5" --part "$bad"
done
expect_exit 2 "parts run --part twice is refused" "$SEEDSWEEP" run "$job" --out "$dir/bad.h5" --part 0/2 --part 1/2
rc=0; "$SEEDSWEEP" run "$job" --out "$dir/bad.h5" --part 0/31 >/dev/null 2>"$dir/bad.err" || rc=$?
if [ $rc = 2 ] && grep -q "the job has 30 tasks, so at most 30 parts" "$dir/bad.err"; then pass "parts run --part 0/31 of 30 tasks is refused"
else fail "parts run --part 0/31: exit $rc: $(cat "$dir/bad.err")"; fi
check "parts refused --part values leave no file" [ -z "$(ls "$dir" | grep '^bad.*h5')" ]
cp "$p0" "$dir/moved.part-1-of-3.h5"
rc=0; "$SEEDSWEEP" run "$job" --out "$dir/moved.h5" --part 1/3 >/dev/null 2>"$dir/bad.err" || rc=$?
if [ $rc = 2 ] && grep -q "moved.part-1-of-3.h5: holds part 0 of 3: tasks t mod 3 = 0, but this run is part 1 of 3" "$dir/bad.err"
then pass "parts resuming a part file as another part is refused"; else fail "parts resume as another part: exit $rc: $(cat "$dir/bad.err")"; fi
cp "$dir/ref.h5" "$dir/whole.part-0-of-3.h5"
rc=0; "$SEEDSWEEP" run "$job" --out "$dir/whole.h5" --part 0/3 >/dev/null 2>"$dir/bad.err" || rc=$?
if [ $rc = 2 ] && grep -q "holds the whole job, but this run is part 0 of 3" "$dir/bad.err"
then pass "parts resuming a whole-job file as a part is refused"; else fail "parts whole file as a part: exit $rc: $(cat "$dir/bad.err")"; fi
finish
