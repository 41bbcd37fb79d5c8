#!/usr/bin/python3
"""plot_results.py RESULTS.h5 -o FIG.png - the figure of a seedsweep results file.

Left: box plots of test accuracy per training dataset (accuracy on every dataset other than
the training one, pooled over seeds), each run drawn as a jittered point coloured by test
dataset, as in the original experiment's figure; collapsed runs (one class predicted for
every image) are drawn as crosses. Right: per-epoch training accuracy curves, one thin line
per run, the median per training dataset in bold. Works on a running sweep (pending tasks are
left out). Needs h5py, numpy and matplotlib (Debian: python3-h5py python3-matplotlib).

Example:  scripts/plot_results.py results/demo.h5 -o results/demo.png
"""
import argparse
import sys

import matplotlib

matplotlib.use("Agg")
import h5py  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402


def text(value):
    return value.decode() if isinstance(value, bytes) else str(value)


def zoomed_limits(values):
    """Accuracy axis limits: the data's range plus a margin, on a 0.05 grid, within [0, 1]."""
    values = values[np.isfinite(values)] if len(values) else values
    if not len(values):
        return -0.02, 1.02
    low = max(0.0, np.floor((values.min() - 0.02) * 20) / 20)
    high = min(1.0, np.ceil((values.max() + 0.02) * 20) / 20)
    return low - 0.01, high + 0.01


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     epilog="example: scripts/plot_results.py results/demo.h5 -o demo.png")
    parser.add_argument("results")
    parser.add_argument("-o", "--output", required=True, help="PNG (or PDF/SVG) to write")
    parser.add_argument("--seed", type=int, default=0, help="jitter seed (default 0)")
    args = parser.parse_args()
    try:
        f = h5py.File(args.results, "r", locking=False)
    except (OSError, TypeError):
        f = h5py.File(args.results, "r")
    with f:
        if text(f.attrs.get("format", "")) != "seedsweep-results/1":
            sys.exit(f"{args.results}: not a seedsweep results file")
        status = f["task_status"][()]          # read first: rows are written before their status
        names = [text(n) for n in f["dataset_name"][()]]
        accuracy = f["accuracy"][()]
        collapsed = f["collapsed"][()]
        train = f["task_train_dataset"][()]
        train_accuracy = f["train_accuracy"][()]
        title = text(f.attrs.get("name", args.results))
    done = status != 0
    order = []
    for d in train:
        if d not in order:
            order.append(int(d))
    rng = np.random.default_rng(args.seed)
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]

    fig, (box_ax, curve_ax) = plt.subplots(1, 2, figsize=(12, 5), gridspec_kw={"width_ratios": [1.2, 1]})
    pooled = []
    labelled = set()
    for position, tr in enumerate(order):
        rows = np.where(done & (train == tr))[0]
        values = []
        for d in range(len(names)):
            if d == tr:
                continue
            a = accuracy[rows, d]
            c = collapsed[rows, d] == 1
            keep = ~np.isnan(a)
            values.extend(a[keep])
            x = position + 1 + rng.uniform(-0.18, 0.18, size=keep.sum())
            colour = colours[d % len(colours)]
            label = f"tested on {names[d]}" if d not in labelled else None
            labelled.add(d)
            box_ax.scatter(x[~c[keep]], a[keep][~c[keep]], s=18, alpha=0.75, color=colour, zorder=3,
                           label=label)
            if c[keep].any():
                box_ax.scatter(x[c[keep]], a[keep][c[keep]], s=30, marker="x", color=colour, zorder=3)
        pooled.append(values)
    if order:
        box_ax.boxplot(pooled, positions=range(1, len(order) + 1), widths=0.55, showfliers=False,
                       medianprops={"color": "black", "linewidth": 2})
    box_ax.set_xticks(range(1, len(order) + 1))
    box_ax.set_xticklabels([f"{names[tr]}\n(n={len(v)})" for tr, v in zip(order, pooled)])
    box_ax.set_xlabel("training dataset")
    box_ax.set_ylabel("test accuracy (other datasets)")
    every = np.concatenate([np.asarray(v, dtype=float) for v in pooled]) if pooled else np.array([])
    low, high = zoomed_limits(every)
    if low < 0.5 < high:
        box_ax.axhline(0.5, color="grey", linestyle=":", linewidth=1)
    box_ax.set_ylim(low, high)
    handles, labels = box_ax.get_legend_handles_labels()
    unique = dict(sorted(zip(labels, handles), key=lambda item: names.index(item[0].split()[-1])))
    if unique:
        box_ax.legend(unique.values(), unique.keys(), loc="lower right", fontsize=8, title="x = collapsed run",
                      title_fontsize=8)
    box_ax.set_title(f"{title}: test accuracy by training set ({int(done.sum())}/{len(status)} tasks)")

    epochs = np.arange(1, train_accuracy.shape[1] + 1)
    for tr in order:
        rows = np.where(done & (train == tr))[0]
        colour = colours[tr % len(colours)]
        for r in rows:
            curve_ax.plot(epochs, train_accuracy[r], color=colour, alpha=0.25, linewidth=0.8)
        if len(rows):
            curve_ax.plot(epochs, np.nanmedian(train_accuracy[rows], axis=0), color=colour, linewidth=2.5,
                          label=f"trained on {names[tr]} (median)")
    curve_ax.set_xlabel("epoch")
    curve_ax.set_ylabel("training accuracy")
    curve_ax.set_ylim(*zoomed_limits(train_accuracy[done].ravel()))
    if len(epochs) <= 20:
        curve_ax.set_xticks(epochs)
    if order:
        curve_ax.legend(loc="lower right", fontsize=8)
    curve_ax.set_title("training accuracy per epoch")
    fig.tight_layout()
    fig.savefig(args.output, dpi=110)
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
