/* results_read.c - the reader's side of the results file: results_load (for report and info).
 * Reads without locking: a running sweep keeps writing raw rows into a file whose structure never
 * changes, and a row counts only once task_status, read first, says it is done. */
#include "results_layout.h"
#include "seedsweep/dataset.h"
#include "seedsweep/safe_file.h"
#include "seedsweep/sha256.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- what is read back is checked, not trusted ---- */

int results_check_job_digest(const char *path, const char *job, const char *job_sha256, char digest[65], Error *err) {
    if (!job || !job_sha256)
        return error_set(err, SS_ERR_INPUT, "%s: damaged results file (no '%s' attribute)", path, job ? "job_sha256" : "job");
    sha256_hex(job, strlen(job), digest);
    if (strcmp(digest, job_sha256))
        return error_set(err, SS_ERR_INPUT,
                         "%s: its 'job_sha256' attribute (%.16s...) is not the SHA-256 of its 'job' attribute (%.16s...): "
                         "one of them was edited or damaged; use --restart to start over, or another --out",
                         path, job_sha256, digest);
    return SS_OK;
}

int results_check_task_status(const char *path, const int8_t *status, int64_t count, Error *err) {
    for (int64_t t = 0; t < count; t++)
        if (status[t] != TASK_PENDING && status[t] != TASK_DONE && status[t] != TASK_DIVERGED)
            return error_set(err, SS_ERR_INPUT,
                             "%s: damaged results file: task_status[%lld] is %d (expected 0 pending, 1 done or 2 diverged)",
                             path, (long long)t, (int)status[t]);
    return SS_OK;
}

/* Every array read matches the shape the file's own axes give, and every index in it is in range,
 * before report or info index anything with it. */
static int check_loaded(const char *path, const ResultsData *data, const int64_t *counts, int with_predictions,
                        Error *err) {
    const ResultsShape *s = &data->shape;
    int rc = results_check_task_status(path, data->task_status, s->task_count, err);
    if (rc != SS_OK) return rc;
    if (s->class_count < 1 || s->epochs < 0)
        return error_set(err, SS_ERR_INPUT, "%s: damaged results file (%d classes, %d epochs)", path, s->class_count,
                         s->epochs);
    for (int d = 0; d < s->dataset_count; d++)
        if (s->image_count[d] < 0)
            return error_set(err, SS_ERR_INPUT, "%s: damaged results file: dataset_size[%d] is %lld", path, d,
                             (long long)s->image_count[d]);
    for (int i = 0; i < results_array_count; i++) {
        const ResultsArray *a = &results_arrays[i];
        if (!a->data_field || (results_array_per_dataset(a) && !with_predictions)) continue;
        /* an optional array a file made before it existed lacks: not loaded, pointer left NULL */
        if (a->optional && !*(void **)((char *)data + a->data_field)) continue;
        for (int d = 0; d < results_array_instances(a, s); d++) {
            int64_t want = s->task_count * results_array_row_length(a, s, d);
            if (counts[i * RESULTS_MAX_DATASETS + d] != want)
                return error_set(err, SS_ERR_INPUT, "%s: damaged results file: '%s' holds %lld values, expected %lld",
                                 path, a->name, (long long)counts[i * RESULTS_MAX_DATASETS + d], (long long)want);
        }
    }
    for (int64_t t = 0; t < s->task_count; t++)
        if (data->task_train_dataset[t] < 0 || data->task_train_dataset[t] >= s->dataset_count)
            return error_set(err, SS_ERR_INPUT, "%s: damaged results file: task_train_dataset[%lld] is %d (%d datasets)",
                             path, (long long)t, (int)data->task_train_dataset[t], s->dataset_count);
    for (int d = 0; with_predictions && d < s->dataset_count; d++)
        for (int64_t i = 0; i < s->image_count[d]; i++)
            if (data->labels[d][i] >= s->class_count)
                return error_set(err, SS_ERR_INPUT, "%s: damaged results file: label %lld of %s is %d (%d classes)", path,
                                 (long long)i, data->dataset_names[d], data->labels[d][i], s->class_count);
    return SS_OK;
}

/* The ResultsData pointer that receives instance d of table array a. */
static void **data_slot(ResultsData *data, const ResultsArray *a, int d) {
    return (void **)((char *)data + a->data_field) + d;
}

static int load_table_array(hid_t file, const ResultsArray *a, const char *dataset_name, int d, ResultsData *data,
                            int64_t *counts) {
    int64_t *count = &counts[(a - results_arrays) * RESULTS_MAX_DATASETS + d];
    char name[160];
    results_array_path(a, dataset_name, name, sizeof name);
    void **slot = data_slot(data, a, d);
    *slot = h5util_read_array(file, name, results_memory_type(a->element), count);
    return *slot != NULL;
}

/* Root attributes, the status of every task (first), and the dataset, class and epoch axes. */
static int load_header(const char *path, hid_t file, ResultsData *data, char ***names, int64_t **sizes, int64_t *counts,
                       Error *err) {
    ResultsShape *s = &data->shape;
    data->job = h5util_read_attr_string(file, "job");
    data->job_sha256 = h5util_read_attr_string(file, "job_sha256");
    data->version = h5util_read_attr_string(file, "version");
    data->created = h5util_read_attr_string(file, "created");
    data->blas = h5util_read_attr_string(file, "blas");
    data->ranks = (int)h5util_read_attr_int(file, "ranks");
    data->threads_per_rank = (int)h5util_read_attr_int(file, "threads_per_rank");
    /* status first: rows are written before their status, so a row read after a status that
     * says done is complete */
    int status_ok = 0;
    for (int i = 0; i < results_array_count; i++)
        if (results_arrays[i].is_status) {
            status_ok = load_table_array(file, &results_arrays[i], NULL, 0, data, counts);
            s->task_count = counts[i * RESULTS_MAX_DATASETS];
        }
    int64_t n = 0, e = 0, c = 0;
    *names = h5util_read_string_dataset(file, "dataset_name", &n);
    int64_t size_count = 0;
    *sizes = h5util_read_array(file, "dataset_size", H5T_NATIVE_INT64, &size_count);
    data->class_names = h5util_read_string_dataset_bounded(file, "class", DATASET_MAX_CLASSES,
                                                           DATASET_MAX_CLASS_NAME_BYTES, &c);
    s->class_count = (int)c;   /* now, so that results_data_free frees the names on failure */
    free(h5util_read_array(file, "epoch", H5T_NATIVE_INT64, &e));
    if (!status_ok || !*names || !*sizes || !data->class_names || n < 1 || n > RESULTS_MAX_DATASETS || size_count != n) {
        h5util_free_strings(*names, n);
        *names = NULL;
        return error_set(err, SS_ERR_INPUT, "%s: damaged results file (missing task_status, dataset_name or class)", path);
    }
    s->dataset_count = (int)n;
    s->epochs = (int)e;
    if (H5Lexists(file, "relu_layer", H5P_DEFAULT) > 0) {   /* absent in files made before /dead_relu */
        int64_t r = 0;
        data->relu_layer_names = h5util_read_string_dataset(file, "relu_layer", &r);
        s->relu_layer_count = data->relu_layer_names ? (int)r : 0;
    }
    for (int d = 0; d < s->dataset_count; d++) {
        data->dataset_names[d] = (*names)[d];
        s->image_count[d] = (*sizes)[d];
    }
    data->part = results_read_part(file, s->task_count);
    if (data->part.index < 0)
        return error_set(err, SS_ERR_INPUT, "%s: damaged results file (root attributes part_index and part_count)", path);
    return SS_OK;
}

/* What a report of predictions needs for dataset d: its table arrays, labels and image names. */
static int load_dataset(const char *path, hid_t file, int d, ResultsData *data, int64_t *counts, Error *err) {
    const char *dataset = data->dataset_names[d];
    int ok = 1;
    for (int i = 0; i < results_array_count; i++)
        if (results_array_per_dataset(&results_arrays[i]) && results_arrays[i].data_field)
            ok = load_table_array(file, &results_arrays[i], dataset, d, data, counts) && ok;
    char name[160];
    snprintf(name, sizeof name, "labels/%s", dataset);
    int64_t label_count = 0;
    data->labels[d] = h5util_read_array(file, name, H5T_NATIVE_UINT8, &label_count);
    if (data->labels[d] && label_count != data->shape.image_count[d])
        return error_set(err, SS_ERR_INPUT, "%s: damaged results file: %lld labels of %s for %lld images", path,
                         (long long)label_count, dataset, (long long)data->shape.image_count[d]);
    snprintf(name, sizeof name, "image_name/%s", dataset);
    if (H5Lexists(file, "image_name", H5P_DEFAULT) > 0 && H5Lexists(file, name, H5P_DEFAULT) > 0)
    {
        int64_t name_count = 0;
        /* optional (datasets without /names); bounded like a dataset's own names, before reading */
        data->image_names[d] = h5util_read_string_dataset_bounded(file, name, data->shape.image_count[d],
                                                                  DATASET_MAX_IMAGE_NAME_BYTES, &name_count);
        if (!data->image_names[d])
            return error_set(err, SS_ERR_INPUT, "%s: damaged results file: /%s is not %lld strings of at most %d bytes",
                             path, name, (long long)data->shape.image_count[d], DATASET_MAX_IMAGE_NAME_BYTES);
        if (data->image_names[d] && name_count != data->shape.image_count[d]) {
            h5util_free_strings(data->image_names[d], name_count);
            data->image_names[d] = NULL;
            return error_set(err, SS_ERR_INPUT, "%s: damaged results file: %lld image names of %s for %lld images", path,
                             (long long)name_count, dataset, (long long)data->shape.image_count[d]);
        }
    }
    if (!ok || !data->labels[d])
        return error_set(err, SS_ERR_INPUT, "%s: damaged results file (predictions or labels of %s)", path, dataset);
    return SS_OK;
}

/* The used rows of /hosts (absent in files made before it existed: no hosts). */
static int load_hosts(const char *path, hid_t file, ResultsData *data, Error *err) {
    if (H5Lexists(file, "hosts", H5P_DEFAULT) <= 0) return SS_OK;
    void *columns[8] = {0};
    int64_t rows = -1, n = 0;
    int ok = 1;
    for (int i = 0; i < results_host_column_count && ok; i++) {
        const ResultsHostColumn *c = &results_host_columns[i];
        columns[i] = h5util_read_array(file, c->name, results_memory_type(c->element), &n);
        ok = columns[i] && (rows < 0 || n == rows);
        rows = n;
    }
    const int32_t *runs = ok ? columns[results_host_column_count - 1] : NULL;
    while (ok && data->host_count < rows && runs[data->host_count] >= 0) data->host_count++;
    if (ok && data->host_count) ok = (data->hosts = calloc((size_t)data->host_count, sizeof *data->hosts)) != NULL;
    for (int h = 0; ok && h < data->host_count; h++)
        for (int i = 0; i < results_host_column_count; i++) {
            size_t size = results_element_size(results_host_columns[i].element);
            memcpy((char *)&data->hosts[h] + results_host_columns[i].field, (char *)columns[i] + (size_t)h * size, size);
        }
    for (int i = 0; i < results_host_column_count; i++) free(columns[i]);
    if (!ok) {
        data->host_count = 0;
        return error_set(err, SS_ERR_INPUT, "%s: damaged results file (/hosts)", path);
    }
    return SS_OK;
}

int results_host_task_counts(const ResultsData *data, ResultsHostTasks *out, int capacity) {
    int count = 0;
    for (int64_t t = 0; data->task_host && t < data->shape.task_count; t++) {
        if (data->task_status[t] == TASK_PENDING) continue;
        const char *host = data->task_host[t];
        int h = 0;
        while (h < count && strncmp(out[h].name, host, RESULTS_STRING_BYTES)) h++;
        if (h == count) {
            if (count == capacity) continue;
            memcpy(out[count].name, host, RESULTS_STRING_BYTES);
            out[count].name[RESULTS_STRING_BYTES - 1] = '\0';
            out[count++].tasks = 0;
        }
        out[h].tasks++;
    }
    return count;
}

int results_load(const char *path, int with_predictions, ResultsData *data, Error *err) {
    h5util_quiet();
    memset(data, 0, sizeof *data);
    int rc = safe_file_check_input(path, NULL, err);   /* regular files only: a FIFO would hang HDF5 */
    if (rc != SS_OK) return rc;
    hid_t file = h5util_open(path, H5F_ACC_RDONLY, 0);
    if (file < 0) return error_set(err, SS_ERR_INPUT, "%s: not an HDF5 file", path);
    char *format = h5util_read_attr_string(file, "format");
    if (!format || strcmp(format, RESULTS_FORMAT)) {
        rc = error_set(err, SS_ERR_INPUT, "%s: not a seedsweep results file (format '%s', expected '%s')", path,
                       format ? format : "none", RESULTS_FORMAT);
        free(format);
        H5Fclose(file);
        return rc;
    }
    free(format);
    char why[600];   /* virtual, external and oversized-chunk datasets: refused before one is read */
    if (h5util_check_file_storage(file, why, sizeof why) != 0) {
        H5Fclose(file);
        return error_set(err, SS_ERR_INPUT, "%s: %s", path, why);
    }
    char **names = NULL;   /* the strings move into data->dataset_names */
    int64_t *sizes = NULL;
    int64_t *counts = calloc((size_t)results_array_count * RESULTS_MAX_DATASETS, sizeof *counts);
    rc = counts ? load_header(path, file, data, &names, &sizes, counts, err) : error_set(err, SS_ERR_RUNTIME, "out of memory");
    char digest[65];
    if (rc == SS_OK) rc = results_check_job_digest(path, data->job, data->job_sha256, digest, err);
    for (int i = 0; i < results_array_count && rc == SS_OK; i++) {
        const ResultsArray *a = &results_arrays[i];
        if (!a->data_field || a->is_status || results_array_per_dataset(a)) continue;
        if (a->optional && H5Lexists(file, a->name, H5P_DEFAULT) <= 0) continue;
        if (!load_table_array(file, a, NULL, 0, data, counts))
            rc = error_set(err, SS_ERR_INPUT, "%s: damaged results file (a per-task array is missing)", path);
    }
    if (rc == SS_OK) rc = load_hosts(path, file, data, err);
    for (int d = 0; with_predictions && rc == SS_OK && d < data->shape.dataset_count; d++)
        rc = load_dataset(path, file, d, data, counts, err);
    if (rc == SS_OK) rc = check_loaded(path, data, counts, with_predictions, err);
    free(counts);
    free(names);
    free(sizes);
    H5Fclose(file);
    if (rc != SS_OK) results_data_free(data);
    return rc;
}

void results_data_free(ResultsData *data) {
    free(data->job);
    free(data->job_sha256);
    free(data->version);
    free(data->created);
    free(data->blas);
    free(data->hosts);
    for (int i = 0; i < results_array_count; i++)
        if (results_arrays[i].data_field)
            for (int d = 0; d < (results_array_per_dataset(&results_arrays[i]) ? RESULTS_MAX_DATASETS : 1); d++)
                free(*data_slot(data, &results_arrays[i], d));
    for (int d = 0; d < RESULTS_MAX_DATASETS; d++) {
        free(data->dataset_names[d]);
        free(data->labels[d]);
        if (data->image_names[d]) h5util_free_strings(data->image_names[d], data->shape.image_count[d]);
    }
    if (data->class_names) h5util_free_strings(data->class_names, data->shape.class_count);
    if (data->relu_layer_names) h5util_free_strings(data->relu_layer_names, data->shape.relu_layer_count);
    memset(data, 0, sizeof *data);
}
