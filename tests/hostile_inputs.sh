#!/usr/bin/env bash
# hostile_inputs.sh - round two of the bad-input catalogue: what a hostile user sharing a
# directory can hand every subcommand. Paths that are not regular files (FIFOs, devices,
# directories) are refused at once; declared sizes are checked before anything is read; no command
# writes over one of its inputs, a results file, a device, '' or a directory; results files read
# back are validated; numbers that vanish in float are refused and diverged runs kept out of the
# statistics; long paths and comments work. Every refusal is exit 2 naming the thing at fault.
source "$(dirname "$0")/lib.sh"
source "$ROOT/tests/helpers/sweep_fixture.sh"
T=$(tmpdir)
trap 'rm -rf "$T"' EXIT
cd "$T" || exit 1
S=$SEEDSWEEP
export OMPI_MCA_ess_singleton_isolated=1

# bad NAME NEEDLE CMD...: exits 2 within 20 s (a hang is a failure) and stderr contains NEEDLE
bad() {
    local name=$1 needle=$2; shift 2
    local rc=0
    timeout -s KILL 20 "$@" >out.txt 2>err.txt </dev/null || rc=$?
    if [ "$rc" != 2 ]; then fail "$name: exit $rc, expected 2 (137: hung); stderr: $(head -c 300 err.txt)"; return 1; fi
    if ! grep -qF -- "$needle" err.txt; then fail "$name: stderr does not name '$needle': $(head -c 300 err.txt)"; return 1; fi
    pass "$name"
}
# good NAME CMD...: exits 0
good() {
    local name=$1; shift
    local rc=0
    timeout -s KILL 60 "$@" >out.txt 2>err.txt </dev/null || rc=$?
    if [ "$rc" = 0 ]; then pass "$name"; else fail "$name: exit $rc: $(head -c 300 err.txt)"; fi
}

# ---- fixtures ----
"$S" synth fly1 --out f1.h5 --size 16 --count 40 >/dev/null && "$S" synth fly2 --out f2.h5 --size 16 --count 40 >/dev/null ||
    { fail "fixtures: synth"; finish; }
tiny_job 0-1 "fly1 fly2" fly1=f1.h5 fly2=f2.h5 >good.ini
job() { sed -e "$2" good.ini >"$1"; }
"$S" run good.ini --quiet --out keep.h5 >/dev/null 2>&1 || { fail "fixtures: the good job does not run"; finish; }
$PY - <<'EOF'
import struct
def write(name, magic, dims, payload):
    open(name, 'wb').write(struct.pack('>I', magic) + b''.join(struct.pack('>I', d) for d in dims) + bytes(payload))
write('ok-labels', 2049, [4], [0, 1, 0, 1])
write('ok-images', 2051, [4, 2, 2], range(16))
EOF

# ---- 1. paths that are not regular files: refused at once, never waited on or read ----
mkfifo fifo.h5 fifo.ini fifo-idx
job fifo_dataset.ini 's/^fly2 = .*/fly2 = fifo.h5/'
bad "fifo: as a dataset of the job" "fifo.h5: is a FIFO" "$S" run fifo_dataset.ini --quiet --out r1.h5
bad "fifo: as the job file" "fifo.ini: is a FIFO" "$S" run fifo.ini --quiet --out r1.h5
bad "fifo: info" "is a FIFO" "$S" info fifo.h5
bad "fifo: report" "is a FIFO" "$S" report fifo.h5
bad "fifo: montage input" "is a FIFO" "$S" montage fifo.h5 -o m.png
bad "fifo: import idx images" "fifo-idx: is a FIFO" "$S" import idx fifo-idx ok-labels --out new.h5
bad "fifo: import idx labels" "fifo-idx: is a FIFO" "$S" import idx ok-images fifo-idx --out new.h5
"$S" montage f1.h5 -o grid.png --count 4 >/dev/null 2>&1
mkdir -p pngs/a pngs/b && cp grid.png pngs/a/1.png && cp grid.png pngs/b/1.png && mkfifo pngs/b/2.png
rc=0; timeout -s KILL 20 "$S" import png pngs --out pngs.h5 >out.txt 2>err.txt </dev/null || rc=$?
if [ $rc = 0 ] && grep -q "skipping pngs/b/2.png" err.txt; then pass "fifo: a .png FIFO in an import folder is skipped, not read"
else fail "fifo: a .png FIFO in an import folder: exit $rc (137: hung): $(head -c 300 err.txt)"; fi
job zero.ini 's|^fly2 = .*|fly2 = /dev/zero|'
bad "device: /dev/zero as a dataset" "/dev/zero: is a character device" "$S" run zero.ini --quiet --out r1.h5
bad "device: /dev/zero as the job file" "character device" "$S" run /dev/zero --quiet --out r1.h5
bad "device: info /dev/zero" "character device" "$S" info /dev/zero
mkdir -p adir.h5
job dir.ini 's/^fly2 = .*/fly2 = adir.h5/'
bad "directory: as a dataset" "adir.h5: is a directory" "$S" run dir.ini --quiet --out r1.h5
ln -s f2.h5 link2.h5
job link.ini 's/^fly2 = .*/fly2 = link2.h5/'
good "symlink: a symlinked dataset still works" "$S" run link.ini --quiet --out linked.h5
ln -s fifo.h5 link-fifo.h5
job linkfifo.ini 's/^fly2 = .*/fly2 = link-fifo.h5/'
bad "symlink: to a FIFO is refused" "is a FIFO" "$S" run linkfifo.ini --quiet --out r1.h5

# ---- 2. sizes believed only after they are checked ----
$PY - <<'EOF'
import h5py, numpy as np
def dataset(name, shape, labels=None, **kw):
    with h5py.File(name, 'w') as f:
        f.attrs['format'] = 'seedsweep-dataset/1'
        f.attrs['class_names'] = ['Control', 'Snap29']
        f.attrs['source'] = 'hostile'
        f.create_dataset('images', shape=shape, dtype='u1', **kw)
        f['labels'] = np.array(labels if labels is not None else [0, 1] * (shape[0] // 2), dtype='u1')
dataset('bomb.h5', (60, 20000, 20000, 1), chunks=(1, 1000, 1000, 1), compression='gzip')
dataset('bomb-many.h5', (1 << 33, 16, 16, 1), labels=[0, 1], chunks=(1, 16, 16, 1), compression='gzip')
dataset('wide.h5', (4, 16, 16, 9), chunks=(1, 16, 16, 9), compression='gzip')
dataset('labels-long.h5', (4, 16, 16, 1), labels=[0, 1] * 50000)
# lzf is optional in h5py: it must actually compress (a repeating pattern), else chunks stay raw
with h5py.File('lzf.h5', 'w') as f:
    f.attrs['format'] = 'seedsweep-dataset/1'
    f.attrs['class_names'] = ['Control', 'Snap29']
    f.create_dataset('images', data=np.tile(np.arange(16, dtype='u1'), (40, 16, 1))[..., None], chunks=(1, 16, 16, 1),
                     compression='lzf')
    f['labels'] = np.array([0, 1] * 20, dtype='u1')
EOF
ls -la bomb.h5 >/dev/null 2>&1 || fail "fixtures: h5py bomb"
start=$SECONDS
bad "size: 7 KB of gzip declaring 60 x 20000 x 20000 (info)" "20000 x 20000" "$S" info bomb.h5
job bomb.ini 's/^fly2 = .*/fly2 = bomb.h5/'
bad "size: the same as a dataset of a job (checked against the job's shape)" "images are 20000x20000x1" "$S" run bomb.ini --quiet --out r1.h5
bad "size: 2^33 declared images" "images" "$S" info bomb-many.h5
bad "size: 9 channels" "channels must be 1-4" "$S" info wide.h5
bad "size: 100000 labels for 4 images" "labels for" "$S" info labels-long.h5
if [ $((SECONDS - start)) -lt 30 ]; then pass "size: refused before reading ($((SECONDS - start)) s)"; else fail "size: refusals took $((SECONDS - start)) s"; fi
bad "filter: lzf (h5py) named as a missing filter, not as damage" "does not have" "$S" info lzf.h5

# ---- 3. outputs that would destroy inputs, devices, directories ----
cp good.ini job-copy.ini && cp job-copy.ini job-copy0.ini
bad "out: run --out JOBFILE --restart" "same file as the input" "$S" run job-copy.ini --quiet --out job-copy.ini --restart
check "out: the job file is intact" cmp -s job-copy.ini job-copy0.ini
bad "out: run --out a dataset of the job via another name (./f1.h5)" "same file" "$S" run good.ini --quiet --out ./f1.h5 --restart
ln f2.h5 hard-f2.h5
bad "out: run --out a hard link to a dataset" "same file" "$S" run good.ini --quiet --out hard-f2.h5 --restart
# a private device node (as root), never /dev/null itself: a binary without the fix would replace it
if mknod -m 666 null c 1 3 2>/dev/null; then
    bad "out: run --out a character device" "character device" "$S" run good.ini --quiet --out null
    check "out: the device node is still a character device" test -c null
    bad "out: synth --out a character device" "character device" "$S" synth fly1 --out null --size 16 --count 8
    check "out: the device node is still a character device after synth" test -c null
    job out_dev.ini "s|^train .*|&\noutput = $T/null|"
    bad "out: [sweep] output = a character device in the job" "character device" "$S" run out_dev.ini --quiet
else
    skip "out: a character device: cannot mknod (needs root)"
fi
bad "out: montage -o its own dataset" "same file as the input" "$S" montage f1.h5 -o f1.h5
ln -s f1.h5 link-f1.h5
bad "out: montage -o a symlink to its own dataset" "same file as the input" "$S" montage f1.h5 -o link-f1.h5
cp ok-images own-images && cp own-images own-images0
bad "out: import idx --out its own images" "same file as the input" "$S" import idx own-images ok-labels --out own-images
check "out: the IDX input is intact" cmp -s own-images own-images0
cp keep.h5 finished.h5
bad "out: synth --out a finished results file" "results of a sweep" "$S" synth fly1 --out finished.h5 --size 16 --count 8
bad "out: import idx --out a finished results file" "results of a sweep" "$S" import idx ok-images ok-labels --out finished.h5
bad "out: montage -o a finished results file" "results of a sweep" "$S" montage f1.h5 -o finished.h5
check "out: the results file is intact" cmp -s keep.h5 finished.h5
bad "out: run --out ''" "empty" "$S" run good.ini --quiet --out ''
bad "out: synth --out ''" "empty" "$S" synth fly1 --out '' --size 16 --count 8
bad "out: import --out ''" "empty" "$S" import idx ok-images ok-labels --out ''
bad "out: montage -o ''" "empty" "$S" montage f1.h5 -o ''
mkdir -p outdir
bad "out: run --out DIR" "is a directory" "$S" run good.ini --quiet --out outdir
bad "out: run --out DIR/" "is a directory" "$S" run good.ini --quiet --out outdir/
bad "out: synth --out DIR" "is a directory" "$S" synth fly1 --out outdir --size 16 --count 8
bad "out: montage -o DIR" "is a directory" "$S" montage f1.h5 -o outdir

# ---- 6. results files read back are validated ----
$PY - <<'EOF'
import h5py, shutil
for name in ['status5', 'status-neg', 'jobedit', 'shaedit', 'trainidx', 'shortacc']:
    shutil.copy('keep.h5', name + '.h5')
with h5py.File('status5.h5', 'r+') as f: f['task_status'][0] = 5
with h5py.File('status-neg.h5', 'r+') as f: f['task_status'][1] = -1
with h5py.File('jobedit.h5', 'r+') as f: f.attrs['job'] = f.attrs['job'].replace('epochs = 1', 'epochs = 2')
with h5py.File('shaedit.h5', 'r+') as f: f.attrs['job_sha256'] = '0' * 64
with h5py.File('trainidx.h5', 'r+') as f: f['task_train_dataset'][0] = 7
with h5py.File('shortacc.h5', 'r+') as f:
    a = f['accuracy'][:1]; del f['accuracy']; f['accuracy'] = a
EOF
bad "results: task_status 5 (info)" "task_status[0] is 5" "$S" info status5.h5
bad "results: task_status 5 (report)" "task_status[0] is 5" "$S" report status5.h5
cp status5.h5 status5-0.h5
bad "results: task_status 5 (resume)" "task_status[0] is 5" "$S" run good.ini --quiet --out status5.h5
check "results: task_status 5 (file intact)" cmp -s status5.h5 status5-0.h5
bad "results: task_status -1" "task_status[1] is -1" "$S" report status-neg.h5
bad "results: job attribute edited (resume)" "not the SHA-256 of its 'job'" "$S" run good.ini --quiet --out jobedit.h5
if grep -qE "job_sha256 ([0-9a-f]{12}), this job \1" err.txt; then fail "results: job edited: message shows two identical hashes"; else pass "results: job edited: no two identical hashes"; fi
bad "results: job attribute edited (report)" "not the SHA-256" "$S" report jobedit.h5
bad "results: job_sha256 edited (resume refused)" "job_sha256" "$S" run good.ini --quiet --out shaedit.h5
bad "results: job_sha256 edited (info)" "job_sha256" "$S" info shaedit.h5
bad "results: task_train_dataset out of range (report)" "task_train_dataset[0] is 7" "$S" report trainidx.h5
bad "results: accuracy array of the wrong size (report)" "'accuracy' holds" "$S" report shortacc.h5

# ---- 7. numbers that are 0 or subnormal in float; diverged runs kept apart ----
for kv in "lr = 1e-50" "eps = 1e-50" "lr = 1e-40" "eps = 1e-39"; do
    key=${kv%% *}
    job "f_$key.ini" "/^batch/a $kv"
    bad "float: $kv refused naming the key" "[train] $key" "$S" run "f_$key.ini" --quiet --out r1.h5
done
job beta.ini '/^batch/a beta2 = 0.99999999999'
bad "float: beta2 = 0.99999999999 (1 in float) refused" "beta2" "$S" run beta.ini --quiet --out r1.h5
job lr_ok.ini '/^batch/a lr = 1e-30'
good "float: lr = 1e-30 (a normal float) still accepted" "$S" run lr_ok.ini --quiet --out lr_ok.h5
$PY - <<'EOF'
import h5py, shutil, numpy as np
shutil.copy('keep.h5', 'diverged.h5')
with h5py.File('diverged.h5', 'r+') as f:
    train = f['task_train_dataset'][()]
    for t in np.nonzero(train == 0)[0]:   # every fly1 run diverged: loss NaN, accuracy of class 0, "collapsed"
        f['task_status'][t] = 2
        f['loss'][t] = np.nan
        f['accuracy'][t] = 0.5
        f['collapsed'][t] = 1
EOF
"$S" report diverged.h5 >rep.txt 2>&1; rc=$?
check "diverged: report exits 0" test $rc = 0
check "diverged: fly1's runs are shown apart" grep -q "fly1: 2 runs diverged" rep.txt
if grep -qiE "nan +nan *$|z = nan" <(grep -A3 "Mann-Whitney" rep.txt); then fail "diverged: the rank test prints nan"; else pass "diverged: no nan rank test"; fi
check "diverged: the rank test says why there is none" grep -q "no test" rep.txt
"$S" report diverged.h5 --format json >rep.json 2>/dev/null
check "diverged: json: fly1's cells have n 0, no collapses, 2 diverged runs" $PY -c "import json; d=json.load(open('rep.json')); assert d['tasks']['diverged'] == 2; assert all(a['n'] == 0 and a['collapsed'] == 0 and a['diverged_runs'] == 2 for a in d['accuracy'] if a['train'] == 'fly1')"

# ---- 9. limits ----
long=$(printf 'd%.0s' $(seq 1 230))
mkdir -p "$long" && cp f2.h5 "$long/f2.h5"
job longpath.ini "s|^fly2 = .*|fly2 = $T/$long/f2.h5|"
good "limits: a dataset path of $(( ${#T} + 238 )) characters" "$S" run longpath.ini --quiet --out longpath.h5
job longpath2.ini "s|^fly2 = .*|fly2 = $long/f2.h5   ; with an inline comment|"
good "limits: a long path with an inline comment" "$S" run longpath2.ini --quiet --out longpath2.h5
comment=$(head -c 100000 /dev/zero | tr '\0' x)
job longcomment.ini "/^\[model\]/a ; $comment"
good "limits: a 100 kB comment line is ignored" "$S" run longcomment.ini --quiet --out longcomment.h5
job longbad.ini "/^input/a $comment"
bad "limits: a 100 kB bad line is reported under its section" "[model] (line 9)" "$S" run longbad.ini --quiet --out r1.h5
job longkey.ini "/^input/a ${comment:0:500} = 1"
bad "limits: a 500-character key is reported, cut, as an unknown key of its section" "[model] ${comment:0:64}... (line 9): unknown key" "$S" run longkey.ini --quiet --out r1.h5
bad "limits: SLURM_CPUS_PER_TASK=100000" "more threads than a rank may use" \
    env SLURM_CPUS_PER_TASK=100000 "$S" run good.ini --quiet --out r1.h5
finish
