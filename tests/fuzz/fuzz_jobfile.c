/* fuzz_jobfile.c - libFuzzer harness: the job-file parser (jobfile_parse_text), which also parses
 * the [model] spec; the input is the job file's text. */
#include "fuzz_common.h"
#include "seedsweep/jobfile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *text = fuzz_string(data, size);
    JobSpec job;
    Error err = {0};
    int rc = jobfile_parse_text(text, "fuzz.ini", &job, &err);
    FUZZ_CHECK_ERROR(rc, err);
    if (rc == SS_OK) {
        /* a job that parses must be internally consistent */
        if (job.seed_count < 1 || job.train_count < 1 || job.dataset_count < 1) abort();
        for (int t = 0; t < job.train_count; t++)
            if (job.train[t] < 0 || job.train[t] >= job.dataset_count) abort();
        if (job.epochs < 1 || job.batch < 1 || job.model.class_count < 2) abort();
        jobfile_free(&job);
    }
    free(text);
    return 0;
}
