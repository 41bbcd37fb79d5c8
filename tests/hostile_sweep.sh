#!/usr/bin/env bash
# hostile_sweep.sh - round three of the hostile catalogue, for `run`, `report` and `info`: what a
# user sharing the directory can do to a sweep and its outputs. [grid] values are checked as
# [train] values are; output that cannot be written (a full disk, /dev/full, a closed descriptor)
# ends in exit 1, never in success with an empty output; a dataset named like a member of the
# results file's layout is refused before any work; ranks started with other job files or reading
# other copies of a dataset are refused before anything is written, naming ranks, hosts and files,
# and a rank's reason for failing reaches the user whichever rank reports. Every refusal is exit 2 (bad input) or 1
# (runtime failure) with a message naming the file, key or line at fault.
source "$(dirname "$0")/lib.sh"
source "$ROOT/tests/helpers/sweep_fixture.sh"
T=$(tmpdir)
trap 'umount "$T/small" 2>/dev/null; rm -rf "$T"' EXIT
cd "$T" || exit 1
S=$SEEDSWEEP
export OMPI_MCA_ess_singleton_isolated=1
# Open MPI's session directories here, not in the /tmp/ompi.HOST.UID every root process on the
# machine shares (one process's clean-up can remove the directory another is creating in)
mkdir -p "$T/ompi" && export OMPI_MCA_orte_tmpdir_base="$T/ompi"

# exits WANT NAME NEEDLE CMD...: exits WANT within 60 s (137: hung) and stderr contains NEEDLE
exits() {
    local want=$1 name=$2 needle=$3; shift 3
    local rc=0
    timeout -s KILL 60 "$@" >out.txt 2>err.txt </dev/null || rc=$?
    if [ "$rc" != "$want" ]; then fail "$name: exit $rc, expected $want (137: hung); stderr: $(head -c 300 err.txt)"; return 1; fi
    if ! grep -qF -- "$needle" err.txt; then fail "$name: stderr does not name '$needle': $(head -c 300 err.txt)"; return 1; fi
    pass "$name"
}

# ---- fixtures ----
"$S" synth fly1 --out f1.h5 --size 16 --count 40 >/dev/null && "$S" synth fly2 --out f2.h5 --size 16 --count 40 >/dev/null ||
    { fail "fixtures: synth"; finish; }
tiny_job 0-1 "fly1 fly2" fly1=f1.h5 fly2=f2.h5 >good.ini
job() { sed -e "$2" good.ini >"$1"; }
"$S" run good.ini --quiet --out done.h5 >/dev/null 2>&1 || { fail "fixtures: the good job does not run"; finish; }

# ---- [grid] values go through the checks of [train] ----
grid() { cp good.ini "$1"; printf '[grid]\n%s\n' "$2" >>"$1"; }
grid g1.ini "eps = 1e-7 1e-50"
exits 2 "grid: eps 0 in single precision" "[grid] eps (line" "$S" run g1.ini --quiet --out g.h5
grid g2.ini "beta2 = 0.999 0.99999999"
exits 2 "grid: beta2 rounding to 1" "'0.99999999' is not a number in [0, 1)" "$S" run g2.ini --quiet --out g.h5
grid g3.ini "lr = 0.01 0.0100000000001"
exits 2 "grid: two lr values one float" "is the same in single precision" "$S" run g3.ini --quiet --out g.h5
grid g4.ini "lr = 0.0100000000000000000000000000000000000000000000000000000000000000x 0.1"
exits 2 "grid: a value longer than 63 characters is read whole" "0000x' is not a number" "$S" run g4.ini --quiet --out g.h5
grid g5.ini "lr = 1e-46 0.1"
exits 2 "grid: lr 0 in single precision" "'1e-46' is zero in single precision" "$S" run g5.ini --quiet --out g.h5
[ ! -e g.h5 ] && pass "grid: no results file was made for a refused grid" || fail "grid: g.h5 was made"

# ---- output that cannot be written: exit 1, never success with an empty output ----
rc=0; "$S" report done.h5 --format csv >/dev/full 2>err.txt || rc=$?
if [ "$rc" = 1 ] && grep -q "standard output.*No space left on device" err.txt; then pass "write error: report --format csv > /dev/full exits 1"
else fail "write error: report --format csv > /dev/full: exit $rc: $(head -c 300 err.txt)"; fi
rc=0; "$S" report done.h5 --format json >&- 2>err.txt || rc=$?
if [ "$rc" = 1 ] && grep -q "standard output" err.txt; then pass "write error: report with stdout closed exits 1"
else fail "write error: report with stdout closed: exit $rc: $(head -c 300 err.txt)"; fi
for what in "info done.h5" "info f1.h5" "report done.h5" "--help" "--version" "report --help"; do
    rc=0; "$S" $what >/dev/full 2>err.txt || rc=$?
    if [ "$rc" = 1 ] && grep -q "No space left on device" err.txt; then pass "write error: $what > /dev/full exits 1"
    else fail "write error: $what > /dev/full: exit $rc: $(head -c 300 err.txt)"; fi
done
# a full disk (a 64 KiB tmpfs), where the output gets part-way: needs mount rights, else skipped
mkdir -p small
if mount -t tmpfs -o size=64k tmpfs small 2>/dev/null; then
    head -c 60000 /dev/zero >small/filler
    rc=0; "$S" report done.h5 --format json >small/report.json 2>err.txt || rc=$?
    if [ "$rc" = 1 ] && grep -q "No space left on device" err.txt; then pass "write error: report onto a full disk exits 1"
    else fail "write error: report onto a full disk: exit $rc ($(wc -c <small/report.json) bytes written): $(head -c 300 err.txt)"; fi
    umount small
else
    skip "write error: report onto a full disk: cannot mount a small tmpfs here"
fi
rc=0; "$S" report done.h5 --format csv >ok.csv 2>err.txt || rc=$?
[ "$rc" = 0 ] && [ -s ok.csv ] && pass "write error: report to a writable file still exits 0" || fail "report to a file: exit $rc"

# ---- names that collide with the results file's own layout ----
job named.ini 's/fly1/name/g'
exits 2 "layout: a dataset called 'name' (/image_name is the source-name group)" "[datasets] name (line" "$S" run named.ini --quiet --out n.h5
[ ! -e n.h5 ] && pass "layout: no results file for the refused name" || fail "layout: n.h5 was made"
for name in accuracy labels hosts predictions dataset_name image_name task_seed class epoch; do
    job "as-$name.ini" "s/fly1/$name/g"
    rc=0; timeout -s KILL 60 "$S" run "as-$name.ini" --quiet --out "as-$name.h5" >/dev/null 2>err.txt || rc=$?
    if [ "$rc" = 0 ] && "$S" report "as-$name.h5" --format csv | grep -q "^$name,"; then pass "layout: a dataset called '$name' works"
    else fail "layout: a dataset called '$name': exit $rc: $(head -c 300 err.txt)"; fi
done
# ---- the results file removed, replaced or truncated while the sweep runs: exit 1 naming it ----
mkdir -p live && make_slow_fixture "$T/live" >/dev/null || fail "live: cannot make the slow fixture"
sed -i 's/^epochs = .*/epochs = 24/' live/job.ini
# under_sweep NAME NEEDLE ACTION: starts the 30-task sweep onto live/r.h5, runs ACTION (in live/)
# once 2 tasks are recorded, and expects exit 1 naming live/r.h5 and NEEDLE
under_sweep() {
    local name=$1 needle=$2 action=$3 rc=0 i
    rm -rf live/r.h5 live/r.h5.ckpt live/other.h5 live/log
    ( cd live && exec timeout -s KILL 120 "$SEEDSWEEP" run job.ini --out r.h5 --threads 1 >log 2>err ) &
    local pid=$!
    for i in $(seq 400); do grep -q '^\[2/30\]' live/log 2>/dev/null && break; sleep 0.05; done
    ( cd live && eval "$action" )
    wait "$pid" || rc=$?
    if [ "$rc" = 1 ] && grep -qF "r.h5: the results file $needle" live/err; then pass "live: $name: exit 1 ($needle)"
    else fail "live: $name: exit $rc, expected 1 naming r.h5 and '$needle': $(tail -c 300 live/err)"; fi
    grep -q '^\[30/30\]' live/log && fail "live: $name: the sweep ran to the end regardless"
}
under_sweep "rm of the results file" "was removed while the sweep ran" 'rm r.h5'
under_sweep "the results file moved away" "was removed while the sweep ran" 'mv r.h5 moved.h5'
under_sweep "another file moved into its place" "was replaced by another file" 'cp r.h5 other.h5 && mv other.h5 r.h5'
under_sweep "the results file truncated" "was truncated while the sweep ran" 'truncate -s 4096 r.h5'
rm -rf live/r.h5 live/r.h5.ckpt
rc=0; ( cd live && timeout -s KILL 120 "$SEEDSWEEP" run job.ini --out r.h5 --threads 1 --quiet ) >/dev/null 2>err.txt || rc=$?
[ "$rc" = 0 ] && pass "live: an undisturbed sweep still exits 0" || fail "live: undisturbed sweep: exit $rc: $(head -c 300 err.txt)"

# ---- resume trusts nothing of the results file's layout: exit 2 naming the array ----
# each case: a copy of a finished file with its tasks 1 and 3 pending again, altered by one edit
layout_case() {
    local name=$1 needle=$2 edit=$3
    cp done.h5 "lay-$name.h5"
    "$PY" - "lay-$name.h5" "$edit" <<'EOF' || { fail "layout: $name: the edit failed"; return 1; }
import sys, h5py, numpy as np
with h5py.File(sys.argv[1], "r+") as f:
    s = f["task_status"][()]; s[[1, 3]] = 0; f["task_status"][...] = s
    def replace(name, data, **kw):
        attrs = dict(f[name].attrs) if name in f else {}
        del f[name]
        f.create_dataset(name, data=data, **kw)
    exec(sys.argv[2])
EOF
    local before; before=$(sha256sum "lay-$name.h5")
    exits 2 "layout: $name" "$needle" "$S" run good.ini --quiet --out "lay-$name.h5"
    [ "$(sha256sum "lay-$name.h5")" = "$before" ] && pass "layout: $name: the file is left as it was" ||
        fail "layout: $name: the refused resume changed the file"
}
layout_case "accuracy one dataset wider" "/accuracy is 4x3 float32, this job writes 4x2 float32" \
    'replace("accuracy", np.zeros((4, 3), np.float32))'
layout_case "accuracy of rank 3" "/accuracy is 4x2x2 float32" 'replace("accuracy", np.zeros((4, 2, 2), np.float32))'
layout_case "predictions of rank 4 (a stack array once)" "/predictions/fly1 is 4x40x2x2 float32" \
    'replace("predictions/fly1", np.zeros((4, 40, 2, 2), np.float32))'
layout_case "task_seconds as integers" "/task_seconds is 4 int32, this job writes 4 float64" \
    'replace("task_seconds", np.zeros(4, np.int32))'
layout_case "train_loss one epoch short" "/train_loss is 4x0 float32" 'replace("train_loss", np.zeros((4, 0), np.float32))'
layout_case "dataset_name reordered" "/dataset_name[0] is 'fly2', this job's dataset 0 is 'fly1'" \
    'n = f["dataset_name"][()]; replace("dataset_name", n[::-1])'
layout_case "dataset_name renamed" "/dataset_name[1] is 'other'" \
    'n = list(f["dataset_name"][()]); n[1] = b"other"; replace("dataset_name", np.array(n, dtype=f["dataset_name"].dtype))'
layout_case "dataset_sha256 missing" "/dataset_sha256 is missing" 'del f["dataset_sha256"]'
layout_case "dataset_sha256 one short" "/dataset_sha256 is not one value per dataset" \
    'd = f["dataset_sha256"][()]; replace("dataset_sha256", d[:1])'
layout_case "hosts name of rank 2" "/hosts/name is" 'h = f["hosts/name"][()]; replace("hosts/name", np.stack([h, h], axis=1))'
layout_case "task_seed not the plan's" "/task_seed[2] is not this job's plan" \
    't = f["task_seed"][()]; t[2] = 99; f["task_seed"][...] = t'
layout_case "predictions missing" "/predictions/fly2 is missing" 'del f["predictions/fly2"]'
cp done.h5 lay-ok.h5
"$PY" -c 'import h5py,sys; f=h5py.File(sys.argv[1],"r+"); s=f["task_status"][()]; s[[1,3]]=0; f["task_status"][...]=s' lay-ok.h5
rc=0; "$S" run good.ini --quiet --out lay-ok.h5 >/dev/null 2>err.txt || rc=$?
[ "$rc" = 0 ] && pass "layout: an untouched file with pending tasks still resumes" || fail "layout: clean resume: exit $rc: $(head -c 300 err.txt)"

# ---- the checkpoint directory is not trusted blindly ----
mkdir -p victim && echo "someone's work" >victim/task-1.ckpt && echo "notes" >victim/notes.txt
ln -sfn "$T/victim" ck-link.h5.ckpt
exits 2 "checkpoints: RESULTS.h5.ckpt a symbolic link to someone's folder" "ck-link.h5.ckpt: is a symbolic link" \
    "$S" run good.ini --quiet --out ck-link.h5
[ -f victim/task-1.ckpt ] && [ -f victim/notes.txt ] && pass "checkpoints: nothing in the linked folder was deleted" ||
    fail "checkpoints: the linked folder lost files: $(ls victim)"
[ ! -e ck-link.h5 ] && pass "checkpoints: no results file next to a linked checkpoint folder" || fail "checkpoints: ck-link.h5 was made"
mkdir -p ck-open.h5.ckpt && chmod 0777 ck-open.h5.ckpt
exits 2 "checkpoints: a checkpoint folder others can write to" "ck-open.h5.ckpt: can be written by other users" \
    "$S" run good.ini --quiet --out ck-open.h5
if id nobody >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    mkdir -p ck-theirs.h5.ckpt && chown nobody ck-theirs.h5.ckpt && chmod 0755 ck-theirs.h5.ckpt
    exits 2 "checkpoints: a checkpoint folder of another user" "ck-theirs.h5.ckpt: belongs to another user" \
        "$S" run good.ini --quiet --out ck-theirs.h5
else
    skip "checkpoints: a folder of another user: needs root and a user 'nobody'"
fi
echo "not a folder" >ck-file.h5.ckpt
exits 2 "checkpoints: RESULTS.h5.ckpt a regular file" "ck-file.h5.ckpt: is not a directory" "$S" run good.ini --quiet --out ck-file.h5
# forged checkpoints (valid checksums) claiming "evaluating" for weights that never trained (Adam's
# step count 0, whatever phase the stop caught): with task_seconds -inf, and with a plausible time
for forged_seconds in -inf 1.5; do
    rm -rf live/f.h5 live/f.h5.ckpt
    ( cd live && exec "$SEEDSWEEP" run job.ini --out f.h5 --threads 1 >flog 2>ferr ) &
    pid=$!
    for i in $(seq 400); do grep -q '^\[2/30\]' live/flog 2>/dev/null && break; sleep 0.05; done
    sleep 0.3; kill -TERM "$pid"; rc=0; wait "$pid" || rc=$?
    ck=$(ls live/f.h5.ckpt/task-*.ckpt 2>/dev/null | head -n 1)
    if [ "$rc" != 3 ] || [ -z "$ck" ]; then
        fail "checkpoints: could not stop a sweep with a checkpoint left (exit $rc, checkpoint '${ck:-none}')"; continue
    fi
    "$PY" - "$ck" "$forged_seconds" <<'EOF'
import sys, struct, hashlib
p = sys.argv[1]; b = bytearray(open(p, "rb").read()); body = len(b) - 64
struct.pack_into("<i", b, 104, 1)                                    # phase: evaluating
struct.pack_into("<i", b, 112, struct.unpack_from("<i", b, 96)[0])   # epoch: all of them
struct.pack_into("<q", b, 120, 0); struct.pack_into("<q", b, 128, 0); struct.pack_into("<d", b, 136, 0.0)
struct.pack_into("<d", b, 152, float(sys.argv[2]))                   # task seconds so far
epochs = struct.unpack_from("<i", b, 96)[0]
struct.pack_into("<q", b, 192 + 8 * epochs, 0)                       # Adam's step count: never trained
b[body:] = hashlib.sha256(bytes(b[:body])).hexdigest().encode()
open(p, "wb").write(b)
EOF
    task=$(basename "$ck" .ckpt); task=${task#task-}
    rc=0; ( cd live && "$SEEDSWEEP" run job.ini --out f.h5 --threads 1 ) >live/flog2 2>live/ferr2 || rc=$?
    if [ "$rc" = 0 ] && grep -q "task $task starts over: checkpoint not trusted: .*task-$task.ckpt: " live/ferr2; then
        pass "checkpoints: forged 'evaluating', seconds $forged_seconds: not trusted, the task starts over ($(grep -o 'not trusted: .*' live/ferr2 | sed 's/.*ckpt: //' | head -n 1))"
    else fail "checkpoints: forged checkpoint (seconds $forged_seconds): exit $rc: $(tail -c 300 live/ferr2)"; fi
    why=$("$PY" -c 'import sys,h5py,numpy as np; s=h5py.File(sys.argv[1],"r")["task_seconds"][()]; print("ok" if np.all(np.isfinite(s)) and np.all(s>=0) else s)' live/f.h5)
    [ "$why" = ok ] && pass "checkpoints: every task_seconds finite and >= 0 after the forged one ($forged_seconds)" ||
        fail "checkpoints: task_seconds: $why"
done

# ---- the output path: a symbolic link planted where the sweep writes ----
cp done.h5 theirs.h5 && "$PY" -c 'import h5py,sys; f=h5py.File(sys.argv[1],"r+"); s=f["task_status"][()]; s[1]=0; f["task_status"][...]=s' theirs.h5
if id nobody >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    chown nobody theirs.h5 && ln -sfn "$T/theirs.h5" planted.h5
    before=$(sha256sum <theirs.h5)
    exits 2 "output: a symbolic link to another user's results file" "planted.h5: is a symbolic link to a file of another user" \
        "$S" run good.ini --quiet --out planted.h5
    [ "$(sha256sum <theirs.h5)" = "$before" ] && pass "output: the other user's file is left as it was" ||
        fail "output: the linked file was written"
else
    skip "output: a link to another user's file: needs root and a user 'nobody'"
fi
# the job file edited while the sweep runs: the run goes on with the text it read; a resume with the
# edited text is another job
rm -rf live/e.h5 live/e.h5.ckpt && cp live/job.ini live/edit.ini
( cd live && exec timeout -s KILL 120 "$SEEDSWEEP" run edit.ini --out e.h5 --threads 1 --quiet >/dev/null 2>eerr ) &
pid=$!
for i in $(seq 100); do [ -s live/e.h5 ] && break; sleep 0.05; done
sed -i 's/^epochs = .*/epochs = 1/' live/edit.ini
rc=0; wait "$pid" || rc=$?
same=$("$PY" -c 'import sys,h5py; f=h5py.File(sys.argv[1],"r"); print(f.attrs["job"] == open(sys.argv[2]).read(), f["train_loss"].shape[1])' live/e.h5 live/job.ini 2>&1)
[ "$rc" = 0 ] && [ "$same" = "True 24" ] && pass "job file edited during the run: the run keeps the text it read (24 epochs)" ||
    fail "job file edited during the run: exit $rc, recorded job is the original / epochs: $same"
exits 2 "job file edited during the run: resuming with the edited file is refused" "holds the results of a different job" \
    sh -c "cd '$T/live' && exec '$SEEDSWEEP' run edit.ini --out e.h5 --threads 1 --quiet"

# ---- ranks that disagree (two ranks of one mpirun, MPMD, each with its own working directory) ----
sed 's/^epochs = .*/epochs = 2/' good.ini >other.ini
exits 2 "ranks: started with different job files" "ranks were started with different job files: good.ini (sha256" \
    mpirun -np 1 "$S" run good.ini --quiet --out mixed.h5 : -np 1 "$S" run other.ini --quiet --out mixed.h5
grep -qF "other.ini (sha256" err.txt && grep -qF "on rank 1 on" err.txt && pass "ranks: the message names both job files and rank 1" ||
    fail "ranks: the message does not name other.ini and rank 1: $(head -c 300 err.txt)"
[ ! -e mixed.h5 ] && pass "ranks: no results file was made by ranks that disagree" || fail "ranks: mixed.h5 was made"
mkdir -p copy1 copy2 copy3
cp f1.h5 f2.h5 copy1/ && cp f1.h5 copy2/ && cp f1.h5 copy3/
"$S" synth fly2 --out copy2/f2.h5 --size 16 --count 40 --seed 9 >/dev/null 2>&1 || fail "ranks: cannot make a second copy of f2.h5"
cmp -s copy1/f2.h5 copy2/f2.h5 && fail "ranks: the two copies of f2.h5 are the same"
# two_dirs A B ARGS...: rank 0 in $T/A, rank 1 in $T/B, both running seedsweep ARGS
cat >two_dirs <<EOF
#!/bin/sh
a=\$1 b=\$2; shift 2
exec mpirun -np 1 -wdir "$T/\$a" "$S" "\$@" : -np 1 -wdir "$T/\$b" "$S" "\$@"
EOF
chmod +x two_dirs
SEEDSWEEP_SHARE_DATA=0 exits 2 "ranks: reading different copies of a dataset (a stale node-local copy)" \
    "[datasets] fly2 (line 6): ranks read different contents of f2.h5: sha256" ./two_dirs copy1 copy2 run "$T/good.ini" --quiet --out "$T/copies.h5"
grep -qF "on rank 0 on" err.txt && grep -qF "on rank 1 on" err.txt && pass "ranks: the message names each copy's rank" ||
    fail "ranks: the message does not name ranks 0 and 1: $(head -c 300 err.txt)"
[ ! -e copies.h5 ] && pass "ranks: no results file from different copies" || fail "ranks: copies.h5 was made"
exits 2 "ranks: the node's second rank cannot read a dataset: its reason is printed" "[datasets] fly2 (line 6): f2.h5: cannot open: No such file" \
    ./two_dirs copy1 copy3 run "$T/good.ini" --quiet --out "$T/missing.h5"
SEEDSWEEP_SHARE_DATA=0 exits 2 "ranks: the second rank cannot read a dataset (no sharing): its reason is printed" \
    "f2.h5: cannot open: No such file" ./two_dirs copy1 copy3 run "$T/good.ini" --quiet --out "$T/missing.h5"
grep -q "its message is above" err.txt && fail "ranks: 'its message is above' printed" || pass "ranks: no 'its message is above'"
exits 2 "ranks: the first rank cannot read a dataset: its reason is printed" "f2.h5: cannot open: No such file" \
    ./two_dirs copy3 copy1 run "$T/good.ini" --quiet --out "$T/missing.h5"
./two_dirs copy1 copy1 run "$T/good.ini" --quiet --out "$T/agree.h5" >/dev/null 2>err.txt &&
    pass "ranks: two ranks reading the same files still run" || fail "ranks: two agreeing ranks: $(head -c 300 err.txt)"
finish
