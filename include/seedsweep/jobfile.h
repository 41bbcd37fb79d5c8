/* jobfile.h - the sweep's job file (docs/design.md section 4): an INI file (ini.h) read and
 * strictly validated before any training; every error names the file, [section] key and line. */
#ifndef SEEDSWEEP_JOBFILE_H
#define SEEDSWEEP_JOBFILE_H

#include "seedsweep/common.h"
#include "seedsweep/model.h"

#define JOB_MAX_DATASETS 64
#define JOB_MAX_SEEDS 10000000

#define JOB_MAX_GRID_VALUES 64
#define JOB_TRAIN_KEYS 6        /* epochs, batch, lr, beta1, beta2, eps: the keys [grid] may list */
enum { TRAIN_KEY_EPOCHS, TRAIN_KEY_BATCH, TRAIN_KEY_LR, TRAIN_KEY_BETA1, TRAIN_KEY_BETA2, TRAIN_KEY_EPS };

/* What the seed changes: a set of sources (bits). both = init | order, the historical default. */
typedef enum { VARY_INIT = 1, VARY_ORDER = 2, VARY_BOTH = 3, VARY_SAMPLE = 4, VARY_ALL = 7 } VaryKind;
/* plain: one group of seeds varying `vary`; decompose: per training dataset the groups init,
 * order, sample (only that source varies) and all (every source varies). */
typedef enum { DESIGN_PLAIN = 0, DESIGN_DECOMPOSE = 1 } DesignKind;
#define JOB_MAX_GROUPS 4

/* One grid point's training settings. */
typedef struct TrainSettings {
    int epochs, batch;
    float lr, beta1, beta2, eps;
} TrainSettings;

/* [train] checkpoint_every: periodic checkpoints inside a task (a stop signal saves one anyway). */
typedef enum { CHECKPOINT_OFF = 0, CHECKPOINT_SECONDS = 1, CHECKPOINT_EPOCHS = 2 } CheckpointEveryKind;
#define CHECKPOINT_DEFAULT_SECONDS 300.0
typedef struct CheckpointEvery {
    CheckpointEveryKind kind;
    double seconds;             /* CHECKPOINT_SECONDS: at the first batch boundary this long after the last save */
    int epochs;                 /* CHECKPOINT_EPOCHS: at the end of every this many epochs */
} CheckpointEvery;

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
    VaryKind vary;              /* plain design: the sources the seed varies */
    DesignKind design;
    double sample_fraction;     /* [sweep] sample_fraction: 0 = bootstrap (n of n with replacement),
                                   else subsample round(fraction * n) images without replacement */
    /* [grid]: grid_key_count keys (index into the [train] keys: epochs batch lr beta1 beta2 eps),
     * in file order; grid points are their cartesian product, the last key varying fastest */
    int grid_key_count;
    int grid_keys[JOB_TRAIN_KEYS];
    int grid_value_count[JOB_TRAIN_KEYS];
    double grid_values[JOB_TRAIN_KEYS][JOB_MAX_GRID_VALUES];
    int blas_mixing_allowed;    /* [sweep] blas_mixing = allow: ranks may run different BLAS kernels */
    int dataset_count;          /* [datasets], in file order */
    char *dataset_names[JOB_MAX_DATASETS];
    char *dataset_paths[JOB_MAX_DATASETS];
    int dataset_lines[JOB_MAX_DATASETS];
    char *model_input, *model_layers;
    ModelSpec model;
    InitKind init;
    /* [train]; for a key listed in [grid], epochs and batch hold the largest grid value (the
     * width of the (task, epoch) arrays, the model's max batch), the others the first */
    int epochs, batch;
    float lr, beta1, beta2, eps;
    CheckpointEvery checkpoint_every;   /* default: every CHECKPOINT_DEFAULT_SECONDS */
    /* line of each key (0 when absent), for messages after parsing */
    int line_seeds, line_train, line_input, line_layers, line_batch, line_epochs;
} JobSpec;

/* Reads and validates path (syntax, keys, values, model shapes); opens no dataset (job_data.h). */
int jobfile_parse(const char *path, JobSpec *job, Error *err);
/* Same from text already in memory; what names it in messages. */
int jobfile_parse_text(const char *text, const char *what, JobSpec *job, Error *err);
void jobfile_free(JobSpec *job);
/* The study design (job_design.c). */
const char *vary_name(VaryKind vary);     /* "both", "init", "order sample", ... */
const char *train_key_name(int key);      /* the [train] key with that index: "epochs", ... */
int jobfile_grid_point_count(const JobSpec *job);                     /* 1 without [grid] */
/* The training settings of grid point g (its [grid] values over the [train] ones). */
void jobfile_train_settings(const JobSpec *job, int g, TrainSettings *out);
double jobfile_grid_value(const JobSpec *job, int g, int key_position);  /* key grid_keys[key_position] */
int jobfile_group_count(const JobSpec *job);                          /* 1 plain, 4 decompose */
const char *jobfile_group_name(const JobSpec *job, int group);       /* plain: vary_name(vary) */
VaryKind jobfile_group_vary(const JobSpec *job, int group);          /* the sources group varies */
int jobfile_uses_sample(const JobSpec *job);   /* some task trains on a resample */
/* Images in a resample of a training set of count images: count for the bootstrap (drawn with
 * replacement), else round(sample_fraction * count), at least 1 (drawn without replacement). */
int64_t jobfile_sample_size(const JobSpec *job, int64_t count);

#endif
