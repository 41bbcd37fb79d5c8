/* hosts.h - where the ranks of a sweep run: each rank's host name, CPU model and BLAS kernel,
 * the check that every rank runs the same kernel (results are bit-identical only then), and the
 * per-host table of a run. No MPI here: the scheduler gathers one HostInfo per rank. */
#ifndef SEEDSWEEP_HOSTS_H
#define SEEDSWEEP_HOSTS_H

#include "seedsweep/common.h"
#include "seedsweep/results.h"

/* This process: gethostname, the first "model name" of /proc/cpuinfo ("unknown" without one),
 * OpenBLAS's core name; ranks = 1, run = 0. */
void hosts_describe_self(ResultsHost *self);
/* ranks[count], one per rank in rank order, for the job at job_path (named in the message): SS_OK when every rank has the same BLAS core or
 * allow_mixing is set; else SS_ERR_INPUT with a message naming each kernel's hosts and ranks and
 * how to pin one kernel (OPENBLAS_CORETYPE) or allow mixing. */
int hosts_check_blas(const char *job_path, const ResultsHost *ranks, int count, int allow_mixing, Error *err);
/* The distinct (host, CPU model, BLAS core) of ranks[count] with their rank counts, in order of
 * first rank, into out[count]; returns how many. */
int hosts_summarize(const ResultsHost *ranks, int count, ResultsHost *out);

#endif
