#!/usr/bin/env bash
# scale_10k.sh [RANKS] - not part of `make test`: a 10,000-task sweep of a tiny model (8 images of
# 16x16, conv2 pool dense2, 1 epoch) to measure rank 0's overhead per task and file size per task.
source "$(dirname "$0")/../lib.sh"
ranks=${1:-2}
dir=$(tmpdir)
trap 'rm -rf "$dir"' EXIT
for preset in fly1 fly2; do "$SEEDSWEEP" synth $preset --out "$dir/$preset.h5" --size 16 --count 8 >/dev/null; done
cat >"$dir/job.ini" <<JOB
[sweep]
seeds = 0-4999
train = fly1 fly2
[datasets]
fly1 = $dir/fly1.h5
fly2 = $dir/fly2.h5
[model]
input = 16x16x1
layers = conv2 pool flatten dense2
[train]
epochs = 1
batch = 8
JOB
start=$(date +%s.%N)
mpirun -n "$ranks" "$SEEDSWEEP" run "$dir/job.ini" --out "$dir/r.h5" --quiet >"$dir/log" 2>&1
rc=$?
end=$(date +%s.%N)
cat "$dir/log" | grep -v '^\[' | tail -3
"$PY" - "$dir/r.h5" <<PY
import os, sys, h5py, numpy as np
f = h5py.File(sys.argv[1], "r")
s = f["task_status"][()]
size = os.path.getsize(sys.argv[1])
print(f"exit $rc; tasks done {int((s == 1).sum())}/{len(s)}; wall (incl. mpirun start) {float('$end') - float('$start'):.2f} s; "
      f"sum of task times {np.nansum(f['task_seconds'][()]):.2f} s")
print(f"file {size} bytes = {size / len(s):.0f} bytes per task "
      f"(raw arrays per task: {sum(f[k].dtype.itemsize * np.prod(f[k].shape[1:]) for k in ['accuracy', 'loss', 'collapsed', 'train_loss', 'train_accuracy', 'predictions/fly1', 'predictions/fly2'])} bytes)")
PY
