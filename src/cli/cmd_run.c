/* cmd_run.c - `seedsweep run JOB.ini`: the sweep (under mpirun/srun, any number of ranks). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "seedsweep/safe_file.h"
#include "seedsweep/scheduler.h"

static void print_help(void) {
    printf("usage: seedsweep run JOB.ini [--out FILE] [--threads N] [--part I/N] [--restart] [--quiet]\n"
           "\n"
           "Trains the job's network once per (training dataset, seed) task, tests each on every dataset\n"
           "and writes one HDF5 results file (rank 0 writes; every rank, rank 0 included, trains).\n"
           "Run it under mpirun or srun with any number of ranks; tasks are handed out one at a time\n"
           "as ranks finish, and each task's results are bit-identical whatever the number of ranks.\n"
           "\n"
           "  --out FILE    results file (default: [sweep] output of the job file)\n"
           "  --threads N   threads per rank (default: SLURM_CPUS_PER_TASK, else 1; by default\n"
           "                capped so that ranks per node x threads <= cores); with N > 1 under\n"
           "                mpirun, give each rank its cores: mpirun --map-by slot:PE=N (or --bind-to none)\n"
           "  --part I/N    run only part I of N (0 <= I < N <= tasks): the tasks t with t mod N = I, into\n"
           "                FILE.part-I-of-N.h5 for FILE.h5 (--out or [sweep] output names the whole job's file);\n"
           "                any number of ranks per part; seedsweep merge joins the parts into the file one run\n"
           "                of the whole job writes (slurm/seedsweep-array.sbatch runs one part per array element)\n"
           "  --restart     start FILE over even if it holds results of a different job (and drop checkpoints)\n"
           "  --quiet       no per-task progress lines (the first and last lines remain)\n"
           "\n"
           "The job file is checked completely (keys, seeds, datasets, model shapes) before any training;\n"
           "errors name the key and line and exit 2. Progress: one line per finished task (done/total,\n"
           "task, dataset, seed, accuracies, time, ETA).\n"
           "\n"
           "Resume: running the same job onto the same file runs only the pending tasks. SIGTERM or\n"
           "SIGUSR1 stops handing out work, saves each task in flight at its next mini-batch (in\n"
           "FILE.ckpt/), keeps every finished task and exits 3 (interrupted, resumable): run the same\n"
           "command again; saved tasks continue where they stopped, bit-identical. A kill -9 loses only\n"
           "the work since each task's last periodic checkpoint ([train] checkpoint_every, default 300s).\n"
           "Under mpirun send SIGUSR1 to mpirun (it forwards it; on SIGTERM mpirun itself kills the\n"
           "ranks after 1 s and exits 1, finished tasks still kept); under srun/Slurm SIGTERM reaches\n"
           "every rank.\n"
           "\n"
           "Every rank must run the same OpenBLAS kernel (results differ between kernels): ranks on\n"
           "CPUs that pick different kernels are refused (exit 2) before training; pin one with\n"
           "OPENBLAS_CORETYPE=<kernel> on every rank (e.g. export OPENBLAS_CORETYPE=Haswell), or put\n"
           "blas_mixing = allow in [sweep] (default refuse) to run anyway, each task's kernel recorded\n"
           "in /task_blas. /task_host and /hosts record where tasks ran.\n"
           "\n"
           "Exit codes: 0 done, 1 runtime failure, 2 bad job file / datasets / results file,\n"
           "3 interrupted (resumable).\n"
           "\n"
           "Example:\n"
           "  seedsweep synth fly1 --out data/fly1.h5 --size 64 --count 80   # likewise fly2, fly3\n"
           "  mpirun -n 4 build/seedsweep run jobs/demo.ini --out results/demo.h5\n"
           "  build/seedsweep report results/demo.h5\n");
}

/* On the one rank that speaks for the sweep, before any rank exits (scheduler.h). */
static void report_failure(int status, const Error *err) {
    if (status == SS_INTERRUPTED) fprintf(stderr, "seedsweep run: %s\n", err->message);
    else cli_fail(err);
}

/* "I/N", 0 <= I < N: the part's index and count. */
static int parse_part(const char *text, int *index, int *count) {
    const char *slash = strchr(text, '/');
    char first[32];
    if (!slash || slash == text || (size_t)(slash - text) >= sizeof first) return -1;
    snprintf(first, sizeof first, "%.*s", (int)(slash - text), text);
    long long i, n;
    if (cli_parse_int(slash + 1, 1, 1 << 30, &n) || cli_parse_int(first, 0, n - 1, &i)) return -1;
    *index = (int)i;
    *count = (int)n;
    return 0;
}

int cmd_run(int argc, char **argv) {
    if (cli_wants_help(argc, argv)) {
        print_help();
        return 0;
    }
    SweepOptions options = {.version = SEEDSWEEP_VERSION};
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (!strcmp(arg, "--out") || !strcmp(arg, "--threads")) {
            if (i + 1 >= argc) return cli_usage_error("run", "%s needs a value", arg);
            const char *value = argv[++i];
            if (!strcmp(arg, "--out")) {
                options.output = value;
            } else {
                long long n;
                if (cli_parse_int(value, 1, 4096, &n))
                    return cli_usage_error("run", "--threads '%s': expected an integer in 1..4096", value);
                options.threads = (int)n;
            }
        } else if (!strcmp(arg, "--part")) {
            if (i + 1 >= argc) return cli_usage_error("run", "--part needs a value (I/N)");
            const char *value = argv[++i];
            if (options.part_count) return cli_usage_error("run", "--part given twice");
            if (parse_part(value, &options.part_index, &options.part_count))
                return cli_usage_error("run", "--part '%s': expected I/N with 0 <= I < N (e.g. --part 0/4)", value);
        } else if (!strcmp(arg, "--restart")) {
            options.restart = 1;
        } else if (!strcmp(arg, "--quiet")) {
            options.quiet = 1;
        } else if (arg[0] == '-' && arg[1]) {
            return cli_usage_error("run", "unknown option '%s'", arg);
        } else if (options.job_path) {
            return cli_usage_error("run", "one job file only ('%s' and '%s')", options.job_path, arg);
        } else {
            options.job_path = arg;
        }
    }
    if (!options.job_path) return cli_usage_error("run", "missing JOB.ini");
    if (options.output) {   /* bad usage before MPI starts; the sweep checks again against every input */
        Error err = {0};
        const char *inputs[] = {options.job_path};
        if (safe_file_check_output(options.output, inputs, 1, &err) != SS_OK)
            return cli_usage_error("run", "--out %s", err.message);
    }
    options.report_failure = report_failure;
    Error err = {0};
    return sweep_run(&options, &err);
}
