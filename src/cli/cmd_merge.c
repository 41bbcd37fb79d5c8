/* cmd_merge.c - `seedsweep merge --out FILE PART.h5...`: the parts of a sweep (run --part I/N) into
 * the one results file a run of the whole job writes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "seedsweep/job_results.h"
#include "seedsweep/merge.h"

static void print_help(void) {
    printf("usage: seedsweep merge --out FILE [--partial] RESULTS.h5...\n"
           "\n"
           "Joins results files of one job - the parts of a sweep run with seedsweep run --part I/N (for\n"
           "example by slurm/seedsweep-array.sbatch), or whole and partial files of it, a partial merge\n"
           "included - into FILE, whose arrays equal bit for bit those of one run of the whole job;\n"
           "/task_host, /task_rank, /task_seconds and /hosts keep where and how long each task ran.\n"
           "\n"
           "Refused (exit 2, naming the files and tasks): inputs from different jobs (job_sha256),\n"
           "datasets whose contents differ (/dataset_sha256), different convolution paths (conv_path),\n"
           "different BLAS kernels unless the job has blas_mixing = allow, a task done in two inputs, a\n"
           "task done in none (unless --partial), an input a sweep is still writing, and FILE being one\n"
           "of the inputs or an existing results file.\n"
           "\n"
           "  --out FILE    the merged results file, written atomically (a temporary beside it, renamed)\n"
           "  --partial     merge even though some tasks are pending in every input; they stay pending\n"
           "                (a later merge with the missing parts, or seedsweep run onto FILE, completes it)\n"
           "\n"
           "Exit codes: 0 merged, 1 runtime failure, 2 bad usage or refused inputs.\n"
           "\n"
           "Example:\n"
           "  seedsweep run jobs/demo.ini --part 0/2    # writes results/demo.part-0-of-2.h5\n"
           "  seedsweep run jobs/demo.ini --part 1/2    # writes results/demo.part-1-of-2.h5\n"
           "  seedsweep merge --out results/demo.h5 results/demo.part-*-of-2.h5\n");
}

int cmd_merge(int argc, char **argv) {
    if (cli_wants_help(argc, argv)) {
        print_help();
        return 0;
    }
    const char *out = NULL;
    int partial = 0, count = 0;
    const char **inputs = calloc((size_t)argc, sizeof *inputs);
    if (!inputs) return cli_fail(&(Error){.code = SS_ERR_RUNTIME, .message = "out of memory"});
    int rc = 0;
    for (int i = 1; i < argc && !rc; i++) {
        const char *arg = argv[i];
        if (!strcmp(arg, "--out")) {
            if (i + 1 >= argc) rc = cli_usage_error("merge", "--out needs a value");
            else if (out) rc = cli_usage_error("merge", "--out given twice");
            else out = argv[++i];
        } else if (!strcmp(arg, "--partial")) {
            partial = 1;
        } else if (arg[0] == '-' && arg[1]) {
            rc = cli_usage_error("merge", "unknown option '%s'", arg);
        } else {
            inputs[count++] = arg;
        }
    }
    if (!rc && !out) rc = cli_usage_error("merge", "missing --out FILE");
    if (!rc && !count) rc = cli_usage_error("merge", "no results files to merge");
    if (!rc) rc = cli_check_output("merge", out, inputs, count);
    if (!rc) {
        MergeSummary summary;
        Error err = {0};
        if (merge_results(out, inputs, count, partial, job_results_allows_blas_mixing, &summary, &err) != SS_OK) {
            rc = cli_fail(&err);
        } else {
            printf("seedsweep merge: %d file%s -> %s: %lld of %lld tasks done%s\n", count, count == 1 ? "" : "s", out,
                   (long long)summary.done, (long long)summary.task_count,
                   summary.done < summary.task_count ? " (partial: the rest pending)" : "");
            if (summary.host_rows_left_out)
                printf("seedsweep merge: %d /hosts rows did not fit and are left out (/task_host still names each task's host)\n",
                       summary.host_rows_left_out);
        }
    }
    free(inputs);
    return rc;
}
