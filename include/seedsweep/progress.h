/* progress.h - what a sweep tells the user on stdout/stderr while it runs: the opening line,
 * one line per finished task with an ETA, the closing summary, warnings and a rank's failure.
 * The scheduler calls these; it prints nothing itself. */
#ifndef SEEDSWEEP_PROGRESS_H
#define SEEDSWEEP_PROGRESS_H

#include <stdio.h>

#include "seedsweep/common.h"
#include "seedsweep/jobfile.h"
#include "seedsweep/task_result.h"

typedef struct Progress {
    FILE *out;                  /* stdout in a sweep */
    int quiet;                  /* no per-task lines (the opening and closing lines remain) */
    const JobSpec *job;
    int64_t total;              /* tasks this run set out to do */
    int64_t done;               /* of those, finished and recorded */
    double started;             /* ss_now() when the run started */
    double task_seconds;        /* sum of the finished tasks' own times */
} Progress;

/* "seedsweep run: JOB -> FILE: N tasks, M to run (K already done), R ranks x T threads". */
void progress_begin(Progress *p, FILE *out, int quiet, const JobSpec *job, const char *results_path,
                    int64_t task_count, int64_t to_run, int ranks, int threads);
/* Starts the clock of the ETA and of the summary's wall time. */
void progress_start_clock(Progress *p);
/* "[done/total] task T train=D seed=S acc D1=... TIME rank R ETA LEFT", after r was recorded. */
void progress_task_done(Progress *p, const TaskResult *r);
/* The closing summary: wall time, sum of task times, rank 0's overhead (nothing when no task ran). */
void progress_end(const Progress *p, int ranks, double record_seconds, double serve_seconds,
                  int64_t reports_served);
/* Rank 0 as a server, over a whole run: how long workers waited for its reply to a result (from
 * sending the report to receiving the next task), and where rank 0's serving time went. */
typedef struct Rank0Load {
    int64_t reports;              /* result reports that workers timed */
    double wait_median, wait_max; /* seconds */
    int64_t reports_served;       /* every message rank 0 answered (first requests and stops too) */
    double serve_seconds;         /* all of rank 0's serving, idle polls included */
    int64_t idle_polls;           /* polls that found no report */
    double idle_poll_seconds;
} Rank0Load;
/* After the summary: "workers waited for rank 0's reply: median X ms, max Y ms over N reports;
 * rank 0: Z ms per report served without its idle polls (P polls, Q ms)". */
void progress_rank0_load(const Progress *p, const Rank0Load *load);
void progress_warn_oversubscribed(int local_ranks, int threads, long cores);
void progress_rank_failed(int rank, const Error *err);
/* Once per node by its first rank: the images live in one shared copy (stdout), or why not (stderr). */
void progress_data_shared(const char *host, int leader, int node_ranks, int datasets, size_t bytes);
void progress_data_not_shared(const char *host, int node_ranks, const char *reason);
/* "rank R: task T resumed at epoch E batch B from FILE" (1-based: the next batch to train), or
 * "resumed after training (E of N epochs), evaluating". */
void progress_task_resumed(int rank, int64_t task, const char *path, int evaluating, int epoch, int64_t batch,
                           int epochs);
void progress_checkpoint_refused(int rank, int64_t task, const Error *err);   /* err names the file */
void progress_checkpoint_failed(int rank, int64_t task, const Error *err);

#endif
