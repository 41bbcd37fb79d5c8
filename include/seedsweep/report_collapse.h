/* report_collapse.h - the report's "why runs collapse" part: per training dataset, how
 * many done tasks (diverged ones left out) collapsed and at which epochs (/task_collapse_epoch),
 * and the median fraction of dead ReLU units per layer at each task's last trained epoch
 * (/dead_relu), collapsed vs not collapsed runs. Each renderer prints nothing for files made before those arrays. */
#ifndef SEEDSWEEP_REPORT_COLLAPSE_H
#define SEEDSWEEP_REPORT_COLLAPSE_H

#include <stdio.h>

#include "seedsweep/results.h"

/* A text section (a blank line first). */
void report_collapse_text(const ResultsData *data, FILE *out);
/* A CSV block after a blank line: train,relu_layer,tasks,collapsed,collapse_epochs,... */
void report_collapse_csv(const ResultsData *data, FILE *out);
/* `,\n  "collapse": {...}`: a member for the report's top-level JSON object. */
void report_collapse_json(const ResultsData *data, FILE *out);

#endif
