/* launch.c - checks of how the sweep was started (see launch.h). */
#include "seedsweep/launch.h"

#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A task count from the environment: > 0, else 0 (absent or not a number). */
static long env_count(const char *name) {
    const char *text = getenv(name);
    if (!text || !*text) return 0;
    char *end;
    long n = strtol(text, &end, 10);
    return *end || n < 1 ? 0 : n;
}

int launch_check(int mpi_size, Error *err) {
    if (mpi_size != 1) return SS_OK;
    const char *singleton = getenv("SEEDSWEEP_SINGLETON");
    if (singleton && !strcmp(singleton, "1")) return SS_OK;
    if (env_count("OMPI_COMM_WORLD_SIZE") == 1) return SS_OK;   /* mpirun -np 1: one process asked for */
    const char *name = "SLURM_STEP_NUM_TASKS";
    long tasks = env_count(name);
    if (!tasks) tasks = env_count(name = "SLURM_NTASKS");
    if (tasks <= 1) return SS_OK;
    return error_set(err, SS_ERR_INPUT,
                     "Slurm gave this step %ld tasks (%s=%ld) but MPI sees 1 process: each task would run the whole "
                     "sweep on its own, into the same results file. Likely causes: srun without --mpi=pmix (see "
                     "`srun --mpi=list`); an Open MPI built without Slurm or PMIx support; `seedsweep run` started bare "
                     "in the batch script. Fix: srun --mpi=pmix seedsweep run ..., or mpirun seedsweep run ..., or "
                     "sbatch share/seedsweep/slurm/seedsweep.sbatch JOB.ini. To run one process on purpose, set "
                     "SEEDSWEEP_SINGLETON=1",
                     tasks, name, tasks);
}

void launch_mpi_library(char *out, size_t size) {
    char version[MPI_MAX_LIBRARY_VERSION_STRING];
    int length = 0;
    if (MPI_Get_library_version(version, &length) != MPI_SUCCESS) length = 0;
    version[length < (int)sizeof version ? length : (int)sizeof version - 1] = '\0';
    snprintf(out, size, "%.*s", (int)strcspn(version, "\n"), version);
    int major = 0, minor = 0;
    MPI_Get_version(&major, &minor);
    size_t used = strlen(out);
    snprintf(out + used, size - used, " (MPI %d.%d)", major, minor);
}
