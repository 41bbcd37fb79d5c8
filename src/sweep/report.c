/* report.c - `seedsweep report`: reads a results file (finished or still running) and prints
 * per-(training, test) accuracy summaries, Mann-Whitney U tests between training datasets on
 * their pooled test accuracies, and the test images most often misclassified across runs. */
#include "seedsweep/report.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "seedsweep/results.h"

static int compare_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double quantile(const double *sorted, int n, double q) {
    double position = q * (n - 1);
    int below = (int)floor(position);
    int above = below + 1 < n ? below + 1 : below;
    double fraction = position - below;
    return sorted[below] + (sorted[above] - sorted[below]) * fraction;
}

void summary_of(double *values, int n, Summary *s) {
    memset(s, 0, sizeof *s);
    s->n = n;
    if (n == 0) {
        s->median = s->q1 = s->q3 = s->min = s->max = s->mean = NAN;
        return;
    }
    qsort(values, (size_t)n, sizeof *values, compare_double);
    double sum = 0.0;
    for (int i = 0; i < n; i++) sum += values[i];
    s->mean = sum / n;
    s->min = values[0];
    s->max = values[n - 1];
    s->median = quantile(values, n, 0.5);
    s->q1 = quantile(values, n, 0.25);
    s->q3 = quantile(values, n, 0.75);
}

typedef struct Ranked {
    double value;
    int from_a;
} Ranked;

static int compare_ranked(const void *a, const void *b) {
    return compare_double(&((const Ranked *)a)->value, &((const Ranked *)b)->value);
}

/* P(U >= u) under H0 for samples of sizes n1, n2 without ties: counts of orderings by U,
 * f(i, j, u) = f(i-1, j, u-j) + f(i, j-1, u) (the largest value comes from a or from b).
 * Counts stay exact in doubles for the sizes this is used for (min(n1, n2) <= 8). */
static double mann_whitney_exact_sf(int n1, int n2, double u) {
    int max_u = n1 * n2;
    double *f = calloc((size_t)(n2 + 1) * (max_u + 1), sizeof(double));
    double *g = calloc((size_t)(n2 + 1) * (max_u + 1), sizeof(double));
    if (!f || !g) {
        free(f);
        free(g);
        return NAN;
    }
#define AT(t, j, v) t[(size_t)(j) * (max_u + 1) + (v)]
    for (int j = 0; j <= n2; j++) AT(f, j, 0) = 1.0;   /* i = 0: one ordering, U = 0 */
    for (int i = 1; i <= n1; i++) {
        memset(g, 0, sizeof(double) * (size_t)(n2 + 1) * (max_u + 1));
        AT(g, 0, 0) = 1.0;
        for (int j = 1; j <= n2; j++)
            for (int v = 0; v <= i * j; v++) AT(g, j, v) = (v >= j ? AT(f, j, v - j) : 0.0) + AT(g, j - 1, v);
        double *t = f;
        f = g;
        g = t;
    }
    double total = 0.0, tail = 0.0;
    for (int v = 0; v <= max_u; v++) {
        total += AT(f, n2, v);
        if (v >= u - 1e-9) tail += AT(f, n2, v);
    }
#undef AT
    free(f);
    free(g);
    return tail / total;
}

double mann_whitney(const double *a, int na, const double *b, int nb, double *u, double *z) {
    *u = NAN;
    *z = NAN;
    if (na == 0 || nb == 0) return NAN;
    int n = na + nb;
    Ranked *all = malloc(sizeof *all * (size_t)n);
    if (!all) return NAN;
    for (int i = 0; i < na; i++) all[i] = (Ranked){a[i], 1};
    for (int i = 0; i < nb; i++) all[na + i] = (Ranked){b[i], 0};
    qsort(all, (size_t)n, sizeof *all, compare_ranked);
    double rank_sum_a = 0.0, tie_term = 0.0;
    for (int i = 0; i < n;) {
        int j = i;
        while (j + 1 < n && all[j + 1].value == all[i].value) j++;
        double mid_rank = 0.5 * ((i + 1) + (j + 1));   /* ties share their mean rank */
        double t = j - i + 1;
        tie_term += t * t * t - t;
        for (int k = i; k <= j; k++)
            if (all[k].from_a) rank_sum_a += mid_rank;
        i = j + 1;
    }
    free(all);
    double u_a = rank_sum_a - (double)na * (na + 1) / 2.0;
    *u = u_a;
    double mean = (double)na * nb / 2.0;
    double variance = (double)na * nb / 12.0 * ((n + 1) - tie_term / ((double)n * (n - 1)));
    if (!(variance > 0.0)) return NAN;
    if (tie_term == 0.0 && (na <= 8 || nb <= 8) && (double)na * nb <= 8 * 1000) {
        /* small samples without ties: the exact distribution, as scipy's method="auto" */
        double larger = u_a > (double)na * nb - u_a ? u_a : (double)na * nb - u_a;
        double p = 2.0 * mann_whitney_exact_sf(na, nb, larger);
        *z = (u_a - mean) / sqrt(variance);
        return p > 1.0 ? 1.0 : p;
    }
    double difference = fabs(u_a - mean) - 0.5;   /* continuity correction */
    if (difference < 0.0) difference = 0.0;
    *z = (u_a > mean ? 1 : -1) * difference / sqrt(variance);
    double p = erfc(difference / sqrt(variance) / sqrt(2.0));
    return p > 1.0 ? 1.0 : p;
}

/* ---- the report ---- */

typedef struct PairStats {
    int train, test;             /* test = -1: pooled over every dataset but the training one */
    Summary summary;
    int collapsed;
} PairStats;

typedef struct TestResult {
    int a, b;
    int na, nb;
    double u, z, p;
} TestResult;

typedef struct Misclassified {
    int dataset;
    int64_t image;
    int label;
    int wrong, runs;
} Misclassified;

static int compare_misclassified(const void *x, const void *y) {
    const Misclassified *a = x, *b = y;
    double ra = a->runs ? (double)a->wrong / a->runs : 0, rb = b->runs ? (double)b->wrong / b->runs : 0;
    if (ra != rb) return ra < rb ? 1 : -1;
    if (a->wrong != b->wrong) return a->wrong < b->wrong ? 1 : -1;
    if (a->dataset != b->dataset) return a->dataset - b->dataset;
    return (a->image > b->image) - (a->image < b->image);
}

static void json_string(FILE *out, const char *s) {
    fputc('"', out);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') fprintf(out, "\\%c", c);
        else if (c < 0x20) fprintf(out, "\\u%04x", c);
        else fputc(c, out);
    }
    fputc('"', out);
}

static void json_number(FILE *out, double v) {
    if (isfinite(v)) fprintf(out, "%.6g", v);
    else fprintf(out, "null");
}

#define TOP_MISCLASSIFIED 10

int report_write(const char *path, ReportFormat format, FILE *out, Error *err) {
    ResultsData data;
    int rc = results_load(path, 1, &data, err);
    if (rc != SS_OK) return rc;
    const ResultsShape *s = &data.shape;
    const int D = s->dataset_count, C = s->class_count;
    const int64_t T = s->task_count;
    int64_t done = 0, diverged = 0, pending = 0;
    int trains[JOB_MAX_DATASETS], train_count = 0;
    for (int64_t t = 0; t < T; t++) {
        if (data.task_status[t] == TASK_PENDING) {
            pending++;
            continue;
        }
        if (data.task_status[t] == TASK_DIVERGED) diverged++;
        else done++;
    }
    /* training datasets in plan order (tasks are grouped by training dataset) */
    for (int64_t t = 0; t < T; t++) {
        int d = data.task_train_dataset[t], seen = 0;
        for (int i = 0; i < train_count; i++) seen |= trains[i] == d;
        if (!seen && d >= 0 && d < D) trains[train_count++] = d;
    }
    PairStats *pairs = calloc((size_t)train_count * (D + 1), sizeof *pairs);
    double *values = malloc(sizeof(double) * (size_t)(T * D + 1));
    double **pooled = calloc((size_t)train_count, sizeof *pooled);
    int *pooled_n = calloc((size_t)train_count, sizeof *pooled_n);
    int64_t *train_pending = calloc((size_t)train_count, sizeof *train_pending);
    int pair_count = 0;
    if (!pairs || !values || !pooled || !pooled_n || !train_pending) {
        rc = error_set(err, SS_ERR_RUNTIME, "out of memory");
        goto done;
    }
    for (int i = 0; i < train_count; i++) {
        int tr = trains[i];
        pooled[i] = malloc(sizeof(double) * (size_t)(T * D + 1));
        if (!pooled[i]) {
            rc = error_set(err, SS_ERR_RUNTIME, "out of memory");
            goto done;
        }
        for (int64_t t = 0; t < T; t++)
            if (data.task_train_dataset[t] == tr && data.task_status[t] == TASK_PENDING) train_pending[i]++;
        for (int test = -1; test < D; test++) {
            PairStats *p = &pairs[pair_count++];
            p->train = tr;
            p->test = test;
            int n = 0;
            for (int64_t t = 0; t < T; t++) {
                if (data.task_status[t] == TASK_PENDING || data.task_train_dataset[t] != tr) continue;
                for (int d = 0; d < D; d++) {
                    if (test >= 0 ? d != test : d == tr) continue;
                    double a = data.accuracy[t * D + d];
                    if (isnan(a)) continue;
                    values[n++] = a;
                    if (data.collapsed[t * D + d] == 1) p->collapsed++;
                }
            }
            if (test < 0) {
                memcpy(pooled[i], values, sizeof(double) * (size_t)n);
                pooled_n[i] = n;
            }
            summary_of(values, n, &p->summary);
        }
    }
    int test_count = 0;
    TestResult tests[JOB_MAX_DATASETS * JOB_MAX_DATASETS / 2 + 1];
    for (int i = 0; i < train_count; i++)
        for (int j = i + 1; j < train_count; j++) {
            TestResult *r = &tests[test_count++];
            r->a = trains[i];
            r->b = trains[j];
            r->na = pooled_n[i];
            r->nb = pooled_n[j];
            r->p = mann_whitney(pooled[i], pooled_n[i], pooled[j], pooled_n[j], &r->u, &r->z);
        }
    /* misclassification counts over runs where the dataset was a test set */
    int64_t image_total = 0;
    for (int d = 0; d < D; d++) image_total += s->image_count[d];
    Misclassified *wrong = calloc((size_t)(image_total ? image_total : 1), sizeof *wrong);
    if (!wrong) {
        rc = error_set(err, SS_ERR_RUNTIME, "out of memory");
        goto done;
    }
    int64_t w = 0;
    for (int d = 0; d < D; d++) {
        const float *pred = data.predictions[d];
        const int64_t N = s->image_count[d];
        for (int64_t i = 0; i < N; i++) {
            Misclassified *m = &wrong[w + i];
            m->dataset = d;
            m->image = i;
            m->label = data.labels[d][i];
        }
        for (int64_t t = 0; t < T; t++) {
            if (data.task_status[t] == TASK_PENDING || data.task_train_dataset[t] == d) continue;
            for (int64_t i = 0; i < N; i++) {
                const float *p = pred + (t * N + i) * C;
                if (isnan(p[0])) continue;
                int best = 0;
                for (int c = 1; c < C; c++)
                    if (p[c] > p[best]) best = c;
                wrong[w + i].runs++;
                wrong[w + i].wrong += best != data.labels[d][i];
            }
        }
        w += N;
    }
    qsort(wrong, (size_t)image_total, sizeof *wrong, compare_misclassified);
    int top = 0;
    while (top < TOP_MISCLASSIFIED && top < image_total && wrong[top].wrong > 0) top++;

    char **names = data.dataset_names;
    if (format == REPORT_CSV) {
        fprintf(out, "train,test,n,median,q1,q3,min,max,mean,collapsed,pending_tasks\n");
        for (int i = 0; i < pair_count; i++) {
            PairStats *p = &pairs[i];
            int position = 0;
            for (int k = 0; k < train_count; k++)
                if (trains[k] == p->train) position = k;
            const Summary *m = &p->summary;
            fprintf(out, "%s,%s,%d,%.6g,%.6g,%.6g,%.6g,%.6g,%.6g,%d,%lld\n", names[p->train],
                    p->test < 0 ? "(pooled test)" : names[p->test], m->n, m->median, m->q1, m->q3, m->min, m->max,
                    m->mean, p->collapsed, (long long)train_pending[position]);
        }
    } else if (format == REPORT_JSON) {
        fprintf(out, "{\n  \"file\": ");
        json_string(out, path);
        fprintf(out, ",\n  \"tasks\": {\"total\": %lld, \"done\": %lld, \"diverged\": %lld, \"pending\": %lld},\n",
                (long long)T, (long long)done, (long long)diverged, (long long)pending);
        fprintf(out, "  \"accuracy\": [\n");
        for (int i = 0; i < pair_count; i++) {
            PairStats *p = &pairs[i];
            const Summary *m = &p->summary;
            fprintf(out, "    {\"train\": ");
            json_string(out, names[p->train]);
            fprintf(out, ", \"test\": ");
            if (p->test < 0) fprintf(out, "null, \"pooled_test\": true");
            else json_string(out, names[p->test]), fprintf(out, ", \"pooled_test\": false");
            fprintf(out, ", \"n\": %d, \"median\": ", m->n);
            json_number(out, m->median);
            fprintf(out, ", \"q1\": ");
            json_number(out, m->q1);
            fprintf(out, ", \"q3\": ");
            json_number(out, m->q3);
            fprintf(out, ", \"min\": ");
            json_number(out, m->min);
            fprintf(out, ", \"max\": ");
            json_number(out, m->max);
            fprintf(out, ", \"mean\": ");
            json_number(out, m->mean);
            fprintf(out, ", \"collapsed\": %d}%s\n", p->collapsed, i + 1 < pair_count ? "," : "");
        }
        fprintf(out, "  ],\n  \"mann_whitney\": [\n");
        for (int i = 0; i < test_count; i++) {
            TestResult *r = &tests[i];
            fprintf(out, "    {\"a\": ");
            json_string(out, names[r->a]);
            fprintf(out, ", \"b\": ");
            json_string(out, names[r->b]);
            fprintf(out, ", \"n_a\": %d, \"n_b\": %d, \"u\": ", r->na, r->nb);
            json_number(out, r->u);
            fprintf(out, ", \"z\": ");
            json_number(out, r->z);
            fprintf(out, ", \"p\": ");
            json_number(out, r->p);
            fprintf(out, "}%s\n", i + 1 < test_count ? "," : "");
        }
        fprintf(out, "  ],\n  \"most_misclassified\": [\n");
        for (int i = 0; i < top; i++) {
            Misclassified *m = &wrong[i];
            fprintf(out, "    {\"dataset\": ");
            json_string(out, names[m->dataset]);
            fprintf(out, ", \"image\": %lld, \"label\": ", (long long)m->image);
            json_string(out, data.class_names[m->label]);
            if (data.image_names[m->dataset]) {
                fprintf(out, ", \"name\": ");
                json_string(out, data.image_names[m->dataset][m->image]);
            }
            fprintf(out, ", \"wrong\": %d, \"runs\": %d}%s\n", m->wrong, m->runs, i + 1 < top ? "," : "");
        }
        fprintf(out, "  ]\n}\n");
    } else {
        fprintf(out, "%s: %lld tasks: %lld done, %lld diverged, %lld pending%s\n", path, (long long)T, (long long)done,
                (long long)diverged, (long long)pending, pending ? " (left out below)" : "");
        fprintf(out, "\nTest accuracy per training dataset (pooled: every dataset but the training one)\n");
        fprintf(out, "%-12s %-14s %5s %7s %7s %7s %7s %7s %7s %9s\n", "train", "test", "n", "median", "q1", "q3", "min",
                "max", "mean", "collapsed");
        for (int i = 0; i < pair_count; i++) {
            PairStats *p = &pairs[i];
            const Summary *m = &p->summary;
            char test[64];
            if (p->test < 0) snprintf(test, sizeof test, "(pooled)");
            else snprintf(test, sizeof test, "%s%s", names[p->test], p->test == p->train ? " (train)" : "");
            fprintf(out, "%-12s %-14s %5d %7.4f %7.4f %7.4f %7.4f %7.4f %7.4f %9d\n", names[p->train], test, m->n,
                    m->median, m->q1, m->q3, m->min, m->max, m->mean, p->collapsed);
        }
        for (int i = 0; i < train_count; i++)
            if (train_pending[i])
                fprintf(out, "  (%s: %lld tasks pending)\n", names[trains[i]], (long long)train_pending[i]);
        if (test_count) {
            fprintf(out, "\nMann-Whitney U, two-sided, pooled test accuracies (exact p when a sample has <= 8 values and\n"
                         "nothing is tied, else normal approximation with tie and continuity correction)\n");
            fprintf(out, "%-12s %-12s %5s %5s %10s %8s %10s\n", "a", "b", "n_a", "n_b", "U", "z", "p");
            for (int i = 0; i < test_count; i++) {
                TestResult *r = &tests[i];
                fprintf(out, "%-12s %-12s %5d %5d %10.1f %8.3f %10.4g\n", names[r->a], names[r->b], r->na, r->nb, r->u,
                        r->z, r->p);
            }
        }
        fprintf(out, "\nTest images most often misclassified (runs where their dataset was a test set)\n");
        if (!top) fprintf(out, "  none\n");
        for (int i = 0; i < top; i++) {
            Misclassified *m = &wrong[i];
            const char *source = data.image_names[m->dataset] ? data.image_names[m->dataset][m->image] : "";
            fprintf(out, "  %-12s image %-6lld label %-12s wrong in %d of %d runs  %s\n", names[m->dataset],
                    (long long)m->image, data.class_names[m->label], m->wrong, m->runs, source);
        }
    }
    free(wrong);
done:
    if (pooled)
        for (int i = 0; i < train_count; i++) free(pooled[i]);
    free(pooled);
    free(pooled_n);
    free(train_pending);
    free(pairs);
    free(values);
    results_data_free(&data);
    return rc;
}
