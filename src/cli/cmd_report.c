/* cmd_report.c - placeholder until the 'report' subcommand lands. */
#include <stdio.h>
#include "commands.h"

int cmd_report(int argc, char **argv) {
    (void)argc; (void)argv;
    fprintf(stderr, "seedsweep report: not built yet\n");
    return SS_ERR_RUNTIME;
}
