#!/usr/bin/env bash
# slurm_parts.sh - a sweep as a Slurm job array on the local cluster: slurm/seedsweep-array.sbatch with
# --array=0-2 runs parts 0/3, 1/3 and 2/3 (one rank each) into their own files, a job with
# --dependency=afterok on the array merges them, and the merged file's arrays equal those of one
# run of the whole job (all but task_seconds, task_rank, task_host and /hosts). An array that is not
# 0..N-1 is refused by the script.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/slurm_lib.sh"

if ! "$SEEDSWEEP" merge --help >/dev/null 2>&1; then fail "slurm_parts: $SEEDSWEEP merge --help fails"; finish; fi
if ! "$PY" -c 'import h5py, numpy' 2>/dev/null; then skip "slurm_parts: $PY lacks h5py/numpy"; finish; fi
slurm_up slurm_parts || finish

T=$(tmpdir)
cleanup() { slurm_down; rm -rf "$T"; }
trap cleanup EXIT
cp "$SEEDSWEEP" "$T/seedsweep" && SEEDSWEEP=$T/seedsweep   # one program for every run of this test

"$SEEDSWEEP" synth fly1 --out "$T/a.h5" --size 32 --count 40 --seed 1 >/dev/null &&
"$SEEDSWEEP" synth fly3 --out "$T/b.h5" --size 32 --count 40 --seed 1 >/dev/null ||
    { fail "slurm_parts: seedsweep synth failed"; finish; }
cat >"$T/job.ini" <<EOF
[sweep]
name   = slurm-parts
output = results.h5
seeds  = 0-4
train  = a b
[datasets]
a = a.h5
b = b.h5
[model]
input  = 32x32x1
layers = conv4 pool flatten dense8 dense2
[train]
epochs = 2
batch  = 8
EOF
(cd "$T" && "$SEEDSWEEP" run job.ini --out ref.h5 --quiet) >"$T/ref.log" 2>&1 ||
    { fail "slurm_parts: reference run: $(tail -n 3 "$T/ref.log")"; finish; }

t0=$SECONDS
array=$(SEEDSWEEP="$SEEDSWEEP" SEEDSWEEP_SBATCH="$ROOT/slurm/seedsweep.sbatch" sbatch --parsable --chdir="$T" \
    --array=0-2 --ntasks=1 --cpus-per-task=1 -o "$T/part-%a.out" "$ROOT/slurm/seedsweep-array.sbatch" job.ini --quiet)
merge=$(sbatch --parsable --chdir="$T" --dependency=afterok:"$array" -o "$T/merge.out" \
    --wrap "$SEEDSWEEP merge --out results.h5 results.part-0-of-3.h5 results.part-1-of-3.h5 results.part-2-of-3.h5")
if [ -z "$array" ] || [ -z "$merge" ]; then fail "slurm_parts: sbatch failed (array '$array', merge '$merge')"; finish; fi
state=$(job_wait_done "$merge" 180)
ok=1
for i in 0 1 2; do
    s=$(job_field "${array}_$i" JobState) e=$(job_field "${array}_$i" ExitCode)
    if [ "$s" != COMPLETED ] || [ "$e" != 0:0 ]; then
        ok=0; fail "slurm_parts: array element $i $s exit $e"; tail -n 20 "$T/part-$i.out"
    fi
    grep -q "element $i of 3: part $i/3" "$T/part-$i.out" || { ok=0; fail "slurm_parts: element $i log does not name part $i/3"; }
done
[ $ok = 1 ] && pass "slurm_parts: 3 array elements ran parts 0/3, 1/3, 2/3"
if [ "$state" = COMPLETED ] && [ "$(job_field "$merge" ExitCode)" = 0:0 ]; then
    pass "slurm_parts: the merge job ran after the array (afterok; $((SECONDS - t0)) s from sbatch to merged)"
else
    fail "slurm_parts: merge job $merge $state: $(tail -n 5 "$T/merge.out" 2>/dev/null)"; finish
fi
why=$("$PY" - "$T/ref.h5" "$T/results.h5" "$T"/results.part-*-of-3.h5 2>&1 <<'EOF'
import sys, h5py, numpy as np
ref, merged = h5py.File(sys.argv[1], "r"), h5py.File(sys.argv[2], "r")
skip = ("task_seconds", "task_rank", "task_host")
def names(f):
    out = []
    f.visititems(lambda n, o: out.append(n) if isinstance(o, h5py.Dataset) and n not in skip and not n.startswith("hosts/") else None)
    return sorted(out)
assert names(ref) == names(merged), sorted(set(names(ref)) ^ set(names(merged)))
for n in names(ref):
    a, b = ref[n][()], merged[n][()]
    same = a.dtype == b.dtype and a.shape == b.shape and (
        np.array_equal(a.view(np.uint8), b.view(np.uint8)) if a.dtype.kind == "f" else np.array_equal(a, b))
    assert same, f"{n} differs"
assert (merged["task_status"][()] != 0).all()
for p in sys.argv[3:]:
    part = h5py.File(p, "r"); done = part["task_status"][()] != 0
    assert np.array_equal(part["task_host"][()][done], merged["task_host"][()][done]), p
print(f"{len(names(ref))} arrays identical to one run")
EOF
)
if [ $? = 0 ]; then pass "slurm_parts: merged array job equals one run ($why)"; else fail "slurm_parts: $why"; fi

# an array whose indices are not the parts 0..N-1 is refused by the script (exit 2)
bad=$(SEEDSWEEP="$SEEDSWEEP" SEEDSWEEP_SBATCH="$ROOT/slurm/seedsweep.sbatch" sbatch --parsable --chdir="$T" \
    --array=1-2 --ntasks=1 -o "$T/bad-%a.out" "$ROOT/slurm/seedsweep-array.sbatch" job.ini --out bad.h5)
job_wait_done "${bad}_1" 60 >/dev/null
if [ "$(job_field "${bad}_1" ExitCode)" = 2:0 ] && grep -q "the array must be 0-" "$T/bad-1.out" && ! ls "$T"/bad.part-* >/dev/null 2>&1
then pass "slurm_parts: an array not 0..N-1 is refused (exit 2, no file)"
else fail "slurm_parts: array 1-2: exit $(job_field "${bad}_1" ExitCode): $(tail -n 3 "$T/bad-1.out" 2>/dev/null)"; fi
finish
