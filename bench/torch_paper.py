#!/usr/bin/python3
"""torch_paper.py - the published experiment's dynamics in PyTorch, as Keras ran it: the seed
network of docs/design.md section 1 with Keras' defaults (Glorot-uniform weights, zero biases, Adam lr 1e-3,
betas .9/.999, eps 1e-7, batch 20, 9 epochs, reshuffled every epoch, pixels / 255), trained on seedsweep
dataset files for N seeds per training set and tested on every set. It writes the summary seedsweep's
results file holds, one JSON object per task (per-epoch training loss and accuracy, accuracy, loss and
`collapsed` on every set, the collapse epoch and the per-epoch fraction of dead ReLU units per layer),
and with --compare RESULTS.h5 sets the two implementations side by side: collapse counts (Fisher's
exact test) and test accuracies (Mann-Whitney U), per training set.

    /usr/bin/python3 bench/torch_paper.py --job jobs/snap29-paper.ini --seeds 0-19 --out results/torch-paper.jsonl
    /usr/bin/python3 bench/torch_paper.py --summary results/torch-paper.jsonl --compare results/snap29-paper.h5

Hours on a 2-core machine for the paper data (run it in the background, never in CI); --threads sets
torch's threads. --channels 3 feeds three identical channels, as Keras' flow_from_directory loaded the
mono images (the first conv then sees the same image three times: its weights' sum is what matters, but
Glorot's bound uses fan_in = 27 instead of 9, so the initial scale differs; this flag tests whether that
matters). Definitions (the same as seedsweep's):
  collapsed      one class predicted for every image of a set
  collapse_epoch the first epoch (1-based) after which the network predicts one class for every training
                 image it saw in that epoch and in every later epoch (0 if it never collapses, as
                 seedsweep's /task_collapse_epoch; ties go to the first class in both)
  dead ReLU      a unit (conv channel or dense unit) whose output is 0 for every training image of the
                 epoch, measured on the forward pass of each training batch (before its update); the
                 fraction of dead units per ReLU layer, per epoch, layers in network order (seedsweep's
                 /dead_relu and /relu_layer)
"""
import argparse
import configparser
import json
import math
import sys
import time

import h5py
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, __import__("os").path.dirname(__file__))
from torch_reference import build  # noqa: E402  (one parser of the layer words)


def parse_seeds(text):
    seeds = []
    for part in text.replace(",", " ").split():
        lo, _, hi = part.partition("-")
        seeds += list(range(int(lo), int(hi or lo) + 1))
    return seeds


def load_job(path):
    cp = configparser.ConfigParser(inline_comment_prefixes=(";", "#"))
    cp.read(path)
    datasets = dict(cp["datasets"])
    train = cp["sweep"]["train"].split()
    h, w, c = (int(v) for v in cp["model"]["input"].split("x"))
    t = cp["train"]
    cfg = dict(layers=cp["model"]["layers"], input=(h, w, c), epochs=int(t["epochs"]), batch=int(t["batch"]),
               lr=float(t.get("lr", "0.001")), beta1=float(t.get("beta1", "0.9")),
               beta2=float(t.get("beta2", "0.999")), eps=float(t.get("eps", "1e-7")))
    return datasets, train, cfg


def load_set(path, channels):
    with h5py.File(path, "r") as f:
        x = torch.from_numpy(f["images"][()].astype(np.float32) / 255.0).permute(0, 3, 1, 2).contiguous()
        y = torch.from_numpy(f["labels"][()].astype(np.int64))
    if channels == 3 and x.shape[1] == 1:
        x = x.expand(-1, 3, -1, -1).contiguous()
    return x, y


def keras_init(net):
    for m in net.modules():
        if isinstance(m, (nn.Conv2d, nn.Linear)):
            nn.init.xavier_uniform_(m.weight)
            nn.init.zeros_(m.bias)


def evaluate(net, x, y, batch=200):
    net.eval()
    preds, losses = [], []
    with torch.no_grad():
        for i in range(0, len(x), batch):
            out = net(x[i:i + batch])
            losses.append(F.cross_entropy(out, y[i:i + batch], reduction="sum").item())
            preds.append(out.argmax(1))
    net.train()
    p = torch.cat(preds)
    return dict(accuracy=(p == y).float().mean().item(), loss=sum(losses) / len(x),
                collapsed=int(bool((p == p[0]).all())))


def train_one(net, x, y, cfg, seed):
    torch.manual_seed(seed)
    keras_init(net)
    opt = torch.optim.Adam(net.parameters(), lr=cfg["lr"], betas=(cfg["beta1"], cfg["beta2"]), eps=cfg["eps"])
    relus = [m for m in net if isinstance(m, nn.ReLU)]
    alive = {}

    def watch(k):
        def hook(module, inputs, out):     # units with a positive output for some image so far
            fired = (out > 0).flatten(2).any(2).any(0) if out.dim() == 4 else (out > 0).any(0)
            alive[k] = fired if alive.get(k) is None else alive[k] | fired
        return hook

    hooks = [r.register_forward_hook(watch(k)) for k, r in enumerate(relus)]
    gen = torch.Generator().manual_seed(seed + 1_000_003)
    history = dict(train_loss=[], train_accuracy=[], dead_relu=[], one_class=[])
    for epoch in range(cfg["epochs"]):
        alive.clear()
        order = torch.randperm(len(x), generator=gen)
        loss_sum, correct, seen = 0.0, 0, set()
        for i in range(0, len(x), cfg["batch"]):
            idx = order[i:i + cfg["batch"]]
            out = net(x[idx])
            loss = F.cross_entropy(out, y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            loss_sum += loss.item() * len(idx)
            pred = out.argmax(1)
            correct += (pred == y[idx]).sum().item()
            seen.update(pred.tolist())
        history["train_loss"].append(loss_sum / len(x))
        history["train_accuracy"].append(correct / len(x))
        history["dead_relu"].append([1.0 - alive[k].float().mean().item() for k in range(len(relus))])
        history["one_class"].append(len(seen) == 1)
    for h in hooks:
        h.remove()
    ce = 0
    for e in range(cfg["epochs"] - 1, -1, -1):
        if not history["one_class"][e]:
            break
        ce = e + 1
    history["collapse_epoch"] = ce
    return history


def run(args):
    datasets, train, cfg = load_job(args.job)
    if args.epochs:
        cfg["epochs"] = args.epochs
    torch.set_num_threads(args.threads)
    h, w, c = cfg["input"]
    c = args.channels or c
    sets = {name: load_set(path, c) for name, path in datasets.items()}
    with open(args.out, "a") as out:
        for tname in (args.train.split() if args.train else train):
            for seed in parse_seeds(args.seeds):
                t0 = time.time()
                net, _ = build(h, w, c, cfg["layers"])
                hist = train_one(net, *sets[tname], cfg, seed)
                row = dict(train=tname, seed=seed, channels=c, torch=torch.__version__, **hist,
                           seconds=None, tests={})
                for name, (x, y) in sets.items():
                    row["tests"][name] = evaluate(net, x, y)
                row["seconds"] = round(time.time() - t0, 1)
                out.write(json.dumps(row) + "\n")
                out.flush()
                print(f"{tname} seed {seed}: " + " ".join(
                    f"{n} {r['accuracy']:.4f}{'*' if r['collapsed'] else ''}" for n, r in row["tests"].items())
                    + f" collapse_epoch {hist['collapse_epoch']} ({row['seconds']} s)", flush=True)


def summarise(args):
    from scipy import stats
    rows = [json.loads(line) for line in open(args.summary)]
    ours = None
    if args.compare:
        f = h5py.File(args.compare, "r")
        names = [n.decode() if isinstance(n, bytes) else n for n in f["dataset_name"][()]]
        status = f["task_status"][()]
        ours = dict(names=names, train=f["task_train_dataset"][()], status=status,
                    acc=f["accuracy"][()], col=f["collapsed"][()])
    print(f"{'train':8} {'impl':8} {'n':>3} {'collapsed':>9} {'median':>7}  test accuracies pooled over the other sets")
    for tname in sorted({r["train"] for r in rows}):
        mine = [r for r in rows if r["train"] == tname]
        tacc = [v["accuracy"] for r in mine for n, v in r["tests"].items() if n != tname]
        tcol = sum(any(v["collapsed"] for n, v in r["tests"].items() if n != tname) for r in mine)
        print(f"{tname:8} {'torch':8} {len(mine):3} {tcol:9} {np.median(tacc):7.4f}")
        if ours is None or tname not in ours["names"]:
            continue
        d = ours["names"].index(tname)
        done = (ours["train"] == d) & (ours["status"] == 1)
        others = [i for i in range(len(ours["names"])) if i != d]
        sacc = ours["acc"][done][:, others].ravel()
        scol = int((ours["col"][done][:, others] == 1).any(1).sum())
        n = int(done.sum())
        print(f"{tname:8} {'seedsweep':8} {n:3} {scol:9} {np.median(sacc):7.4f}")
        fisher = stats.fisher_exact([[tcol, len(mine) - tcol], [scol, n - scol]])
        mw = stats.mannwhitneyu(tacc, sacc, alternative="two-sided")
        print(f"{'':8} Fisher exact (collapsed runs) p = {fisher[1]:.3g}; Mann-Whitney U (accuracies) p = {mw.pvalue:.3g}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--job", help="seedsweep job file: datasets, training sets, network and [train] values")
    ap.add_argument("--seeds", default="0-19")
    ap.add_argument("--train", help="training sets (default: the job's)")
    ap.add_argument("--epochs", type=int, help="override the job's epochs (quick checks)")
    ap.add_argument("--channels", type=int, choices=(1, 3), help="3: three identical channels, as Keras loaded them")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--out", help="append one JSON line per task here")
    ap.add_argument("--summary", help="a --out file to summarise")
    ap.add_argument("--compare", help="a seedsweep results file to compare the summary with")
    args = ap.parse_args()
    if args.summary:
        summarise(args)
    elif args.job and args.out:
        run(args)
    else:
        ap.error("give --job and --out (train), or --summary [--compare] (summarise)")


if __name__ == "__main__":
    main()
