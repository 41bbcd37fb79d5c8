/* test_results.c - the results file without MPI: creation at full size with pending values,
 * recording a task (rows and status), reading back, resuming (pending list), refusing another
 * job or a non-results file, and --restart. */
#include <glob.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "seedsweep/job_results.h"
#include "seedsweep/results.h"

static const char *JOB =
    "[sweep]\nseeds = 0-2\ntrain = a b\n[datasets]\na = a.h5\nb = b.h5\n"
    "[model]\ninput = 4x4x1\nlayers = conv2 pool dense2\n[train]\nepochs = 2\nbatch = 2\n";

static void make_sets(Dataset *sets) {
    Error err = {0};
    for (int d = 0; d < 2; d++) {
        dataset_alloc(&sets[d], 3 + d, 4, 4, 1, 2, &err);
        sets[d].class_names[0] = strdup("no");
        sets[d].class_names[1] = strdup("yes");
        for (int i = 0; i < 3 + d; i++) sets[d].labels[i] = (uint8_t)(i % 2);
    }
}

/* The sweep's way to open a results file: the job's shape and metadata. */
static int open_sweep(const char *path, const JobSpec *job, const Dataset *sets, const ResultsRunInfo *info,
                      int restart, ResultsFile **rf, uint8_t *pending, Error *err) {
    ResultsShape shape;
    ResultsMeta meta;
    job_results_shape(job, sets, &shape);
    job_results_meta(job, sets, &meta);
    return results_open_sweep(path, &shape, &meta, info, restart, rf, pending, err);
}

/* run --part I/N: the tasks of a part, their count and the part's file name */
static void test_parts(void) {
    ResultsPart whole = {0, 0}, p1 = {1, 3};
    int every = 1, covered = 1;
    for (int64_t t = 0; t < 10; t++) {
        every &= results_part_has(whole, t);
        int owners = 0;
        for (int i = 0; i < 3; i++) owners += results_part_has((ResultsPart){i, 3}, t);
        covered &= owners == 1 && results_part_has(p1, t) == (t % 3 == 1);
    }
    CHECK(every && covered, "parts: the whole job holds every task, each task is in exactly one of 3 parts (t mod 3)");
    CHECK(results_part_task_count(p1, 10) == 3 && results_part_task_count((ResultsPart){0, 3}, 10) == 4 &&
              results_part_task_count((ResultsPart){2, 3}, 10) == 3 && results_part_task_count(whole, 10) == 10 &&
              results_part_task_count((ResultsPart){4, 5}, 5) == 1,
          "parts: task counts 4+3+3 of 10, 1 of 5 in 5 parts");
    char out[64];
    CHECK(results_part_path("results/demo.h5", p1, out, sizeof out) == 0 && !strcmp(out, "results/demo.part-1-of-3.h5"),
          "parts: results/demo.h5 part 1/3 is results/demo.part-1-of-3.h5 (%s)", out);
    CHECK(results_part_path("out.hdf5", p1, out, sizeof out) == 0 && !strcmp(out, "out.hdf5.part-1-of-3.h5"),
          "parts: a name without .h5 gets .part-I-of-N.h5 appended (%s)", out);
    CHECK(results_part_path("a-very-long-name-that-does-not-fit-in-this-small-buffer.h5", p1, out, 24) == -1,
          "parts: a part path that does not fit is refused");
    results_part_describe(p1, out, sizeof out);
    CHECK(!strcmp(out, "part 1 of 3: tasks t mod 3 = 1"), "parts: described as '%s'", out);
}

int main(void) {
    test_parts();
    char path[] = "/tmp/seedsweep-test-results-XXXXXX";
    int fd = mkstemp(path);
    close(fd);
    unlink(path);
    JobSpec job;
    Error err = {0};
    CHECK(jobfile_parse_text(JOB, "r.ini", &job, &err) == SS_OK, "results job parses (%s)", err.message);
    Dataset sets[2];
    make_sets(sets);
    ResultsRunInfo info = {.ranks = 1, .threads_per_rank = 1, .blas = "test", .version = "test"};
    ResultsFile *rf = NULL;
    uint8_t pending[6];
    int rc = open_sweep(path, &job, sets, &info, 0, &rf, pending, &err);
    CHECK(rc == SS_OK && rf, "results create (%s)", err.message);
    int all = 1;
    for (int t = 0; t < 6; t++) all &= pending[t] == 1;
    CHECK(all, "results new file: every task pending");

    ResultsShape shape;
    job_results_shape(&job, sets, &shape);
    CHECK(shape.task_count == 6 && results_prediction_count(&shape) == (3 + 4) * 2, "results shape 6 tasks, 14 predictions");
    TaskResult r;
    task_result_alloc(&r, &shape, &err);
    r.task = 4;
    r.status = TASK_DONE;
    r.rank = 1;
    r.seconds = 0.5;
    r.accuracy[0] = 0.25f;
    r.accuracy[1] = 0.75f;
    r.loss[0] = 1.0f;
    r.loss[1] = 2.0f;
    r.collapsed[1] = 1;
    r.train_loss[0] = 0.7f;
    r.train_loss[1] = 0.6f;
    r.train_accuracy[0] = 0.5f;
    r.train_accuracy[1] = 0.6f;
    for (int i = 0; i < 14; i++) r.predictions[i] = (float)i / 14;
    r.collapse_epoch = 2;
    r.dead_relu[0] = 0.5f;
    r.dead_relu[1] = 1.0f;
    CHECK(results_record_task(rf, &r, &err) == SS_OK, "results record task 4 (%s)", err.message);
    CHECK(results_close(rf, &err) == SS_OK, "results close");

    char pattern[128];
    snprintf(pattern, sizeof pattern, "/tmp/.%s.tmp.*", path + 5);
    glob_t leftovers;
    CHECK(glob(pattern, 0, NULL, &leftovers) == GLOB_NOMATCH, "results creation leaves no temporary (%s)", pattern);
    globfree(&leftovers);

    /* one block of rows, as a worker sends them: every row array inside it, aligned, apart */
    size_t rows_size = task_result_rows_size(&shape);
    CHECK(rows_size == sizeof(float) * (2 * 2 + 2 * 2 + 2 + 14) + 2,
          "packed rows: 24 floats (dead_relu: 2 epochs x 1 ReLU layer) and 2 int8 (%zu bytes)", rows_size);
    double block[16];
    TaskResult view = {0};
    task_result_view(&view, &shape, block);
    char *lo = (char *)block, *hi = lo + rows_size;
    struct { char *p; size_t n; } rows[] = {{(char *)view.accuracy, 8}, {(char *)view.loss, 8}, {(char *)view.train_loss, 8},
        {(char *)view.train_accuracy, 8}, {(char *)view.predictions, 56}, {(char *)view.collapsed, 2}};
    int inside = 1;
    for (int i = 0; i < 6; i++) {
        inside &= rows[i].p >= lo && rows[i].p + rows[i].n <= hi && (uintptr_t)rows[i].p % (rows[i].n == 2 ? 1 : 4) == 0;
        for (int j = 0; j < i; j++) inside &= rows[i].p + rows[i].n <= rows[j].p || rows[j].p + rows[j].n <= rows[i].p;
    }
    CHECK(inside, "packed rows: each row array in the block, aligned, no two overlapping");

    ResultsData data;
    rc = results_load(path, 1, &data, &err);
    CHECK(rc == SS_OK, "results load (%s)", err.message);
    if (rc == SS_OK) {
        CHECK(data.task_status[4] == TASK_DONE && data.task_status[3] == TASK_PENDING, "results status row 4 done, 3 pending");
        CHECK(data.accuracy[4 * 2 + 1] == 0.75f && isnan(data.accuracy[3 * 2]) && data.collapsed[4 * 2 + 1] == 1 &&
                  data.collapsed[0] == -1,
              "results accuracy/collapsed rows written, pending rows NaN/-1");
        CHECK(data.train_loss[4 * 2 + 1] == 0.6f && isnan(data.train_loss[0]), "results train_loss row");
        CHECK(data.task_collapse_epoch && data.dead_relu && data.shape.relu_layer_count == 1 &&
                  data.relu_layer_names && !strcmp(data.relu_layer_names[0], "conv2@1") &&
                  data.task_collapse_epoch[4] == 2 && data.task_collapse_epoch[3] == -1 &&
                  data.dead_relu[4 * 2 + 1] == 1.0f && isnan(data.dead_relu[0]),
              "results task_collapse_epoch, dead_relu and relu_layer rows (pending -1 / NaN)");
        CHECK(data.predictions[1][4 * 4 * 2 + 7] == 13.0f / 14 && isnan(data.predictions[0][0]),
              "results predictions of dataset b at task 4");
        CHECK(data.labels[1][3] == 1 && data.task_seed[5] == 2 && data.task_train_dataset[5] == 1 &&
                  data.task_rank[4] == 1 && data.task_seconds[4] == 0.5,
              "results labels, plan and timing");
        CHECK(!strcmp(data.dataset_names[1], "b") && !strcmp(data.class_names[1], "yes") && data.shape.epochs == 2,
              "results names and shape read back");
        CHECK(data.job && !strcmp(data.job, JOB) && data.job_sha256 && !strcmp(data.job_sha256, job.sha256),
              "results job text and sha256 attributes");
        results_data_free(&data);
    }

    rc = open_sweep(path, &job, sets, &info, 0, &rf, pending, &err);
    CHECK(rc == SS_OK && pending[4] == 0 && pending[3] == 1, "results resume: only pending tasks");
    if (rc == SS_OK) results_close(rf, NULL);

    JobSpec other;
    char text[1024];
    snprintf(text, sizeof text, "%s", JOB);
    text[strlen(text) - 2] = '3';   /* batch = 3 */
    jobfile_parse_text(text, "other.ini", &other, &err);
    rc = open_sweep(path, &other, sets, &info, 0, &rf, pending, &err);
    CHECK(rc == SS_ERR_INPUT && strstr(err.message, "different job"), "results another job refused: %s", err.message);
    rc = open_sweep(path, &other, sets, &info, 1, &rf, pending, &err);
    CHECK(rc == SS_OK && pending[4] == 1, "results --restart starts over");
    if (rc == SS_OK) results_close(rf, NULL);

    sets[0].images[0] = 9;   /* same names and sizes, other contents */
    rc = open_sweep(path, &other, sets, &info, 0, &rf, pending, &err);
    CHECK(rc == SS_ERR_INPUT && strstr(err.message, "contents of dataset a"), "results changed dataset refused: %s",
          err.message);

    FILE *f = fopen(path, "w");
    fputs("not hdf5\n", f);
    fclose(f);
    rc = open_sweep(path, &job, sets, &info, 0, &rf, pending, &err);
    CHECK(rc == SS_ERR_INPUT, "results non-HDF5 file refused without --restart");
    rc = results_load(path, 0, &data, &err);
    CHECK(rc == SS_ERR_INPUT, "results load of a non-HDF5 file is an input error");

    unlink(path);
    task_result_free(&r);
    jobfile_free(&job);
    jobfile_free(&other);
    dataset_free(&sets[0]);
    dataset_free(&sets[1]);
    return check_exit();
}
