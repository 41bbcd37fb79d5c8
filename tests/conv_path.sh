#!/usr/bin/env bash
# conv_path.sh - the convolution path (SEEDSWEEP_CONV): direct3 by default, direct2, direct or im2col +
# sgemm when asked. On 48x48 images (two conv layers on strips, 1 and 8 input channels: on direct3
# the windows and the stamps of the pooled backward pass, on direct2 the patches and the stamps,
# and one on 12x12 images, the group lowering) a sweep records its path as the root attribute
# conv_path; the default and direct2 paths give bit-identical arrays at 1 and 2 threads and on 1 and
# 2 ranks; the four paths' results agree within float rounding and differ in the last bits; an
# unknown value exits 2 naming it;
# ranks with different paths are refused (exit 2); a file is only resumed on the path it was made
# with.
source "$(dirname "$0")/lib.sh"
source "$ROOT/tests/helpers/sweep_fixture.sh"
T=$(tmpdir)
[ -n "${KEEP:-}" ] && echo "scratch: $T" || trap 'rm -rf "$T"' EXIT
make_fixture "$T" 48 24 || { fail "conv_path: fixture"; finish; }
sed -i -e 's/^layers = .*/layers = conv8 pool conv8 pool conv8 pool flatten dense8 dense2/' -e 's/^seeds  = .*/seeds  = 0-2/' "$T/job.ini"
attr() { "$PY" -c "import h5py,sys; v=h5py.File(sys.argv[1],'r').attrs.get('conv_path'); print(v.decode() if isinstance(v,bytes) else v)" "$1"; }

out=$(SEEDSWEEP_CONV=winograd "$SEEDSWEEP" run "$T/job.ini" --out "$T/bad.h5" --quiet 2>&1); rc=$?
check "conv_path: SEEDSWEEP_CONV=winograd exits 2 (exit $rc)" [ $rc = 2 ]
check "conv_path: the message names the variable and its value" grep -q "SEEDSWEEP_CONV='winograd'" <<<"$out"
check "conv_path: nothing written for a bad value" [ ! -e "$T/bad.h5" ]

"$SEEDSWEEP" run "$T/job.ini" --out "$T/direct1.h5" --threads 1 --quiet >"$T/log1" 2>&1
check "conv_path: default sweep exits 0" [ $? = 0 ]
check "conv_path: default records conv_path = direct3" [ "$(attr "$T/direct1.h5")" = direct3 ]
"$SEEDSWEEP" run "$T/job.ini" --out "$T/threads2.h5" --threads 2 --quiet >"$T/log2" 2>&1
check "conv_path: direct3 path, 2 threads bit-identical to 1 thread" same_arrays "$T/direct1.h5" "$T/threads2.h5"
mpirun -n 2 --oversubscribe --bind-to none "$SEEDSWEEP" run "$T/job.ini" --out "$T/ranks2.h5" --threads 1 --quiet \
    >"$T/log3" 2>&1
check "conv_path: direct3 path, 2 ranks bit-identical to 1 rank" same_arrays "$T/direct1.h5" "$T/ranks2.h5"
SEEDSWEEP_CONV=direct2 "$SEEDSWEEP" run "$T/job.ini" --out "$T/direct2.h5" --threads 1 --quiet >"$T/log7" 2>&1
check "conv_path: direct2 records conv_path = direct2" [ "$(attr "$T/direct2.h5")" = direct2 ]
SEEDSWEEP_CONV=direct2 "$SEEDSWEEP" run "$T/job.ini" --out "$T/direct2-t2.h5" --threads 2 --quiet >"$T/log8" 2>&1
check "conv_path: direct2 path, 2 threads bit-identical to 1 thread" same_arrays "$T/direct2.h5" "$T/direct2-t2.h5"

SEEDSWEEP_CONV=im2col "$SEEDSWEEP" run "$T/job.ini" --out "$T/im2col.h5" --threads 1 --quiet >"$T/log4" 2>&1
check "conv_path: SEEDSWEEP_CONV=im2col sweep exits 0" [ $? = 0 ]
check "conv_path: im2col records conv_path = im2col" [ "$(attr "$T/im2col.h5")" = im2col ]
SEEDSWEEP_CONV=direct "$SEEDSWEEP" run "$T/job.ini" --out "$T/direct.h5" --threads 2 --quiet >"$T/log6" 2>&1
check "conv_path: SEEDSWEEP_CONV=direct sweep exits 0" [ $? = 0 ]
check "conv_path: direct records conv_path = direct" [ "$(attr "$T/direct.h5")" = direct ]
# the lowerings round differently (last bits), so training drifts a little: the final losses and
# accuracies must agree closely, and the paths must really differ somewhere (else this proves nothing)
compare() {   # compare A.h5 B.h5: "train-loss-rel-diff accuracy-diff differ(0/1)"
    "$PY" - "$1" "$2" <<'PY'
import sys, h5py, numpy as np
a, b = (h5py.File(p, "r") for p in sys.argv[1:3])
la, lb = a["train_loss"][()], b["train_loss"][()]
rel = np.nanmax(np.abs(la - lb)) / max(np.nanmax(np.abs(lb)), 1e-6)
acc = np.nanmax(np.abs(a["accuracy"][()] - b["accuracy"][()]))
# distinct paths: the test-set predictions (probabilities, the finest record) differ in some bits
differ = any(a["predictions"][k][()].tobytes() != b["predictions"][k][()].tobytes() for k in a["predictions"])
print(f"{rel:.2g} {acc:.3g} {int(differ)}")
PY
}
for other in im2col direct direct2; do
    set -- $(compare "$T/direct1.h5" "$T/$other.h5")
    check "conv_path: direct3 and $other agree (train loss rel. diff $1 < 1e-3, accuracy diff $2 <= 0.05)" \
        "$PY" -c "import sys; sys.exit(not (float('$1') < 1e-3 and float('$2') <= 0.05))"
    check "conv_path: direct3 and $other differ in the last bits (the paths are distinct)" [ "${3:-0}" = 1 ]
done

# a file is resumed only on its own path: a direct run refuses an im2col file, naming the way out
cp "$T/im2col.h5" "$T/resume.h5"
out=$("$SEEDSWEEP" run "$T/job.ini" --out "$T/resume.h5" --quiet 2>&1); rc=$?
check "conv_path: resuming an im2col file on the default path exits 2 (exit $rc)" [ $rc = 2 ]
check "conv_path: the refusal says SEEDSWEEP_CONV=im2col" grep -q "SEEDSWEEP_CONV=im2col" <<<"$out"
SEEDSWEEP_CONV=im2col "$SEEDSWEEP" run "$T/job.ini" --out "$T/resume.h5" --quiet >"$T/log5" 2>&1
check "conv_path: resuming it with SEEDSWEEP_CONV=im2col exits 0" [ $? = 0 ]

# ranks on different paths: refused before any task runs
out=$(mpirun --oversubscribe --bind-to none -n 1 -x SEEDSWEEP_CONV=im2col "$SEEDSWEEP" run "$T/job.ini" \
    --out "$T/mixed.h5" --quiet : -n 1 -x SEEDSWEEP_CONV=direct3 "$SEEDSWEEP" run "$T/job.ini" --out "$T/mixed.h5" \
    --quiet 2>&1); rc=$?
check "conv_path: ranks with different SEEDSWEEP_CONV exit 2 (exit $rc)" [ $rc = 2 ]
check "conv_path: the refusal names both paths" grep -q "different convolution paths.*'im2col'.*'direct3'" <<<"$out"
finish
