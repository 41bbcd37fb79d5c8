#!/usr/bin/python3
"""compare_results.py A.h5 B.h5 - exit 0 when the result arrays of two seedsweep results files
are bit-identical (NaN equals NaN); prints the first difference otherwise. /task_collapse_epoch and
/dead_relu are compared when both files hold them."""
import sys

import h5py
import numpy as np

a, b = (h5py.File(p, "r") for p in sys.argv[1:3])
names = ["task_status", "accuracy", "loss", "collapsed", "train_loss", "train_accuracy", "task_seed",
         "task_train_dataset"] + ["predictions/" + k for k in a["predictions"]]
# arrays newer than some reference files: compared when both files hold them
names += [n for n in ("task_collapse_epoch", "dead_relu") if n in a and n in b]
for name in names:
    x, y = a[name][()], b[name][()]
    if x.shape != y.shape or x.dtype != y.dtype:
        sys.exit(f"{name}: shape/dtype {x.shape} {x.dtype} vs {y.shape} {y.dtype}")
    same = np.array_equal(x.view(np.uint8), y.view(np.uint8)) if x.dtype.kind == "f" else np.array_equal(x, y)
    if not same:
        where = np.argwhere(~((x == y) | (np.isnan(x) & np.isnan(y)) if x.dtype.kind == "f" else (x != y)))
        sys.exit(f"{name}: differs, first at {where[0].tolist() if len(where) else '?'}")
print(f"identical: {len(names)} arrays")
