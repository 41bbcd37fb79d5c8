#!/usr/bin/env bash
# data_idx.sh - 'import idx': a small plain (uncompressed) IDX pair made here, then the real Debian
# Fashion-MNIST files when the package is installed (SKIP otherwise): counts, shards, class filter, bad input.
source "$(dirname "$0")/lib.sh"
T=$(tmpdir)
trap 'rm -rf "$T"' EXIT
expect_bad() {  # NAME NEEDLE CMD...: exit 2 and NEEDLE (the file) in the message
    local name=$1 needle=$2; shift 2
    local rc=0
    "$@" >"$T/bad.out" 2>"$T/bad.err" || rc=$?
    if [ "$rc" = 2 ] && grep -q -- "$needle" "$T/bad.err"; then pass "$name"
    else fail "$name: exit $rc, stderr: $(head -c 300 "$T/bad.err")"; fi
}

# 12 images of 3x4, labels 0..3 repeating; pixel values encode the image index
$PY - "$T" <<'PYEOF'
import struct, sys
T = sys.argv[1]
n, rows, cols = 12, 3, 4
with open(T + "/img.idx", "wb") as f:
    f.write(struct.pack(">IIII", 2051, n, rows, cols))
    for i in range(n):
        f.write(bytes([(i * 10 + k) % 256 for k in range(rows * cols)]))
with open(T + "/lab.idx", "wb") as f:
    f.write(struct.pack(">II", 2049, n) + bytes([i % 4 for i in range(n)]))
with open(T + "/lab_short.idx", "wb") as f:
    f.write(struct.pack(">II", 2049, 11) + bytes([i % 4 for i in range(11)]))
with open(T + "/img_cut.idx", "wb") as f:
    f.write(struct.pack(">IIII", 2051, n, rows, cols) + bytes(30))
with open(T + "/lab_big.idx", "wb") as f:
    f.write(struct.pack(">II", 2049, n) + bytes([7] * n))
PYEOF

check "plain IDX import" bash -c "'$SEEDSWEEP' import idx '$T/img.idx' '$T/lab.idx' --out '$T/all.h5' >/dev/null"
"$SEEDSWEEP" import idx "$T/img.idx" "$T/lab.idx" --out "$T/sel.h5" --classes 3,1 >/dev/null
"$SEEDSWEEP" import idx "$T/img.idx" "$T/lab.idx" --out "$T/names.h5" --classes b,d --class-names a,b,c,d >/dev/null
for s in 0 1 2; do "$SEEDSWEEP" import idx "$T/img.idx" "$T/lab.idx" --out "$T/shard$s.h5" --classes 0,2 --shard $s/3 >/dev/null; done
"$SEEDSWEEP" import idx "$T/img.idx" "$T/lab.idx" --out "$T/cap.h5" --count 5 >/dev/null
$PY - "$T" <<'PYEOF'
import sys, h5py, numpy as np
T = sys.argv[1]
def report(ok, name): print(("PASS " if ok else "FAIL ") + name)
with h5py.File(T + "/all.h5") as f:
    im = f["images"][:]
    report(im.shape == (12, 3, 4, 1) and all(im[i, 0, 0, 0] == i * 10 for i in range(12)), "plain IDX: shape and pixels in order")
    report(list(f.attrs["class_names"]) == ["0", "1", "2", "3"], "plain IDX: class names default to label numbers")
with h5py.File(T + "/sel.h5") as f:
    idx = [int(n.split("#")[1]) for n in f["names"].asstr()[:]]
    report(idx == [1, 3, 5, 7, 9, 11] and list(f["labels"][:]) == [1, 0] * 3 and list(f.attrs["class_names"]) == ["3", "1"],
           "--classes 3,1 keeps those labels, renumbered in the order given")
with h5py.File(T + "/names.h5") as f:
    report(list(f.attrs["class_names"]) == ["b", "d"] and len(f["labels"]) == 6, "--classes by name with --class-names")
shards = [list(h5py.File(T + "/shard%d.h5" % s)["names"].asstr()[:]) for s in range(3)]
report(shards[0] == ["img.idx#0", "img.idx#6"] and shards[1] == ["img.idx#2", "img.idx#8"] and shards[2] == ["img.idx#4", "img.idx#10"],
       "--shard I/3 after the class filter: every 3rd kept image from I, disjoint and covering")
with h5py.File(T + "/cap.h5") as f:
    report(len(f["labels"]) == 5, "--count 5 caps the images")
PYEOF
[ $? = 0 ] || fail "h5py IDX checks crashed"

expect_bad "IDX labels given as images (wrong magic): exit 2 naming the file" "lab.idx" "$SEEDSWEEP" import idx "$T/lab.idx" "$T/lab.idx" --out "$T/x.h5"
expect_bad "IDX images given as labels (wrong magic): exit 2 naming the file" "img.idx" "$SEEDSWEEP" import idx "$T/img.idx" "$T/img.idx" --out "$T/x.h5"
expect_bad "IDX counts differ: exit 2" "lab_short.idx" "$SEEDSWEEP" import idx "$T/img.idx" "$T/lab_short.idx" --out "$T/x.h5"
expect_bad "IDX truncated image data: exit 2 naming the file" "img_cut.idx" "$SEEDSWEEP" import idx "$T/img_cut.idx" "$T/lab.idx" --out "$T/x.h5"
expect_bad "IDX missing file: exit 2 naming it" "nothere.idx" "$SEEDSWEEP" import idx "$T/nothere.idx" "$T/lab.idx" --out "$T/x.h5"
expect_bad "IDX unknown class: exit 2" "Platypus" "$SEEDSWEEP" import idx "$T/img.idx" "$T/lab.idx" --out "$T/x.h5" --classes 0,Platypus
expect_bad "IDX single class: exit 2" "img.idx" "$SEEDSWEEP" import idx "$T/img.idx" "$T/lab_big.idx" --out "$T/x.h5"
expect_bad "IDX bad --shard: exit 2" "shard" "$SEEDSWEEP" import idx "$T/img.idx" "$T/lab.idx" --out "$T/x.h5" --shard 2/2
expect_bad "IDX missing LABELS: exit 2" "missing LABELS" "$SEEDSWEEP" import idx "$T/img.idx" --out "$T/x.h5"
expect_bad "IDX zero images after filter: exit 2" "no images" "$SEEDSWEEP" import idx "$T/img.idx" "$T/lab.idx" --out "$T/x.h5" --classes 1 --shard 3/4

F=/usr/share/datasets/fashion-mnist
if [ ! -f "$F/train-images-idx3-ubyte.gz" ]; then
    skip "Fashion-MNIST import: dataset-fashion-mnist not installed ($F)"
    finish
fi
"$SEEDSWEEP" import idx "$F/train-images-idx3-ubyte.gz" "$F/train-labels-idx1-ubyte.gz" --out "$T/train.h5" >/dev/null
"$SEEDSWEEP" import idx "$F/t10k-images-idx3-ubyte.gz" "$F/t10k-labels-idx1-ubyte.gz" --out "$T/test.h5" >/dev/null
for s in 0 1 2; do
    "$SEEDSWEEP" import idx "$F/train-images-idx3-ubyte.gz" "$F/train-labels-idx1-ubyte.gz" --out "$T/fs$s.h5" \
        --classes "T-shirt/top,Shirt" --shard $s/3 >/dev/null
done
"$SEEDSWEEP" import idx "$F/t10k-images-idx3-ubyte.gz" "$F/t10k-labels-idx1-ubyte.gz" --out "$T/fc.h5" --classes 9,0 --count 100 >/dev/null
$PY - "$T" "$F" <<'PYEOF'
import gzip, sys, h5py, numpy as np
T, F = sys.argv[1], sys.argv[2]
def report(ok, name): print(("PASS " if ok else "FAIL ") + name)
with h5py.File(T + "/train.h5") as f:
    report(f["images"].shape == (60000, 28, 28, 1), "Fashion-MNIST train: 60000 images of 28x28x1")
    report(list(f.attrs["class_names"])[0] == "T-shirt/top" and len(f.attrs["class_names"]) == 10, "Fashion-MNIST class names detected")
    raw = np.frombuffer(gzip.open(F + "/train-images-idx3-ubyte.gz").read()[16:], dtype=np.uint8).reshape(-1, 28, 28)
    labels = np.frombuffer(gzip.open(F + "/train-labels-idx1-ubyte.gz").read()[8:], dtype=np.uint8)
    report(np.array_equal(f["images"][:, :, :, 0], raw) and np.array_equal(f["labels"][:], labels), "Fashion-MNIST train: pixels and labels equal the IDX file")
with h5py.File(T + "/test.h5") as f:
    report(f["images"].shape[0] == 10000, "Fashion-MNIST t10k: 10000 images")
shards = [set(h5py.File(T + "/fs%d.h5" % s)["names"].asstr()[:]) for s in range(3)]
want = {"train-images-idx3-ubyte.gz#%d" % i for i in np.nonzero((labels == 0) | (labels == 6))[0]}
report(len(want) == 12000 and not (shards[0] & shards[1] or shards[0] & shards[2] or shards[1] & shards[2]) and set().union(*shards) == want,
       "shards 0/3 1/3 2/3 of T-shirt/top+Shirt: disjoint, covering all 12000")
with h5py.File(T + "/fs0.h5") as f:
    report(list(f.attrs["class_names"]) == ["T-shirt/top", "Shirt"], "--classes by Fashion-MNIST names, renumbered in order")
with h5py.File(T + "/fc.h5") as f:
    report(len(f["labels"]) == 100 and list(f.attrs["class_names"]) == ["Ankle boot", "T-shirt/top"], "--classes 9,0 --count 100")
PYEOF
[ $? = 0 ] || fail "h5py Fashion-MNIST checks crashed"
finish
