/* test_plan.c - task numbering and seed streams (docs/design.md section 5). */
#include <string.h>

#include "check.h"
#include "seedsweep/plan.h"

static int parse(const char *vary, JobSpec *job) {
    char text[1024];
    snprintf(text, sizeof text,
             "[sweep]\nseeds = 5, 3, 10-11\ntrain = c a\nvary = %s\n[datasets]\na = a.h5\nb = b.h5\nc = c.h5\n"
             "[model]\ninput = 8x8x1\nlayers = conv2 pool dense2\n[train]\nepochs = 1\nbatch = 2\n",
             vary);
    Error err = {0};
    return jobfile_parse_text(text, "plan.ini", job, &err);
}

int main(void) {
    JobSpec job;
    CHECK(parse("both", &job) == SS_OK, "plan job parses");
    CHECK(plan_task_count(&job) == 8, "plan 2 training sets x 4 seeds = 8 tasks");
    int64_t want_seed[8] = {5, 3, 10, 11, 5, 3, 10, 11};
    int want_dataset[8] = {2, 2, 2, 2, 0, 0, 0, 0};
    int ok = 1;
    for (int t = 0; t < 8; t++) {
        PlanTask p = plan_task(&job, t);
        ok &= p.seed == want_seed[t] && p.dataset == want_dataset[t] && p.init_seed == (uint64_t)p.seed &&
              p.order_seed == (uint64_t)p.seed && p.train_position == t / 4;
    }
    CHECK(ok, "plan order: for each train dataset, for each seed; vary=both keys both streams");
    jobfile_free(&job);
    parse("init", &job);
    PlanTask p = plan_task(&job, 2);
    CHECK(p.init_seed == 10 && p.order_seed == PLAN_FIXED_SEED, "plan vary=init holds the order stream fixed");
    jobfile_free(&job);
    parse("order", &job);
    p = plan_task(&job, 3);
    CHECK(p.init_seed == PLAN_FIXED_SEED && p.order_seed == 11, "plan vary=order holds the init stream fixed");
    jobfile_free(&job);

    return check_exit();
}
