#!/usr/bin/env bash
# bench/run.sh - seedsweep vs PyTorch (Debian's torch 1.13 under /usr/bin/python3) on the same
# network, input and batch, at 1 and 2 threads, REPS repetitions each (interleaved, so both
# see the same machine load); prints the medians and the ratios. Run by `make bench`.
#   REPS=5 SECONDS_PER_RUN=5 THREADS="1 2" [OMP_WAIT_POLICY=active] bash bench/run.sh
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${BIN:-$ROOT/${BUILD:-build}/seedsweep}
PY=${PY:-/usr/bin/python3}
REPS=${REPS:-3}
SECS=${SECONDS_PER_RUN:-5}
THREADS=${THREADS:-1 2}
unset OPENBLAS_CORETYPE    # let OpenBLAS pick this CPU's kernel
export OMP_PROC_BIND=${OMP_PROC_BIND:-false}
# Idle OpenMP workers sleep instead of spinning (for both programs): on a machine shared with
# other jobs, spinning burns the CPU that the busy worker needs (measured: ~30% fewer training
# images per CPU-second at 2 threads under load with the default policy).
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-passive}

[ -x "$BIN" ] || { echo "bench/run.sh: $BIN not built (run make)" >&2; exit 1; }
have_torch=1
"$PY" -c 'import torch' 2>/dev/null || { have_torch=0; echo "note: $PY has no torch; PyTorch columns skipped"; }

median() { sort -g | awk '{v[NR]=$1} END {if (NR==0) print "nan"; else if (NR%2) print v[(NR+1)/2]; else print (v[NR/2]+v[NR/2+1])/2}'; }
value() { awk -v k="$1" '$1==k {print $2}'; }

"$BIN" bench --seconds 0.5 --threads 1 | grep -E '^(blas|conv|warning) '
printf '%-8s %11s %11s %11s %11s %8s %8s %10s %10s %9s\n' threads ours_train torch_train ours_eval torch_eval train_x eval_x ours_cpu torch_cpu sgemm_gf
for t in $THREADS; do
    ot=() oe=() tt=() te=() sg=() oc=() tc=()
    for r in $(seq "$REPS"); do
        out=$("$BIN" bench --threads "$t" --seconds "$SECS")
        ot+=("$(echo "$out" | value images_per_s)")
        oe+=("$(echo "$out" | value eval_images_per_s)")
        sg+=("$(echo "$out" | value sgemm_gflops)")
        oc+=("$(echo "$out" | value train_images_per_cpu_s)")
        if [ $have_torch = 1 ]; then
            out=$("$PY" "$ROOT/bench/torch_reference.py" --threads "$t" --seconds "$SECS")
            tt+=("$(echo "$out" | value train_images_per_s)")
            te+=("$(echo "$out" | value eval_images_per_s)")
            tc+=("$(echo "$out" | value train_images_per_cpu_s)")
        fi
    done
    mot=$(printf '%s\n' "${ot[@]}" | median); moe=$(printf '%s\n' "${oe[@]}" | median)
    msg=$(printf '%s\n' "${sg[@]}" | median); moc=$(printf '%s\n' "${oc[@]}" | median)
    mtt=nan mte=nan rt=nan re=nan mtc=nan
    if [ $have_torch = 1 ]; then
        mtt=$(printf '%s\n' "${tt[@]}" | median); mte=$(printf '%s\n' "${te[@]}" | median)
        mtc=$(printf '%s\n' "${tc[@]}" | median)
        rt=$(awk -v a="$mot" -v b="$mtt" 'BEGIN {printf "%.2f", a / b}')
        re=$(awk -v a="$moe" -v b="$mte" 'BEGIN {printf "%.2f", a / b}')
    fi
    printf '%-8s %11s %11s %11s %11s %8s %8s %10s %10s %9s\n' "$t" "$mot" "$mtt" "$moe" "$mte" "$rt" "$re" "$moc" "$mtc" "$msg"
done
echo "(images/s of wall time, medians of $REPS runs of ${SECS} s; train_x/eval_x = seedsweep / PyTorch;"
echo " *_cpu = training images per CPU-second of the process, all threads: the efficiency, little"
echo " affected by other work on the machine; uptime: $(uptime | sed 's/.*load/load/'))"
# Where the time goes at 1 thread: each layer's rate as a fraction of the sgemm rate of the same run
echo
"$BIN" bench --threads 1 --seconds "$SECS" --profile | grep -E '^(profile|  |sgemm_gflops|train_fraction_of_sgemm)'
