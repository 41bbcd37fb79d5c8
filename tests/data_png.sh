#!/usr/bin/env bash
# data_png.sh - 'import png': every PNG kind decodes to the pixels libpng should give (checked with h5py
# against tests/fixtures/data/make_png_tree.py's expectations), ordering, skipping, resizing, bad input.
source "$(dirname "$0")/lib.sh"
T=$(tmpdir)
trap 'rm -rf "$T"' EXIT
$PY "$ROOT/tests/fixtures/data/make_png_tree.py" "$T" || { fail "png fixture generation"; finish; }

# debris that must be skipped: silently for hidden files, with a warning for other files
touch "$T/gray/alpha/.DS_Store" "$T/gray/alpha/._a_gray8.png" "$T/colour/.DS_Store"
echo notes > "$T/gray/beta/notes.txt"
mkdir -p "$T/gray/.hidden_class" && cp "$T/gray/alpha/a_gray8.png" "$T/gray/.hidden_class/"

"$SEEDSWEEP" import png "$T/gray" --out "$T/gray.h5" >"$T/out" 2>"$T/err"
check "import png gray tree exits 0" test $? = 0
check "non-PNG file reported on stderr" grep -q "notes.txt" "$T/err"
check "hidden files and ._* skipped silently" bash -c "! grep -q -e DS_Store -e '\._a_gray8' -e hidden_class '$T/err'"
"$SEEDSWEEP" import png "$T/colour" --out "$T/colour.h5" >/dev/null 2>"$T/err2"
check "import png colour tree exits 0" test $? = 0
"$SEEDSWEEP" import png "$T/colour" --out "$T/luma.h5" --channels 1 >/dev/null 2>&1
"$SEEDSWEEP" import png "$T/gray" --out "$T/gray3.h5" --channels 3 >/dev/null 2>&1
"$SEEDSWEEP" import png "$T/colour" --out "$T/small.h5" --size 3 >/dev/null 2>&1
"$SEEDSWEEP" import png "$T/colour" --out "$T/big.h5" --size 12 2>/dev/null

$PY - "$T" <<'PYEOF'
import sys, h5py, numpy as np
T = sys.argv[1]
e = np.load(T + "/expected.npz")
def expect(tree, name):
    return e[(tree + "/" + name).replace("/", "|")]
def report(ok, name):
    print(("PASS " if ok else "FAIL ") + name)
for tree, channels in (("gray", 1), ("colour", 3)):
    with h5py.File(f"{T}/{tree}.h5", "r") as f:
        names = list(f["names"].asstr()[:])
        report(names == sorted(names), f"{tree}: /names sorted, relative to DIR ({names[0]}...)")
        report(f["images"].shape[3] == channels, f"{tree}: channels chosen automatically = {channels}")
        report(f.attrs["format"] == "seedsweep-dataset/1", f"{tree}: format attribute")
        classes = list(f.attrs["class_names"])
        labels = f["labels"][:]
        report(all(classes[l] == n.split("/")[0] for l, n in zip(labels, names)), f"{tree}: label = sorted class folder index")
        for i, name in enumerate(names):
            want = expect(tree, name)
            want = want[..., None] if want.ndim == 2 else want
            got = f["images"][i]
            report(np.array_equal(got, want), f"{tree}: {name} pixels equal libpng's decoding (max diff {np.abs(got.astype(int) - want).max()})")
with h5py.File(f"{T}/luma.h5", "r") as f:
    names = list(f["names"].asstr()[:])
    ok = True
    for i, name in enumerate(names):
        rgb = expect("colour", name).astype(np.int64)
        luma = (299 * rgb[..., 0] + 587 * rgb[..., 1] + 114 * rgb[..., 2] + 500) // 1000
        ok &= np.array_equal(f["images"][i][..., 0], luma)
    report(ok, "--channels 1: RGB to gray by BT.601 luma")
with h5py.File(f"{T}/gray3.h5", "r") as f:
    im = f["images"][:]
    report(im.shape[3] == 3 and np.array_equal(im[..., 0], im[..., 1]) and np.array_equal(im[..., 0], im[..., 2]),
           "--channels 3: gray copied to R, G, B")
with h5py.File(f"{T}/small.h5", "r") as f, h5py.File(f"{T}/big.h5", "r") as g:
    report(f["images"].shape[1:] == (3, 3, 3) and g["images"].shape[1:] == (12, 12, 3), "--size resizes (shrink and enlarge) to PX x PX")
    # a 6x5 image shrunk to 3x3: each output averages its source area; mean brightness is kept within rounding
    src = expect("colour", "cats/a_rgb8.png").astype(float)
    report(abs(f["images"][0].astype(float).mean() - src.mean()) < 3.0, "area shrink keeps the mean brightness")
PYEOF
[ $? = 0 ] || fail "h5py pixel checks crashed"

# bad input: exit 2 and a message naming the file
expect_bad() {  # NAME NEEDLE CMD...
    local name=$1 needle=$2; shift 2
    local rc=0
    "$@" >"$T/bad.out" 2>"$T/bad.err" || rc=$?
    if [ "$rc" = 2 ] && grep -q -- "$needle" "$T/bad.err"; then pass "$name"
    else fail "$name: exit $rc, stderr: $(head -c 300 "$T/bad.err")"; fi
}
mkdir -p "$T/trunc/a" "$T/trunc/b"
cp "$T/gray/alpha/a_gray8.png" "$T/trunc/a/"
head -c 60 "$T/gray/alpha/b_gray16.png" > "$T/trunc/b/broken.png"
expect_bad "truncated PNG: exit 2 naming the file" "broken.png" "$SEEDSWEEP" import png "$T/trunc" --out "$T/x.h5"
mkdir -p "$T/fake/a" "$T/fake/b"
cp "$T/gray/alpha/a_gray8.png" "$T/fake/a/" && echo "not a png" > "$T/fake/b/fake.png"
expect_bad "non-PNG data in a .png: exit 2 naming the file" "fake.png" "$SEEDSWEEP" import png "$T/fake" --out "$T/x.h5"
mkdir -p "$T/single/only"
cp "$T/gray/alpha/a_gray8.png" "$T/single/only/"
expect_bad "single class: exit 2" "need at least 2" "$SEEDSWEEP" import png "$T/single" --out "$T/x.h5"
mkdir -p "$T/single/empty"
expect_bad "empty class folder: exit 2 naming it" "empty" "$SEEDSWEEP" import png "$T/single" --out "$T/x.h5"
mkdir -p "$T/zero/a" "$T/zero/b"
expect_bad "zero images: exit 2" "no PNG images" "$SEEDSWEEP" import png "$T/zero" --out "$T/x.h5"
expect_bad "missing directory: exit 2 naming it" "nowhere" "$SEEDSWEEP" import png "$T/nowhere" --out "$T/x.h5"
mkdir -p "$T/sizes/a" "$T/sizes/b"
cp "$T/gray/alpha/a_gray8.png" "$T/sizes/a/" && $PY -c "
import sys; sys.path.insert(0, '$ROOT/tests/fixtures/data'); import make_png_tree as m, numpy as np
m.write_png('$T/sizes/b/wide.png', np.zeros((4, 9, 1), dtype=int), 0, 8)"
expect_bad "mixed sizes without --size: exit 2 asking for --size" "--size" "$SEEDSWEEP" import png "$T/sizes" --out "$T/x.h5"
check "mixed sizes with --size: ok" "$SEEDSWEEP" import png "$T/sizes" --out "$T/x.h5" --size 8
expect_bad "unknown option: exit 2" "unknown option" "$SEEDSWEEP" import png "$T/gray" --out "$T/x.h5" --frobnicate
expect_bad "missing --out: exit 2" "missing --out" "$SEEDSWEEP" import png "$T/gray"
expect_bad "missing option value: exit 2" "needs a value" "$SEEDSWEEP" import png "$T/gray" --out
expect_bad "--channels 2: exit 2" "channels" "$SEEDSWEEP" import png "$T/gray" --out "$T/x.h5" --channels 2
expect_bad "unknown import kind: exit 2" "unknown kind" "$SEEDSWEEP" import tiff "$T/gray"
check "import --help shows an example" bash -c "'$SEEDSWEEP' import --help | grep -q 'example'"
finish
