/* blas.h - what the benchmark and the results file need to know about the BLAS underneath
 * (src/nn/blas.c keeps cblas.h inside src/nn/). */
#ifndef SEEDSWEEP_BLAS_H
#define SEEDSWEEP_BLAS_H

#include "seedsweep/common.h"

const char *blas_core_name(void);   /* openblas_get_corename() */
const char *blas_config(void);      /* openblas_get_config() */
/* Measured sgemm rate (GFLOP/s) on an n x n x n gemm with BLAS using `threads` threads for
 * about `seconds`; BLAS is set back to one thread afterwards (the model's setting). */
double blas_sgemm_gflops(int n, int threads, double seconds);

/* Start-up: OpenBLAS's work buffers for `threads` threads fit, and are claimed now (blas_reserve.c);
 * SS_ERR_RUNTIME naming the limit when they do not (OpenBLAS itself would retry forever). */
int blas_reserve(int threads, Error *err);

#endif
