#!/usr/bin/python3
"""check_report_stats.py RESULTS.h5 REPORT.json REPORT.csv REPORT.txt - recomputes the report's
comparisons, test-set floors and per-class recall spreads from the results file with numpy and
scipy (scipy.stats.wilcoxon with its defaults; the bootstrap with the report's own random stream,
Philox-4x32-10 keyed as src/rng.c, reimplemented here) and checks every number of the JSON against
them, then that the CSV blocks carry the JSON's numbers and the text tables the same to 4 decimals.
Prints one line per finding and "ok N comparisons, M spread entries, K class entries" when all agree."""
import csv
import io
import json
import math
import sys
import warnings

import h5py
import numpy as np
from scipy import stats

M32, M64 = (1 << 32) - 1, (1 << 64) - 1
BOOTSTRAP_B, BOOTSTRAP_SEED, PURPOSE_BOOTSTRAP, Z = 2000, 20210301, 6, 1.6448536


def splitmix64(x):
    x = (x + 0x9E3779B97F4A7C15) & M64
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & M64
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & M64
    return x ^ (x >> 31)


class Rng:
    """rng_stream / rng_next_u64 / rng_below of src/rng.c."""

    def __init__(self, seed, purpose):
        self.key0 = splitmix64(seed ^ splitmix64(purpose))
        self.key1 = splitmix64((purpose + 0x632BE59BD9B4E019) & M64)
        self.counter, self.block = 0, None

    def next_u64(self):
        index = self.counter >> 1
        if self.block is None or self.block[0] != index:
            ctr = [index & M32, (index >> 32) & M32, self.key1 & M32, self.key1 >> 32]
            k0, k1 = self.key0 & M32, self.key0 >> 32
            for _ in range(10):
                p0, p1 = 0xD2511F53 * ctr[0], 0xCD9E8D57 * ctr[2]
                ctr = [(p1 >> 32) ^ ctr[1] ^ k0, p1 & M32, (p0 >> 32) ^ ctr[3] ^ k1, p0 & M32]
                k0, k1 = (k0 + 0x9E3779B9) & M32, (k1 + 0xBB67AE85) & M32
            self.block = (index, ctr)
        ctr = self.block[1]
        half = self.counter & 1
        self.counter += 1
        return (ctr[3] << 32 | ctr[2]) if half else (ctr[1] << 32 | ctr[0])

    def below(self, bound):
        if bound <= 1:
            return 0
        threshold = ((1 << 64) - bound) % bound
        while True:
            m = self.next_u64() * bound
            if (m & M64) >= threshold:
                return m >> 64


def prob_greater(a, b):
    a, b = np.asarray(a)[:, None], np.asarray(b)[None, :]
    return float(((a > b).sum() + 0.5 * (a == b).sum()) / (a.size * b.size))


def bootstrap_interval(a, b):
    if len(a) < 2 or len(b) < 2:
        return None, None
    rng, reps = Rng(BOOTSTRAP_SEED, PURPOSE_BOOTSTRAP), []
    for _ in range(BOOTSTRAP_B):
        ra = [a[rng.below(len(a))] for _ in a]
        rb = [b[rng.below(len(b))] for _ in b]
        reps.append(prob_greater(ra, rb))
    return float(np.quantile(reps, 0.025)), float(np.quantile(reps, 0.975))


def wilcoxon_p(d):
    if len(d) == 0 or np.all(d == 0):
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return float(stats.wilcoxon(d).pvalue)


problems = []


def same(what, got, want, tol=6e-6):
    """JSON numbers are printed with 6 significant digits; None stands for null (NaN)."""
    if want is None or (isinstance(want, float) and not math.isfinite(want)):
        if got is not None:
            problems.append(f"{what}: {got}, expected null")
    elif got is None or abs(got - want) > tol * max(abs(want), 1e-300) + 1e-12:
        problems.append(f"{what}: {got}, expected {want}")


h5, report = h5py.File(sys.argv[1], "r"), json.load(open(sys.argv[2]))
names = [n.decode() for n in h5["dataset_name"][()]]
classes = [c.decode() for c in h5["class"][()]]
status, train = h5["task_status"][()], h5["task_train_dataset"][()]
init_seed, group, grid = h5["task_init_seed"][()], h5["task_group"][()], h5["task_grid"][()]
accuracy, loss = h5["accuracy"][()].astype(np.float64), h5["loss"][()].astype(np.float64)
groups = report["groups"]
order = []   # training datasets in plan order
for d in train:
    if int(d) not in order:
        order.append(int(d))


def runs(g, k, d, test):
    """Done (not diverged) tasks of (grid, group, training) with a number on test."""
    return [t for t in range(len(status)) if status[t] == 1 and train[t] == d and group[t] == k and grid[t] == g
            and np.isfinite(accuracy[t, test]) and np.isfinite(loss[t, test])]


# comparisons: every test set T and two training sets A before B, both not T
want_comparisons = []
for g in range(len(report["grid"])):
    for k in range(len(groups)):
        for test in range(len(names)):
            for i, a in enumerate(order):
                for b in order[i + 1:]:
                    if test not in (a, b):
                        want_comparisons.append((g, k, test, a, b))
got = report["comparisons"]
if len(got) != len(want_comparisons):
    problems.append(f"{len(got)} comparisons, expected {len(want_comparisons)}")
for c, (g, k, test, a, b) in zip(got, want_comparisons):
    where = f"comparison {names[a]}-{names[b]} on {names[test]}"
    if (c["grid"], c["group"], c["test"], c["a"], c["b"]) != (g, groups[k], names[test], names[a], names[b]):
        problems.append(f"{where}: names {c}")
    ta, tb = runs(g, k, a, test), runs(g, k, b, test)
    va, vb = [accuracy[t, test] for t in ta], [accuracy[t, test] for t in tb]
    if (c["n_a"], c["n_b"]) != (len(va), len(vb)):
        problems.append(f"{where}: n {c['n_a']}, {c['n_b']}, expected {len(va)}, {len(vb)}")
    p = prob_greater(va, vb) if va and vb else None
    same(f"{where} p_a_beats_b", c["p_a_beats_b"], p)
    low, high = bootstrap_interval(va, vb)
    same(f"{where} p_low", c["p_low"], low)
    same(f"{where} p_high", c["p_high"], high)
    # paired by the initial weights: the same /task_init_seed within the grid point and group
    seeds_b = {int(init_seed[t]): t for t in tb}
    diffs = np.array([accuracy[t, test] - accuracy[seeds_b[int(init_seed[t])], test] for t in ta
                      if int(init_seed[t]) in seeds_b])
    if c["paired_n"] != len(diffs):
        problems.append(f"{where}: paired_n {c['paired_n']}, expected {len(diffs)}")
    same(f"{where} median_paired_diff", c["median_paired_diff"], float(np.median(diffs)) if len(diffs) else None)
    same(f"{where} wilcoxon_p", c["wilcoxon_p"], wilcoxon_p(diffs))
    runs_needed = None if p is None or p == 0.5 else math.ceil((Z + Z) ** 2 / (6 * (p - 0.5) ** 2))
    same(f"{where} runs_needed", c["runs_needed"], runs_needed)
    if low is None:
        decision = "too few runs"
    elif low > 0.5 and p >= 0.75:
        decision = "a better"
    elif high < 0.5 and p <= 0.25:
        decision = "b better"
    else:
        decision = "no meaningful difference"
    if c["decision"] != decision:
        problems.append(f"{where}: decision {c['decision']!r}, expected {decision!r}")

# spread entries: the floor, disagreement and expected maximum; per-class recall
class_entries = iter(report["class_spread"])
n_class = 0
for r in report["spread"]:
    g, k, d, test = r["grid"], groups.index(r["group"]), names.index(r["train"]), names.index(r["test"])
    where = f"spread {r['train']} on {r['test']} ({r['group']})"
    ts = runs(g, k, d, test)
    v = np.array([accuracy[t, test] for t in ts])
    n_test = len(h5["labels/" + names[test]])
    if r["n"] != len(v) or r["n_test"] != n_test:
        problems.append(f"{where}: n {r['n']}, n_test {r['n_test']}, expected {len(v)}, {n_test}")
    mean = float(v.mean()) if len(v) else None
    same(f"{where} mean", r["mean"], mean)
    floor = math.sqrt(mean * (1 - mean) / n_test) if len(v) else None
    same(f"{where} binomial_std", r["binomial_std"], floor)
    std = float(np.std(v, ddof=1)) if len(v) > 1 else None
    same(f"{where} std", r["std"], std)
    same(f"{where} std_over_binomial", r["std_over_binomial"], std / floor if std is not None and floor else None)
    pred = h5["predictions/" + names[test]][()]
    labels = h5["labels/" + names[test]][()]
    classes_of = np.array([np.argmax(pred[t], axis=1) for t in ts])
    pairs = [(i, j) for i in range(len(ts)) for j in range(i + 1, len(ts))]
    disagreement = float(np.mean([np.mean(classes_of[i] != classes_of[j]) for i, j in pairs])) if pairs else None
    same(f"{where} disagreement", r["disagreement"], disagreement)
    sorted_v, n = np.sort(v), len(v)
    i = np.arange(1, n + 1)
    want_max = [float(np.sum(sorted_v * ((i / n) ** kk - ((i - 1) / n) ** kk))) for kk in range(1, n + 1)]
    if len(r["expected_max"]) != n:
        problems.append(f"{where}: {len(r['expected_max'])} expected_max values, expected {n}")
    for kk, (gv, wv) in enumerate(zip(r["expected_max"], want_max)):
        same(f"{where} expected_max[k={kk + 1}]", gv, wv)
    for c in range(len(classes)):
        if not (labels == c).any():
            continue
        cs = next(class_entries, None)
        n_class += 1
        if cs is None or (cs["train"], cs["test"], cs["group"], cs["class"]) != (r["train"], r["test"], r["group"], classes[c]):
            problems.append(f"{where}: class entry {cs}, expected class {classes[c]}")
            continue
        recall = np.array([np.mean(classes_of[j][labels == c] == c) for j in range(n)])
        if cs["n"] != n:
            problems.append(f"{where} class {classes[c]}: n {cs['n']}, expected {n}")
        for key, want in (("median_recall", np.median(recall) if n else None),
                          ("q1", np.percentile(recall, 25) if n else None),
                          ("q3", np.percentile(recall, 75) if n else None),
                          ("iqr", np.percentile(recall, 75) - np.percentile(recall, 25) if n else None)):
            same(f"{where} class {classes[c]} {key}", cs[key], None if want is None else float(want))
if next(class_entries, None) is not None:
    problems.append("more class_spread entries than classes with images")


# CSV: the blocks after a blank line, found by their headers, carry the JSON's numbers
def csv_number(s):
    return None if s in ("nan", "-nan", "inf", "-inf") else float(s)


blocks = {}
for block in open(sys.argv[3]).read().split("\n\n"):
    rows = list(csv.reader(io.StringIO(block.strip())))
    if rows:
        blocks[rows[0][0] + ":" + rows[0][-1]] = [dict(zip(rows[0], row)) for row in rows[1:]]
csv_comparisons = blocks.get("grid:decision", [])
csv_floors = blocks.get("grid:expected_max", [])
csv_classes = blocks.get("grid:iqr", [])
if len(csv_comparisons) != len(got) or len(csv_floors) != len(report["spread"]) or len(csv_classes) != n_class:
    problems.append(f"CSV blocks: {len(csv_comparisons)} comparisons, {len(csv_floors)} floors, {len(csv_classes)} classes")
for row, c in zip(csv_comparisons, got):
    for key in ("n_a", "n_b", "p_a_beats_b", "p_low", "p_high", "paired_n", "median_paired_diff", "wilcoxon_p",
                "runs_needed"):
        if csv_number(row[key]) != c[key]:
            problems.append(f"CSV comparison {c['a']}-{c['b']} on {c['test']}: {key} {row[key]} != JSON {c[key]}")
    if row["decision"] != c["decision"] or row["test"] != c["test"] or row["a"] != c["a"]:
        problems.append(f"CSV comparison row {row} != JSON {c}")
for row, r in zip(csv_floors, report["spread"]):
    for key in ("n", "mean", "std", "n_test", "binomial_std", "std_over_binomial", "disagreement"):
        if csv_number(row[key]) != r[key]:
            problems.append(f"CSV floor {r['train']} on {r['test']}: {key} {row[key]} != JSON {r[key]}")
    values = [csv_number(x) for x in row["expected_max"].split(";")] if row["expected_max"] else []
    if values != r["expected_max"]:
        problems.append(f"CSV floor {r['train']} on {r['test']}: expected_max {values} != JSON {r['expected_max']}")
for row, cs in zip(csv_classes, report["class_spread"]):
    for key in ("n", "median_recall", "q1", "q3", "iqr"):
        if csv_number(row[key]) != cs[key]:
            problems.append(f"CSV class {cs['train']} on {cs['test']} {cs['class']}: {key} {row[key]} != JSON {cs[key]}")

# text: the Comparisons and floor tables, 4 decimals ("-" for null)
text = open(sys.argv[4]).read().splitlines()


def section(title, stop):
    start = next((i for i, line in enumerate(text) if line.startswith(title)), None)
    if start is None:
        return []
    lines = []
    for line in text[start + 1:]:
        if not line or line.startswith(stop):
            break
        lines.append(line)
    return lines


def near4(what, shown, value):
    if value is None:
        if shown != "-":
            problems.append(f"text {what}: {shown}, expected -")
    elif shown == "-" or abs(float(shown) - value) > 5.01e-5:
        problems.append(f"text {what}: {shown}, JSON {value}")


plain = len(report["grid"]) == 1 and len(groups) == 1   # text has no grid/group columns then
lines = [line for line in section("Comparisons on each test set", "Spread") if line.split()[:1] and line.split()[0] in names]
if not plain:
    problems.append("text check written for files with one grid point and one group")
if got and len(lines) != len(got):
    problems.append(f"text: {len(lines)} comparison lines, JSON {len(got)}")
for line, c in zip(lines, got):
    f = line.replace("[", " ").replace("]", " ").replace(",", " ").split()
    # test a b n_a n_b P low high paired diff wilcoxon runs decision... (no interval: one "-")
    shift = 0 if f[6] != "-" else -1
    if f[:5] != [c["test"], c["a"], c["b"], str(c["n_a"]), str(c["n_b"])]:
        problems.append(f"text comparison line {line!r} != JSON {c}")
        continue
    near4("P(A>B)", f[5], c["p_a_beats_b"])
    if shift == 0:
        near4("p_low", f[6], c["p_low"])
        near4("p_high", f[7], c["p_high"])
    elif c["p_low"] is not None:
        problems.append(f"text comparison {line!r}: no interval, JSON {c['p_low']}")
    if int(f[8 + shift]) != c["paired_n"]:
        problems.append(f"text comparison {line!r}: paired {f[8 + shift]}, JSON {c['paired_n']}")
    near4("median diff", f[9 + shift], c["median_paired_diff"])
    wp = f[10 + shift]
    if (wp == "-") != (c["wilcoxon_p"] is None) or (wp != "-" and abs(float(wp) - c["wilcoxon_p"]) > 5e-4 * c["wilcoxon_p"]):
        problems.append(f"text comparison {line!r}: Wilcoxon p {wp}, JSON {c['wilcoxon_p']}")
    runs_shown = f[11 + shift]
    if (runs_shown == "-") != (c["runs_needed"] is None) or (runs_shown != "-" and float(runs_shown) != c["runs_needed"]):
        problems.append(f"text comparison {line!r}: runs {runs_shown}, JSON {c['runs_needed']}")
    words = " ".join(f[12 + shift:])
    want_words = {"a better": f"{c['a']} better", "b better": f"{c['b']} better"}.get(c["decision"], c["decision"])
    if words != want_words:
        problems.append(f"text comparison {line!r}: decision {words!r}, expected {want_words!r}")
floor_lines = [line for line in section("Spread against the test-set floor", "Expected best")
               if line.split()[:1] and line.split()[0] in names]
if len(floor_lines) != len(report["spread"]):
    problems.append(f"text: {len(floor_lines)} floor lines, JSON {len(report['spread'])}")
for line, r in zip(floor_lines, report["spread"]):
    f = line.split()
    if f[:3] != [r["train"], r["test"], str(r["n"])] or int(f[5]) != r["n_test"]:
        problems.append(f"text floor line {line!r} != JSON {r}")
        continue
    for shown, key in zip(f[3:5] + f[6:9], ("mean", "std", "binomial_std", "std_over_binomial", "disagreement")):
        near4(f"floor {r['train']} on {r['test']} {key}", shown, r[key])
    near4("best 1", f[9], r["expected_max"][0] if r["n"] else None)
    near4("best n", f[10], r["expected_max"][-1] if r["n"] else None)
best_lines = [line for line in section("Expected best of k runs", "Per-class") if line.split()[0] in names]
for line, r in zip(best_lines, report["spread"]):
    f = line.split()
    for shown, value in zip(f[2:], r["expected_max"]):
        near4(f"best of k {r['train']} on {r['test']}", shown, value)
    if len(f[2:]) != max(len(r["expected_max"]), 1):
        problems.append(f"text best-of-k line {line!r}: {len(f) - 2} values, JSON {len(r['expected_max'])}")
class_lines = [line for line in section("Per-class recall over runs", "Why runs") if line.split()[0] in names]
if len(class_lines) != n_class:
    problems.append(f"text: {len(class_lines)} class lines, JSON {n_class}")
for line, cs in zip(class_lines, report["class_spread"]):
    f = line.split()
    if f[:4] != [cs["train"], cs["test"], cs["class"], str(cs["n"])]:
        problems.append(f"text class line {line!r} != JSON {cs}")
        continue
    for shown, key in zip(f[4:8], ("median_recall", "q1", "q3", "iqr")):
        near4(f"class {cs['class']} {key}", shown, cs[key])

for p in problems[:30]:
    print(p)
if not problems:
    print(f"ok {len(got)} comparisons, {len(report['spread'])} spread entries, {n_class} class entries")
