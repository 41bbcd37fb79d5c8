#!/usr/bin/env bash
# sweep_design.sh - study designs: design = decompose with the bootstrap and a [grid],
# and vary = sample with a subsample, give bit-identical results with 1 and 3 ranks and after a
# kill -9 and resume (every array, the design's included); the groups hold their sources fixed
# at the base seed; short grid points are NaN-padded; report and plot show the spread; bad
# design values exit 2 naming the key.
source "$(dirname "$0")/lib.sh"
source "$ROOT/tests/helpers/sweep_fixture.sh"
dir=$(tmpdir)
trap 'rm -rf "$dir"' EXIT
make_fixture "$dir" 16 40 || { fail "design fixture: synth failed"; finish; }
sed -e 's/^seeds  = .*/seeds  = 0-2/' -e '/^\[sweep\]/a design = decompose' "$dir/job.ini" |
    sed -e '/^epochs = /d' >"$dir/design.ini"
printf '[grid]\nlr = 0.01 0.002\nepochs = 2 3\n' >>"$dir/design.ini"
sed -e 's/^seeds  = .*/seeds  = 0-5/' -e '/^\[sweep\]/a vary = sample order\nsample_fraction = 0.5' "$dir/job.ini" >"$dir/sample.ini"

# compare A B: every per-task array and design coordinate identical (NaN == NaN)
compare() {
    "$PY" - "$1" "$2" <<'PY'
import sys, h5py, numpy as np
a, b = (h5py.File(p, "r") for p in sys.argv[1:3])
names = [k for k in a if isinstance(a[k], h5py.Dataset) and (k.startswith(("task_", "grid_")) or k in
         ("accuracy", "loss", "collapsed", "train_loss", "train_accuracy", "group_name"))]
names = [n for n in names if n not in ("task_seconds", "task_rank", "task_host")]
names += ["predictions/" + k for k in a["predictions"]]
for n in names:
    x, y = a[n][()], b[n][()]
    same = x.shape == y.shape and (np.array_equal(x.view(np.uint8), y.view(np.uint8)) if x.dtype.kind == "f"
                                    else np.array_equal(x, y))
    assert same, n
assert (a["task_status"][()] == 1).all()
PY
}

for job in design sample; do
    mpirun -n 1 "$SEEDSWEEP" run "$dir/$job.ini" --out "$dir/$job-1.h5" --quiet >"$dir/$job-1.log" 2>&1
    check "design $job job runs with 1 rank" [ $? = 0 ]
    mpirun -n 3 "$SEEDSWEEP" run "$dir/$job.ini" --out "$dir/$job-3.h5" --quiet >"$dir/$job-3.log" 2>&1
    check "design $job job runs with 3 ranks" [ $? = 0 ]
    check "design $job: 1 and 3 ranks bit-identical (design arrays included)" compare "$dir/$job-1.h5" "$dir/$job-3.h5"
done

"$PY" - "$dir/design-1.h5" >"$dir/layout.log" 2>&1 <<'PY'
import sys, h5py, numpy as np
f = h5py.File(sys.argv[1], "r")
T = 4 * 2 * 4 * 3          # grid points x training datasets x groups x seeds
assert f["task_status"].shape == (T,), f["task_status"].shape
assert [g.decode() for g in f["group_name"][()]] == ["init", "order", "sample", "all"]
assert list(f["grid_lr"][()]) == [0.01, 0.01, 0.002, 0.002] and list(f["grid_epochs"][()]) == [2, 3, 2, 3]
t = np.arange(T)
seed, group, grid = t % 3, (t // 3) % 4, t // 24
assert (f["task_group"][()] == group).all() and (f["task_grid"][()] == grid).all()
assert (f["task_train_dataset"][()] == np.where((t // 12) % 2, 2, 0)).all()
init, order, sample = f["task_init_seed"][()], f["task_order_seed"][()], f["task_sample_seed"][()]
assert (init == np.where((group == 0) | (group == 3), seed, 0)).all()
assert (order == np.where((group == 1) | (group == 3), seed, 0)).all()
assert (sample == np.where((group == 2) | (group == 3), seed, 0)).all()
acc, ta = f["accuracy"][()], f["train_accuracy"][()]
assert ta.shape == (T, 3)
short = f["grid_epochs"][()][grid] == 2
assert np.isnan(ta[short, 2]).all() and not np.isnan(ta[short, :2]).any() and not np.isnan(ta[~short]).any()
# seed 0 is the base seed of every source: the same network in all four groups
base = acc[seed == 0].reshape(-1, 4, acc.shape[1])
assert (base == base[:, :1]).all()
# each source alone changes the result: its seeds 1, 2 differ from the base in every group
for k in range(4):
    rows = acc[(group == k) & (seed > 0)]
    assert not (rows == acc[(group == k) & (seed == 0)].repeat(2, axis=0)).all(), k
import xarray as xr
ds = xr.open_dataset(sys.argv[1], engine="h5netcdf")
assert ds.group_name.dims == ("group",) and ds.grid_lr.dims == ("grid",) and ds.task_group.dims == ("task",)
assert list(ds.group_name.values[ds.task_group.values[:12:3]]) == ["init", "order", "sample", "all"]
print("ok")
PY
check "design layout: task order, group and grid coordinates, base seeds, NaN-padded epochs, xarray dims ($(tail -1 "$dir/layout.log"))" \
    grep -qx ok "$dir/layout.log"

"$PY" - "$dir/sample-1.h5" >"$dir/sample.log" 2>&1 <<'PY'
import sys, h5py, numpy as np
f = h5py.File(sys.argv[1], "r")
assert f.attrs["sample"] == "subsample 0.5", f.attrs["sample"]
assert list(f["task_sample_seed"][()]) == list(range(6)) * 2 and (f["task_init_seed"][()] == 0).all()
assert [g.decode() for g in f["group_name"][()]] == ["order sample"] and (f["task_group"][()] == 0).all()
assert "grid_lr" not in f and (f["task_grid"][()] == 0).all()
print("ok")
PY
check "design vary = sample order: subsample recorded, weights fixed ($(tail -1 "$dir/sample.log"))" grep -qx ok "$dir/sample.log"

# kill -9 mid-sweep, then resume with 2 ranks: identical to the 1-rank run
mpirun -n 2 "$SEEDSWEEP" run "$dir/design.ini" --out "$dir/killed.h5" >"$dir/run.log" 2>&1 &
job_pid=$!
for _ in $(seq 600); do
    [ "$(grep -c '^\[' "$dir/run.log")" -ge 20 ] && break
    sleep 0.02
done
kill -9 $(pgrep -P $job_pid -x seedsweep | tr '\n' ' ') $job_pid 2>/dev/null
wait $job_pid 2>/dev/null
pending=$("$PY" -c "import h5py; print((h5py.File('$dir/killed.h5','r')['task_status'][()] == 0).sum())" 2>/dev/null)
if [ -n "$pending" ] && [ "$pending" -gt 0 ]; then pass "design kill -9 left $pending of 96 tasks pending"
else skip "design kill -9 landed after the sweep ended (pending: ${pending:-no file})"; fi
mpirun -n 2 "$SEEDSWEEP" run "$dir/design.ini" --out "$dir/killed.h5" --quiet >/dev/null 2>&1
check "design resume after kill -9 bit-identical to the 1-rank run" compare "$dir/design-1.h5" "$dir/killed.h5"

# report: the spread table, with the same numbers in text, CSV and JSON
"$SEEDSWEEP" report "$dir/design-1.h5" >"$dir/report.txt" 2>&1
check "design report prints the spread table" grep -q "^Spread of test accuracy by source" "$dir/report.txt"
"$SEEDSWEEP" report "$dir/design-1.h5" --format json >"$dir/report.json"
"$SEEDSWEEP" report "$dir/design-1.h5" --format csv >"$dir/report.csv"
"$PY" - "$dir/design-1.h5" "$dir/report.json" "$dir/report.csv" "$dir/report.txt" >"$dir/json.log" 2>&1 <<'PY'
import csv, io, json, sys, h5py, numpy as np
f = h5py.File(sys.argv[1], "r")
report = json.load(open(sys.argv[2]))
spread = report["spread"]
assert report["groups"] == ["init", "order", "sample", "all"] and report["grid"][3] == "lr=0.002 epochs=3"
# 4 grid points x 2 training datasets x 2 test datasets (not the training one) x 4 groups
assert len(spread) == 64, len(spread)
acc, names = f["accuracy"][()], [n.decode() for n in f["dataset_name"][()]]
group, grid, train = f["task_group"][()], f["task_grid"][()], f["task_train_dataset"][()]
for r in spread:
    rows = (grid == r["grid"]) & (group == report["groups"].index(r["group"])) & (train == names.index(r["train"]))
    x = acc[rows, names.index(r["test"])].astype(float)
    assert r["n"] == len(x) == 3
    assert abs(r["median"] - np.median(x)) < 1e-5 and abs(r["std"] - np.std(x, ddof=1)) < 1e-5
    assert abs(r["iqr"] - (np.quantile(x, .75) - np.quantile(x, .25))) < 1e-5
    if r["median_low"] is not None:
        assert r["median_low"] <= r["median"] + 1e-9 and r["median"] <= r["median_high"] + 1e-9
    if r["group"] == "all":
        assert r["variance_share"] in (1, None)
    elif r["variance_share"] is not None:
        allx = acc[(grid == r["grid"]) & (group == 3) & (train == names.index(r["train"])), names.index(r["test"])]
        assert abs(r["variance_share"] - np.var(x, ddof=1) / np.var(allx.astype(float), ddof=1)) < 1e-4 * max(1, r["variance_share"])
blocks = open(sys.argv[3]).read().split("\n\n")
rows = list(csv.DictReader(io.StringIO(blocks[1])))
assert len(rows) == 64 and abs(float(rows[5]["std"]) - spread[5]["std"]) < 1e-5
print("ok")
PY
check "design report JSON/CSV spread matches numpy on the file ($(tail -1 "$dir/json.log"))" grep -qx ok "$dir/json.log"
"$PY" "$ROOT/scripts/plot_results.py" "$dir/design-1.h5" -o "$dir/design.png" >/dev/null 2>&1
check "design plot_results.py draws a file with groups and a grid" test -s "$dir/design.png"

# bad design values: exit 2, naming the key
bad() {   # bad NAME NEEDLE SED-EXPRESSION
    sed -e "$3" "$dir/design.ini" >"$dir/bad.ini"
    local rc=0
    "$SEEDSWEEP" run "$dir/bad.ini" --out "$dir/bad.h5" >/dev/null 2>"$dir/bad.err" || rc=$?
    if [ $rc = 2 ] && grep -qF -- "$2" "$dir/bad.err"; then pass "design bad input: $1 exits 2 naming $2"
    else fail "design bad input: $1: exit $rc: $(cat "$dir/bad.err")"; fi
}
bad "vary = foo" "[sweep] vary" 's/^design = decompose/vary = foo/'
bad "sample_fraction = 0" "[sweep] sample_fraction" '/^design = /a sample_fraction = 0'
bad "sample_fraction = 1.01" "[sweep] sample_fraction" '/^design = /a sample_fraction = 1.01'
bad "sample smaller than batch" "[sweep] sample_fraction" '/^design = /a sample_fraction = 0.1'
bad "grid key not a [train] key" "[grid] momentum" '$a momentum = 0.9'
bad "empty grid list" "[grid] lr" 's/^lr = .*/lr = /'
bad "duplicate grid value" "[grid] epochs" 's/^epochs = 2 3/epochs = 2 3 2/'
bad "design = foo" "[sweep] design" 's/^design = decompose/design = foo/'
finish
