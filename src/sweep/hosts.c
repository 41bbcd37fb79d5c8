/* hosts.c - each rank's host, CPU model and BLAS kernel, the same-kernel check and the per-host
 * table (see hosts.h). The check exists because OpenBLAS picks its kernel per CPU at run time
 * (or per OPENBLAS_CORETYPE), and two kernels round sums differently: a task's results would then
 * depend on which rank ran it, breaking docs/design.md section 5. */
#include "seedsweep/hosts.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "seedsweep/blas.h"

/* value cut to fit a RESULTS_STRING_BYTES field (the results file's fixed-length strings) */
static void copy_field(char *out, const char *value) {
    size_t n = strnlen(value, RESULTS_STRING_BYTES - 1);
    memcpy(out, value, n);
    out[n] = '\0';
}

static void read_cpu_model(char *out) {
    copy_field(out, "unknown");
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (!f) return;
    char line[512];
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, "model name", 10)) continue;
        char *value = strchr(line, ':');
        if (!value) continue;
        value++;
        while (*value == ' ' || *value == '\t') value++;
        value[strcspn(value, "\n")] = '\0';
        if (*value) copy_field(out, value);
        break;
    }
    fclose(f);
}

void hosts_describe_self(ResultsHost *self) {
    memset(self, 0, sizeof *self);
    char name[256] = "unknown";
    if (gethostname(name, sizeof name) != 0) snprintf(name, sizeof name, "unknown");
    name[sizeof name - 1] = '\0';
    copy_field(self->name, name);
    read_cpu_model(self->cpu_model);
    const char *core = blas_core_name();
    copy_field(self->blas_core, core && *core ? core : "unknown");
    self->ranks = 1;
}

int hosts_summarize(const ResultsHost *ranks, int count, ResultsHost *out) {
    int n = 0;
    for (int r = 0; r < count; r++) {
        int h = 0;
        while (h < n && (strcmp(out[h].name, ranks[r].name) || strcmp(out[h].cpu_model, ranks[r].cpu_model) ||
                         strcmp(out[h].blas_core, ranks[r].blas_core)))
            h++;
        if (h == n) {
            out[n] = ranks[r];
            out[n++].ranks = 0;
        }
        out[h].ranks++;
    }
    return n;
}

/* The hosts of kernel `core` among ranks[count]: "node1, node2 +3 more" (distinct, first-rank order). */
static void kernel_hosts(const ResultsHost *ranks, int count, const char *core, char *out, size_t size, int *rank_count) {
    int listed = 0, more = 0;
    size_t used = 0;
    out[0] = '\0';
    *rank_count = 0;
    for (int r = 0; r < count; r++) {
        if (strcmp(ranks[r].blas_core, core)) continue;
        ++*rank_count;
        int seen = 0;
        for (int q = 0; q < r && !seen; q++) seen = !strcmp(ranks[q].blas_core, core) && !strcmp(ranks[q].name, ranks[r].name);
        if (seen) continue;
        if (listed == 3) {
            more++;
            continue;
        }
        used += (size_t)snprintf(out + used, size - used, "%s%s", listed ? ", " : "", ranks[r].name);
        if (used >= size) used = size - 1;
        listed++;
    }
    if (more) snprintf(out + used, size - used, " +%d more", more);
}

int hosts_check_blas(const char *job_path, const ResultsHost *ranks, int count, int allow_mixing, Error *err) {
    int mixed = 0;
    for (int r = 1; r < count; r++) mixed |= strcmp(ranks[r].blas_core, ranks[0].blas_core) != 0;
    if (!mixed || allow_mixing) return SS_OK;
    /* per kernel, in order of first rank: "Haswell: 2 ranks on node1, node2 (CPU ...)"; at most 4 kernels named */
    char list[640] = "";
    size_t used = 0;
    int kernels = 0;
    for (int r = 0; r < count; r++) {
        int seen = 0;
        for (int q = 0; q < r && !seen; q++) seen = !strcmp(ranks[q].blas_core, ranks[r].blas_core);
        if (seen) continue;
        if (++kernels > 4) {
            used += (size_t)snprintf(list + used, sizeof list - used, "; ...");
            break;
        }
        char hosts[160];
        int rank_count = 0;
        kernel_hosts(ranks, count, ranks[r].blas_core, hosts, sizeof hosts, &rank_count);
        used += (size_t)snprintf(list + used, sizeof list - used, "%s%s: %d rank%s on %s (first rank %d, CPU %s)",
                                 used ? "; " : "", ranks[r].blas_core, rank_count, rank_count == 1 ? "" : "s", hosts, r,
                                 ranks[r].cpu_model);
        if (used >= sizeof list) break;
    }
    return error_set(err, SS_ERR_INPUT,
                     "%s: ranks run different OpenBLAS kernels: %s. Results would depend on which rank ran a task. "
                     "Pin one kernel on every node, e.g. export OPENBLAS_CORETYPE=%s before mpirun/srun (a kernel every "
                     "node's CPU supports), or accept the differences with blas_mixing = allow in [sweep] "
                     "(then /task_blas records each task's kernel)",
                     job_path, list, ranks[0].blas_core);
}
