/* report_compare.c - comparisons between training datasets, the test-set floor of each spread
 * entry and per-class recall spreads (report_compare.h). The statistics themselves are stats.c's;
 * this file picks the runs, pairs them by seed and renders the numbers. */
#include "seedsweep/report_compare.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "seedsweep/model.h"
#include "seedsweep/report.h"
#include "seedsweep/stats.h"
#include "seedsweep/text_escape.h"

const char *report_decision_name(ReportDecision decision) {
    switch (decision) {
    case REPORT_A_BETTER: return "a better";
    case REPORT_B_BETTER: return "b better";
    case REPORT_NO_DIFFERENCE: return "no meaningful difference";
    case REPORT_TOO_FEW_RUNS: break;
    }
    return "too few runs";
}

/* The tasks of one (grid point, training dataset, group) that count on test, in task order. */
static int64_t gather_tasks(const ResultsData *data, const ReportStats *stats, int grid, int train, int group, int test,
                            int64_t *tasks) {
    int64_t n = 0;
    for (int64_t t = 0; t < data->shape.task_count; t++)
        if (data->task_train_dataset[t] == train && stats->task_group[t] == group && stats->task_grid[t] == grid &&
            report_run_counts(data, t, test))
            tasks[n++] = t;
    return n;
}

static double accuracy_of(const ResultsData *data, int64_t t, int d) {
    return data->accuracy[t * data->shape.dataset_count + d];
}

/* Bouthillier et al.'s rule on P(A>B) and its interval. */
static ReportDecision decide(double p, double low, double high) {
    if (!isfinite(low) || !isfinite(high)) return REPORT_TOO_FEW_RUNS;
    if (low > 0.5 && p >= REPORT_MEANINGFUL_P) return REPORT_A_BETTER;
    if (high < 0.5 && p <= 1.0 - REPORT_MEANINGFUL_P) return REPORT_B_BETTER;
    return REPORT_NO_DIFFERENCE;
}

typedef struct Scratch {
    int64_t *tasks_a, *tasks_b;
    double *a, *b, *diff, *work;
    int *used;
    int *predicted;            /* one run's predicted class per test image */
    int64_t *votes;            /* images x classes: runs predicting each class */
    double *recall;            /* runs x classes */
} Scratch;

/* One comparison: the accuracies of both arms on test, P(A>B) with its interval, and the paired
 * part over seeds present in both arms (each run of A paired with the first unpaired run of B
 * with the same seed: within a grid point and group the seed fixes every random stream). */
static void compare(const ResultsData *data, const ReportStats *stats, ReportComparison *c, Scratch *s) {
    const int64_t na = gather_tasks(data, stats, c->grid, c->a, c->group, c->test, s->tasks_a);
    const int64_t nb = gather_tasks(data, stats, c->grid, c->b, c->group, c->test, s->tasks_b);
    for (int64_t i = 0; i < na; i++) s->a[i] = accuracy_of(data, s->tasks_a[i], c->test);
    for (int64_t i = 0; i < nb; i++) s->b[i] = accuracy_of(data, s->tasks_b[i], c->test);
    c->n_a = (int)na;
    c->n_b = (int)nb;
    c->p_a_beats_b = stats_prob_greater(s->a, na, s->b, nb, s->work);
    stats_bootstrap_prob_greater_ci(s->a, na, s->b, nb, STATS_BOOTSTRAP_B, STATS_BOOTSTRAP_SEED, REPORT_CI_LEVEL,
                                    s->work, &c->p_low, &c->p_high);
    memset(s->used, 0, sizeof(int) * (size_t)(nb + 1));
    int64_t paired = 0;
    for (int64_t i = 0; i < na; i++)
        for (int64_t j = 0; j < nb; j++)
            if (data->task_seed && !s->used[j] && data->task_seed[s->tasks_a[i]] == data->task_seed[s->tasks_b[j]]) {
                s->used[j] = 1;
                s->diff[paired++] = s->a[i] - s->b[j];
                break;
            }
    c->paired_n = (int)paired;
    c->wilcoxon_p = stats_wilcoxon(s->diff, paired, NULL);
    c->median_paired_diff = paired ? stats_median(s->diff, paired) : NAN;   /* sorts: after the test */
    c->runs_needed = stats_noether_runs(c->p_a_beats_b);
    c->decision = decide(c->p_a_beats_b, c->p_low, c->p_high);
}

static int compute_comparisons(const ResultsData *data, ReportStats *stats, Scratch *s, Error *err) {
    const int D = data->shape.dataset_count, count = stats->training_count;
    stats->comparisons = calloc((size_t)stats->grid_count * stats->group_count * D * count * count / 2 + 1,
                                sizeof *stats->comparisons);
    if (!stats->comparisons) return error_set(err, SS_ERR_RUNTIME, "out of memory");
    for (int g = 0; g < stats->grid_count; g++)
        for (int k = 0; k < stats->group_count; k++)
            for (int test = 0; test < D; test++)
                for (int i = 0; i < count; i++)
                    for (int j = i + 1; j < count; j++) {
                        const int a = stats->trainings[i].dataset, b = stats->trainings[j].dataset;
                        if (a == test || b == test) continue;
                        ReportComparison *c = &stats->comparisons[stats->comparison_count++];
                        *c = (ReportComparison){.grid = g, .group = k, .test = test, .a = a, .b = b};
                        compare(data, stats, c, s);
                    }
    return SS_OK;
}

/* Spread entry r's floor and its classes' recall spreads, from the runs' predicted classes. */
static int floor_of(const ResultsData *data, ReportStats *stats, int index, Scratch *s, Error *err) {
    const ReportSpread *r = &stats->spreads[index];
    ReportFloor *f = &stats->floors[index];
    const int C = data->shape.class_count, test = r->test;
    const int64_t N = data->shape.image_count[test];
    const int64_t n = gather_tasks(data, stats, r->grid, stats->trainings[r->training].dataset, r->group, test, s->tasks_a);
    f->n = (int)n;
    f->n_test = N;
    double sum = 0.0;
    for (int64_t i = 0; i < n; i++) sum += s->a[i] = accuracy_of(data, s->tasks_a[i], test);
    f->mean = n ? sum / (double)n : NAN;
    f->binomial_std = n && N > 0 ? sqrt(f->mean * (1.0 - f->mean) / (double)N) : NAN;
    f->std_over_binomial = f->binomial_std > 0 ? r->std / f->binomial_std : NAN;
    f->expected_max = malloc(sizeof(double) * (size_t)(n + 1));
    if (!f->expected_max) return error_set(err, SS_ERR_RUNTIME, "out of memory");
    stats_sort(s->a, n);
    for (int64_t k = 1; k <= n; k++) f->expected_max[k - 1] = stats_expected_max(s->a, n, (int)k);

    /* disagreement: over pairs of runs, the images where they differ; per image, the pairs that
     * agree are sum over classes of votes (votes - 1) / 2 */
    const float *pred = data->predictions[test];
    const uint8_t *labels = data->labels[test];
    f->disagreement = NAN;
    if (!pred || !labels || N < 1) return SS_OK;
    int64_t *per_class = calloc((size_t)C, sizeof(int64_t));
    if (!per_class) return error_set(err, SS_ERR_RUNTIME, "out of memory");
    for (int64_t i = 0; i < N; i++) per_class[labels[i]]++;
    memset(s->votes, 0, sizeof(int64_t) * (size_t)(N * C));
    for (int64_t i = 0; i < n; i++) {
        const int64_t t = s->tasks_a[i];
        int64_t *hits = calloc((size_t)C, sizeof(int64_t));
        if (!hits) {
            free(per_class);
            return error_set(err, SS_ERR_RUNTIME, "out of memory");
        }
        for (int64_t m = 0; m < N; m++) {
            int p = model_predicted_class(pred + (t * N + m) * C, C);
            s->votes[m * C + p]++;
            hits[labels[m]] += p == labels[m];
        }
        for (int c = 0; c < C; c++) s->recall[i * C + c] = per_class[c] ? (double)hits[c] / (double)per_class[c] : NAN;
        free(hits);
    }
    if (n >= 2) {
        double agree = 0.0;   /* an integer count, exact in a double for any file that fits in memory */
        for (int64_t m = 0; m < N * C; m++) agree += (double)s->votes[m] * (double)(s->votes[m] - 1) / 2.0;
        const double pairs = (double)n * (double)(n - 1) / 2.0;
        f->disagreement = 1.0 - agree / (pairs * (double)N);
    }
    for (int c = 0; c < C; c++) {
        if (!per_class[c]) continue;
        ReportClassSpread *cs = &stats->class_spreads[stats->class_spread_count++];
        *cs = (ReportClassSpread){.spread = index, .class_index = c, .n = (int)n};
        for (int64_t i = 0; i < n; i++) s->b[i] = s->recall[i * C + c];
        stats_sort(s->b, n);
        cs->median = n ? stats_quantile(s->b, n, 0.5) : NAN;
        cs->q1 = n ? stats_quantile(s->b, n, 0.25) : NAN;
        cs->q3 = n ? stats_quantile(s->b, n, 0.75) : NAN;
        cs->iqr = cs->q3 - cs->q1;
    }
    free(per_class);
    return SS_OK;
}

int report_compare_compute(const ResultsData *data, ReportStats *stats, Error *err) {
    const int64_t T = data->shape.task_count;
    const int C = data->shape.class_count;
    int64_t images = 1;
    for (int d = 0; d < data->shape.dataset_count; d++)
        if (data->shape.image_count[d] > images) images = data->shape.image_count[d];
    Scratch s = {
        .tasks_a = malloc(sizeof(int64_t) * (size_t)(T + 1)),
        .tasks_b = malloc(sizeof(int64_t) * (size_t)(T + 1)),
        .a = malloc(sizeof(double) * (size_t)(T + 1)),
        .b = malloc(sizeof(double) * (size_t)(T + 1)),
        .diff = malloc(sizeof(double) * (size_t)(T + 1)),
        .work = malloc(sizeof(double) * (size_t)(2 * T + STATS_BOOTSTRAP_B + 1)),
        .used = malloc(sizeof(int) * (size_t)(T + 1)),
        .votes = malloc(sizeof(int64_t) * (size_t)(images * C)),
        .recall = malloc(sizeof(double) * (size_t)((T + 1) * C)),
    };
    stats->floors = calloc((size_t)stats->spread_count + 1, sizeof *stats->floors);
    stats->class_spreads = calloc((size_t)stats->spread_count * C + 1, sizeof *stats->class_spreads);
    int rc = s.tasks_a && s.tasks_b && s.a && s.b && s.diff && s.work && s.used && s.votes && s.recall &&
                     stats->floors && stats->class_spreads && stats->task_group && stats->task_grid
                 ? SS_OK
                 : error_set(err, SS_ERR_RUNTIME, "out of memory");
    if (rc == SS_OK) rc = compute_comparisons(data, stats, &s, err);
    for (int i = 0; rc == SS_OK && i < stats->spread_count; i++) rc = floor_of(data, stats, i, &s, err);
    free(s.tasks_a);
    free(s.tasks_b);
    free(s.a);
    free(s.b);
    free(s.diff);
    free(s.work);
    free(s.used);
    free(s.votes);
    free(s.recall);
    return rc;
}

void report_compare_free(ReportStats *stats) {
    for (int i = 0; stats->floors && i < stats->spread_count; i++) free(stats->floors[i].expected_max);
    free(stats->floors);
    free(stats->comparisons);
    free(stats->class_spreads);
    stats->floors = NULL;
    stats->comparisons = NULL;
    stats->class_spreads = NULL;
    stats->comparison_count = stats->class_spread_count = 0;
}

/* ---- rendering ---- */

void report_floor_json(const ReportStats *stats, int i, FILE *out) {
    if (!stats->floors) return;
    const ReportFloor *f = &stats->floors[i];
    report_json_field(out, "mean", f->mean);
    fprintf(out, ", \"n_test\": %lld", (long long)f->n_test);
    report_json_field(out, "binomial_std", f->binomial_std);
    report_json_field(out, "std_over_binomial", f->std_over_binomial);
    report_json_field(out, "disagreement", f->disagreement);
    fprintf(out, ", \"expected_max\": [");
    for (int k = 0; k < f->n; k++) {
        fprintf(out, "%s", k ? ", " : "");
        if (isfinite(f->expected_max[k])) fprintf(out, "%.6g", f->expected_max[k]);
        else fprintf(out, "null");
    }
    fprintf(out, "]");
}

/* `"grid": 0, "grid_label": "...", "group": "..."` of a comparison or a spread entry. */
static void json_cell(const ReportStats *stats, int grid, int group, FILE *out) {
    fprintf(out, "\"grid\": %d, \"grid_label\": ", grid);
    report_json_string(out, stats->grid_labels[grid]);
    fprintf(out, ", \"group\": ");
    report_json_string(out, stats->group_names[group]);
}

void report_compare_json(const ReportStats *stats, const ResultsData *data, FILE *out) {
    char *const *names = data->dataset_names;
    fprintf(out, ",\n  \"comparisons\": [\n");
    for (int i = 0; i < stats->comparison_count; i++) {
        const ReportComparison *c = &stats->comparisons[i];
        fprintf(out, "    {");
        json_cell(stats, c->grid, c->group, out);
        fprintf(out, ", \"test\": ");
        report_json_string(out, names[c->test]);
        fprintf(out, ", \"a\": ");
        report_json_string(out, names[c->a]);
        fprintf(out, ", \"b\": ");
        report_json_string(out, names[c->b]);
        fprintf(out, ", \"n_a\": %d, \"n_b\": %d", c->n_a, c->n_b);
        report_json_field(out, "p_a_beats_b", c->p_a_beats_b);
        report_json_field(out, "p_low", c->p_low);
        report_json_field(out, "p_high", c->p_high);
        fprintf(out, ", \"paired_n\": %d", c->paired_n);
        report_json_field(out, "median_paired_diff", c->median_paired_diff);
        report_json_field(out, "wilcoxon_p", c->wilcoxon_p);
        report_json_field(out, "runs_needed", c->runs_needed);
        fprintf(out, ", \"decision\": \"%s\"}%s\n", report_decision_name(c->decision),
                i + 1 < stats->comparison_count ? "," : "");
    }
    fprintf(out, "  ],\n  \"class_spread\": [\n");
    for (int i = 0; i < stats->class_spread_count; i++) {
        const ReportClassSpread *cs = &stats->class_spreads[i];
        const ReportSpread *r = &stats->spreads[cs->spread];
        fprintf(out, "    {");
        json_cell(stats, r->grid, r->group, out);
        fprintf(out, ", \"train\": ");
        report_json_string(out, names[stats->trainings[r->training].dataset]);
        fprintf(out, ", \"test\": ");
        report_json_string(out, names[r->test]);
        fprintf(out, ", \"class\": ");
        report_json_string(out, data->class_names[cs->class_index]);
        fprintf(out, ", \"n\": %d", cs->n);
        report_json_field(out, "median_recall", cs->median);
        report_json_field(out, "q1", cs->q1);
        report_json_field(out, "q3", cs->q3);
        report_json_field(out, "iqr", cs->iqr);
        fprintf(out, "}%s\n", i + 1 < stats->class_spread_count ? "," : "");
    }
    fprintf(out, "  ]");
}

/* "%.4f" or "-" for NaN, into buf. */
static const char *num4(char *buf, size_t size, double v) {
    if (isfinite(v)) snprintf(buf, size, "%.4f", v);
    else snprintf(buf, size, "-");
    return buf;
}

/* The grid and group columns, only when the file has several of either. */
static void text_cell(const ReportStats *stats, int grid, int group, FILE *out) {
    if (stats->grid_count > 1) fprintf(out, "%-22s ", stats->grid_labels[grid]);
    if (stats->group_count > 1) fprintf(out, "%-7s ", stats->group_names[group]);
}

static void text_cell_header(const ReportStats *stats, FILE *out) {
    if (stats->grid_count > 1) fprintf(out, "%-22s ", "grid");
    if (stats->group_count > 1) fprintf(out, "%-7s ", "group");
}

static void comparisons_text(const ReportStats *stats, char *const *names, FILE *out) {
    fprintf(out, "\nComparisons on each test set (P(A>B): the chance that a run trained on A scores higher than one\n"
                 "trained on B, ties half; [low, high]: %.0f%% percentile bootstrap resampling runs within each arm,\n"
                 "B = %d, seed %d; paired: seeds with a run in both arms (same initial weights), their median\n"
                 "difference A - B and the two-sided Wilcoxon signed-rank p; runs needed: Noether's runs per arm\n"
                 "for a one-sided test at alpha = beta = 0.05 if P(A>B) were the true value, a planning aid)\n",
            REPORT_CI_LEVEL * 100, STATS_BOOTSTRAP_B, STATS_BOOTSTRAP_SEED);
    fprintf(out, "How to read: A is better when the whole interval lies above 0.5 and P(A>B) >= %.2f (Bouthillier\n"
                 "et al. 2021), B when it lies below 0.5 and P(A>B) <= %.2f; otherwise no meaningful difference.\n",
            REPORT_MEANINGFUL_P, 1.0 - REPORT_MEANINGFUL_P);
    text_cell_header(stats, out);
    fprintf(out, "%-10s %-10s %-10s %4s %4s %7s %17s %6s %11s %10s %6s  %s\n", "test", "a", "b", "n_a", "n_b", "P(A>B)",
            "95% CI", "paired", "median diff", "Wilcoxon p", "runs", "decision");
    for (int i = 0; i < stats->comparison_count; i++) {
        const ReportComparison *c = &stats->comparisons[i];
        char p[32], ci[48] = "-", diff[32], wp[32] = "-", runs[32] = "-", decision[96];
        if (isfinite(c->p_low)) snprintf(ci, sizeof ci, "[%.4f, %.4f]", c->p_low, c->p_high);
        if (isfinite(c->wilcoxon_p)) snprintf(wp, sizeof wp, "%.4g", c->wilcoxon_p);
        if (isfinite(c->runs_needed)) snprintf(runs, sizeof runs, "%.0f", c->runs_needed);
        if (c->decision == REPORT_A_BETTER) snprintf(decision, sizeof decision, "%s better", names[c->a]);
        else if (c->decision == REPORT_B_BETTER) snprintf(decision, sizeof decision, "%s better", names[c->b]);
        else snprintf(decision, sizeof decision, "%s", report_decision_name(c->decision));
        text_cell(stats, c->grid, c->group, out);
        fprintf(out, "%-10s %-10s %-10s %4d %4d %7s %17s %6d %11s %10s %6s  %s\n", names[c->test], names[c->a],
                names[c->b], c->n_a, c->n_b, num4(p, sizeof p, c->p_a_beats_b), ci, c->paired_n,
                num4(diff, sizeof diff, c->median_paired_diff), wp, runs, decision);
    }
}

static void floor_text(const ReportStats *stats, const ResultsData *data, FILE *out) {
    char *const *names = data->dataset_names;
    fprintf(out, "\nSpread against the test-set floor (floor: sqrt(m (1 - m) / n_test), the standard deviation a test\n"
                 "set of n_test images alone gives runs of mean accuracy m; disagreement: the mean over pairs of runs\n"
                 "of the fraction of test images they predict differently; best of k: the expected highest accuracy\n"
                 "of k runs drawn from these, k = 1 and k = n)\n");
    fprintf(out, "How to read: std/floor near 1 means the seeds spread no more than the test set's size explains;\n"
                 "well above 1, training itself varies.\n");
    text_cell_header(stats, out);
    fprintf(out, "%-10s %-10s %4s %7s %7s %6s %7s %7s %12s %7s %7s\n", "train", "test", "n", "mean", "std", "n_test",
            "floor", "std/flr", "disagreement", "best 1", "best n");
    for (int i = 0; i < stats->spread_count; i++) {
        const ReportSpread *r = &stats->spreads[i];
        const ReportFloor *f = &stats->floors[i];
        char b[9][32];
        text_cell(stats, r->grid, r->group, out);
        fprintf(out, "%-10s %-10s %4d %7s %7s %6lld %7s %7s %12s %7s %7s\n", names[stats->trainings[r->training].dataset],
                names[r->test], f->n, num4(b[0], 32, f->mean), num4(b[1], 32, r->std), (long long)f->n_test,
                num4(b[2], 32, f->binomial_std), num4(b[3], 32, f->std_over_binomial), num4(b[4], 32, f->disagreement),
                num4(b[5], 32, f->n ? f->expected_max[0] : NAN), num4(b[6], 32, f->n ? f->expected_max[f->n - 1] : NAN));
    }
    fprintf(out, "Expected best of k runs, k = 1..n (what reporting the best of k seeds would show)\n");
    for (int i = 0; i < stats->spread_count; i++) {
        const ReportSpread *r = &stats->spreads[i];
        const ReportFloor *f = &stats->floors[i];
        text_cell(stats, r->grid, r->group, out);
        fprintf(out, "%-10s %-10s", names[stats->trainings[r->training].dataset], names[r->test]);
        for (int k = 0; k < f->n; k++) fprintf(out, " %.4f", f->expected_max[k]);
        fprintf(out, "%s\n", f->n ? "" : " -");
    }
    fprintf(out, "Per-class recall over runs (a run predicting one class for every image shows as 1 and 0)\n");
    text_cell_header(stats, out);
    fprintf(out, "%-10s %-10s %-12s %4s %7s %7s %7s %7s\n", "train", "test", "class", "n", "median", "q1", "q3", "IQR");
    for (int i = 0; i < stats->class_spread_count; i++) {
        const ReportClassSpread *cs = &stats->class_spreads[i];
        const ReportSpread *r = &stats->spreads[cs->spread];
        char b[4][32], name[128];
        text_cell(stats, r->grid, r->group, out);
        fprintf(out, "%-10s %-10s %-12s %4d %7s %7s %7s %7s\n", names[stats->trainings[r->training].dataset],
                names[r->test], text_escape_plain(data->class_names[cs->class_index], name, sizeof name), cs->n, num4(b[0], 32, cs->median),
                num4(b[1], 32, cs->q1), num4(b[2], 32, cs->q3), num4(b[3], 32, cs->iqr));
    }
}

void report_compare_text(const ReportStats *stats, const ResultsData *data, FILE *out) {
    if (stats->comparison_count) comparisons_text(stats, data->dataset_names, out);
    if (stats->spread_count && stats->floors) floor_text(stats, data, out);
}

void report_compare_csv(const ReportStats *stats, const ResultsData *data, FILE *out) {
    char *const *names = data->dataset_names;
    fprintf(out, "\ngrid,group,test,a,b,n_a,n_b,p_a_beats_b,p_low,p_high,paired_n,median_paired_diff,wilcoxon_p,"
                 "runs_needed,decision\n");
    for (int i = 0; i < stats->comparison_count; i++) {
        const ReportComparison *c = &stats->comparisons[i];
        fprintf(out, "%s,%s,%s,%s,%s,%d,%d,%.6g,%.6g,%.6g,%d,%.6g,%.6g,%.6g,%s\n", stats->grid_labels[c->grid],
                stats->group_names[c->group], names[c->test], names[c->a], names[c->b], c->n_a, c->n_b, c->p_a_beats_b,
                c->p_low, c->p_high, c->paired_n, c->median_paired_diff, c->wilcoxon_p, c->runs_needed,
                report_decision_name(c->decision));
    }
    fprintf(out, "\ngrid,train,test,group,n,mean,std,n_test,binomial_std,std_over_binomial,disagreement,expected_max\n");
    for (int i = 0; stats->floors && i < stats->spread_count; i++) {
        const ReportSpread *r = &stats->spreads[i];
        const ReportFloor *f = &stats->floors[i];
        fprintf(out, "%s,%s,%s,%s,%d,%.6g,%.6g,%lld,%.6g,%.6g,%.6g,", stats->grid_labels[r->grid],
                names[stats->trainings[r->training].dataset], names[r->test], stats->group_names[r->group], f->n, f->mean,
                r->std, (long long)f->n_test, f->binomial_std, f->std_over_binomial, f->disagreement);
        for (int k = 0; k < f->n; k++) fprintf(out, "%s%.6g", k ? ";" : "", f->expected_max[k]);
        fprintf(out, "\n");
    }
    fprintf(out, "\ngrid,train,test,group,class,n,median_recall,q1,q3,iqr\n");
    for (int i = 0; i < stats->class_spread_count; i++) {
        const ReportClassSpread *cs = &stats->class_spreads[i];
        const ReportSpread *r = &stats->spreads[cs->spread];
        char name[128];
        fprintf(out, "%s,%s,%s,%s,%s,%d,%.6g,%.6g,%.6g,%.6g\n", stats->grid_labels[r->grid],
                names[stats->trainings[r->training].dataset], names[r->test], stats->group_names[r->group],
                text_escape_plain(data->class_names[cs->class_index], name, sizeof name), cs->n, cs->median, cs->q1, cs->q3, cs->iqr);
    }
}
