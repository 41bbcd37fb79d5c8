/* hosts.h - where the ranks of a sweep run: each rank's host name, CPU model and BLAS kernel,
 * the check that every rank runs the same kernel (results are bit-identical only then), and the
 * per-host table of a run. No MPI here: the scheduler gathers one HostInfo per rank. */
#ifndef SEEDSWEEP_HOSTS_H
#define SEEDSWEEP_HOSTS_H

#include "seedsweep/common.h"
#include "seedsweep/jobfile.h"
#include "seedsweep/results.h"

/* This process: gethostname, the first "model name" of /proc/cpuinfo ("unknown" without one),
 * OpenBLAS's core name; ranks = 1, run = 0. */
void hosts_describe_self(ResultsHost *self);
/* ranks[count], one per rank in rank order, for the job at job_path (named in the message): SS_OK when every rank has the same BLAS core or
 * allow_mixing is set; else SS_ERR_INPUT with a message naming each kernel's hosts and ranks and
 * how to pin one kernel (OPENBLAS_CORETYPE) or allow mixing. */
int hosts_check_blas(const char *job_path, const ResultsHost *ranks, int count, int allow_mixing, Error *err);
/* What one rank read at start-up: the job file it was given and its SHA-256, then the digest of
 * each dataset as loaded (results_dataset_digest; "" before the datasets are loaded). */
typedef struct RankInputs {
    char job_path[256];
    char job_sha256[65];
    int dataset_count;
    char dataset_sha256[JOB_MAX_DATASETS][65];
} RankInputs;
/* ranks[count] and hosts[count] in rank order, for job (rank 0's): SS_OK when every rank read the
 * same job text and, with datasets set, the same contents of every dataset; else SS_ERR_INPUT
 * naming each differing group's ranks, hosts and files (a results file written by ranks that
 * disagree would mix the results of two jobs, or of two copies of a dataset). */
int hosts_check_inputs(const JobSpec *job, const RankInputs *ranks, const ResultsHost *hosts, int count, int datasets,
                       Error *err);
/* The distinct (host, CPU model, BLAS core) of ranks[count] with their rank counts, in order of
 * first rank, into out[count]; returns how many. */
int hosts_summarize(const ResultsHost *ranks, int count, ResultsHost *out);

#endif
