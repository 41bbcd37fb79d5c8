/* report.h - statistics of a results file (DESIGN.md section 10): per (training, test) dataset
 * summaries, rank tests between training datasets, the most often misclassified images. */
#ifndef SEEDSWEEP_REPORT_H
#define SEEDSWEEP_REPORT_H

#include <stdio.h>

#include "seedsweep/common.h"

typedef enum { REPORT_TEXT, REPORT_CSV, REPORT_JSON } ReportFormat;

typedef struct Summary {
    int n;
    double median, q1, q3, min, max, mean;   /* quartiles interpolate linearly (numpy's default) */
} Summary;

/* values is sorted in place; NaNs must be left out by the caller. */
void summary_of(double *values, int n, Summary *s);

/* Two-sided Mann-Whitney U test, as scipy.stats.mannwhitneyu(a, b) (method "auto"): U of a;
 * p exact when a sample has <= 8 values and nothing is tied, else from the normal approximation
 * with tie and continuity correction. p = NaN when a sample is empty or all values are tied. */
double mann_whitney(const double *a, int na, const double *b, int nb, double *u, double *z);

/* Reads path (it may belong to a running sweep: pending tasks are left out and counted). */
int report_write(const char *path, ReportFormat format, FILE *out, Error *err);

#endif
