/* blas.c - what the benchmark needs to know about the BLAS: its name and its sgemm peak. */
#include <cblas.h>
#include <stdlib.h>

#include "seedsweep/common.h"
#include "seedsweep/blas.h"

const char *blas_core_name(void) { return openblas_get_corename(); }
const char *blas_config(void) { return openblas_get_config(); }

double blas_sgemm_gflops(int n, int threads, double seconds) {
    float *a = malloc(sizeof(float) * (size_t)n * n * 3);
    if (!a) return 0.0;
    float *b = a + (size_t)n * n, *c = b + (size_t)n * n;
    for (size_t i = 0; i < (size_t)n * n * 2; i++) a[i] = (float)((i * 2654435761u) % 1000) / 1000.0f;
    openblas_set_num_threads(threads);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0f, a, n, b, n, 0.0f, c, n); /* warm */
    double best = 0.0, end = ss_now() + seconds;
    do {
        double t0 = ss_now();
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0f, a, n, b, n, 0.0f, c, n);
        double rate = 2.0 * n * n * n / (ss_now() - t0) / 1e9;
        if (rate > best) best = rate;
    } while (ss_now() < end);
    openblas_set_num_threads(1);
    free(a);
    return best;
}
