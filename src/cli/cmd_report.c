/* cmd_report.c - `seedsweep report RESULTS.h5`: statistics of a finished or running sweep. */
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "seedsweep/report.h"

static void print_help(void) {
    printf("usage: seedsweep report RESULTS.h5 [--format text|csv|json]\n"
           "\n"
           "Test accuracy statistics of a results file, per training dataset and per (training, test)\n"
           "dataset pair: n, median, quartiles, min, max, mean and collapsed runs (one class predicted\n"
           "for every image); a two-sided Mann-Whitney U test between every two training datasets on\n"
           "their pooled test accuracies (accuracies on the datasets other than the training one);\n"
           "the test images most often misclassified across seeds; comparisons between training\n"
           "datasets on each test set (P(A>B) with a bootstrap interval, a Wilcoxon test paired by\n"
           "seed, the runs needed, a decision by Bouthillier et al.'s rule); and the spread against\n"
           "the test-set floor (binomial std, disagreement between runs, expected best of k seeds,\n"
           "per-class recall). docs/design.md section 10 defines every field.\n"
           "Works while the sweep is still running: pending tasks are left out and counted.\n"
           "\n"
           "  --format text   tables for people (default)\n"
           "  --format csv    the accuracy table, then each further table after a blank line\n"
           "  --format json   everything, for scripts\n"
           "\n"
           "Example:\n"
           "  seedsweep report results/demo.h5\n"
           "  seedsweep report results/demo.h5 --format csv > demo.csv\n");
}

int cmd_report(int argc, char **argv) {
    if (cli_wants_help(argc, argv)) {
        print_help();
        return 0;
    }
    const char *path = NULL;
    ReportFormat format = REPORT_TEXT;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--format")) {
            if (i + 1 >= argc) return cli_usage_error("report", "--format needs text, csv or json");
            const char *f = argv[++i];
            if (!strcmp(f, "text")) format = REPORT_TEXT;
            else if (!strcmp(f, "csv")) format = REPORT_CSV;
            else if (!strcmp(f, "json")) format = REPORT_JSON;
            else return cli_usage_error("report", "--format '%s': expected text, csv or json", f);
        } else if (argv[i][0] == '-' && argv[i][1]) {
            return cli_usage_error("report", "unknown option '%s'", argv[i]);
        } else if (path) {
            return cli_usage_error("report", "one results file only");
        } else {
            path = argv[i];
        }
    }
    if (!path) return cli_usage_error("report", "missing RESULTS.h5");
    Error err = {0};
    if (report_write(path, format, stdout, &err) != SS_OK) return cli_fail(&err);
    return 0;
}
