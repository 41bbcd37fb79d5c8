/* test_report.c - report_compute on a hand-made results table (no file): task counts, training
 * order, every (training, test) cell with NaNs, pending tasks and collapsed runs, the rank test
 * and the misclassification ranking. Expected summaries were computed once with numpy 1.24
 * (np.median, np.percentile 25/75, mean) and the test with scipy 1.10
 * (scipy.stats.mannwhitneyu(c_pooled, a_pooled) -> statistic 3.5, pvalue 0.13158676028118635;
 * z = -(|U - 10| - 0.5) / sqrt(15.8333) with the tie-corrected variance); the misclassification counts
 * by hand, as written beside the predictions below. Accuracies are multiples of 1/16, exact in float. */
#include <math.h>
#include <string.h>

#include "check.h"
#include "seedsweep/report.h"
#include "seedsweep/stats.h"

enum { D = 3, C = 2, T = 7, IMAGES = 7 };

/* Three datasets a, b, c; plan order trains c (tasks 0-3), then a (tasks 4-6). Task 2 diverged
 * (loss NaN; its accuracies and "collapses" are artefacts) and task 3 is pending: the values of
 * both must count nowhere (diverged runs are counted apart, not in n or the medians). */
static const int32_t TRAIN[T] = {2, 2, 2, 2, 0, 0, 0};
static const int8_t STATUS[T] = {TASK_DONE, TASK_DONE, TASK_DIVERGED, TASK_PENDING, TASK_DONE, TASK_DONE, TASK_DONE};
static const float ACCURACY[T][D] = {
    {0.5f, 0.625f, 0.9375f},  {0.5625f, 0.5f, 0.875f},   {0.5f, 0.5f, 0.5f},      {0.0625f, 0.0625f, 0.0625f},
    {0.875f, 0.75f, 0.6875f}, {0.9375f, NAN, 0.625f},    {0.8125f, 0.6875f, 0.5f},
};
static const int8_t COLLAPSED[T][D] = {{0, 0, 0}, {0, 1, 0}, {1, 1, 1}, {1, 1, 1}, {0, 0, 0}, {0, 0, 0}, {0, 0, 1}};
static const int64_t IMAGE_COUNT[D] = {2, 3, 2};
static const uint8_t LABELS[IMAGES] = {0, 1, /* b */ 1, 0, 1, /* c */ 0, 1};
/* Predicted class per task and image (a0 a1 b0 b1 b2 c0 c1), -1 = NaN row. Counted only where the
 * image's dataset is not the task's training set and the task is finished:
 * a0 2/3, a1 2/3, b0 3/5, b1 2/5, b2 2/4 (t4 NaN), c0 3/3, c1 0/3 (never wrong: not listed). */
static const int PREDICTED[T][IMAGES] = {
    {1, 1, 0, 0, 0, 0, 0}, {1, 0, 1, 1, 1, 0, 0}, {0, 0, 0, 0, 0, 0, 0}, {1, 0, 0, 1, 0, 1, 0},
    {0, 0, 1, 1, -1, 1, 1}, {0, 0, 0, 0, 1, 1, 1}, {0, 0, -1, -1, -1, 1, 1},
};

static int near(double got, double want) { return fabs(got - want) < 1e-12; }

static int summary_is(const Summary *s, int n, double median, double q1, double q3, double min, double max,
                      double mean) {
    return s->n == n && near(s->median, median) && near(s->q1, q1) && near(s->q3, q3) && s->min == min &&
           s->max == max && near(s->mean, mean);
}

int main(void) {
    ResultsData data;
    memset(&data, 0, sizeof data);
    data.shape.task_count = T;
    data.shape.dataset_count = D;
    data.shape.class_count = C;
    float accuracy[T * D], predictions[T * IMAGES * C];
    int8_t collapsed[T * D];
    int32_t train[T];
    int8_t status[T];
    uint8_t labels[IMAGES];
    memcpy(train, TRAIN, sizeof train);
    memcpy(status, STATUS, sizeof status);
    memcpy(accuracy, ACCURACY, sizeof accuracy);
    memcpy(collapsed, COLLAPSED, sizeof collapsed);
    memcpy(labels, LABELS, sizeof labels);
    data.task_train_dataset = train;
    data.task_status = status;
    data.accuracy = accuracy;
    data.collapsed = collapsed;
    float loss[T * D];
    for (int i = 0; i < T * D; i++) loss[i] = i / D == 2 ? NAN : 0.5f;
    data.loss = loss;
    int64_t first = 0;   /* first image of dataset d in the rows of PREDICTED */
    float *rows = predictions;
    for (int d = 0; d < D; d++) {
        data.shape.image_count[d] = IMAGE_COUNT[d];
        data.labels[d] = labels + first;
        data.predictions[d] = rows;   /* task x image x class, as results_load gives it */
        for (int t = 0; t < T; t++)
            for (int64_t i = 0; i < IMAGE_COUNT[d]; i++, rows += C) {
                int c = PREDICTED[t][first + i];
                rows[0] = c < 0 ? NAN : c == 0 ? 0.9f : 0.1f;
                rows[1] = c < 0 ? NAN : 1.0f - rows[0];
            }
        first += IMAGE_COUNT[d];
    }

    ReportStats s;
    Error err = {0};
    CHECK(report_compute(&data, &s, &err) == SS_OK, "report_compute succeeds: %s", err.message);
    CHECK(s.task_count == 7 && s.done == 5 && s.diverged == 1 && s.pending == 1, "report task counts 5 done, 1 diverged, 1 pending");
    CHECK(s.training_count == 2 && s.trainings[0].dataset == 2 && s.trainings[1].dataset == 0 &&
              s.trainings[0].pending == 1 && s.trainings[1].pending == 0 && s.trainings[0].diverged == 1 &&
              s.trainings[1].diverged == 0,
          "report trainings in plan order (c, a) with their pending and diverged tasks");
    CHECK(s.pair_count == 8, "report has %d cells, 2 trainings x (pooled + 3 tests) = 8", s.pair_count);
    int order = 1;
    for (int i = 0; i < s.pair_count && s.pair_count == 8; i++)
        order &= s.pairs[i].training == i / 4 && s.pairs[i].train == (i < 4 ? 2 : 0) && s.pairs[i].test == i % 4 - 1;
    CHECK(order, "report cells: per training, pooled first, then each test dataset");
    if (s.pair_count == 8) {
        const ReportPair *p = s.pairs;
        CHECK(summary_is(&p[0].accuracy, 4, 0.53125, 0.5, 0.578125, 0.5, 0.625, 0.546875) && p[0].collapsed == 1,
              "report c pooled (a, b of tasks 0-1, diverged task 2 left out): n 4 median 0.53125, 1 collapsed");
        CHECK(summary_is(&p[1].accuracy, 2, 0.53125, 0.515625, 0.546875, 0.5, 0.5625, 0.53125) && p[1].collapsed == 0,
              "report c on a matches numpy");
        CHECK(summary_is(&p[2].accuracy, 2, 0.5625, 0.53125, 0.59375, 0.5, 0.625, 0.5625) && p[2].collapsed == 1,
              "report c on b matches numpy");
        CHECK(summary_is(&p[3].accuracy, 2, 0.90625, 0.890625, 0.921875, 0.875, 0.9375, 0.90625) && p[3].collapsed == 0,
              "report c on c (its training set) matches numpy");
        CHECK(summary_is(&p[4].accuracy, 5, 0.6875, 0.625, 0.6875, 0.5, 0.75, 0.65) && p[4].collapsed == 1,
              "report a pooled leaves the NaN out: n 5 median 0.6875 mean 0.65");
        CHECK(summary_is(&p[5].accuracy, 3, 0.875, 0.84375, 0.90625, 0.8125, 0.9375, 0.875) && p[5].collapsed == 0,
              "report a on a matches numpy");
        CHECK(summary_is(&p[6].accuracy, 2, 0.71875, 0.703125, 0.734375, 0.6875, 0.75, 0.71875),
              "report a on b: n 2 (one NaN left out) matches numpy");
        CHECK(summary_is(&p[7].accuracy, 3, 0.625, 0.5625, 0.65625, 0.5, 0.6875, 0.6041666666666666) &&
                  p[7].collapsed == 1,
              "report a on c matches numpy");
    }
    CHECK(s.rank_test_count == 1, "report one rank test for two trainings");
    if (s.rank_test_count == 1) {
        const ReportRankTest *r = &s.rank_tests[0];
        CHECK(r->a == 2 && r->b == 0 && r->na == 4 && r->nb == 5 && r->u == 3.5 &&
                  fabs(r->p - 0.13158676028118635) < 1e-12 && fabs(r->z - -1.5078740698501039) < 1e-12,
              "report Mann-Whitney c vs a: U %.1f z %.6f p %.9f matches scipy (3.5, -1.507874, 0.131586760)", r->u,
              r->z, r->p);
    }
    /* per run: c's runs t0 (a 0.5, b 0.625) and t1 (0.5625, 0.5); a's t4 (b 0.75, c 0.6875),
     * t5 (c 0.625: b NaN), t6 (0.6875, 0.5). No run collapsed on every other dataset (t1 and t6
     * on one only). Medians: numpy; rate intervals: scipy's exact binomtest for 0/2 and 0/3; the
     * median intervals: the cluster bootstrap of the runs as grouped here by hand. */
    const ReportTraining *rc_ = &s.trainings[0], *ra = &s.trainings[1];
    CHECK(rc_->runs == 2 && rc_->collapsed_runs == 0 && near(rc_->median, 0.53125) && rc_->collapsed_low == 0.0 &&
              fabs(rc_->collapsed_high - 0.841886116991607) < 1e-9,
          "report runs of c: 2, none collapsed (0/2, CI [0, 0.8419]), pooled median 0.53125");
    CHECK(ra->runs == 3 && ra->collapsed_runs == 0 && near(ra->median, 0.6875) &&
              fabs(ra->collapsed_high - 0.7075982261787133) < 1e-9,
          "report runs of a: 3 (t5 counts with its one value), none collapsed (CI [0, 0.7076]), median 0.6875");
    double c_values[] = {0.5, 0.625, 0.5625, 0.5}, a_values[] = {0.75, 0.6875, 0.625, 0.6875, 0.5};
    int64_t c_offsets[] = {0, 2, 4}, a_offsets[] = {0, 2, 3, 5};
    double scratch[5 + STATS_BOOTSTRAP_B], lo_c, hi_c, lo_a, hi_a;
    stats_cluster_bootstrap_median_ci(c_values, c_offsets, 2, STATS_BOOTSTRAP_B, STATS_BOOTSTRAP_SEED, REPORT_CI_LEVEL,
                                      scratch, &lo_c, &hi_c);
    stats_cluster_bootstrap_median_ci(a_values, a_offsets, 3, STATS_BOOTSTRAP_B, STATS_BOOTSTRAP_SEED, REPORT_CI_LEVEL,
                                      scratch, &lo_a, &hi_a);
    CHECK(rc_->median_low == lo_c && rc_->median_high == hi_c && ra->median_low == lo_a && ra->median_high == hi_a &&
              lo_a <= ra->median && ra->median <= hi_a,
          "report median intervals resample whole runs (a: [%.4f, %.4f])", ra->median_low, ra->median_high);
    /* without the diverged task 2 (it predicted class 0 everywhere): one run fewer for a and b */
    static const int want_dataset[] = {2, 0, 1, 1, 0, 1}, want_image[] = {0, 0, 0, 1, 1, 2};
    static const int want_wrong[] = {3, 2, 2, 2, 1, 1}, want_runs[] = {3, 2, 4, 4, 2, 3}, want_label[] = {0, 0, 1, 0, 1, 1};
    int ranking = s.misclassified_count == 6;
    for (int i = 0; ranking && i < 6; i++) {
        const ReportImage *m = &s.misclassified[i];
        ranking &= m->dataset == want_dataset[i] && m->image == want_image[i] && m->wrong == want_wrong[i] &&
                   m->runs == want_runs[i] && m->label == want_label[i];
    }
    CHECK(ranking, "report misclassified: %d images, c0 3/3, a0 2/2, b0 2/4, b1 2/4, a1 1/2, b2 1/3; c1 never wrong",
          s.misclassified_count);
    report_stats_free(&s);
    return check_exit();
}
