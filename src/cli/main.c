/* main.c - the seedsweep command: one dispatch table, one file per subcommand. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
#endif

#include "commands.h"
#include "seedsweep/atomic_file.h"
#include "seedsweep/conv_direct.h"
#include "seedsweep/dataset.h"
#include "seedsweep/file_lock.h"
#include "seedsweep/results.h"
#include "seedsweep/safe_file.h"

typedef struct Command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} Command;

static const Command COMMANDS[] = {
    {"run", cmd_run, "run a sweep described by a job file (under mpirun/srun)"},
    {"synth", cmd_synth, "generate synthetic fly-brain cell images (fly1|fly2|fly3)"},
    {"import", cmd_import, "import PNG folders or MNIST/Fashion-MNIST IDX files"},
    {"montage", cmd_montage, "draw a labelled grid of a dataset's images"},
    {"info", cmd_info, "describe a dataset or results file"},
    {"report", cmd_report, "statistics of a results file (text, csv or json)"},
    {"merge", cmd_merge, "join the parts of a sweep (run --part I/N) into one results file"},
    {"bench", cmd_bench, "training-step throughput of a network"},
};
enum { COMMAND_COUNT = sizeof COMMANDS / sizeof COMMANDS[0] };

static void print_usage(FILE *out) {
    fprintf(out, "usage: seedsweep COMMAND [ARGS]   (seedsweep COMMAND --help for details)\n\n");
    for (int i = 0; i < COMMAND_COUNT; i++) fprintf(out, "  %-8s %s\n", COMMANDS[i].name, COMMANDS[i].summary);
    fprintf(out, "  --version  the version and how this binary was built\n");
    fprintf(out, "\nExit codes: 0 success, 1 runtime failure, 2 bad usage or input, 3 interrupted (resumable).\n");
}

int cli_fail(const Error *err) {
    fprintf(stderr, "seedsweep: %s\n", err->message[0] ? err->message : "unknown error");
    return err->code ? err->code : SS_ERR_RUNTIME;
}

int cli_usage_error(const char *command, const char *fmt, ...) {
    va_list args;
    va_start(args, fmt);
    fprintf(stderr, "seedsweep %s: ", command);
    vfprintf(stderr, fmt, args);
    fprintf(stderr, "\nTry 'seedsweep %s --help'.\n", command);
    va_end(args);
    return SS_ERR_INPUT;
}

int cli_check_output(const char *command, const char *out, const char *const *inputs, int count) {
    Error err = {0};
    if (safe_file_check_output(out, inputs, count, &err) != SS_OK) return cli_usage_error(command, "%s", err.message);
    char format[256];
    Error ignored = {0};
    struct stat st;
    if (stat(out, &st) == 0 && hdf5_file_format(out, format, sizeof format, &ignored) == SS_OK &&
        !strcmp(format, RESULTS_FORMAT))
        return cli_usage_error(command, "%s: holds the results of a sweep; refusing to overwrite it (remove it first)",
                               out);
    /* the folder must take the file: create (and remove) the temporary the command will write
     * last, before the work rather than after it (a missing or read-only folder, a read-only mount) */
    AtomicFile probe;
    if (atomic_file_begin(&probe, out, &err) != SS_OK) return cli_usage_error(command, "%s", err.message);
    atomic_file_abort(&probe);
    return 0;
}

int cli_parse_int(const char *text, long long lo, long long hi, long long *out) {
    char *end;
    errno = 0;
    long long v = strtoll(text, &end, 10);
    if (errno || end == text || *end || v < lo || v > hi) return -1;
    *out = v;
    return 0;
}

int cli_wants_help(int argc, char **argv) {
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) return 1;
    return 0;
}

/* What a command printed must have reached its destination: onto a full disk, /dev/full or a
 * closed descriptor the writes fail, and a pipeline would carry on with an empty or cut CSV.
 * stdout's error flag is sticky, so one check after the final flush and close covers every
 * write before it; a failure turns success into exit 1 (another exit code is kept). */
static int close_stdout(int rc) {
    errno = 0;
    int failed = fflush(stdout) != 0 || ferror(stdout);
    int saved = errno;
    if (fclose(stdout) != 0 && !failed) {
        failed = 1;
        saved = errno;
    }
    if (failed) {
        fprintf(stderr, "seedsweep: writing the output (standard output) failed: %s\n",
                saved ? strerror(saved) : "a write was refused");
        if (rc == 0) rc = SS_ERR_RUNTIME;
    }
    return rc;
}

/* Ends the process once the command is done and everything it opened is closed. Not exit():
 * its handlers include OpenBLAS's gotoblas_quit, which joins OpenBLAS's own server threads, and a
 * server thread that could not get its 128 MB buffer (a low `ulimit -v`) retries malloc forever,
 * so exit() would never return: an out-of-memory failure would print its message and then spin.
 * Our files are closed and MPI finalized by now; stdout is checked and closed here. Sanitizer
 * builds run the leak check that exit() would have run. */
static int leave(int rc) {
    rc = close_stdout(rc);
    fflush(stderr);
#if defined(__SANITIZE_ADDRESS__)
    __lsan_do_leak_check();
#endif
    _exit(rc);
}

int main(int argc, char **argv) {
    if (argc < 2) {
        print_usage(stderr);
        return SS_ERR_INPUT;
    }
    if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
        print_usage(stdout);
        return leave(0);
    }
    if (!strcmp(argv[1], "--version")) return leave(cli_print_version());
    /* the convolution lowering of this process (docs/design.md): read once, before any command */
    const char *conv = getenv("SEEDSWEEP_CONV");
    ConvPath conv_path;
    if (conv_path_parse(conv, &conv_path) != 0) {
        fprintf(stderr, "seedsweep: environment variable SEEDSWEEP_CONV='%.64s': expected direct3 (the default), direct2, direct or im2col\n",
                conv);
        return leave(SS_ERR_INPUT);
    }
    conv_path_set(conv_path);
    Error setting_err = {0};
    if (file_locking_configure(&setting_err) != SS_OK) return leave(cli_fail(&setting_err));   /* before any file is opened */
    for (int i = 0; i < COMMAND_COUNT; i++)
        if (!strcmp(argv[1], COMMANDS[i].name)) return leave(COMMANDS[i].run(argc - 1, argv + 1));
    fprintf(stderr, "seedsweep: unknown command '%s'\n", argv[1]);
    print_usage(stderr);
    return SS_ERR_INPUT;
}
