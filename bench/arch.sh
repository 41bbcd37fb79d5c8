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
PORTABLE=$ROOT/build/seedsweep NATIVE=$ROOT/build-native/seedsweep
median() { sort -g | awk '{v[NR]=$1} END {if (NR==0) print "nan"; else if (NR%2) print v[(NR+1)/2]; else print (v[NR/2]+v[NR/2+1])/2}'; }
value() { awk -v k="$1" '$1==k {print $2}'; }
"$PORTABLE" bench --seconds 0.5 | head -2
isa=$(grep -o -w -E 'avx512f|avx2' /proc/cpuinfo | sort -u | tr '\n' ' ')
pt=() pe=() pc=() nt=() ne=() nc=()
for r in $(seq "$REPS"); do
    out=$("$PORTABLE" bench --seconds "$SECS")
    pt+=("$(echo "$out" | value images_per_s)"); pe+=("$(echo "$out" | value eval_images_per_s)")
    pc+=("$(echo "$out" | value train_images_per_cpu_s)")
    out=$("$NATIVE" bench --seconds "$SECS")
    nt+=("$(echo "$out" | value images_per_s)"); ne+=("$(echo "$out" | value eval_images_per_s)")
    nc+=("$(echo "$out" | value train_images_per_cpu_s)")
done
printf '%-9s %11s %11s %14s\n' build train_img_s eval_img_s train_img_cpu_s
printf '%-9s %11s %11s %14s\n' portable "$(printf '%s\n' "${pt[@]}" | median)" "$(printf '%s\n' "${pe[@]}" | median)" \
    "$(printf '%s\n' "${pc[@]}" | median)"
printf '%-9s %11s %11s %14s\n' native "$(printf '%s\n' "${nt[@]}" | median)" "$(printf '%s\n' "${ne[@]}" | median)" \
    "$(printf '%s\n' "${nc[@]}" | median)"
echo "(1 thread, medians of $REPS interleaved runs of ${SECS} s; CPU flags: ${isa:-none of avx2/avx512f};"
echo " $(uptime | sed 's/.*load/load/'))"
