#!/usr/bin/python3
"""compare_runs.py - two seedsweep results files of the same experiment, side by side: per training
dataset, the runs that collapsed (one class for every image of every other dataset) and each run's
mean accuracy on the other datasets, tested for a difference (Fisher's exact test on the collapse
counts, Mann-Whitney U on the per-run accuracies), and, for the seeds both files ran, how often the
same seed gave the same outcome (the same seed under another BLAS kernel or build is a paired run).

    /usr/bin/python3 scripts/compare_runs.py A.h5 B.h5 [--labels haswell sandybridge]

One value per run, not one per (run, test dataset): a run's accuracies on two test sets are not
independent draws. Needs h5py, numpy and scipy (python3-scipy).
"""
import argparse
import sys

import h5py
import numpy as np


def load(path):
    with h5py.File(path, "r") as f:
        names = [n.decode() if isinstance(n, bytes) else n for n in f["dataset_name"][()]]
        return dict(names=names, train=f["task_train_dataset"][()], seed=f["task_seed"][()],
                    status=f["task_status"][()], acc=f["accuracy"][()], col=f["collapsed"][()])


def runs_of(r, d):
    """seed -> (collapsed, mean accuracy on the other datasets) for the finished runs trained on d."""
    others = [i for i in range(len(r["names"])) if i != d]
    out = {}
    for t in np.flatnonzero((r["train"] == d) & (r["status"] == 1)):
        out[int(r["seed"][t])] = (bool((r["col"][t, others] == 1).all()), float(np.nanmean(r["acc"][t, others])))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("a")
    ap.add_argument("b")
    ap.add_argument("--labels", nargs=2, default=["A", "B"])
    args = ap.parse_args()
    from scipy import stats
    a, b = load(args.a), load(args.b)
    la, lb = args.labels
    print(f"{'train':8} {'file':12} {'runs':>4} {'collapsed':>9} {'median':>7}  (per-run mean accuracy on the other datasets)")
    for d, name in enumerate(a["names"]):
        if name not in b["names"]:
            continue
        ra, rb = runs_of(a, d), runs_of(b, b["names"].index(name))
        if not ra or not rb:
            continue
        for label, r in ((la, ra), (lb, rb)):
            k = sum(c for c, _ in r.values())
            print(f"{name:8} {label:12} {len(r):4} {k:9} {np.median([m for _, m in r.values()]):7.4f}")
        ka, kb = sum(c for c, _ in ra.values()), sum(c for c, _ in rb.values())
        fisher = stats.fisher_exact([[ka, len(ra) - ka], [kb, len(rb) - kb]])[1]
        mw = stats.mannwhitneyu([m for _, m in ra.values()], [m for _, m in rb.values()], alternative="two-sided").pvalue
        shared = sorted(set(ra) & set(rb))
        same = sum(ra[s][0] == rb[s][0] for s in shared)
        close = sum(abs(ra[s][1] - rb[s][1]) < 0.01 for s in shared)
        print(f"{'':8} Fisher exact (collapsed) p = {fisher:.3g}; Mann-Whitney U (accuracies) p = {mw:.3g}; "
              f"same seed: same collapse outcome {same}/{len(shared)}, accuracy within 0.01 {close}/{len(shared)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
