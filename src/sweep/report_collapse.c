/* report_collapse.c - the report's "why runs collapse" part (report_collapse.h): computed once
 * into a ReportCollapse (a few medians over finished tasks), then rendered as text, CSV or JSON. */
#include "seedsweep/report_collapse.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "seedsweep/stats.h"

static int has_arrays(const ResultsData *data) {
    return data->task_collapse_epoch && data->dead_relu && data->shape.relu_layer_count > 0;
}

/* Done tasks only: a diverged one (loss NaN) is left out, as in the rest of the report. */
static int finished(const ResultsData *data, int64_t t) { return data->task_status[t] == TASK_DONE; }

/* Training datasets in order of their first task: how many into trains. */
static int trainings(const ResultsData *data, int *trains) {
    int count = 0;
    for (int64_t t = 0; t < data->shape.task_count; t++) {
        int d = data->task_train_dataset[t], seen = 0;
        for (int i = 0; i < count; i++) seen |= trains[i] == d;
        if (!seen && d >= 0 && d < data->shape.dataset_count && count < RESULTS_MAX_DATASETS) trains[count++] = d;
    }
    return count;
}

/* Task t's dead fraction in layer k at its last epoch with a value (NaN when none). */
static double last_dead(const ResultsData *data, int64_t t, int k) {
    const int E = data->shape.epochs, R = data->shape.relu_layer_count;
    for (int e = E - 1; e >= 0; e--) {
        float v = data->dead_relu[((size_t)t * E + e) * R + k];
        if (isfinite(v)) return v;
    }
    return NAN;
}

/* Training dataset s->train's tasks and collapse epochs, and per ReLU layer the median dead
 * fraction of its collapsed and other runs (values: room for task_count). */
static void summarize(const ResultsData *data, ReportCollapseTraining *s, double *values) {
    const int E = data->shape.epochs, R = data->shape.relu_layer_count;
    const int64_t T = data->shape.task_count;
    for (int64_t t = 0; t < T; t++) {
        if (!finished(data, t) || data->task_train_dataset[t] != s->train) continue;
        int ce = data->task_collapse_epoch[t];
        s->tasks++;
        if (ce > 0 && ce <= E) {
            s->collapsed++;
            s->epochs[ce]++;
        }
    }
    for (int k = 0; k < R; k++)
        for (int c = 0; c < 2; c++) {
            int64_t n = 0;
            for (int64_t t = 0; t < T; t++) {
                if (!finished(data, t) || data->task_train_dataset[t] != s->train) continue;
                if ((data->task_collapse_epoch[t] > 0) != c) continue;
                double v = last_dead(data, t, k);
                if (isfinite(v)) values[n++] = v;
            }
            s->layers[k].n[c] = (int)n;
            s->layers[k].median[c] = n ? stats_median(values, n) : NAN;
        }
}

int report_collapse_compute(const ResultsData *data, ReportCollapse *out, Error *err) {
    memset(out, 0, sizeof *out);
    if (!has_arrays(data)) return SS_OK;
    int trains[RESULTS_MAX_DATASETS];
    const int count = trainings(data, trains), E = data->shape.epochs, R = data->shape.relu_layer_count;
    const int64_t T = data->shape.task_count;
    out->trainings = calloc((size_t)count + 1, sizeof *out->trainings);
    double *values = malloc(sizeof(double) * (size_t)(T ? T : 1));
    int rc = out->trainings && values ? SS_OK : SS_ERR_RUNTIME;
    for (int i = 0; rc == SS_OK && i < count; i++) {
        ReportCollapseTraining *s = &out->trainings[out->count++];
        s->train = trains[i];
        s->epochs = calloc((size_t)E + 1, sizeof *s->epochs);
        s->layers = calloc((size_t)R, sizeof *s->layers);
        if (!s->epochs || !s->layers) rc = SS_ERR_RUNTIME;
        else summarize(data, s, values);
    }
    free(values);
    if (rc != SS_OK) {
        report_collapse_free(out);
        return error_set(err, SS_ERR_RUNTIME, "out of memory");
    }
    return SS_OK;
}

void report_collapse_free(ReportCollapse *c) {
    for (int i = 0; c->trainings && i < c->count; i++) {
        free(c->trainings[i].epochs);
        free(c->trainings[i].layers);
    }
    free(c->trainings);
    memset(c, 0, sizeof *c);
}

/* "2 (1), 5 (3)" (with_counts) or "2;5;5": collapse epochs, none for none. */
static void epoch_list(const ReportCollapseTraining *s, int epochs, const char *separator, int with_counts, const char *none,
                       FILE *out) {
    int first = 1;
    for (int e = 1; e <= epochs; e++)
        for (int j = 0; j < (with_counts ? (s->epochs[e] > 0) : s->epochs[e]); j++) {
            fprintf(out, "%s%d", first ? "" : separator, e);
            if (with_counts) fprintf(out, " (%d)", s->epochs[e]);
            first = 0;
        }
    if (first) fprintf(out, "%s", none);
}

static void median_text(double median, int n, FILE *out) {
    if (n) fprintf(out, "  %9.4f %4d", median, n);
    else fprintf(out, "  %9s %4d", "-", n);
}

void report_collapse_text(const ReportCollapse *c, const ResultsData *data, FILE *out) {
    if (!has_arrays(data)) return;
    const ReportCollapseTraining *s = c->trainings;
    const int count = c->count, R = data->shape.relu_layer_count;
    fprintf(out, "\nWhy runs collapse (collapse epoch: the first epoch after which one class was predicted for every\n"
                 "training image of that epoch and of every later one; dead ReLU unit: output 0 for every training\n"
                 "image of an epoch)\n");
    fprintf(out, "%-12s %5s %9s  %s\n", "train", "tasks", "collapsed", "collapse epochs (tasks)");
    for (int i = 0; i < count; i++) {
        fprintf(out, "%-12s %5d %9d  ", data->dataset_names[s[i].train], s[i].tasks, s[i].collapsed);
        epoch_list(&s[i], data->shape.epochs, ", ", 1, "-", out);
        fprintf(out, "\n");
    }
    fprintf(out, "Median fraction of dead ReLU units at each task's last trained epoch\n");
    fprintf(out, "%-12s %-14s  %9s %4s  %9s %4s\n", "train", "layer", "collapsed", "n", "not", "n");
    for (int i = 0; i < count; i++)
        for (int k = 0; k < R; k++) {
            fprintf(out, "%-12s %-14s", data->dataset_names[s[i].train],
                    data->relu_layer_names ? data->relu_layer_names[k] : "?");
            median_text(s[i].layers[k].median[1], s[i].layers[k].n[1], out);
            median_text(s[i].layers[k].median[0], s[i].layers[k].n[0], out);
            fprintf(out, "\n");
        }
}

void report_collapse_csv(const ReportCollapse *c, const ResultsData *data, FILE *out) {
    if (!has_arrays(data)) return;
    const ReportCollapseTraining *s = c->trainings;
    const int count = c->count, R = data->shape.relu_layer_count;
    fprintf(out, "\ntrain,relu_layer,tasks,collapsed,collapse_epochs,median_dead_collapsed,n_collapsed,"
                 "median_dead_not_collapsed,n_not_collapsed\n");
    for (int i = 0; i < count; i++)
        for (int k = 0; k < R; k++) {
            const ReportDeadLayer *l = &s[i].layers[k];
            fprintf(out, "%s,%s,%d,%d,", data->dataset_names[s[i].train],
                    data->relu_layer_names ? data->relu_layer_names[k] : "?", s[i].tasks, s[i].collapsed);
            epoch_list(&s[i], data->shape.epochs, ";", 0, "", out);
            fprintf(out, ",%.6g,%d,%.6g,%d\n", l->median[1], l->n[1], l->median[0], l->n[0]);
        }
}

/* Names here are dataset names and "conv16@1"-style layer names: printed as they are, quotes and
 * backslashes (never in either) dropped so the JSON stays valid whatever. */
static void json_name(FILE *out, const char *s) {
    fputc('"', out);
    for (; *s; s++)
        if (*s != '"' && *s != '\\' && (unsigned char)*s >= 0x20) fputc(*s, out);
    fputc('"', out);
}

static void json_median(FILE *out, double v) {
    if (isfinite(v)) fprintf(out, "%.6g", v);
    else fprintf(out, "null");
}

void report_collapse_json(const ReportCollapse *c, const ResultsData *data, FILE *out) {
    if (!has_arrays(data)) return;
    const ReportCollapseTraining *s = c->trainings;
    const int count = c->count, R = data->shape.relu_layer_count;
    fprintf(out, ",\n  \"collapse\": {\"relu_layers\": [");
    for (int k = 0; k < R; k++) {
        fprintf(out, "%s", k ? ", " : "");
        json_name(out, data->relu_layer_names ? data->relu_layer_names[k] : "?");
    }
    fprintf(out, "], \"by_training\": [\n");
    for (int i = 0; i < count; i++) {
        fprintf(out, "    {\"train\": ");
        json_name(out, data->dataset_names[s[i].train]);
        fprintf(out, ", \"tasks\": %d, \"collapsed\": %d, \"collapse_epochs\": [", s[i].tasks, s[i].collapsed);
        epoch_list(&s[i], data->shape.epochs, ", ", 0, "", out);
        fprintf(out, "], \"dead_relu_last_epoch\": [");
        for (int k = 0; k < R; k++) {
            const ReportDeadLayer *l = &s[i].layers[k];
            fprintf(out, "%s{\"median_collapsed\": ", k ? ", " : "");
            json_median(out, l->median[1]);
            fprintf(out, ", \"n_collapsed\": %d, \"median_not_collapsed\": ", l->n[1]);
            json_median(out, l->median[0]);
            fprintf(out, ", \"n_not_collapsed\": %d}", l->n[0]);
        }
        fprintf(out, "]}%s\n", i + 1 < count ? "," : "");
    }
    fprintf(out, "  ]}");
}
