/* threads.h - how many worker threads each rank of a sweep uses (docs/design.md section 8):
 * --threads, else SLURM_CPUS_PER_TASK, else 1; by default never more threads than cores. */
#ifndef SEEDSWEEP_THREADS_H
#define SEEDSWEEP_THREADS_H

#include "seedsweep/common.h"

/* requested: --threads (0: not given); slurm_cpus_per_task: that variable's value or NULL;
 * local_ranks: ranks sharing this node; cores: online cores of this node. An explicit
 * --threads is kept even when it oversubscribes the node (the caller warns). SS_ERR_INPUT
 * when SLURM_CPUS_PER_TASK is not a positive integer. */
int threads_per_rank(int requested, const char *slurm_cpus_per_task, int local_ranks, long cores, int *threads,
                     Error *err);

#endif
