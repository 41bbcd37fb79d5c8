#!/usr/bin/env bash
# slurm_cluster.sh - the local Slurm and slurm/seedsweep.sbatch's signal handling, with a stand-in MPI
# program instead of seedsweep (so this runs before and apart from the sweep): the cluster comes up idle,
# a 2-rank batch job runs under srun --mpi=pmix, and the time-limit warning (SIGUSR1 to the batch shell)
# reaches the ranks, which exit 3, and makes the script requeue its own job, which then completes.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/slurm_lib.sh"

slurm_up slurm_cluster_up || finish
pass slurm_cluster_up
[ "$(sinfo -h -o %t)" = idle ] && pass slurm_node_idle || fail "slurm_node_idle: sinfo says $(sinfo -h -o %t)"

T=$(tmpdir)
cleanup() { slurm_down; rm -rf "$T"; }
trap cleanup EXIT
# The stand-in: ranks sleep until SIGUSR1/SIGTERM (exit 3, like seedsweep) or 60 s; after a restart they end at once.
cat >"$T/standin.c" <<'EOF'
#include <mpi.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
static volatile sig_atomic_t stop = 0;
static void on_signal(int s) { stop = s; }
int main(int argc, char **argv) {
    int rank, size;
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    signal(SIGUSR1, on_signal);
    signal(SIGTERM, on_signal);
    const char *restarts = getenv("SLURM_RESTART_COUNT");
    int seconds = restarts && atoi(restarts) > 0 ? 0 : 60;
    printf("standin rank %d/%d restarts %s args", rank, size, restarts ? restarts : "0");
    for (int i = 1; i < argc; i++) printf(" %s", argv[i]);
    printf("\n");
    fflush(stdout);
    for (int i = 0; i < seconds * 10 && !stop; i++) usleep(100000);
    printf("standin rank %d ends, signal %d\n", rank, (int)stop);
    fflush(stdout);
    if (stop) _exit(3);
    MPI_Finalize();
    return 0;
}
EOF
if ! mpicc -O1 -o "$T/standin" "$T/standin.c" 2>"$T/cc.err"; then
    fail "slurm_sbatch_requeue: cannot compile the stand-in: $(head -n 3 "$T/cc.err")"; finish
fi

# Plain batch job: the allocation carries --cpus-per-task.
job=$(sbatch --parsable --chdir="$T" -o "$T/plain.out" --cpus-per-task=2 --wrap 'echo cpus=$SLURM_CPUS_PER_TASK' 2>&1)
state=$(job_wait_done "$job" 30)
if [ "$state" = COMPLETED ] && grep -q '^cpus=2$' "$T/plain.out"; then pass slurm_plain_job
else fail "slurm_plain_job: job $job $state, output: $(cat "$T/plain.out" 2>/dev/null)"; fi

# The sbatch script under the time-limit path. scancel -b -s USR1 sends what --signal=B:USR1@N sends.
t0=$SECONDS
job=$(SEEDSWEEP="$T/standin" sbatch --parsable --ntasks=2 --chdir="$T" -o "$T/job.out" "$ROOT/slurm/seedsweep.sbatch" job.ini 2>&1)
if ! [[ "$job" =~ ^[0-9]+$ ]]; then fail "slurm_sbatch_requeue: sbatch said: $job"; finish; fi
job_wait_state "$job" 20 RUNNING >/dev/null
for i in $(seq 40); do [ "$(grep -c '^standin rank' "$T/job.out" 2>/dev/null)" = 2 ] && break; sleep 0.25; done
scancel -b -s USR1 "$job"
state=$(job_wait_done "$job" 60)
restarts=$(job_field "$job" Restarts)
out=$(cat "$T/job.out")
if [ "$state" = COMPLETED ] && [ "$restarts" = 1 ] &&
   [ "$(grep -c 'ends, signal 10' <<<"$out")" = 2 ] &&
   grep -q 'requeueing job' <<<"$out" &&
   grep -q 'standin rank 0/2 restarts 1 args run job.ini --threads 1' <<<"$out"; then
    pass "slurm_sbatch_requeue (USR1 forwarded to 2 ranks, self-requeue, done in $((SECONDS - t0)) s)"
else
    fail "slurm_sbatch_requeue: job $job $state, restarts $restarts; its output:"; echo "$out"
fi
finish
