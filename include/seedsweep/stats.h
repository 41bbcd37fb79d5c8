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

/* Sample variance and standard deviation (divisor n - 1, numpy's ddof=1); NaN when n < 2. */
double stats_variance(const double *values, int64_t n);
double stats_std(const double *values, int64_t n);
/* Interquartile range q3 - q1 (linear interpolation); values sorted in place; NaN when n = 0. */
double stats_iqr(double *values, int64_t n);

typedef enum { STAT_MEDIAN, STAT_STD, STAT_IQR } StatKind;
double stats_statistic(StatKind kind, double *values, int64_t n);   /* may sort values */

/* Percentile bootstrap: B resamples of values[n] with replacement, drawn from the Philox stream
 * (seed, RNG_PURPOSE_BOOTSTRAP), the statistic of each, and the (1-level)/2 and (1+level)/2
 * quantiles of those B statistics (linear interpolation). scratch: room for n + B doubles.
 * NaN bounds when n < 2 (n < 3 for std). Deterministic for a given seed. */
#define STATS_BOOTSTRAP_B 2000
#define STATS_BOOTSTRAP_SEED 20210301
void stats_bootstrap_ci(StatKind kind, const double *values, int64_t n, int B, uint64_t seed, double level,
                        double *scratch, double *low, double *high);

/* Percentile bootstrap of the ratio var(a) / var(b) (ddof=1), a and b resampled independently
 * from the stream (seed, RNG_PURPOSE_BOOTSTRAP). scratch: room for na + nb + B doubles. NaN
 * bounds when a sample has fewer than 3 values. */
void stats_bootstrap_variance_ratio_ci(const double *a, int64_t na, const double *b, int64_t nb, int B, uint64_t seed,
                                       double level, double *scratch, double *low, double *high);

/* Percentile bootstrap of the median when values come in clusters (several test datasets of one
 * run): B resamples of the clusters with replacement, each replicate the median of every value
 * of the chosen clusters; cluster c holds values[offsets[c] .. offsets[c+1]-1]. Resampling runs,
 * not values, keeps a run's accuracies together (they are not independent). scratch: room for
 * offsets[clusters] + B doubles. NaN bounds when fewer than 2 clusters. Same stream as above. */
void stats_cluster_bootstrap_median_ci(const double *values, const int64_t *offsets, int64_t clusters, int B,
                                       uint64_t seed, double level, double *scratch, double *low, double *high);

/* Clopper-Pearson ("exact") interval for a proportion of k successes in n trials, as
 * scipy.stats.binomtest(k, n).proportion_ci(level, method="exact"): never empty at k = 0 or k = n,
 * where a percentile bootstrap of 0/1 indicators collapses to a point. NaN bounds when n < 1. */
void stats_binomial_ci(int64_t k, int64_t n, double level, double *low, double *high);

/* Probability of outperforming (Bouthillier et al. 2021): (#{a_i > b_j} + 0.5 #{a_i = b_j}) /
 * (na nb) over every pair of one value of a and one of b. scratch: room for na + nb doubles.
 * NaN when a sample is empty. */
double stats_prob_greater(const double *a, int64_t na, const double *b, int64_t nb, double *scratch);
/* Its percentile bootstrap: B replicates, each resampling a (na draws) then b (nb draws) with
 * replacement from the stream (seed, RNG_PURPOSE_BOOTSTRAP). scratch: room for na + nb + B
 * doubles. NaN bounds when a sample has fewer than 2 values. */
void stats_bootstrap_prob_greater_ci(const double *a, int64_t na, const double *b, int64_t nb, int B, uint64_t seed,
                                     double level, double *scratch, double *low, double *high);

/* Two-sided Wilcoxon signed-rank test on paired differences d[n], as scipy.stats.wilcoxon(d) 1.10
 * with its defaults (zero_method "wilcox", correction False, method "auto"): exact null
 * distribution when n <= 50 and no difference is zero (the statistic cut to an integer when ties
 * give half ranks, as scipy does); otherwise zeros dropped and the normal approximation with the
 * tie correction. statistic (may be NULL): min(R+, R-). NaN when n = 0 or every difference is 0. */
double stats_wilcoxon(const double *d, int64_t n, double *statistic);

/* Noether's runs per arm to detect P(A>B) = p with a one-sided alpha = beta = 0.05 test:
 * ceil((2 z)^2 / (6 (p - 0.5)^2)), z = 1.6448536 (Bouthillier et al. 2021). NaN at p = 0.5 or
 * a p outside [0, 1]. A planning aid, not a test. */
#define STATS_NOETHER_Z 1.6448536
double stats_noether_runs(double p);

/* Expected best of k values drawn with replacement from sorted[n] (ascending; Dodge et al. 2020):
 * sum_i sorted[i-1] ((i/n)^k - ((i-1)/n)^k), i = 1..n. NaN when n = 0 or k < 1. */
double stats_expected_max(const double *sorted, int64_t n, int k);

#endif
