/* stats.c - quantiles, summaries and the Mann-Whitney U test, checked against numpy and
 * scipy.stats in tests/test_stats.c. */
#include "seedsweep/stats.h"

#include "seedsweep/rng.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int compare_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

void stats_sort(double *values, int64_t n) {
    qsort(values, (size_t)n, sizeof *values, compare_double);
}

double stats_quantile(const double *sorted, int64_t n, double q) {
    double position = q * (n - 1);
    int64_t below = (int64_t)floor(position);
    int64_t above = below + 1 < n ? below + 1 : below;
    double fraction = position - below;
    return sorted[below] + (sorted[above] - sorted[below]) * fraction;
}

double stats_median(double *values, int64_t n) {
    stats_sort(values, n);
    return stats_quantile(values, n, 0.5);
}

void stats_summary(double *values, int n, Summary *s) {
    memset(s, 0, sizeof *s);
    s->n = n;
    if (n == 0) {
        s->median = s->q1 = s->q3 = s->min = s->max = s->mean = NAN;
        return;
    }
    stats_sort(values, n);
    double sum = 0.0;
    for (int i = 0; i < n; i++) sum += values[i];
    s->mean = sum / n;
    s->min = values[0];
    s->max = values[n - 1];
    s->median = stats_quantile(values, n, 0.5);
    s->q1 = stats_quantile(values, n, 0.25);
    s->q3 = stats_quantile(values, n, 0.75);
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

double stats_mann_whitney(const double *a, int na, const double *b, int nb, double *u, double *z) {
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

double stats_variance(const double *values, int64_t n) {
    if (n < 2) return NAN;
    double mean = 0.0;
    for (int64_t i = 0; i < n; i++) mean += values[i];
    mean /= (double)n;
    double sum = 0.0;   /* two passes: no cancellation for values far from zero */
    for (int64_t i = 0; i < n; i++) sum += (values[i] - mean) * (values[i] - mean);
    return sum / (double)(n - 1);
}

double stats_std(const double *values, int64_t n) { return sqrt(stats_variance(values, n)); }

double stats_iqr(double *values, int64_t n) {
    if (n < 1) return NAN;
    stats_sort(values, n);
    return stats_quantile(values, n, 0.75) - stats_quantile(values, n, 0.25);
}

double stats_statistic(StatKind kind, double *values, int64_t n) {
    switch (kind) {
    case STAT_MEDIAN: return n < 1 ? NAN : stats_median(values, n);
    case STAT_STD: return stats_std(values, n);
    case STAT_IQR: return stats_iqr(values, n);
    }
    return NAN;
}

void stats_bootstrap_ci(StatKind kind, const double *values, int64_t n, int B, uint64_t seed, double level,
                        double *scratch, double *low, double *high) {
    *low = *high = NAN;
    if (n < (kind == STAT_STD ? 3 : 2) || B < 1) return;
    double *resample = scratch, *replicates = scratch + n;
    Rng rng = rng_stream(seed, RNG_PURPOSE_BOOTSTRAP);
    for (int b = 0; b < B; b++) {
        for (int64_t i = 0; i < n; i++) resample[i] = values[rng_below(&rng, (uint64_t)n)];
        replicates[b] = stats_statistic(kind, resample, n);
    }
    stats_sort(replicates, B);
    *low = stats_quantile(replicates, B, (1.0 - level) / 2.0);
    *high = stats_quantile(replicates, B, (1.0 + level) / 2.0);
}

void stats_bootstrap_variance_ratio_ci(const double *a, int64_t na, const double *b, int64_t nb, int B, uint64_t seed,
                                       double level, double *scratch, double *low, double *high) {
    *low = *high = NAN;
    if (na < 3 || nb < 3 || B < 1) return;
    double *ra = scratch, *rb = scratch + na, *replicates = scratch + na + nb;
    Rng rng = rng_stream(seed, RNG_PURPOSE_BOOTSTRAP);
    int kept = 0;
    for (int r = 0; r < B; r++) {
        for (int64_t i = 0; i < na; i++) ra[i] = a[rng_below(&rng, (uint64_t)na)];
        for (int64_t i = 0; i < nb; i++) rb[i] = b[rng_below(&rng, (uint64_t)nb)];
        double denominator = stats_variance(rb, nb);
        /* a resample of b with one distinct value has no variance: that replicate is undefined */
        if (denominator > 0) replicates[kept++] = stats_variance(ra, na) / denominator;
    }
    if (!kept) return;
    stats_sort(replicates, kept);
    *low = stats_quantile(replicates, kept, (1.0 - level) / 2.0);
    *high = stats_quantile(replicates, kept, (1.0 + level) / 2.0);
}

void stats_cluster_bootstrap_median_ci(const double *values, const int64_t *offsets, int64_t clusters, int B,
                                       uint64_t seed, double level, double *scratch, double *low, double *high) {
    *low = *high = NAN;
    if (clusters < 2 || B < 1) return;
    const int64_t total = offsets[clusters];
    double *resample = scratch, *replicates = scratch + total;
    Rng rng = rng_stream(seed, RNG_PURPOSE_BOOTSTRAP);
    int kept = 0;
    for (int b = 0; b < B; b++) {
        /* as many clusters as there are, so a replicate holds about total values (fewer or more
         * when clusters differ in size, never more than room for: the draws stop at total) */
        int64_t n = 0;
        for (int64_t c = 0; c < clusters; c++) {
            int64_t pick = (int64_t)rng_below(&rng, (uint64_t)clusters);
            for (int64_t i = offsets[pick]; i < offsets[pick + 1] && n < total; i++) resample[n++] = values[i];
        }
        if (n > 0) replicates[kept++] = stats_median(resample, n);
    }
    if (!kept) return;
    stats_sort(replicates, kept);
    *low = stats_quantile(replicates, kept, (1.0 - level) / 2.0);
    *high = stats_quantile(replicates, kept, (1.0 + level) / 2.0);
}

/* P(X <= k) for X ~ Binomial(n, p), summed in log space (n up to millions without overflow). */
static double binomial_cdf(int64_t k, int64_t n, double p) {
    if (k < 0) return 0.0;
    if (k >= n) return 1.0;
    if (p <= 0.0) return 1.0;
    if (p >= 1.0) return 0.0;
    double sum = 0.0, lp = log(p), lq = log1p(-p), lgn = lgamma((double)n + 1);
    for (int64_t i = 0; i <= k; i++)
        sum += exp(lgn - lgamma((double)i + 1) - lgamma((double)(n - i) + 1) + i * lp + (n - i) * lq);
    return sum > 1.0 ? 1.0 : sum;
}

/* The p in [0, 1] where the decreasing function cdf(p) crosses target, by bisection (60 halvings:
 * below double precision). */
static double binomial_solve(int64_t k, int64_t n, double target) {
    double lo = 0.0, hi = 1.0;
    for (int i = 0; i < 60; i++) {
        double mid = 0.5 * (lo + hi);
        if (binomial_cdf(k, n, mid) > target) lo = mid;
        else hi = mid;
    }
    return 0.5 * (lo + hi);
}

void stats_binomial_ci(int64_t k, int64_t n, double level, double *low, double *high) {
    *low = *high = NAN;
    if (n < 1 || k < 0 || k > n) return;
    const double alpha = 1.0 - level;
    /* lower: P(X >= k | p) = alpha/2, i.e. P(X <= k-1 | p) = 1 - alpha/2; upper: P(X <= k | p) = alpha/2 */
    *low = k == 0 ? 0.0 : binomial_solve(k - 1, n, 1.0 - alpha / 2.0);
    *high = k == n ? 1.0 : binomial_solve(k, n, alpha / 2.0);
}

/* (#{a > b} + 0.5 #{a = b}) over pairs, both sorted ascending: one merge pass. */
static double prob_greater_sorted(const double *a, int64_t na, const double *b, int64_t nb) {
    double wins = 0.0;
    int64_t below = 0, equal_end = 0;   /* b[0..below) < a[i]; b[below..equal_end) == a[i] */
    for (int64_t i = 0; i < na; i++) {
        while (below < nb && b[below] < a[i]) below++;
        if (equal_end < below) equal_end = below;
        while (equal_end < nb && b[equal_end] == a[i]) equal_end++;
        wins += (double)below + 0.5 * (double)(equal_end - below);
    }
    return wins / ((double)na * (double)nb);
}

double stats_prob_greater(const double *a, int64_t na, const double *b, int64_t nb, double *scratch) {
    if (na < 1 || nb < 1) return NAN;
    double *sa = scratch, *sb = scratch + na;
    memcpy(sa, a, sizeof(double) * (size_t)na);
    memcpy(sb, b, sizeof(double) * (size_t)nb);
    stats_sort(sa, na);
    stats_sort(sb, nb);
    return prob_greater_sorted(sa, na, sb, nb);
}

void stats_bootstrap_prob_greater_ci(const double *a, int64_t na, const double *b, int64_t nb, int B, uint64_t seed,
                                     double level, double *scratch, double *low, double *high) {
    *low = *high = NAN;
    if (na < 2 || nb < 2 || B < 1) return;
    double *ra = scratch, *rb = scratch + na, *replicates = scratch + na + nb;
    Rng rng = rng_stream(seed, RNG_PURPOSE_BOOTSTRAP);
    for (int r = 0; r < B; r++) {
        for (int64_t i = 0; i < na; i++) ra[i] = a[rng_below(&rng, (uint64_t)na)];
        for (int64_t i = 0; i < nb; i++) rb[i] = b[rng_below(&rng, (uint64_t)nb)];
        stats_sort(ra, na);
        stats_sort(rb, nb);
        replicates[r] = prob_greater_sorted(ra, na, rb, nb);
    }
    stats_sort(replicates, B);
    *low = stats_quantile(replicates, B, (1.0 - level) / 2.0);
    *high = stats_quantile(replicates, B, (1.0 + level) / 2.0);
}

/* P(R+ <= r) and P(R+ >= r) for n differences without ties or zeros: the counts of subsets of
 * {1..n} by their sum (at most 2^50 for n <= 50: exact in doubles), over 2^n. */
static void wilcoxon_exact_tails(int n, int64_t r, double *less, double *greater) {
    const int64_t top = (int64_t)n * (n + 1) / 2;
    double *count = calloc((size_t)top + 1, sizeof(double));
    *less = *greater = NAN;
    if (!count) return;
    count[0] = 1.0;
    for (int k = 1; k <= n; k++)
        for (int64_t s = (int64_t)k * (k + 1) / 2; s >= k; s--) count[s] += count[s - k];
    double total = ldexp(1.0, n), lo = 0.0, hi = 0.0;
    for (int64_t s = 0; s <= top; s++) {
        if (s <= r) lo += count[s];
        if (s >= r) hi += count[s];
    }
    free(count);
    *less = lo / total;
    *greater = hi / total;
}

typedef struct Signed {
    double magnitude;
    int positive;
} Signed;

static int compare_signed(const void *a, const void *b) {
    return compare_double(&((const Signed *)a)->magnitude, &((const Signed *)b)->magnitude);
}

double stats_wilcoxon(const double *d, int64_t n, double *statistic) {
    if (statistic) *statistic = NAN;
    if (n < 1) return NAN;
    int64_t zeros = 0;
    for (int64_t i = 0; i < n; i++) zeros += d[i] == 0.0;
    if (zeros == n) return NAN;
    const int exact = n <= 50 && zeros == 0;
    const int64_t count = n - zeros;   /* the differences kept: zeros dropped */
    Signed *s = malloc(sizeof *s * (size_t)count);
    if (!s) return NAN;
    int64_t m = 0;
    for (int64_t i = 0; i < n; i++)
        if (d[i] != 0.0) s[m++] = (Signed){fabs(d[i]), d[i] > 0.0};
    qsort(s, (size_t)count, sizeof *s, compare_signed);
    double r_plus = 0.0, r_minus = 0.0, tie_term = 0.0;
    for (int64_t i = 0; i < count;) {
        int64_t j = i;
        while (j + 1 < count && s[j + 1].magnitude == s[i].magnitude) j++;
        double mid_rank = 0.5 * ((double)(i + 1) + (double)(j + 1)), t = (double)(j - i + 1);
        if (t > 1) tie_term += t * (t * t - 1.0);
        for (int64_t k = i; k <= j; k++) *(s[k].positive ? &r_plus : &r_minus) += mid_rank;
        i = j + 1;
    }
    free(s);
    const double T = r_plus < r_minus ? r_plus : r_minus;
    if (statistic) *statistic = T;
    const double c = (double)count;
    if (exact) {
        const int64_t r = (int64_t)r_plus;   /* scipy: int(r_plus) */
        if (r == (int64_t)(c * (c + 1) / 2) / 2) return 1.0;   /* the centre of the distribution */
        double less, greater;
        wilcoxon_exact_tails((int)count, r, &less, &greater);
        double p = 2.0 * (less < greater ? less : greater);
        return p > 1.0 ? 1.0 : p;
    }
    const double mean = c * (c + 1.0) * 0.25;
    const double se = sqrt((c * (c + 1.0) * (2.0 * c + 1.0) - 0.5 * tie_term) / 24.0);
    if (!(se > 0.0)) return NAN;
    const double z = (T - mean) / se;
    double p = erfc(fabs(z) / sqrt(2.0));
    return p > 1.0 ? 1.0 : p;
}

double stats_noether_runs(double p) {
    if (!(p >= 0.0 && p <= 1.0) || p == 0.5) return NAN;
    const double z = STATS_NOETHER_Z;
    return ceil((z + z) * (z + z) / (6.0 * (p - 0.5) * (p - 0.5)));
}

double stats_expected_max(const double *sorted, int64_t n, int k) {
    if (n < 1 || k < 1) return NAN;
    double sum = 0.0, previous = 0.0;
    for (int64_t i = 1; i <= n; i++) {
        double now = pow((double)i / (double)n, k);
        sum += sorted[i - 1] * (now - previous);
        previous = now;
    }
    return sum;
}
