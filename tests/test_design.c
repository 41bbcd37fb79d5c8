/* test_design.c - the study designs: spread statistics against numpy 1.24 (values
 * computed once with /usr/bin/python3 and written in the checks), the percentile bootstrap's
 * properties, the plan of design = decompose and [grid], and the training resample. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "seedsweep/jobfile.h"
#include "seedsweep/plan.h"
#include "seedsweep/rng.h"
#include "seedsweep/stats.h"

static void test_spread(void) {
    double x[] = {0.861, 0.8555, 0.8665, 0.859, 0.8705, 0.8412, 0.8631, 0.8498, 0.8577, 0.8689};
    /* numpy: np.var(x, ddof=1) = 8.019066666666701e-05, np.std(x, ddof=1) = 0.00895492415750502,
     * np.quantile(x, .75) - np.quantile(x, .25) = 0.009600000000000053, np.median(x) = 0.86 */
    CHECK(fabs(stats_variance(x, 10) - 8.019066666666701e-05) < 1e-17 && fabs(stats_std(x, 10) - 0.00895492415750502) < 1e-15,
          "variance and std (ddof=1) match numpy (%.17g)", stats_std(x, 10));
    CHECK(fabs(stats_iqr(x, 10) - 0.009600000000000053) < 1e-15, "IQR matches numpy (%.17g)", stats_iqr(x, 10));
    CHECK(fabs(stats_statistic(STAT_MEDIAN, x, 10) - 0.86) < 1e-15, "median statistic matches numpy");
    double y[] = {3, 1, 4, 1, 5, 9, 2, 6};
    /* numpy: var 7.553571428571429, std 2.748376143938713, IQR 3.5 */
    CHECK(fabs(stats_variance(y, 8) - 7.553571428571429) < 1e-13 && fabs(stats_std(y, 8) - 2.748376143938713) < 1e-13 &&
              fabs(stats_iqr(y, 8) - 3.5) < 1e-13,
          "variance, std, IQR of integers match numpy");
    double big[] = {1e9 + 1, 1e9 + 2, 1e9 + 3, 1e9 + 4};
    /* numpy: np.var(1e9 + [1, 2, 3, 4], ddof=1) = 1.6666666666666667 */
    CHECK(fabs(stats_variance(big, 4) - 1.6666666666666667) < 1e-9, "variance far from zero has no cancellation");
    CHECK(isnan(stats_std(x, 1)) && isnan(stats_iqr(x, 0)), "std of one value and IQR of none are NaN");
}

static void test_bootstrap(void) {
    enum { N = 200, B = 2000 };
    double values[N], scratch[N + B], low, high, low2, high2;
    for (int i = 0; i < N; i++) values[i] = 0.5;
    stats_bootstrap_ci(STAT_MEDIAN, values, N, B, 1, 0.95, scratch, &low, &high);
    CHECK(low == 0.5 && high == 0.5, "bootstrap CI of a constant sample is that constant");
    stats_bootstrap_ci(STAT_IQR, values, N, B, 1, 0.95, scratch, &low, &high);
    CHECK(low == 0.0 && high == 0.0, "bootstrap CI of the IQR of a constant sample is 0");
    Rng rng = rng_stream(7, RNG_PURPOSE_TEST);
    for (int i = 0; i < N; i++) values[i] = rng_normal(&rng);
    double copy[N];
    memcpy(copy, values, sizeof copy);
    double median = stats_median(copy, N), sd = stats_std(values, N);
    stats_bootstrap_ci(STAT_MEDIAN, values, N, B, 1, 0.95, scratch, &low, &high);
    /* the median of 200 N(0,1) values has standard error about 1.2533/sqrt(200) = 0.089 */
    CHECK(low < median && median < high && high - low > 0.2 && high - low < 0.55,
          "median CI [%.3f, %.3f] holds the median %.3f and is about 4 standard errors wide", low, high, median);
    stats_bootstrap_ci(STAT_MEDIAN, values, N, B, 1, 0.95, scratch, &low2, &high2);
    CHECK(low2 == low && high2 == high, "a fixed seed gives the same interval");
    stats_bootstrap_ci(STAT_MEDIAN, values, N, B, 2, 0.95, scratch, &low2, &high2);
    CHECK(low2 != low || high2 != high, "another seed gives another interval");
    double low50, high50;
    stats_bootstrap_ci(STAT_MEDIAN, values, N, B, 1, 0.5, scratch, &low50, &high50);
    CHECK(low50 >= low && high50 <= high && high50 > low50, "a 50%% interval lies inside the 95%% one");
    stats_bootstrap_ci(STAT_STD, values, N, B, 1, 0.95, scratch, &low, &high);
    /* the std of 200 N(0,1) values has standard error about 1/sqrt(400) = 0.05 */
    CHECK(low < sd && sd < high && high - low > 0.1 && high - low < 0.3, "std CI [%.3f, %.3f] holds the std %.3f", low,
          high, sd);
    stats_bootstrap_ci(STAT_STD, values, 2, B, 1, 0.95, scratch, &low, &high);
    CHECK(isnan(low) && isnan(high), "no std interval from 2 values");
}

static const char *JOB = "[sweep]\nseeds = 5-7\ntrain = a b\ndesign = decompose\n[datasets]\na = a.h5\nb = b.h5\n"
                         "[model]\ninput = 8x8x1\nlayers = flatten dense2\n[train]\nbatch = 4\n"
                         "[grid]\nlr = 0.01 0.001\nepochs = 1 3\n";

static void test_plan(void) {
    JobSpec job;
    Error err = {0};
    int rc = jobfile_parse_text(JOB, "design.ini", &job, &err);
    CHECK(rc == SS_OK, "decompose + grid job parses (%s)", err.message);
    if (rc != SS_OK) return;
    CHECK(jobfile_grid_point_count(&job) == 4 && jobfile_group_count(&job) == 4 && plan_task_count(&job) == 4 * 2 * 4 * 3,
          "tasks = grid points x training datasets x groups x seeds (%lld)", (long long)plan_task_count(&job));
    CHECK(job.epochs == 3 && fabsf(job.lr - 0.01f) < 1e-9f, "gridded epochs hold the largest value, lr the first");
    TrainSettings s;
    jobfile_train_settings(&job, 1, &s);
    CHECK(s.epochs == 3 && fabsf(s.lr - 0.01f) < 1e-9f && s.batch == 4, "grid point 1 = lr 0.01, epochs 3 (last key fastest)");
    jobfile_train_settings(&job, 2, &s);
    CHECK(s.epochs == 1 && fabsf(s.lr - 0.001f) < 1e-9f, "grid point 2 = lr 0.001, epochs 1");
    /* task 37 = grid 1, dataset b (1), group 0 (init)? 37 = ((1*2 + 1)*4 + 0)*3 + 1 */
    PlanTask t = plan_task(&job, 37);
    CHECK(t.grid == 1 && t.train_position == 1 && t.group == 0 && t.seed == 6, "task 37: grid 1, train b, group init, seed 6");
    CHECK(t.init_seed == 6 && t.order_seed == PLAN_FIXED_SEED && t.sample_seed == PLAN_FIXED_SEED,
          "group init varies only the weights");
    t = plan_task(&job, 3 * 2 + 2);   /* group sample, seed 7 */
    CHECK(t.group == 2 && t.init_seed == PLAN_FIXED_SEED && t.order_seed == PLAN_FIXED_SEED && t.sample_seed == 7,
          "group sample varies only the resample");
    t = plan_task(&job, 3 * 3 + 0);   /* group all, seed 5 */
    CHECK(t.group == 3 && t.init_seed == 5 && t.order_seed == 5 && t.sample_seed == 5, "group all varies every source");
    CHECK(!strcmp(jobfile_group_name(&job, 1), "order") && !strcmp(jobfile_group_name(&job, 3), "all"), "group names");

    enum { COUNT = 50 };
    int64_t indices[COUNT], again[COUNT];
    int64_t n = plan_sample_indices(&job, 3, COUNT, indices);
    plan_sample_indices(&job, 3, COUNT, again);
    int sorted = 1, repeats = 0, in_range = 1;
    for (int i = 0; i < n; i++) {
        if (i && indices[i] < indices[i - 1]) sorted = 0;
        if (i && indices[i] == indices[i - 1]) repeats++;
        if (indices[i] < 0 || indices[i] >= COUNT) in_range = 0;
    }
    CHECK(n == COUNT && sorted && in_range && repeats > 5 && !memcmp(indices, again, sizeof indices),
          "bootstrap: n of n, sorted, with repeats (%d), reproducible", repeats);
    plan_sample_indices(&job, 4, COUNT, again);
    CHECK(memcmp(indices, again, sizeof indices), "another sample seed, another resample");
    job.sample_fraction = 0.3;
    n = plan_sample_indices(&job, 3, COUNT, indices);
    repeats = 0;
    for (int i = 1; i < n; i++) repeats += indices[i] <= indices[i - 1];
    CHECK(n == 15 && repeats == 0, "subsample 0.3 of 50: 15 distinct indices, sorted");
    jobfile_free(&job);

    const char *plain = "[sweep]\nseeds = 0-2\ntrain = a b\nvary = init\n[datasets]\na = a.h5\nb = b.h5\n"
                        "[model]\ninput = 8x8x1\nlayers = flatten dense2\n[train]\nepochs = 2\nbatch = 4\n";
    rc = jobfile_parse_text(plain, "plain.ini", &job, &err);
    CHECK(rc == SS_OK, "plain job parses");
    if (rc != SS_OK) return;
    t = plan_task(&job, 4);
    CHECK(plan_task_count(&job) == 6 && t.train_position == 1 && t.seed == 1 && t.group == 0 && t.grid == 0 &&
              t.sample_seed == -1 && t.order_seed == PLAN_FIXED_SEED && t.init_seed == 1,
          "plain job keeps the order (dataset, seed) and trains on the whole set");
    jobfile_free(&job);
}

int main(void) {
    test_spread();
    test_bootstrap();
    test_plan();
    return check_exit();
}
