/* report_compare.h - the report's comparisons between training datasets and its spread against
 * the test-set floor, over finished runs (done, not diverged, a number on the test set), per grid
 * point and group:
 *  - comparisons: for each test dataset T and two training datasets A, B that are not T (A before
 *    B in plan order), the probability that a run of A beats a run of B on T (Bouthillier et al.
 *    2021) with a bootstrap interval, the paired test over runs with the same seed (the same
 *    initial weights whatever the training set), Noether's runs per arm and a decision;
 *  - floors, one per entry of ReportStats.spreads (same index): the binomial standard deviation a
 *    finite test set alone gives (Jordan 2024), the disagreement between runs' predictions
 *    (Summers & Dinneen 2021) and the expected best of k runs (Dodge et al. 2020);
 *  - class spreads: per class of the test set, the median and IQR over runs of its recall.
 * Computed into ReportStats by report_compare_compute; rendered by the report's renderers. */
#ifndef SEEDSWEEP_REPORT_COMPARE_H
#define SEEDSWEEP_REPORT_COMPARE_H

#include <stdio.h>

#include "seedsweep/common.h"
#include "seedsweep/results.h"

struct ReportStats;

typedef enum {
    REPORT_TOO_FEW_RUNS,       /* an arm with fewer than 2 runs: no interval, no decision */
    REPORT_A_BETTER,           /* p_low > 0.5 and p_a_beats_b >= 0.75 */
    REPORT_B_BETTER,           /* p_high < 0.5 and p_a_beats_b <= 0.25 */
    REPORT_NO_DIFFERENCE,      /* otherwise: no meaningful difference */
} ReportDecision;

/* Bouthillier et al.'s threshold on P(A>B) for a meaningful difference. */
#define REPORT_MEANINGFUL_P 0.75

typedef struct ReportComparison {
    int grid, group, test, a, b;     /* a, b, test: dataset indices */
    int n_a, n_b;
    double p_a_beats_b, p_low, p_high;   /* bootstrap: STATS_BOOTSTRAP_B resamples within each arm, seed STATS_BOOTSTRAP_SEED */
    int paired_n;                        /* seeds with a run in both arms */
    double median_paired_diff;           /* median of acc_A - acc_B over those seeds; NaN without */
    double wilcoxon_p;                   /* stats_wilcoxon of those differences; NaN when none or all zero */
    double runs_needed;                  /* stats_noether_runs(p_a_beats_b); NaN at p = 0.5 */
    ReportDecision decision;
} ReportComparison;

typedef struct ReportFloor {
    int n;                     /* the runs of its spread entry */
    int64_t n_test;            /* images in the test dataset */
    double mean;               /* mean test accuracy over the runs */
    double binomial_std;       /* sqrt(mean (1 - mean) / n_test) */
    double std_over_binomial;  /* the spread entry's std / binomial_std; NaN when binomial_std = 0 */
    double disagreement;       /* mean over pairs of runs of the fraction of images predicted differently; NaN when n < 2 */
    double *expected_max;      /* [n]: expected best accuracy of k = 1..n runs */
} ReportFloor;

typedef struct ReportClassSpread {
    int spread;                /* index into ReportStats.spreads (grid, training, group, test) */
    int class_index;
    int n;                     /* runs */
    double median, q1, q3, iqr;   /* of the class's recall over the runs */
} ReportClassSpread;

const char *report_decision_name(ReportDecision decision);   /* "a better", ... */

/* Fills stats->comparisons, stats->floors and stats->class_spreads; needs stats->spreads and the
 * per-task group and grid (ReportStats.task_group, task_grid). */
int report_compare_compute(const ResultsData *data, struct ReportStats *stats, Error *err);
void report_compare_free(struct ReportStats *stats);

/* Renderers. JSON: the floor's members for spread entry i (`, "mean": ...`), and the top-level
 * members `,\n  "comparisons": [...],\n  "class_spread": [...]`. Text: the "Comparisons" and the
 * "Spread against the test-set floor" sections. CSV: three blocks, each after a blank line. */
void report_floor_json(const struct ReportStats *stats, int i, FILE *out);
void report_compare_json(const struct ReportStats *stats, const ResultsData *data, FILE *out);
void report_compare_text(const struct ReportStats *stats, const ResultsData *data, FILE *out);
void report_compare_csv(const struct ReportStats *stats, const ResultsData *data, FILE *out);

#endif
