/* report.h - statistics of a results file (DESIGN.md section 10): per (training, test) dataset
 * summaries, rank tests between training datasets, the most often misclassified images. */
#ifndef SEEDSWEEP_REPORT_H
#define SEEDSWEEP_REPORT_H

#include <stdio.h>

#include "seedsweep/common.h"
#include "seedsweep/stats.h"

typedef enum { REPORT_TEXT, REPORT_CSV, REPORT_JSON } ReportFormat;

/* Reads path (it may belong to a running sweep: pending tasks are left out and counted). */
int report_write(const char *path, ReportFormat format, FILE *out, Error *err);

#endif
