/* plan.h - the task plan and seed streams (docs/design.md section 5).
 * Tasks are numbered: for each grid point (1 without [grid]), for each training dataset in
 * `train` order, for each group (1 for design = plain; init, order, sample, all for decompose),
 * for each seed in `seeds` order. Without [grid] and with design = plain that is the original
 * order (training dataset, seed). A task's result is a pure function of the job file and t, so
 * any rank may run any task in any order. */
#ifndef SEEDSWEEP_PLAN_H
#define SEEDSWEEP_PLAN_H

#include "seedsweep/jobfile.h"

/* The base seed a stream is held at when the task's group does not vary it: vary = init trains
 * every task with data-order seed PLAN_FIXED_SEED, vary = order initialises every task with weight
 * seed PLAN_FIXED_SEED, and a job that resamples (vary includes sample, or decompose) trains the
 * groups that do not vary sample on the resample keyed by PLAN_FIXED_SEED. (A varied stream is
 * keyed by the task seed; streams are independent because rng streams are keyed by
 * (seed, purpose).) */
#define PLAN_FIXED_SEED 0

typedef struct PlanTask {
    int64_t task;           /* 0-based task number */
    int train_position;     /* index into job->train */
    int dataset;            /* index into job->dataset_names of the training set */
    int64_t seed;           /* the task seed from `seeds` */
    uint64_t init_seed;     /* keys model_init (RNG_PURPOSE_INIT) */
    uint64_t order_seed;    /* keys model_train's shuffles (RNG_PURPOSE_ORDER) */
    int64_t sample_seed;    /* keys the training resample (RNG_PURPOSE_SAMPLE); -1: the whole set */
    int32_t group;          /* index of the task's group (jobfile_group_name) */
    int32_t grid;           /* index of the task's grid point (jobfile_train_settings) */
} PlanTask;

int64_t plan_task_count(const JobSpec *job);
PlanTask plan_task(const JobSpec *job, int64_t task);   /* task in [0, plan_task_count) */

/* The resample of a training set of count images keyed by sample_seed: jobfile_sample_size(job,
 * count) indices in ascending order (so the sample is a multiset, and its order is left to the
 * order stream). Bootstrap (sample_fraction 0): each index drawn uniformly with replacement;
 * subsample: the first n of a Fisher-Yates shuffle of 0..count-1, then sorted. */
/* indices: room for count. Returns the sample size. */
int64_t plan_sample_indices(const JobSpec *job, uint64_t sample_seed, int64_t count, int64_t *indices);

#endif
