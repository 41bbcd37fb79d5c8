/* pmix_fence.c - does a PMIx fence wait for every process? Run under `srun --mpi=pmix`: each
 * process commits a value, joins a fence that collects data (as Open MPI's modex does), then the
 * process of rank SLOW_RANK sleeps SLOW_SECONDS and every process joins a fence that collects
 * nothing (Open MPI 4.1's closing barrier of MPI_Init). Prints per process
 * "rank R waited S" with S the seconds between leaving the first fence and leaving the second:
 * at least SLOW_SECONDS everywhere when the second fence is a barrier. Built by
 * tests/slurm_multinode.sh with `cc $(pkg-config --cflags --libs pmix)`. */
#include <pmix.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + t.tv_nsec * 1e-9;
}

int main(void) {
    pmix_proc_t me;
    if (PMIx_Init(&me, NULL, 0) != PMIX_SUCCESS) {
        fprintf(stderr, "pmix_fence: PMIx_Init failed (not started by srun --mpi=pmix?)\n");
        return 1;
    }
    const char *slow_rank = getenv("SLOW_RANK"), *slow_seconds = getenv("SLOW_SECONDS");
    int slow = slow_rank ? atoi(slow_rank) : -1;
    unsigned seconds = slow_seconds ? (unsigned)atoi(slow_seconds) : 2;
    pmix_value_t value;
    value.type = PMIX_UINT32;
    value.data.uint32 = me.rank;
    int rc = PMIx_Put(PMIX_GLOBAL, "pmix_fence.rank", &value) == PMIX_SUCCESS && PMIx_Commit() == PMIX_SUCCESS;
    pmix_info_t collect;
    bool yes = true;
    PMIX_INFO_LOAD(&collect, PMIX_COLLECT_DATA, &yes, PMIX_BOOL);
    rc = rc && PMIx_Fence(NULL, 0, &collect, 1) == PMIX_SUCCESS;
    double left_first = now();
    if ((int)me.rank == slow) sleep(seconds);
    rc = rc && PMIx_Fence(NULL, 0, NULL, 0) == PMIX_SUCCESS;
    printf("rank %u waited %.2f\n", me.rank, now() - left_first);
    PMIx_Finalize(NULL, 0);
    return rc ? 0 : 1;
}
