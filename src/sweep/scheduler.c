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
 * Running one task is task.c's job (no MPI there), the set-up before the first task
 * sweep_setup.c's, the ranks' agreement on job, data and path rank_agree.c's, and every message
 * to the user goes through progress.c: this file is the protocol, and the collectives that
 * bracket the set-up. */
#include "seedsweep/scheduler.h"

#include <mpi.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "seedsweep/hosts.h"
#include "seedsweep/launch.h"
#include "seedsweep/node_data.h"
#include "seedsweep/progress.h"
#include "seedsweep/rank_agree.h"
#include "seedsweep/stats.h"
#include "seedsweep/sweep_setup.h"

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

/* Rank 0 as the server: the results file, the queue, and who still works. */
typedef struct Server {
    SweepQueue queue;              /* the results file and the pending tasks (sweep_setup_results) */
    int64_t queue_next;
    int64_t done_this_run;
    int workers_active;            /* workers not yet told -1 and not stopped */
    uint8_t *worker_finished;      /* [size]: 1 once a worker was told -1 or reported stopping */
    int stopping;                  /* no more tasks handed out */
    int failure;                   /* SS_ERR_RUNTIME seen somewhere */
    Error failure_err;
    Progress progress;
} Server;

/* How the protocol performed, for the closing summary (progress_end, progress_rank0_load). */
typedef struct Timing {
    double serve_seconds;          /* rank 0 time spent serving reports, recording included */
    double record_seconds;         /* rank 0 time spent writing results (HDF5 write + flush) */
    int64_t reports_served;
    int64_t idle_polls;            /* serve() calls that found no report, and their time (in serve_seconds) */
    double idle_poll_seconds;
    /* workers: how long each result report waited for rank 0's reply (send to reply received) */
    double *waits;
    int64_t wait_count, wait_capacity;
    int *wait_counts, *wait_displacements;   /* [size]: rank 0's receive layout for gather_waits */
} Timing;

typedef struct Sweep {
    int rank, size;
    SweepSetup setup;              /* job, datasets, model, runner (sweep_setup.h) */
    NodeData *node_data;           /* the node's ranks and the window of its one copy of the images */
    ResultsHost *rank_hosts;       /* [size]: every rank's host, CPU model and BLAS core (all ranks) */
    size_t report_bytes;
    char *send_buffer, *recv_buffer;
    Server server;                 /* rank 0 only */
    Timing timing;
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
    report_view(&sw->setup.shape, buffer, &r);
    int rc = task_run(&sw->setup.runner, task, &r, err);
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

/* The first failure is the one reported; a later one only keeps the sweep failed. */
static void note_failure(Server *server, int code, const Error *err) {
    if (!server->failure) server->failure_err = *err;
    server->failure = code;
}

static void record(Sweep *sw, char *buffer) {
    ReportHeader *h = (ReportHeader *)buffer;
    TaskResult r;
    report_view(&sw->setup.shape, buffer, &r);
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
    int rc = results_record_task(sw->server.queue.results, &r, &err);
    sw->timing.record_seconds += ss_now() - t0;
    if (rc != SS_OK) {
        note_failure(&sw->server, SS_ERR_RUNTIME, &err);
        sw->server.stopping = 1;
        return;
    }
    sw->server.done_this_run++;
    checkpoint_store_spent(&sw->setup.checkpoints, r.task);   /* recorded: its checkpoint is spent */
    progress_task_done(&sw->server.progress, &r);
}

static int64_t next_task(Sweep *sw) {
    if (sw->server.stopping || stop_signal || sw->server.queue_next >= sw->server.queue.length) return -1;
    return sw->server.queue.tasks[sw->server.queue_next++];
}

/* Tells every worker still working to abort its task (a 4-byte eager send: never blocks). */
static void broadcast_stop(Sweep *sw) {
    int token = 1;
    for (int r = 1; r < sw->size; r++)
        if (!sw->server.worker_finished[r]) MPI_Send(&token, 1, MPI_INT, r, TAG_STOP, MPI_COMM_WORLD);
}

static void worker_finished(Sweep *sw, int rank) {
    if (rank > 0 && rank < sw->size && !sw->server.worker_finished[rank]) {
        sw->server.worker_finished[rank] = 1;
        sw->server.workers_active--;
    }
}

static void begin_stopping(Sweep *sw) {
    if (sw->server.stopping) return;
    sw->server.stopping = 1;
    if (sw->server.workers_active > 0) broadcast_stop(sw);
}

/* One report of bytes bytes from rank source, in recv_buffer: a stop or failure notice ends that
 * worker; a result is recorded and answered, like a first request, with the next task. */
static void answer(Sweep *sw, int source, int bytes) {
    const ReportHeader *h = (const ReportHeader *)sw->recv_buffer;
    Error e = {0};
    if (h->kind == REPORT_STOPPED || h->kind == REPORT_FAILED) {
        worker_finished(sw, source);
        if (h->kind == REPORT_FAILED) {
            error_set(&e, SS_ERR_RUNTIME, "rank %d failed (its message is above)", h->rank);
            note_failure(&sw->server, SS_ERR_RUNTIME, &e);
        }
        begin_stopping(sw);
        return;
    }
    if (h->kind == REPORT_RESULT) {
        if ((size_t)bytes != sw->report_bytes) {
            error_set(&e, SS_ERR_RUNTIME, "rank %d sent a report of %d bytes, expected %zu", source, bytes,
                      sw->report_bytes);
            note_failure(&sw->server, SS_ERR_RUNTIME, &e);
            begin_stopping(sw);
        } else {
            record(sw, sw->recv_buffer);
        }
    }
    int64_t task = next_task(sw);
    MPI_Send(&task, 1, MPI_INT64_T, source, TAG_TASK, MPI_COMM_WORLD);
    if (task < 0) worker_finished(sw, source);
}

/* A report no rank of this sweep can send (shorter than a header, longer than a task's rows): taken
 * off the wire into scratch, so it overruns nothing; the sweep stops as after a failure. */
static void refuse_report(Sweep *sw, int source, int bytes) {
    char *scratch = malloc((size_t)bytes + 1);
    if (!scratch) MPI_Abort(MPI_COMM_WORLD, SS_ERR_RUNTIME);
    MPI_Recv(scratch, bytes, MPI_BYTE, source, TAG_REPORT, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    free(scratch);
    Error e = {0};
    error_set(&e, SS_ERR_RUNTIME, "rank %d sent %d bytes, a report is %zu", source, bytes, sw->report_bytes);
    note_failure(&sw->server, SS_ERR_RUNTIME, &e);
    begin_stopping(sw);
    int64_t none = -1;
    MPI_Send(&none, 1, MPI_INT64_T, source, TAG_TASK, MPI_COMM_WORLD);
    worker_finished(sw, source);
}

/* Answers every report waiting now; never blocks. */
static void serve(Sweep *sw) {
    double t0 = ss_now();
    int64_t served_before = sw->timing.reports_served;
    if (stop_signal) begin_stopping(sw);
    for (;;) {
        int waiting = 0;
        MPI_Status status;
        MPI_Iprobe(MPI_ANY_SOURCE, TAG_REPORT, MPI_COMM_WORLD, &waiting, &status);
        if (!waiting) break;
        int bytes = 0;
        MPI_Get_count(&status, MPI_BYTE, &bytes);
        sw->timing.reports_served++;
        if (bytes < (int)sizeof(ReportHeader) || (size_t)bytes > sw->report_bytes) {
            refuse_report(sw, status.MPI_SOURCE, bytes);
            continue;
        }
        MPI_Recv(sw->recv_buffer, bytes, MPI_BYTE, status.MPI_SOURCE, TAG_REPORT, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        answer(sw, status.MPI_SOURCE, bytes);
    }
    double spent = ss_now() - t0;
    sw->timing.serve_seconds += spent;
    if (sw->timing.reports_served == served_before) {
        sw->timing.idle_polls++;
        sw->timing.idle_poll_seconds += spent;
    }
}

static int poll_rank0(void *context) {
    Sweep *sw = context;
    serve(sw);
    return sw->server.stopping;
}

static void nap(void) {
    struct timespec ts = {0, 200000};   /* 0.2 ms */
    nanosleep(&ts, NULL);
}

static int rank0_loop(Sweep *sw, Error *err) {
    progress_start_clock(&sw->server.progress);
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
                note_failure(&sw->server, rc == SS_ERR_INPUT ? SS_ERR_INPUT : SS_ERR_RUNTIME, &task_err);
                begin_stopping(sw);
            }
            continue;
        }
        if (sw->server.workers_active <= 0) break;
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
    if (sw->timing.wait_count == sw->timing.wait_capacity) {
        int64_t capacity = sw->timing.wait_capacity ? 2 * sw->timing.wait_capacity : 256;
        double *grown = realloc(sw->timing.waits, sizeof(double) * (size_t)capacity);
        if (!grown) return;
        sw->timing.waits = grown;
        sw->timing.wait_capacity = capacity;
    }
    sw->timing.waits[sw->timing.wait_count++] = seconds;
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
    int mine = (int)sw->timing.wait_count;
    int *counts = sw->timing.wait_counts, *displacements = sw->timing.wait_displacements;   /* [size] on rank 0 */
    MPI_Gather(&mine, 1, MPI_INT, counts, 1, MPI_INT, 0, MPI_COMM_WORLD);
    int64_t total = 0;
    for (int r = 0; sw->rank == 0 && r < sw->size; r++) {
        displacements[r] = (int)total;
        total += counts[r];
    }
    double *all = sw->rank == 0 ? malloc(sizeof(double) * (size_t)(total ? total : 1)) : NULL;
    int ok = sw->rank != 0 || all;
    MPI_Bcast(&ok, 1, MPI_INT, 0, MPI_COMM_WORLD);   /* out of memory on rank 0: nobody sends */
    if (ok) MPI_Gatherv(sw->timing.waits, mine, MPI_DOUBLE, all, counts, displacements, MPI_DOUBLE, 0, MPI_COMM_WORLD);
    if (sw->rank == 0 && ok && total > 0) {
        stats_sort(all, total);
        Rank0Load load = {.reports = total, .wait_median = stats_quantile(all, total, 0.5), .wait_max = all[total - 1],
                          .reports_served = sw->timing.reports_served, .serve_seconds = sw->timing.serve_seconds,
                          .idle_polls = sw->timing.idle_polls, .idle_poll_seconds = sw->timing.idle_poll_seconds};
        progress_rank0_load(&sw->server.progress, &load);
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

/* The protocol's buffers: one report each way, and rank 0's per-worker tables. */
static int alloc_buffers(Sweep *sw, Error *err) {
    sw->report_bytes = report_size(&sw->setup.shape);
    sw->send_buffer = malloc(sw->report_bytes);
    sw->recv_buffer = malloc(sw->report_bytes);
    sw->server.worker_finished = calloc((size_t)sw->size, 1);
    sw->timing.wait_counts = calloc((size_t)sw->size, sizeof *sw->timing.wait_counts);
    sw->timing.wait_displacements = calloc((size_t)sw->size, sizeof *sw->timing.wait_displacements);
    if (!sw->send_buffer || !sw->recv_buffer || !sw->server.worker_finished || !sw->timing.wait_counts ||
        !sw->timing.wait_displacements)
        return error_set(err, SS_ERR_RUNTIME, "out of memory for reports");
    return SS_OK;
}

/* Every rank's set-up (sweep_setup.h), with the node's datasets loaded in between. */
static int prepare(Sweep *sw, const SweepOptions *options, Error *err) {
    SweepSetup *s = &sw->setup;
    s->rank = sw->rank;
    s->size = sw->size;
    int rc = sweep_setup_job(s, options, err);
    /* before anything that assumes one job everywhere (the node's collectives over its datasets) */
    rc = rank_agree_inputs(s, options->job_path, sw->rank_hosts, rc, 0, err);
    /* before any data is read: every rank sees the same table and job, so all refuse alike */
    if (rc == SS_OK) rc = hosts_check_blas(options->job_path, sw->rank_hosts, sw->size, s->job.blas_mixing_allowed, err);
    if (rc == SS_OK) rc = rank_agree_conv_path(options->job_path, err);
    if (rc == SS_OK) rc = sweep_setup_threads(s, options, node_data_ranks(sw->node_data), err);
    if (rc != SS_OK) return rc;
    rc = node_data_load(sw->node_data, &s->job, s->sets, err);
    if (rc == SS_OK) s->sets_loaded = 1;
    rc = rank_agree_inputs(s, options->job_path, sw->rank_hosts, rc, 1, err);
    if (rc != SS_OK) return rc;
    rc = sweep_setup_runner(s, sw->rank == 0 ? poll_rank0 : poll_worker, sw, err);
    return rc == SS_OK ? alloc_buffers(sw, err) : rc;
}

static void cleanup(Sweep *sw) {
    node_data_free(sw->node_data, sw->setup.sets_loaded ? sw->setup.sets : NULL, sw->setup.job.dataset_count);
    sweep_setup_free(&sw->setup, &sw->server.queue);
    free(sw->send_buffer);
    free(sw->recv_buffer);
    free(sw->server.worker_finished);
    free(sw->timing.wait_counts);
    free(sw->timing.wait_displacements);
    free(sw->timing.waits);
    free(sw->rank_hosts);
}

/* Rank 0 after set-up: serve and train until no task is left or the sweep stops, then settle
 * the status (a failure seen anywhere, or tasks left by a stop signal) and close the file. */
static int rank0_run(Sweep *sw, Error *err) {
    Server *server = &sw->server;
    server->workers_active = sw->size - 1;
    int rc = rank0_loop(sw, err);
    if (rc == SS_OK && server->failure) {
        *err = server->failure_err;
        rc = server->failure;
    }
    int64_t left = server->queue.length - server->done_this_run;
    if (rc == SS_OK && left > 0) {
        rc = error_set(err, SS_INTERRUPTED,
                       "interrupted%s: %lld of %lld tasks still pending; run the same command again to resume",
                       stop_signal == SIGTERM ? " by SIGTERM" : stop_signal == SIGUSR1 ? " by SIGUSR1" : "",
                       (long long)left, (long long)results_part_task_count(sw->setup.part, sw->setup.shape.task_count));
    }
    progress_end(&server->progress, sw->size, sw->timing.record_seconds, sw->timing.serve_seconds,
                 sw->timing.reports_served);
    if (rc == SS_OK) checkpoint_store_finish(&sw->setup.checkpoints);   /* every task recorded: none is left */
    Error close_err = {0};
    ResultsFile *results = server->queue.results;
    server->queue.results = NULL;
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
        if (sw->rank == 0)
            rc = sweep_setup_results(&sw->setup, options, sw->rank_hosts, &sw->server.queue, &sw->server.progress, err);
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
