#!/usr/bin/env bash
# launch_check.sh - a launch without MPI wiring is refused before any file is touched: Slurm says the
# step has N > 1 tasks (SLURM_STEP_NUM_TASKS, else SLURM_NTASKS) and MPI sees one process -> exit 2,
# naming the causes and the fix, the results file left as it was; SEEDSWEEP_SINGLETON=1 runs one
# process on purpose; mpirun -np 1 and real multi-rank runs pass. slurm/seedsweep.sbatch refuses,
# before launching, a launcher that cannot wire the ranks (srun without Slurm's pmix plugin, an
# Open MPI without Slurm support; faked here with stand-in srun/ompi_info). The same refusal under
# a real Slurm step is tested in slurm_launch_check.sh.
source "$(dirname "$0")/lib.sh"
# Under SANITIZE=1 the exit status is the point here: LeakSanitizer's end-of-process check itself
# crashes now and then in these short MPI runs ("Tracer caught signal 11", exit 1), so it is off.
[[ "$BUILD" == build-san* ]] && export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
T=$(tmpdir)
trap 'rm -rf "$T"' EXIT
cd "$T"
"$SEEDSWEEP" synth fly1 --out a.h5 --size 16 --count 24 --seed 1 >/dev/null &&
"$SEEDSWEEP" synth fly3 --out b.h5 --size 16 --count 24 --seed 1 >/dev/null || { fail "launch_check: synth failed"; finish; }
cat >job.ini <<'INI'
[sweep]
name   = launch
output = results.h5
seeds  = 0-1
train  = a
[datasets]
a = a.h5
b = b.h5
[model]
input  = 16x16x1
layers = conv4 pool flatten dense8 dense2
[train]
epochs = 1
batch  = 8
INI
# Only the variables each case sets: none of the caller's Slurm or Open MPI ones.
clean_env=(env -u SLURM_NTASKS -u SLURM_STEP_NUM_TASKS -u SLURM_JOB_ID -u OMPI_COMM_WORLD_SIZE -u SEEDSWEEP_SINGLETON)

# refused NAME NEEDLE VAR=VALUE...: exit 2 naming NEEDLE (the variable), the causes and the fix; no results file made
refused() {
    local name=$1 named=$2; shift 2
    local rc=0
    rm -f results.h5
    "${clean_env[@]}" "$@" "$SEEDSWEEP" run job.ini --quiet >out.txt 2>err.txt || rc=$?
    local missing=""
    for needle in "MPI sees 1 process" "--mpi=pmix" "without Slurm or PMIx support" "bare in the batch script" \
        "SEEDSWEEP_SINGLETON=1" "$named"; do
        grep -qF -- "$needle" err.txt || missing="$missing '$needle'"
    done
    if [ "$rc" = 2 ] && [ -z "$missing" ] && [ ! -e results.h5 ]; then pass "launch_check: $name: refused (exit 2)"
    else fail "launch_check: $name: exit $rc, results.h5 $( [ -e results.h5 ] && echo made || echo absent), message lacks$missing: $(head -c 400 err.txt)"; fi
}
refused "SLURM_NTASKS=4, bare" "4 tasks (SLURM_NTASKS=4)" env SLURM_NTASKS=4
refused "SLURM_STEP_NUM_TASKS=2 (srun -n 2 without MPI wiring)" "2 tasks (SLURM_STEP_NUM_TASKS=2)" \
    env SLURM_NTASKS=8 SLURM_STEP_NUM_TASKS=2

# An existing results file is not touched by a refused launch.
"${clean_env[@]}" "$SEEDSWEEP" run job.ini --quiet >/dev/null 2>&1 || fail "launch_check: the plain run failed"
sum=$(sha256sum results.h5 | cut -c1-64); stamp=$(stat -c %Y.%s results.h5)
rc=0; "${clean_env[@]}" SLURM_NTASKS=3 "$SEEDSWEEP" run job.ini --restart --quiet >/dev/null 2>err.txt || rc=$?
if [ "$rc" = 2 ] && [ "$(sha256sum results.h5 | cut -c1-64)" = "$sum" ] && [ "$(stat -c %Y.%s results.h5)" = "$stamp" ] &&
    [ -z "$(ls -A | grep -v -x -e a.h5 -e b.h5 -e job.ini -e results.h5 -e out.txt -e err.txt)" ]; then
    pass "launch_check: a refused launch leaves the results file (even with --restart) and the directory as they were"
else
    fail "launch_check: refused --restart: exit $rc; files: $(ls -A | tr '\n' ' ')"
fi

# allowed NAME VAR=VALUE... [-- MPIRUN ARGS]: the sweep runs
allowed() {
    local name=$1; shift
    local rc=0
    rm -f results.h5
    "${clean_env[@]}" "$@" "$SEEDSWEEP" run job.ini --quiet >out.txt 2>err.txt || rc=$?
    if [ "$rc" = 0 ] && [ -s results.h5 ]; then pass "launch_check: $name: runs"
    else fail "launch_check: $name: exit $rc: $(head -c 300 err.txt)"; fi
}
allowed "SEEDSWEEP_SINGLETON=1 in a 4-task allocation" env SLURM_NTASKS=4 SEEDSWEEP_SINGLETON=1
allowed "a 1-task step in a 4-task allocation (srun -n 1)" env SLURM_NTASKS=4 SLURM_STEP_NUM_TASKS=1
allowed "no Slurm" env
allowed "mpirun -np 1 in a 4-task allocation" env SLURM_NTASKS=4 mpirun -np 1
allowed "mpirun -np 2 in a 2-task allocation" env SLURM_NTASKS=2 mpirun -np 2
rc=0; "${clean_env[@]}" SLURM_NTASKS=4 SEEDSWEEP_SINGLETON=yes "$SEEDSWEEP" run job.ini --quiet >/dev/null 2>&1 || rc=$?
if [ "$rc" = 2 ]; then pass "launch_check: SEEDSWEEP_SINGLETON other than 1 does not switch the check off"
else fail "launch_check: SEEDSWEEP_SINGLETON=yes: exit $rc, expected 2"; fi

# The sbatch script's own check, before it launches anything: stand-ins for srun and ompi_info.
mkdir fake
printf '#!/bin/sh\necho "MPI plugin types are..."; echo "	none"; echo "	pmi2"\n' >fake/srun
printf '#!/bin/sh\necho "mca:ras:gridengine:version:mca:2.1.0"; echo "mca:pmix:isolated:version:mca:2.1.0"\n' >fake/ompi_info
printf '#!/bin/sh\necho launched >>"%s/launched"; exit 0\n' "$T" >fake/mpirun
chmod +x fake/*
# sbatch_refuses NAME NEEDLE VAR=VALUE...
sbatch_refuses() {
    local name=$1 needle=$2; shift 2
    local rc=0
    rm -f launched
    "${clean_env[@]}" PATH="$T/fake:$PATH" SLURM_NTASKS=2 SEEDSWEEP="$SEEDSWEEP" "$@" \
        bash "$ROOT/slurm/seedsweep.sbatch" job.ini >out.txt 2>&1 </dev/null || rc=$?
    if [ "$rc" = 2 ] && grep -qF -- "$needle" out.txt && [ ! -e launched ]; then pass "launch_check: seedsweep.sbatch: $name: refused before launching"
    else fail "launch_check: seedsweep.sbatch: $name: exit $rc, launched: $( [ -e launched ] && echo yes || echo no): $(tail -c 400 out.txt)"; fi
}
sbatch_refuses "srun without Slurm's pmix plugin" "no pmix plugin" SEEDSWEEP_LAUNCHER=srun
sbatch_refuses "an Open MPI without Slurm support" "built without Slurm support" SEEDSWEEP_LAUNCHER=mpirun
# With one rank there is nothing to wire: the launch goes ahead.
rc=0; rm -f launched
"${clean_env[@]}" PATH="$T/fake:$PATH" SLURM_NTASKS=1 SEEDSWEEP="$SEEDSWEEP" SEEDSWEEP_LAUNCHER=mpirun \
    bash "$ROOT/slurm/seedsweep.sbatch" job.ini >out.txt 2>&1 </dev/null || rc=$?
if [ "$rc" = 0 ] && [ -e launched ]; then pass "launch_check: seedsweep.sbatch: one rank is launched without the wiring check"
else fail "launch_check: seedsweep.sbatch with one rank: exit $rc, launched: $( [ -e launched ] && echo yes || echo no): $(tail -c 300 out.txt)"; fi
finish
