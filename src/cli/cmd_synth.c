/* cmd_synth.c - placeholder until the 'synth' subcommand lands. */
#include <stdio.h>
#include "commands.h"

int cmd_synth(int argc, char **argv) {
    (void)argc; (void)argv;
    fprintf(stderr, "seedsweep synth: not built yet\n");
    return SS_ERR_RUNTIME;
}
