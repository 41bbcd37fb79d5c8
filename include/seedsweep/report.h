/* report.h - statistics of a results file (docs/design.md section 10): per (training, test) dataset
 * summaries, rank tests between training datasets, the most often misclassified images.
 * Computed once into a ReportStats, then rendered as text, CSV or JSON from it. */
#ifndef SEEDSWEEP_REPORT_H
#define SEEDSWEEP_REPORT_H

#include <stdio.h>

#include "seedsweep/common.h"
#include "seedsweep/report_collapse.h"
#include "seedsweep/report_compare.h"
#include "seedsweep/results.h"
#include "seedsweep/stats.h"

typedef enum { REPORT_TEXT, REPORT_CSV, REPORT_JSON } ReportFormat;

#define REPORT_TOP_MISCLASSIFIED 10

/* One training dataset, in plan order (tasks are grouped by training dataset), and over its finished runs (done, not diverged): how many predicted one class
 * for every image of every other dataset (the paper's collapsed runs: accuracy = class share),
 * with a Clopper-Pearson interval for that rate, and the median of the pooled test accuracies
 * with a percentile-bootstrap interval that resamples runs (a run's test accuracies stay
 * together). Level REPORT_CI_LEVEL, STATS_BOOTSTRAP_B resamples, seed STATS_BOOTSTRAP_SEED. */
typedef struct ReportTraining {
    int dataset;
    int64_t pending;           /* its tasks not finished yet (left out of every statistic) */
    int64_t diverged;          /* its tasks whose training diverged (loss NaN): left out of every statistic */
    int runs, collapsed_runs;
    double collapsed_low, collapsed_high;           /* of the rate collapsed_runs / runs */
    double median, median_low, median_high;         /* pooled test accuracy */
} ReportTraining;

/* One cell of the accuracy table: finished tasks (done, not diverged) of one training dataset,
 * their accuracies on one test dataset, NaN accuracies left out. */
typedef struct ReportPair {
    int training;              /* index into ReportStats.trainings */
    int train, test;           /* dataset indices; test = -1: pooled over every dataset but the training one */
    Summary accuracy;
    int collapsed;             /* runs among those that predicted one class for every image */
} ReportPair;

/* Mann-Whitney U between the pooled test accuracies of two training datasets. */
typedef struct ReportRankTest {
    int a, b;                  /* dataset indices, a before b in plan order */
    int na, nb;
    double u, z, p;            /* as stats_mann_whitney */
} ReportRankTest;

/* A test image and how often it was misclassified (argmax of its softmax row != label) over the
 * finished runs where its dataset was a test set. */
typedef struct ReportImage {
    int dataset;
    int64_t image;
    int label;
    int wrong, runs;
} ReportImage;

/* The spread of test accuracy in one cell of the study design: finished tasks of one grid point,
 * training dataset and group, their accuracies on one test dataset (not the training one).
 * Intervals: percentile bootstrap, REPORT_CI_LEVEL, STATS_BOOTSTRAP_B resamples, seed
 * STATS_BOOTSTRAP_SEED (the same for every cell, so a report is reproducible). share: this
 * group's variance over the variance of the group where every source varies ("all"), NaN
 * without one; for "all" itself 1 (no interval). */
#define REPORT_CI_LEVEL 0.95
typedef struct ReportSpread {
    int grid, training, group, test;   /* grid point, index into trainings, group, test dataset */
    int n;
    double median, median_low, median_high;
    double std, std_low, std_high;
    double iqr, iqr_low, iqr_high;
    double share, share_low, share_high;
} ReportSpread;

typedef struct ReportStats {
    int64_t task_count, done, diverged, pending;   /* of the file's part (all tasks for the whole job) */
    ResultsPart part;          /* a part's file (run --part): {index, count}; {0, 0} the whole job */
    int64_t job_task_count;
    int training_count;
    ReportTraining trainings[RESULTS_MAX_DATASETS];
    int pair_count;            /* training_count x (dataset_count + 1) */
    ReportPair *pairs;         /* per training dataset: the pooled cell, then each test dataset in order */
    int rank_test_count;       /* one per two training datasets */
    ReportRankTest *rank_tests;
    int misclassified_count;   /* at most REPORT_TOP_MISCLASSIFIED, only images wrong at least once */
    ReportImage misclassified[REPORT_TOP_MISCLASSIFIED];   /* highest wrong/runs first */
    /* the study design, from the job text stored in the file (plain, no grid: 1 group, 1 point) */
    int group_count, grid_count;
    char group_names[RESULTS_MAX_GROUPS][24];
    char **grid_labels;        /* grid_count, e.g. "lr=0.001 epochs=3"; "" without [grid] */
    int spread_count;          /* per grid point, training dataset, test dataset, group */
    ReportSpread *spreads;
    int32_t *task_group, *task_grid;   /* per task, from the job text (plan_task) */
    ReportFloor *floors;       /* spread_count: the test-set floor of each spread entry (report_compare.h) */
    int comparison_count;
    ReportComparison *comparisons;
    int class_spread_count;
    ReportClassSpread *class_spreads;
    int host_count;            /* hosts that ran finished tasks (from /task_host; 0 in older files) */
    ResultsHostTasks *hosts;   /* in order of their first task */
    ReportCollapse collapse;   /* why runs collapse (report_collapse.h) */
} ReportStats;

/* Whether task t counts on test dataset d: done (not diverged, not pending) and a number there. */
int report_run_counts(const ResultsData *data, int64_t t, int d);
/* JSON pieces shared by the report's parts: a quoted string, and `, "key": value` (null for NaN). */
void report_json_string(FILE *out, const char *s);
void report_json_field(FILE *out, const char *key, double v);

/* data must hold predictions (results_load with_predictions). Free stats with report_stats_free. */
int report_compute(const ResultsData *data, ReportStats *stats, Error *err);
void report_stats_free(ReportStats *stats);
/* path is only printed; data gives the dataset, class and image names. */
void report_render(const ReportStats *stats, const ResultsData *data, const char *path, ReportFormat format, FILE *out);

/* Reads path (it may belong to a running sweep: pending tasks are left out and counted). */
int report_write(const char *path, ReportFormat format, FILE *out, Error *err);

#endif
