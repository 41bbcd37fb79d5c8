/* cmd_info.c - placeholder until the 'info' subcommand lands. */
#include <stdio.h>
#include "commands.h"

int cmd_info(int argc, char **argv) {
    (void)argc; (void)argv;
    fprintf(stderr, "seedsweep info: not built yet\n");
    return SS_ERR_RUNTIME;
}
