/* test_stats.c - quantiles, summaries, the Mann-Whitney U test and the Clopper-Pearson interval
 * against values computed once with numpy 1.24 (np.median, np.quantile, linear interpolation) and
 * scipy 1.10 (scipy.stats.mannwhitneyu(a, b), method "auto"; scipy.stats.binomtest(k, n)
 * .proportion_ci(0.95, method="exact")); the values are written in the checks. The cluster
 * bootstrap is checked against the plain one, which test_report checks against numpy. The
 * comparison statistics: scipy.stats.wilcoxon(d) with its defaults (scipy 1.10), Noether's runs and
 * the expected maximum by the formulas in numpy, P(A>B) and its bootstrap against a direct count
 * over the same draws of the stream. */
#include <math.h>
#include <stdlib.h>

#include "check.h"
#include "seedsweep/rng.h"
#include "seedsweep/stats.h"

/* P(A>B) by counting every pair (the definition), for the bootstrap check below. */
static double naive_prob_greater(const double *a, int na, const double *b, int nb) {
    double wins = 0;
    for (int i = 0; i < na; i++)
        for (int j = 0; j < nb; j++) wins += a[i] > b[j] ? 1.0 : a[i] == b[j] ? 0.5 : 0.0;
    return wins / ((double)na * nb);
}

static int compare_doubles(const void *x, const void *y) {
    double a = *(const double *)x, b = *(const double *)y;
    return (a > b) - (a < b);
}

static void check_comparison_statistics(void) {
    double w;
    /* scipy.stats.wilcoxon: half ranks (ties in |d|, no zero, n <= 50): exact, statistic 1.5,
     * R+ = 19.5 cut to 19 -> p = 0.09375 */
    double d1[] = {0.0625, -0.0625, 0.125, 0.1875, 0.25, 0.3125};
    double p1 = stats_wilcoxon(d1, 6, &w);
    CHECK(w == 1.5 && fabs(p1 - 0.09375) < 1e-12, "wilcoxon exact with tied |d|: T=%.1f p=%.12f (scipy 1.5, 0.09375)", w, p1);
    double d2[] = {0.3, -0.1, 0.25, 0.05, 0.4, -0.2, 0.15, 0.35};
    double p2 = stats_wilcoxon(d2, 8, &w);
    CHECK(w == 6.0 && fabs(p2 - 0.109375) < 1e-12, "wilcoxon exact: T=%.1f p=%.12f (scipy 6.0, 0.109375)", w, p2);
    /* zeros: dropped, normal approximation with the tie correction, no continuity correction */
    double d3[] = {0.0, 0.125, 0.125, -0.0625, 0.25, 0.0, 0.5, -0.125, 0.375, 0.0625};
    double p3 = stats_wilcoxon(d3, 10, &w);
    CHECK(w == 5.5 && fabs(p3 - 0.07820880762299261) < 1e-12, "wilcoxon with zeros: T=%.1f p=%.15f (scipy 5.5, 0.0782088076229926)",
          w, p3);
    double d4[] = {0.037, 0.061,  0.037,  -0.045, 0.065, 0.042, -0.007, 0.049,  0.038,  0.035,  0.021,  0.047,
                   -0.017, 0.012, -0.004, 0.05,   0.022, 0.005, -0.019, 0.007,  0.02,   0.006,  0.085,  0.07,
                   -0.116, -0.074, 0.011, -0.001, 0.031, 0.031, 0.126,  -0.036, 0.001,  0.122,  0.052,  0.053,
                   -0.006, -0.062, 0.028, 0.025,  -0.041, -0.014, 0.016, -0.027, 0.015, 0.025,  0.022,  -0.005,
                   0.05,  0.065,  0.036,  -0.021, 0.057, -0.005, 0.064, -0.034, 0.066,  0.019,  -0.042, 0.004};
    double p4 = stats_wilcoxon(d4, 60, &w);
    CHECK(w == 481.0 && fabs(p4 - 0.001397676227055152) < 1e-12, "wilcoxon of 60 differences (approximation): T=%.1f p=%.15f "
          "(scipy 481.0, 0.001397676227055152)", w, p4);
    double zeros[] = {0.0, 0.0, 0.0};
    CHECK(isnan(stats_wilcoxon(zeros, 3, &w)) && isnan(stats_wilcoxon(zeros, 0, &w)),
          "wilcoxon: NaN when every difference is zero or there is none");
    double centre[] = {1, 2, -3, 4, -5, -6, 7};   /* R+ = 14 = (7 * 8 / 2) / 2: the centre (scipy: p = 1.0) */
    CHECK(stats_wilcoxon(centre, 7, &w) == 1.0, "wilcoxon: p = 1 at the centre of the exact distribution");

    CHECK(stats_noether_runs(0.75) == 29 && stats_noether_runs(0.6) == 181 && stats_noether_runs(0.1) == 12 &&
              stats_noether_runs(0.501) == 1803696 && isnan(stats_noether_runs(0.5)),
          "Noether runs: 29, 181, 12, 1803696 at p = 0.75, 0.6, 0.1, 0.501 (numpy); NaN at 0.5");

    double sorted[] = {0.7, 0.75, 0.8, 0.9};
    CHECK(fabs(stats_expected_max(sorted, 4, 1) - 0.7875) < 1e-12 && fabs(stats_expected_max(sorted, 4, 2) - 0.828125) < 1e-12 &&
              fabs(stats_expected_max(sorted, 4, 4) - 0.8650390625) < 1e-12 &&
              fabs(stats_expected_max(sorted, 4, 10) - 0.8943197727203369) < 1e-12,
          "expected max of k = 1, 2, 4, 10 of 4 values matches numpy (0.7875, 0.828125, 0.8650390625, 0.89431977)");

    double a[] = {0.5, 0.6, 0.6, 0.7}, b[] = {0.6, 0.5, 0.4}, scratch[7 + STATS_BOOTSTRAP_B];
    double p = stats_prob_greater(a, 4, b, 3, scratch);
    CHECK(fabs(p - 19.0 / 24.0) < 1e-15, "P(A>B) with ties counted half: %.15f (19/24)", p);
    CHECK(isnan(stats_prob_greater(a, 4, b, 0, scratch)), "P(A>B) of an empty arm is NaN");
    double low, high;
    stats_bootstrap_prob_greater_ci(a, 4, b, 3, 500, 11, 0.95, scratch, &low, &high);
    Rng rng = rng_stream(11, RNG_PURPOSE_BOOTSTRAP);
    double reps[500], ra[4], rb[3];
    for (int r = 0; r < 500; r++) {
        for (int i = 0; i < 4; i++) ra[i] = a[rng_below(&rng, 4)];
        for (int i = 0; i < 3; i++) rb[i] = b[rng_below(&rng, 3)];
        reps[r] = naive_prob_greater(ra, 4, rb, 3);
    }
    qsort(reps, 500, sizeof *reps, compare_doubles);
    double want_low = stats_quantile(reps, 500, 0.025), want_high = stats_quantile(reps, 500, 0.975);
    CHECK(fabs(low - want_low) < 1e-12 && fabs(high - want_high) < 1e-12 && low < p && p < high,
          "P(A>B) bootstrap [%.4f, %.4f] = the pairs counted over the same draws [%.4f, %.4f]", low, high, want_low, want_high);
    stats_bootstrap_prob_greater_ci(a, 1, b, 3, 500, 11, 0.95, scratch, &low, &high);
    CHECK(isnan(low) && isnan(high), "P(A>B) bootstrap of a one-run arm is NaN");
}

int main(void) {
    double even[] = {0.3, 0.1, 0.2, 0.4}, odd[] = {5.0, 1.0, 3.0}, one[] = {7.0};
    double even_median = stats_median(even, 4), odd_median = stats_median(odd, 3);
    /* numpy: np.median([0.3, 0.1, 0.2, 0.4]) = 0.25, np.median([5, 1, 3]) = 3.0, np.median([7]) = 7.0 */
    CHECK(fabs(even_median - 0.25) < 1e-15 && odd_median == 3.0 && stats_median(one, 1) == 7.0,
          "median of 4, 3 and 1 values (%.17g, %.17g) matches numpy", even_median, odd_median);
    CHECK(even[0] == 0.1 && even[3] == 0.4, "median sorts its input in place");
    double powers[] = {1.0, 2.0, 4.0, 8.0, 16.0};
    /* numpy: np.quantile([1, 2, 4, 8, 16], 0.1) = 1.4, 0.9 -> 12.8 */
    CHECK(fabs(stats_quantile(powers, 5, 0.1) - 1.4) < 1e-12 && fabs(stats_quantile(powers, 5, 0.9) - 12.8) < 1e-12 &&
              stats_quantile(powers, 5, 0.0) == 1.0 && stats_quantile(powers, 5, 1.0) == 16.0,
          "quantiles interpolate linearly as numpy's default");
    Summary empty;
    stats_summary(even, 0, &empty);
    CHECK(empty.n == 0 && isnan(empty.median) && isnan(empty.mean), "summary of no values is NaN");

    double v[] = {0.9, 0.5, 0.7, 0.8, 0.6, 0.75};
    Summary s;
    stats_summary(v, 6, &s);
    /* numpy: median 0.725, percentile 25 -> 0.625, 75 -> 0.7875 */
    CHECK(fabs(s.median - 0.725) < 1e-12 && fabs(s.q1 - 0.625) < 1e-12 && fabs(s.q3 - 0.7875) < 1e-12 &&
              s.min == 0.5 && s.max == 0.9 && fabs(s.mean - 0.70833333333) < 1e-9,
          "summary median/quartiles match numpy");
    double a[] = {0.5, 0.52, 0.55, 0.55, 0.6, 0.61, 0.7};
    double b[] = {0.55, 0.8, 0.82, 0.85, 0.9};
    double u, z;
    double pv = stats_mann_whitney(a, 7, b, 5, &u, &z);
    /* ties, so scipy.stats.mannwhitneyu(a, b) uses the normal approximation:
     * statistic=4.0, pvalue=0.0334937 */
    CHECK(u == 4.0 && fabs(pv - 0.0334937) < 1e-6, "mann-whitney U=%.1f p=%.7f matches scipy (4.0, 0.0334937)", u, pv);
    double c[] = {0.1, 0.5, 0.3}, e[] = {0.6, 0.7, 0.2, 0.9};
    pv = stats_mann_whitney(c, 3, e, 4, &u, &z);
    /* scipy.stats.mannwhitneyu(c, e) (exact, no ties): statistic=2.0, pvalue=0.2285714285714 */
    CHECK(u == 2.0 && fabs(pv - 0.22857142857142856) < 1e-12, "mann-whitney exact U=%.1f p=%.12f matches scipy", u, pv);
    double f8[] = {0.1, 0.5, 0.3, 0.35, 0.4, 0.45, 0.47, 0.48}, g8[] = {0.6, 0.7, 0.2, 0.9, 0.91, 0.92, 0.93, 0.94};
    pv = stats_mann_whitney(f8, 8, g8, 8, &u, &z);
    CHECK(u == 7.0 && fabs(pv - 0.006993006993006993) < 1e-12, "mann-whitney exact 8 vs 8 p=%.12f matches scipy", pv);
    double same[] = {0.5, 0.5};
    pv = stats_mann_whitney(same, 2, same, 2, &u, &z);
    CHECK(pv != pv, "mann-whitney all tied gives NaN p");

    /* scipy.stats.binomtest(k, n).proportion_ci(0.95, method="exact") */
    const struct { int k, n; double low, high; } cp[] = {
        {0, 10, 0.0, 0.30849710781876294},  {7, 20, 0.1539092047845412, 0.5921885345328283},
        {20, 20, 0.8315665290169145, 1.0},  {3, 30, 0.021117137029722604, 0.2652884504742082},
        {13, 20, 0.4078114654671718, 0.8460907952154588}, {1, 1, 0.025000000000000022, 1.0},
    };
    int cp_ok = 1;
    for (int i = 0; i < (int)(sizeof cp / sizeof cp[0]); i++) {
        double lo, hi;
        stats_binomial_ci(cp[i].k, cp[i].n, 0.95, &lo, &hi);
        if (fabs(lo - cp[i].low) > 1e-9 || fabs(hi - cp[i].high) > 1e-9) {
            cp_ok = 0;
            printf("  %d/%d: [%.12f, %.12f], scipy [%.12f, %.12f]\n", cp[i].k, cp[i].n, lo, hi, cp[i].low, cp[i].high);
        }
    }
    CHECK(cp_ok, "Clopper-Pearson intervals of 6 proportions (0/10 .. 20/20) match scipy's exact binomtest to 1e-9");
    double lo, hi;
    stats_binomial_ci(0, 0, 0.95, &lo, &hi);
    CHECK(isnan(lo) && isnan(hi), "Clopper-Pearson of no trials is NaN");

    /* cluster bootstrap: clusters of one value are the plain bootstrap (same stream, same draws);
     * each value twice in its cluster leaves every replicate's median, so the interval, unchanged */
    double runs[] = {0.5, 0.93, 0.51, 0.88, 0.95, 0.5, 0.91, 0.97, 0.49, 0.9}, doubled[20];
    int64_t single[11], pairs[11];
    for (int i = 0; i <= 10; i++) single[i] = i, pairs[i] = 2 * i;
    for (int i = 0; i < 20; i++) doubled[i] = runs[i / 2];
    double scratch[20 + STATS_BOOTSTRAP_B], plo, phi, clo, chi, dlo, dhi;
    stats_bootstrap_ci(STAT_MEDIAN, runs, 10, STATS_BOOTSTRAP_B, 7, 0.95, scratch, &plo, &phi);
    stats_cluster_bootstrap_median_ci(runs, single, 10, STATS_BOOTSTRAP_B, 7, 0.95, scratch, &clo, &chi);
    stats_cluster_bootstrap_median_ci(doubled, pairs, 10, STATS_BOOTSTRAP_B, 7, 0.95, scratch, &dlo, &dhi);
    CHECK(clo == plo && chi == phi && plo < 0.9 && phi > 0.9, "cluster bootstrap of 1-value clusters = plain bootstrap [%.4f, %.4f]",
          clo, chi);
    CHECK(dlo == clo && dhi == chi, "cluster bootstrap: each run's value twice gives the same interval [%.4f, %.4f]", dlo, dhi);
    stats_cluster_bootstrap_median_ci(runs, single, 1, STATS_BOOTSTRAP_B, 7, 0.95, scratch, &clo, &chi);
    CHECK(isnan(clo) && isnan(chi), "cluster bootstrap of one cluster is NaN");
    check_comparison_statistics();
    return check_exit();
}
