/* plan.h - the task plan and seed streams (DESIGN.md section 5).
 * Task t trains on train[t / seed_count] with seed seeds[t % seed_count]: for each training
 * dataset in `train` order, for each seed in `seeds` order. A task's result is a pure function
 * of the job file and t, so any rank may run any task in any order. */
#ifndef SEEDSWEEP_PLAN_H
#define SEEDSWEEP_PLAN_H

#include "seedsweep/jobfile.h"

/* The seed a stream is held at when `vary` leaves it fixed: vary = init trains every task with
 * data-order seed PLAN_FIXED_SEED, vary = order initialises every task with weight seed
 * PLAN_FIXED_SEED. (With vary = both the task seed keys both streams, which are independent
 * because rng streams are keyed by (seed, purpose).) */
#define PLAN_FIXED_SEED 0

typedef struct PlanTask {
    int64_t task;           /* 0-based task number */
    int train_position;     /* index into job->train */
    int dataset;            /* index into job->dataset_names of the training set */
    int64_t seed;           /* the task seed from `seeds` */
    uint64_t init_seed;     /* keys model_init (RNG_PURPOSE_INIT) */
    uint64_t order_seed;    /* keys model_train's shuffles (RNG_PURPOSE_ORDER) */
} PlanTask;

int64_t plan_task_count(const JobSpec *job);
PlanTask plan_task(const JobSpec *job, int64_t task);   /* task in [0, plan_task_count) */

#endif
