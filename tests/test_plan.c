/* test_plan.c - task numbering and seed streams (DESIGN.md section 5), and the report's
 * statistics against values computed with numpy / scipy.stats.mannwhitneyu (asymptotic). */
#include <string.h>

#include "check.h"
#include "seedsweep/plan.h"
#include "seedsweep/report.h"

static int parse(const char *vary, JobSpec *job) {
    char text[1024];
    snprintf(text, sizeof text,
             "[sweep]\nseeds = 5, 3, 10-11\ntrain = c a\nvary = %s\n[datasets]\na = a.h5\nb = b.h5\nc = c.h5\n"
             "[model]\ninput = 8x8x1\nlayers = conv2 pool dense2\n[train]\nepochs = 1\nbatch = 2\n",
             vary);
    Error err = {0};
    return jobfile_parse_text(text, "plan.ini", job, &err);
}

int main(void) {
    JobSpec job;
    CHECK(parse("both", &job) == SS_OK, "plan job parses");
    CHECK(plan_task_count(&job) == 8, "plan 2 training sets x 4 seeds = 8 tasks");
    int64_t want_seed[8] = {5, 3, 10, 11, 5, 3, 10, 11};
    int want_dataset[8] = {2, 2, 2, 2, 0, 0, 0, 0};
    int ok = 1;
    for (int t = 0; t < 8; t++) {
        PlanTask p = plan_task(&job, t);
        ok &= p.seed == want_seed[t] && p.dataset == want_dataset[t] && p.init_seed == (uint64_t)p.seed &&
              p.order_seed == (uint64_t)p.seed && p.train_position == t / 4;
    }
    CHECK(ok, "plan order: for each train dataset, for each seed; vary=both keys both streams");
    jobfile_free(&job);
    parse("init", &job);
    PlanTask p = plan_task(&job, 2);
    CHECK(p.init_seed == 10 && p.order_seed == PLAN_FIXED_SEED, "plan vary=init holds the order stream fixed");
    jobfile_free(&job);
    parse("order", &job);
    p = plan_task(&job, 3);
    CHECK(p.init_seed == PLAN_FIXED_SEED && p.order_seed == 11, "plan vary=order holds the init stream fixed");
    jobfile_free(&job);

    double v[] = {0.9, 0.5, 0.7, 0.8, 0.6, 0.75};
    Summary s;
    summary_of(v, 6, &s);
    /* numpy: median 0.725, percentile 25 -> 0.625, 75 -> 0.7875 */
    CHECK(fabs(s.median - 0.725) < 1e-12 && fabs(s.q1 - 0.625) < 1e-12 && fabs(s.q3 - 0.7875) < 1e-12 &&
              s.min == 0.5 && s.max == 0.9 && fabs(s.mean - 0.70833333333) < 1e-9,
          "summary median/quartiles match numpy");
    double a[] = {0.5, 0.52, 0.55, 0.55, 0.6, 0.61, 0.7};
    double b[] = {0.55, 0.8, 0.82, 0.85, 0.9};
    double u, z;
    double pv = mann_whitney(a, 7, b, 5, &u, &z);
    /* ties, so scipy.stats.mannwhitneyu(a, b) uses the normal approximation:
     * statistic=4.0, pvalue=0.0334937 */
    CHECK(u == 4.0 && fabs(pv - 0.0334937) < 1e-6, "mann-whitney U=%.1f p=%.7f matches scipy (4.0, 0.0334937)", u, pv);
    double c[] = {0.1, 0.5, 0.3}, e[] = {0.6, 0.7, 0.2, 0.9};
    pv = mann_whitney(c, 3, e, 4, &u, &z);
    /* scipy.stats.mannwhitneyu(c, e) (exact, no ties): statistic=2.0, pvalue=0.2285714285714 */
    CHECK(u == 2.0 && fabs(pv - 0.22857142857142856) < 1e-12, "mann-whitney exact U=%.1f p=%.12f matches scipy", u, pv);
    double f8[] = {0.1, 0.5, 0.3, 0.35, 0.4, 0.45, 0.47, 0.48}, g8[] = {0.6, 0.7, 0.2, 0.9, 0.91, 0.92, 0.93, 0.94};
    pv = mann_whitney(f8, 8, g8, 8, &u, &z);
    CHECK(u == 7.0 && fabs(pv - 0.006993006993006993) < 1e-12, "mann-whitney exact 8 vs 8 p=%.12f matches scipy", pv);
    double same[] = {0.5, 0.5};
    pv = mann_whitney(same, 2, same, 2, &u, &z);
    CHECK(pv != pv, "mann-whitney all tied gives NaN p");
    return check_exit();
}
