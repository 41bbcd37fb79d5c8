#!/usr/bin/python3
"""write_dataset.py OUT.h5 N H W C CLASS[,CLASS...] - a small random dataset file (docs/design.md
section 6) for tests that need shapes or class names `seedsweep synth` does not make."""
import sys

import h5py
import numpy as np

out, n, h, w, c, classes = sys.argv[1], *map(int, sys.argv[2:6]), sys.argv[6].split(",")
rng = np.random.default_rng(0)
with h5py.File(out, "w") as f:
    f["images"] = rng.integers(0, 256, size=(n, h, w, c), dtype=np.uint8)
    f["labels"] = (np.arange(n) % len(classes)).astype(np.uint8)
    f.attrs["format"] = "seedsweep-dataset/1"
    f.attrs["class_names"] = np.array(classes, dtype=h5py.string_dtype())
    f.attrs["source"] = "tests/helpers/write_dataset.py"
