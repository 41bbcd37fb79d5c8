/* launch.h - how the sweep was started: the check that a multi-task Slurm step is wired into MPI,
 * made before any file is touched, and the MPI library's name for `seedsweep --version`. */
#ifndef SEEDSWEEP_LAUNCH_H
#define SEEDSWEEP_LAUNCH_H

#include <stddef.h>

#include "seedsweep/common.h"

/* SS_ERR_INPUT, naming the likely causes and the fix, when Slurm says this step has N > 1 tasks
 * (SLURM_STEP_NUM_TASKS, else SLURM_NTASKS) and MPI sees mpi_size == 1: every task would then run
 * the whole sweep on its own. Allowed: SEEDSWEEP_SINGLETON=1 (one process on purpose), or a
 * launcher that says it started one process (OMPI_COMM_WORLD_SIZE=1: mpirun -np 1). */
int launch_check(int mpi_size, Error *err);
/* The first line of MPI_Get_library_version (callable before MPI_Init). */
void launch_mpi_library(char *out, size_t size);

#endif
