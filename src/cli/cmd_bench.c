/* cmd_bench.c - placeholder until the 'bench' subcommand lands. */
#include <stdio.h>
#include "commands.h"

int cmd_bench(int argc, char **argv) {
    (void)argc; (void)argv;
    fprintf(stderr, "seedsweep bench: not built yet\n");
    return SS_ERR_RUNTIME;
}
