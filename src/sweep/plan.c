/* plan.c - task numbering and the seeds each task's two random streams use (see plan.h). */
#include "seedsweep/plan.h"

int64_t plan_task_count(const JobSpec *job) { return (int64_t)job->train_count * job->seed_count; }

PlanTask plan_task(const JobSpec *job, int64_t task) {
    PlanTask t;
    t.task = task;
    t.train_position = (int)(task / job->seed_count);
    t.dataset = job->train[t.train_position];
    t.seed = job->seeds[task % job->seed_count];
    /* The seed is used as is (not mixed with the dataset) so that seed s starts from the same
     * weights whichever dataset it trains on: a paired design across training sets. */
    t.init_seed = job->vary == VARY_ORDER ? PLAN_FIXED_SEED : (uint64_t)t.seed;
    t.order_seed = job->vary == VARY_INIT ? PLAN_FIXED_SEED : (uint64_t)t.seed;
    return t;
}
