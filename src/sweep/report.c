/* report.c - `seedsweep report`, the computation: reads a results file (finished or still
 * running) and computes per-(training, test) accuracy summaries, the per-run table, Mann-Whitney U
 * tests between training datasets on their pooled test accuracies, the spread by source of
 * randomness, why runs collapse, and the test images most often misclassified, into one
 * ReportStats. report_render.c renders that one struct as text, CSV or JSON; a new statistic is a
 * field here and a line in each renderer. */
#include "seedsweep/jobfile.h"
#include "seedsweep/model.h"
#include "seedsweep/plan.h"
#include "seedsweep/report.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- computing ---- */

/* Task counts by status, and the training datasets in plan order with their pending tasks. */
static void count_tasks(const ResultsData *data, ReportStats *stats) {
    const int D = data->shape.dataset_count;
    const int64_t T = data->shape.task_count;
    stats->part = data->part;
    stats->job_task_count = T;
    stats->task_count = results_part_task_count(data->part, T);
    for (int64_t t = 0; t < T; t++) {
        if (!results_part_has(data->part, t)) continue;   /* another part's task: not this file's */
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
                if (data->task_status[t] == TASK_PENDING && results_part_has(data->part, t)) stats->trainings[i].pending++;
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

int report_run_counts(const ResultsData *data, int64_t t, int d) {
    return counts_in_statistics(data, t) && has_accuracy(data, t, d);
}

/* The accuracies on test of the finished tasks of one (grid point, training, group) (diverged
 * ones left out, as everywhere in the report). */
static int gather_spread(const ResultsData *data, const int32_t *group, const int32_t *grid, int g, int train, int k,
                         int test, double *values) {
    const int D = data->shape.dataset_count;
    int n = 0;
    for (int64_t t = 0; t < data->shape.task_count; t++) {
        if (!report_run_counts(data, t, test) || data->task_train_dataset[t] != train || group[t] != k || grid[t] != g)
            continue;
        values[n++] = data->accuracy[t * D + test];
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
    stats->task_group = group;   /* kept for the comparisons (report_compare.c) */
    stats->task_grid = grid;
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
    if (rc == SS_OK) rc = report_compare_compute(data, stats, err);
    if (rc == SS_OK) rc = report_collapse_compute(data, &stats->collapse, err);
    if (rc == SS_OK && data->task_host) {
        stats->hosts = calloc(RESULTS_MAX_HOSTS, sizeof *stats->hosts);
        if (!stats->hosts) rc = error_set(err, SS_ERR_RUNTIME, "out of memory");
        else stats->host_count = results_host_task_counts(data, stats->hosts, RESULTS_MAX_HOSTS);
    }
    if (rc != SS_OK) report_stats_free(stats);
    return rc;
}

void report_stats_free(ReportStats *stats) {
    report_compare_free(stats);
    free(stats->task_group);
    free(stats->task_grid);
    stats->task_group = stats->task_grid = NULL;
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
    report_collapse_free(&stats->collapse);
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
