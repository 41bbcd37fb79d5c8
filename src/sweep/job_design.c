/* job_design.c - what a parsed job's study design says (declared in jobfile.h): the names of the
 * seed's sources, the grid points and their values, the groups of a decomposition, the size of a
 * training resample. Pure functions of the JobSpec; the parser is jobfile.c. */
#include "seedsweep/jobfile.h"

#include <math.h>
#include <stdint.h>

const char *vary_name(VaryKind vary) {
    static const char *names[8] = {"none", "init", "order", "both", "sample", "init sample", "order sample",
                                   "init order sample"};
    return names[vary & 7];
}

/* Grid points are the cartesian product of the [grid] keys' values, the last key varying fastest. */
int jobfile_grid_point_count(const JobSpec *job) {
    int64_t n = 1;
    for (int i = 0; i < job->grid_key_count; i++) n *= job->grid_value_count[i];
    return n > INT32_MAX ? INT32_MAX : (int)n;
}

double jobfile_grid_value(const JobSpec *job, int g, int key_position) {
    int stride = 1;
    for (int i = job->grid_key_count - 1; i > key_position; i--) stride *= job->grid_value_count[i];
    return job->grid_values[key_position][(g / stride) % job->grid_value_count[key_position]];
}

void jobfile_train_settings(const JobSpec *job, int g, TrainSettings *out) {
    *out = (TrainSettings){.epochs = job->epochs, .batch = job->batch, .lr = job->lr, .beta1 = job->beta1,
                           .beta2 = job->beta2, .eps = job->eps};
    for (int i = 0; i < job->grid_key_count; i++) {
        double x = jobfile_grid_value(job, g, i);
        switch (job->grid_keys[i]) {
        case TRAIN_KEY_EPOCHS: out->epochs = (int)x; break;
        case TRAIN_KEY_BATCH: out->batch = (int)x; break;
        case TRAIN_KEY_LR: out->lr = (float)x; break;
        case TRAIN_KEY_BETA1: out->beta1 = (float)x; break;
        case TRAIN_KEY_BETA2: out->beta2 = (float)x; break;
        default: out->eps = (float)x; break;
        }
    }
}

int jobfile_group_count(const JobSpec *job) { return job->design == DESIGN_DECOMPOSE ? JOB_MAX_GROUPS : 1; }

const char *jobfile_group_name(const JobSpec *job, int group) {
    static const char *names[JOB_MAX_GROUPS] = {"init", "order", "sample", "all"};
    return job->design == DESIGN_DECOMPOSE ? names[group] : vary_name(job->vary);
}

VaryKind jobfile_group_vary(const JobSpec *job, int group) {
    static const VaryKind varies[JOB_MAX_GROUPS] = {VARY_INIT, VARY_ORDER, VARY_SAMPLE, VARY_ALL};
    return job->design == DESIGN_DECOMPOSE ? varies[group] : job->vary;
}

int64_t jobfile_sample_size(const JobSpec *job, int64_t count) {
    if (job->sample_fraction <= 0.0) return count;
    int64_t n = llround(job->sample_fraction * (double)count);
    return n < 1 ? 1 : n > count ? count : n;
}

int jobfile_uses_sample(const JobSpec *job) { return job->design == DESIGN_DECOMPOSE || (job->vary & VARY_SAMPLE); }
