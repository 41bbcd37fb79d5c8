#!/usr/bin/env bash
# sweep_collapse.sh - why runs collapse: /task_collapse_epoch, /dead_relu and
# /relu_layer are written, with the right shapes and names, and the collapse epoch agrees with
# /train_accuracy: an epoch that predicted one class for every training image has the accuracy of
# predicting that class (the share p or 1 - p of one label), so every epoch from the collapse
# epoch on must have it, and the collapse epoch must come after the last epoch without it. A
# forced collapse: the training set "mono" has every image but one labelled Snap29 (a dataset
# may not leave a class empty) and lr is 0.05: most of its tasks must collapse. (The exact epoch
# on constructed networks is tests/test_collapse.c's.) Dead fractions lie in [0, 1], report
# shows them in text, CSV and JSON, plot_results.py draws them, and a SIGTERM mid-epoch + resume
# gives the same new arrays bit for bit.
source "$(dirname "$0")/lib.sh"
source "$ROOT/tests/helpers/sweep_fixture.sh"
dir=$(tmpdir)
trap 'rm -rf "$dir"' EXIT
make_fixture "$dir" 32 200 || { fail "collapse fixture: synth failed"; finish; }
# mono: fly2's images, all labelled Snap29 (class 1) but the first
"$PY" - "$dir/fly2.h5" "$dir/mono.h5" <<'PY' || { fail "collapse fixture: mono set"; finish; }
import shutil, sys, h5py
shutil.copy(sys.argv[1], sys.argv[2])
with h5py.File(sys.argv[2], "r+") as f:
    f["labels"][1:] = 1
    f["labels"][0] = 0
PY
sed -i -e 's/^seeds  = .*/seeds  = 0-3/' -e 's/^train  = .*/train  = mono fly1/' -e "s#^fly2 = .*#mono = $dir/mono.h5#" \
    -e 's/^layers = .*/layers = conv8 pool conv8 pool flatten dense16 dense2/' -e 's/^epochs = .*/epochs = 6/' \
    -e 's/^batch  = 8$/batch  = 8\nlr     = 0.05\ncheckpoint_every = 1 epoch/' "$dir/job.ini"
job=$dir/job.ini

start=$(date +%s%N)
"$SEEDSWEEP" run "$job" --out "$dir/ref.h5" --threads 1 >"$dir/ref.log" 2>&1
rc=$?
ms=$(( ($(date +%s%N) - start) / 1000000 ))
check "collapse reference run exits 0 (${ms} ms)" [ $rc = 0 ]

"$PY" - "$dir/ref.h5" >"$dir/check.log" 2>&1 <<'PY'
import sys, h5py, numpy as np
f = h5py.File(sys.argv[1], "r")
ce, dead, acc = f["task_collapse_epoch"][()], f["dead_relu"][()], f["train_accuracy"][()]
names = [n.decode() for n in f["relu_layer"][()]]
T, E = acc.shape
assert ce.dtype == np.int32 and ce.shape == (T,) and dead.dtype == np.float32, (ce.dtype, dead.dtype)
assert dead.shape == (T, E, 3) and names == ["conv8@1", "conv8@3", "dense16@6"], (dead.shape, names)
dims = [d[0].name for d in f["dead_relu"].dims]   # the dimension scales xarray names dimensions by
assert dims == ["/task", "/epoch", "/relu_layer"], dims
assert np.isfinite(dead).all() and (dead >= 0).all() and (dead <= 1).all(), "dead fractions outside [0, 1]"
ds = [n.decode() for n in f["dataset_name"][()]]
train = f["task_train_dataset"][()]
mono = ds.index("mono")
labels = {d: f["labels/" + d][()] for d in ds}
forced = 0
for t in range(T):
    p = labels[ds[train[t]]].mean()
    one = [min(abs(a - p), abs(a - (1 - p))) < 1e-6 for a in acc[t]]   # could have been one class
    if ce[t] > 0:
        assert all(one[ce[t] - 1:]), f"task {t}: collapse epoch {ce[t]} but train accuracy {acc[t]}"
    if not all(one):
        last_mixed = max(e for e in range(E) if not one[e]) + 1
        assert ce[t] == 0 or ce[t] > last_mixed, f"task {t}: collapse epoch {ce[t]}, epoch {last_mixed} had 2 classes"
    forced += train[t] == mono and ce[t] > 0
assert forced >= 3, f"only {forced} of the mono tasks collapsed"
print(f"ok: collapse epochs {ce.tolist()}; last-epoch dead fractions {dead[:, -1].round(3).tolist()}")
PY
check "collapse arrays written; collapse epoch recomputed from /train_accuracy ($(tail -1 "$dir/check.log"))" \
    grep -q "^ok" "$dir/check.log"

"$SEEDSWEEP" report "$dir/ref.h5" >"$dir/report.txt" 2>&1
check "collapse report text has the section" grep -q "^Why runs collapse" "$dir/report.txt"
"$SEEDSWEEP" report "$dir/ref.h5" --format json >"$dir/report.json" 2>&1
"$SEEDSWEEP" report "$dir/ref.h5" --format csv >"$dir/report.csv" 2>&1
"$PY" - "$dir/ref.h5" "$dir/report.json" "$dir/report.csv" >"$dir/report.log" 2>&1 <<'PY'
import csv, io, json, sys, h5py, numpy as np
f = h5py.File(sys.argv[1], "r")
ce = f["task_collapse_epoch"][()]
ds = [n.decode() for n in f["dataset_name"][()]]
train = f["task_train_dataset"][()]
c = json.load(open(sys.argv[2]))["collapse"]
assert c["relu_layers"] == ["conv8@1", "conv8@3", "dense16@6"]
for row in c["by_training"]:
    mine = ce[train == ds.index(row["train"])]
    assert row["tasks"] == len(mine) and row["collapsed"] == int((mine > 0).sum())
    assert row["collapse_epochs"] == sorted(int(e) for e in mine if e > 0), row
    dead = f["dead_relu"][()][train == ds.index(row["train"]), -1, :]
    for k, layer in enumerate(row["dead_relu_last_epoch"]):
        for key, sel in (("collapsed", mine > 0), ("not_collapsed", mine == 0)):
            x = dead[sel, k]
            assert layer["n_" + key] == len(x)
            assert (layer["median_" + key] is None) == (len(x) == 0)
            if len(x):
                assert abs(layer["median_" + key] - np.median(x)) < 1e-6
blocks = open(sys.argv[3]).read().split("\n\n")
assert len(list(csv.DictReader(io.StringIO(blocks[0])))) == 2 * 4   # the accuracy rows, unchanged
rows = list(csv.DictReader(io.StringIO(blocks[1])))
assert len(rows) == 2 * 3 and rows[0]["relu_layer"] == "conv8@1", rows
print("ok")
PY
check "collapse report JSON/CSV match the file ($(tail -1 "$dir/report.log"))" grep -qx ok "$dir/report.log"

# the per-run table: collapsed runs and the pooled median recomputed from the file,
# the rate's interval from scipy's exact binomtest when scipy is there; the CSV block says the same
"$PY" - "$dir/ref.h5" "$dir/report.json" "$dir/report.csv" >"$dir/runs.log" 2>&1 <<'PY'
import csv, io, json, sys, h5py, numpy as np
f = h5py.File(sys.argv[1], "r")
ds = [n.decode() for n in f["dataset_name"][()]]
train, status = f["task_train_dataset"][()], f["task_status"][()]
acc, col = f["accuracy"][()], f["collapsed"][()]
runs = json.load(open(sys.argv[2]))["runs"]
block = next(list(csv.DictReader(io.StringIO(b.strip()))) for b in open(sys.argv[3]).read().split("\n\n")
             if b.strip().startswith("train,runs,"))   # the per-run block, found by its header
assert [r["train"] for r in block] == [r["train"] for r in runs], block
collapsed_seen = 0
for row, line in zip(runs, block):
    t = ds.index(row["train"])
    mine = (train == t) & (status == 1)
    others = [d for d in range(len(ds)) if d != t]
    k = int((col[mine][:, others] == 1).all(axis=1).sum())
    assert row["runs"] == mine.sum() and row["collapsed_runs"] == k, (row, k)
    assert abs(row["median_pooled_test"] - np.median(acc[mine][:, others])) < 1e-6, row
    assert row["median_low"] <= row["median_pooled_test"] <= row["median_high"], row
    try:
        from scipy.stats import binomtest
        ci = binomtest(k, int(mine.sum())).proportion_ci(0.95, method="exact")
        assert abs(row["collapsed_low"] - ci.low) < 1e-5 and abs(row["collapsed_high"] - ci.high) < 1e-5, (row, ci)
    except ImportError:
        pass
    assert int(line["collapsed_runs"]) == k and abs(float(line["collapsed_high"]) - row["collapsed_high"]) < 1e-5
    collapsed_seen += k
assert collapsed_seen > 0, "the forced collapse shows in no run"
print("ok", runs[0]["train"], runs[0]["collapsed_runs"], "of", runs[0]["runs"])
PY
check "collapse report per-run table recomputed from the file ($(tail -1 "$dir/runs.log"))" grep -q "^ok" "$dir/runs.log"
# scripts/compare_runs.py: a file against itself is the same, seed for seed (both training sets)
"$PY" "$ROOT/scripts/compare_runs.py" "$dir/ref.h5" "$dir/ref.h5" --labels a b >"$dir/compare.log" 2>&1
check "compare_runs.py: a file against itself: every seed the same outcome, p = 1" \
    bash -c "grep -q 'Fisher exact (collapsed) p = 1;' '$dir/compare.log' && grep -q 'same collapse outcome 4/4, accuracy within 0.01 4/4' '$dir/compare.log'"
if "$PY" -c "import matplotlib" 2>/dev/null; then
    "$PY" "$ROOT/scripts/plot_results.py" "$dir/ref.h5" -o "$dir/plot.png" >"$dir/plot.log" 2>&1
    check "collapse plot_results.py draws the dead-ReLU panel" grep -q "dead ReLU" "$dir/plot.log"
else skip "collapse plot: no matplotlib"; fi

# a file made before these arrays (simulated: removed) still reports and resumes, old arrays identical
cp "$dir/ref.h5" "$dir/old.h5"
"$PY" -c 'import sys, h5py
f = h5py.File(sys.argv[1], "r+")
for n in ("dead_relu", "task_collapse_epoch", "relu_layer"):
    del f[n]
f["task_status"][2] = 0' "$dir/old.h5"
"$SEEDSWEEP" run "$job" --out "$dir/old.h5" --threads 1 >"$dir/old.log" 2>&1
rc=$?
"$SEEDSWEEP" report "$dir/old.h5" >"$dir/old.txt" 2>&1
check "collapse older file: resumes (exit $rc), reports without the section, old arrays identical" \
    eval '[ $rc = 0 ] && grep -q "^Test accuracy" "$dir/old.txt" && ! grep -q "^Why runs" "$dir/old.txt" && same_arrays "$dir/ref.h5" "$dir/old.h5"'

# SIGTERM mid-epoch (after each task in flight saved its first epoch, half an epoch later), resume
half_epoch_ms=$(sed -n 's/.* \([0-9.]*\)s rank .*/\1/p' "$dir/ref.log" | sort -g | tail -1 | awk '{ printf "%d", $1 * 1000 / 12 }')
"$SEEDSWEEP" run "$job" --out "$dir/term.h5" --threads 1 >"$dir/stop.log" 2>&1 &
pid=$!
for _ in $(seq 1200); do ls "$dir/term.h5.ckpt" 2>/dev/null | grep -q '^task-' && break; sleep 0.05; done
sleep "$(printf '0.%03d' $(( ${half_epoch_ms:-100} % 1000 )))"
kill -TERM $pid 2>/dev/null
stop_rc=0; wait $pid || stop_rc=$?
if [ $stop_rc = 3 ]; then
    pass "collapse SIGTERM exits 3"
    "$SEEDSWEEP" run "$job" --out "$dir/term.h5" --threads 1 >"$dir/resume.log" 2>&1
    check "collapse resume exits 0 and resumed a task ($(grep -o 'resumed at epoch [0-9]* batch [0-9]*' "$dir/resume.log" | head -1))" \
        grep -q "resumed" "$dir/resume.log"
    check "collapse SIGTERM + resume: /task_collapse_epoch and /dead_relu bit-identical" \
        "$PY" -c 'import sys, h5py, numpy as np
a, b = (h5py.File(p, "r") for p in sys.argv[1:3])
sys.exit(0 if all(np.array_equal(a[n][()].view(np.uint8), b[n][()].view(np.uint8)) for n in ("task_collapse_epoch", "dead_relu")) else 1)' \
        "$dir/ref.h5" "$dir/term.h5"
    check "collapse SIGTERM + resume: every array identical" same_arrays "$dir/ref.h5" "$dir/term.h5"
else skip "collapse SIGTERM landed outside training (exit $stop_rc)"; fi
finish
