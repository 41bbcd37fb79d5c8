/* rng.h - counter-based random numbers keyed by (seed, purpose).
 * A stream is a pure function of its key and counter, so the weight stream and
 * the data-order stream are independent and reproducible on any machine. */
#ifndef SEEDSWEEP_RNG_H
#define SEEDSWEEP_RNG_H

#include <stdint.h>

enum { RNG_PURPOSE_INIT = 1, RNG_PURPOSE_ORDER = 2, RNG_PURPOSE_SYNTH = 3, RNG_PURPOSE_TEST = 4, RNG_PURPOSE_SAMPLE = 5,
       RNG_PURPOSE_BOOTSTRAP = 6 };

typedef struct Rng {
    uint64_t key[2];        /* (seed, purpose) mixed */
    uint64_t counter;       /* next block */
} Rng;

Rng rng_stream(uint64_t seed, uint64_t purpose);
uint64_t rng_next_u64(Rng *rng);
double rng_uniform(Rng *rng);                    /* [0, 1) with 53 random bits */
double rng_normal(Rng *rng);                     /* standard normal */
uint64_t rng_below(Rng *rng, uint64_t bound);    /* unbiased integer in [0, bound) */
void rng_shuffle(Rng *rng, int64_t *items, int64_t count); /* Fisher-Yates */

#endif
