# tests/helpers/sweep_fixture.sh - sourced by tests/sweep_*.sh after tests/lib.sh.
# make_fixture DIR SIZE COUNT: three synthetic datasets (fly1-3) in DIR and DIR/job.ini,
# a tiny network (SIZExSIZEx1, conv4 pool flatten dense8 dense2), 2 training sets x 6 seeds.
make_fixture() {
    local dir=$1 size=${2:-16} count=${3:-40}
    for preset in fly1 fly2 fly3; do
        "$SEEDSWEEP" synth $preset --out "$dir/$preset.h5" --size "$size" --count "$count" >/dev/null || return 1
    done
    cat >"$dir/job.ini" <<JOB
[sweep]
name   = fixture
output = $dir/results.h5
seeds  = 0-5
train  = fly1 fly3
[datasets]
fly1 = $dir/fly1.h5
fly2 = $dir/fly2.h5
fly3 = $dir/fly3.h5
[model]
input  = ${size}x${size}x1
layers = conv4 pool flatten dense8 dense2
[train]
epochs = 3
batch  = 8
JOB
}

# same_arrays A B: the result arrays of two files are identical (NaN == NaN)
same_arrays() { "$PY" "$ROOT/tests/helpers/compare_results.py" "$1" "$2" >/dev/null; }
