#!/usr/bin/env bash
# sweep_hosts.sh - where each task ran and the same-kernel rule:
#  - /task_host and /task_blas hold, per finished task, its rank's host name and OpenBLAS core as
#    fixed-length strings (h5py reads bytes); /hosts holds one row per host and run (CPU model,
#    BLAS core, ranks), and a resume adds its own rows as run 1; report and info show the hosts;
#  - ranks with different OPENBLAS_CORETYPE are refused with exit 2 before training (message names
#    the kernels and OPENBLAS_CORETYPE, no file made) unless [sweep] blas_mixing = allow, which
#    runs and records each task's kernel; a bad blas_mixing value is refused.
source "$(dirname "$0")/lib.sh"
source "$ROOT/tests/helpers/sweep_fixture.sh"
dir=$(tmpdir)
trap 'rm -rf "$dir"' EXIT
make_fixture "$dir" 16 24 || { fail "hosts fixture: synth failed"; finish; }
host=$(hostname)
core=$("$SEEDSWEEP" bench --seconds 0.05 2>/dev/null | awk '/^blas /{print $2; exit}')
cpu=$(awk -F': ' '/^model name/{print $2; exit}' /proc/cpuinfo)

mpirun -n 2 --bind-to none "$SEEDSWEEP" run "$dir/job.ini" --out "$dir/two.h5" --quiet >"$dir/two.log" 2>&1
check "hosts 2-rank run exits 0" [ $? = 0 ]
out=$("$PY" - "$dir/two.h5" "$host" "$core" "$cpu" <<'PY' 2>&1
import sys, h5py
f = h5py.File(sys.argv[1], "r"); host, core, cpu = (s.encode() for s in sys.argv[2:5])
th, tb = f["task_host"][()], f["task_blas"][()]
assert th.dtype.kind == "S" and th.shape == f["task_rank"].shape, th.dtype
assert set(th) == {host[:63]}, set(th)
assert set(tb) == {core}, set(tb)
run = f["hosts/run"][()]; used = run >= 0
assert used.sum() == 1 and run[0] == 0, run[:4]
assert f["hosts/name"][0] == host[:63] and f["hosts/blas_core"][0] == core, (f["hosts/name"][0], f["hosts/blas_core"][0])
assert f["hosts/cpu_model"][0] == cpu[:63] and f["hosts/ranks"][0] == 2, (f["hosts/cpu_model"][0], f["hosts/ranks"][0])
print("ok")
PY
)
check "hosts /task_host, /task_blas and /hosts say $host, $core, 2 ranks ($out)" [ "$out" = ok ]
check "hosts report shows tasks per host" grep -q "^tasks by host: $host 12$" <("$SEEDSWEEP" report "$dir/two.h5")
check "hosts report JSON has tasks_by_host" grep -q "\"tasks_by_host\": {\"$host\": 12}" <("$SEEDSWEEP" report "$dir/two.h5" --format json)
check "hosts info lists the host row" grep -q "host      run 0: $host, 2 ranks, CPU .*, BLAS $core" <("$SEEDSWEEP" info "$dir/two.h5")
check "hosts info shows tasks per host" grep -q "tasks by host: $host 12" <("$SEEDSWEEP" info "$dir/two.h5")

# resume: half the tasks marked pending again, then run by 1 rank: a second /hosts row (run 1)
cp "$dir/two.h5" "$dir/resumed.h5"
"$PY" -c "import h5py; f=h5py.File('$dir/resumed.h5','r+'); s=f['task_status']; s[6:]=0; f.close()"
"$SEEDSWEEP" run "$dir/job.ini" --out "$dir/resumed.h5" --quiet >"$dir/resumed.log" 2>&1
check "hosts resume (1 rank) exits 0" [ $? = 0 ]
check "hosts resume ran only the 6 pending tasks" grep -q "12 tasks, 6 to run" "$dir/resumed.log"
out=$("$PY" -c "
import h5py; f=h5py.File('$dir/resumed.h5','r'); r=f['hosts/run'][()]; n=f['hosts/ranks'][()]
print(list(r[:3]), list(n[:2]))")
check "hosts resume adds its own /hosts row as run 1 ($out)" [ "$out" = "[0, 1, -1] [2, 1]" ]
check "hosts resume bit-identical to the uninterrupted run" same_arrays "$dir/two.h5" "$dir/resumed.h5"

# a file made before these arrays existed (deleted here) still resumes, reports and shows info
cp "$dir/two.h5" "$dir/old.h5"
"$PY" -c "
import h5py; f=h5py.File('$dir/old.h5','r+'); s=f['task_status']; s[6:]=0
for name in ('task_host', 'task_blas', 'hosts'): del f[name]"
"$SEEDSWEEP" run "$dir/job.ini" --out "$dir/old.h5" --quiet >"$dir/old.log" 2>&1
check "hosts older file without host arrays resumes (exit $?)" grep -q "12 tasks, 6 to run" "$dir/old.log"
check "hosts older file resumed bit-identical" same_arrays "$dir/two.h5" "$dir/old.h5"
check "hosts older file: report works, shows no hosts" bash -c "'$SEEDSWEEP' report '$dir/old.h5' | grep -q '12 done' && ! '$SEEDSWEEP' report '$dir/old.h5' | grep -q 'tasks by host'"
check "hosts older file: info works" grep -q "12 done" <("$SEEDSWEEP" info "$dir/old.h5")

# two kernels: Haswell and Sandybridge run on any x86-64 with AVX (this OpenBLAS is DYNAMIC_ARCH)
kernels_ok=1
for k in Haswell Sandybridge; do
    got=$(OPENBLAS_CORETYPE=$k "$SEEDSWEEP" bench --seconds 0.05 2>/dev/null | awk '/^blas /{print $2; exit}')
    [ "$got" = "$k" ] || kernels_ok=0
done
if [ $kernels_ok = 0 ]; then
    skip "hosts mixed kernels: this CPU or OpenBLAS does not accept OPENBLAS_CORETYPE=Haswell and Sandybridge"
    finish
fi
mixed() {   # mixed OUT JOB: rank 0 on Haswell, rank 1 on Sandybridge (mpirun MPMD)
    mpirun --bind-to none -n 1 env OPENBLAS_CORETYPE=Haswell "$SEEDSWEEP" run "$2" --out "$1" --quiet : \
        -n 1 env OPENBLAS_CORETYPE=Sandybridge "$SEEDSWEEP" run "$2" --out "$1" --quiet
}
rc=0; mixed "$dir/mixed.h5" "$dir/job.ini" >"$dir/mixed.log" 2>&1 || rc=$?
check "hosts mixed kernels refused with exit 2 (got $rc)" [ $rc = 2 ]
check "hosts mixed kernels message names both kernels, the ranks and OPENBLAS_CORETYPE" \
    grep -q "different OpenBLAS kernels: Haswell: 1 rank on $host (first rank 0, CPU .*); Sandybridge: 1 rank on $host (first rank 1, .*OPENBLAS_CORETYPE=Haswell.*blas_mixing = allow" "$dir/mixed.log"
check "hosts mixed kernels refused before training: no results file" [ ! -e "$dir/mixed.h5" ]
check "hosts mixed kernels message printed once" [ "$(grep -c 'different OpenBLAS kernels' "$dir/mixed.log")" = 1 ]

sed '/^\[sweep\]/a blas_mixing = allow' "$dir/job.ini" >"$dir/allow.ini"
rc=0; mixed "$dir/allow.h5" "$dir/allow.ini" >"$dir/allow.log" 2>&1 || rc=$?
check "hosts blas_mixing = allow runs mixed kernels (exit $rc)" [ $rc = 0 ]
out=$("$PY" - "$dir/allow.h5" <<'PY' 2>&1
import sys, h5py, numpy as np
f = h5py.File(sys.argv[1], "r")
rank, blas = f["task_rank"][()], f["task_blas"][()]
want = np.where(rank == 0, b"Haswell", b"Sandybridge")
assert (blas == want).all(), (rank, blas)
rows = {(f["hosts/blas_core"][i], int(f["hosts/ranks"][i])) for i in np.flatnonzero(f["hosts/run"][()] >= 0)}
assert rows == {(b"Haswell", 1), (b"Sandybridge", 1)}, rows
print("ok")
PY
)
check "hosts blas_mixing = allow records each task's kernel in /task_blas and both in /hosts ($out)" [ "$out" = ok ]

sed '/^\[sweep\]/a blas_mixing = maybe' "$dir/job.ini" >"$dir/bad.ini"
rc=0; "$SEEDSWEEP" run "$dir/bad.ini" --out "$dir/bad.h5" >"$dir/bad.log" 2>&1 || rc=$?
check "hosts blas_mixing = maybe refused with exit 2 (got $rc)" [ $rc = 2 ]
check "hosts blas_mixing = maybe: message names the key and the values" \
    grep -q "\[sweep\] blas_mixing (line 2): 'maybe': expected refuse or allow" "$dir/bad.log"
finish
