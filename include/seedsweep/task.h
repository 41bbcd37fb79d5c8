/* task.h - one task of a sweep (docs/design.md section 5): plan it, initialise the model, train on
 * its dataset, evaluate on every dataset and fill a TaskResult. No MPI here: the scheduler hands
 * tasks out and passes a hook that keeps it serving while a task runs. */
#ifndef SEEDSWEEP_TASK_H
#define SEEDSWEEP_TASK_H

#include "seedsweep/common.h"
#include "seedsweep/dataset.h"
#include "seedsweep/jobfile.h"
#include "seedsweep/model.h"
#include "seedsweep/task_result.h"

typedef struct TaskRunner {
    const JobSpec *job;
    const Dataset *sets;        /* job->dataset_count datasets, checked by job_data_load */
    Model *model;               /* created for job->model with max_batch job->batch */
    int threads;                /* worker threads per rank; results do not depend on it */
    /* Called between mini-batches of training and evaluation (may be NULL); non-zero aborts
     * the task with SS_INTERRUPTED. */
    int (*between_batches)(void *context);
    void *context;
    /* Where this task's checkpoint lives (checkpoint.h; NULL: no checkpoints): a trusted one is
     * resumed from, a stop or job->checkpoint_every saves one. rank only names the messages. */
    const char *checkpoint_dir;
    int rank;
} TaskRunner;

/* Runs task t and fills r's arrays (sized for job_results_shape) and r->task, r->status
 * (TASK_DONE or TASK_DIVERGED) and r->seconds; r->rank is left to the caller. A task's result
 * depends on the job and t only, so any rank may run it, and resuming from a checkpoint gives
 * the same result bit for bit. SS_INTERRUPTED leaves a checkpoint behind (when enabled). */
int task_run(const TaskRunner *runner, int64_t task, TaskResult *r, Error *err);

#endif
