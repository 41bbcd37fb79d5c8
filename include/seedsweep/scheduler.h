/* scheduler.h - the sweep under MPI (docs/design.md sections 5 and 8): every rank trains; rank 0
 * also hands out tasks one at a time as ranks ask for them and writes the results file. */
#ifndef SEEDSWEEP_SCHEDULER_H
#define SEEDSWEEP_SCHEDULER_H

#include "seedsweep/common.h"

typedef struct SweepOptions {
    const char *job_path;
    const char *output;         /* --out, or NULL for [sweep] output */
    int restart;                /* --restart: start the file over even if it holds another job */
    int threads;                /* --threads, or 0: SLURM_CPUS_PER_TASK, else 1 (capped by cores) */
    int quiet;                  /* no progress lines */
    int part_index, part_count; /* --part I/N: only tasks t mod N == I, into OUTPUT.part-I-of-N.h5; count 0: all */
    const char *version;        /* stored in the results file */
    /* Called on the one rank that should tell the user why the sweep did not end SS_OK, before
     * any rank leaves: under mpirun the first rank to exit non-zero gets the others killed, so a
     * message printed after sweep_run returns could be lost. */
    void (*report_failure)(int status, const Error *err);
} SweepOptions;

/* Initialises and finalises MPI itself. Returns the same status on every rank: SS_OK,
 * SS_ERR_INPUT (job, datasets or results file refused before any training), SS_ERR_RUNTIME,
 * or SS_INTERRUPTED (SIGTERM/SIGUSR1: finished tasks kept, run again to resume). On failure
 * exactly one rank calls options->report_failure with its err (the others' err may be empty). */
int sweep_run(const SweepOptions *options, Error *err);

#endif
