/* test_stats.c - quantiles, summaries and the Mann-Whitney U test against values computed
 * once with numpy 1.24 (np.median, np.quantile, linear interpolation) and scipy 1.10
 * (scipy.stats.mannwhitneyu(a, b), method "auto"); the values are written in the checks. */
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
    return check_exit();
}
