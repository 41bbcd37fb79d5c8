#!/usr/bin/python3
"""plot_results.py RESULTS.h5 -o FIG.png - the figure of a seedsweep results file.

Left: box plots of test accuracy per training dataset (accuracy on every dataset other than
the training one, pooled over seeds), each run drawn as a jittered point coloured by test
dataset, as in the original experiment's figure; collapsed runs (one class predicted for
every image) are drawn as crosses. Right: per-epoch training accuracy curves, one thin line
per run, the median per training dataset in bold. Files with /dead_relu (docs/findings.md "Why runs
collapse") get a third panel: per ReLU layer, the median fraction of dead units per epoch over
collapsed runs (solid) and over runs that did not collapse (dashed), all training sets together.
Works on a running sweep (pending tasks are left out).

A file with a study design (docs/findings.md "Study designs": several groups from `design = decompose`,
or a [grid]) gets one panel per group (the source of randomness its seeds vary; "all": every
source), on a shared accuracy axis so the spreads compare at a glance; in each panel one box per
training dataset and grid point, each run a jittered point coloured by test dataset, and the
group's standard deviation in the title. Needs h5py, numpy and matplotlib (Debian: python3-h5py python3-matplotlib).

With --report REPORT.json (`seedsweep report RESULTS.h5 --format json`) a second figure
(--compare-output, default FIG-compare.png) draws the report's numbers, not recomputed: left, per
comparison, P(A>B) with its 95% bootstrap interval, the 0.5 line and Bouthillier et al.'s 0.25 and
0.75 thresholds; right, the expected best accuracy of k runs, k = 1..n, one curve per (training,
test) spread entry: how much picking the best of k seeds would flatter each.

Example:  scripts/plot_results.py results/demo.h5 -o results/demo.png
          build/seedsweep report results/demo.h5 --format json > demo.json
          scripts/plot_results.py results/demo.h5 -o results/demo.png --report demo.json
"""
import json
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


def plot_design(args, title, status, names, accuracy, train, groups, task_group, task_grid, grid_values):
    """One panel per group; in each, one box per (training dataset, grid point)."""
    done = status != 0
    rng = np.random.default_rng(args.seed)
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    order = []
    for d in train:
        if int(d) not in order:
            order.append(int(d))
    points = int(task_grid.max()) + 1 if len(task_grid) else 1
    groups = groups or ["all tasks"]

    def grid_label(g):
        return " ".join(f"{k}={v[g]:g}" for k, v in grid_values.items())

    fig, axes = plt.subplots(1, len(groups), figsize=(3.2 + 2.6 * len(groups) * max(1, len(order) * points / 2), 5),
                             sharey=True, squeeze=False)
    every = []
    labelled = set()
    for k, (ax, group) in enumerate(zip(axes[0], groups)):
        boxes, ticks, spread = [], [], []
        for tr in order:
            for g in range(points):
                rows = np.where(done & (train == tr) & (task_group == k) & (task_grid == g))[0]
                values = []
                for d in range(len(names)):
                    if d == tr:
                        continue
                    a = accuracy[rows, d]
                    a = a[~np.isnan(a)]
                    values.extend(a)
                    x = len(boxes) + 1 + rng.uniform(-0.18, 0.18, size=len(a))
                    label = f"tested on {names[d]}" if d not in labelled else None
                    labelled.add(d)
                    ax.scatter(x, a, s=16, alpha=0.75, color=colours[d % len(colours)], zorder=3, label=label)
                    if len(a) > 1:
                        spread.append(np.std(a, ddof=1))
                boxes.append(values)
                every.extend(values)
                tick = names[tr] + (f"\n{grid_label(g)}" if points > 1 else "")
                ticks.append(f"{tick}\n(n={len(values)})")
        if any(len(b) for b in boxes):
            ax.boxplot(boxes, positions=range(1, len(boxes) + 1), widths=0.55, showfliers=False,
                       medianprops={"color": "black", "linewidth": 2})
        ax.set_xticks(range(1, len(boxes) + 1))
        ax.set_xticklabels(ticks, fontsize=8)
        sd = f"std {np.mean(spread):.4f}" if spread else "std -"
        ax.set_title(f"{'only ' + group + ' varies' if group not in ('all', 'all tasks') else group}\n({sd})", fontsize=10)
        if k == 0:
            ax.set_ylabel("test accuracy (datasets other than the training one)")
    axes[0][0].set_ylim(*zoomed_limits(np.asarray(every, dtype=float)))
    handles, labels = [], []
    for ax in axes[0]:
        h, lab = ax.get_legend_handles_labels()
        handles += h
        labels += lab
    if handles:
        axes[0][-1].legend(handles, labels, loc="lower right", fontsize=8)
    fig.suptitle(f"{title}: test accuracy by source of randomness ({int(done.sum())}/{len(status)} tasks)")
    fig.tight_layout()
    fig.savefig(args.output, dpi=110)
    print(f"wrote {args.output}")


def plot_dead(ax, dead, collapse_epoch, done, relu_layers, epochs, colours):
    """Median dead-ReLU fraction per epoch and layer, collapsed (solid) vs not collapsed (dashed) runs."""
    groups = [("collapsed", done & (collapse_epoch > 0), "-"), ("not collapsed", done & (collapse_epoch == 0), "--")]
    cmap = plt.get_cmap("viridis")
    for k, layer in enumerate(relu_layers):
        colour = cmap(k / max(1, len(relu_layers) - 1))
        labelled = False
        for name, rows, style in groups:
            if rows.sum():
                with np.errstate(all="ignore"):
                    median = np.nanmedian(dead[rows, :, k], axis=0)
                ax.plot(epochs, median, style, color=colour, linewidth=2, label=None if labelled else layer)
                labelled = True
    ax.set_ylim(-0.03, 1.03)
    ax.set_xlabel("epoch")
    ax.set_ylabel("fraction of dead ReLU units (median over runs)")
    if len(epochs) <= 20:
        ax.set_xticks(epochs)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=7, title="ReLU layer", title_fontsize=7)
    ax.set_title(f"dead ReLU units: {int(groups[0][1].sum())} collapsed runs (solid), "
                 f"{int(groups[1][1].sum())} others (dashed)", fontsize=10)
    print(f"dead ReLU panel: {len(relu_layers)} layers, {int(groups[0][1].sum())} collapsed and "
          f"{int(groups[1][1].sum())} other runs")


def plot_comparisons(report, output, title):
    """P(A>B) with its interval per comparison; the expected-max curves per spread entry."""
    comparisons, spreads = report.get("comparisons", []), report.get("spread", [])
    several = len(report.get("groups", [])) > 1 or len(report.get("grid", [])) > 1
    fig, (p_ax, max_ax) = plt.subplots(1, 2, figsize=(13, max(4.0, 0.45 * len(comparisons) + 1.5)))
    for row, c in enumerate(comparisons):
        where = f" [{c['grid_label']} {c['group']}]" if several else ""
        p_ax.text(-0.02, row, f"{c['a']} vs {c['b']} on {c['test']}{where}  (n {c['n_a']}/{c['n_b']})",
                  ha="right", va="center", fontsize=8, transform=p_ax.get_yaxis_transform())
        if c["p_a_beats_b"] is None:
            continue
        colour = {"a better": "tab:blue", "b better": "tab:red"}.get(c["decision"], "grey")
        if c["p_low"] is not None:
            p_ax.plot([c["p_low"], c["p_high"]], [row, row], color=colour, linewidth=2)
        p_ax.plot(c["p_a_beats_b"], row, "o", color=colour)
    for x, style in ((0.5, "-"), (0.25, ":"), (0.75, ":")):
        p_ax.axvline(x, color="grey", linestyle=style, linewidth=1)
    p_ax.set_xlim(-0.02, 1.02)
    p_ax.set_ylim(len(comparisons) - 0.5, -0.5)
    p_ax.set_yticks([])
    p_ax.set_xlabel("P(A > B): a run trained on A beats one trained on B (95% bootstrap interval)")
    p_ax.set_title(f"{title}: comparisons (blue: A better, red: B better, grey: no meaningful difference)",
                   fontsize=10)
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for i, r in enumerate(spreads):
        values = [v for v in r.get("expected_max", []) if v is not None]
        if not values:
            continue
        where = f" [{r['grid_label']} {r['group']}]" if several else ""
        max_ax.plot(range(1, len(values) + 1), values, color=colours[i % len(colours)], marker=".",
                    label=f"{r['train']} on {r['test']}{where}")
    max_ax.set_xlabel("k: runs the best is picked from")
    max_ax.set_ylabel("expected best test accuracy of k runs")
    max_ax.set_title("best of k seeds (k = 1: the mean)", fontsize=10)
    if spreads:
        max_ax.legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    fig.savefig(output, dpi=110)
    print(f"wrote {output}: {len(comparisons)} comparisons, {len(spreads)} expected-max curves")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     epilog="example: scripts/plot_results.py results/demo.h5 -o demo.png")
    parser.add_argument("results")
    parser.add_argument("-o", "--output", required=True, help="PNG (or PDF/SVG) to write")
    parser.add_argument("--seed", type=int, default=0, help="jitter seed (default 0)")
    parser.add_argument("--report", help="JSON of `seedsweep report --format json`: also draw the comparisons figure")
    parser.add_argument("--compare-output", help="where the comparisons figure goes (default: OUTPUT-compare.png)")
    args = parser.parse_args()
    if args.report:
        try:
            report = json.load(open(args.report))
        except (OSError, ValueError) as e:
            sys.exit(f"{args.report}: not a report JSON ({e})")
        stem, dot, ext = args.output.rpartition(".")
        out = args.compare_output or (f"{stem}-compare.{ext}" if dot else args.output + "-compare.png")
        plot_comparisons(report, out, text(report.get("file", args.results)))
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
        groups = [text(g) for g in f["group_name"][()]] if "group_name" in f else []
        task_group = f["task_group"][()] if "task_group" in f else np.zeros_like(train)
        task_grid = f["task_grid"][()] if "task_grid" in f else np.zeros_like(train)
        grid_keys = sorted(k[5:] for k in f if k.startswith("grid_"))
        grid_values = {k: f["grid_" + k][()] for k in grid_keys}
        dead = f["dead_relu"][()] if "dead_relu" in f and "task_collapse_epoch" in f else None
        collapse_epoch = f["task_collapse_epoch"][()] if dead is not None else None
        relu_layers = [text(n) for n in f["relu_layer"][()]] if dead is not None else []
    if len(groups) > 1 or (len(task_grid) and task_grid.max() > 0):
        plot_design(args, title, status, names, accuracy, train, groups, task_group, task_grid, grid_values)
        return
    done = status != 0
    order = []
    for d in train:
        if d not in order:
            order.append(int(d))
    rng = np.random.default_rng(args.seed)
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]

    if dead is not None and dead.shape[2]:
        fig, (box_ax, curve_ax, dead_ax) = plt.subplots(1, 3, figsize=(18, 5), gridspec_kw={"width_ratios": [1.2, 1, 1]})
    else:
        fig, (box_ax, curve_ax) = plt.subplots(1, 2, figsize=(12, 5), gridspec_kw={"width_ratios": [1.2, 1]})
        dead_ax = None
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
    if dead_ax is not None:
        plot_dead(dead_ax, dead, collapse_epoch, done, relu_layers, epochs, colours)
    fig.tight_layout()
    fig.savefig(args.output, dpi=110)
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
