/* report.c - `seedsweep report`: reads a results file (finished or still running), computes
 * per-(training, test) accuracy summaries, Mann-Whitney U tests between training datasets on
 * their pooled test accuracies, and the test images most often misclassified across runs, into
 * one ReportStats; then renders it as text, CSV or JSON. */
#include "seedsweep/jobfile.h"
#include "seedsweep/model.h"
#include "seedsweep/plan.h"
#include "seedsweep/report.h"
#include "seedsweep/text_escape.h"
#include "seedsweep/report_collapse.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- computing ---- */

/* Task counts by status, and the training datasets in plan order with their pending tasks. */
static void count_tasks(const ResultsData *data, ReportStats *stats) {
    const int D = data->shape.dataset_count;
    const int64_t T = data->shape.task_count;
    stats->task_count = T;
    for (int64_t t = 0; t < T; t++) {
        if (data->task_status[t] == TASK_PENDING) stats->pending++;
        else if (data->task_status[t] == TASK_DIVERGED) stats->diverged++;
        else stats->done++;
    }
    for (int64_t t = 0; t < T; t++) {
        int d = data->task_train_dataset[t], seen = 0;
        for (int i = 0; i < stats->training_count; i++) seen |= stats->trainings[i].dataset == d;
        if (!seen && d >= 0 && d < D) stats->trainings[stats->training_count++].dataset = d;
    }
    for (int i = 0; i < stats->training_count; i++)
        for (int64_t t = 0; t < T; t++)
            if (data->task_train_dataset[t] == stats->trainings[i].dataset) {
                if (data->task_status[t] == TASK_PENDING) stats->trainings[i].pending++;
                if (data->task_status[t] == TASK_DIVERGED) stats->trainings[i].diverged++;
            }
}

/* A run that counts in the statistics: finished, and not diverged (a NaN loss leaves NaN outputs,
 * whose argmax is class 0: an accuracy and a "collapse" that are artefacts, shown apart). */
static int counts_in_statistics(const ResultsData *data, int64_t t) { return data->task_status[t] == TASK_DONE; }

/* Whether task t's accuracy on dataset d counts: a number (NaN: not evaluated, or no loss). */
static int has_accuracy(const ResultsData *data, int64_t t, int d) {
    const int D = data->shape.dataset_count;
    return !isnan(data->accuracy[t * D + d]) && !isnan(data->loss[t * D + d]);
}

/* collapsed_runs / runs, NaN without runs. */
static double collapsed_rate(const ReportTraining *tr) { return tr->runs ? (double)tr->collapsed_runs / tr->runs : NAN; }

/* The accuracies of one cell into values (unsorted); returns how many. */
static int gather_pair(const ResultsData *data, ReportPair *p, double *values) {
    const int D = data->shape.dataset_count;
    int n = 0;
    for (int64_t t = 0; t < data->shape.task_count; t++) {
        if (!counts_in_statistics(data, t) || data->task_train_dataset[t] != p->train) continue;
        for (int d = 0; d < D; d++) {
            if (p->test >= 0 ? d != p->test : d == p->train) continue;
            if (!has_accuracy(data, t, d)) continue;
            values[n++] = data->accuracy[t * D + d];
            if (data->collapsed[t * D + d] == 1) p->collapsed++;
        }
    }
    return n;
}

/* Each training dataset's runs: the collapse rate and the pooled median, with intervals (report.h). */
static int summarize_runs(const ResultsData *data, ReportStats *stats, Error *err) {
    const int D = data->shape.dataset_count;
    const int64_t T = data->shape.task_count;
    double *values = malloc(sizeof(double) * (size_t)(T * D + 1));
    int64_t *offsets = malloc(sizeof(int64_t) * (size_t)(T + 1));
    double *scratch = malloc(sizeof(double) * (size_t)(T * D + STATS_BOOTSTRAP_B + 1));
    int rc = values && offsets && scratch ? SS_OK : error_set(err, SS_ERR_RUNTIME, "out of memory");
    for (int i = 0; rc == SS_OK && i < stats->training_count; i++) {
        ReportTraining *tr = &stats->trainings[i];
        int64_t runs = 0, n = 0;
        offsets[0] = 0;
        for (int64_t t = 0; t < T; t++) {
            if (!counts_in_statistics(data, t) || data->task_train_dataset[t] != tr->dataset) continue;
            int collapsed_everywhere = 1, tested = 0;
            for (int d = 0; d < D; d++) {
                if (d == tr->dataset || !has_accuracy(data, t, d)) continue;
                values[n++] = data->accuracy[t * D + d];
                tested = 1;
                collapsed_everywhere &= data->collapsed[t * D + d] == 1;
            }
            if (!tested) continue;
            tr->collapsed_runs += collapsed_everywhere;
            offsets[++runs] = n;
        }
        tr->runs = (int)runs;
        stats_binomial_ci(tr->collapsed_runs, runs, REPORT_CI_LEVEL, &tr->collapsed_low, &tr->collapsed_high);
        stats_cluster_bootstrap_median_ci(values, offsets, runs, STATS_BOOTSTRAP_B, STATS_BOOTSTRAP_SEED, REPORT_CI_LEVEL,
                                          scratch, &tr->median_low, &tr->median_high);
        tr->median = n ? stats_median(values, n) : NAN;   /* sorts: after the bootstrap */
    }
    free(values);
    free(offsets);
    free(scratch);
    return rc;
}

/* Every cell's summary, then a rank test between every two trainings' pooled accuracies. */
static int summarize_accuracy(const ResultsData *data, ReportStats *stats, Error *err) {
    const int D = data->shape.dataset_count, count = stats->training_count;
    const size_t capacity = (size_t)(data->shape.task_count * D + 1);
    int rc = SS_OK;
    stats->pairs = calloc((size_t)count * (D + 1), sizeof *stats->pairs);
    stats->rank_tests = calloc((size_t)count * count / 2 + 1, sizeof *stats->rank_tests);
    double *values = malloc(sizeof(double) * capacity);
    double **pooled = calloc((size_t)count, sizeof *pooled);
    int *pooled_n = calloc((size_t)count, sizeof *pooled_n);
    if (!stats->pairs || !stats->rank_tests || !values || !pooled || !pooled_n) {
        rc = error_set(err, SS_ERR_RUNTIME, "out of memory");
        goto done;
    }
    for (int i = 0; i < count; i++) {
        pooled[i] = malloc(sizeof(double) * capacity);
        if (!pooled[i]) {
            rc = error_set(err, SS_ERR_RUNTIME, "out of memory");
            goto done;
        }
        for (int test = -1; test < D; test++) {
            ReportPair *p = &stats->pairs[stats->pair_count++];
            p->training = i;
            p->train = stats->trainings[i].dataset;
            p->test = test;
            int n = gather_pair(data, p, values);
            if (test < 0) {   /* keep the pooled values before stats_summary sorts them */
                memcpy(pooled[i], values, sizeof(double) * (size_t)n);
                pooled_n[i] = n;
            }
            stats_summary(values, n, &p->accuracy);
        }
    }
    for (int i = 0; i < count; i++)
        for (int j = i + 1; j < count; j++) {
            ReportRankTest *r = &stats->rank_tests[stats->rank_test_count++];
            r->a = stats->trainings[i].dataset;
            r->b = stats->trainings[j].dataset;
            r->na = pooled_n[i];
            r->nb = pooled_n[j];
            r->p = stats_mann_whitney(pooled[i], pooled_n[i], pooled[j], pooled_n[j], &r->u, &r->z);
        }
done:
    if (pooled)
        for (int i = 0; i < count; i++) free(pooled[i]);
    free(pooled);
    free(pooled_n);
    free(values);
    return rc;
}

static int compare_misclassified(const void *x, const void *y) {
    const ReportImage *a = x, *b = y;
    double ra = a->runs ? (double)a->wrong / a->runs : 0, rb = b->runs ? (double)b->wrong / b->runs : 0;
    if (ra != rb) return ra < rb ? 1 : -1;
    if (a->wrong != b->wrong) return a->wrong < b->wrong ? 1 : -1;
    if (a->dataset != b->dataset) return a->dataset - b->dataset;
    return (a->image > b->image) - (a->image < b->image);
}

/* Misclassification counts of every test image over the runs where its dataset was a test set
 * (finished runs, rows not NaN); the top REPORT_TOP_MISCLASSIFIED that were wrong at least once. */
static int find_misclassified(const ResultsData *data, ReportStats *stats, Error *err) {
    const ResultsShape *s = &data->shape;
    const int D = s->dataset_count, C = s->class_count;
    const int64_t T = s->task_count;
    int64_t image_total = 0;
    for (int d = 0; d < D; d++) image_total += s->image_count[d];
    ReportImage *wrong = calloc((size_t)(image_total ? image_total : 1), sizeof *wrong);
    if (!wrong) return error_set(err, SS_ERR_RUNTIME, "out of memory");
    int64_t w = 0;
    for (int d = 0; d < D; d++) {
        const float *pred = data->predictions[d];
        const int64_t N = s->image_count[d];
        for (int64_t i = 0; i < N; i++) {
            ReportImage *m = &wrong[w + i];
            m->dataset = d;
            m->image = i;
            m->label = data->labels[d][i];
        }
        for (int64_t t = 0; t < T; t++) {
            if (!counts_in_statistics(data, t) || data->task_train_dataset[t] == d) continue;
            for (int64_t i = 0; i < N; i++) {
                const float *p = pred + (t * N + i) * C;
                if (isnan(p[0])) continue;
                wrong[w + i].runs++;
                wrong[w + i].wrong += model_predicted_class(p, C) != data->labels[d][i];
            }
        }
        w += N;
    }
    qsort(wrong, (size_t)image_total, sizeof *wrong, compare_misclassified);
    int top = 0;
    while (top < REPORT_TOP_MISCLASSIFIED && top < image_total && wrong[top].wrong > 0) top++;
    memcpy(stats->misclassified, wrong, sizeof *wrong * (size_t)top);
    stats->misclassified_count = top;
    free(wrong);
    return SS_OK;
}

/* Each task's group and grid point, recomputed from the job text the file stores (the plan is a
 * pure function of it); a file whose job does not parse (or does not match) counts as one group
 * and one grid point. Fills the stats' group names and grid labels. */
static int plan_design(const ResultsData *data, ReportStats *stats, int32_t *group, int32_t *grid, Error *err) {
    const int64_t T = data->shape.task_count;
    JobSpec job;
    Error ignored = {0};
    int parsed = data->job && jobfile_parse_text(data->job, "job", &job, &ignored) == SS_OK;
    if (parsed && plan_task_count(&job) != T) {
        jobfile_free(&job);
        parsed = 0;
    }
    stats->group_count = parsed ? jobfile_group_count(&job) : 1;
    stats->grid_count = parsed ? jobfile_grid_point_count(&job) : 1;
    for (int g = 0; g < stats->group_count; g++)
        snprintf(stats->group_names[g], sizeof stats->group_names[g], "%s", parsed ? jobfile_group_name(&job, g) : "all tasks");
    stats->grid_labels = calloc((size_t)stats->grid_count, sizeof *stats->grid_labels);
    int rc = stats->grid_labels ? SS_OK : error_set(err, SS_ERR_RUNTIME, "out of memory");
    for (int g = 0; g < stats->grid_count && rc == SS_OK; g++) {
        char label[256] = "";
        for (int k = 0; parsed && k < job.grid_key_count; k++)
            snprintf(label + strlen(label), sizeof label - strlen(label), "%s%s=%g", k ? " " : "",
                     train_key_name(job.grid_keys[k]), jobfile_grid_value(&job, g, k));
        stats->grid_labels[g] = strdup(label);
        if (!stats->grid_labels[g]) rc = error_set(err, SS_ERR_RUNTIME, "out of memory");
    }
    for (int64_t t = 0; t < T; t++) {
        PlanTask plan = parsed ? plan_task(&job, t) : (PlanTask){.group = 0, .grid = 0};
        group[t] = plan.group;
        grid[t] = plan.grid;
    }
    if (parsed) jobfile_free(&job);
    return rc;
}

/* The finished, non-NaN accuracies on test of the tasks of one (grid point, training, group). */
static int gather_spread(const ResultsData *data, const int32_t *group, const int32_t *grid, int g, int train, int k,
                         int test, double *values) {
    const int D = data->shape.dataset_count;
    int n = 0;
    for (int64_t t = 0; t < data->shape.task_count; t++) {
        if (data->task_status[t] == TASK_PENDING || data->task_train_dataset[t] != train || group[t] != k || grid[t] != g)
            continue;
        double a = data->accuracy[t * D + test];
        if (!isnan(a)) values[n++] = a;
    }
    return n;
}

/* The spread table: per grid point, training dataset, test dataset (not the training one) and
 * group, the median, std and IQR with bootstrap intervals, and the group's share of the "all"
 * group's variance. */
static int compute_spreads(const ResultsData *data, ReportStats *stats, Error *err) {
    const int D = data->shape.dataset_count;
    const int64_t T = data->shape.task_count;
    const int B = STATS_BOOTSTRAP_B;
    int32_t *group = malloc(sizeof(int32_t) * (size_t)(T + 1)), *grid = malloc(sizeof(int32_t) * (size_t)(T + 1));
    double *values = malloc(sizeof(double) * (size_t)(T + 1)), *all = malloc(sizeof(double) * (size_t)(T + 1));
    double *copy = malloc(sizeof(double) * (size_t)(T + 1));
    double *scratch = malloc(sizeof(double) * (size_t)(2 * T + B + 1));
    int rc = group && grid && values && all && copy && scratch ? SS_OK : error_set(err, SS_ERR_RUNTIME, "out of memory");
    if (rc == SS_OK) rc = plan_design(data, stats, group, grid, err);
    if (rc == SS_OK) {
        stats->spreads = calloc((size_t)stats->grid_count * stats->training_count * D * stats->group_count + 1,
                                sizeof *stats->spreads);
        if (!stats->spreads) rc = error_set(err, SS_ERR_RUNTIME, "out of memory");
    }
    int all_group = -1;   /* the group whose tasks vary every source, the variance shares' denominator */
    for (int k = 0; rc == SS_OK && k < stats->group_count; k++)
        if (!strcmp(stats->group_names[k], "all") && stats->group_count > 1) all_group = k;
    for (int g = 0; rc == SS_OK && g < stats->grid_count; g++)
        for (int i = 0; i < stats->training_count; i++)
            for (int test = 0; test < D; test++) {
                const int train = stats->trainings[i].dataset;
                if (test == train) continue;
                int n_all = all_group < 0 ? 0 : gather_spread(data, group, grid, g, train, all_group, test, all);
                double var_all = stats_variance(all, n_all);
                for (int k = 0; k < stats->group_count; k++) {
                    ReportSpread *r = &stats->spreads[stats->spread_count++];
                    *r = (ReportSpread){.grid = g, .training = i, .group = k, .test = test};
                    r->n = gather_spread(data, group, grid, g, train, k, test, values);
                    memcpy(copy, values, sizeof(double) * (size_t)r->n);
                    r->median = stats_statistic(STAT_MEDIAN, copy, r->n);
                    r->std = stats_std(values, r->n);
                    memcpy(copy, values, sizeof(double) * (size_t)r->n);
                    r->iqr = stats_iqr(copy, r->n);
                    const uint64_t seed = STATS_BOOTSTRAP_SEED;
                    stats_bootstrap_ci(STAT_MEDIAN, values, r->n, B, seed, REPORT_CI_LEVEL, scratch, &r->median_low,
                                       &r->median_high);
                    stats_bootstrap_ci(STAT_STD, values, r->n, B, seed, REPORT_CI_LEVEL, scratch, &r->std_low, &r->std_high);
                    stats_bootstrap_ci(STAT_IQR, values, r->n, B, seed, REPORT_CI_LEVEL, scratch, &r->iqr_low, &r->iqr_high);
                    r->share = r->share_low = r->share_high = NAN;
                    if (k == all_group) r->share = n_all >= 2 && var_all > 0 ? 1.0 : NAN;
                    else if (all_group >= 0 && r->n >= 2 && n_all >= 2 && var_all > 0) {
                        r->share = stats_variance(values, r->n) / var_all;
                        stats_bootstrap_variance_ratio_ci(values, r->n, all, n_all, B, seed, REPORT_CI_LEVEL, scratch,
                                                          &r->share_low, &r->share_high);
                    }
                }
            }
    free(group);
    free(grid);
    free(values);
    free(all);
    free(copy);
    free(scratch);
    return rc;
}

int report_compute(const ResultsData *data, ReportStats *stats, Error *err) {
    memset(stats, 0, sizeof *stats);
    count_tasks(data, stats);
    int rc = summarize_accuracy(data, stats, err);
    if (rc == SS_OK) rc = summarize_runs(data, stats, err);
    if (rc == SS_OK) rc = find_misclassified(data, stats, err);
    if (rc == SS_OK) rc = compute_spreads(data, stats, err);
    if (rc == SS_OK && data->task_host) {
        stats->hosts = calloc(RESULTS_MAX_HOSTS, sizeof *stats->hosts);
        if (!stats->hosts) rc = error_set(err, SS_ERR_RUNTIME, "out of memory");
        else stats->host_count = results_host_task_counts(data, stats->hosts, RESULTS_MAX_HOSTS);
    }
    if (rc != SS_OK) report_stats_free(stats);
    return rc;
}

void report_stats_free(ReportStats *stats) {
    free(stats->pairs);
    free(stats->rank_tests);
    for (int g = 0; stats->grid_labels && g < stats->grid_count; g++) free(stats->grid_labels[g]);
    free(stats->grid_labels);
    free(stats->spreads);
    stats->grid_labels = NULL;
    stats->spreads = NULL;
    stats->spread_count = 0;
    free(stats->hosts);
    stats->hosts = NULL;
    stats->host_count = 0;
    stats->pairs = NULL;
    stats->rank_tests = NULL;
    stats->pair_count = stats->rank_test_count = 0;
}

/* ---- rendering ---- */

/* A file with groups or a grid: its spread table is rendered in text and CSV too (a plain file's
 * text and CSV stay as they were; its JSON carries the one-group table). */
static int has_design(const ReportStats *stats) { return stats->group_count > 1 || stats->grid_count > 1; }

static void render_spread_csv(const ReportStats *stats, char *const *names, FILE *out) {
    fprintf(out, "\ngrid,train,test,group,n,median,median_low,median_high,std,std_low,std_high,iqr,iqr_low,iqr_high,"
                 "variance_share,variance_share_low,variance_share_high\n");
    for (int i = 0; i < stats->spread_count; i++) {
        const ReportSpread *r = &stats->spreads[i];
        fprintf(out, "%s,%s,%s,%s,%d,%.6g,%.6g,%.6g,%.6g,%.6g,%.6g,%.6g,%.6g,%.6g,%.6g,%.6g,%.6g\n",
                stats->grid_labels[r->grid], names[stats->trainings[r->training].dataset], names[r->test],
                stats->group_names[r->group], r->n, r->median, r->median_low, r->median_high, r->std, r->std_low,
                r->std_high, r->iqr, r->iqr_low, r->iqr_high, r->share, r->share_low, r->share_high);
    }
}

/* The per-run table as its own CSV block (after the collapse block, so older readers of the
 * blocks before it see them where they were). */
static void render_runs_csv(const ReportStats *stats, char *const *names, FILE *out) {
    fprintf(out, "\ntrain,runs,median_pooled_test,median_low,median_high,collapsed_runs,collapsed_rate,collapsed_low,"
                 "collapsed_high\n");
    for (int i = 0; i < stats->training_count; i++) {
        const ReportTraining *tr = &stats->trainings[i];
        fprintf(out, "%s,%d,%.6g,%.6g,%.6g,%d,%.6g,%.6g,%.6g\n", names[tr->dataset], tr->runs, tr->median, tr->median_low,
                tr->median_high, tr->collapsed_runs, collapsed_rate(tr),
                tr->collapsed_low, tr->collapsed_high);
    }
}

static void render_csv(const ReportStats *stats, char *const *names, FILE *out) {
    fprintf(out, "train,test,n,median,q1,q3,min,max,mean,collapsed,pending_tasks\n");
    for (int i = 0; i < stats->pair_count; i++) {
        const ReportPair *p = &stats->pairs[i];
        const Summary *m = &p->accuracy;
        fprintf(out, "%s,%s,%d,%.6g,%.6g,%.6g,%.6g,%.6g,%.6g,%d,%lld\n", names[p->train],
                p->test < 0 ? "(pooled test)" : names[p->test], m->n, m->median, m->q1, m->q3, m->min, m->max, m->mean,
                p->collapsed, (long long)stats->trainings[p->training].pending);
    }
    if (has_design(stats)) render_spread_csv(stats, names, out);
}

static void json_string(FILE *out, const char *s) { text_escape_json(out, s); }   /* valid UTF-8, controls escaped */

static void json_number(FILE *out, double v) {
    if (isfinite(v)) fprintf(out, "%.6g", v);
    else fprintf(out, "null");
}

/* `, "key": value` for a number that may be NaN (null). */
static void json_field(FILE *out, const char *key, double v) {
    fprintf(out, ", \"%s\": ", key);
    json_number(out, v);
}

static void render_json(const ReportStats *stats, const ResultsData *data, const char *path, FILE *out) {
    char *const *names = data->dataset_names;
    fprintf(out, "{\n  \"file\": ");
    json_string(out, path);
    fprintf(out, ",\n  \"tasks\": {\"total\": %lld, \"done\": %lld, \"diverged\": %lld, \"pending\": %lld},\n",
            (long long)stats->task_count, (long long)stats->done, (long long)stats->diverged,
            (long long)stats->pending);
    fprintf(out, "  \"tasks_by_host\": {");
    for (int h = 0; h < stats->host_count; h++) {
        fprintf(out, "%s", h ? ", " : "");
        json_string(out, stats->hosts[h].name);
        fprintf(out, ": %lld", (long long)stats->hosts[h].tasks);
    }
    fprintf(out, "},\n  \"accuracy\": [\n");
    for (int i = 0; i < stats->pair_count; i++) {
        const ReportPair *p = &stats->pairs[i];
        const Summary *m = &p->accuracy;
        fprintf(out, "    {\"train\": ");
        json_string(out, names[p->train]);
        fprintf(out, ", \"test\": ");
        if (p->test < 0) fprintf(out, "null, \"pooled_test\": true");
        else json_string(out, names[p->test]), fprintf(out, ", \"pooled_test\": false");
        fprintf(out, ", \"n\": %d", m->n);
        json_field(out, "median", m->median);
        json_field(out, "q1", m->q1);
        json_field(out, "q3", m->q3);
        json_field(out, "min", m->min);
        json_field(out, "max", m->max);
        json_field(out, "mean", m->mean);
        fprintf(out, ", \"collapsed\": %d, \"diverged_runs\": %lld}%s\n", p->collapsed,
                (long long)stats->trainings[p->training].diverged, i + 1 < stats->pair_count ? "," : "");
    }
    fprintf(out, "  ],\n  \"runs\": [\n");
    for (int i = 0; i < stats->training_count; i++) {
        const ReportTraining *tr = &stats->trainings[i];
        fprintf(out, "    {\"train\": ");
        json_string(out, names[tr->dataset]);
        fprintf(out, ", \"runs\": %d", tr->runs);
        json_field(out, "median_pooled_test", tr->median);
        json_field(out, "median_low", tr->median_low);
        json_field(out, "median_high", tr->median_high);
        fprintf(out, ", \"collapsed_runs\": %d", tr->collapsed_runs);
        json_field(out, "collapsed_rate", collapsed_rate(tr));
        json_field(out, "collapsed_low", tr->collapsed_low);
        json_field(out, "collapsed_high", tr->collapsed_high);
        fprintf(out, "}%s\n", i + 1 < stats->training_count ? "," : "");
    }
    fprintf(out, "  ],\n  \"mann_whitney\": [\n");
    for (int i = 0; i < stats->rank_test_count; i++) {
        const ReportRankTest *r = &stats->rank_tests[i];
        fprintf(out, "    {\"a\": ");
        json_string(out, names[r->a]);
        fprintf(out, ", \"b\": ");
        json_string(out, names[r->b]);
        fprintf(out, ", \"n_a\": %d, \"n_b\": %d", r->na, r->nb);
        json_field(out, "u", r->u);
        json_field(out, "z", r->z);
        json_field(out, "p", r->p);
        fprintf(out, "}%s\n", i + 1 < stats->rank_test_count ? "," : "");
    }
    fprintf(out, "  ],\n  \"groups\": [");
    for (int k = 0; k < stats->group_count; k++) {
        if (k) fprintf(out, ", ");
        json_string(out, stats->group_names[k]);
    }
    fprintf(out, "],\n  \"grid\": [");
    for (int g = 0; g < stats->grid_count; g++) {
        if (g) fprintf(out, ", ");
        json_string(out, stats->grid_labels[g]);
    }
    fprintf(out, "],\n  \"spread\": [\n");
    for (int i = 0; i < stats->spread_count; i++) {
        const ReportSpread *r = &stats->spreads[i];
        fprintf(out, "    {\"grid\": %d, \"grid_label\": ", r->grid);
        json_string(out, stats->grid_labels[r->grid]);
        fprintf(out, ", \"train\": ");
        json_string(out, names[stats->trainings[r->training].dataset]);
        fprintf(out, ", \"test\": ");
        json_string(out, names[r->test]);
        fprintf(out, ", \"group\": ");
        json_string(out, stats->group_names[r->group]);
        fprintf(out, ", \"n\": %d", r->n);
        const char *keys[] = {"median", "median_low", "median_high", "std", "std_low", "std_high", "iqr", "iqr_low",
                              "iqr_high", "variance_share", "variance_share_low", "variance_share_high"};
        const double v[] = {r->median, r->median_low, r->median_high, r->std, r->std_low, r->std_high,
                            r->iqr, r->iqr_low, r->iqr_high, r->share, r->share_low, r->share_high};
        for (int j = 0; j < 12; j++) json_field(out, keys[j], v[j]);
        fprintf(out, "}%s\n", i + 1 < stats->spread_count ? "," : "");
    }
    fprintf(out, "  ],\n  \"most_misclassified\": [\n");
    for (int i = 0; i < stats->misclassified_count; i++) {
        const ReportImage *m = &stats->misclassified[i];
        fprintf(out, "    {\"dataset\": ");
        json_string(out, names[m->dataset]);
        fprintf(out, ", \"image\": %lld, \"label\": ", (long long)m->image);
        json_string(out, data->class_names[m->label]);
        if (data->image_names[m->dataset]) {
            fprintf(out, ", \"name\": ");
            json_string(out, data->image_names[m->dataset][m->image]);
        }
        fprintf(out, ", \"wrong\": %d, \"runs\": %d}%s\n", m->wrong, m->runs,
                i + 1 < stats->misclassified_count ? "," : "");
    }
    fprintf(out, "  ]");
    report_collapse_json(data, out);
    fprintf(out, "\n}\n");
}

/* "0.8480 [0.8440, 0.8510]", or "-" for NaN parts. */
static void format_interval(char *out, size_t size, double v, double low, double high) {
    if (!isfinite(v)) snprintf(out, size, "-");
    else if (!isfinite(low)) snprintf(out, size, "%.4f", v);
    else snprintf(out, size, "%.4f [%.4f, %.4f]", v, low, high);
}

static void render_spread_text(const ReportStats *stats, char *const *names, FILE *out) {
    fprintf(out, "\nSpread of test accuracy by source of randomness (group: the source its seeds vary; all: every\n"
                 "source). [low, high]: %.0f%% percentile bootstrap intervals, B = %d, seed %d. share: the group's\n"
                 "variance over the variance of group 'all'.\n",
            REPORT_CI_LEVEL * 100, STATS_BOOTSTRAP_B, STATS_BOOTSTRAP_SEED);
    int grid = stats->grid_count > 1;
    if (grid) fprintf(out, "%-22s ", "grid");
    fprintf(out, "%-10s %-10s %-7s %4s %-25s %-25s %-25s %s\n", "train", "test", "group", "n", "median", "std", "IQR",
            "share of variance");
    for (int i = 0; i < stats->spread_count; i++) {
        const ReportSpread *r = &stats->spreads[i];
        char median[64], std[64], iqr[64], share[64];
        format_interval(median, sizeof median, r->median, r->median_low, r->median_high);
        format_interval(std, sizeof std, r->std, r->std_low, r->std_high);
        format_interval(iqr, sizeof iqr, r->iqr, r->iqr_low, r->iqr_high);
        format_interval(share, sizeof share, r->share, r->share_low, r->share_high);
        if (grid) fprintf(out, "%-22s ", stats->grid_labels[r->grid]);
        fprintf(out, "%-10s %-10s %-7s %4d %-25s %-25s %-25s %s\n", names[stats->trainings[r->training].dataset],
                names[r->test], stats->group_names[r->group], r->n, median, std, iqr, share);
    }
}

static void render_runs_text(const ReportStats *stats, char *const *names, FILE *out) {
    fprintf(out, "\nPer run (95%% intervals: median by a bootstrap over runs, %d resamples; collapse rate exact,\n"
                 "Clopper-Pearson; collapsed = one class predicted for every image of every other dataset)\n",
            STATS_BOOTSTRAP_B);
    fprintf(out, "%-12s %5s %8s %17s %10s %7s %17s\n", "train", "runs", "median", "95% CI", "collapsed", "rate", "95% CI");
    for (int i = 0; i < stats->training_count; i++) {
        const ReportTraining *tr = &stats->trainings[i];
        char median_ci[40] = "-", rate_ci[40] = "-";
        if (isfinite(tr->median_low)) snprintf(median_ci, sizeof median_ci, "[%.4f, %.4f]", tr->median_low, tr->median_high);
        if (isfinite(tr->collapsed_low))
            snprintf(rate_ci, sizeof rate_ci, "[%.2f, %.2f]", tr->collapsed_low, tr->collapsed_high);
        fprintf(out, "%-12s %5d %8.4f %17s %10d %7.2f %17s\n", names[tr->dataset], tr->runs, tr->median, median_ci,
                tr->collapsed_runs, collapsed_rate(tr), rate_ci);
    }
}

static void render_text(const ReportStats *stats, const ResultsData *data, const char *path, FILE *out) {
    char *const *names = data->dataset_names;
    fprintf(out, "%s: %lld tasks: %lld done, %lld diverged, %lld pending%s\n", path, (long long)stats->task_count,
            (long long)stats->done, (long long)stats->diverged, (long long)stats->pending,
            stats->pending ? " (left out below)" : "");
    if (stats->host_count) fprintf(out, "tasks by host:");
    for (int h = 0; h < stats->host_count; h++)
        fprintf(out, " %s %lld%s", stats->hosts[h].name, (long long)stats->hosts[h].tasks,
                h + 1 < stats->host_count ? "," : "\n");
    fprintf(out, "\nTest accuracy per training dataset (pooled: every dataset but the training one)\n");
    fprintf(out, "%-12s %-14s %5s %7s %7s %7s %7s %7s %7s %9s\n", "train", "test", "n", "median", "q1", "q3", "min",
            "max", "mean", "collapsed");
    for (int i = 0; i < stats->pair_count; i++) {
        const ReportPair *p = &stats->pairs[i];
        const Summary *m = &p->accuracy;
        char test[64];
        if (p->test < 0) snprintf(test, sizeof test, "(pooled)");
        else snprintf(test, sizeof test, "%s%s", names[p->test], p->test == p->train ? " (train)" : "");
        fprintf(out, "%-12s %-14s %5d %7.4f %7.4f %7.4f %7.4f %7.4f %7.4f %9d\n", names[p->train], test, m->n,
                m->median, m->q1, m->q3, m->min, m->max, m->mean, p->collapsed);
    }
    for (int i = 0; i < stats->training_count; i++)
        if (stats->trainings[i].pending)
            fprintf(out, "  (%s: %lld tasks pending)\n", names[stats->trainings[i].dataset],
                    (long long)stats->trainings[i].pending);
    for (int i = 0; i < stats->training_count; i++)
        if (stats->trainings[i].diverged)
            fprintf(out, "  (%s: %lld runs diverged (loss NaN): left out of n, the statistics and the collapses)\n",
                    names[stats->trainings[i].dataset], (long long)stats->trainings[i].diverged);
    render_runs_text(stats, names, out);
    if (stats->rank_test_count) {
        fprintf(out, "\nMann-Whitney U, two-sided, pooled test accuracies (exact p when a sample has <= 8 values and\n"
                     "nothing is tied, else normal approximation with tie and continuity correction)\n");
        fprintf(out, "%-12s %-12s %5s %5s %10s %8s %10s\n", "a", "b", "n_a", "n_b", "U", "z", "p");
        for (int i = 0; i < stats->rank_test_count; i++) {
            const ReportRankTest *r = &stats->rank_tests[i];
            if (!isfinite(r->p))   /* a side without runs (all pending or diverged): no test */
                fprintf(out, "%-12s %-12s %5d %5d %10s %8s %10s  (no test: a side has no runs)\n", names[r->a],
                        names[r->b], r->na, r->nb, "-", "-", "-");
            else
                fprintf(out, "%-12s %-12s %5d %5d %10.1f %8.3f %10.4g\n", names[r->a], names[r->b], r->na, r->nb,
                        r->u, r->z, r->p);
        }
    }
    if (has_design(stats)) render_spread_text(stats, names, out);
    report_collapse_text(data, out);
    fprintf(out, "\nTest images most often misclassified (runs where their dataset was a test set)\n");
    if (!stats->misclassified_count) fprintf(out, "  none\n");
    for (int i = 0; i < stats->misclassified_count; i++) {
        const ReportImage *m = &stats->misclassified[i];
        const char *source = data->image_names[m->dataset] ? data->image_names[m->dataset][m->image] : "";
        char label[128], name[512];   /* names from files: control characters and non-UTF-8 bytes as \xXX */
        fprintf(out, "  %-12s image %-6lld label %-12s wrong in %d of %d runs  %s\n", names[m->dataset],
                (long long)m->image, text_escape_plain(data->class_names[m->label], label, sizeof label), m->wrong,
                m->runs, text_escape_plain(source, name, sizeof name));
    }
}

void report_render(const ReportStats *stats, const ResultsData *data, const char *path, ReportFormat format,
                   FILE *out) {
    if (format == REPORT_CSV) {
        render_csv(stats, data->dataset_names, out);
        report_collapse_csv(data, out);
        render_runs_csv(stats, data->dataset_names, out);
    } else if (format == REPORT_JSON) {
        render_json(stats, data, path, out);
    }
    else render_text(stats, data, path, out);
}

int report_write(const char *path, ReportFormat format, FILE *out, Error *err) {
    ResultsData data;
    int rc = results_load(path, 1, &data, err);
    if (rc != SS_OK) return rc;
    ReportStats stats;
    rc = report_compute(&data, &stats, err);
    if (rc == SS_OK) {
        report_render(&stats, &data, path, format, out);
        report_stats_free(&stats);
    }
    results_data_free(&data);
    return rc;
}
