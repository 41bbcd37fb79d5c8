/* report.c - `seedsweep report`: reads a results file (finished or still running) and prints
 * per-(training, test) accuracy summaries, Mann-Whitney U tests between training datasets on
 * their pooled test accuracies, and the test images most often misclassified across runs. */
#include "seedsweep/report.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "seedsweep/results.h"

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
            stats_summary(values, n, &p->summary);
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
            r->p = stats_mann_whitney(pooled[i], pooled_n[i], pooled[j], pooled_n[j], &r->u, &r->z);
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
