/* rng.c - Philox-4x32-10 keyed by (seed, purpose): a pure function of key and counter.
 * Each 128-bit block yields two 64-bit outputs; the stream position is the counter alone,
 * so any draw can be recomputed without replaying the stream. */
#include <math.h>

#include "seedsweep/rng.h"

static uint64_t splitmix64(uint64_t x) {
    x += 0x9E3779B97F4A7C15ull;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}

/* Philox-4x32 with 10 rounds (Salmon et al., SC'11), constants from Random123. */
static void philox4x32_10(uint32_t ctr[4], uint32_t k0, uint32_t k1) {
    for (int round = 0; round < 10; round++) {
        uint64_t p0 = (uint64_t)0xD2511F53u * ctr[0];
        uint64_t p1 = (uint64_t)0xCD9E8D57u * ctr[2];
        uint32_t hi0 = (uint32_t)(p0 >> 32), lo0 = (uint32_t)p0;
        uint32_t hi1 = (uint32_t)(p1 >> 32), lo1 = (uint32_t)p1;
        uint32_t c0 = hi1 ^ ctr[1] ^ k0, c2 = hi0 ^ ctr[3] ^ k1;
        ctr[0] = c0; ctr[1] = lo1; ctr[2] = c2; ctr[3] = lo0;
        k0 += 0x9E3779B9u;
        k1 += 0xBB67AE85u;
    }
}

Rng rng_stream(uint64_t seed, uint64_t purpose) {
    Rng rng;
    /* key[0] is the Philox key; key[1] fills the upper half of the 128-bit counter, so the
     * purpose separates streams even if two keys ever collided. */
    rng.key[0] = splitmix64(seed ^ splitmix64(purpose));
    rng.key[1] = splitmix64(purpose + 0x632BE59BD9B4E019ull);
    rng.counter = 0;
    return rng;
}

uint64_t rng_next_u64(Rng *rng) {
    uint64_t block = rng->counter >> 1;
    uint32_t ctr[4] = {(uint32_t)block, (uint32_t)(block >> 32), (uint32_t)rng->key[1],
                       (uint32_t)(rng->key[1] >> 32)};
    philox4x32_10(ctr, (uint32_t)rng->key[0], (uint32_t)(rng->key[0] >> 32));
    int half = (int)(rng->counter & 1);
    rng->counter++;
    return half ? ((uint64_t)ctr[3] << 32 | ctr[2]) : ((uint64_t)ctr[1] << 32 | ctr[0]);
}

double rng_uniform(Rng *rng) { return (double)(rng_next_u64(rng) >> 11) * (1.0 / 9007199254740992.0); }

/* Box-Muller on two fresh uniforms (the second value is discarded: simpler to reason about
 * a stream position than a cached spare). 1 - u keeps the log argument in (0, 1]. */
double rng_normal(Rng *rng) {
    double u1 = 1.0 - rng_uniform(rng);
    double u2 = rng_uniform(rng);
    return sqrt(-2.0 * log(u1)) * cos(6.283185307179586476925 * u2);
}

/* Lemire's multiply-shift with rejection: unbiased for any bound. */
uint64_t rng_below(Rng *rng, uint64_t bound) {
    if (bound <= 1) return 0;
    uint64_t threshold = (0 - bound) % bound;
    for (;;) {
        uint64_t x = rng_next_u64(rng);
        unsigned __int128 m = (unsigned __int128)x * bound;
        if ((uint64_t)m >= threshold) return (uint64_t)(m >> 64);
    }
}

void rng_shuffle(Rng *rng, int64_t *items, int64_t count) {
    for (int64_t i = count - 1; i > 0; i--) {
        int64_t j = (int64_t)rng_below(rng, (uint64_t)i + 1);
        int64_t t = items[i];
        items[i] = items[j];
        items[j] = t;
    }
}
