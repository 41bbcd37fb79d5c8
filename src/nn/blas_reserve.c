/* blas_reserve.c - OpenBLAS's per-thread buffers, claimed at start-up (see blas.h). OpenBLAS
 * allocates a 128 MB work buffer for each thread on its first sgemm and, when malloc fails (a low
 * `ulimit -v`), retries forever at 100% CPU, deaf to signals: a sweep would hang in its first task.
 * So the sweep first checks that the buffers fit, then has every thread make its first call. */
#include <cblas.h>
#include <stdlib.h>

#include "seedsweep/blas.h"

/* OpenBLAS's BUFFER_SIZE (128 MiB on x86-64) plus its alignment page, as its malloc asks for it. */
#define BLAS_BUFFER_BYTES ((size_t)134221824)

int blas_reserve(int threads, Error *err) {
    if (threads < 1) threads = 1;
    /* two buffers per thread, held together: OpenBLAS may claim a second one while the first is in
     * use (seen under ulimit -v: the probe of one passed, then the training spun) */
    int count = 2 * threads;
    void **probe = calloc((size_t)count, sizeof *probe);
    int ok = probe != NULL;
    for (int i = 0; ok && i < count; i++) ok = (probe[i] = malloc(BLAS_BUFFER_BYTES)) != NULL;
    for (int i = 0; probe && i < count; i++) free(probe[i]);
    free(probe);
    if (!ok)
        return error_set(err, SS_ERR_RUNTIME,
                         "out of memory: OpenBLAS needs up to two %zu MB buffers per thread (%d threads) and they do not fit "
                         "(address-space limit, ulimit -v?); raise the limit or use fewer --threads",
                         BLAS_BUFFER_BYTES >> 20, threads);
    /* each thread's first sgemm allocates its buffer now, while the room is known to be there */
    const float a[4] = {1, 0, 0, 1};
#pragma omp parallel num_threads(threads)
    {
        float product[4];
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, 2, 2, 2, 1.0f, a, 2, a, 2, 0.0f, product, 2);
    }
    return SS_OK;
}
