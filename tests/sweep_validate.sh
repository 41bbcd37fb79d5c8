#!/usr/bin/env bash
# sweep_validate.sh - `seedsweep run` refuses bad jobs before any training: exit 2 with a
# message naming the [section] key and line; refuses a results file of another job unless --restart.
source "$(dirname "$0")/lib.sh"
source "$ROOT/tests/helpers/sweep_fixture.sh"
dir=$(tmpdir)
trap 'rm -rf "$dir"' EXIT
make_fixture "$dir" 16 40 || { fail "sweep fixture: synth failed"; finish; }
"$PY" "$ROOT/tests/helpers/write_dataset.py" "$dir/small.h5" 40 8 8 1 Control,Snap29
"$PY" "$ROOT/tests/helpers/write_dataset.py" "$dir/pets.h5" 40 16 16 1 Cat,Dog
echo "not hdf5" >"$dir/junk.h5"

# refused NAME SED-EXPRESSION NEEDLE...: the edited job exits 2 and stderr holds every needle
refused() {
    local name=$1 edit=$2; shift 2
    sed -e "$edit" "$dir/job.ini" >"$dir/bad.ini"
    local rc=0
    "$SEEDSWEEP" run "$dir/bad.ini" --out "$dir/bad.h5" >"$dir/bad.out" 2>"$dir/bad.err" || rc=$?
    if [ $rc != 2 ]; then fail "$name: exit $rc, expected 2 ($(head -c 200 "$dir/bad.err"))"; return; fi
    for needle in "$@"; do
        if ! grep -qF -- "$needle" "$dir/bad.err"; then fail "$name: message lacks '$needle': $(cat "$dir/bad.err")"; return; fi
    done
    if [ -e "$dir/bad.h5" ]; then fail "$name: wrote a results file before refusing"; return; fi
    pass "$name"
}
refused "validate missing dataset file" "s|^fly2 = .*|fly2 = $dir/nothere.h5|" "[datasets] fly2 (line 8)" "nothere.h5"
refused "validate unreadable dataset" "s|^fly2 = .*|fly2 = $dir/junk.h5|" "[datasets] fly2 (line 8)"
refused "validate dataset of another image shape" "s|^fly3 = .*|fly3 = $dir/small.h5|" "[datasets] fly3 (line 9)" "8x8x1"
refused "validate dataset of other class names" "s|^fly2 = .*|fly2 = $dir/pets.h5|" "[datasets] fly2 (line 8)" "Cat,Dog"
refused "validate model input vs images" "s|^input .*|input  = 8x8x1|" "[model] input (line 11)" "16x16x1"
refused "validate final dense vs classes" "s|dense2$|dense3|" "[model] layers (line 12)" "3 outputs" "2 classes"
refused "validate model does not fit its input" "s|^layers .*|layers = conv4 pool pool pool pool pool dense2|" "[model] layers (line 12)" "pool"
refused "validate batch larger than training set" "s|^batch .*|batch  = 41|" "[train] batch (line 15)" "40 images"
refused "validate batch 0" "s|^batch .*|batch  = 0|" "[train] batch (line 15)"
refused "validate epochs 0" "s|^epochs .*|epochs = 0|" "[train] epochs (line 14)"
refused "validate lr not a number" "s|^batch .*|batch  = 8\nlr = 1e-3x|" "[train] lr (line 16)" "1e-3x"
refused "validate unknown key" "s|^epochs .*|epochs = 3\nmomentum = 0.9|" "[train] momentum (line 15)" "unknown key"
refused "validate unknown section" "s|^\[train\]|[optimizer]|" "[optimizer] (line 13)" "unknown section"
refused "validate malformed seeds" "s|^seeds .*|seeds  = 0-5, 3-|" "[sweep] seeds (line 4)" "3-"
refused "validate train not in datasets" "s|^train .*|train  = fly1 fly4|" "[sweep] train (line 5)" "fly4"
refused "validate duplicate train" "s|^train .*|train  = fly1 fly1|" "[sweep] train (line 5)" "twice"
refused "validate vary" "s|^train .*|train  = fly1\nvary = weights|" "[sweep] vary (line 6)"

# under MPI: every rank refuses, one message, exit 2
sed -e 's|dense2$|dense3|' "$dir/job.ini" >"$dir/bad.ini"
rc=0; mpirun -n 2 "$SEEDSWEEP" run "$dir/bad.ini" --out "$dir/bad.h5" >"$dir/mpi.out" 2>"$dir/mpi.err" || rc=$?
n=$(grep -c "\[model\] layers (line 12)" "$dir/mpi.err")
if [ $rc = 2 ] && [ "$n" = 1 ]; then pass "validate under mpirun -n 2: exit 2, one message"
else fail "validate under mpirun -n 2: exit $rc, $n messages"; fi

# results file of another job
"$SEEDSWEEP" run "$dir/job.ini" --out "$dir/r.h5" --quiet >/dev/null 2>&1
sed -e 's|^epochs .*|epochs = 2|' "$dir/job.ini" >"$dir/other.ini"
rc=0; "$SEEDSWEEP" run "$dir/other.ini" --out "$dir/r.h5" >/dev/null 2>"$dir/other.err" || rc=$?
if [ $rc = 2 ] && grep -q "different job" "$dir/other.err" && grep -q -- "--restart" "$dir/other.err"; then
    pass "validate another job's results file refused (exit 2, suggests --restart)"
else fail "validate another job's results file refused: exit $rc: $(cat "$dir/other.err")"; fi
expect_exit 0 "validate --restart starts it over" "$SEEDSWEEP" run "$dir/other.ini" --out "$dir/r.h5" --restart --quiet
check "validate --restart file holds the new job" "$PY" -c "import h5py; f=h5py.File('$dir/r.h5','r'); assert 'epochs = 2' in f.attrs['job'] and f['train_loss'].shape[1]==2"
cp "$dir/fly1.h5" "$dir/keep.h5"
expect_exit 2 "validate a dataset file as --out is refused" "$SEEDSWEEP" run "$dir/job.ini" --out "$dir/keep.h5" --restart
check "validate the dataset file is left intact" cmp -s "$dir/fly1.h5" "$dir/keep.h5"
# same job, same file, but a dataset's contents changed (same name and size): refused
"$SEEDSWEEP" run "$dir/job.ini" --out "$dir/same.h5" --quiet >/dev/null 2>&1
"$SEEDSWEEP" synth fly2 --out "$dir/fly2.h5" --size 16 --count 40 --seed 7 >/dev/null
rc=0; "$SEEDSWEEP" run "$dir/job.ini" --out "$dir/same.h5" >/dev/null 2>"$dir/changed.err" || rc=$?
if [ $rc = 2 ] && grep -q "contents of dataset fly2" "$dir/changed.err"; then pass "validate resume refuses a dataset whose contents changed"
else fail "validate resume refuses changed dataset: exit $rc: $(cat "$dir/changed.err")"; fi
expect_exit 2 "validate missing job file" "$SEEDSWEEP" run "$dir/none.ini"
expect_exit 2 "validate unknown option" "$SEEDSWEEP" run "$dir/job.ini" --fast
"$SEEDSWEEP" run --help >"$dir/help.txt"
check "run --help shows an example and exit code 3" grep -q "Example" "$dir/help.txt"
check "run --help documents exit 3" grep -q "3 interrupted (resumable)" "$dir/help.txt"
finish
