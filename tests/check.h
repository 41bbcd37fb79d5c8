/* check.h - the tiny assertion layer of the C unit tests.
 * Each CHECK prints one "PASS name" or "FAIL name: why" line; tests/run counts them. */
#ifndef SEEDSWEEP_TESTS_CHECK_H
#define SEEDSWEEP_TESTS_CHECK_H

#include <math.h>
#include <stdio.h>
#include <string.h>

static int check_failures = 0;

#define CHECK(cond, ...)                                                          \
    do {                                                                          \
        if (cond) {                                                               \
            printf("PASS ");                                                      \
            printf(__VA_ARGS__);                                                  \
            printf("\n");                                                         \
        } else {                                                                  \
            check_failures++;                                                     \
            printf("FAIL ");                                                      \
            printf(__VA_ARGS__);                                                  \
            printf("  [%s:%d: %s]\n", __FILE__, __LINE__, #cond);                 \
        }                                                                         \
        fflush(stdout);                                                           \
    } while (0)

#define SKIP(...)                                                                 \
    do {                                                                          \
        printf("SKIP ");                                                          \
        printf(__VA_ARGS__);                                                      \
        printf("\n");                                                             \
        fflush(stdout);                                                           \
    } while (0)

/* Largest |a-b| / max(|b|, floor) over n values; floor keeps near-zero entries sane. */
static inline double max_rel_diff(const float *a, const float *b, long n, double floor) {
    double worst = 0.0;
    for (long i = 0; i < n; i++) {
        double scale = fabs((double)b[i]) > floor ? fabs((double)b[i]) : floor;
        double d = fabs((double)a[i] - (double)b[i]) / scale;
        if (d > worst || d != d) worst = (d != d) ? INFINITY : d;
    }
    return worst;
}

static inline int check_exit(void) { return check_failures ? 1 : 0; }

/* Largest |a - b| over the largest |b| (floored at 1e-3): the error against a reference, relative
 * to its scale; NaN counts as infinite. rel_err_f: the same against a float reference. */
static inline double rel_err(const float *a, const double *b, long n) {
    double worst = 0.0, scale = 1e-3;
    for (long i = 0; i < n; i++) scale = fabs(b[i]) > scale ? fabs(b[i]) : scale;
    for (long i = 0; i < n; i++) {
        double d = fabs((double)a[i] - b[i]);
        if (d > worst || d != d) worst = d != d ? INFINITY : d;
    }
    return worst / scale;
}
static inline double rel_err_f(const float *a, const float *b, long n) {
    double worst = 0.0, scale = 1e-3;
    for (long i = 0; i < n; i++) scale = fabs((double)b[i]) > scale ? fabs((double)b[i]) : scale;
    for (long i = 0; i < n; i++) {
        double d = fabs((double)a[i] - (double)b[i]);
        if (d > worst || d != d) worst = d != d ? INFINITY : d;
    }
    return worst / scale;
}
/* a and b hold the same bits. */
static inline int same_bits(const float *a, const float *b, long n) {
    return memcmp(a, b, sizeof(float) * (size_t)n) == 0;
}

#endif
