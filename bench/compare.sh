#!/usr/bin/env bash
# bench/compare.sh - training and evaluation throughput of two or more seedsweep binaries on the
# paper's network, REPS interleaved rounds (every binary sees the same machine load), medians and
# each binary's ratio to the first. For two builds (bench/arch.sh), two commits, two settings.
#   REPS=5 SECONDS_PER_RUN=3 THREADS=1 bash bench/compare.sh LABEL=BINARY LABEL=BINARY [...]
# A binary may be preceded by environment settings: 'im2col=env SEEDSWEEP_CONV=im2col build/seedsweep'.
set -u
REPS=${REPS:-5}
SECS=${SECONDS_PER_RUN:-3}
THREADS=${THREADS:-1}
unset OPENBLAS_CORETYPE    # let OpenBLAS pick this CPU's kernel (the same for every binary)
[ $# -ge 2 ] || { sed -n '2,6p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
median() { sort -g | awk '{v[NR]=$1} END {if (NR==0) print "nan"; else if (NR%2) print v[(NR+1)/2]; else print (v[NR/2]+v[NR/2+1])/2}'; }
value() { awk -v k="$1" '$1==k {print $2}'; }
labels=() cmds=()
for a in "$@"; do
    [[ "$a" == *=* ]] || { echo "bench/compare.sh: '$a' is not LABEL=BINARY" >&2; exit 2; }
    labels+=("${a%%=*}"); cmds+=("${a#*=}")
done
n=${#labels[@]}
# shellcheck disable=SC2086  # a command may carry its environment settings
${cmds[0]} bench --seconds 0.3 | head -2
declare -A train eval cpu frac
for r in $(seq "$REPS"); do
    for i in $(seq 0 $((n - 1))); do
        # shellcheck disable=SC2086
        out=$(${cmds[$i]} bench --threads "$THREADS" --seconds "$SECS") || { echo "bench/compare.sh: ${labels[$i]} failed" >&2; exit 1; }
        train[$i]+="$(echo "$out" | value images_per_s) "; eval[$i]+="$(echo "$out" | value eval_images_per_s) "
        cpu[$i]+="$(echo "$out" | value train_images_per_cpu_s) "; frac[$i]+="$(echo "$out" | value train_fraction_of_sgemm) "
    done
done
med() { printf '%s\n' $1 | median; }
base=$(med "${train[0]}")
printf '%-12s %11s %8s %11s %14s %16s   %s\n' binary train_img_s vs_first eval_img_s train_img_cpu_s fraction_of_sgemm "train runs"
for i in $(seq 0 $((n - 1))); do
    t=$(med "${train[$i]}")
    printf '%-12s %11s %8s %11s %14s %16s   %s\n' "${labels[$i]}" "$t" "$(awk -v a="$t" -v b="$base" 'BEGIN{printf "%.3f", a/b}')" \
        "$(med "${eval[$i]}")" "$(med "${cpu[$i]}")" "$(med "${frac[$i]}")" "${train[$i]}"
done
isa=$(grep -o -w -E 'avx512f|avx2' /proc/cpuinfo | sort -u | tr '\n' ' ')
echo "($THREADS thread(s), medians of $REPS interleaved rounds of ${SECS} s; CPU flags: ${isa:-none of avx2/avx512f};"
echo " $(uptime | sed 's/.*load/load/'))"
