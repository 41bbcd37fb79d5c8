/* scheduler.c - dynamic task scheduling over MPI; rank 0 trains too and writes the results file.
 *
 * Protocol (all on MPI_COMM_WORLD):
 *   worker -> 0  TAG_REPORT  a packed TaskResult (task -1 on the first request): "here is my
 *                            result, give me the next task"; or a STOPPED/FAILED notice
 *   0 -> worker  TAG_TASK    int64 next task, -1 = no more work
 *   0 -> worker  TAG_STOP    abort the task in hand (after SIGTERM/SIGUSR1 or a failure)
 * Rank 0 serves reports by non-blocking MPI_Iprobe polling from the between_batches hook of
 * model_train and model_evaluate and between its own tasks, so it trains on its core like every
 * other rank; a worker waits for a reply at most one of rank 0's mini-batches. Waits poll with
 * short sleeps rather than blocking MPI calls, which Open MPI implements as busy loops that would
 * steal cores from the ranks still training when ranks are oversubscribed.
 * Running one task is task.c's job (no MPI there), choosing threads threads.c's, and every
 * message to the user goes through progress.c: this file is the protocol and its set-up. */
#include "seedsweep/scheduler.h"

#include <mpi.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "results_layout.h"   /* results_dataset_digest: what /dataset_sha256 records */
#include "seedsweep/blas.h"
#include "seedsweep/checkpoint.h"
#include "seedsweep/conv_direct.h"
#include "seedsweep/hosts.h"
#include "seedsweep/job_results.h"
#include "seedsweep/jobfile.h"
#include "seedsweep/launch.h"
#include "seedsweep/model.h"
#include "seedsweep/node_data.h"
#include "seedsweep/progress.h"
#include "seedsweep/results.h"
#include "seedsweep/stats.h"
#include "seedsweep/task.h"
#include "seedsweep/threads.h"

enum { TAG_REPORT = 11, TAG_TASK = 12, TAG_STOP = 13 };
enum { REPORT_RESULT = 0, REPORT_FIRST = 1, REPORT_STOPPED = 2, REPORT_FAILED = 3 };

typedef struct ReportHeader {      /* 32 bytes, so the floats after it stay aligned */
    int64_t task;
    int32_t kind;                  /* REPORT_* */
    int32_t status;                /* TASK_DONE / TASK_DIVERGED */
    int32_t rank;
    int32_t collapse_epoch;        /* TaskResult.collapse_epoch */
    double seconds;
} ReportHeader;

static volatile sig_atomic_t stop_signal = 0;
/* 0 during start-up (parsing, loading, reserving memory, opening the results file): a stop signal
 * then ends the process at once (nothing is recorded yet, and start-up can block for long, e.g.
 * reading a large dataset); 1 from the first task on: stop handing out work, keep what is done. */
static volatile sig_atomic_t stop_is_graceful = 0;
static void on_stop_signal(int signo) {
    if (!stop_is_graceful) {
        signal(signo, SIG_DFL);
        raise(signo);
        return;
    }
    stop_signal = signo;
}

typedef struct Sweep {
    int rank, size;
    JobSpec job;
    Dataset sets[JOB_MAX_DATASETS];
    int sets_loaded;
    NodeData *node_data;           /* the node's ranks and the window of its one copy of the images */
    ResultsShape shape;
    Model *model;
    int threads;
    ResultsHost *rank_hosts;       /* [size]: every rank's host, CPU model and BLAS core (all ranks) */
    TaskRunner runner;
    char *checkpoint_dir;          /* RESULTS.ckpt: in-flight tasks' checkpoints (checkpoint.h) */
    size_t report_bytes;
    char *send_buffer, *recv_buffer;
    /* rank 0 only */
    ResultsFile *results;
    int64_t *queue;                /* pending task numbers, in task order */
    int64_t queue_length, queue_next;
    int64_t done_this_run, total_pending;
    int workers_active;            /* workers not yet told -1 and not stopped */
    uint8_t *worker_finished;      /* [size]: 1 once a worker was told -1 or reported stopping */
    int stopping;                  /* no more tasks handed out */
    int failure;                   /* SS_ERR_RUNTIME seen somewhere */
    Error failure_err;
    Progress progress;
    double serve_seconds;          /* rank 0 time spent serving reports, recording included */
    double record_seconds;         /* rank 0 time spent writing results (HDF5 write + flush) */
    int64_t reports_served;
    int64_t idle_polls;            /* serve() calls that found no report, and their time (in serve_seconds) */
    double idle_poll_seconds;
    /* workers: how long each result report waited for rank 0's reply (send to reply received) */
    double *waits;
    int64_t wait_count, wait_capacity;
    int *wait_counts, *wait_displacements;   /* [size]: rank 0's receive layout for gather_waits */
} Sweep;

/* ---- packing ---- */

/* A report is the header, then the task's rows packed as the results table lays them out
 * (results.h task_result_view): a new result array needs no change here. */
_Static_assert(sizeof(ReportHeader) % 8 == 0, "rows after the header must stay 8-byte aligned");
static size_t report_size(const ResultsShape *s) { return sizeof(ReportHeader) + task_result_rows_size(s); }
static void report_view(const ResultsShape *s, char *buffer, TaskResult *r) {
    task_result_view(r, s, buffer + sizeof(ReportHeader));
}

/* ---- running one task (any rank) ---- */

/* task_run into a packed report, header filled for rank 0. */
static int run_task(Sweep *sw, int64_t task, char *buffer, Error *err) {
    TaskResult r;
    report_view(&sw->shape, buffer, &r);
    int rc = task_run(&sw->runner, task, &r, err);
    if (rc != SS_OK) return rc;
    ReportHeader *h = (ReportHeader *)buffer;
    memset(h, 0, sizeof *h);
    h->task = task;
    h->kind = REPORT_RESULT;
    h->status = r.status;
    h->rank = sw->rank;
    h->collapse_epoch = r.collapse_epoch;
    h->seconds = r.seconds;
    return SS_OK;
}

/* ---- rank 0 ---- */

static void record(Sweep *sw, char *buffer) {
    ReportHeader *h = (ReportHeader *)buffer;
    TaskResult r;
    report_view(&sw->shape, buffer, &r);
    r.task = h->task;
    r.status = h->status;
    r.rank = h->rank;
    r.collapse_epoch = h->collapse_epoch;
    r.seconds = h->seconds;
    const ResultsHost *host = h->rank >= 0 && h->rank < sw->size ? &sw->rank_hosts[h->rank] : NULL;
    memcpy(r.host, host ? host->name : "", host ? sizeof r.host : 1);
    memcpy(r.blas, host ? host->blas_core : "", host ? sizeof r.blas : 1);
    Error err = {0};
    double t0 = ss_now();
    int rc = results_record_task(sw->results, &r, &err);
    sw->record_seconds += ss_now() - t0;
    if (rc != SS_OK) {
        if (!sw->failure) sw->failure_err = err;
        sw->failure = SS_ERR_RUNTIME;
        sw->stopping = 1;
        return;
    }
    sw->done_this_run++;
    checkpoint_remove(sw->checkpoint_dir, r.task);   /* recorded: its checkpoint is spent */
    progress_task_done(&sw->progress, &r);
}

static int64_t next_task(Sweep *sw) {
    if (sw->stopping || stop_signal || sw->queue_next >= sw->queue_length) return -1;
    return sw->queue[sw->queue_next++];
}

/* Tells every worker still working to abort its task (a 4-byte eager send: never blocks). */
static void broadcast_stop(Sweep *sw) {
    int token = 1;
    for (int r = 1; r < sw->size; r++)
        if (!sw->worker_finished[r]) MPI_Send(&token, 1, MPI_INT, r, TAG_STOP, MPI_COMM_WORLD);
}

static void worker_finished(Sweep *sw, int rank) {
    if (rank > 0 && rank < sw->size && !sw->worker_finished[rank]) {
        sw->worker_finished[rank] = 1;
        sw->workers_active--;
    }
}

static void begin_stopping(Sweep *sw) {
    if (sw->stopping) return;
    sw->stopping = 1;
    if (sw->workers_active > 0) broadcast_stop(sw);
}

/* Answers every report waiting now; never blocks. */
static void serve(Sweep *sw) {
    double t0 = ss_now();
    int64_t served_before = sw->reports_served;
    if (stop_signal) begin_stopping(sw);
    for (;;) {
        int waiting = 0;
        MPI_Status status;
        MPI_Iprobe(MPI_ANY_SOURCE, TAG_REPORT, MPI_COMM_WORLD, &waiting, &status);
        if (!waiting) break;
        int bytes = 0;
        MPI_Get_count(&status, MPI_BYTE, &bytes);
        MPI_Recv(sw->recv_buffer, bytes, MPI_BYTE, status.MPI_SOURCE, TAG_REPORT, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        ReportHeader *h = (ReportHeader *)sw->recv_buffer;
        sw->reports_served++;
        if (h->kind == REPORT_STOPPED || h->kind == REPORT_FAILED) {
            worker_finished(sw, status.MPI_SOURCE);
            if (h->kind == REPORT_FAILED) {
                if (!sw->failure)
                    error_set(&sw->failure_err, SS_ERR_RUNTIME, "rank %d failed (its message is above)", h->rank);
                sw->failure = SS_ERR_RUNTIME;
            }
            begin_stopping(sw);
            continue;
        }
        if (h->kind == REPORT_RESULT) {
            if ((size_t)bytes != sw->report_bytes) {
                if (!sw->failure)
                    error_set(&sw->failure_err, SS_ERR_RUNTIME, "rank %d sent a report of %d bytes, expected %zu",
                              status.MPI_SOURCE, bytes, sw->report_bytes);
                sw->failure = SS_ERR_RUNTIME;
                begin_stopping(sw);
            } else {
                record(sw, sw->recv_buffer);
            }
        }
        int64_t task = next_task(sw);
        MPI_Send(&task, 1, MPI_INT64_T, status.MPI_SOURCE, TAG_TASK, MPI_COMM_WORLD);
        if (task < 0) worker_finished(sw, status.MPI_SOURCE);
    }
    double spent = ss_now() - t0;
    sw->serve_seconds += spent;
    if (sw->reports_served == served_before) {
        sw->idle_polls++;
        sw->idle_poll_seconds += spent;
    }
}

static int poll_rank0(void *context) {
    Sweep *sw = context;
    serve(sw);
    return sw->stopping;
}

static void nap(void) {
    struct timespec ts = {0, 200000};   /* 0.2 ms */
    nanosleep(&ts, NULL);
}

static int rank0_loop(Sweep *sw, Error *err) {
    progress_start_clock(&sw->progress);
    char *own = malloc(sw->report_bytes);
    if (!own) return error_set(err, SS_ERR_RUNTIME, "out of memory");
    for (;;) {
        serve(sw);
        int64_t task = next_task(sw);
        if (task >= 0) {
            Error task_err = {0};
            int rc = run_task(sw, task, own, &task_err);
            if (rc == SS_OK) {
                record(sw, own);
            } else if (rc == SS_INTERRUPTED) {
                begin_stopping(sw);   /* the task stays pending */
            } else {
                if (!sw->failure) sw->failure_err = task_err;
                sw->failure = rc == SS_ERR_INPUT ? SS_ERR_INPUT : SS_ERR_RUNTIME;
                begin_stopping(sw);
            }
            continue;
        }
        if (sw->workers_active <= 0) break;
        nap();
    }
    free(own);
    return SS_OK;
}

/* ---- workers ---- */

static int poll_worker(void *context) {
    (void)context;
    if (stop_signal) return 1;
    int waiting = 0;
    MPI_Iprobe(0, TAG_STOP, MPI_COMM_WORLD, &waiting, MPI_STATUS_IGNORE);
    return waiting;
}

/* Keeps one wait (seconds) for the end-of-run summary; a full list just stops growing. */
static void note_wait(Sweep *sw, double seconds) {
    if (sw->wait_count == sw->wait_capacity) {
        int64_t capacity = sw->wait_capacity ? 2 * sw->wait_capacity : 256;
        double *grown = realloc(sw->waits, sizeof(double) * (size_t)capacity);
        if (!grown) return;
        sw->waits = grown;
        sw->wait_capacity = capacity;
    }
    sw->waits[sw->wait_count++] = seconds;
}

/* Waits for request without spinning: Open MPI's blocking calls busy-poll, which would take a core
 * from the ranks still training (an idle worker waiting for the end, or for rank 0's reply). */
static void wait_napping(MPI_Request *request) {
    int done = 0;
    for (;;) {
        MPI_Test(request, &done, MPI_STATUS_IGNORE);
        if (done) return;
        nap();
    }
}

/* Sends a report (blocking until rank 0 takes it, with naps) and, for results and first
 * requests, waits for the next task number. */
static int64_t worker_exchange(char *buffer, size_t bytes, int wants_reply) {
    MPI_Request request;
    MPI_Isend(buffer, (int)bytes, MPI_BYTE, 0, TAG_REPORT, MPI_COMM_WORLD, &request);
    wait_napping(&request);
    if (!wants_reply) return -1;
    int64_t task = -1;
    MPI_Irecv(&task, 1, MPI_INT64_T, 0, TAG_TASK, MPI_COMM_WORLD, &request);
    wait_napping(&request);
    return task;
}

static int worker_loop(Sweep *sw, Error *err) {
    char *buffer = sw->send_buffer;
    ReportHeader *h = (ReportHeader *)buffer;
    memset(h, 0, sizeof *h);
    h->task = -1;
    h->kind = REPORT_FIRST;
    h->rank = sw->rank;
    int64_t task = worker_exchange(buffer, sizeof *h, 1);
    while (task >= 0) {
        int stop = poll_worker(sw);
        int rc = stop ? SS_INTERRUPTED : run_task(sw, task, buffer, err);
        if (rc != SS_OK) {
            memset(h, 0, sizeof *h);
            h->task = task;
            h->kind = rc == SS_INTERRUPTED ? REPORT_STOPPED : REPORT_FAILED;
            h->rank = sw->rank;
            worker_exchange(buffer, sizeof *h, 0);
            return rc == SS_INTERRUPTED ? SS_OK : rc;
        }
        double sent = ss_now();
        task = worker_exchange(buffer, sw->report_bytes, 1);
        note_wait(sw, ss_now() - sent);
    }
    return SS_OK;
}

/* Every worker's waits to rank 0, which prints their median and max (a collective: every rank
 * calls it once, after its loop). The first request of each worker is left out: it waits for
 * rank 0's set-up (opening the results file), not for its serving. */
static void gather_waits(Sweep *sw) {
    int mine = (int)sw->wait_count;
    int *counts = sw->wait_counts, *displacements = sw->wait_displacements;   /* [size] on rank 0 */
    MPI_Gather(&mine, 1, MPI_INT, counts, 1, MPI_INT, 0, MPI_COMM_WORLD);
    int64_t total = 0;
    for (int r = 0; sw->rank == 0 && r < sw->size; r++) {
        displacements[r] = (int)total;
        total += counts[r];
    }
    double *all = sw->rank == 0 ? malloc(sizeof(double) * (size_t)(total ? total : 1)) : NULL;
    int ok = sw->rank != 0 || all;
    MPI_Bcast(&ok, 1, MPI_INT, 0, MPI_COMM_WORLD);   /* out of memory on rank 0: nobody sends */
    if (ok) MPI_Gatherv(sw->waits, mine, MPI_DOUBLE, all, counts, displacements, MPI_DOUBLE, 0, MPI_COMM_WORLD);
    if (sw->rank == 0 && ok && total > 0) {
        stats_sort(all, total);
        Rank0Load load = {.reports = total, .wait_median = stats_quantile(all, total, 0.5), .wait_max = all[total - 1],
                          .reports_served = sw->reports_served, .serve_seconds = sw->serve_seconds,
                          .idle_polls = sw->idle_polls, .idle_poll_seconds = sw->idle_poll_seconds};
        progress_rank0_load(&sw->progress, &load);
    }
    free(all);
}

/* ---- set-up and agreement ---- */

/* Every rank learns the worst status; the lowest rank holding it is the one to print. */
static int agree(Sweep *sw, int rc, int *report) {
    int worst = rc;
    MPI_Allreduce(&rc, &worst, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    int mine = rc == worst && rc != SS_OK ? sw->rank : sw->size, first = mine;
    MPI_Allreduce(&mine, &first, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
    *report = worst != SS_OK && first == sw->rank;
    return worst;
}

/* The node's rank count comes from MPI; the rule itself is threads_per_rank's. */
static int choose_threads(Sweep *sw, const SweepOptions *options, Error *err) {
    const int local_ranks = node_data_ranks(sw->node_data);
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    if (cores < 1) cores = 1;
    int rc = threads_per_rank(options->threads, getenv("SLURM_CPUS_PER_TASK"), local_ranks, cores, &sw->threads, err);
    if (rc != SS_OK) return rc;
    if (sw->rank == 0 && (long)sw->threads * local_ranks > cores)
        progress_warn_oversubscribed(local_ranks, sw->threads, cores);
    return SS_OK;
}

/* Every rank learns every rank's host, CPU model and BLAS core, and which ranks share its node
 * (collectives, before anything that can fail on one rank only). */
static int gather_hosts(Sweep *sw, Error *err) {
    ResultsHost self;
    hosts_describe_self(&self);
    sw->rank_hosts = calloc((size_t)sw->size, sizeof *sw->rank_hosts);
    int ok = sw->rank_hosts != NULL, all_ok = 0;
    MPI_Allreduce(&ok, &all_ok, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
    if (!all_ok) return error_set(err, SS_ERR_RUNTIME, "out of memory for the host table");
    MPI_Allgather(&self, (int)sizeof self, MPI_BYTE, sw->rank_hosts, (int)sizeof self, MPI_BYTE, MPI_COMM_WORLD);
    /* the node's ranks, once: for the thread count and the node's one copy of the images */
    sw->node_data = node_data_open(self.name);
    ok = sw->node_data != NULL;
    MPI_Allreduce(&ok, &all_ok, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
    if (!all_ok) return error_set(err, SS_ERR_RUNTIME, "out of memory for the node's communicator");
    return SS_OK;
}

/* Every rank learns the worst status of all (collective); the ranks take the message of the first
 * rank that failed that way, so whichever rank reports tells the real reason. */
static int share_worst(Sweep *sw, int rc, Error *err) {
    int worst = rc;
    MPI_Allreduce(&rc, &worst, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    if (worst == SS_OK) return SS_OK;
    int mine = rc == worst ? sw->rank : sw->size, first = mine;
    MPI_Allreduce(&mine, &first, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
    char message[sizeof err->message];
    snprintf(message, sizeof message, "%s", err->message);
    MPI_Bcast(message, (int)sizeof message, MPI_CHAR, first, MPI_COMM_WORLD);
    if (sw->rank != first) error_set(err, worst, "%s", message);
    return worst;
}

/* Collective: every rank's job file and SHA-256 (and with datasets, the digest of each dataset it
 * loaded) to every rank, which refuses alike when they differ: ranks started with other job files
 * (MPMD, a file edited during start-up) or reading other copies of a dataset (a stale node-local
 * copy) would mix two jobs' results in one file. rc: this rank's status so far. */
static int compare_inputs(Sweep *sw, const char *job_path, int rc, int datasets, Error *err) {
    rc = share_worst(sw, rc, err);
    if (rc != SS_OK) return rc;
    RankInputs self, *all = calloc((size_t)sw->size, sizeof *all);
    memset(&self, 0, sizeof self);
    snprintf(self.job_path, sizeof self.job_path, "%s", job_path);
    snprintf(self.job_sha256, sizeof self.job_sha256, "%s", sw->job.sha256);
    self.dataset_count = sw->job.dataset_count;
    int ok = all != NULL;
    for (int d = 0; datasets && ok && d < sw->job.dataset_count; d++) ok = results_dataset_digest(&sw->sets[d], self.dataset_sha256[d]);
    rc = share_worst(sw, ok ? SS_OK : error_set(err, SS_ERR_RUNTIME, "out of memory comparing the ranks' inputs"), err);
    if (rc == SS_OK) {
        MPI_Allgather(&self, (int)sizeof self, MPI_BYTE, all, (int)sizeof self, MPI_BYTE, MPI_COMM_WORLD);
        rc = hosts_check_inputs(&sw->job, all, sw->rank_hosts, sw->size, datasets, err);
    }
    free(all);
    return rc;
}

static int prepare(Sweep *sw, const SweepOptions *options, Error *err) {
    int rc = jobfile_parse(options->job_path, &sw->job, err);
    if (rc == SS_OK && !options->output && !sw->job.output)
        rc = error_set(err, SS_ERR_INPUT, "%s: [sweep] output: missing, and no --out given", options->job_path);
    /* before anything that assumes one job everywhere (the node's collectives over its datasets) */
    rc = compare_inputs(sw, options->job_path, rc, 0, err);
    if (rc != SS_OK) return rc;
    /* before any data is read: every rank sees the same table and job, so all refuse alike */
    rc = hosts_check_blas(options->job_path, sw->rank_hosts, sw->size, sw->job.blas_mixing_allowed, err);
    if (rc != SS_OK) return rc;
    /* the convolution path (SEEDSWEEP_CONV) of every rank: one for the whole file (its conv_path) */
    int path = (int)conv_path_get(), lowest = path, highest = path;
    MPI_Allreduce(&path, &lowest, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
    MPI_Allreduce(&path, &highest, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    if (lowest != highest)
        return error_set(err, SS_ERR_INPUT,
                         "%s: ranks run different convolution paths (SEEDSWEEP_CONV is '%s' on some ranks, '%s' on "
                         "others); results would depend on which rank ran a task: export the same SEEDSWEEP_CONV to "
                         "every rank",
                         options->job_path, conv_path_name((ConvPath)lowest), conv_path_name((ConvPath)highest));
    rc = choose_threads(sw, options, err);
    if (rc != SS_OK) return rc;
    rc = node_data_load(sw->node_data, &sw->job, sw->sets, err);
    if (rc == SS_OK) sw->sets_loaded = 1;
    rc = compare_inputs(sw, options->job_path, rc, 1, err);
    if (rc != SS_OK) return rc;
    job_results_shape(&sw->job, sw->sets, &sw->shape);
    sw->report_bytes = report_size(&sw->shape);
    sw->send_buffer = malloc(sw->report_bytes);
    sw->recv_buffer = malloc(sw->report_bytes);
    sw->worker_finished = calloc((size_t)sw->size, 1);
    sw->wait_counts = calloc((size_t)sw->size, sizeof *sw->wait_counts);
    sw->wait_displacements = calloc((size_t)sw->size, sizeof *sw->wait_displacements);
    if (!sw->send_buffer || !sw->recv_buffer || !sw->worker_finished || !sw->wait_counts || !sw->wait_displacements)
        return error_set(err, SS_ERR_RUNTIME, "out of memory for reports");
    sw->model = model_create(&sw->job.model, sw->job.batch, sw->threads, err);
    if (!sw->model) return err->code ? err->code : SS_ERR_RUNTIME;
    sw->checkpoint_dir = checkpoint_dir(options->output ? options->output : sw->job.output);
    if (!sw->checkpoint_dir) return error_set(err, SS_ERR_RUNTIME, "out of memory");
    rc = blas_reserve(sw->threads, err);   /* before the first task, where OpenBLAS would spin */
    if (rc != SS_OK) return rc;
    sw->runner = (TaskRunner){.job = &sw->job, .sets = sw->sets, .model = sw->model, .threads = sw->threads,
                              .between_batches = sw->rank == 0 ? poll_rank0 : poll_worker, .context = sw,
                              .checkpoint_dir = sw->checkpoint_dir, .rank = sw->rank};
    return SS_OK;
}

static int open_results(Sweep *sw, const SweepOptions *options, Error *err) {
    const char *path = options->output ? options->output : sw->job.output;
    char blas[256];
    snprintf(blas, sizeof blas, "OpenBLAS %s (%s)", blas_core_name(), blas_config());
    ResultsRunInfo info = {.ranks = sw->size, .threads_per_rank = sw->threads, .blas = blas,
                           .version = options->version ? options->version : "?",
                           .conv_path = conv_path_name(conv_path_get())};
    uint8_t *pending = calloc((size_t)sw->shape.task_count, 1);
    sw->queue = malloc(sizeof(int64_t) * (size_t)sw->shape.task_count);
    if (!pending || !sw->queue) {
        free(pending);
        return error_set(err, SS_ERR_RUNTIME, "out of memory for the task plan");
    }
    struct stat st;
    const int fresh = options->restart || stat(path, &st) != 0;
    ResultsMeta meta;
    job_results_meta(&sw->job, sw->sets, &meta);
    int rc = results_open_sweep(path, &sw->shape, &meta, &info, options->restart, &sw->results, pending, err);
    if (rc == SS_OK) {
        /* Checkpoints of a fresh file (--restart, or left from a deleted one) belong to nothing;
         * those of recorded tasks were spent when a crash came between record and removal. */
        checkpoint_prune(sw->checkpoint_dir, fresh ? NULL : pending, sw->shape.task_count);
        ResultsHost *hosts = malloc(sizeof *hosts * (size_t)sw->size);
        if (!hosts) rc = error_set(err, SS_ERR_RUNTIME, "out of memory for the host table");
        else rc = results_record_hosts(sw->results, hosts, hosts_summarize(sw->rank_hosts, sw->size, hosts), err);
        free(hosts);
    }
    if (rc == SS_OK) {
        for (int64_t t = 0; t < sw->shape.task_count; t++)
            if (pending[t]) sw->queue[sw->queue_length++] = t;
        sw->total_pending = sw->queue_length;
        progress_begin(&sw->progress, stdout, options->quiet, &sw->job, path, sw->shape.task_count,
                       sw->queue_length, sw->size, sw->threads);
    }
    free(pending);
    return rc;
}

static void cleanup(Sweep *sw) {
    if (sw->results) results_close(sw->results, NULL);
    model_free(sw->model);
    node_data_free(sw->node_data, sw->sets_loaded ? sw->sets : NULL, sw->job.dataset_count);
    jobfile_free(&sw->job);
    free(sw->checkpoint_dir);
    free(sw->send_buffer);
    free(sw->recv_buffer);
    free(sw->queue);
    free(sw->worker_finished);
    free(sw->wait_counts);
    free(sw->wait_displacements);
    free(sw->waits);
    free(sw->rank_hosts);
}

/* Rank 0 after set-up: serve and train until no task is left or the sweep stops, then settle
 * the status (a failure seen anywhere, or tasks left by a stop signal) and close the file. */
static int rank0_run(Sweep *sw, Error *err) {
    sw->workers_active = sw->size - 1;
    int rc = rank0_loop(sw, err);
    if (rc == SS_OK && sw->failure) {
        *err = sw->failure_err;
        rc = sw->failure;
    }
    int64_t left = sw->total_pending - sw->done_this_run;
    if (rc == SS_OK && left > 0) {
        rc = error_set(err, SS_INTERRUPTED,
                       "interrupted%s: %lld of %lld tasks still pending; run the same command again to resume",
                       stop_signal == SIGTERM ? " by SIGTERM" : stop_signal == SIGUSR1 ? " by SIGUSR1" : "",
                       (long long)left, (long long)sw->shape.task_count);
    }
    progress_end(&sw->progress, sw->size, sw->record_seconds, sw->serve_seconds, sw->reports_served);
    if (rc == SS_OK) checkpoint_prune(sw->checkpoint_dir, NULL, 0);   /* every task recorded: none is left */
    Error close_err = {0};
    ResultsFile *results = sw->results;
    sw->results = NULL;
    if (results_close(results, &close_err) != SS_OK && rc == SS_OK) {
        *err = close_err;
        rc = SS_ERR_RUNTIME;
    }
    return rc;
}

int sweep_run(const SweepOptions *options, Error *err) {
    int report = 0;
    int provided = 0;
    if (MPI_Init_thread(NULL, NULL, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS)
        return error_set(err, SS_ERR_RUNTIME, "MPI_Init_thread failed");
    Sweep *sw = calloc(1, sizeof *sw);
    if (!sw) {
        MPI_Finalize();
        return error_set(err, SS_ERR_RUNTIME, "out of memory");
    }
    MPI_Comm_rank(MPI_COMM_WORLD, &sw->rank);
    MPI_Comm_size(MPI_COMM_WORLD, &sw->size);
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = on_stop_signal;
    sigemptyset(&action.sa_mask);
    sigaction(SIGTERM, &action, NULL);
    sigaction(SIGUSR1, &action, NULL);

    int rc = launch_check(sw->size, err);   /* before anything, the results file above all, is touched */
    if (rc == SS_OK) rc = gather_hosts(sw, err);
    if (rc == SS_OK) rc = prepare(sw, options, err);
    rc = agree(sw, rc, &report);
    if (rc == SS_OK) {
        if (sw->rank == 0) rc = open_results(sw, options, err);
        rc = agree(sw, rc, &report);
    }
    if (rc == SS_OK) {
        stop_is_graceful = 1;
        if (sw->rank == 0) rc = rank0_run(sw, err);
        else if (worker_loop(sw, err) != SS_OK) progress_rank_failed(sw->rank, err);
        gather_waits(sw);
        /* rank 0 decides the status (it saw every worker's failure or stop); all ranks return it */
        MPI_Request request;
        MPI_Ibcast(&rc, 1, MPI_INT, 0, MPI_COMM_WORLD, &request);
        wait_napping(&request);   /* workers done early wait here while rank 0 trains its last task */
        report = sw->rank == 0 && rc != SS_OK;
    }
    if (rc != SS_OK) {
        /* the message goes out before any rank exits: mpirun kills the rest at the first
         * non-zero exit, and the reporting rank may be one of those it kills */
        if (report && options->report_failure) options->report_failure(rc, err);
        MPI_Request request;
        MPI_Ibarrier(MPI_COMM_WORLD, &request);
        wait_napping(&request);
    }
    cleanup(sw);
    free(sw);
    MPI_Finalize();
    return rc;
}
