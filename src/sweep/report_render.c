/* report_render.c - `seedsweep report`, the rendering: one ReportStats (report.c) as text, CSV or
 * JSON. Nothing is computed here but formatting; each table is one function per format. */
#include "seedsweep/report.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "seedsweep/stats.h"
#include "seedsweep/text_escape.h"

/* collapsed_runs / runs, NaN without runs. */
static double collapsed_rate(const ReportTraining *tr) { return tr->runs ? (double)tr->collapsed_runs / tr->runs : NAN; }

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

/* `, "key": "value"` */
static void json_key_string(FILE *out, const char *key, const char *value) {
    fprintf(out, ", \"%s\": ", key);
    json_string(out, value);
}

/* `"key": ["a", "b"]` */
static void json_string_list(FILE *out, const char *key, char *const *values, int count) {
    fprintf(out, "\"%s\": [", key);
    for (int i = 0; i < count; i++) {
        if (i) fprintf(out, ", ");
        json_string(out, values[i]);
    }
    fprintf(out, "]");
}

/* The separator after element i of count in a JSON array of one element per line. */
void report_json_string(FILE *out, const char *s) { json_string(out, s); }
void report_json_field(FILE *out, const char *key, double v) { json_field(out, key, v); }

static const char *json_next(int i, int count) { return i + 1 < count ? "," : ""; }

static void json_tasks(const ReportStats *stats, FILE *out) {
    fprintf(out, "  \"tasks\": {\"total\": %lld, \"done\": %lld, \"diverged\": %lld, \"pending\": %lld},\n",
            (long long)stats->task_count, (long long)stats->done, (long long)stats->diverged,
            (long long)stats->pending);
    if (stats->part.count > 0)
        fprintf(out, "  \"part\": {\"index\": %d, \"count\": %d, \"job_tasks\": %lld},\n", stats->part.index,
                stats->part.count, (long long)stats->job_task_count);
    fprintf(out, "  \"tasks_by_host\": {");
    for (int h = 0; h < stats->host_count; h++) {
        fprintf(out, "%s", h ? ", " : "");
        json_string(out, stats->hosts[h].name);
        fprintf(out, ": %lld", (long long)stats->hosts[h].tasks);
    }
    fprintf(out, "},\n");
}

static void json_accuracy(const ReportStats *stats, char *const *names, FILE *out) {
    fprintf(out, "  \"accuracy\": [\n");
    for (int i = 0; i < stats->pair_count; i++) {
        const ReportPair *p = &stats->pairs[i];
        const Summary *m = &p->accuracy;
        fprintf(out, "    {\"train\": ");
        json_string(out, names[p->train]);
        if (p->test < 0) fprintf(out, ", \"test\": null, \"pooled_test\": true");
        else json_key_string(out, "test", names[p->test]), fprintf(out, ", \"pooled_test\": false");
        fprintf(out, ", \"n\": %d", m->n);
        const char *keys[] = {"median", "q1", "q3", "min", "max", "mean"};
        const double v[] = {m->median, m->q1, m->q3, m->min, m->max, m->mean};
        for (int j = 0; j < 6; j++) json_field(out, keys[j], v[j]);
        fprintf(out, ", \"collapsed\": %d, \"diverged_runs\": %lld}%s\n", p->collapsed,
                (long long)stats->trainings[p->training].diverged, json_next(i, stats->pair_count));
    }
    fprintf(out, "  ],\n");
}

static void json_runs(const ReportStats *stats, char *const *names, FILE *out) {
    fprintf(out, "  \"runs\": [\n");
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
        fprintf(out, "}%s\n", json_next(i, stats->training_count));
    }
    fprintf(out, "  ],\n");
}

static void json_rank_tests(const ReportStats *stats, char *const *names, FILE *out) {
    fprintf(out, "  \"mann_whitney\": [\n");
    for (int i = 0; i < stats->rank_test_count; i++) {
        const ReportRankTest *r = &stats->rank_tests[i];
        fprintf(out, "    {\"a\": ");
        json_string(out, names[r->a]);
        json_key_string(out, "b", names[r->b]);
        fprintf(out, ", \"n_a\": %d, \"n_b\": %d", r->na, r->nb);
        json_field(out, "u", r->u);
        json_field(out, "z", r->z);
        json_field(out, "p", r->p);
        fprintf(out, "}%s\n", json_next(i, stats->rank_test_count));
    }
    fprintf(out, "  ],\n");
}

/* The study design's groups and grid points, then the spread table over them. */
static void json_spreads(const ReportStats *stats, char *const *names, FILE *out) {
    char *groups[RESULTS_MAX_GROUPS];
    for (int k = 0; k < stats->group_count; k++) groups[k] = (char *)stats->group_names[k];
    fprintf(out, "  ");
    json_string_list(out, "groups", groups, stats->group_count);
    fprintf(out, ",\n  ");
    json_string_list(out, "grid", stats->grid_labels, stats->grid_count);
    fprintf(out, ",\n  \"spread\": [\n");
    for (int i = 0; i < stats->spread_count; i++) {
        const ReportSpread *r = &stats->spreads[i];
        fprintf(out, "    {\"grid\": %d", r->grid);
        json_key_string(out, "grid_label", stats->grid_labels[r->grid]);
        json_key_string(out, "train", names[stats->trainings[r->training].dataset]);
        json_key_string(out, "test", names[r->test]);
        json_key_string(out, "group", stats->group_names[r->group]);
        fprintf(out, ", \"n\": %d", r->n);
        const char *keys[] = {"median", "median_low", "median_high", "std", "std_low", "std_high", "iqr", "iqr_low",
                              "iqr_high", "variance_share", "variance_share_low", "variance_share_high"};
        const double v[] = {r->median, r->median_low, r->median_high, r->std, r->std_low, r->std_high,
                            r->iqr, r->iqr_low, r->iqr_high, r->share, r->share_low, r->share_high};
        for (int j = 0; j < 12; j++) json_field(out, keys[j], v[j]);
        report_floor_json(stats, i, out);
        fprintf(out, "}%s\n", json_next(i, stats->spread_count));
    }
    fprintf(out, "  ],\n");
}

static void json_misclassified(const ReportStats *stats, const ResultsData *data, FILE *out) {
    fprintf(out, "  \"most_misclassified\": [\n");
    for (int i = 0; i < stats->misclassified_count; i++) {
        const ReportImage *m = &stats->misclassified[i];
        fprintf(out, "    {\"dataset\": ");
        json_string(out, data->dataset_names[m->dataset]);
        fprintf(out, ", \"image\": %lld", (long long)m->image);
        json_key_string(out, "label", data->class_names[m->label]);
        if (data->image_names[m->dataset]) json_key_string(out, "name", data->image_names[m->dataset][m->image]);
        fprintf(out, ", \"wrong\": %d, \"runs\": %d}%s\n", m->wrong, m->runs, json_next(i, stats->misclassified_count));
    }
    fprintf(out, "  ]");
}

/* One object, a member per table, in the order of the text report. */
static void render_json(const ReportStats *stats, const ResultsData *data, const char *path, FILE *out) {
    char *const *names = data->dataset_names;
    fprintf(out, "{\n  \"file\": ");
    json_string(out, path);
    fprintf(out, ",\n");
    json_tasks(stats, out);
    json_accuracy(stats, names, out);
    json_runs(stats, names, out);
    json_rank_tests(stats, names, out);
    json_spreads(stats, names, out);
    json_misclassified(stats, data, out);
    report_compare_json(stats, data, out);
    report_collapse_json(&stats->collapse, data, out);
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
    char part[96] = "";
    if (stats->part.count > 0) {
        results_part_describe(stats->part, part, sizeof part);
        fprintf(out, "%s: %s, of the job's %lld tasks (merge the parts with seedsweep merge)\n", path, part,
                (long long)stats->job_task_count);
    }
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
    report_compare_text(stats, data, out);
    report_collapse_text(&stats->collapse, data, out);
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
        report_collapse_csv(&stats->collapse, data, out);
        render_runs_csv(stats, data->dataset_names, out);
        report_compare_csv(stats, data, out);
    } else if (format == REPORT_JSON) {
        render_json(stats, data, path, out);
    }
    else render_text(stats, data, path, out);
}

