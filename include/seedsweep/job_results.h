/* job_results.h - what a job records in its results file: the shape and metadata that
 * results_open_sweep takes, filled from the parsed job and its loaded datasets. The one place
 * that knows both the job file and the results file; the results module interprets no job. */
#ifndef SEEDSWEEP_JOB_RESULTS_H
#define SEEDSWEEP_JOB_RESULTS_H

#include "seedsweep/dataset.h"
#include "seedsweep/jobfile.h"
#include "seedsweep/results.h"

/* The sizes of job's results (sets: its job->dataset_count loaded datasets, or their headers). */
void job_results_shape(const JobSpec *job, const Dataset *sets, ResultsShape *shape);
/* Fills meta from job and sets; meta borrows their strings (both must outlive its use). */
void job_results_meta(const JobSpec *job, const Dataset *sets, ResultsMeta *meta);

/* Whether a job's text (as a results file records it) has blas_mixing = allow; 0 when it does not parse. */
int job_results_allows_blas_mixing(const char *job_text);

#endif
