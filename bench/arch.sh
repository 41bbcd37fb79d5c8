#!/usr/bin/env bash
# bench/arch.sh - what `make ARCH=native` buys over the default portable build (x86-64-v2 with the
# AVX2 kernels chosen at run time): training and evaluation throughput of the paper's network,
# 1 thread, REPS interleaved runs of each binary (same machine load), medians. Run by `make bench`.
#   REPS=5 SECONDS_PER_RUN=5 bash bench/arch.sh
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
REPS=${REPS:-3}
SECS=${SECONDS_PER_RUN:-5}
unset OPENBLAS_CORETYPE    # let OpenBLAS pick this CPU's kernel (the same for both binaries)
make -s -C "$ROOT" -j"$(nproc)" BUILD=build all && make -s -C "$ROOT" -j"$(nproc)" ARCH=native BUILD=build-native all || exit 1
REPS=$REPS SECONDS_PER_RUN=$SECS THREADS=1 bash "$ROOT/bench/compare.sh" portable="$ROOT/build/seedsweep" \
    native="$ROOT/build-native/seedsweep"
