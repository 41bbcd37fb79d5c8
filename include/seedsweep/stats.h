/* stats.h - descriptive statistics and the rank test on plain double arrays: no I/O, no
 * allocation kept. The one home of quantiles (the report's summaries, bench's step times). */
#ifndef SEEDSWEEP_STATS_H
#define SEEDSWEEP_STATS_H

#include <stdint.h>

typedef struct Summary {
    int n;
    double median, q1, q3, min, max, mean;   /* quartiles interpolate linearly (numpy's default) */
} Summary;

void stats_sort(double *values, int64_t n);                          /* ascending, in place */
/* q in [0, 1] of sorted[n], interpolating linearly between neighbours (numpy's default). */
double stats_quantile(const double *sorted, int64_t n, double q);
double stats_median(double *values, int64_t n);                      /* sorts values in place */
/* values is sorted in place; NaNs must be left out by the caller; n = 0 gives NaNs. */
void stats_summary(double *values, int n, Summary *s);

/* Two-sided Mann-Whitney U test, as scipy.stats.mannwhitneyu(a, b) (method "auto"): U of a;
 * p exact when a sample has <= 8 values and nothing is tied, else from the normal approximation
 * with tie and continuity correction. p = NaN when a sample is empty or all values are tied. */
double stats_mann_whitney(const double *a, int na, const double *b, int nb, double *u, double *z);

#endif
