/* plan.c - task numbering, the seeds each task's random streams use, and the training resample
 * (see plan.h). */
#include "seedsweep/plan.h"

#include <stdlib.h>

#include "seedsweep/rng.h"

int64_t plan_task_count(const JobSpec *job) {
    return (int64_t)jobfile_grid_point_count(job) * job->train_count * jobfile_group_count(job) * job->seed_count;
}

PlanTask plan_task(const JobSpec *job, int64_t task) {
    PlanTask t;
    const int64_t groups = jobfile_group_count(job);
    t.task = task;
    int64_t rest = task / job->seed_count;
    t.seed = job->seeds[task % job->seed_count];
    t.group = (int32_t)(rest % groups);
    rest /= groups;
    t.train_position = (int)(rest % job->train_count);
    t.grid = (int32_t)(rest / job->train_count);
    t.dataset = job->train[t.train_position];
    /* The seed is used as is (not mixed with the dataset) so that seed s starts from the same
     * weights whichever dataset it trains on: a paired design across training sets. */
    VaryKind vary = jobfile_group_vary(job, t.group);
    t.init_seed = vary & VARY_INIT ? (uint64_t)t.seed : PLAN_FIXED_SEED;
    t.order_seed = vary & VARY_ORDER ? (uint64_t)t.seed : PLAN_FIXED_SEED;
    t.sample_seed = !jobfile_uses_sample(job) ? -1 : vary & VARY_SAMPLE ? t.seed : PLAN_FIXED_SEED;
    return t;
}

static int compare_index(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

int64_t plan_sample_indices(const JobSpec *job, uint64_t sample_seed, int64_t count, int64_t *indices) {
    Rng rng = rng_stream(sample_seed, RNG_PURPOSE_SAMPLE);
    int64_t n = jobfile_sample_size(job, count);
    if (job->sample_fraction <= 0.0) {
        for (int64_t i = 0; i < n; i++) indices[i] = (int64_t)rng_below(&rng, (uint64_t)count);
    } else {
        /* partial Fisher-Yates: position i gets a uniform pick from the not yet picked */
        for (int64_t i = 0; i < count; i++) indices[i] = i;
        for (int64_t i = 0; i < n; i++) {
            int64_t j = i + (int64_t)rng_below(&rng, (uint64_t)(count - i));
            int64_t swap = indices[i];
            indices[i] = indices[j];
            indices[j] = swap;
        }
    }
    qsort(indices, (size_t)n, sizeof *indices, compare_index);
    return n;
}
