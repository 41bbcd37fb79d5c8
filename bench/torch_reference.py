#!/usr/bin/python3
"""torch_reference.py - the same network, input, batch and threads in PyTorch (Debian's 1.13),
trained with Adam on random data: prints `train_images_per_s X` and `eval_images_per_s Y`
(medians of step times, like `seedsweep bench`) and `train_images_per_cpu_s` (per CPU-second).

    /usr/bin/python3 bench/torch_reference.py [--input 256x256x1] [--batch 20] [--threads 1]
                                              [--seconds 5] [--model 'conv16 pool ... dense2']
Run it with /usr/bin/python3 (the interpreter that has torch), not a pyenv python3.
"""
import argparse
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

SEED_LAYERS = ("conv16 pool conv16 pool conv16 pool conv32 pool conv32 conv32 pool conv64 pool conv64 pool "
               "conv64 pool flatten dense512 dense50 dense2")


def build(h, w, c, words):
    layers, flat = [], False
    for word in words.split():
        if word.startswith("conv"):
            body = word[4:]
            units, k = (body.split("k") if "k" in body else (body, "3"))
            units, k = int(units), int(k)
            layers += [nn.Conv2d(c, units, k, padding=k // 2), nn.ReLU()]
            c = units
        elif word in ("pool", "pool2"):
            layers.append(nn.MaxPool2d(2))
            h, w = h // 2, w // 2
        elif word == "flatten":
            layers.append(nn.Flatten())
            c, h, w, flat = c * h * w, 1, 1, True
        elif word.startswith("dense"):
            if not flat:
                layers.append(nn.Flatten())
                c, h, w, flat = c * h * w, 1, 1, True
            layers += [nn.Linear(c, int(word[5:])), nn.ReLU()]
            c = int(word[5:])
    layers.pop()
    return nn.Sequential(*layers), c


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--input", default="256x256x1")
    ap.add_argument("--model", default=SEED_LAYERS)
    ap.add_argument("--batch", type=int, default=20)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--seconds", type=float, default=5.0)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    h, w, c = (int(v) for v in args.input.split("x"))
    net, classes = build(h, w, c, args.model)
    opt = torch.optim.Adam(net.parameters(), lr=1e-3, betas=(0.9, 0.999), eps=1e-7)
    x = torch.rand(args.batch, c, h, w)
    y = torch.arange(args.batch) % classes

    def step():
        opt.zero_grad()
        loss = F.cross_entropy(net(x), y)
        loss.backward()
        opt.step()

    step()
    walls, cpus, t0 = [], [], time.perf_counter()
    while time.perf_counter() - t0 < args.seconds or len(walls) < 3:
        w0, c0 = time.perf_counter(), time.process_time()
        step()
        walls.append(time.perf_counter() - w0)
        cpus.append(time.process_time() - c0)
    # medians of step times, as seedsweep bench does
    train = args.batch / statistics.median(walls)
    train_cpu = args.batch / statistics.median(cpus)
    with torch.no_grad():
        net(x)
        walls, t0 = [], time.perf_counter()
        while time.perf_counter() - t0 < args.seconds / 2 or len(walls) < 3:
            w0 = time.perf_counter()
            net(x)
            walls.append(time.perf_counter() - w0)
        evaluate = args.batch / statistics.median(walls)
    print(f"torch {torch.__version__} threads {torch.get_num_threads()} batch {args.batch} input {args.input}")
    print(f"train_images_per_cpu_s {train_cpu:.2f}")
    print(f"eval_images_per_s {evaluate:.2f}")
    print(f"train_images_per_s {train:.2f}")


if __name__ == "__main__":
    main()
