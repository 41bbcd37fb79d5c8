/* task_result.h - one finished task's rows, as a worker sends them to rank 0 and the results file
 * records them, and the shape that sizes them. A leaf: no job file, no HDF5, no MPI. The rows are
 * laid out by the results table (results_layout.c), so a new result array needs no change here. */
#ifndef SEEDSWEEP_TASK_RESULT_H
#define SEEDSWEEP_TASK_RESULT_H

#include <stddef.h>
#include <stdint.h>

#include "seedsweep/common.h"

enum { TASK_PENDING = 0, TASK_DONE = 1, TASK_DIVERGED = 2 };

/* Most datasets a results file holds (the job file's JOB_MAX_DATASETS is the same number). */
#define RESULTS_MAX_DATASETS 64
/* Per-task and per-host strings (host name, CPU model, BLAS core) are stored fixed-length,
 * NUL-padded, in this many bytes (longer values are cut to RESULTS_STRING_BYTES - 1). */
#define RESULTS_STRING_BYTES 64

/* The sizes of a sweep's results: how many tasks, and the length of each task's rows. */
typedef struct ResultsShape {
    int64_t task_count;
    int dataset_count, epochs, class_count;
    int64_t image_count[RESULTS_MAX_DATASETS];
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

/* Floats in TaskResult.predictions. */
int64_t results_prediction_count(const ResultsShape *shape);
/* Allocates every row of r (zeroed), sized for shape. On failure r holds nothing. */
int task_result_alloc(TaskResult *r, const ResultsShape *shape, Error *err);
/* Frees what task_result_alloc allocated (not a view). Cannot fail. */
void task_result_free(TaskResult *r);
/* One task's rows packed in one block (a worker's message to rank 0): its size in bytes, and r's
 * row pointers set into rows (8-byte aligned, that many bytes; scalar fields are left alone). */
size_t task_result_rows_size(const ResultsShape *shape);
void task_result_view(TaskResult *r, const ResultsShape *shape, void *rows);

#endif
