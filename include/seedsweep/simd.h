/* simd.h - which vector code the hand-written kernels (direct convolutions, pooling) run: chosen
 * once at load time from the CPU, the same bits whichever runs (each kernel's comment says why).
 * SEEDSWEEP_NO_AVX512=1 forces the AVX2 code, SEEDSWEEP_NO_AVX2=1 the portable C code
 * (tests/build_portable.sh compares them on a whole sweep). */
#ifndef SEEDSWEEP_SIMD_H
#define SEEDSWEEP_SIMD_H

typedef enum SimdLevel { SIMD_PORTABLE = 0, SIMD_AVX2 = 1, SIMD_AVX512 = 2 } SimdLevel;

/* The level in use: the widest this CPU (and the environment) allows, unless simd_use chose. */
SimdLevel simd_level(void);
/* "avx512", "avx2" or "portable". */
const char *simd_level_name(SimdLevel level);
/* Tests: run "avx512", "avx2" or "portable" from now on; -1 when this CPU lacks it or the name is
 * unknown (the level is then unchanged). */
int simd_use(const char *name);

#endif
