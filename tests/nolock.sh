#!/usr/bin/env bash
# nolock.sh - a file system that refuses locks (faked with tests/helpers/nolock.c under LD_PRELOAD:
# every fcntl lock and flock fails with ENOLCK, or ENOSYS): each command that would take a lock
# stops with exit 2 naming the file, the lock, the call and its error and the setting, leaving no
# file or temporary behind; SEEDSWEEP_FILE_LOCKING=FALSE runs everything without locks (ours and
# HDF5's): a 2-rank sweep and its resume give the same results as with locks on a normal file
# system, and leave no temporaries; a value other than TRUE/FALSE is refused.
source "$(dirname "$0")/lib.sh"
SO=$ROOT/$BUILD/tests/helpers/nolock.so
[ -f "$SO" ] || { fail "nolock: $SO not built (make tests)"; finish; }
# Under SANITIZE=1: the shim is loaded before AddressSanitizer's runtime, which must then be told
# that this is fine; and the exit status is the point here: LeakSanitizer's end-of-process check
# itself crashes now and then in these short MPI runs ("Tracer caught signal 11", exit 1), so it is off.
[[ "$BUILD" == build-san* ]] && export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0:detect_leaks=0"
T=$(tmpdir)
trap 'rm -rf "$T"' EXIT
cd "$T"
unset SEEDSWEEP_FILE_LOCKING HDF5_USE_FILE_LOCKING
"$SEEDSWEEP" synth fly1 --out a.h5 --size 16 --count 32 --seed 1 >/dev/null &&
"$SEEDSWEEP" synth fly3 --out b.h5 --size 16 --count 32 --seed 1 >/dev/null || { fail "nolock: synth failed"; finish; }
cat >job.ini <<'INI'
[sweep]
name   = nolock
seeds  = 0-3
train  = a b
[datasets]
a = a.h5
b = b.h5
[model]
input  = 16x16x1
layers = conv4 pool flatten dense8 dense2
[train]
epochs = 2
batch  = 8
INI
nolock() { env LD_PRELOAD="$SO" "$@"; }
leftovers() { ls -A | grep -F '.tmp.' | tr '\n' ' '; }

# refused NAME NEEDLE... -- CMD...: exit 2, every needle in stderr (and the setting), nothing left behind
refused() {
    local name=$1; shift
    local needles=()
    while [ "$1" != -- ]; do needles+=("$1"); shift; done
    shift
    local rc=0 missing=""
    "$@" >out.txt 2>err.txt </dev/null || rc=$?
    for n in "${needles[@]}" "the file system refuses file locks" "SEEDSWEEP_FILE_LOCKING=FALSE" "run one sweep per results file"; do
        grep -qF -- "$n" err.txt || missing="$missing '$n'"
    done
    if [ "$rc" = 2 ] && [ -z "$missing" ] && [ -z "$(leftovers)" ]; then pass "nolock: $name: exit 2, says what failed and the setting"
    else fail "nolock: $name: exit $rc, lacks$missing, left: $(leftovers): $(head -c 400 err.txt)"; fi
}
refused "info reads a dataset (HDF5's own lock, flock)" "a.h5:" "HDF5's lock on opening the file (flock)" "No locks available" \
    -- nolock "$SEEDSWEEP" info a.h5
refused "synth writes through a locked temporary" "c.h5:" "the lock on the temporary file it is written through (fcntl F_OFD_SETLK)" \
    -- nolock "$SEEDSWEEP" synth fly1 --out c.h5 --size 16 --count 8
[ ! -e c.h5 ] || fail "nolock: a refused synth left c.h5"
refused "synth with ENOSYS (Lustre without flock)" "Function not implemented" \
    -- env NOLOCK_ERRNO=38 LD_PRELOAD="$SO" "$SEEDSWEEP" synth fly1 --out c.h5 --size 16 --count 8
refused "a new sweep: the results file's temporary (fcntl only; HDF5's flock works)" "r.h5:" "the lock on the temporary file" \
    -- env NOLOCK_CALLS=fcntl LD_PRELOAD="$SO" mpirun -np 2 "$SEEDSWEEP" run job.ini --out r.h5 --quiet
[ ! -e r.h5 ] || fail "nolock: a refused sweep left r.h5"

# The reference: with locks, on a file system that has them.
"$SEEDSWEEP" run job.ini --out ref.h5 --quiet >/dev/null 2>&1 || fail "nolock: the reference sweep failed"
cp ref.h5 resume.h5
refused "resuming a sweep: the results file's writer lock" "resume.h5:" "the results file's writer lock (fcntl F_OFD_SETLK)" \
    -- env NOLOCK_CALLS=fcntl LD_PRELOAD="$SO" "$SEEDSWEEP" run job.ini --out resume.h5 --quiet
cmp -s ref.h5 resume.h5 || fail "nolock: a refused resume changed the results file"

# Without locks, on purpose.
rc=0
SEEDSWEEP_FILE_LOCKING=FALSE mpirun -np 2 env LD_PRELOAD="$SO" "$SEEDSWEEP" run job.ini --out free.h5 --quiet >out.txt 2>err.txt || rc=$?
rc2=0
SEEDSWEEP_FILE_LOCKING=false mpirun -np 2 env LD_PRELOAD="$SO" "$SEEDSWEEP" run job.ini --out free.h5 >again.txt 2>&1 || rc2=$?
same=$("$PY" - ref.h5 free.h5 <<'PYEOF' 2>&1
import sys, h5py, numpy as np
def arrays(path):
    out = {}
    with h5py.File(path, "r") as f:
        f.visititems(lambda n, o: out.__setitem__(n, o[()]) if isinstance(o, h5py.Dataset) else None)
    return out
a, b = arrays(sys.argv[1]), arrays(sys.argv[2])
skip = ("task_seconds", "task_rank", "task_host", "task_blas")
differ = [n for n in a if not n.startswith(skip) and not n.startswith("hosts/") and
          not (a[n].shape == b.get(n, np.empty(0)).shape and (np.array_equal(a[n], b[n], equal_nan=True) if a[n].dtype.kind == "f" else np.array_equal(a[n], b[n])))]
print("same" if set(a) == set(b) and not differ else f"differ: {differ or sorted(set(a) ^ set(b))}")
PYEOF
)
if [ "$rc" = 0 ] && [ "$rc2" = 0 ] && [ "$same" = same ] && grep -q "0 to run" again.txt && [ -z "$(leftovers)" ]; then
    pass "nolock: SEEDSWEEP_FILE_LOCKING=FALSE: a 2-rank sweep and its resume run without any lock, results equal to a locked run's, no temporaries left"
else
    fail "nolock: SEEDSWEEP_FILE_LOCKING=FALSE: exit $rc, resume exit $rc2, $same, left: $(leftovers): $(head -c 300 err.txt) $(head -c 300 again.txt)"
fi
rc=0; SEEDSWEEP_FILE_LOCKING=FALSE LD_PRELOAD="$SO" "$SEEDSWEEP" report free.h5 --format csv >report.txt 2>err.txt || rc=$?
if [ "$rc" = 0 ] && grep -q '^a,' report.txt; then pass "nolock: SEEDSWEEP_FILE_LOCKING=FALSE: report and the datasets' HDF5 reads work without locks"
else fail "nolock: report without locks: exit $rc: $(head -c 300 err.txt)"; fi
rc=0; SEEDSWEEP_FILE_LOCKING=off "$SEEDSWEEP" info a.h5 >/dev/null 2>err.txt || rc=$?
if [ "$rc" = 2 ] && grep -qF "SEEDSWEEP_FILE_LOCKING='off': expected TRUE or FALSE" err.txt; then pass "nolock: SEEDSWEEP_FILE_LOCKING=off is refused (exit 2)"
else fail "nolock: SEEDSWEEP_FILE_LOCKING=off: exit $rc: $(cat err.txt)"; fi
finish
