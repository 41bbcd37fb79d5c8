/* progress.c - the sweep's messages to the user (see progress.h). Lines are flushed at once:
 * under Slurm stdout is a file that users tail. */
#include "seedsweep/progress.h"

#include <math.h>

#include "seedsweep/plan.h"

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

void progress_begin(Progress *p, FILE *out, int quiet, const JobSpec *job, const char *results_path,
                    int64_t task_count, int64_t to_run, int ranks, int threads) {
    *p = (Progress){.out = out, .quiet = quiet, .job = job, .total = to_run, .started = ss_now()};
    fprintf(out, "seedsweep run: %s -> %s: %lld tasks, %lld to run (%lld already done), %d ranks x %d threads\n",
            job->path, results_path, (long long)task_count, (long long)to_run, (long long)(task_count - to_run),
            ranks, threads);
    fflush(out);
}

void progress_start_clock(Progress *p) { p->started = ss_now(); }

void progress_task_done(Progress *p, const TaskResult *r) {
    p->done++;
    p->task_seconds += r->seconds;
    if (p->quiet) return;
    const JobSpec *job = p->job;
    PlanTask plan = plan_task(job, r->task);
    char line[2048];
    int n = snprintf(line, sizeof line, "[%lld/%lld] task %lld train=%s seed=%lld%s acc", (long long)p->done,
                     (long long)p->total, (long long)r->task, job->dataset_names[plan.dataset],
                     (long long)plan.seed, r->status == TASK_DIVERGED ? " DIVERGED" : "");
    for (int d = 0; d < job->dataset_count && n < (int)sizeof line - 80; d++)
        n += snprintf(line + n, sizeof line - n, " %s=%.3f", job->dataset_names[d], r->accuracy[d]);
    double elapsed = ss_now() - p->started;
    double eta = elapsed / p->done * (p->total - p->done);
    char took[32], left[32];
    format_duration(r->seconds, took, sizeof took);
    format_duration(eta, left, sizeof left);
    snprintf(line + n, sizeof line - n, " %s rank %d ETA %s", took, r->rank, left);
    fprintf(p->out, "%s\n", line);
    fflush(p->out);
}

void progress_end(const Progress *p, int ranks, double record_seconds, double serve_seconds,
                  int64_t reports_served) {
    if (p->done <= 0) return;
    double wall = ss_now() - p->started;
    fprintf(p->out,
            "seedsweep run: %lld tasks in %.2f s wall (sum of task times %.2f s, %d ranks); rank 0 overhead: "
            "%.3f ms per task recorded, %.3f ms per report served (recording included)\n",
            (long long)p->done, wall, p->task_seconds, ranks, 1e3 * record_seconds / p->done,
            reports_served ? 1e3 * serve_seconds / reports_served : 0.0);
    fflush(p->out);
}

void progress_rank0_load(const Progress *p, const Rank0Load *load) {
    double busy = load->serve_seconds - load->idle_poll_seconds;
    fprintf(p->out,
            "seedsweep run: workers waited for rank 0's reply: median %.3f ms, max %.3f ms over %lld reports; "
            "rank 0: %.3f ms per report served without its idle polls (%lld polls finding none, %.3f ms)\n",
            1e3 * load->wait_median, 1e3 * load->wait_max, (long long)load->reports,
            load->reports_served ? 1e3 * busy / load->reports_served : 0.0, (long long)load->idle_polls,
            1e3 * load->idle_poll_seconds);
    fflush(p->out);
}

void progress_warn_oversubscribed(int local_ranks, int threads, long cores) {
    fprintf(stderr, "seedsweep run: warning: %d ranks x %d threads on a node with %ld cores (oversubscribed)\n",
            local_ranks, threads, cores);
}

void progress_rank_failed(int rank, const Error *err) {
    fprintf(stderr, "seedsweep: rank %d: %s\n", rank, err->message);
}

void progress_data_shared(const char *host, int leader, int node_ranks, int datasets, size_t bytes) {
    printf("seedsweep run: node %s: images of %d datasets (%.1f MB) read once by rank %d and shared by %d ranks "
           "(MPI shared memory)\n", host, datasets, bytes / 1e6, leader, node_ranks);
    fflush(stdout);
}

void progress_data_not_shared(const char *host, int node_ranks, const char *reason) {
    fprintf(stderr, "seedsweep run: node %s: each of %d ranks holds its own copy of the images: %s\n", host,
            node_ranks, reason);
}

/* Checkpoints: one line per resumed task on stdout (quiet or not: the log must say
 * where a task picked up), refusals and failed saves as warnings on stderr. */
void progress_task_resumed(int rank, int64_t task, const char *path, int evaluating, int epoch, int64_t batch,
                           int epochs) {
    if (evaluating)
        printf("seedsweep run: rank %d: task %lld resumed after training (%d of %d epochs), evaluating, from %s\n",
               rank, (long long)task, epoch, epochs, path);
    else
        printf("seedsweep run: rank %d: task %lld resumed at epoch %d batch %lld from %s\n", rank, (long long)task,
               epoch, (long long)batch, path);
    fflush(stdout);
}

void progress_checkpoint_refused(int rank, int64_t task, const Error *err) {
    fprintf(stderr, "seedsweep run: warning: rank %d: task %lld starts over: checkpoint not trusted: %s\n", rank,
            (long long)task, err->message);
}

void progress_checkpoint_failed(int rank, int64_t task, const Error *err) {
    fprintf(stderr, "seedsweep run: warning: rank %d: task %lld: checkpoint not saved: %s\n", rank, (long long)task,
            err->message);
}
