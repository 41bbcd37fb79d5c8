/* sweep_setup.h - everything a sweep does before its first task, without MPI: the job parsed,
 * threads chosen, the model and task runner built, and on rank 0 the results file opened and the
 * queue of pending tasks made. The scheduler runs these steps between its collectives
 * (scheduler.c: the ranks compare their job, kernels and datasets), and node_data.c loads the
 * node's datasets. */
#ifndef SEEDSWEEP_SWEEP_SETUP_H
#define SEEDSWEEP_SWEEP_SETUP_H

#include "seedsweep/checkpoint.h"
#include "seedsweep/common.h"
#include "seedsweep/dataset.h"
#include "seedsweep/jobfile.h"
#include "seedsweep/model.h"
#include "seedsweep/progress.h"
#include "seedsweep/results.h"
#include "seedsweep/scheduler.h"
#include "seedsweep/task.h"

/* What every rank holds once set up. */
typedef struct SweepSetup {
    int rank, size;
    JobSpec job;
    const char *output;            /* --out, else [sweep] output; with --part the part's file (part_output) */
    ResultsPart part;              /* --part, or {0, 0}: the whole job */
    char part_output[4096];
    Dataset sets[JOB_MAX_DATASETS];   /* job.dataset_count, loaded by the caller (node_data_load) */
    int sets_loaded;
    ResultsShape shape;
    Model *model;
    int threads;
    CheckpointStore checkpoints;   /* RESULTS.ckpt: in-flight tasks' checkpoints */
    TaskRunner runner;
} SweepSetup;

/* Rank 0's share: the open results file and the tasks left to run, in task order. */
typedef struct SweepQueue {
    ResultsFile *results;
    int64_t *tasks;
    int64_t length;
} SweepQueue;

/* Parses the job and checks that it names an output and that --part fits the job's tasks (the part's
 * file then becomes the output). */
int sweep_setup_job(SweepSetup *s, const SweepOptions *options, Error *err);
/* Threads per rank for local_ranks ranks on this node (--threads, SLURM_CPUS_PER_TASK, cores). */
int sweep_setup_threads(SweepSetup *s, const SweepOptions *options, int local_ranks, Error *err);
/* Once the datasets are loaded: the results shape, the model, the checkpoint store, OpenBLAS's
 * threads reserved, and the runner that calls between_batches(context) mid-task. */
int sweep_setup_runner(SweepSetup *s, int (*between_batches)(void *context), void *context, Error *err);
/* Rank 0: opens (creates or resumes) the results file, settles the checkpoint store, records the
 * run's hosts, queues the pending tasks and prints the opening line through progress. */
int sweep_setup_results(SweepSetup *s, const SweepOptions *options, const ResultsHost *rank_hosts, SweepQueue *queue,
                        Progress *progress, Error *err);
/* Frees what the set-up made (not the datasets: their loader frees them). */
void sweep_setup_free(SweepSetup *s, SweepQueue *queue);

#endif
