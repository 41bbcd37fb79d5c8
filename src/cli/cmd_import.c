/* cmd_import.c - placeholder until the 'import' subcommand lands. */
#include <stdio.h>
#include "commands.h"

int cmd_import(int argc, char **argv) {
    (void)argc; (void)argv;
    fprintf(stderr, "seedsweep import: not built yet\n");
    return SS_ERR_RUNTIME;
}
