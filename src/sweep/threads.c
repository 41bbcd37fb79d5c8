/* threads.c - the thread count of each rank (see threads.h); the scheduler supplies the node's
 * rank count from MPI, so this stays a plain function. */
#include "seedsweep/threads.h"

#include <errno.h>
#include <stdlib.h>

int threads_per_rank(int requested, const char *slurm_cpus_per_task, int local_ranks, long cores, int *threads,
                     Error *err) {
    if (cores < 1) cores = 1;
    if (local_ranks < 1) local_ranks = 1;
    int chosen = requested;
    const char *slurm = slurm_cpus_per_task;
    if (chosen <= 0 && slurm && *slurm) {
        char *end;
        errno = 0;
        long v = strtol(slurm, &end, 10);
        if (*end || end == slurm || v < 1)
            return error_set(err, SS_ERR_INPUT, "SLURM_CPUS_PER_TASK='%s' is not a positive integer", slurm);
        if (errno == ERANGE || v > 4096)
            return error_set(err, SS_ERR_INPUT, "SLURM_CPUS_PER_TASK='%s' is more threads than a rank may use (1..4096)",
                             slurm);
        chosen = (int)v;
    }
    if (chosen <= 0) chosen = 1;
    if (requested <= 0 && (long)chosen * local_ranks > cores) {
        /* default: never more threads than cores on a node */
        int capped = (int)(cores / local_ranks);
        chosen = capped < 1 ? 1 : capped;
    }
    *threads = chosen;
    return SS_OK;
}
