/* test_hosts.c - the per-host table and the same-kernel rule on hand-made rank lists (no MPI):
 * hosts_summarize groups ranks by (host, CPU model, kernel) in first-rank order with rank counts;
 * hosts_check_blas passes one kernel, refuses two (naming kernels, hosts, rank ranges and
 * OPENBLAS_CORETYPE) unless mixing is allowed; hosts_describe_self fills every field. */
#include <string.h>

#include "check.h"
#include "seedsweep/hosts.h"

static ResultsHost rank_on(const char *host, const char *core) {
    ResultsHost h;
    memset(&h, 0, sizeof h);
    snprintf(h.name, sizeof h.name, "%s", host);
    snprintf(h.cpu_model, sizeof h.cpu_model, "CPU of %s", host);
    snprintf(h.blas_core, sizeof h.blas_core, "%s", core);
    h.ranks = 1;
    return h;
}

int main(void) {
    ResultsHost ranks[5] = {rank_on("node1", "Haswell"), rank_on("node1", "Haswell"), rank_on("node2", "Haswell"),
                            rank_on("node3", "SkylakeX"), rank_on("node2", "Haswell")};
    ResultsHost table[5];
    int n = hosts_summarize(ranks, 5, table);
    CHECK(n == 3 && !strcmp(table[0].name, "node1") && table[0].ranks == 2 && !strcmp(table[1].name, "node2") &&
              table[1].ranks == 2 && !strcmp(table[2].name, "node3") && table[2].ranks == 1 &&
              !strcmp(table[2].blas_core, "SkylakeX"),
          "summarize: 3 hosts, ranks 2/2/1 in first-rank order (%d)", n);

    Error err = {0};
    CHECK(hosts_check_blas("j.ini", ranks, 3, 0, &err) == SS_OK, "check: one kernel on every rank passes");
    int rc = hosts_check_blas("j.ini", ranks, 5, 0, &err);
    CHECK(rc == SS_ERR_INPUT, "check: two kernels refused as bad input (%d)", rc);
    CHECK(strstr(err.message, "j.ini: ranks run different OpenBLAS kernels: Haswell: 4 ranks on node1, node2 (first rank 0, "
                              "CPU CPU of node1); SkylakeX: 1 rank on node3 (first rank 3, CPU CPU of node3). ") &&
              strstr(err.message, "OPENBLAS_CORETYPE=Haswell") && strstr(err.message, "blas_mixing = allow"),
          "check: message names kernels, hosts, ranks, OPENBLAS_CORETYPE and blas_mixing (%s)", err.message);
    CHECK(hosts_check_blas("j.ini", ranks, 5, 1, &err) == SS_OK, "check: blas_mixing = allow passes two kernels");

    ResultsHost many[400];
    for (int r = 0; r < 400; r++) {
        char host[32];
        snprintf(host, sizeof host, "a-rather-long-node-name-%03d", r);
        many[r] = rank_on(host, r % 2 ? "Zen" : "Haswell");
    }
    rc = hosts_check_blas("j.ini", many, 400, 0, &err);
    CHECK(rc == SS_ERR_INPUT && strstr(err.message, "Haswell: 200 ranks on a-rather-long-node-name-000, "
                                                     "a-rather-long-node-name-002, a-rather-long-node-name-004 +197 more") &&
              strstr(err.message, "Zen: 200 ranks on a-rather-long-node-name-001") &&
              strstr(err.message, "OPENBLAS_CORETYPE=Haswell"),
          "check: 400 ranks on 400 hosts: both kernels named, hosts cut to 3 + count (%s)", err.message);

    ResultsHost self;
    hosts_describe_self(&self);
    CHECK(self.name[0] && self.cpu_model[0] && self.blas_core[0] && self.ranks == 1 && self.run == 0,
          "describe_self: %s, %s, %s", self.name, self.cpu_model, self.blas_core);
    return check_exit();
}
