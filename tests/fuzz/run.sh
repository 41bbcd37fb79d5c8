#!/usr/bin/env bash
# tests/fuzz/run.sh SECONDS [TARGET...] - build the libFuzzer harnesses with clang (ASan+UBSan, into
# build-fuzz/) and run each target for SECONDS, one after the other, under nice -n 19.
# Targets: jobfile model_spec idx png (all by default). Seeds: tests/fuzz/corpus/TARGET (read only);
# the growing corpus: build-fuzz/corpus/TARGET; crashes: build-fuzz/artifacts/TARGET/.
# `make fuzz FUZZ_SECONDS=600` calls this.
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
seconds=${1:-600}; shift || true
targets=${*:-jobfile model_spec idx png}
FB=build-fuzz
FLAGS="-O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined"
make -s BUILD=$FB CC=clang OPT="$FLAGS -fsanitize=fuzzer-no-link" $FB/libseedsweep.a
PKGS="hdf5 ompi-c openblas libpng zlib"
mkdir -p $FB/fuzz
for t in $targets; do
    clang -std=c11 -D_GNU_SOURCE -Iinclude $(pkg-config --cflags $PKGS) $FLAGS -fsanitize=fuzzer -fopenmp \
        -o $FB/fuzz/fuzz_$t tests/fuzz/fuzz_$t.c $FB/libseedsweep.a $(pkg-config --libs $PKGS) -lm
done
status=0
for t in $targets; do
    mkdir -p $FB/corpus/$t $FB/artifacts/$t
    echo "== fuzz_$t for $seconds s"
    # leaks are checked per input (libFuzzer's default): a parser that leaks on an error path is a finding
    nice -n 19 $FB/fuzz/fuzz_$t \
        -max_total_time="$seconds" -rss_limit_mb=2048 -max_len=65536 -timeout=20 -print_final_stats=1 \
        -artifact_prefix=$FB/artifacts/$t/ $FB/corpus/$t tests/fuzz/corpus/$t || status=1
    ls $FB/artifacts/$t/ 2>/dev/null | sed "s|^|   artifact: $FB/artifacts/$t/|"
done
exit $status
