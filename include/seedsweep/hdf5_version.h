/* hdf5_version.h - the HDF5 library's version for `seedsweep --version`, without hdf5.h (only the
 * dataset and results modules include it; the function lives in h5util.c). */
#ifndef SEEDSWEEP_HDF5_VERSION_H
#define SEEDSWEEP_HDF5_VERSION_H

#include <stddef.h>

/* "1.10.8 (built against 1.10.8)": the library run and the headers compiled against. */
void h5util_library_version(char *out, size_t size);

#endif
