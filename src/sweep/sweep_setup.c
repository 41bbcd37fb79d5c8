/* sweep_setup.c - a sweep's set-up (sweep_setup.h): the steps before the first task, in the order
 * the scheduler calls them. Nothing here talks to other ranks: the scheduler gathers the ranks'
 * hosts before and agrees on every step's status after. */
#include "seedsweep/sweep_setup.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "seedsweep/blas.h"
#include "seedsweep/conv_direct.h"
#include "seedsweep/hosts.h"
#include "seedsweep/job_results.h"
#include "seedsweep/plan.h"
#include "seedsweep/threads.h"

int sweep_setup_job(SweepSetup *s, const SweepOptions *options, Error *err) {
    int rc = jobfile_parse(options->job_path, &s->job, err);
    if (rc != SS_OK) return rc;
    if (!options->output && !s->job.output)
        return error_set(err, SS_ERR_INPUT, "%s: [sweep] output: missing, and no --out given", options->job_path);
    s->output = options->output ? options->output : s->job.output;
    s->part = (ResultsPart){options->part_index, options->part_count};
    if (s->part.count > 0) {
        int64_t tasks = plan_task_count(&s->job);
        if (s->part.count > tasks)
            return error_set(err, SS_ERR_INPUT, "%s: --part %d/%d: the job has %lld tasks, so at most %lld parts",
                             options->job_path, s->part.index, s->part.count, (long long)tasks, (long long)tasks);
        if (results_part_path(s->output, s->part, s->part_output, sizeof s->part_output) != 0)
            return error_set(err, SS_ERR_INPUT, "%s: output path too long", s->output);
        s->output = s->part_output;
    }
    return SS_OK;
}

/* The node's rank count comes from the caller; the rule itself is threads_per_rank's. */
int sweep_setup_threads(SweepSetup *s, const SweepOptions *options, int local_ranks, Error *err) {
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    if (cores < 1) cores = 1;
    int rc = threads_per_rank(options->threads, getenv("SLURM_CPUS_PER_TASK"), local_ranks, cores, &s->threads, err);
    if (rc != SS_OK) return rc;
    if (s->rank == 0 && (long)s->threads * local_ranks > cores)
        progress_warn_oversubscribed(local_ranks, s->threads, cores);
    return SS_OK;
}

int sweep_setup_runner(SweepSetup *s, int (*between_batches)(void *context), void *context, Error *err) {
    job_results_shape(&s->job, s->sets, &s->shape);
    s->model = model_create(&s->job.model, s->job.batch, s->threads, err);
    if (!s->model) return err->code ? err->code : SS_ERR_RUNTIME;
    int rc = checkpoint_store_open(&s->checkpoints, s->output, err);
    if (rc != SS_OK) return rc;
    rc = blas_reserve(s->threads, err);   /* before the first task, where OpenBLAS would spin */
    if (rc != SS_OK) return rc;
    s->runner = (TaskRunner){.job = &s->job, .sets = s->sets, .model = s->model, .threads = s->threads,
                             .between_batches = between_batches, .context = context,
                             .checkpoint_dir = s->checkpoints.dir, .rank = s->rank};
    return SS_OK;
}

/* This run's hosts into the file's /hosts table. */
static int record_hosts(const SweepSetup *s, ResultsFile *results, const ResultsHost *rank_hosts, Error *err) {
    ResultsHost *hosts = malloc(sizeof *hosts * (size_t)s->size);
    if (!hosts) return error_set(err, SS_ERR_RUNTIME, "out of memory for the host table");
    int rc = results_record_hosts(results, hosts, hosts_summarize(rank_hosts, s->size, hosts), err);
    free(hosts);
    return rc;
}

int sweep_setup_results(SweepSetup *s, const SweepOptions *options, const ResultsHost *rank_hosts, SweepQueue *queue,
                        Progress *progress, Error *err) {
    char blas[256];
    snprintf(blas, sizeof blas, "OpenBLAS %s (%s)", blas_core_name(), blas_config());
    ResultsRunInfo info = {.ranks = s->size, .threads_per_rank = s->threads, .blas = blas,
                           .version = options->version ? options->version : "?",
                           .conv_path = conv_path_name(conv_path_get())};
    uint8_t *pending = calloc((size_t)s->shape.task_count, 1);
    queue->tasks = malloc(sizeof(int64_t) * (size_t)s->shape.task_count);
    if (!pending || !queue->tasks) {
        free(pending);
        return error_set(err, SS_ERR_RUNTIME, "out of memory for the task plan");
    }
    struct stat st;
    const int fresh = options->restart || stat(s->output, &st) != 0;
    ResultsMeta meta;
    job_results_meta(&s->job, s->sets, &meta);
    meta.part = s->part;
    int rc = results_open_sweep(s->output, &s->shape, &meta, &info, options->restart, &queue->results, pending, err);
    for (int64_t t = 0; rc == SS_OK && t < s->shape.task_count; t++)   /* the other parts' tasks are not ours */
        if (!results_part_has(s->part, t)) pending[t] = 0;
    if (rc == SS_OK) {
        checkpoint_store_settle(&s->checkpoints, fresh, pending, s->shape.task_count);
        rc = record_hosts(s, queue->results, rank_hosts, err);
    }
    if (rc == SS_OK) {
        for (int64_t t = 0; t < s->shape.task_count; t++)
            if (pending[t]) queue->tasks[queue->length++] = t;
        progress_begin(progress, stdout, options->quiet, &s->job, s->output,
                       results_part_task_count(s->part, s->shape.task_count), queue->length, s->size, s->threads);
    }
    free(pending);
    return rc;
}

void sweep_setup_free(SweepSetup *s, SweepQueue *queue) {
    if (queue->results) results_close(queue->results, NULL);
    free(queue->tasks);
    model_free(s->model);
    checkpoint_store_close(&s->checkpoints);
    jobfile_free(&s->job);
    s->output = NULL;
}
