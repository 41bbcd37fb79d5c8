/* job_data.c - a job's datasets loaded and checked against each other and the job (job_data.h).
 * The first dataset fixes the image shape and class names; the model's input and final dense
 * layer are checked against it, every other dataset against it, then each training set against
 * the batch size. */
#include "seedsweep/job_data.h"

#include <stdio.h>
#include <string.h>

/* Dataset d could not be loaded (inner says why): which line of the job is at fault. */
static int refuse_load(const JobSpec *job, const Dataset *sets, int d, const Error *inner, Error *err) {
    const ModelSpec *m = &job->model;
    const Dataset *b = &sets[d];
    const char *name = job->dataset_names[d];
    const int line = job->dataset_lines[d];
    if (b->height > 0 && d > 0)   /* refused for its image shape, before reading it */
        return error_set(err, SS_ERR_INPUT, "%s: [datasets] %s (line %d): images are %dx%dx%d but %s's are %dx%dx%d",
                         job->path, name, line, b->height, b->width, b->channels, job->dataset_names[0],
                         sets[0].height, sets[0].width, sets[0].channels);
    if (b->height > 0)   /* the first dataset sets the shape: the model's line is at fault */
        return error_set(err, SS_ERR_INPUT,
                         "%s: [model] input (line %d): %dx%dx%d does not fit the images of %s (%dx%dx%d, %s)",
                         job->path, job->line_input, m->input_h, m->input_w, m->input_c, name, b->height, b->width,
                         b->channels, job->dataset_paths[d]);
    return error_set(err, SS_ERR_INPUT, "%s: [datasets] %s (line %d): %s", job->path, name, line, inner->message);
}

/* "a,b,c" of a dataset's class names, cut to size. */
static void class_list(const Dataset *ds, char *out, size_t size) {
    out[0] = '\0';
    for (int c = 0; c < ds->class_count; c++)
        snprintf(out + strlen(out), size - strlen(out), "%s%s", c ? "," : "", ds->class_names[c]);
}

/* Dataset d has the first dataset's image shape and class names. */
static int check_against_first(const JobSpec *job, const Dataset *sets, int d, Error *err) {
    const Dataset *a = &sets[0], *b = &sets[d];
    const char *name = job->dataset_names[d];
    const int line = job->dataset_lines[d];
    if (b->height != a->height || b->width != a->width || b->channels != a->channels)
        return error_set(err, SS_ERR_INPUT, "%s: [datasets] %s (line %d): images are %dx%dx%d but %s's are %dx%dx%d",
                         job->path, name, line, b->height, b->width, b->channels, job->dataset_names[0], a->height,
                         a->width, a->channels);
    int same = b->class_count == a->class_count;
    for (int c = 0; same && c < a->class_count; c++) same = !strcmp(a->class_names[c], b->class_names[c]);
    if (!same) {
        char mine[300], theirs[300];
        class_list(b, mine, sizeof mine);
        class_list(a, theirs, sizeof theirs);
        return error_set(err, SS_ERR_INPUT, "%s: [datasets] %s (line %d): classes %s differ from %s's %s", job->path,
                         name, line, mine, job->dataset_names[0], theirs);
    }
    return SS_OK;
}

/* The model's input is the first dataset's image shape, its final dense layer its class count. */
static int check_model_fit(const JobSpec *job, const Dataset *a, Error *err) {
    const ModelSpec *m = &job->model;
    if (m->input_h != a->height || m->input_w != a->width || m->input_c != a->channels)
        return error_set(err, SS_ERR_INPUT, "%s: [model] input (line %d): %dx%dx%d does not fit the images of %s (%dx%dx%d)",
                         job->path, job->line_input, m->input_h, m->input_w, m->input_c, job->dataset_names[0],
                         a->height, a->width, a->channels);
    if (m->class_count != a->class_count)
        return error_set(err, SS_ERR_INPUT,
                         "%s: [model] layers (line %d): the final dense layer has %d outputs but the datasets have %d classes",
                         job->path, job->line_layers, m->class_count, a->class_count);
    return SS_OK;
}

/* A batch fits in every training dataset and in every resample of one. */
static int check_batches(const JobSpec *job, const Dataset *sets, Error *err) {
    for (int t = 0; t < job->train_count; t++) {
        const Dataset *train = &sets[job->train[t]];
        const char *name = job->dataset_names[job->train[t]];
        if (job->batch > train->count)
            return error_set(err, SS_ERR_INPUT,
                             "%s: [train] batch (line %d): %d is larger than training dataset %s (%lld images)",
                             job->path, job->line_batch, job->batch, name, (long long)train->count);
        int64_t sample = jobfile_uses_sample(job) ? jobfile_sample_size(job, train->count) : train->count;
        if (job->batch > sample)
            return error_set(err, SS_ERR_INPUT,
                             "%s: [sweep] sample_fraction: a sample of training dataset %s holds %lld images, "
                             "fewer than batch %d",
                             job->path, name, (long long)sample, job->batch);
    }
    return SS_OK;
}

/* Loads every dataset (whole, or only its header: images NULL) and checks them against each other
 * and the job, in file order: the first error is the one reported. */
static int load_datasets(const JobSpec *job, Dataset *sets, int headers_only, Error *err) {
    memset(sets, 0, sizeof(Dataset) * job->dataset_count);
    const ModelSpec *m = &job->model;
    const int expect_hwc[3] = {m->input_h, m->input_w, m->input_c};
    int rc = SS_OK;
    for (int d = 0; d < job->dataset_count && rc == SS_OK; d++) {
        Error inner = {0};
        int loaded = headers_only ? dataset_open_header_shaped(job->dataset_paths[d], expect_hwc, &sets[d], &inner)
                                  : dataset_load_shaped(job->dataset_paths[d], expect_hwc, &sets[d], &inner);
        if (loaded != SS_OK) {
            rc = refuse_load(job, sets, d, &inner, err);
            sets[d].height = sets[d].width = sets[d].channels = 0;
            break;
        }
        rc = d == 0 ? check_model_fit(job, &sets[0], err) : check_against_first(job, sets, d, err);
    }
    if (rc == SS_OK) rc = check_batches(job, sets, err);
    if (rc != SS_OK)
        for (int d = 0; d < job->dataset_count; d++) dataset_free(&sets[d]);
    return rc;
}

int job_data_load(const JobSpec *job, Dataset *sets, Error *err) { return load_datasets(job, sets, 0, err); }
int job_data_load_headers(const JobSpec *job, Dataset *sets, Error *err) { return load_datasets(job, sets, 1, err); }
