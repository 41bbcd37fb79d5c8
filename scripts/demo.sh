#!/usr/bin/env bash
# demo.sh - `make demo`: from a fresh clone to a finished small sweep, its report and its figure.
# Installs missing Debian packages, builds, makes 64x64 demo datasets (data/demo-fly1..3.h5) if absent,
# runs jobs/demo.ini with 2 MPI ranks into results/demo.h5 (from scratch each time), prints the report and
# draws results/demo.png. About a minute on 2 idle cores (2-3 on busy ones) once the packages are installed.
set -eu
cd "$(dirname "$0")/.."
START=$SECONDS
step() { echo "== demo [$((SECONDS - START)) s] $*"; }
PY=/usr/bin/python3            # Debian's python has h5py and matplotlib; a pyenv python on PATH may not
RANKS=${DEMO_RANKS:-2}
SIZE=64 COUNT=300

step "checking Debian packages (scripts/install-deps.sh)"
bash scripts/install-deps.sh

step "building build/seedsweep"
make -s -j"$(nproc)" all

step "demo datasets: data/demo-fly1..3.h5 (${SIZE}x${SIZE}, $COUNT images each)"
mkdir -p data results
# has_shape FILE: FILE holds COUNT images of SIZE x SIZE x 1 (a file from an older demo may not)
has_shape() {
    "$PY" -c 'import sys, h5py; f = h5py.File(sys.argv[1], "r"); sys.exit(f["images"].shape != tuple(map(int, sys.argv[2:])))' \
        "$1" "$COUNT" "$SIZE" "$SIZE" 1 2>/dev/null
}
for preset in fly1 fly2 fly3; do
    if [ -s "data/demo-$preset.h5" ] && has_shape "data/demo-$preset.h5"; then echo "data/demo-$preset.h5 exists, kept"
    else build/seedsweep synth "$preset" --out "data/demo-$preset.h5" --size "$SIZE" --count "$COUNT"; fi
done

step "sweep: mpirun -np $RANKS build/seedsweep run jobs/demo.ini (results/demo.h5)"
# Open MPI refuses root unless told; the demo may well run as root in a container.
[ "$(id -u)" = 0 ] && export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
rm -f results/demo.h5          # from scratch, so the demo shows the whole sweep every time
# --oversubscribe: 2 ranks even on a 1-core machine; --bind-to none: leave thread placement to the OS.
mpirun -np "$RANKS" --oversubscribe --bind-to none build/seedsweep run jobs/demo.ini --threads 1

step "report: build/seedsweep report results/demo.h5"
build/seedsweep report results/demo.h5

step "figure: scripts/plot_results.py results/demo.h5 -o results/demo.png"
"$PY" scripts/plot_results.py results/demo.h5 -o results/demo.png

step "done: results/demo.h5 (open it with h5py), results/demo.png"
