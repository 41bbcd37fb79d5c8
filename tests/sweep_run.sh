#!/usr/bin/env bash
# sweep_run.sh - one small sweep run with 1, 2 and 3 ranks gives bit-identical arrays; the TCP
# transport works; h5py and xarray read the file; report, info and the figure work on it.
source "$(dirname "$0")/lib.sh"
source "$ROOT/tests/helpers/sweep_fixture.sh"
dir=$(tmpdir)
trap 'rm -rf "$dir"' EXIT
make_fixture "$dir" 16 300 || { fail "sweep fixture: synth failed"; finish; }   # > 256 images: evaluation runs in slices

"$SEEDSWEEP" run "$dir/job.ini" --out "$dir/r1.h5" >"$dir/r1.log" 2>&1
check "sweep 1 rank (no mpirun) exits 0" [ $? = 0 ]
for n in 2 3; do
    mpirun -n $n "$SEEDSWEEP" run "$dir/job.ini" --out "$dir/r$n.h5" >"$dir/r$n.log" 2>&1
    rc=$?; if [ $rc = 0 ]; then pass "sweep $n ranks exits 0"; else fail "sweep $n ranks exits 0: exit $rc"; tail -5 "$dir/r$n.log"; fi
    if same_arrays "$dir/r1.h5" "$dir/r$n.h5" >"$dir/cmp$n.log" 2>&1; then pass "sweep $n ranks bit-identical to 1 rank"
    else fail "sweep $n ranks bit-identical to 1 rank: $(tail -1 "$dir/cmp$n.log")"; fi
done
"$SEEDSWEEP" run "$dir/job.ini" --out "$dir/t2.h5" --threads 2 --quiet >"$dir/t2.log" 2>&1
check "sweep --threads 2 bit-identical to 1 thread" same_arrays "$dir/r1.h5" "$dir/t2.h5"
mpirun -n 2 --mca btl tcp,self "$SEEDSWEEP" run "$dir/job.ini" --out "$dir/tcp.h5" >"$dir/tcp.log" 2>&1
check "sweep --mca btl tcp,self exits 0" [ $? = 0 ]
check "sweep tcp,self bit-identical" same_arrays "$dir/r1.h5" "$dir/tcp.h5"
# more ranks than tasks: 5 ranks, 2 tasks
sed -e 's/^seeds  = 0-5/seeds  = 4/' "$dir/job.ini" >"$dir/two.ini"
mpirun -n 5 "$SEEDSWEEP" run "$dir/two.ini" --out "$dir/five.h5" >"$dir/five.log" 2>&1
check "sweep 5 ranks for 2 tasks exits 0" [ $? = 0 ]
check "sweep progress lines: done/total, task, dataset, seed, ETA" \
    grep -qE '^\[12/12\] task [0-9]+ train=fly[13] seed=[0-5] acc fly1=[0-9.]+ fly2=[0-9.]+ fly3=[0-9.]+ .* ETA' "$dir/r2.log"

"$PY" - "$dir/r2.h5" "$dir/five.h5" >"$dir/py.log" 2>&1 <<'PY'
import sys, h5py, numpy as np, xarray as xr
f = h5py.File(sys.argv[1], "r")
assert f.attrs["format"] == "seedsweep-results/1"
for key in ("job", "job_sha256", "version", "created", "ranks", "threads_per_rank", "blas"):
    assert key in f.attrs, key
assert (f["task_status"][()] == 1).all()
assert f["accuracy"].shape == (12, 3) and f["predictions/fly2"].shape == (12, 300, 2)
assert [d.label or list(d.keys())[0] for d in f["accuracy"].dims] == ["task", "dataset"]
assert set(f["task_rank"][()]) <= {0, 1} and len(set(f["task_rank"][()])) == 2, "both ranks trained"
assert list(f["task_train_dataset"][()]) == [0] * 6 + [2] * 6
assert list(f["task_seed"][()]) == list(range(6)) * 2
ds = xr.open_dataset(sys.argv[1], engine="h5netcdf")
assert ds["accuracy"].dims == ("task", "dataset"), ds["accuracy"].dims
assert list(ds["dataset"].values) == ["fly1", "fly2", "fly3"]
assert ds["train_loss"].dims == ("task", "epoch")
assert float(ds["accuracy"].sel(dataset="fly2").isel(task=0)) == float(f["accuracy"][0, 1])
p = xr.open_dataset(sys.argv[1], engine="h5netcdf", group="predictions")
assert p["fly3"].dims == ("task", "image_fly3", "class"), p["fly3"].dims
g = h5py.File(sys.argv[2], "r")
assert (g["task_status"][()] == 1).all() and g["accuracy"].shape == (2, 3)
print("ok")
PY
if [ $? = 0 ]; then pass "sweep file read by h5py and xarray (named dimensions)"; else fail "sweep file read by h5py and xarray: $(tail -3 "$dir/py.log")"; fi

"$SEEDSWEEP" report "$dir/r2.h5" >"$dir/report.txt" 2>&1
check "report text exits 0 and has the tables" grep -q "Mann-Whitney" "$dir/report.txt"
check "report text names pooled and pair rows" grep -qE '^fly3 +fly2 +6 ' "$dir/report.txt"
"$SEEDSWEEP" report "$dir/r2.h5" --format json | "$PY" -c 'import json,sys; d=json.load(sys.stdin); assert d["tasks"]["done"]==12 and len(d["mann_whitney"])==1 and len(d["accuracy"])==8' 2>/dev/null
check "report json parses (12 done, 1 test, 8 rows)" [ $? = 0 ]
"$SEEDSWEEP" report "$dir/r2.h5" --format csv | "$PY" -c 'import csv,io,sys; r=list(csv.DictReader(io.StringIO(sys.stdin.read().split("\n\n")[0]))); assert len(r)==8 and r[0]["n"]=="12"' 2>/dev/null
check "report csv parses (8 rows, pooled n=12)" [ $? = 0 ]
expect_exit 2 "report on a dataset file exits 2" "$SEEDSWEEP" report "$dir/fly1.h5"
"$SEEDSWEEP" info "$dir/r2.h5" >"$dir/info.txt" 2>&1
check "info describes a results file" grep -q "12 done" "$dir/info.txt"
"$PY" "$ROOT/scripts/plot_results.py" "$dir/r2.h5" -o "$dir/fig.png" >/dev/null 2>&1
check "plot_results.py writes a PNG" "$PY" -c "import sys; assert open('$dir/fig.png','rb').read(8)==b'\x89PNG\r\n\x1a\n'"
finish
