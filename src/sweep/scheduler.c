/* scheduler.c - dynamic task scheduling over MPI; rank 0 trains too and writes the results file.
 *
 * Protocol (all on MPI_COMM_WORLD):
 *   worker -> 0  TAG_REPORT  a packed TaskResult (task -1 on the first request): "here is my
 *                            result, give me the next task"; or a STOPPED/FAILED notice
 *   0 -> worker  TAG_TASK    int64 next task, -1 = no more work
 *   0 -> worker  TAG_STOP    abort the task in hand (after SIGTERM/SIGUSR1 or a failure)
 * Rank 0 serves reports by non-blocking MPI_Iprobe polling from model_train's between_batches
 * hook and between its own tasks, so it trains on its core like every other rank; a worker waits
 * for a reply at most one of rank 0's mini-batches. Waits poll with short sleeps rather than
 * blocking MPI calls, which Open MPI implements as busy loops that would steal cores from the
 * ranks still training when ranks are oversubscribed. */
#include "seedsweep/scheduler.h"

#include <errno.h>
#include <math.h>
#include <mpi.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "seedsweep/blas.h"
#include "seedsweep/jobfile.h"
#include "seedsweep/model.h"
#include "seedsweep/plan.h"
#include "seedsweep/results.h"

enum { TAG_REPORT = 11, TAG_TASK = 12, TAG_STOP = 13 };
enum { REPORT_RESULT = 0, REPORT_FIRST = 1, REPORT_STOPPED = 2, REPORT_FAILED = 3 };

typedef struct ReportHeader {      /* 32 bytes, so the floats after it stay aligned */
    int64_t task;
    int32_t kind;                  /* REPORT_* */
    int32_t status;                /* TASK_DONE / TASK_DIVERGED */
    int32_t rank;
    int32_t pad;
    double seconds;
} ReportHeader;

static volatile sig_atomic_t stop_signal = 0;
static void on_stop_signal(int signo) { stop_signal = signo; }

typedef struct Sweep {
    int rank, size;
    JobSpec job;
    Dataset sets[JOB_MAX_DATASETS];
    int sets_loaded;
    ResultsShape shape;
    Model *model;
    int threads;
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
    double started;
    double task_seconds_sum;
    int quiet;
    double serve_seconds;          /* rank 0 time spent serving reports, recording included */
    double record_seconds;         /* rank 0 time spent writing results (HDF5 write + flush) */
    int64_t reports_served;
} Sweep;

/* ---- packing ---- */

static size_t report_size(const ResultsShape *s) {
    return sizeof(ReportHeader) +
           sizeof(float) * (size_t)(2 * s->dataset_count + 2 * s->epochs + results_prediction_count(s)) +
           (size_t)s->dataset_count;
}

/* Points r's arrays into a packed report buffer. */
static void report_view(const ResultsShape *s, char *buffer, TaskResult *r) {
    float *f = (float *)(buffer + sizeof(ReportHeader));
    r->accuracy = f;
    f += s->dataset_count;
    r->loss = f;
    f += s->dataset_count;
    r->train_loss = f;
    f += s->epochs;
    r->train_accuracy = f;
    f += s->epochs;
    r->predictions = f;
    f += results_prediction_count(s);
    r->collapsed = (int8_t *)f;
}

/* ---- running one task (any rank) ---- */

static int poll_rank0(void *context);
static int poll_worker(void *context);

/* model_evaluate over slices of ds, polling between slices: evaluating every dataset can take a
 * sizeable share of a task, and rank 0 must keep answering workers meanwhile. Slices are whole
 * multiples of the model's batch, so every forward pass sees the same images as one call would;
 * every rank evaluates the same way, so results stay bit-identical whichever rank ran a task. */
static int evaluate(Sweep *sw, const Dataset *ds, float *probs, EvalResult *result, Error *err) {
    memset(result, 0, sizeof *result);
    const int classes = sw->shape.class_count;
    const int batch = sw->job.batch;
    const int64_t slice = (int64_t)batch * (batch >= 256 ? 1 : (256 + batch - 1) / batch);
    double loss_sum = 0.0;
    for (int64_t start = 0; start < ds->count; start += slice) {
        Dataset view = *ds;
        view.count = ds->count - start < slice ? ds->count - start : slice;
        view.images = dataset_image(ds, start);
        view.labels = ds->labels + start;
        view.names = NULL;
        EvalResult part;
        int rc = model_evaluate(sw->model, &view, probs + start * classes, &part, err);
        if (rc != SS_OK) return rc;
        loss_sum += (double)part.loss * view.count;
        if (start + slice < ds->count && (sw->rank == 0 ? poll_rank0(sw) : poll_worker(sw)))
            return error_set(err, SS_INTERRUPTED, "evaluate: interrupted");
    }
    int64_t correct = 0;
    int first = -1, collapsed = 1;
    for (int64_t i = 0; i < ds->count; i++) {
        const float *p = probs + i * classes;
        int best = 0;   /* first maximum, as model_evaluate */
        for (int c = 1; c < classes; c++)
            if (p[c] > p[best]) best = c;
        correct += best == ds->labels[i];
        if (first < 0) first = best;
        if (best != first) collapsed = 0;
    }
    result->accuracy = (float)((double)correct / ds->count);
    result->loss = (float)(loss_sum / ds->count);
    result->collapsed = collapsed;
    return SS_OK;
}

static int run_task(Sweep *sw, int64_t task, char *buffer, Error *err) {
    const JobSpec *job = &sw->job;
    PlanTask plan = plan_task(job, task);
    TaskResult r;
    report_view(&sw->shape, buffer, &r);
    ReportHeader *h = (ReportHeader *)buffer;
    double t0 = ss_now();
    model_init(sw->model, job->init, plan.init_seed);
    TrainConfig cfg = {.epochs = job->epochs, .batch = job->batch, .lr = job->lr, .beta1 = job->beta1,
                       .beta2 = job->beta2, .eps = job->eps, .threads = sw->threads,
                       .between_batches = sw->rank == 0 ? poll_rank0 : poll_worker, .context = sw};
    for (int e = 0; e < job->epochs; e++) r.train_loss[e] = r.train_accuracy[e] = NAN;
    TrainHistory history = {.loss = r.train_loss, .accuracy = r.train_accuracy};
    int rc = model_train(sw->model, &sw->sets[plan.dataset], &cfg, plan.order_seed, &history, err);
    if (rc != SS_OK) return rc;
    for (int e = history.epochs_done; e < job->epochs; e++) r.train_loss[e] = r.train_accuracy[e] = NAN;
    float *p = r.predictions;
    for (int d = 0; d < job->dataset_count; d++) {
        EvalResult ev = {0};
        rc = evaluate(sw, &sw->sets[d], p, &ev, err);
        if (rc != SS_OK) return rc;
        r.accuracy[d] = ev.accuracy;
        r.loss[d] = ev.loss;
        r.collapsed[d] = (int8_t)ev.collapsed;
        p += sw->sets[d].count * sw->shape.class_count;
    }
    memset(h, 0, sizeof *h);
    h->task = task;
    h->kind = REPORT_RESULT;
    h->status = history.diverged ? TASK_DIVERGED : TASK_DONE;
    h->rank = sw->rank;
    h->seconds = ss_now() - t0;
    return SS_OK;
}

/* ---- rank 0 ---- */

static void format_duration(double seconds, char *out, size_t size) {
    if (!isfinite(seconds) || seconds < 0) {
        snprintf(out, size, "?");
        return;
    }
    long s = (long)(seconds + 0.5);
    if (s >= 3600) snprintf(out, size, "%ldh%02ldm%02lds", s / 3600, s / 60 % 60, s % 60);
    else if (s >= 60) snprintf(out, size, "%ldm%02lds", s / 60, s % 60);
    else snprintf(out, size, seconds < 10 ? "%.2fs" : "%.1fs", seconds);
}

static void record(Sweep *sw, char *buffer) {
    ReportHeader *h = (ReportHeader *)buffer;
    TaskResult r;
    report_view(&sw->shape, buffer, &r);
    r.task = h->task;
    r.status = h->status;
    r.rank = h->rank;
    r.seconds = h->seconds;
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
    sw->task_seconds_sum += h->seconds;
    if (sw->quiet) return;
    const JobSpec *job = &sw->job;
    PlanTask plan = plan_task(job, h->task);
    char line[2048];
    int n = snprintf(line, sizeof line, "[%lld/%lld] task %lld train=%s seed=%lld%s acc", (long long)sw->done_this_run,
                     (long long)sw->total_pending, (long long)h->task, job->dataset_names[plan.dataset],
                     (long long)plan.seed, h->status == TASK_DIVERGED ? " DIVERGED" : "");
    for (int d = 0; d < job->dataset_count && n < (int)sizeof line - 80; d++)
        n += snprintf(line + n, sizeof line - n, " %s=%.3f", job->dataset_names[d], r.accuracy[d]);
    double elapsed = ss_now() - sw->started;
    double eta = elapsed / sw->done_this_run * (sw->total_pending - sw->done_this_run);
    char took[32], left[32];
    format_duration(h->seconds, took, sizeof took);
    format_duration(eta, left, sizeof left);
    snprintf(line + n, sizeof line - n, " %s rank %d ETA %s", took, h->rank, left);
    printf("%s\n", line);
    fflush(stdout);
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
    sw->serve_seconds += ss_now() - t0;
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
    sw->started = ss_now();
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

/* Sends a report (blocking until rank 0 takes it, with naps) and, for results and first
 * requests, waits for the next task number. */
static int64_t worker_exchange(char *buffer, size_t bytes, int wants_reply) {
    MPI_Request request;
    MPI_Isend(buffer, (int)bytes, MPI_BYTE, 0, TAG_REPORT, MPI_COMM_WORLD, &request);
    int done = 0;
    while (!done) {
        MPI_Test(&request, &done, MPI_STATUS_IGNORE);
        if (!done) nap();
    }
    if (!wants_reply) return -1;
    int64_t task = -1;
    MPI_Irecv(&task, 1, MPI_INT64_T, 0, TAG_TASK, MPI_COMM_WORLD, &request);
    done = 0;
    while (!done) {
        MPI_Test(&request, &done, MPI_STATUS_IGNORE);
        if (!done) nap();
    }
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
        task = worker_exchange(buffer, sw->report_bytes, 1);
    }
    return SS_OK;
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

static int choose_threads(Sweep *sw, const SweepOptions *options, Error *err) {
    MPI_Comm node;
    MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, sw->rank, MPI_INFO_NULL, &node);
    int local_ranks = 1;
    MPI_Comm_size(node, &local_ranks);
    MPI_Comm_free(&node);
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    if (cores < 1) cores = 1;
    int threads = options->threads;
    const char *slurm = getenv("SLURM_CPUS_PER_TASK");
    if (threads <= 0 && slurm && *slurm) {
        char *end;
        long v = strtol(slurm, &end, 10);
        if (*end || v < 1 || v > 4096)
            return error_set(err, SS_ERR_INPUT, "SLURM_CPUS_PER_TASK='%s' is not a positive integer", slurm);
        threads = (int)v;
    }
    if (threads <= 0) threads = 1;
    if (options->threads <= 0 && (long)threads * local_ranks > cores) {
        /* default: never more threads than cores on a node */
        int capped = (int)(cores / local_ranks);
        threads = capped < 1 ? 1 : capped;
    }
    if (sw->rank == 0 && (long)threads * local_ranks > cores)
        fprintf(stderr, "seedsweep run: warning: %d ranks x %d threads on a node with %ld cores (oversubscribed)\n",
                local_ranks, threads, cores);
    sw->threads = threads;
    return SS_OK;
}

static int prepare(Sweep *sw, const SweepOptions *options, Error *err) {
    int rc = jobfile_parse(options->job_path, &sw->job, err);
    if (rc != SS_OK) return rc;
    if (!options->output && !sw->job.output)
        return error_set(err, SS_ERR_INPUT, "%s: [sweep] output: missing, and no --out given", options->job_path);
    rc = choose_threads(sw, options, err);
    if (rc != SS_OK) return rc;
    rc = jobfile_load_datasets(&sw->job, sw->sets, err);
    if (rc != SS_OK) return rc;
    sw->sets_loaded = 1;
    results_shape_from_job(&sw->job, sw->sets, &sw->shape);
    sw->report_bytes = report_size(&sw->shape);
    sw->send_buffer = malloc(sw->report_bytes);
    sw->recv_buffer = malloc(sw->report_bytes);
    sw->worker_finished = calloc((size_t)sw->size, 1);
    if (!sw->send_buffer || !sw->recv_buffer || !sw->worker_finished)
        return error_set(err, SS_ERR_RUNTIME, "out of memory for reports");
    sw->model = model_create(&sw->job.model, sw->job.batch, sw->threads, err);
    if (!sw->model) return err->code ? err->code : SS_ERR_RUNTIME;
    return SS_OK;
}

static int open_results(Sweep *sw, const SweepOptions *options, Error *err) {
    const char *path = options->output ? options->output : sw->job.output;
    char blas[256];
    snprintf(blas, sizeof blas, "OpenBLAS %s (%s)", blas_core_name(), blas_config());
    ResultsRunInfo info = {.ranks = sw->size, .threads_per_rank = sw->threads, .blas = blas,
                           .version = options->version ? options->version : "?"};
    uint8_t *pending = calloc((size_t)sw->shape.task_count, 1);
    sw->queue = malloc(sizeof(int64_t) * (size_t)sw->shape.task_count);
    if (!pending || !sw->queue) {
        free(pending);
        return error_set(err, SS_ERR_RUNTIME, "out of memory for the task plan");
    }
    int rc = results_open_sweep(path, &sw->job, sw->sets, &info, options->restart, &sw->results, pending, err);
    if (rc == SS_OK) {
        for (int64_t t = 0; t < sw->shape.task_count; t++)
            if (pending[t]) sw->queue[sw->queue_length++] = t;
        sw->total_pending = sw->queue_length;
        printf("seedsweep run: %s -> %s: %lld tasks, %lld to run (%lld already done), %d ranks x %d threads\n",
                   sw->job.path, path, (long long)sw->shape.task_count, (long long)sw->queue_length,
                   (long long)(sw->shape.task_count - sw->queue_length), sw->size, sw->threads);
        fflush(stdout);
    }
    free(pending);
    return rc;
}

static void cleanup(Sweep *sw) {
    if (sw->results) results_close(sw->results, NULL);
    model_free(sw->model);
    if (sw->sets_loaded)
        for (int d = 0; d < sw->job.dataset_count; d++) dataset_free(&sw->sets[d]);
    jobfile_free(&sw->job);
    free(sw->send_buffer);
    free(sw->recv_buffer);
    free(sw->queue);
    free(sw->worker_finished);
}

int sweep_run(const SweepOptions *options, int *report, Error *err) {
    *report = 0;
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
    sw->quiet = options->quiet;
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = on_stop_signal;
    sigemptyset(&action.sa_mask);
    sigaction(SIGTERM, &action, NULL);
    sigaction(SIGUSR1, &action, NULL);

    int rc = prepare(sw, options, err);
    rc = agree(sw, rc, report);
    if (rc == SS_OK) {
        if (sw->rank == 0) rc = open_results(sw, options, err);
        rc = agree(sw, rc, report);
    }
    if (rc == SS_OK) {
        if (sw->rank == 0) {
            sw->workers_active = sw->size - 1;
            rc = rank0_loop(sw, err);
            if (rc == SS_OK && sw->failure) {
                *err = sw->failure_err;
                rc = sw->failure;
            }
            if (rc == SS_OK) {
                int64_t left = sw->total_pending - sw->done_this_run;
                if (left > 0 || stop_signal) {
                    rc = left > 0 ? SS_INTERRUPTED : SS_OK;
                    if (rc == SS_INTERRUPTED)
                        error_set(err, SS_INTERRUPTED,
                                  "interrupted%s: %lld of %lld tasks still pending; run the same command again to resume",
                                  stop_signal == SIGTERM ? " by SIGTERM" : stop_signal == SIGUSR1 ? " by SIGUSR1" : "",
                                  (long long)left, (long long)sw->shape.task_count);
                }
            }
            if (sw->done_this_run > 0) {
                double wall = ss_now() - sw->started;
                printf("seedsweep run: %lld tasks in %.2f s wall (sum of task times %.2f s, %d ranks); rank 0 "
                       "overhead: %.3f ms per task recorded, %.3f ms per report served (recording included)\n",
                       (long long)sw->done_this_run, wall, sw->task_seconds_sum, sw->size,
                       1e3 * sw->record_seconds / sw->done_this_run,
                       sw->reports_served ? 1e3 * sw->serve_seconds / sw->reports_served : 0.0);
                fflush(stdout);
            }
            Error close_err = {0};
            ResultsFile *results = sw->results;
            sw->results = NULL;
            if (results_close(results, &close_err) != SS_OK && rc == SS_OK) {
                *err = close_err;
                rc = SS_ERR_RUNTIME;
            }
        } else {
            if (worker_loop(sw, err) != SS_OK) fprintf(stderr, "seedsweep: rank %d: %s\n", sw->rank, err->message);
        }
        /* rank 0 decides the status (it saw every worker's failure or stop); all ranks return it */
        MPI_Bcast(&rc, 1, MPI_INT, 0, MPI_COMM_WORLD);
        *report = sw->rank == 0 && rc != SS_OK;
    }
    cleanup(sw);
    free(sw);
    MPI_Finalize();
    return rc;
}
