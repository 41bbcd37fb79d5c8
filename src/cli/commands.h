/* commands.h - one entry point per subcommand (each in its own src/cli/cmd_*.c).
 * Each returns the process exit code: 0 ok, 1 runtime failure, 2 bad usage/input, 3 interrupted. */
#ifndef SEEDSWEEP_CLI_COMMANDS_H
#define SEEDSWEEP_CLI_COMMANDS_H

#include "build_config.h"   /* SEEDSWEEP_VERSION, SEEDSWEEP_BUILD_*: written by the Makefile */
#include "seedsweep/common.h"

int cmd_run(int argc, char **argv);
int cmd_synth(int argc, char **argv);
int cmd_import(int argc, char **argv);
int cmd_montage(int argc, char **argv);
int cmd_info(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_merge(int argc, char **argv);
int cmd_bench(int argc, char **argv);

/* Prints "seedsweep: MESSAGE" to stderr and returns err->code (the exit code). */
int cli_fail(const Error *err);
/* Prints "seedsweep CMD: FORMAT" to stderr and "Try 'seedsweep CMD --help'." and returns 2. */
int cli_usage_error(const char *command, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Before any work: out is a usable output of `command` (safe_file_check_output: not '', not a
 * directory, device or FIFO, not one of inputs[0..count)), and not a seedsweep results file, which
 * only `run --restart` may replace, and its folder takes a new file (the temporary the command
 * writes can be created there). Prints the problem and returns 2; 0 when out is fine. */
int cli_check_output(const char *command, const char *out, const char *const *inputs, int count);
/* The one integer parser of the options: text is a whole decimal number in [lo, hi] (no sign
 * junk, no trailing characters, no overflow). 0 and *out set, else -1 and *out untouched. */
int cli_parse_int(const char *text, long long lo, long long hi, long long *out);
/* True when argv holds -h or --help. */
int cli_wants_help(int argc, char **argv);

/* `seedsweep --version`: the version (the VERSION file) and the build's configuration. */
int cli_print_version(void);

#endif
