/* jobfile.h - the sweep's job file (DESIGN.md section 4): an INI file parsed with libinih and
 * strictly validated before any training; every error names the file, [section] key and line. */
#ifndef SEEDSWEEP_JOBFILE_H
#define SEEDSWEEP_JOBFILE_H

#include "seedsweep/common.h"
#include "seedsweep/dataset.h"
#include "seedsweep/model.h"

#define JOB_MAX_DATASETS 64
#define JOB_MAX_SEEDS 10000000

typedef enum { VARY_BOTH = 0, VARY_INIT = 1, VARY_ORDER = 2 } VaryKind;

typedef struct JobSpec {
    char *path;                 /* the job file as named on the command line */
    char *text;                 /* its whole text: stored in the results file, compared on resume */
    char sha256[65];            /* hex SHA-256 of text */
    char *name;                 /* [sweep] name (default: the file's base name) */
    char *output;               /* [sweep] output, NULL when absent */
    int64_t *seeds;             /* [sweep] seeds, in file order, no duplicates */
    int seed_count;
    int train[JOB_MAX_DATASETS];/* [sweep] train: indices into dataset_names, in file order */
    int train_count;
    VaryKind vary;
    int blas_mixing_allowed;    /* [sweep] blas_mixing = allow: ranks may run different BLAS kernels */
    int dataset_count;          /* [datasets], in file order */
    char *dataset_names[JOB_MAX_DATASETS];
    char *dataset_paths[JOB_MAX_DATASETS];
    int dataset_lines[JOB_MAX_DATASETS];
    char *model_input, *model_layers;
    ModelSpec model;
    InitKind init;
    int epochs, batch;
    float lr, beta1, beta2, eps;
    /* line of each key (0 when absent), for messages after parsing */
    int line_seeds, line_train, line_input, line_layers, line_batch, line_epochs;
} JobSpec;

/* Reads and validates path (syntax, keys, values, model shapes); does not open datasets. */
int jobfile_parse(const char *path, JobSpec *job, Error *err);
/* Same from text already in memory; what names it in messages. */
int jobfile_parse_text(const char *text, const char *what, JobSpec *job, Error *err);
/* Loads every [datasets] file into sets[dataset_count] and checks them against each other and
 * the model: same image shape and class names, shape = model input, classes = final dense,
 * batch <= each training dataset. On failure sets holds nothing (all freed). */
int jobfile_load_datasets(const JobSpec *job, Dataset *sets, Error *err);
void jobfile_free(JobSpec *job);
const char *vary_name(VaryKind vary);

#endif
