/* rank_agree.h - the start-up collectives by which the ranks of a sweep agree before the first task:
 * the worst status and its message, one job and one copy of every dataset, one convolution path.
 * Each is collective (over MPI_COMM_WORLD unless it takes a communicator): every rank calls it,
 * every rank gets the same answer. */
#ifndef SEEDSWEEP_RANK_AGREE_H
#define SEEDSWEEP_RANK_AGREE_H

#include <mpi.h>

#include "seedsweep/common.h"
#include "seedsweep/sweep_setup.h"

/* The worst status of the ranks of comm (rc: this rank's), so that all take the same branch to the
 * next collective; every rank takes the message of the lowest rank that failed that way, so
 * whichever rank reports tells the real reason. */
int rank_agree_worst(MPI_Comm comm, int rc, Error *err);

/* Every rank's job file and SHA-256 (and with datasets, the digest of each dataset it loaded) to
 * every rank, which refuses alike when they differ: ranks started with other job files (MPMD, a
 * file edited during start-up) or reading other copies of a dataset (a stale node-local copy)
 * would mix two jobs' results in one file. hosts: every rank's (for the message). rc: this rank's
 * status so far (shared first). */
int rank_agree_inputs(const SweepSetup *setup, const char *job_path, const ResultsHost *hosts, int rc,
                      int datasets, Error *err);

/* One convolution path (SEEDSWEEP_CONV) on every rank: the file records one. */
int rank_agree_conv_path(const char *job_path, Error *err);

#endif
