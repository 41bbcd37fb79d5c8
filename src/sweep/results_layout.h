/* results_layout.h - inside the results module only (results.c, results_layout.c, results_read.c,
 * results_resume.c, results_scales.c, task_result.c, merge.c).
 * The per-task arrays of the results file are described once, in results_arrays[] (results_layout.c);
 * creation, opening for the sweep, recording, closing, TaskResult allocation (task_result.c), loading and
 * merging parts (merge.c) all walk that table. Adding an array is one row there plus its TaskResult / ResultsData field. */
#ifndef SEEDSWEEP_RESULTS_LAYOUT_H
#define SEEDSWEEP_RESULTS_LAYOUT_H

#include "seedsweep/dataset.h"
#include "seedsweep/h5util.h"
#include "seedsweep/results.h"

/* Element types: stored little-endian in the file, native in memory. RESULTS_STRING: a
 * fixed-length string of RESULTS_STRING_BYTES, NUL-padded (a char[RESULTS_STRING_BYTES] in memory). */
typedef enum { RESULTS_F32, RESULTS_F64, RESULTS_I8, RESULTS_I32, RESULTS_I64, RESULTS_STRING } ResultsElement;

typedef enum {
    RESULTS_BY_TASK,              /* (task) */
    RESULTS_BY_TASK_DATASET,      /* (task, dataset) */
    RESULTS_BY_TASK_EPOCH,        /* (task, epoch) */
    RESULTS_BY_TASK_IMAGE_CLASS,  /* one array per dataset, NAME/<dataset name>: (task, image_<dataset name>, class) */
    RESULTS_BY_TASK_EPOCH_RELU,   /* (task, epoch, relu_layer) */
} ResultsDims;

/* One array indexed by task. Its rows come either from the plan (written whole at creation) or
 * from each finished task's TaskResult (allocated at full size, filled with `fill`, written row by
 * row by results_record_task). Offsets of 0 mean "none": offset 0 of ResultsPlanRow, TaskResult and
 * ResultsData holds task / task / shape, never an array. */
typedef struct ResultsArray {
    const char *name;            /* path under the root (a group, for RESULTS_BY_TASK_IMAGE_CLASS) */
    ResultsElement element;      /* in the file, and in ResultsData and TaskResult rows */
    ResultsDims dims;
    int from_plan;               /* 1: values from the plan (ResultsMeta.plan_row), the field below */
    size_t plan_field;           /* offsetof(ResultsPlanRow, f): an element-sized field (uint64 stored as int64) */
    size_t result_field;         /* recorded arrays: offsetof(TaskResult, f) */
    int result_scalar;           /* f holds the task's one value (seconds, rank, status), not a pointer to its row */
    ResultsElement result_element;  /* the type of a scalar f (converted to `element` on writing) */
    double fill;                 /* recorded arrays: the value of a pending row */
    int is_status;               /* task_status: written last (it vouches for the rows), read first */
    size_t data_field;           /* offsetof(ResultsData, f) that results_load fills; 0: not loaded */
    int optional;                /* absent from files made before it existed: loaded as NULL, not recorded on resume */
} ResultsArray;

extern const ResultsArray results_arrays[];
extern const int results_array_count;

/* Predefined types, or for RESULTS_STRING one type made once per process (never to be closed). */
hid_t results_file_type(ResultsElement element);
hid_t results_memory_type(ResultsElement element);
size_t results_element_size(ResultsElement element);
int results_array_per_dataset(const ResultsArray *a);   /* one array per dataset (RESULTS_BY_TASK_IMAGE_CLASS) */
int results_array_instances(const ResultsArray *a, const ResultsShape *shape);   /* dataset_count or 1 */
/* The dimensions of instance d (the dataset, for per-dataset arrays); returns the rank. */
int results_array_dims(const ResultsArray *a, const ResultsShape *shape, int d, hsize_t dims[3]);
int64_t results_array_row_length(const ResultsArray *a, const ResultsShape *shape, int d);  /* elements per task */
/* "name", or "name/<dataset name>" for per-dataset arrays (relative to the root). */
void results_array_path(const ResultsArray *a, const char *dataset_name, char *out, size_t size);

/* The columns of /hosts (one 1-D array each, results_host_rows(ranks of the first run) long, rows filled in order as runs
 * start; a row is used once its run is >= 0: run is the last column, written last). */
typedef struct ResultsHostColumn {
    const char *name;            /* path under the root */
    ResultsElement element;
    size_t field;                /* offsetof(ResultsHost, f) */
    double fill;                 /* the value of an unused row */
} ResultsHostColumn;
extern const ResultsHostColumn results_host_columns[];
extern const int results_host_column_count;

/* Row `row` (all of dimensions 1.. of a 1-, 2- or 3-D dataset) from data / into data, in mem_type. 1 on success. */
int results_write_row(hid_t ds, hid_t mem_type, int64_t row, const void *data);
int results_read_row(hid_t ds, hid_t mem_type, int64_t row, void *data);
/* The part the root attributes of a file of task_count tasks name (results_part_*); index -1: damaged. */
ResultsPart results_read_part(hid_t file, int64_t task_count);

/* Before creating path: its directory (into dir) exists, is a directory and is writable (SS_ERR_INPUT). */
int results_check_output_dir(const char *path, char *dir, size_t size, Error *err);

/* Builds the whole file at path (a temporary that the caller renames into place). */
int results_create_file(const char *path, const ResultsShape *shape, const ResultsMeta *meta,
                        const ResultsRunInfo *info, Error *err);

/* Checks of what is read back (results_read.c), shared by results_load and resuming: the job text
 * against its job_sha256 (digest gets the recomputed one), and every task_status in 0..2. */
int results_check_job_digest(const char *path, const char *job, const char *job_sha256, char digest[65], Error *err);
int results_check_task_status(const char *path, const int8_t *status, int64_t count, Error *err);

/* Checks of a file about to be resumed (results_resume.c). An existing file against this job, its
 * datasets and conv_path; on success pending[task_count] gets 1 per task still to run. */
int results_check_resume(const char *path, hid_t file, const ResultsMeta *meta, const ResultsShape *shape,
                         const char *conv_path, uint8_t *pending, Error *err);
/* ds (the file's /name) has rank, dims (dims[0] free when rows_free) and type, else SS_ERR_INPUT naming it. */
int results_check_array_layout(const char *path, hid_t ds, const char *name, int rank, const hsize_t *dims,
                               int rows_free, hid_t type, Error *err);
/* The datasets' names (names[name_count], read from /dataset_name) in job order, one /dataset_name,
 * /dataset_sha256 and /dataset_size value per dataset, and the plan's arrays equal to meta's plan. */
int results_check_names_and_plan(const char *path, hid_t file, const ResultsShape *shape, char **names,
                                 int64_t name_count, const ResultsMeta *meta, Error *err);

/* Dimension scales (results_scales.c), collected while the file is created: each scale's object
 * reference and the variables attached to it, written out by results_scales_finish. */
typedef struct Attachment {
    hobj_ref_t variable;
    int dimension;
} Attachment;
typedef struct Scale {
    char name[80];
    hobj_ref_t ref;
    Attachment attached[32 + RESULTS_MAX_DATASETS * 2];
    int count;
} Scale;
typedef struct ScaleSet {
    hid_t file;
    Scale scales[8 + RESULTS_MAX_DATASETS];
    int count;
} ScaleSet;
/* Records that variable (a path) uses the named scales as its dimensions; writes DIMENSION_LIST. */
int results_scale_attach(ScaleSet *set, const char *variable, int rank, const char *const *dims);
/* Marks ds (at path) as the scale named after the path's last component. */
int results_scale_make(ScaleSet *set, hid_t ds, const char *path);
/* Writes each scale's REFERENCE_LIST (which variables use it, as which dimension). 1 on success. */
int results_scales_finish(ScaleSet *set);

#endif
