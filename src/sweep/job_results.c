/* job_results.c - a job's results shape and metadata (job_results.h): the plan's columns, the
 * study design's coordinates and the root attributes, as the job file defines them. */
#include "seedsweep/job_results.h"

#include <stdio.h>
#include <string.h>

#include "seedsweep/model.h"
#include "seedsweep/plan.h"

_Static_assert(JOB_MAX_DATASETS == RESULTS_MAX_DATASETS, "a results file holds every dataset of a job");
_Static_assert(JOB_MAX_GROUPS <= RESULTS_MAX_GROUPS && JOB_TRAIN_KEYS <= RESULTS_MAX_GRID_KEYS,
               "a results file holds every group and grid key of a job");
_Static_assert(MODEL_MAX_LAYERS <= RESULTS_MAX_RELU_LAYERS, "a results file names every ReLU layer of a model");

void job_results_shape(const JobSpec *job, const Dataset *sets, ResultsShape *shape) {
    memset(shape, 0, sizeof *shape);
    shape->task_count = plan_task_count(job);
    shape->dataset_count = job->dataset_count;
    shape->epochs = job->epochs;
    shape->class_count = sets[0].class_count;
    for (int d = 0; d < job->dataset_count; d++) shape->image_count[d] = sets[d].count;
    shape->relu_layer_count = model_relu_layers(&job->model, NULL, NULL);
}

static double grid_value(const void *context, int g, int k) { return jobfile_grid_value(context, g, k); }

static void plan_row(const void *context, int64_t t, ResultsPlanRow *row) {
    PlanTask p = plan_task(context, t);
    *row = (ResultsPlanRow){.task = t, .dataset = p.dataset, .seed = p.seed, .init_seed = p.init_seed,
                            .order_seed = p.order_seed, .sample_seed = p.sample_seed, .group = p.group,
                            .grid = p.grid};
}

void job_results_meta(const JobSpec *job, const Dataset *sets, ResultsMeta *meta) {
    *meta = (ResultsMeta){.job_text = job->text, .job_sha256 = job->sha256, .job_path = job->path, .name = job->name,
                          .vary = vary_name(job->vary), .design = job->design == DESIGN_DECOMPOSE ? "decompose" : "plain",
                          .fixed_seed = PLAN_FIXED_SEED, .model_input = job->model_input,
                          .model_layers = job->model_layers, .sets = sets, .group_count = jobfile_group_count(job),
                          .grid_point_count = jobfile_grid_point_count(job), .grid_key_count = job->grid_key_count,
                          .grid_value = grid_value, .plan_row = plan_row, .context = job};
    /* how a task's training set is resampled */
    snprintf(meta->sample, sizeof meta->sample, "none");
    if (jobfile_uses_sample(job) && job->sample_fraction > 0)
        snprintf(meta->sample, sizeof meta->sample, "subsample %g", job->sample_fraction);
    else if (jobfile_uses_sample(job))
        snprintf(meta->sample, sizeof meta->sample, "bootstrap");
    for (int d = 0; d < job->dataset_count; d++) {
        meta->dataset_names[d] = job->dataset_names[d];
        meta->dataset_paths[d] = job->dataset_paths[d];
    }
    int relu_layers = model_relu_layers(&job->model, NULL, NULL);
    for (int k = 0; k < relu_layers; k++)
        model_relu_layer_name(&job->model, k, meta->relu_layer_names[k], sizeof meta->relu_layer_names[k]);
    for (int g = 0; g < meta->group_count; g++) meta->group_names[g] = jobfile_group_name(job, g);
    for (int k = 0; k < job->grid_key_count; k++) {
        meta->grid_key_names[k] = train_key_name(job->grid_keys[k]);
        meta->grid_key_is_int[k] = job->grid_keys[k] == TRAIN_KEY_EPOCHS || job->grid_keys[k] == TRAIN_KEY_BATCH;
    }
}

int job_results_allows_blas_mixing(const char *job_text) {
    JobSpec job;
    Error ignored = {0};
    if (!job_text || jobfile_parse_text(job_text, "the results file's job", &job, &ignored) != SS_OK) return 0;
    int allowed = job.blas_mixing_allowed;
    jobfile_free(&job);
    return allowed;
}
