/* test_threads.c - threads per rank: --threads, else SLURM_CPUS_PER_TASK, else 1; a default
 * never oversubscribes a node, an explicit --threads is kept; a bad Slurm value is an input error. */
#include <string.h>

#include "check.h"
#include "seedsweep/threads.h"

int main(void) {
    Error err = {0};
    int t = 0, rc;
    rc = threads_per_rank(0, NULL, 2, 16, &t, &err);
    CHECK(rc == SS_OK && t == 1, "threads_default_one (%d)", t);
    rc = threads_per_rank(3, "4", 2, 16, &t, &err);
    CHECK(rc == SS_OK && t == 3, "threads_option_beats_slurm (%d)", t);
    rc = threads_per_rank(0, "4", 2, 16, &t, &err);
    CHECK(rc == SS_OK && t == 4, "threads_from_slurm (%d)", t);
    rc = threads_per_rank(0, "8", 4, 16, &t, &err);
    CHECK(rc == SS_OK && t == 4, "threads_slurm_capped_by_cores (%d: 4 ranks on 16 cores)", t);
    rc = threads_per_rank(0, "2", 32, 16, &t, &err);
    CHECK(rc == SS_OK && t == 1, "threads_at_least_one (%d)", t);
    rc = threads_per_rank(8, NULL, 4, 16, &t, &err);
    CHECK(rc == SS_OK && t == 8, "threads_option_may_oversubscribe (%d)", t);
    rc = threads_per_rank(0, "", 1, 16, &t, &err);
    CHECK(rc == SS_OK && t == 1, "threads_empty_slurm_ignored (%d)", t);
    rc = threads_per_rank(0, "4x", 1, 16, &t, &err);
    CHECK(rc == SS_ERR_INPUT && strstr(err.message, "SLURM_CPUS_PER_TASK='4x'"), "threads_bad_slurm (%s)",
          err.message);
    rc = threads_per_rank(0, "0", 1, 16, &t, &err);
    CHECK(rc == SS_ERR_INPUT, "threads_zero_slurm (%s)", err.message);
    /* a number too large is not "not a positive integer" */
    rc = threads_per_rank(0, "100000", 1, 16, &t, &err);
    CHECK(rc == SS_ERR_INPUT && strstr(err.message, "1..4096") && !strstr(err.message, "not a positive"),
          "threads_huge_slurm_says_too_many (%s)", err.message);
    rc = threads_per_rank(0, "99999999999999999999999", 1, 16, &t, &err);
    CHECK(rc == SS_ERR_INPUT && strstr(err.message, "1..4096"), "threads_overflowing_slurm_says_too_many (%s)",
          err.message);
    rc = threads_per_rank(0, "-3", 1, 16, &t, &err);
    CHECK(rc == SS_ERR_INPUT && strstr(err.message, "not a positive"), "threads_negative_slurm (%s)", err.message);
    return check_exit();
}
