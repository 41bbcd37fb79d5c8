/* merge.h - `seedsweep merge`: results files of one job (its parts, run with --part I/N, or whole
 * and partial files of it) into one file whose arrays equal those of one run of the whole job bit
 * for bit (a task's rows are a pure function of the job and the task number). */
#ifndef SEEDSWEEP_MERGE_H
#define SEEDSWEEP_MERGE_H

#include "seedsweep/common.h"

typedef struct MergeSummary {
    int64_t task_count;     /* of the job */
    int64_t done;           /* done or diverged in the merged file */
    int host_rows_left_out; /* /hosts rows that did not fit in the merged file's table */
} MergeSummary;

/* Whether the job text a results file records allows different BLAS kernels (blas_mixing = allow):
 * the job parser's answer, given by the caller (the results module reads no job file). */
typedef int (*MergeMixingRule)(const char *job_text);

/* Checks that inputs[0..count) are results files of one job (same job text and digest, same
 * datasets' contents and convolution path, same BLAS kernel unless allows_mixing (may be NULL: never)
 * says the job allows it), that no sweep is
 * writing one of them, that no task is done in two of them and, unless partial, that every task
 * is done in one; refuses otherwise (SS_ERR_INPUT, naming the files and tasks). Then writes out
 * atomically (never one of the inputs): the first input's file with every other input's done
 * tasks' rows copied in, every input's /hosts rows (runs renumbered to stay distinct), no
 * part_index / part_count, and root attribute merged_from = count. */
int merge_results(const char *out, const char *const *inputs, int count, int partial, MergeMixingRule allows_mixing,
                  MergeSummary *summary, Error *err);

#endif
