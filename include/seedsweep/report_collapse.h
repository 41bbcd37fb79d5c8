/* report_collapse.h - the report's "why runs collapse" part: per training dataset, how
 * many done tasks (diverged ones left out) collapsed and at which epochs (/task_collapse_epoch),
 * and the median fraction of dead ReLU units per layer at each task's last trained epoch
 * (/dead_relu), collapsed vs not collapsed runs. Each renderer prints nothing for files made before those arrays. */
#ifndef SEEDSWEEP_REPORT_COLLAPSE_H
#define SEEDSWEEP_REPORT_COLLAPSE_H

#include <stdio.h>

#include "seedsweep/common.h"
#include "seedsweep/results.h"

/* One ReLU layer's median dead fraction: [0] over not collapsed runs, [1] over collapsed ones. */
typedef struct ReportDeadLayer {
    double median[2];           /* NaN without tasks */
    int n[2];
} ReportDeadLayer;

/* One training dataset, in order of its first task. */
typedef struct ReportCollapseTraining {
    int train, tasks, collapsed;
    int *epochs;                /* [shape.epochs + 1]: collapsed tasks per collapse epoch */
    ReportDeadLayer *layers;    /* [shape.relu_layer_count] */
} ReportCollapseTraining;

typedef struct ReportCollapse {
    int count;                  /* 0 for files made before /task_collapse_epoch and /dead_relu */
    ReportCollapseTraining *trainings;
} ReportCollapse;

/* Computed once (by report_compute); free with report_collapse_free. */
int report_collapse_compute(const ResultsData *data, ReportCollapse *out, Error *err);
void report_collapse_free(ReportCollapse *c);
/* A text section (a blank line first); nothing without the arrays. */
void report_collapse_text(const ReportCollapse *c, const ResultsData *data, FILE *out);
/* A CSV block after a blank line: train,relu_layer,tasks,collapsed,collapse_epochs,... */
void report_collapse_csv(const ReportCollapse *c, const ResultsData *data, FILE *out);
/* `,\n  "collapse": {...}`: a member for the report's top-level JSON object. */
void report_collapse_json(const ReportCollapse *c, const ResultsData *data, FILE *out);

#endif
