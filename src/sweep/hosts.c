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

/* "ranks 0, 1, 4 on node1, node2": the ranks r of ranks[count] with same(r) (at most 8, then
 * "+N more") and their distinct hosts (at most 3, then "+N more"). */
static void describe_ranks(const ResultsHost *hosts, int count, int (*same)(const RankInputs *, const RankInputs *, int),
                           const RankInputs *ranks, int first, int d, char *out, size_t size) {
    char list[160] = "", names[200] = "";
    size_t used = 0, named = 0;
    int n = 0, listed_hosts = 0, more_ranks = 0, more_hosts = 0;
    for (int r = first; r < count; r++) {
        if (!same(&ranks[r], &ranks[first], d)) continue;
        if (n++ < 8) {
            used += (size_t)snprintf(list + used, sizeof list - used, "%s%d", n > 1 ? ", " : "", r);
            if (used >= sizeof list) used = sizeof list - 1;
        } else {
            more_ranks++;
        }
        int seen = 0;
        for (int q = first; q < r && !seen; q++) seen = same(&ranks[q], &ranks[first], d) && !strcmp(hosts[q].name, hosts[r].name);
        if (seen) continue;
        if (listed_hosts++ < 3) {
            named += (size_t)snprintf(names + named, sizeof names - named, "%s%s", listed_hosts > 1 ? ", " : "", hosts[r].name);
            if (named >= sizeof names) named = sizeof names - 1;
        } else {
            more_hosts++;
        }
    }
    char rank_more[24] = "", host_more[24] = "";
    if (more_ranks) snprintf(rank_more, sizeof rank_more, " +%d more", more_ranks);
    if (more_hosts) snprintf(host_more, sizeof host_more, " +%d more", more_hosts);
    snprintf(out, size, "rank%s %s%s on %s%s", n == 1 ? "" : "s", list, rank_more, names, host_more);
}

static int same_job(const RankInputs *a, const RankInputs *b, int d) {
    (void)d;
    return !strcmp(a->job_sha256, b->job_sha256) && !strcmp(a->job_path, b->job_path);
}
static int same_dataset(const RankInputs *a, const RankInputs *b, int d) {
    return !strcmp(a->dataset_sha256[d], b->dataset_sha256[d]);
}

/* The groups of ranks that agree under same(), each described by what(group's first rank): at most
 * 4 groups, then "; ...". Returns the number of groups. */
static int list_groups(const RankInputs *ranks, const ResultsHost *hosts, int count,
                       int (*same)(const RankInputs *, const RankInputs *, int), int d, char *out, size_t size) {
    size_t used = 0;
    int groups = 0;
    out[0] = '\0';
    for (int r = 0; r < count; r++) {
        int seen = 0;
        for (int q = 0; q < r && !seen; q++) seen = same(&ranks[q], &ranks[r], d);
        if (seen) continue;
        if (++groups > 4) {
            snprintf(out + used, size - used, "; ...");
            break;
        }
        char who[420];
        describe_ranks(hosts, count, same, ranks, r, d, who, sizeof who);
        if (d < 0)
            used += (size_t)snprintf(out + used, size - used, "%s%s (sha256 %.12s) on %s", used ? "; " : "",
                                     ranks[r].job_path, ranks[r].job_sha256, who);
        else
            used += (size_t)snprintf(out + used, size - used, "%ssha256 %.12s on %s", used ? "; " : "",
                                     ranks[r].dataset_sha256[d], who);
        if (used >= size) {
            used = size - 1;
            break;
        }
    }
    return groups;
}

int hosts_check_inputs(const JobSpec *job, const RankInputs *ranks, const ResultsHost *hosts, int count, int datasets,
                       Error *err) {
    char groups[700];
    if (list_groups(ranks, hosts, count, same_job, -1, groups, sizeof groups) > 1)
        return error_set(err, SS_ERR_INPUT,
                         "%s: ranks were started with different job files: %s. One results file holds one job: "
                         "start every rank with the same job file",
                         job->path, groups);
    if (!datasets) return SS_OK;
    for (int d = 0; d < job->dataset_count; d++)
        if (list_groups(ranks, hosts, count, same_dataset, d, groups, sizeof groups) > 1)
            return error_set(err, SS_ERR_INPUT,
                             "%s: [datasets] %s (line %d): ranks read different contents of %s: %s. A stale copy on "
                             "some node? Every rank must read the same file",
                             job->path, job->dataset_names[d], job->dataset_lines[d], job->dataset_paths[d], groups);
    return SS_OK;
}
