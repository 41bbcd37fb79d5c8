/* cmd_version.c - `seedsweep --version`: the version and how this binary was built, for bug
 * reports and for checking that a cluster build picked the libraries meant. */
#include <stdio.h>

#include "commands.h"
#include "seedsweep/blas.h"
#include "seedsweep/hdf5_version.h"
#include "seedsweep/launch.h"

int cli_print_version(void) {
    char hdf5[128], mpi[512];
    h5util_library_version(hdf5, sizeof hdf5);
    launch_mpi_library(mpi, sizeof mpi);
    printf("seedsweep %s\n", SEEDSWEEP_VERSION);
    printf("compiler: %s\n", SEEDSWEEP_BUILD_CC);
    printf("arch:     %s (%s)\n", SEEDSWEEP_BUILD_ARCH, SEEDSWEEP_BUILD_OPT);
    printf("hdf5:     %s\n", hdf5);
    printf("mpi:      %s\n", mpi);
    printf("blas:     %s (kernel %s)\n", blas_config(), blas_core_name());
    printf("built with: %s\n", SEEDSWEEP_BUILD_DEPS);
    return 0;
}
