/* job_data.h - a job's datasets: each [datasets] file loaded (or only its header) and checked
 * against the others and the job before any training. Every error names the job file, the
 * [section] key and its line. The job parser itself opens no dataset (jobfile.h). */
#ifndef SEEDSWEEP_JOB_DATA_H
#define SEEDSWEEP_JOB_DATA_H

#include "seedsweep/common.h"
#include "seedsweep/dataset.h"
#include "seedsweep/jobfile.h"

/* Loads every [datasets] file into sets[dataset_count] and checks them against each other and
 * the model: same image shape and class names, shape = model input, classes = final dense,
 * batch <= each training dataset (and each resample of it). On failure sets holds nothing. */
int job_data_load(const JobSpec *job, Dataset *sets, Error *err);
/* The same checks on the headers only (dataset_open_header: images NULL, for the caller to place). */
int job_data_load_headers(const JobSpec *job, Dataset *sets, Error *err);

#endif
