/* test_stats.c - quantiles, summaries, the Mann-Whitney U test and the Clopper-Pearson interval
 * against values computed once with numpy 1.24 (np.median, np.quantile, linear interpolation) and
 * scipy 1.10 (scipy.stats.mannwhitneyu(a, b), method "auto"; scipy.stats.binomtest(k, n)
 * .proportion_ci(0.95, method="exact")); the values are written in the checks. The cluster
 * bootstrap is checked against the plain one, which test_report checks against numpy. */
#include <math.h>

#include "check.h"
#include "seedsweep/stats.h"

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
    return check_exit();
}
