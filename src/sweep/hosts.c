/* hosts.c - each rank's host, CPU model and BLAS kernel, the same-kernel check and the per-host
 * table (see hosts.h). The check exists because OpenBLAS picks its kernel per CPU at run time
 * (or per OPENBLAS_CORETYPE), and two kernels round sums differently: a task's results would then
 * depend on which rank ran it, breaking DESIGN.md section 5. */
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

int hosts_check_blas(const char *job_path, const ResultsHost *ranks, int count, int allow_mixing, Error *err) {
    int mixed = 0;
    for (int r = 1; r < count; r++) mixed |= strcmp(ranks[r].blas_core, ranks[0].blas_core) != 0;
    if (!mixed || allow_mixing) return SS_OK;
    /* "Haswell on node1 (ranks 0-1, AMD EPYC ...), Sandybridge on node2 (rank 2, ...)" in rank order */
    char list[560] = "";
    size_t used = 0;
    for (int r = 0; r < count && used < sizeof list - 180; r++) {
        int first = r;
        while (r + 1 < count && !strcmp(ranks[r + 1].blas_core, ranks[first].blas_core) &&
               !strcmp(ranks[r + 1].name, ranks[first].name))
            r++;
        char range[48];
        if (r == first) snprintf(range, sizeof range, "rank %d", first);
        else snprintf(range, sizeof range, "ranks %d-%d", first, r);
        used += (size_t)snprintf(list + used, sizeof list - used, "%s%s on %s (%s, CPU %s)", used ? ", " : "",
                                 ranks[first].blas_core, ranks[first].name, range, ranks[first].cpu_model);
    }
    if (used >= sizeof list - 180) snprintf(list + used, sizeof list - used, ", ...");
    return error_set(err, SS_ERR_INPUT,
                     "%s: ranks run different OpenBLAS kernels: %s. Results would depend on which rank ran a task. "
                     "Pin one kernel on every node, e.g. export OPENBLAS_CORETYPE=%s before mpirun/srun (a kernel every "
                     "node's CPU supports), or accept the differences with blas_mixing = allow in [sweep] "
                     "(then /task_blas records each task's kernel)",
                     job_path, list, ranks[0].blas_core);
}
