#!/usr/bin/env bash
# crash_diskfull.sh - the disk fills up while a sweep runs. The results file allocates every array
# when it is created (results.c), so once a sweep has started, a full disk cannot cost it a task:
# the sweep must finish (exit 0) on a file system with 0 bytes free, with arrays identical to a run
# on a roomy disk. (A disk too small at start-up is refused before training: tests/bad_inputs.sh.)
# Needs a small tmpfs (mount, as root); SKIP otherwise.
source "$(dirname "$0")/lib.sh"
T=$(tmpdir)
cleanup() { mountpoint -q "$T/disk" 2>/dev/null && umount "$T/disk"; rm -rf "$T"; }
trap cleanup EXIT
cd "$T" || exit 1
mkdir disk
if [ "$(id -u)" != 0 ] || ! mount -t tmpfs -o size=2m tmpfs disk 2>/dev/null; then
    skip "disk full during a sweep: cannot mount a small tmpfs here (needs root)"
    finish
fi
"$SEEDSWEEP" synth fly1 --out d1.h5 --size 32 --count 120 >/dev/null &&
    "$SEEDSWEEP" synth fly2 --out d2.h5 --size 32 --count 120 >/dev/null || { fail "disk full: synth"; finish; }
cat >disk.ini <<'INI'
[sweep]
name   = disk-full
seeds  = 0-9
train  = fly1 fly2
[datasets]
fly1 = d1.h5
fly2 = d2.h5
[model]
input  = 32x32x1
layers = conv8 pool conv8 pool flatten dense16 dense2
[train]
epochs = 4
batch  = 10
INI
mpirun -np 2 "$SEEDSWEEP" run disk.ini --out clean.h5 --quiet --threads 1 >/dev/null 2>&1 || { fail "disk full: clean run"; finish; }
mpirun -np 2 "$SEEDSWEEP" run disk.ini --out disk/r.h5 --quiet --threads 1 >run.log 2>&1 &
pid=$!
for _ in $(seq 1 100); do [ -f disk/r.h5 ] && break; sleep 0.05; done
# fill every byte left (the file exists, so its arrays are allocated)
dd if=/dev/zero of=disk/ballast bs=4k >/dev/null 2>&1
free=$(df -k --output=avail disk | tail -1 | tr -d ' ')
done_at_fill=$("$SEEDSWEEP" info disk/r.h5 2>/dev/null | awk '$1 == "tasks" { print $3 }')
wait $pid; rc=$?
check "disk full during a sweep: filled to ${free} KB free with ${done_at_fill:-?} of 20 tasks done; the sweep still exits 0" test "$rc" = 0
check "disk full during a sweep: arrays identical to a run on a roomy disk" $PY - clean.h5 disk/r.h5 <<'PYEOF'
import sys, h5py, numpy as np
a, b = h5py.File(sys.argv[1], 'r'), h5py.File(sys.argv[2], 'r')
names = ['accuracy', 'loss', 'train_loss', 'task_status'] + ['predictions/' + n for n in a['predictions']]
sys.exit(0 if all(np.array_equal(a[n][()], b[n][()], equal_nan=True) for n in names) else 1)
PYEOF
finish
