/* simd.c - the vector code the kernels run, detected once at load time (see simd.h). */
#include <stdlib.h>
#include <string.h>

#include "seedsweep/simd.h"

static SimdLevel level = SIMD_PORTABLE;

static int env_on(const char *name) {
    const char *v = getenv(name);
    return v && *v && strcmp(v, "0") != 0;
}

/* The widest level the CPU supports (AVX2 needs FMA too: the convolutions use it). */
static SimdLevel cpu_level(void) {
#if defined(__x86_64__) && defined(__GNUC__)
    __builtin_cpu_init();
    if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma")) return SIMD_PORTABLE;
    return __builtin_cpu_supports("avx512f") ? SIMD_AVX512 : SIMD_AVX2;
#else
    return SIMD_PORTABLE;
#endif
}

__attribute__((constructor)) static void simd_detect(void) {
    level = cpu_level();
    if (level == SIMD_AVX512 && env_on("SEEDSWEEP_NO_AVX512")) level = SIMD_AVX2;
    if (env_on("SEEDSWEEP_NO_AVX2")) level = SIMD_PORTABLE;
}

SimdLevel simd_level(void) { return level; }

const char *simd_level_name(SimdLevel l) {
    return l == SIMD_AVX512 ? "avx512" : l == SIMD_AVX2 ? "avx2" : "portable";
}

int simd_use(const char *name) {
    SimdLevel want;
    if (!strcmp(name, "avx512"))
        want = SIMD_AVX512;
    else if (!strcmp(name, "avx2"))
        want = SIMD_AVX2;
    else if (!strcmp(name, "portable"))
        want = SIMD_PORTABLE;
    else
        return -1;
    if (want > cpu_level()) return -1;
    level = want;
    return 0;
}
