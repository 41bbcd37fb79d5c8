/* cmd_run.c - placeholder until the 'run' subcommand lands. */
#include <stdio.h>
#include "commands.h"

int cmd_run(int argc, char **argv) {
    (void)argc; (void)argv;
    fprintf(stderr, "seedsweep run: not built yet\n");
    return SS_ERR_RUNTIME;
}
