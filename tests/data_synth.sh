#!/usr/bin/env bash
# data_synth.sh - synth through the CLI (deterministic, seed-dependent, balanced), info and montage,
# and dataset files that must be refused with exit 2 naming the file.
source "$(dirname "$0")/lib.sh"
T=$(tmpdir)
trap 'rm -rf "$T"' EXIT
expect_bad() {  # NAME NEEDLE CMD...: exit 2 and NEEDLE in the message
    local name=$1 needle=$2; shift 2
    local rc=0
    "$@" >"$T/bad.out" 2>"$T/bad.err" || rc=$?
    if [ "$rc" = 2 ] && grep -q -- "$needle" "$T/bad.err"; then pass "$name"
    else fail "$name: exit $rc, stderr: $(head -c 300 "$T/bad.err")"; fi
}

for preset in fly1 fly2 fly3; do
    check "synth $preset 64px" bash -c "'$SEEDSWEEP' synth $preset --out '$T/$preset.h5' --size 64 --count 24 --seed 3 >/dev/null"
done
"$SEEDSWEEP" synth fly1 --out "$T/again.h5" --size 64 --count 24 --seed 3 >/dev/null
"$SEEDSWEEP" synth fly1 --out "$T/other.h5" --size 64 --count 24 --seed 4 >/dev/null
$PY - "$T" <<'PYEOF'
import sys, h5py, numpy as np
T = sys.argv[1]
def report(ok, name): print(("PASS " if ok else "FAIL ") + name)
a, b, c = (h5py.File(T + n, "r") for n in ("/fly1.h5", "/again.h5", "/other.h5"))
report(np.array_equal(a["images"][:], b["images"][:]) and np.array_equal(a["labels"][:], b["labels"][:]), "synth: same seed, same images")
report(not np.array_equal(a["images"][:], c["images"][:]), "synth: another seed, other images")
report(a["images"].shape == (24, 64, 64, 1) and a["images"].dtype == np.uint8, "synth: (N, H, W, 1) uint8")
report(list(a.attrs["class_names"]) == ["Control", "Snap29"] and a.attrs["format"] == "seedsweep-dataset/1", "synth: class names and format")
report(np.bincount(a["labels"][:]).tolist() == [12, 12], "synth: balanced classes")
f2 = h5py.File(T + "/fly2.h5", "r")
report(not np.array_equal(a["images"][:], f2["images"][:]), "synth: presets differ for one seed")
PYEOF
[ $? = 0 ] || fail "h5py synth checks crashed"

"$SEEDSWEEP" info "$T/fly1.h5" >"$T/info" 2>&1
check "info: exit 0" test $? = 0
check "info: images per class" grep -q "Snap29.* 12 images" "$T/info"
check "info: size, channels, mean/std, source" bash -c "grep -q '64x64' '$T/info' && grep -q 'mean' '$T/info' && grep -q 'std' '$T/info' && grep -q 'synth fly1' '$T/info'"
"$SEEDSWEEP" montage "$T/fly1.h5" -o "$T/grid.png" --count 8 >/dev/null
check "montage writes a PNG" bash -c "head -c 8 '$T/grid.png' | od -An -c | grep -q 'P   N   G'"
"$SEEDSWEEP" import png "$T" --out "$T/none.h5" >/dev/null 2>&1  # (sanity: no class folders here)

# dataset files that must be refused
$PY - "$T" <<'PYEOF'
import sys, h5py, numpy as np
T = sys.argv[1]
def write(name, images, labels, classes, fmt="seedsweep-dataset/1"):
    with h5py.File(T + "/" + name, "w") as f:
        f["images"] = images
        f["labels"] = labels
        f.attrs["format"] = fmt
        f.attrs["class_names"] = classes
        f.attrs["source"] = "data_synth.sh"
ok = np.zeros((4, 8, 8, 1), np.uint8)
write("wrongformat.h5", ok, np.array([0, 1, 0, 1], np.uint8), ["a", "b"], fmt="seedsweep-results/0")
write("outofrange.h5", ok, np.array([0, 1, 2, 1], np.uint8), ["a", "b"])
write("zero.h5", np.zeros((0, 8, 8, 1), np.uint8), np.zeros(0, np.uint8), ["a", "b"])
write("emptyclass.h5", ok, np.array([0, 0, 0, 0], np.uint8), ["a", "b"])
write("shape.h5", np.zeros((4, 8, 8), np.uint8), np.array([0, 1, 0, 1], np.uint8), ["a", "b"])
write("wide.h5", ok.astype(np.uint16), np.array([0, 1, 0, 1], np.uint8), ["a", "b"])
write("fixedstrings.h5", ok, np.array([0, 1, 0, 1], np.uint8), np.array([b"Control", b"Snap29"], dtype="S7"))
with h5py.File(T + "/noformat.h5", "w") as f:
    f["x"] = 1
PYEOF
check "dataset with fixed-length class names loads" bash -c "'$SEEDSWEEP' info '$T/fixedstrings.h5' | grep -q Snap29"
head -c 3000 "$T/fly1.h5" > "$T/truncated.h5"
echo "plain text" > "$T/text.h5"
expect_bad "truncated HDF5 dataset: exit 2 naming the file" "truncated.h5" "$SEEDSWEEP" info "$T/truncated.h5"
expect_bad "non-HDF5 file: exit 2 naming the file" "text.h5" "$SEEDSWEEP" montage "$T/text.h5" -o "$T/x.png"
expect_bad "wrong format attribute: exit 2 naming the file" "wrongformat.h5" "$SEEDSWEEP" montage "$T/wrongformat.h5" -o "$T/x.png"
expect_bad "info on an unknown format: exit 2 naming the file" "wrongformat.h5" "$SEEDSWEEP" info "$T/wrongformat.h5"
expect_bad "no format attribute: exit 2 naming the file" "noformat.h5" "$SEEDSWEEP" info "$T/noformat.h5"
expect_bad "labels out of range: exit 2 naming the file" "outofrange.h5: label" "$SEEDSWEEP" info "$T/outofrange.h5"
expect_bad "zero images: exit 2 naming the file" "zero.h5: holds zero images" "$SEEDSWEEP" info "$T/zero.h5"
expect_bad "empty class: exit 2 naming the file" "emptyclass.h5: class 1" "$SEEDSWEEP" info "$T/emptyclass.h5"
expect_bad "images not 4-D: exit 2 naming the file" "shape.h5" "$SEEDSWEEP" info "$T/shape.h5"
expect_bad "images not uint8: exit 2 naming the file" "wide.h5" "$SEEDSWEEP" info "$T/wide.h5"
expect_bad "missing dataset file: exit 2 naming it" "absent.h5" "$SEEDSWEEP" info "$T/absent.h5"
expect_bad "synth unknown preset: exit 2" "fly7" "$SEEDSWEEP" synth fly7 --out "$T/x.h5"
expect_bad "synth missing preset: exit 2" "missing PRESET" "$SEEDSWEEP" synth --out "$T/x.h5"
expect_bad "synth missing --out: exit 2" "missing --out" "$SEEDSWEEP" synth fly1
expect_bad "synth unknown option: exit 2" "unknown option" "$SEEDSWEEP" synth fly1 --out "$T/x.h5" --colour red
expect_bad "synth missing option value: exit 2" "needs a value" "$SEEDSWEEP" synth fly1 --out "$T/x.h5" --seed
expect_bad "synth --count 4 (one class): exit 2" "count" "$SEEDSWEEP" synth fly1 --out "$T/x.h5" --count 4
expect_bad "synth bad --size: exit 2" "size" "$SEEDSWEEP" synth fly1 --out "$T/x.h5" --size 8
expect_bad "synth --set unknown key: exit 2 naming it" "colour" "$SEEDSWEEP" synth fly1 --out "$T/x.h5" --set colour=1
expect_bad "synth --set out of bounds: exit 2 with the bounds" "0.01..10" "$SEEDSWEEP" synth fly1 --out "$T/x.h5" --set gain=0
expect_bad "synth --set nan: exit 2" "gain=NUMBER" "$SEEDSWEEP" synth fly1 --out "$T/x.h5" --set gain=nan
expect_bad "synth --set without '=': exit 2" "gain=NUMBER" "$SEEDSWEEP" synth fly1 --out "$T/x.h5" --set gain
expect_bad "synth --set max below min: exit 2 naming both" "snap29_aggregates_min" \
    "$SEEDSWEEP" synth fly1 --out "$T/x.h5" --size 32 --count 8 --set snap29_aggregates_max=2
expect_bad "synth --channels 2: exit 2" "channels" "$SEEDSWEEP" synth fly1 --out "$T/x.h5" --channels 2
# --set: the same cells with other parameters, recorded in the source; the order of --set is free;
# --channels 3: three copies of the mono pixels
"$SEEDSWEEP" synth fly3 --out "$T/set.h5" --size 64 --count 24 --seed 3 --set snap29_aggregates_min=2 \
    --set snap29_aggregates_max=4 --set control_brightness=1 >/dev/null
"$SEEDSWEEP" synth fly3 --out "$T/same.h5" --size 64 --count 24 --seed 3 --set control_brightness=1 >/dev/null
"$SEEDSWEEP" synth fly3 --out "$T/plain3.h5" --size 64 --count 24 --seed 3 >/dev/null
"$SEEDSWEEP" synth fly3 --out "$T/rgb.h5" --size 64 --count 24 --seed 3 --channels 3 >/dev/null
"$SEEDSWEEP" synth fly3 --out "$T/noop.h5" --size 64 --count 24 --seed 3 --set gain=0.95 >/dev/null
$PY - "$T" <<'PYEOF'
import sys, h5py, numpy as np
T = sys.argv[1]
def report(ok, name): print(("PASS " if ok else "FAIL ") + name)
f = {n: h5py.File(f"{T}/{n}.h5", "r") for n in ("set", "same", "plain3", "rgb", "noop")}
src = f["set"].attrs["source"]
report("--set snap29_aggregates_min=2 --set snap29_aggregates_max=4 --set control_brightness=1" in src,
       "synth --set: the source attribute records every changed key")
report("--set" not in f["noop"].attrs["source"] and np.array_equal(f["noop"]["images"][:], f["plain3"]["images"][:]),
       "synth --set to the preset's own value: same file, nothing recorded")
ctl = f["plain3"]["labels"][:] == 0
a, b = f["same"]["images"][:].astype(float), f["plain3"]["images"][:].astype(float)
report(a[ctl].mean() < 0.9 * b[ctl].mean() and abs(a[~ctl].mean() - b[~ctl].mean()) < 1.0,
       "synth --set control_brightness=1: fly3's Control fields lose their 50% extra exposure, Snap29 unchanged")
rgb = f["rgb"]["images"][:]
report(rgb.shape == (24, 64, 64, 3) and all(np.array_equal(rgb[..., c:c + 1], f["plain3"]["images"][:]) for c in range(3)),
       "synth --channels 3: three identical copies of the mono pixels")
PYEOF
[ $? = 0 ] || fail "h5py synth --set checks crashed"
rc=0; "$SEEDSWEEP" synth fly1 --out "$T/no/such/dir/x.h5" --size 32 --count 8 >/dev/null 2>"$T/err" || rc=$?
if [ "$rc" = 2 ] && grep -q "no/such/dir" "$T/err"; then pass "synth into a missing directory: bad input (exit 2) naming it, before any work"; else fail "synth into a missing directory: exit $rc"; fi
expect_bad "montage unknown option: exit 2" "unknown option" "$SEEDSWEEP" montage "$T/fly1.h5" -o "$T/x.png" --big
expect_bad "montage missing -o: exit 2" "missing -o" "$SEEDSWEEP" montage "$T/fly1.h5"
expect_bad "info missing file argument: exit 2" "missing FILE" "$SEEDSWEEP" info
for c in synth montage info; do
    check "$c --help shows an example" bash -c "'$SEEDSWEEP' $c --help | grep -q 'example'"
done
finish
