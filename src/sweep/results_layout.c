/* results_layout.c - what the results file holds (docs/design.md section 7) and how it is created.
 * results_arrays[] is the one description of the per-task arrays; results_create_file builds the
 * whole file from it at once (every array contiguous, allocated early, filled with its pending
 * value, all attributes and dimension scales written), so that later writes never change the
 * file's structure (see results.c for why that makes it crash-safe). */
#include "results_layout.h"

#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "seedsweep/conv_direct.h"
#include "seedsweep/sha256.h"

#define PLAN(field) .from_plan = 1, .plan_field = offsetof(ResultsPlanRow, field)
#define ROW(field) .result_field = offsetof(TaskResult, field)
#define SCALAR(field, type) .result_field = offsetof(TaskResult, field), .result_scalar = 1, .result_element = type
#define LOADED(field) .data_field = offsetof(ResultsData, field)

/* In creation order (which fixes the order of the file's objects). The plan arrays hold no
 * pending value: they are complete from the start. */
const ResultsArray results_arrays[] = {
    {.name = "task_train_dataset", .element = RESULTS_I32, .dims = RESULTS_BY_TASK, PLAN(dataset), LOADED(task_train_dataset)},
    {.name = "task_seed", .element = RESULTS_I64, .dims = RESULTS_BY_TASK, PLAN(seed), LOADED(task_seed)},
    {.name = "task_init_seed", .element = RESULTS_I64, .dims = RESULTS_BY_TASK, PLAN(init_seed)},
    {.name = "task_order_seed", .element = RESULTS_I64, .dims = RESULTS_BY_TASK, PLAN(order_seed)},
    {.name = "task_sample_seed", .element = RESULTS_I64, .dims = RESULTS_BY_TASK, PLAN(sample_seed)},
    {.name = "task_group", .element = RESULTS_I32, .dims = RESULTS_BY_TASK, PLAN(group)},
    {.name = "task_grid", .element = RESULTS_I32, .dims = RESULTS_BY_TASK, PLAN(grid)},
    {.name = "task_status", .element = RESULTS_I8, .dims = RESULTS_BY_TASK, SCALAR(status, RESULTS_I32),
     .fill = TASK_PENDING, .is_status = 1, LOADED(task_status)},
    {.name = "task_seconds", .element = RESULTS_F64, .dims = RESULTS_BY_TASK, SCALAR(seconds, RESULTS_F64), .fill = NAN,
     LOADED(task_seconds)},
    {.name = "task_rank", .element = RESULTS_I32, .dims = RESULTS_BY_TASK, SCALAR(rank, RESULTS_I32), .fill = -1,
     LOADED(task_rank)},
    /* pending rows hold "" */
    {.name = "task_host", .element = RESULTS_STRING, .dims = RESULTS_BY_TASK, SCALAR(host, RESULTS_STRING),
     LOADED(task_host), .optional = 1},
    {.name = "task_blas", .element = RESULTS_STRING, .dims = RESULTS_BY_TASK, SCALAR(blas, RESULTS_STRING),
     LOADED(task_blas), .optional = 1},
    {.name = "accuracy", .element = RESULTS_F32, .dims = RESULTS_BY_TASK_DATASET, ROW(accuracy), .fill = NAN, LOADED(accuracy)},
    {.name = "loss", .element = RESULTS_F32, .dims = RESULTS_BY_TASK_DATASET, ROW(loss), .fill = NAN, LOADED(loss)},
    {.name = "collapsed", .element = RESULTS_I8, .dims = RESULTS_BY_TASK_DATASET, ROW(collapsed), .fill = -1,
     LOADED(collapsed)},
    {.name = "train_loss", .element = RESULTS_F32, .dims = RESULTS_BY_TASK_EPOCH, ROW(train_loss), .fill = NAN,
     LOADED(train_loss)},
    {.name = "train_accuracy", .element = RESULTS_F32, .dims = RESULTS_BY_TASK_EPOCH, ROW(train_accuracy), .fill = NAN,
     LOADED(train_accuracy)},
    /* why runs collapse; pending: -1 / NaN */
    {.name = "task_collapse_epoch", .element = RESULTS_I32, .dims = RESULTS_BY_TASK,
     SCALAR(collapse_epoch, RESULTS_I32), .fill = -1, LOADED(task_collapse_epoch), .optional = 1},
    {.name = "dead_relu", .element = RESULTS_F32, .dims = RESULTS_BY_TASK_EPOCH_RELU, ROW(dead_relu), .fill = NAN,
     LOADED(dead_relu), .optional = 1},
    /* TaskResult.predictions holds the datasets one after the other; ResultsData.predictions[d] */
    {.name = "predictions", .element = RESULTS_F32, .dims = RESULTS_BY_TASK_IMAGE_CLASS, ROW(predictions), .fill = NAN,
     LOADED(predictions)},
};
const int results_array_count = (int)(sizeof results_arrays / sizeof results_arrays[0]);

const ResultsHostColumn results_host_columns[] = {
    {"hosts/name", RESULTS_STRING, offsetof(ResultsHost, name), 0},
    {"hosts/cpu_model", RESULTS_STRING, offsetof(ResultsHost, cpu_model), 0},
    {"hosts/blas_core", RESULTS_STRING, offsetof(ResultsHost, blas_core), 0},
    {"hosts/ranks", RESULTS_I32, offsetof(ResultsHost, ranks), 0},
    {"hosts/run", RESULTS_I32, offsetof(ResultsHost, run), -1},   /* last: it vouches for the row */
};
const int results_host_column_count = (int)(sizeof results_host_columns / sizeof results_host_columns[0]);

_Static_assert(offsetof(ResultsData, shape) == 0 && offsetof(TaskResult, task) == 0 && offsetof(ResultsPlanRow, task) == 0,
               "offset 0 means 'no field' in results_arrays");

static hid_t string_type(void) {
    static hid_t type = -1;
    if (type < 0) type = h5util_fixed_string_type(RESULTS_STRING_BYTES);
    return type;
}

hid_t results_file_type(ResultsElement element) {
    switch (element) {
    case RESULTS_STRING: return string_type();
    case RESULTS_F32: return H5T_IEEE_F32LE;
    case RESULTS_F64: return H5T_IEEE_F64LE;
    case RESULTS_I8: return H5T_STD_I8LE;
    case RESULTS_I32: return H5T_STD_I32LE;
    case RESULTS_I64: return H5T_STD_I64LE;
    }
    return -1;
}

hid_t results_memory_type(ResultsElement element) {
    switch (element) {
    case RESULTS_STRING: return string_type();
    case RESULTS_F32: return H5T_NATIVE_FLOAT;
    case RESULTS_F64: return H5T_NATIVE_DOUBLE;
    case RESULTS_I8: return H5T_NATIVE_INT8;
    case RESULTS_I32: return H5T_NATIVE_INT32;
    case RESULTS_I64: return H5T_NATIVE_INT64;
    }
    return -1;
}

size_t results_element_size(ResultsElement element) {
    switch (element) {
    case RESULTS_F32: return sizeof(float);
    case RESULTS_F64: return sizeof(double);
    case RESULTS_I8: return 1;
    case RESULTS_I32: return 4;
    case RESULTS_I64: return 8;
    case RESULTS_STRING: return RESULTS_STRING_BYTES;
    }
    return 0;
}

/* value converted to element, into out (results_element_size bytes): an array's fill value (strings: "") */
static void element_value(ResultsElement element, double value, void *out) {
    switch (element) {
    case RESULTS_F32: *(float *)out = (float)value; break;
    case RESULTS_F64: *(double *)out = value; break;
    case RESULTS_I8: *(int8_t *)out = (int8_t)value; break;
    case RESULTS_I32: *(int32_t *)out = (int32_t)value; break;
    case RESULTS_I64: *(int64_t *)out = (int64_t)value; break;
    case RESULTS_STRING: memset(out, 0, RESULTS_STRING_BYTES); break;
    }
}

int results_array_per_dataset(const ResultsArray *a) { return a->dims == RESULTS_BY_TASK_IMAGE_CLASS; }

int results_array_instances(const ResultsArray *a, const ResultsShape *shape) {
    return results_array_per_dataset(a) ? shape->dataset_count : 1;
}

int results_array_dims(const ResultsArray *a, const ResultsShape *shape, int d, hsize_t dims[3]) {
    dims[0] = (hsize_t)shape->task_count;
    switch (a->dims) {
    case RESULTS_BY_TASK: return 1;
    case RESULTS_BY_TASK_DATASET: dims[1] = (hsize_t)shape->dataset_count; return 2;
    case RESULTS_BY_TASK_EPOCH: dims[1] = (hsize_t)shape->epochs; return 2;
    case RESULTS_BY_TASK_EPOCH_RELU:
        dims[1] = (hsize_t)shape->epochs;
        dims[2] = (hsize_t)shape->relu_layer_count;
        return 3;
    case RESULTS_BY_TASK_IMAGE_CLASS:
        dims[1] = (hsize_t)shape->image_count[d];
        dims[2] = (hsize_t)shape->class_count;
        return 3;
    }
    return 0;
}

int64_t results_array_row_length(const ResultsArray *a, const ResultsShape *shape, int d) {
    hsize_t dims[3];
    int rank = results_array_dims(a, shape, d, dims);
    int64_t n = 1;
    for (int i = 1; i < rank; i++) n *= (int64_t)dims[i];
    return n;
}

void results_array_path(const ResultsArray *a, const char *dataset_name, char *out, size_t size) {
    if (results_array_per_dataset(a)) snprintf(out, size, "%s/%s", a->name, dataset_name);
    else snprintf(out, size, "%s", a->name);
}

/* Fingerprint of a dataset's contents (images, labels), so a resumed sweep cannot silently mix
 * results from data that changed under the same file names and sizes. */
int results_dataset_digest(const Dataset *ds, char hex[65]) {
    char images[65];
    size_t image_bytes = (size_t)ds->count * ds->height * ds->width * ds->channels;
    sha256_hex(ds->images, image_bytes, images);
    char *buffer = malloc(64 + (size_t)ds->count + 1);
    if (!buffer) return 0;
    memcpy(buffer, images, 64);
    memcpy(buffer + 64, ds->labels, (size_t)ds->count);
    sha256_hex(buffer, 64 + (size_t)ds->count, hex);
    free(buffer);
    return 1;
}

/* A contiguous dataset allocated at creation and filled with *fill (NULL: zeros). */
static hid_t create_array(hid_t where, const char *name, hid_t file_type, hid_t mem_type, int rank,
                          const hsize_t *dims, const void *fill) {
    hid_t space = H5Screate_simple(rank, dims, NULL);
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    H5Pset_layout(dcpl, H5D_CONTIGUOUS);
    H5Pset_alloc_time(dcpl, H5D_ALLOC_TIME_EARLY);
    H5Pset_fill_time(dcpl, H5D_FILL_TIME_ALLOC);
    H5Pset_obj_track_times(dcpl, 0);    /* no timestamps: nothing in a header changes later */
    if (fill) H5Pset_fill_value(dcpl, mem_type, fill);
    hid_t ds = H5Dcreate2(where, name, file_type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    H5Pclose(dcpl);
    H5Sclose(space);
    return ds;
}

/* One row of ds as a hyperslab (start row, count 1 x the other dimensions) and its memory space. */
static int row_spaces(hid_t ds, int64_t row, hid_t *file_space, hid_t *memory_space) {
    hid_t space = H5Dget_space(ds);
    int rank = space >= 0 ? H5Sget_simple_extent_ndims(space) : -1;
    hsize_t dims[3] = {1, 1, 1}, start[3] = {0, 0, 0}, count[3];
    if (rank < 1 || rank > 3 || H5Sget_simple_extent_dims(space, dims, NULL) < 0 || row < 0 || (hsize_t)row >= dims[0]) {
        if (space >= 0) H5Sclose(space);
        return 0;
    }
    start[0] = (hsize_t)row;
    count[0] = 1;
    for (int i = 1; i < rank; i++) count[i] = dims[i];
    H5Sselect_hyperslab(space, H5S_SELECT_SET, start, NULL, count, NULL);
    *file_space = space;
    *memory_space = H5Screate_simple(rank, count, NULL);
    return 1;
}

int results_write_row(hid_t ds, hid_t mem_type, int64_t row, const void *data) {
    hid_t space, mem;
    if (!row_spaces(ds, row, &space, &mem)) return 0;
    herr_t status = H5Dwrite(ds, mem_type, mem, space, H5P_DEFAULT, data);
    H5Sclose(mem);
    H5Sclose(space);
    return status >= 0;
}

int results_read_row(hid_t ds, hid_t mem_type, int64_t row, void *data) {
    hid_t space, mem;
    if (!row_spaces(ds, row, &space, &mem)) return 0;
    herr_t status = H5Dread(ds, mem_type, mem, space, H5P_DEFAULT, data);
    H5Sclose(mem);
    H5Sclose(space);
    return status >= 0;
}

static int write_all(hid_t ds, hid_t mem_type, const void *data) {
    return H5Dwrite(ds, mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) >= 0;
}

static hid_t create_index(hid_t where, const char *name, int64_t count, int64_t first) {
    hsize_t n = (hsize_t)count;
    int64_t *values = malloc(sizeof(int64_t) * (size_t)(count ? count : 1));
    if (!values) return -1;
    for (int64_t i = 0; i < count; i++) values[i] = first + i;
    hid_t ds = create_array(where, name, H5T_STD_I64LE, H5T_NATIVE_INT64, 1, &n, NULL);
    if (ds >= 0 && !write_all(ds, H5T_NATIVE_INT64, values)) {
        H5Dclose(ds);
        ds = -1;
    }
    free(values);
    return ds;
}

static int cannot_write(Error *err, const char *path, const char *what) {
    return error_set(err, SS_ERR_RUNTIME, "%s: cannot write %s (HDF5 error)", path, what);
}

/* /relu_layer: the names of the model's ReLU layers ("conv16@1", model_relu_layer_name), a scale. */
static int create_relu_scale(const char *path, hid_t file, ScaleSet *scales, const ResultsMeta *meta,
                             const ResultsShape *shape, Error *err) {
    char *list[RESULTS_MAX_RELU_LAYERS];
    for (int k = 0; k < shape->relu_layer_count; k++) list[k] = (char *)meta->relu_layer_names[k];
    hid_t ds = -1;
    if (h5util_write_string_dataset(file, "relu_layer", list, shape->relu_layer_count, 0))
        ds = H5Dopen2(file, "/relu_layer", H5P_DEFAULT);
    int ok = ds >= 0 && results_scale_make(scales, ds, "/relu_layer");
    if (ds >= 0) H5Dclose(ds);
    return ok ? SS_OK : cannot_write(err, path, "/relu_layer");
}

/* The coordinate variables: /task, /dataset, /epoch, /class and /image_<dataset>, each a scale. */
static int create_scales(const char *path, hid_t file, ScaleSet *scales, const ResultsMeta *meta,
                         const ResultsShape *shape, Error *err) {
    struct { const char *name; int64_t count, first; char *const *strings; } axes[] = {
        {"/task", shape->task_count, 0, NULL},
        {"/dataset", shape->dataset_count, 0, (char *const *)meta->dataset_names},
        {"/epoch", shape->epochs, 1, NULL},
        {"/class", shape->class_count, 0, meta->sets[0].class_names},
    };
    for (size_t i = 0; i < sizeof axes / sizeof axes[0]; i++) {
        hid_t ds = -1;
        if (axes[i].strings) {
            if (h5util_write_string_dataset(file, axes[i].name + 1, axes[i].strings, axes[i].count, 0))
                ds = H5Dopen2(file, axes[i].name, H5P_DEFAULT);
        } else {
            ds = create_index(file, axes[i].name + 1, axes[i].count, axes[i].first);
        }
        if (ds < 0) return cannot_write(err, path, axes[i].name);
        int ok = results_scale_make(scales, ds, axes[i].name);
        H5Dclose(ds);
        if (!ok) return cannot_write(err, path, axes[i].name);
    }
    if (create_relu_scale(path, file, scales, meta, shape, err) != SS_OK) return err->code;
    for (int d = 0; d < shape->dataset_count; d++) {
        char name[128];
        snprintf(name, sizeof name, "/image_%s", meta->dataset_names[d]);
        hid_t ds = create_index(file, name, shape->image_count[d], 0);
        if (ds < 0) return cannot_write(err, path, name);
        int ok = results_scale_make(scales, ds, name);
        H5Dclose(ds);
        if (!ok) return cannot_write(err, path, name);
    }
    return SS_OK;
}

/* Per dataset: its name, size and content digest (checked on resume). */
static int create_dataset_arrays(const char *path, hid_t file, ScaleSet *scales, const ResultsMeta *meta,
                                 const ResultsShape *shape, Error *err) {
    const int D = shape->dataset_count;
    const char *dim_dataset[] = {"dataset"};
    if (!h5util_write_string_dataset(file, "dataset_name", (char *const *)meta->dataset_names, D, 0))
        return cannot_write(err, path, "/dataset_name");
    results_scale_attach(scales, "/dataset_name", 1, dim_dataset);
    hsize_t n = (hsize_t)D;
    int64_t sizes[RESULTS_MAX_DATASETS];
    for (int d = 0; d < D; d++) sizes[d] = shape->image_count[d];
    hid_t ds = create_array(file, "dataset_size", H5T_STD_I64LE, H5T_NATIVE_INT64, 1, &n, NULL);
    int ok = ds >= 0 && write_all(ds, H5T_NATIVE_INT64, sizes);
    if (ds >= 0) H5Dclose(ds);
    if (!ok) return cannot_write(err, path, "/dataset_size");
    results_scale_attach(scales, "/dataset_size", 1, dim_dataset);
    char digests[RESULTS_MAX_DATASETS][65];
    char *digest_list[RESULTS_MAX_DATASETS];
    for (int d = 0; d < D; d++) {
        if (!results_dataset_digest(&meta->sets[d], digests[d])) return cannot_write(err, path, "/dataset_sha256 (out of memory)");
        digest_list[d] = digests[d];
    }
    if (!h5util_write_string_dataset(file, "dataset_sha256", digest_list, D, 0))
        return cannot_write(err, path, "/dataset_sha256");
    results_scale_attach(scales, "/dataset_sha256", 1, dim_dataset);
    return SS_OK;
}

/* Instance d of a table array: the plan's values, or allocated and filled with the pending value. */
static int create_table_array(const char *path, hid_t file, ScaleSet *scales, const ResultsArray *a, int d,
                              const ResultsMeta *meta, const ResultsPlanRow *plan, const ResultsShape *shape, Error *err) {
    char name[160], full[168], image_dim[80];
    results_array_path(a, meta->dataset_names[d], name, sizeof name);
    snprintf(full, sizeof full, "/%s", name);
    snprintf(image_dim, sizeof image_dim, "image_%s", meta->dataset_names[d]);
    hsize_t dims[3];
    int rank = results_array_dims(a, shape, d, dims);
    hid_t file_type = results_file_type(a->element), mem_type = results_memory_type(a->element);
    size_t size = results_element_size(a->element);
    int64_t fill[RESULTS_STRING_BYTES / sizeof(int64_t)];
    element_value(a->element, a->fill, fill);
    hid_t ds = create_array(file, full, file_type, mem_type, rank, dims, a->from_plan ? NULL : fill);
    int ok = ds >= 0;
    if (ok && a->from_plan) {
        char *values = malloc(size * (size_t)(shape->task_count ? shape->task_count : 1));
        for (int64_t t = 0; values && t < shape->task_count; t++)
            memcpy(values + (size_t)t * size, (const char *)&plan[t] + a->plan_field, size);
        ok = values && write_all(ds, mem_type, values);
        free(values);
    }
    if (ds >= 0) H5Dclose(ds);
    if (!ok) return cannot_write(err, path, full);
    const char *by_task[] = {"task"}, *by_dataset[] = {"task", "dataset"}, *by_epoch[] = {"task", "epoch"},
               *by_image[] = {"task", image_dim, "class"}, *by_relu[] = {"task", "epoch", "relu_layer"};
    const char *const *scale_names[] = {[RESULTS_BY_TASK] = by_task, [RESULTS_BY_TASK_DATASET] = by_dataset,
                                        [RESULTS_BY_TASK_EPOCH] = by_epoch, [RESULTS_BY_TASK_IMAGE_CLASS] = by_image,
                                        [RESULTS_BY_TASK_EPOCH_RELU] = by_relu};
    results_scale_attach(scales, full, rank, scale_names[a->dims]);
    return SS_OK;
}

static int create_group(const char *path, hid_t file, const char *name, Error *err) {
    hid_t group = H5Gcreate2(file, name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (group < 0) return cannot_write(err, path, name);
    H5Gclose(group);
    return SS_OK;
}

/* The per-task arrays of the table, then per dataset: its predictions (per-dataset table arrays),
 * the labels they are judged against and the images' source names. */
static int create_task_arrays(const char *path, hid_t file, ScaleSet *scales, const ResultsMeta *meta,
                              const ResultsShape *shape, Error *err) {
    const int D = shape->dataset_count;
    const Dataset *sets = meta->sets;
    ResultsPlanRow *plan = ss_calloc((size_t)(shape->task_count ? shape->task_count : 1), sizeof *plan, err);
    if (!plan) return SS_ERR_RUNTIME;
    for (int64_t t = 0; t < shape->task_count; t++) meta->plan_row(meta->context, t, &plan[t]);
    int rc = SS_OK;
    for (int i = 0; i < results_array_count && rc == SS_OK; i++)
        if (!results_array_per_dataset(&results_arrays[i]))
            rc = create_table_array(path, file, scales, &results_arrays[i], 0, meta, plan, shape, err);
    free(plan);
    for (int i = 0; i < results_array_count && rc == SS_OK; i++)
        if (results_array_per_dataset(&results_arrays[i])) rc = create_group(path, file, results_arrays[i].name, err);
    if (rc == SS_OK) rc = create_group(path, file, "labels", err);
    int names_group = 0;
    for (int d = 0; d < D && rc == SS_OK; d++) {
        if (!sets[d].names) continue;
        if (!names_group++) rc = create_group(path, file, "image_name", err);
        char name[128], image_dim[80];
        snprintf(name, sizeof name, "/image_name/%s", meta->dataset_names[d]);
        snprintf(image_dim, sizeof image_dim, "image_%s", meta->dataset_names[d]);
        if (rc == SS_OK && !h5util_write_string_dataset(file, name, sets[d].names, shape->image_count[d], 0))
            rc = cannot_write(err, path, name);
        const char *dim_image[] = {image_dim};
        if (rc == SS_OK) results_scale_attach(scales, name, 1, dim_image);
    }
    for (int d = 0; d < D && rc == SS_OK; d++) {
        for (int i = 0; i < results_array_count && rc == SS_OK; i++)
            if (results_array_per_dataset(&results_arrays[i]))
                rc = create_table_array(path, file, scales, &results_arrays[i], d, meta, NULL, shape, err);
        char name[128], image_dim[80];
        snprintf(name, sizeof name, "/labels/%s", meta->dataset_names[d]);
        snprintf(image_dim, sizeof image_dim, "image_%s", meta->dataset_names[d]);
        hsize_t n = (hsize_t)shape->image_count[d];
        hid_t ds = rc == SS_OK ? create_array(file, name, H5T_STD_U8LE, H5T_NATIVE_UINT8, 1, &n, NULL) : -1;
        int ok = ds >= 0 && write_all(ds, H5T_NATIVE_UINT8, sets[d].labels);
        if (ds >= 0) H5Dclose(ds);
        if (rc == SS_OK && !ok) rc = cannot_write(err, path, name);
        const char *dim_image[] = {image_dim};
        if (rc == SS_OK) results_scale_attach(scales, name, 1, dim_image);
    }
    return rc;
}

/* The study design's coordinates: /group_name (group) strings, and per [grid] key /grid_<key>
 * (grid point) values: int64 for epochs and batch, float64 for the others (as written in the job). */
static int create_design_arrays(const char *path, hid_t file, ScaleSet *scales, const ResultsMeta *meta, Error *err) {
    const int group_count = meta->group_count, points = meta->grid_point_count;
    /* the coordinates /group and /grid (dimension scales, so xarray names the dimensions) */
    const char *axes[] = {"/group", "/grid"};
    const int64_t counts[] = {group_count, points};
    for (int i = 0; i < 2; i++) {
        hid_t ds = create_index(file, axes[i] + 1, counts[i], 0);
        int ok = ds >= 0 && results_scale_make(scales, ds, axes[i]);
        if (ds >= 0) H5Dclose(ds);
        if (!ok) return cannot_write(err, path, axes[i]);
    }
    const char *dim_group[] = {"group"}, *dim_grid[] = {"grid"};
    if (!h5util_write_string_dataset(file, "group_name", (char *const *)meta->group_names, group_count, 0))
        return cannot_write(err, path, "/group_name");
    results_scale_attach(scales, "/group_name", 1, dim_group);
    hsize_t n = (hsize_t)points;
    for (int k = 0; k < meta->grid_key_count; k++) {
        const int is_int = meta->grid_key_is_int[k];
        char name[64];
        snprintf(name, sizeof name, "grid_%s", meta->grid_key_names[k]);
        double *values = ss_calloc((size_t)points, sizeof *values, err);
        int64_t *ints = values ? ss_calloc((size_t)points, sizeof *ints, err) : NULL;
        if (!ints) {
            free(values);
            return SS_ERR_RUNTIME;
        }
        for (int g = 0; g < points; g++) {
            values[g] = meta->grid_value(meta->context, g, k);
            ints[g] = (int64_t)values[g];
        }
        hid_t ds = create_array(file, name, is_int ? H5T_STD_I64LE : H5T_IEEE_F64LE,
                                is_int ? H5T_NATIVE_INT64 : H5T_NATIVE_DOUBLE, 1, &n, NULL);
        int ok = ds >= 0 && write_all(ds, is_int ? H5T_NATIVE_INT64 : H5T_NATIVE_DOUBLE, is_int ? (void *)ints : (void *)values);
        if (ds >= 0) H5Dclose(ds);
        free(values);
        free(ints);
        if (!ok) return cannot_write(err, path, name);
        char full[72];
        snprintf(full, sizeof full, "/%s", name);
        results_scale_attach(scales, full, 1, dim_grid);
    }
    return SS_OK;
}

int results_host_rows(int ranks) {
    if (ranks > 1024) return 4096;
    return ranks < 4 ? 16 : 4 * ranks;
}

/* /hosts: every column allocated with unused rows; results_record_hosts fills them. */
static int create_hosts_table(const char *path, hid_t file, int ranks, Error *err) {
    int rc = create_group(path, file, "hosts", err);
    hsize_t n = (hsize_t)results_host_rows(ranks);
    for (int i = 0; i < results_host_column_count && rc == SS_OK; i++) {
        const ResultsHostColumn *c = &results_host_columns[i];
        int64_t fill[RESULTS_STRING_BYTES / sizeof(int64_t)];
        element_value(c->element, c->fill, fill);
        hid_t ds = create_array(file, c->name, results_file_type(c->element), results_memory_type(c->element), 1, &n,
                                fill);
        if (ds < 0) rc = cannot_write(err, path, c->name);
        else H5Dclose(ds);
    }
    return rc;
}

static int write_root_attributes(const char *path, hid_t file, const ResultsMeta *meta, const ResultsRunInfo *info,
                                 Error *err) {
    char created[64];
    time_t now = time(NULL);
    struct tm utc;
    gmtime_r(&now, &utc);
    strftime(created, sizeof created, "%Y-%m-%dT%H:%M:%SZ", &utc);
    int ok = h5util_attr_string(file, "format", RESULTS_FORMAT) && h5util_attr_string(file, "job", meta->job_text) &&
             h5util_attr_string(file, "job_sha256", meta->job_sha256) && h5util_attr_string(file, "job_path", meta->job_path) &&
             h5util_attr_string(file, "name", meta->name) && h5util_attr_string(file, "version", info->version) &&
             h5util_attr_string(file, "created", created) && h5util_attr_int(file, "ranks", info->ranks) &&
             h5util_attr_int(file, "threads_per_rank", info->threads_per_rank) &&
             h5util_attr_string(file, "blas", info->blas ? info->blas : "unknown") &&
             h5util_attr_string(file, "conv_path", info->conv_path ? info->conv_path : conv_path_name(CONV_PATH_DEFAULT)) &&
             h5util_attr_string(file, "vary", meta->vary) && h5util_attr_int(file, "fixed_seed", meta->fixed_seed) &&
             h5util_attr_string(file, "design", meta->design) && h5util_attr_string(file, "sample", meta->sample) &&
             h5util_attr_string(file, "model_input", meta->model_input) &&
             h5util_attr_string(file, "model_layers", meta->model_layers);
    if (ok && meta->part.count > 0)
        ok = h5util_attr_int(file, "part_index", meta->part.index) && h5util_attr_int(file, "part_count", meta->part.count);
    return ok ? SS_OK : cannot_write(err, path, "root attributes");
}

int results_create_file(const char *path, const ResultsShape *shape, const ResultsMeta *meta,
                        const ResultsRunInfo *info, Error *err) {
    hid_t file = h5util_create_temporary(path);
    if (file < 0) return error_set(err, SS_ERR_RUNTIME, "%s: cannot create results file: %s", path, strerror(errno));
    ScaleSet *scales = ss_calloc(1, sizeof *scales, err);
    int rc = scales ? SS_OK : SS_ERR_RUNTIME;
    if (scales) scales->file = file;
    if (rc == SS_OK) rc = create_scales(path, file, scales, meta, shape, err);
    if (rc == SS_OK) rc = create_dataset_arrays(path, file, scales, meta, shape, err);
    if (rc == SS_OK) rc = create_task_arrays(path, file, scales, meta, shape, err);
    if (rc == SS_OK) rc = create_design_arrays(path, file, scales, meta, err);
    if (rc == SS_OK && !results_scales_finish(scales)) rc = cannot_write(err, path, "dimension scales");
    if (rc == SS_OK) rc = create_hosts_table(path, file, info->ranks, err);
    if (rc == SS_OK) rc = write_root_attributes(path, file, meta, info, err);
    free(scales);
    if (H5Fclose(file) < 0 && rc == SS_OK) rc = error_set(err, SS_ERR_RUNTIME, "%s: cannot close (HDF5 error)", path);
    return rc;
}
