/* results.h - the results file (docs/design.md section 7), written by rank 0 only.
 * Every array is allocated at full size at creation (pending rows hold NaN, or -1 / 0 for
 * integers), so recording a task writes raw data only and never changes the file's
 * structure; see results.c for why that makes it crash-safe and readable while running. */
#ifndef SEEDSWEEP_RESULTS_H
#define SEEDSWEEP_RESULTS_H

#include <stdio.h>

#include "seedsweep/common.h"
#include "seedsweep/dataset.h"
#include "seedsweep/jobfile.h"

#define RESULTS_FORMAT "seedsweep-results/1"

enum { TASK_PENDING = 0, TASK_DONE = 1, TASK_DIVERGED = 2 };

/* Per-task and per-host strings (host name, CPU model, BLAS core) are stored fixed-length,
 * NUL-padded, in this many bytes (longer values are cut to RESULTS_STRING_BYTES - 1). */
#define RESULTS_STRING_BYTES 64
/* Rows of /hosts, allocated at creation like every array (one row per host and run): room for
 * four runs as large as the first, at least 16 and at most 4096 rows. */
int results_host_rows(int ranks);
/* Most distinct hosts that report and info count tasks for. */
#define RESULTS_MAX_HOSTS 4096

/* One host of a run: where ranks ran, what CPU and BLAS kernel they had. */
typedef struct ResultsHost {
    char name[RESULTS_STRING_BYTES];
    char cpu_model[RESULTS_STRING_BYTES];
    char blas_core[RESULTS_STRING_BYTES];
    int ranks;                  /* ranks of the run on this host with this CPU model and kernel */
    int run;                    /* 0 for the run that created the file, +1 per resume */
} ResultsHost;

typedef struct ResultsShape {
    int64_t task_count;
    int dataset_count, epochs, class_count;
    int64_t image_count[JOB_MAX_DATASETS];
    int relu_layer_count;       /* the model's ReLU layers (model_relu_layers); 0 in files made before /dead_relu */
} ResultsShape;

/* One finished task, as a worker sends it to rank 0. */
typedef struct TaskResult {
    int64_t task;
    int status;                 /* TASK_DONE or TASK_DIVERGED */
    int rank;
    char host[RESULTS_STRING_BYTES];   /* the rank's host and BLAS core (filled by rank 0) */
    char blas[RESULTS_STRING_BYTES];
    double seconds;             /* wall time: training plus evaluation */
    float *accuracy, *loss;     /* [dataset_count] */
    int8_t *collapsed;          /* [dataset_count] */
    float *train_loss, *train_accuracy;  /* [epochs] */
    int collapse_epoch;         /* TrainHistory.collapse_epoch: 1-based, 0 never */
    float *dead_relu;           /* [epochs][relu_layer_count] */
    float *predictions;         /* dataset after dataset: image_count[d] x class_count softmax rows */
} TaskResult;

typedef struct ResultsRunInfo {
    int ranks, threads_per_rank;
    const char *blas, *version;
    const char *conv_path;      /* the conv layers' lowering, "direct" or "im2col" (SEEDSWEEP_CONV) */
} ResultsRunInfo;

typedef struct ResultsFile ResultsFile;

void results_shape_from_job(const JobSpec *job, const Dataset *sets, ResultsShape *shape);
int64_t results_prediction_count(const ResultsShape *shape);     /* floats in TaskResult.predictions */
int task_result_alloc(TaskResult *r, const ResultsShape *shape, Error *err);
void task_result_free(TaskResult *r);
/* One task's rows packed in one block (a worker's message to rank 0): its size in bytes, and r's
 * row pointers set into rows (8-byte aligned, that many bytes; scalar fields are left alone). */
size_t task_result_rows_size(const ResultsShape *shape);
void task_result_view(TaskResult *r, const ResultsShape *shape, void *rows);

/* Opens path for a sweep: creates it (atomically) when absent or when restart is set, resumes it
 * when it holds the same job text, and refuses (SS_ERR_INPUT) a different job, other
 * datasets, or a file that is not a results file. pending[task_count] gets 1 per task to run. */
int results_open_sweep(const char *path, const JobSpec *job, const Dataset *sets, const ResultsRunInfo *info,
                       int restart, ResultsFile **out, uint8_t *pending, Error *err);
/* Writes one task's rows (status last) and flushes: a crash at any moment loses at most this task. */
int results_record_task(ResultsFile *rf, const TaskResult *r, Error *err);
/* Adds this run's hosts to /hosts (the next free rows, run = previous runs + 1); when the table
 * is full the hosts are left out (returns SS_OK: /task_host still says where each task ran). */
int results_record_hosts(ResultsFile *rf, const ResultsHost *hosts, int count, Error *err);
int results_close(ResultsFile *rf, Error *err);

/* Everything a report needs, read from a finished or still running sweep. */
typedef struct ResultsData {
    ResultsShape shape;
    char *job, *job_sha256, *version, *created, *blas;
    int ranks, threads_per_rank;
    char *dataset_names[JOB_MAX_DATASETS];
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
    float *predictions[JOB_MAX_DATASETS];   /* task_count x image_count[d] x class_count, or NULL */
    uint8_t *labels[JOB_MAX_DATASETS];      /* image_count[d] */
    char **image_names[JOB_MAX_DATASETS];   /* image_count[d] source names, NULL when the dataset has none */
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
/* For `seedsweep info`: what the file holds and how far the sweep got. */
int results_print_info(const char *path, FILE *out, Error *err);

#endif
