/* results.h - the results file (docs/design.md section 7), written by rank 0 only.
 * Every array is allocated at full size at creation (pending rows hold NaN, or -1 / 0 for
 * integers), so recording a task writes raw data only and never changes the file's
 * structure; see results.c for why that makes it crash-safe and readable while running. */
#ifndef SEEDSWEEP_RESULTS_H
#define SEEDSWEEP_RESULTS_H

#include "seedsweep/common.h"
#include "seedsweep/task_result.h"

struct Dataset;   /* dataset.h: the data a file records labels, names and digests of */

#define RESULTS_FORMAT "seedsweep-results/1"

/* Rows of /hosts, allocated at creation like every array (one row per host and run): room for
 * four runs as large as the first, at least 16 and at most 4096 rows. */
int results_host_rows(int ranks);
/* Most distinct hosts that report and info count tasks for. */
#define RESULTS_MAX_HOSTS 4096
#define RESULTS_MAX_GROUPS 4        /* /group_name rows */
#define RESULTS_MAX_GRID_KEYS 8     /* /grid_<key> arrays */
#define RESULTS_MAX_RELU_LAYERS 64  /* /relu_layer rows */

/* One host of a run: where ranks ran, what CPU and BLAS kernel they had. */
typedef struct ResultsHost {
    char name[RESULTS_STRING_BYTES];
    char cpu_model[RESULTS_STRING_BYTES];
    char blas_core[RESULTS_STRING_BYTES];
    int ranks;                  /* ranks of the run on this host with this CPU model and kernel */
    int run;                    /* 0 for the run that created the file, +1 per resume */
} ResultsHost;

/* The plan's columns of one task (task_train_dataset, task_seed, ...), written whole at creation. */
typedef struct ResultsPlanRow {
    int64_t task;               /* offset 0: never a column (see results_layout.h) */
    int32_t dataset;            /* the training dataset */
    int64_t seed;
    uint64_t init_seed, order_seed;   /* stored as int64 */
    int64_t sample_seed;
    int32_t group, grid;
} ResultsPlanRow;

/* A sweep in parts (run --part I/N): part I of N holds the tasks t with t mod N == I, so every
 * part gets about 1/N of every training set and grid point. count 0: the whole job. A part's file
 * is a results file like any other (every task's row, the other parts' pending) whose root
 * attributes part_index and part_count say which part it is. */
typedef struct ResultsPart {
    int index, count;
} ResultsPart;
int results_part_has(ResultsPart part, int64_t task);
int64_t results_part_task_count(ResultsPart part, int64_t task_count);   /* tasks of the part */
/* The part's file: OUTPUT.part-I-of-N.h5 for OUTPUT.h5 (the stem before a final ".h5"; an output not
 * ending in .h5 gets ".part-I-of-N.h5" appended). 0, or -1 when it does not fit in size. */
int results_part_path(const char *output, ResultsPart part, char *out, size_t size);
/* "part I of N: tasks t mod N = I", or "the whole job" for count 0. */
void results_part_describe(ResultsPart part, char *out, size_t size);

/* What a results file records besides the tasks' rows: the job's text and identity, its datasets,
 * its study design and the plan. The results module stores these and interprets none of them;
 * the sweep fills them from the job (job_results.h). Strings are borrowed for the call. */
typedef struct ResultsMeta {
    const char *job_text;       /* root attribute job: compared on resume */
    ResultsPart part;           /* root attributes part_index, part_count (none for the whole job): compared on resume */
    const char *job_sha256, *job_path, *name;
    const char *vary, *design;  /* root attributes, as named for the user */
    char sample[32];            /* root attribute sample: "none", "bootstrap" or "subsample F" */
    int fixed_seed;
    const char *model_input, *model_layers;
    const char *dataset_names[RESULTS_MAX_DATASETS];   /* [shape.dataset_count] */
    const char *dataset_paths[RESULTS_MAX_DATASETS];   /* for messages; the output is never one of them */
    const struct Dataset *sets; /* [shape.dataset_count]: class names, labels, image names, digests */
    char relu_layer_names[RESULTS_MAX_RELU_LAYERS][32];   /* [shape.relu_layer_count] */
    int group_count;
    const char *group_names[RESULTS_MAX_GROUPS];
    int grid_point_count, grid_key_count;
    const char *grid_key_names[RESULTS_MAX_GRID_KEYS];
    int grid_key_is_int[RESULTS_MAX_GRID_KEYS];   /* stored int64, else float64 */
    /* The value of grid key k at grid point g, and task t's plan columns (t < shape.task_count). */
    double (*grid_value)(const void *context, int g, int k);
    void (*plan_row)(const void *context, int64_t t, ResultsPlanRow *row);
    const void *context;
} ResultsMeta;

typedef struct ResultsRunInfo {
    int ranks, threads_per_rank;
    const char *blas, *version;
    const char *conv_path;      /* the conv layers' lowering, "direct" or "im2col" (SEEDSWEEP_CONV) */
} ResultsRunInfo;

typedef struct ResultsFile ResultsFile;

/* Opens path for a sweep of that shape: creates it (atomically) when absent or when restart is
 * set, resumes it when it holds the same job text, and refuses (SS_ERR_INPUT) a different job,
 * other datasets, or a file that is not a results file. pending[task_count] gets 1 per task to run. */
int results_open_sweep(const char *path, const ResultsShape *shape, const ResultsMeta *meta,
                       const ResultsRunInfo *info, int restart, ResultsFile **out, uint8_t *pending, Error *err);
/* Writes one task's rows (status last) and flushes: a crash at any moment loses at most this task. */
int results_record_task(ResultsFile *rf, const TaskResult *r, Error *err);
/* Adds this run's hosts to /hosts (the next free rows, run = previous runs + 1); when the table
 * is full the hosts are left out (returns SS_OK: /task_host still says where each task ran). */
int results_record_hosts(ResultsFile *rf, const ResultsHost *hosts, int count, Error *err);
int results_close(ResultsFile *rf, Error *err);
/* What /dataset_sha256 records of a dataset: a fingerprint of its images and labels (resume and
 * the ranks' agreement compare it); 0 when out of memory. */
int results_dataset_digest(const struct Dataset *ds, char hex[65]);
/* Refuses (SS_ERR_INPUT, naming the file and the holder) a file a sweep is writing now. */
int results_check_idle(const char *path, Error *err);

/* Everything a report needs, read from a finished or still running sweep. */
typedef struct ResultsData {
    ResultsShape shape;
    char *job, *job_sha256, *version, *created, *blas;
    int ranks, threads_per_rank;
    ResultsPart part;                   /* {0, 0}: the whole job */
    char *dataset_names[RESULTS_MAX_DATASETS];
    char **class_names;                 /* class_count */
    int32_t *task_train_dataset;        /* task_count */
    int64_t *task_seed;
    int8_t *task_status;
    double *task_seconds;
    int32_t *task_rank;
    char (*task_host)[RESULTS_STRING_BYTES];   /* NULL in files made before these arrays existed */
    char (*task_blas)[RESULTS_STRING_BYTES];
    ResultsHost *hosts;                 /* the used rows of /hosts, in the order written */
    int host_count;
    float *accuracy, *loss;             /* task_count x dataset_count */
    int8_t *collapsed;
    float *train_loss, *train_accuracy; /* task_count x epochs */
    int32_t *task_collapse_epoch;       /* task_count (-1 pending, 0 never collapsed); NULL in older files */
    float *dead_relu;                   /* task_count x epochs x shape.relu_layer_count; NULL in older files */
    char **relu_layer_names;            /* shape.relu_layer_count, or NULL */
    float *predictions[RESULTS_MAX_DATASETS];   /* task_count x image_count[d] x class_count, or NULL */
    uint8_t *labels[RESULTS_MAX_DATASETS];      /* image_count[d] */
    char **image_names[RESULTS_MAX_DATASETS];   /* image_count[d] source names, NULL when the dataset has none */
} ResultsData;

/* Reads path without locking it (a running sweep keeps writing). with_predictions: also
 * load /predictions, /labels and /image_name. Rows whose task_status was 0 when read are pending. */
int results_load(const char *path, int with_predictions, ResultsData *data, Error *err);
void results_data_free(ResultsData *data);
/* Finished tasks per host (from /task_host), hosts in order of their first task; at most capacity
 * hosts (later ones are left out). Returns how many. */
typedef struct ResultsHostTasks {
    char name[RESULTS_STRING_BYTES];
    int64_t tasks;
} ResultsHostTasks;
int results_host_task_counts(const ResultsData *data, ResultsHostTasks *out, int capacity);

#endif
