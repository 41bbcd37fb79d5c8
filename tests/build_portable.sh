#!/usr/bin/env bash
# build_portable.sh - one binary for every node. The default build targets a baseline
# ISA (Makefile ARCH=x86-64-v2): its code holds AVX2 and AVX-512 only in the kernels chosen at run time
# (layers.c *_avx2, conv_direct.c *_avx2 and *_avx512), so it runs on any node and under valgrind. A
# sweep gives bit-identical arrays with the portable build (the widest kernels the CPU has), with the
# AVX2 kernels forced (SEEDSWEEP_NO_AVX512=1), with the scalar kernels forced (SEEDSWEEP_NO_AVX2=1, what a
# CPU without AVX2 runs) and with `make ARCH=native` (same BLAS kernel).
source "$(dirname "$0")/lib.sh"
source "$ROOT/tests/helpers/sweep_fixture.sh"
[[ "$BUILD" == build-san* ]] && { skip "build_portable: not with SANITIZE=1"; finish; }
T=$(tmpdir)
[ -n "${KEEP:-}" ] && echo "scratch: $T" || trap 'rm -rf "$T"' EXIT

if [ "$(uname -m)" = x86_64 ] && command -v objdump >/dev/null; then
    # function -> count of instructions using ymm/zmm registers
    objdump -d --no-show-raw-insn "$SEEDSWEEP" |
        awk '/^[0-9a-f]+ <.*>:$/ {fn = $2} /%zmm/ {z[fn]++} /%ymm/ {y[fn]++}
             END {for (f in z) print "zmm", f; for (f in y) print "ymm", f}' >"$T/wide.txt"
    check "portable build: AVX-512 (zmm) only in the run-time dispatched AVX-512 kernels (*_avx512)" \
        bash -c "! grep '^zmm' '$T/wide.txt' | grep -v -E '_avx512(\.[a-z]+\.[0-9]+)*>:' | grep -q ."
    check "portable build: AVX (ymm) only in the run-time dispatched kernels (*_avx2, *_avx512, target_clones *.avx2)" \
        bash -c "! grep '^ymm' '$T/wide.txt' | grep -v -E '_avx(2|512)(\.[a-z]+\.[0-9]+)*>:|\.avx2(\.[0-9]+)?>:' | grep -q ."
    check "portable build: the AVX2 kernels are there to dispatch to" grep -q '^ymm <pool_relu_row_avx2>:' "$T/wide.txt"
    check "portable build: the AVX-512 convolution kernels are there to dispatch to" \
        grep -q '^zmm <forward_rows_avx512>:' "$T/wide.txt"
else
    skip "portable build: instruction check needs x86-64 and objdump"
fi

# 46x46 images: 23 pooled columns = two 8-wide blocks and a scalar tail in the pooling kernels; the
# direct convolutions see a row of one full and one partial block (conv4, 1 channel) and 23 columns of 4
# channels (conv8, not pooled): both kinds of edge, forward and backward
make_fixture "$T" 46 40 || { fail "fixture"; finish; }
sed -i 's/^layers = .*/layers = conv4 pool conv8 flatten dense8 dense2/' "$T/job.ini"
"$SEEDSWEEP" run "$T/job.ini" --out "$T/portable.h5" --threads 1 --quiet >"$T/log1" 2>&1 ||
    { fail "portable build: sweep ($(tail -1 "$T/log1"))"; finish; }
SEEDSWEEP_NO_AVX512=1 "$SEEDSWEEP" run "$T/job.ini" --out "$T/avx2.h5" --threads 1 --quiet >"$T/log4" 2>&1 ||
    { fail "AVX2 kernels: sweep ($(tail -1 "$T/log4"))"; finish; }
check "AVX2 kernels (SEEDSWEEP_NO_AVX512=1) give arrays bit-identical to the default kernels" \
    same_arrays "$T/portable.h5" "$T/avx2.h5"
SEEDSWEEP_NO_AVX2=1 "$SEEDSWEEP" run "$T/job.ini" --out "$T/scalar.h5" --threads 1 --quiet >"$T/log2" 2>&1 ||
    { fail "scalar kernels: sweep ($(tail -1 "$T/log2"))"; finish; }
check "scalar kernels (SEEDSWEEP_NO_AVX2=1) give arrays bit-identical to the default kernels" \
    same_arrays "$T/portable.h5" "$T/scalar.h5"

if make -s -C "$ROOT" -j"$(nproc)" ARCH=native BUILD=build-native >"$T/make.log" 2>&1; then
    "$ROOT/build-native/seedsweep" run "$T/job.ini" --out "$T/native.h5" --threads 1 --quiet >"$T/log3" 2>&1 ||
        { fail "native build: sweep ($(tail -1 "$T/log3"))"; finish; }
    check "make ARCH=native gives arrays bit-identical to the portable build" same_arrays "$T/portable.h5" "$T/native.h5"
else
    fail "make ARCH=native: $(tail -3 "$T/make.log")"
fi
finish
