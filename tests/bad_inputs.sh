#!/usr/bin/env bash
# bad_inputs.sh - the bad-input catalogue: every way a user can hand seedsweep a bad job
# file, model, dataset, import source, results file or command line, in one place. Each case must
# exit 2, name the problem on stderr (the file, key or value at fault), and leave results alone:
# `run` cases are run twice, once onto a fresh path (no file, no temporary file may appear) and once
# onto a finished results file (its checksum must not change). Imports must not create --out.
source "$(dirname "$0")/lib.sh"
T=$(tmpdir)
cleanup() {
    for m in "$T/ro" "$T/full"; do mountpoint -q "$m" 2>/dev/null && umount "$m"; done
    rm -rf "$T"
}
trap cleanup EXIT
cd "$T" || exit 1
S=$SEEDSWEEP
CASES=0
# a singleton `seedsweep run` (no mpirun) then starts without forking an orted: half the start-up time
export OMPI_MCA_ess_singleton_isolated=1

# bad NAME NEEDLE CMD...: exit 2 and stderr contains NEEDLE (fixed string)
bad() {
    local name=$1 needle=$2; shift 2
    CASES=$((CASES + 1))
    local rc=0
    "$@" >out.txt 2>err.txt || rc=$?
    if [ "$rc" != 2 ]; then
        fail "$name: exit $rc, expected 2; stderr: $(head -c 300 err.txt)"
        return 1
    fi
    if ! grep -qF -- "$needle" err.txt; then
        fail "$name: stderr does not name '$needle': $(head -c 300 err.txt)"
        return 1
    fi
    return 0
}

# badrun NAME NEEDLE JOB [ARGS...]: `run JOB` must fail as above onto a fresh path (nothing created)
# and onto a finished results file (left byte for byte as it was).
badrun() {
    local name=$1 needle=$2; shift 2
    rm -rf fresh && mkdir fresh
    bad "$name" "$needle" "$S" run "$@" --quiet --out fresh/r.h5 || return
    if [ -n "$(ls -A fresh)" ]; then
        fail "$name: left files behind in the output directory: $(ls -A fresh | tr '\n' ' ')"
        return
    fi
    CASES=$((CASES - 1))   # the same case, second half
    cp keep.h5 kept.h5
    bad "$name (onto a finished file)" "$needle" "$S" run "$@" --quiet --out kept.h5 || return
    if ! cmp -s keep.h5 kept.h5; then
        fail "$name: the existing results file changed"
        return
    fi
    pass "$name"
}

# badimport NAME NEEDLE ARGS...: `import ARGS --out new.h5` exits 2 naming NEEDLE, creates nothing
badimport() {
    local name=$1 needle=$2; shift 2
    rm -f new.h5
    bad "$name" "$needle" "$S" import "$@" --out new.h5 || return
    if ls new.h5* >/dev/null 2>&1; then fail "$name: created $(ls new.h5*)"; return; fi
    pass "$name"
}

# ---- fixtures: three small datasets, a good job, a finished results file of it ----
"$S" synth fly1 --out f1.h5 --size 16 --count 40 >/dev/null &&
    "$S" synth fly2 --out f2.h5 --size 16 --count 40 >/dev/null &&
    "$S" synth fly3 --out f20.h5 --size 20 --count 40 >/dev/null || { fail "fixtures: synth"; finish; }
cat >good.ini <<'EOF'
[sweep]
name   = bad-inputs
output = results.h5
seeds  = 0-1
train  = fly1 fly2
vary   = both
[datasets]
fly1 = f1.h5
fly2 = f2.h5
[model]
input  = 16x16x1
layers = conv4 pool flatten dense8 dense2
init   = glorot_uniform
[train]
epochs = 1
batch  = 8
lr     = 0.001
EOF
"$S" run good.ini --quiet --out keep.h5 >/dev/null 2>&1 || { fail "fixtures: the good job does not run"; finish; }

# job NAME SED-EXPRESSION: good.ini edited into NAME
job() { sed -e "$2" good.ini >"$1"; }

# ---- job file ----
job unknown_key.ini '/^vary/a colour = blue'
badrun "job: unknown key" "colour" unknown_key.ini
job unknown_section.ini '$a [extras]\nx = 1'
badrun "job: unknown section" "extras" unknown_section.ini
job not_ini.ini '/^name/a this line is not ini'
badrun "job: a line that is not KEY = VALUE" "not_ini.ini" not_ini.ini
job seeds_reversed.ini 's/^seeds .*/seeds = 9-2/'
badrun "job: seed range 9-2" "seeds" seeds_reversed.ini
job seeds_word.ini 's/^seeds .*/seeds = zero-nine/'
badrun "job: seeds not numbers" "seeds" seeds_word.ini
job seeds_empty.ini 's/^seeds .*/seeds =/'
badrun "job: empty seed list" "seeds" seeds_empty.ini
job missing_dataset.ini 's/^fly2 = .*/fly2 = no-such-file.h5/'
badrun "job: dataset file missing" "no-such-file.h5" missing_dataset.ini
job train_unknown.ini 's/^train .*/train = fly1 fly9/'
badrun "job: train names an unknown dataset" "fly9" train_unknown.ini
job train_empty.ini 's/^train .*/train =/'
badrun "job: empty train list" "train" train_empty.ini
job epochs0.ini 's/^epochs .*/epochs = 0/'
badrun "job: epochs 0" "epochs" epochs0.ini
job batch0.ini 's/^batch .*/batch = 0/'
badrun "job: batch 0" "batch" batch0.ini
job batch_big.ini 's/^batch .*/batch = 41/'
badrun "job: batch larger than the training set" "batch" batch_big.ini
job lr_word.ini 's/^lr .*/lr = fast/'
badrun "job: lr not a number" "lr" lr_word.ini
job lr_negative.ini 's/^lr .*/lr = -0.1/'
badrun "job: lr negative" "lr" lr_negative.ini
job dup_dataset.ini '/^fly2 = /a fly1 = f2.h5'
badrun "job: duplicate dataset names" "fly1" dup_dataset.ini
job vary_bad.ini 's/^vary .*/vary = everything/'
badrun "job: vary not both|init|order" "vary" vary_bad.ini
job init_bad.ini 's/^init .*/init = zeros/'
badrun "job: unknown init" "init" init_bad.ini
job no_layers.ini '/^layers/d'
badrun "job: [model] layers missing" "layers" no_layers.ini
CASES=$((CASES + 1))
expect_exit 2 "job: file does not exist" "$S" run no-such-job.ini --quiet --out fresh/r.h5

# ---- model spec ----
job layer_unknown.ini 's/^layers .*/layers = conv4 pool blah flatten dense2/'
badrun "model: unknown layer" "blah" layer_unknown.ini
job pool_zero.ini 's/^layers .*/layers = conv4 pool pool pool pool pool flatten dense2/'
badrun "model: pooling to zero size" "pool" pool_zero.ini
job no_dense.ini 's/^layers .*/layers = conv4 pool flatten/'
badrun "model: no final dense" "dense" no_dense.ini
job classes3.ini 's/^layers .*/layers = conv4 pool flatten dense8 dense3/'
badrun "model: 3 classes but the data has 2" "final dense layer has 3 outputs" classes3.ini
job input_bad.ini 's/^input .*/input = 16x16xRGB/'
badrun "model: input not HxWxC" "input" input_bad.ini
job input_mismatch.ini 's/^input .*/input = 20x20x1/'
badrun "model: input differs from the datasets' images" "20x20x1 does not fit" input_mismatch.ini
job conv_zero.ini 's/^layers .*/layers = conv0 pool flatten dense2/'
badrun "model: conv with 0 channels" "conv0" conv_zero.ini

# ---- datasets ----
head -c 4000 f2.h5 >trunc.h5
job trunc.ini 's/^fly2 = .*/fly2 = trunc.h5/'
badrun "dataset: truncated HDF5" "trunc.h5" trunc.ini
cp f2.h5 wrongfmt.h5 && $PY -c "import h5py; h5py.File('wrongfmt.h5','r+').attrs['format']='something-else/9'"
job wrongfmt.ini 's/^fly2 = .*/fly2 = wrongfmt.h5/'
badrun "dataset: wrong format attribute" "wrongfmt.h5" wrongfmt.ini
cp f2.h5 labels.h5 && $PY -c "import h5py; f=h5py.File('labels.h5','r+'); l=f['labels'][:]; l[3]=7; f['labels'][:]=l"
job labels.ini 's/^fly2 = .*/fly2 = labels.h5/'
badrun "dataset: label out of range" "labels.h5" labels.ini
job shapes.ini 's/^fly2 = .*/fly2 = f20.h5/'
badrun "dataset: shapes differ across datasets" "fly2" shapes.ini
cp f2.h5 names.h5 && $PY -c "import h5py; f=h5py.File('names.h5','r+'); f.attrs['class_names']=['Snap29','Control']"
job names.ini 's/^fly2 = .*/fly2 = names.h5/'
badrun "dataset: class names differ across datasets" "fly2" names.ini
echo "not hdf5 at all" >text.h5
job text.ini 's/^fly2 = .*/fly2 = text.h5/'
badrun "dataset: not an HDF5 file" "text.h5" text.ini

# ---- PNG import ----
"$S" montage f1.h5 -o grid.png --count 4 >/dev/null 2>&1 || fail "fixtures: montage"
mkdir -p png_ok/a png_ok/b && cp grid.png png_ok/a/1.png && cp grid.png png_ok/b/1.png
cp -r png_ok png_trunc && head -c 200 grid.png >png_trunc/b/1.png
badimport "png: truncated file" "1.png" png png_trunc
cp -r png_ok png_magic && echo "GIF89a not a png" >png_magic/a/1.png
badimport "png: wrong magic" "1.png" png png_magic
mkdir -p png_empty/a png_empty/b
badimport "png: zero images" "png_empty" png png_empty
mkdir -p png_one/a && cp grid.png png_one/a/1.png
badimport "png: a single class" "png_one" png png_one
badimport "png: directory missing" "png_none" png png_none
mkdir -p png_size/a png_size/b && cp grid.png png_size/a/1.png && "$S" montage f20.h5 -o png_size/b/2.png --count 1 >/dev/null 2>&1
badimport "png: sizes differ without --size" "png_size" png png_size

# ---- IDX import ----
$PY - <<'EOF'
import struct
def write(name, magic, dims, payload):
    open(name, 'wb').write(struct.pack('>I', magic) + b''.join(struct.pack('>I', d) for d in dims) + bytes(payload))
write('ok-labels', 2049, [4], [0, 1, 0, 1])
write('ok-images', 2051, [4, 2, 2], range(16))
write('trunc-images', 2051, [4, 2, 2], range(10))
write('magic-images', 2052, [4, 2, 2], range(16))
write('zero-labels', 2049, [0], [])
write('zero-images', 2051, [0, 2, 2], [])
write('one-labels', 2049, [4], [3, 3, 3, 3])
write('three-labels', 2049, [3], [0, 1, 0])
EOF
badimport "idx: truncated images" "trunc-images" idx trunc-images ok-labels
badimport "idx: wrong magic" "magic-images" idx magic-images ok-labels
badimport "idx: zero images" "zero-images" idx zero-images zero-labels
badimport "idx: a single class" "class" idx ok-images one-labels
badimport "idx: image and label counts differ" "three-labels" idx ok-images three-labels
badimport "idx: unknown --classes" "Parka" idx ok-images ok-labels --classes Parka,0

# ---- results file ----
job other.ini 's/^seeds .*/seeds = 0-2/'
"$S" run other.ini --quiet --out other.h5 >/dev/null 2>&1
cp other.h5 other0.h5
if bad "results: written by another job" "other.h5" "$S" run good.ini --quiet --out other.h5; then
    check "results: written by another job (file intact)" cmp -s other.h5 other0.h5
fi
cp f1.h5 f1.copy.h5
if bad "results: output is a dataset file" "f1.copy.h5" "$S" run good.ini --quiet --out f1.copy.h5 --restart; then
    check "results: output is a dataset file (file intact, even with --restart)" cmp -s f1.h5 f1.copy.h5
fi
head -c 3000 keep.h5 >trunc-results.h5 && cp trunc-results.h5 trunc-results0.h5
if bad "results: truncated results file" "trunc-results.h5" "$S" run good.ini --quiet --out trunc-results.h5; then
    check "results: truncated results file (left as it was)" cmp -s trunc-results.h5 trunc-results0.h5
fi
# the same job text, but a dataset changed on disk since the file was made
mkdir -p changed && cp good.ini changed/ && cp f1.h5 changed/f1.h5 && cp keep.h5 changed/keep.h5 &&
    "$S" synth fly2 --out changed/f2.h5 --size 16 --count 48 >/dev/null
CASES=$((CASES + 1))   # counted here: bad runs in a subshell below
if (cd changed && bad "results: a dataset changed since the file was made" "keep.h5" "$S" run good.ini --quiet --out keep.h5); then
    check "results: a dataset changed since the file was made (file intact)" cmp -s keep.h5 changed/keep.h5
fi
bad "results: directory missing" "no-such-dir" "$S" run good.ini --quiet --out no-such-dir/r.h5 && pass "results: directory missing"
# read-only: a read-only tmpfs when we may mount (root ignores chmod), else a chmod 555 directory
mkdir -p ro
if [ "$(id -u)" = 0 ] && mount -t tmpfs -o ro,size=1m tmpfs ro 2>/dev/null; then how="read-only tmpfs"
elif [ "$(id -u)" != 0 ]; then chmod 555 ro; how="chmod 555"
else how=""; fi
if [ -n "$how" ]; then
    bad "results: read-only directory ($how)" "ro/r.h5" "$S" run good.ini --quiet --out ro/r.h5 && pass "results: read-only directory ($how)"
else
    skip "results: read-only directory: cannot mount a read-only tmpfs as root"
fi
# out of space: a tmpfs too small for the file (mount needs root)
mkdir -p full
if [ "$(id -u)" = 0 ] && mount -t tmpfs -o size=48k tmpfs full 2>/dev/null; then
    head -c 40000 /dev/zero >full/ballast
    if bad "results: not enough free space" "full/r.h5" "$S" run good.ini --quiet --out full/r.h5; then
        check "results: not enough free space (nothing left behind)" test "$(ls -A full)" = ballast
    fi
    # a finished file on a file system that became read-only: resuming must refuse it cleanly
    rm -f full/ballast && cp keep.h5 full/r.h5 && mount -o remount,ro full
    bad "results: existing file on a read-only file system" "full/r.h5" "$S" run good.ini --quiet --out full/r.h5 &&
        check "results: existing file on a read-only file system (intact)" cmp -s keep.h5 full/r.h5
else
    skip "results: not enough free space: cannot mount a small tmpfs (needs root)"
fi

# ---- command line ----
bad "cli: unknown option" "--frobnicate" "$S" run good.ini --frobnicate && pass "cli: unknown option"
bad "cli: option missing its value" "--out" "$S" run good.ini --out && pass "cli: option missing its value"
bad "cli: --threads 0" "--threads" "$S" run good.ini --threads 0 && pass "cli: --threads 0"
bad "cli: missing JOB.ini" "JOB.ini" "$S" run && pass "cli: missing JOB.ini"
bad "cli: unknown command" "frobnicate" "$S" frobnicate && pass "cli: unknown command"
bad "cli: import idx missing LABELS" "LABELS" "$S" import idx ok-images --out new.h5 && pass "cli: import idx missing LABELS"
bad "cli: synth unknown preset" "fly7" "$S" synth fly7 --out new.h5 && pass "cli: synth unknown preset"
bad "cli: report on a dataset file" "f1.h5" "$S" report f1.h5 && pass "cli: report on a dataset file"

# ---- under MPI: every rank exits 2, nothing created ----
if command -v mpirun >/dev/null; then
    rm -rf fresh && mkdir fresh
    if bad "mpi: 2 ranks, bad job file" "epochs" timeout 120 mpirun -np 2 "$S" run epochs0.ini --quiet --out fresh/r.h5; then
        check "mpi: 2 ranks, bad job file (nothing created)" test -z "$(ls -A fresh)"
    fi
fi

# the catalogue must stay a catalogue
if [ "$CASES" -ge 25 ]; then pass "catalogue holds $CASES cases (>= 25)"; else fail "catalogue holds only $CASES cases"; fi
finish
