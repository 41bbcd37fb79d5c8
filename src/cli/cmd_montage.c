/* cmd_montage.c - placeholder until the 'montage' subcommand lands. */
#include <stdio.h>
#include "commands.h"

int cmd_montage(int argc, char **argv) {
    (void)argc; (void)argv;
    fprintf(stderr, "seedsweep montage: not built yet\n");
    return SS_ERR_RUNTIME;
}
