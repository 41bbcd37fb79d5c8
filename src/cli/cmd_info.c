/* cmd_info.c - 'seedsweep info FILE.h5': what a seedsweep file holds.
 * The file's root "format" attribute picks a describer from FILE_KINDS: a dataset, or a results
 * file (read with results_load, rendered here). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "seedsweep/dataset.h"
#include "seedsweep/text_escape.h"
#include "seedsweep/results.h"

static void info_help(void) {
    printf("usage: seedsweep info FILE.h5\n\n"
           "Describes a seedsweep file, chosen by its root 'format' attribute.\n"
           "  dataset (%s): images per class, image size and channels, mean and standard\n"
           "    deviation of the pixel values (0-255; overall and per class), how it was made.\n\n"
           "example:\n  seedsweep info data/fly1.h5\n", DATASET_FORMAT);
}

static int describe_dataset(const char *path, Error *err) {
    Dataset ds;
    if (dataset_load(path, &ds, err) != SS_OK) return err->code;
    int64_t *counts = calloc((size_t)ds.class_count, sizeof *counts);
    double *sum = calloc((size_t)ds.class_count, sizeof *sum), *sum_sq = calloc((size_t)ds.class_count, sizeof *sum_sq);
    if (!counts || !sum || !sum_sq) {
        free(counts);
        free(sum);
        free(sum_sq);
        dataset_free(&ds);
        return error_set(err, SS_ERR_RUNTIME, "out of memory");
    }
    dataset_class_counts(&ds, counts);
    int64_t pixels = (int64_t)ds.height * ds.width * ds.channels;
    for (int64_t i = 0; i < ds.count; i++) {
        const uint8_t *p = dataset_image(&ds, i);
        uint64_t s = 0, s2 = 0;  /* exact per image, then doubles across images */
        for (int64_t j = 0; j < pixels; j++) {
            s += p[j];
            s2 += (uint64_t)p[j] * p[j];
        }
        sum[ds.labels[i]] += (double)s;
        sum_sq[ds.labels[i]] += (double)s2;
    }
    double total = 0, total_sq = 0;
    for (int k = 0; k < ds.class_count; k++) {
        total += sum[k];
        total_sq += sum_sq[k];
    }
    double n = (double)ds.count * pixels, mean = total / n;
    printf("file      %s\n", path);
    printf("format    %s\n", DATASET_FORMAT);
    char text[DATASET_MAX_SOURCE_BYTES];   /* strings from the file: control characters shown as \xXX */
    printf("source    %s\n", ds.source && ds.source[0] ? text_escape_plain(ds.source, text, sizeof text) : "(not given)");
    printf("images    %lld, %dx%d pixels (height x width), %d channel%s\n", (long long)ds.count, ds.height, ds.width,
           ds.channels, ds.channels == 1 ? "" : "s");
    printf("pixels    mean %.2f, std %.2f (0-255)\n", mean, sqrt(fmax(0.0, total_sq / n - mean * mean)));
    printf("names     %s\n", ds.names ? "yes (/names)" : "no");
    printf("classes   %d\n", ds.class_count);
    for (int k = 0; k < ds.class_count; k++) {
        double nk = (double)counts[k] * pixels, mk = sum[k] / nk;
        printf("  %3d  %-16s %8lld images (%5.1f%%)  mean %6.2f  std %6.2f\n", k,
               text_escape_plain(ds.class_names[k], text, sizeof text), (long long)counts[k],
               100.0 * counts[k] / ds.count, mk, sqrt(fmax(0.0, sum_sq[k] / nk - mk * mk)));
    }
    free(counts);
    free(sum);
    free(sum_sq);
    dataset_free(&ds);
    return SS_OK;
}

/* A results file: what it holds and how far the sweep got (it may still be running). */
static int describe_results(const char *path, Error *err) {
    FILE *out = stdout;
    ResultsData data;
    int rc = results_load(path, 0, &data, err);
    if (rc != SS_OK) return rc;
    const ResultsShape *s = &data.shape;
    int64_t done = 0, diverged = 0;
    double seconds = 0.0;
    const int64_t part_tasks = results_part_task_count(data.part, s->task_count);   /* of this file's part */
    for (int64_t t = 0; t < s->task_count; t++) {
        if (!results_part_has(data.part, t)) continue;
        if (data.task_status[t] == TASK_DONE) done++;
        if (data.task_status[t] == TASK_DIVERGED) diverged++;
        if (data.task_status[t] != TASK_PENDING && isfinite(data.task_seconds[t])) seconds += data.task_seconds[t];
    }
    fprintf(out, "%s: seedsweep results file (%s)\n", path, RESULTS_FORMAT);
    if (data.part.count > 0) {
        char part[96];
        results_part_describe(data.part, part, sizeof part);
        fprintf(out, "  part      %s (%lld of the job's %lld tasks; seedsweep merge joins the parts)\n", part,
                (long long)part_tasks, (long long)s->task_count);
    }
    fprintf(out, "  tasks     %lld: %lld done, %lld diverged, %lld pending%s\n", (long long)part_tasks, (long long)done,
            (long long)diverged, (long long)(part_tasks - done - diverged),
            done + diverged < part_tasks ? " (sweep unfinished or running)" : "");
    fprintf(out, "  datasets  %d:", s->dataset_count);
    for (int d = 0; d < s->dataset_count; d++)
        fprintf(out, " %s (%lld images)", data.dataset_names[d], (long long)s->image_count[d]);
    fprintf(out, "\n  classes   %d:", s->class_count);
    for (int c = 0; c < s->class_count; c++) fprintf(out, " %s", data.class_names[c]);
    fprintf(out, "\n  epochs    %d\n", s->epochs);
    fprintf(out, "  compute   %.1f s of task time recorded\n", seconds);
    fprintf(out, "  created   %s by seedsweep %s, %d ranks x %d threads, BLAS %s\n", data.created ? data.created : "?",
            data.version ? data.version : "?", data.ranks, data.threads_per_rank, data.blas ? data.blas : "?");
    fprintf(out, "  job_sha256 %s\n", data.job_sha256 ? data.job_sha256 : "?");
    for (int h = 0; h < data.host_count; h++)
        fprintf(out, "  host      run %d: %s, %d rank%s, CPU %s, BLAS %s\n", data.hosts[h].run, data.hosts[h].name,
                data.hosts[h].ranks, data.hosts[h].ranks == 1 ? "" : "s", data.hosts[h].cpu_model, data.hosts[h].blas_core);
    ResultsHostTasks *tasks = calloc(RESULTS_MAX_HOSTS, sizeof *tasks);
    int n = tasks ? results_host_task_counts(&data, tasks, RESULTS_MAX_HOSTS) : 0;
    if (n) fprintf(out, "  tasks by host:");
    for (int h = 0; h < n; h++) fprintf(out, " %s %lld%s", tasks[h].name, (long long)tasks[h].tasks, h + 1 < n ? "," : "\n");
    free(tasks);
    results_data_free(&data);
    return SS_OK;
}

typedef struct FileKind {
    const char *format;                                  /* root 'format' attribute */
    int (*describe)(const char *path, Error *err);       /* prints to stdout */
} FileKind;

static const FileKind FILE_KINDS[] = {
    {DATASET_FORMAT, describe_dataset},
    {RESULTS_FORMAT, describe_results},
};

int cmd_info(int argc, char **argv) {
    if (cli_wants_help(argc, argv)) {
        info_help();
        return 0;
    }
    const char *path = NULL;
    for (int i = 1; i < argc; i++) {
        if (argv[i][0] == '-' && argv[i][1]) return cli_usage_error("info", "unknown option '%s'", argv[i]);
        if (path) return cli_usage_error("info", "unexpected argument '%s' (one file at a time)", argv[i]);
        path = argv[i];
    }
    if (!path) return cli_usage_error("info", "missing FILE.h5");
    Error err;
    error_clear(&err);
    char format[256];
    if (hdf5_file_format(path, format, sizeof format, &err) != SS_OK) return cli_fail(&err);
    for (size_t k = 0; k < sizeof FILE_KINDS / sizeof FILE_KINDS[0]; k++)
        if (!strcmp(format, FILE_KINDS[k].format)) return FILE_KINDS[k].describe(path, &err) == SS_OK ? 0 : cli_fail(&err);
    error_set(&err, SS_ERR_INPUT, "%s: format \"%s\" is not one info knows (expected \"%s\")", path, format, DATASET_FORMAT);
    return cli_fail(&err);
}
