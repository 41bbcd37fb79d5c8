# tests/helpers/sweep_fixture.sh - sourced by tests/sweep_*.sh after tests/lib.sh.
# make_fixture DIR SIZE COUNT: a private copy of the binary ($SEEDSWEEP then points to it), three synthetic datasets (fly1-3) in DIR and DIR/job.ini,
# a tiny network (SIZExSIZEx1, conv4 pool flatten dense8 dense2), 2 training sets x 6 seeds.
make_fixture() {
    local dir=$1 size=${2:-16} count=${3:-40}
    # a private copy of the binary: others rebuilding build/seedsweep mid-test must not change it
    for _ in 1 2 3 4 5; do
        cp "$SEEDSWEEP" "$dir/seedsweep" 2>/dev/null && "$dir/seedsweep" --version >/dev/null 2>&1 && break
        sleep 1
    done
    SEEDSWEEP="$dir/seedsweep"
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

# make_slow_fixture DIR: make_fixture DIR 32 120, widened to 30 slower tasks (~0.1-0.2 s each:
# 3 training sets x 10 seeds, two convs, 4 epochs), so signals and scheduling have room to act.
make_slow_fixture() {
    make_fixture "$1" 32 120 || return 1
    sed -i -e 's/^seeds  = .*/seeds  = 0-9/' -e 's/^train  = .*/train  = fly1 fly2 fly3/' \
        -e 's/^layers = .*/layers = conv8 pool conv8 pool flatten dense16 dense2/' -e 's/^epochs = .*/epochs = 4/' "$1/job.ini"
}

# tiny_job SEEDS "TRAIN..." NAME=PATH...: a 16x16 job of one-epoch tasks on stdout (relative paths kept)
tiny_job() {
    local seeds=$1 train=$2 d; shift 2
    printf '[sweep]\nseeds  = %s\ntrain  = %s\n[datasets]\n' "$seeds" "$train"
    for d in "$@"; do printf '%s = %s\n' "${d%%=*}" "${d#*=}"; done
    printf '[model]\ninput  = 16x16x1\nlayers = conv4 pool flatten dense8 dense2\n[train]\nepochs = 1\nbatch  = 8\n'
}

# same_arrays A B: the result arrays of two files are identical (NaN == NaN)
same_arrays() { "$PY" "$ROOT/tests/helpers/compare_results.py" "$1" "$2" >/dev/null; }
