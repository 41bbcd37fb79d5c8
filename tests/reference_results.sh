#!/usr/bin/env bash
# reference_results.sh - results stay bit-identical through refactors. A demo-like sweep (synthetic
# fly1..fly3, the demo network) and a Fashion-MNIST sweep (two shards and the test set, the
# fashion-shards network), each on 2 ranks with the Haswell OpenBLAS kernel (which every AVX2 and
# AVX-512 node runs), must reproduce the SHA-256 of every deterministic array recorded in
# tests/fixtures/reference_digests.txt: both on the im2col lowering (digests made before the direct
# convolutions existed) and the demo sweep on the direct kernels ("demo-direct", digests made
# with the first direct kernels, before their weight gradient was reblocked; "demo-direct2", whose
# 16x16 layer runs on the small-image kernels, digests made with their first version;
# "demo-direct3", the default path, digests made with the first version of its first-layer
# windows kernel). Timings, hosts and ranks are left out (they say where a task ran, not what it
# computed).
#   bash tests/reference_results.sh --update    rewrite the fixture (only for a deliberate change of results)
source "$(dirname "$0")/lib.sh"
[[ "$BUILD" == build-san* ]] && { skip "reference_results: not with SANITIZE=1 (same code, slower)"; finish; }
FIXTURE="$ROOT/tests/fixtures/reference_digests.txt"
FASHION_DIR=${FASHION_DIR:-/usr/share/datasets/fashion-mnist}
T=$(tmpdir)
[ -n "${KEEP:-}" ] && echo "scratch: $T" || trap 'rm -rf "$T"' EXIT
export OPENBLAS_CORETYPE=Haswell

kernel=$("$SEEDSWEEP" bench --seconds 0.05 2>/dev/null | awk '/^blas /{print $2; exit}')
if [ "$kernel" != Haswell ]; then
    skip "reference_results: OpenBLAS does not run its Haswell kernel here (got '${kernel:-nothing}')"; finish
fi

for p in fly1 fly2 fly3; do
    "$SEEDSWEEP" synth "$p" --size 64 --count 160 --out "$T/demo-$p.h5" >/dev/null || { fail "reference_results: synth $p"; finish; }
done
cat >"$T/demo.ini" <<INI
[sweep]
name   = reference-demo
output = demo.h5
seeds  = 0-2
train  = fly1 fly2 fly3
vary   = both
[datasets]
fly1 = demo-fly1.h5
fly2 = demo-fly2.h5
fly3 = demo-fly3.h5
[model]
input  = 64x64x1
layers = conv8 pool conv16 pool conv16 pool flatten dense32 dense2
init   = glorot_uniform
[train]
epochs = 3
batch  = 20
INI
jobs="demo demo-direct demo-direct2 demo-direct3"
if [ -r "$FASHION_DIR/train-images-idx3-ubyte.gz" ]; then
    F=$FASHION_DIR
    for s in 0 1; do
        "$SEEDSWEEP" import idx "$F/train-images-idx3-ubyte.gz" "$F/train-labels-idx1-ubyte.gz" --classes T-shirt/top,Shirt \
            --shard "$s/3" --count 400 --out "$T/shard$s.h5" >/dev/null || { fail "reference_results: import shard $s"; finish; }
    done
    "$SEEDSWEEP" import idx "$F/t10k-images-idx3-ubyte.gz" "$F/t10k-labels-idx1-ubyte.gz" --classes T-shirt/top,Shirt \
        --count 400 --out "$T/test.h5" >/dev/null || { fail "reference_results: import test"; finish; }
    cat >"$T/fashion.ini" <<INI
[sweep]
name   = reference-fashion
output = fashion.h5
seeds  = 0-2
train  = shard0 shard1
vary   = both
[datasets]
shard0 = shard0.h5
shard1 = shard1.h5
test   = test.h5
[model]
input  = 28x28x1
layers = conv16 pool conv32 pool flatten dense64 dense2
init   = glorot_uniform
[train]
epochs = 2
batch  = 20
INI
    jobs="$jobs fashion"
else
    skip "reference_results: Fashion-MNIST not installed at $FASHION_DIR (Debian package dataset-fashion-mnist)"
fi

digests() {   # digests FILE.h5 LABEL: one "LABEL ARRAY sha256" line per deterministic array
    "$PY" - "$1" "$2" <<'PYEOF'
import hashlib, sys, h5py, numpy as np
path, label = sys.argv[1], sys.argv[2]
skip = {"task_seconds", "task_host", "task_rank", "task_blas"}
out = []
with h5py.File(path, "r") as f:
    def visit(name, obj):
        if not isinstance(obj, h5py.Dataset) or name.startswith("hosts/") or name in skip:
            return
        data = obj[()]
        if data.dtype.kind == "O":
            blob = "\0".join(x.decode() if isinstance(x, bytes) else str(x) for x in data.ravel()).encode()
        else:
            blob = np.ascontiguousarray(data).tobytes()
        out.append(f"{label} {name} {data.dtype.str}{list(data.shape)} {hashlib.sha256(blob).hexdigest()}")
    f.visititems(visit)
print("\n".join(sorted(out)))
PYEOF
}

: >"$T/now.txt"
for j in $jobs; do
    # demo and fashion: the im2col lowering; demo-direct*: the demo job on the direct* path
    conv=im2col ini=$j
    case $j in demo-direct*) conv=${j#demo-} ini=demo ;; esac
    (cd "$T" && SEEDSWEEP_CONV=$conv mpirun --bind-to none -n 2 -x SEEDSWEEP_CONV "$SEEDSWEEP" run "$ini.ini" \
        --out "$j.h5" --threads 1 --quiet) >"$T/$j.log" 2>&1 ||
        { fail "reference_results: $j sweep failed: $(tail -n 3 "$T/$j.log")"; finish; }
    digests "$T/$j.h5" "$j" >>"$T/now.txt" || { fail "reference_results: reading $j.h5"; finish; }
done

if [ "${1:-}" = --update ]; then
    cp "$T/now.txt" "$FIXTURE"; echo "reference_results: wrote $FIXTURE"; exit 0
fi
for j in $jobs; do
    grep "^$j " "$FIXTURE" >"$T/want-$j.txt"; grep "^$j " "$T/now.txt" >"$T/got-$j.txt"
    if [ ! -s "$T/want-$j.txt" ]; then
        fail "reference_results: $j: no digests in $FIXTURE"
    elif diff "$T/want-$j.txt" "$T/got-$j.txt" >"$T/diff-$j.txt"; then
        pass "reference_results: $j sweep ($(wc -l <"$T/want-$j.txt") arrays) bit-identical to the reference"
    else
        fail "reference_results: $j sweep differs from the reference in: $(grep '^>' "$T/diff-$j.txt" | awk '{print $3}' | tr '\n' ' ')"
    fi
done
finish
