/* rank_agree.c - the start-up collectives of rank_agree.h. */
#include "seedsweep/rank_agree.h"

#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "seedsweep/conv_direct.h"
#include "seedsweep/hosts.h"

int rank_agree_worst(MPI_Comm comm, int rc, Error *err) {
    int worst = rc;
    MPI_Allreduce(&rc, &worst, 1, MPI_INT, MPI_MAX, comm);
    if (worst == SS_OK) return SS_OK;
    int rank = 0, size = 1;
    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &size);
    int mine = rc == worst ? rank : size, first = mine;
    MPI_Allreduce(&mine, &first, 1, MPI_INT, MPI_MIN, comm);
    char message[sizeof err->message];
    snprintf(message, sizeof message, "%s", err->message);
    MPI_Bcast(message, (int)sizeof message, MPI_CHAR, first, comm);
    if (rank != first) error_set(err, worst, "%s", message);
    return worst;
}

int rank_agree_inputs(const SweepSetup *setup, const char *job_path, const ResultsHost *hosts, int rc,
                      int datasets, Error *err) {
    const JobSpec *job = &setup->job;
    rc = rank_agree_worst(MPI_COMM_WORLD, rc, err);
    if (rc != SS_OK) return rc;
    RankInputs self, *all = calloc((size_t)setup->size, sizeof *all);
    memset(&self, 0, sizeof self);
    snprintf(self.job_path, sizeof self.job_path, "%s", job_path);
    snprintf(self.job_sha256, sizeof self.job_sha256, "%s", job->sha256);
    self.dataset_count = job->dataset_count;
    int ok = all != NULL;
    for (int d = 0; datasets && ok && d < job->dataset_count; d++)
        ok = results_dataset_digest(&setup->sets[d], self.dataset_sha256[d]);
    rc = rank_agree_worst(MPI_COMM_WORLD,
                          ok ? SS_OK : error_set(err, SS_ERR_RUNTIME, "out of memory comparing the ranks' inputs"), err);
    if (rc == SS_OK) {
        MPI_Allgather(&self, (int)sizeof self, MPI_BYTE, all, (int)sizeof self, MPI_BYTE, MPI_COMM_WORLD);
        rc = hosts_check_inputs(job, all, hosts, setup->size, datasets, err);
    }
    free(all);
    return rc;
}

int rank_agree_conv_path(const char *job_path, Error *err) {
    int path = (int)conv_path_get(), lowest = path, highest = path;
    MPI_Allreduce(&path, &lowest, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
    MPI_Allreduce(&path, &highest, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    if (lowest != highest)
        return error_set(err, SS_ERR_INPUT,
                         "%s: ranks run different convolution paths (SEEDSWEEP_CONV is '%s' on some ranks, '%s' on "
                         "others); results would depend on which rank ran a task: export the same SEEDSWEEP_CONV to "
                         "every rank",
                         job_path, conv_path_name((ConvPath)lowest), conv_path_name((ConvPath)highest));
    return SS_OK;
}
