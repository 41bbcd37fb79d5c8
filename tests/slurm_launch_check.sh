#!/usr/bin/env bash
# slurm_launch_check.sh - under the local Slurm, in one 2-task batch job: `seedsweep run` started bare
# in the batch script, and `srun --mpi=none` with an MPI that does not see the Slurm step, so that
# every task is a singleton (an MPI without Slurm support, or with the wrong PMI; Debian's Open MPI 4
# notices a bare srun by itself from SLURM_NODELIST and the job and step ids, so those are hidden from it), are refused with exit 2 and no results file; `srun --mpi=pmix` in the same job runs the sweep.
source "$(dirname "$0")/lib.sh"
source "$ROOT/tests/helpers/sweep_fixture.sh"
source "$(dirname "$0")/slurm_lib.sh"
# Under SANITIZE=1 the exit status is the point here: LeakSanitizer's end-of-process check itself
# crashes now and then in these short MPI runs ("Tracer caught signal 11", exit 1), so it is off.
[[ "$BUILD" == build-san* ]] && export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
"$SEEDSWEEP" --version >/dev/null 2>&1 || { fail "slurm_launch_check: $SEEDSWEEP --version fails"; finish; }
slurm_up slurm_launch_check || finish
T=$(tmpdir)
cleanup() { slurm_down; rm -rf "$T"; }
trap cleanup EXIT
cp "$SEEDSWEEP" "$T/seedsweep"
cd "$T"
./seedsweep synth fly1 --out a.h5 --size 16 --count 24 --seed 1 >/dev/null &&
./seedsweep synth fly3 --out b.h5 --size 16 --count 24 --seed 1 >/dev/null || { fail "slurm_launch_check: synth failed"; finish; }
tiny_job 0-1 a a=a.h5 b=b.h5 >job.ini
cat >job.sh <<'SH'
#!/bin/bash
cd "$SLURM_SUBMIT_DIR"
./seedsweep run job.ini --out bare.h5 --quiet 2>bare.err; echo "bare $?" >>codes
srun --mpi=none env -u SLURM_NODELIST -u SLURM_JOB_NODELIST -u SLURM_STEPID -u SLURM_STEP_ID -u SLURM_JOBID -u SLURM_JOB_ID ./seedsweep run job.ini --out none.h5 --quiet 2>none.err; echo "none $?" >>codes
srun --mpi=pmix ./seedsweep run job.ini --out pmix.h5 --quiet 2>pmix.err; echo "pmix $?" >>codes
SH
unset SLURM_NTASKS SLURM_STEP_NUM_TASKS SEEDSWEEP_SINGLETON
job=$(sbatch --parsable --chdir="$T" --ntasks=2 --cpus-per-task=1 -o "$T/job.out" job.sh)
state=$(job_wait_done "$job" 120)
codes=$(tr '\n' ' ' <codes 2>/dev/null)
if [ "$state" != COMPLETED ]; then fail "slurm_launch_check: job $job $state: $(tail -n 20 job.out)"; finish; fi
if grep -q "^bare 2$" codes && [ ! -e bare.h5 ] && grep -q "2 tasks (SLURM_NTASKS=2) but MPI sees 1 process" bare.err; then
    pass "slurm_launch_check: run bare in a 2-task batch script: refused (exit 2), no results file"
else fail "slurm_launch_check: bare: codes $codes; $(head -c 300 bare.err)"; fi
if grep -q "^none 2$" codes && [ ! -e none.h5 ] && [ "$(grep -c "2 tasks (SLURM_STEP_NUM_TASKS=2) but MPI sees 1 process" none.err)" = 2 ]; then
    pass "slurm_launch_check: srun --mpi=none -n 2 with an MPI blind to Slurm: both tasks refused (exit 2), no results file"
else fail "slurm_launch_check: srun --mpi=none: codes $codes; $(head -c 300 none.err)"; fi
if grep -q "^pmix 0$" codes && [ -s pmix.h5 ]; then pass "slurm_launch_check: srun --mpi=pmix -n 2 in the same job runs the sweep"
else fail "slurm_launch_check: srun --mpi=pmix: codes $codes; $(head -c 300 pmix.err)"; fi
finish
