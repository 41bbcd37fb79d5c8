/* cmd_info.c - 'seedsweep info FILE.h5': what a seedsweep file holds.
 * The file's root "format" attribute picks a describer from FILE_KINDS (datasets and results files). */
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

typedef struct FileKind {
    const char *format;                                  /* root 'format' attribute */
    int (*describe)(const char *path, Error *err);       /* prints to stdout */
} FileKind;

static int describe_results(const char *path, Error *err) { return results_print_info(path, stdout, err); }

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
