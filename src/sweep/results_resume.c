/* results_resume.c - what an existing results file must be before a sweep resumes writing into
 * it (results.c opens it): made by this job (text and digest), on this convolution path, from the
 * same dataset contents, stored inside the file, and laid out as this job writes (every array's
 * rank, dimensions and type, the datasets' names in job order, the plan's arrays equal to this
 * job's plan). Every refusal is SS_ERR_INPUT naming the file and what does not fit, before any
 * row is written. */
#include "results_layout.h"

#include <stdlib.h>
#include <string.h>

#include "seedsweep/conv_direct.h"

/* The file was made with this run's convolution path (a file from before the direct kernels has
 * no conv_path: it was made with im2col); tasks of two paths differ in the last bits. */
static int check_conv_path(const char *path, hid_t file, const char *conv_path, Error *err) {
    char *conv = h5util_read_attr_string(file, "conv_path");
    const char *made_with = conv ? conv : "im2col", *now = conv_path ? conv_path : conv_path_name(CONV_PATH_DEFAULT);
    int rc = SS_OK;
    if (strcmp(made_with, now))
        rc = error_set(err, SS_ERR_INPUT,
                       "%s: was made with the '%.16s' convolution path, this run uses '%s'; its tasks would mix the "
                       "two (results differ in the last bits): resume with SEEDSWEEP_CONV=%.16s on every rank, or "
                       "use --restart",
                       path, made_with, now, made_with);
    free(conv);
    return rc;
}

/* Compares an existing file with this job; on success fills pending from task_status. */
int results_check_resume(const char *path, hid_t file, const ResultsMeta *meta, const ResultsShape *shape,
                         const char *conv_path, uint8_t *pending, Error *err) {
    char why[600];   /* virtual, external and oversized-chunk datasets, links out of the file: never written into */
    if (h5util_check_file_storage(file, why, sizeof why) != 0) return error_set(err, SS_ERR_INPUT, "%s: %s", path, why);
    int conv_rc = check_conv_path(path, file, conv_path, err);
    if (conv_rc != SS_OK) return conv_rc;
    char *format = h5util_read_attr_string(file, "format");
    char *text = h5util_read_attr_string(file, "job");
    char *sha = h5util_read_attr_string(file, "job_sha256");
    int rc = SS_OK;
    char digest[65] = "";
    if (!format || strcmp(format, RESULTS_FORMAT)) {
        rc = error_set(err, SS_ERR_INPUT, "%s: exists and is not a seedsweep results file (format '%s'); choose another output",
                       path, format ? format : "none");
    } else if ((rc = results_check_job_digest(path, text, sha, digest, err)) != SS_OK) {
        /* the job text and its digest disagree: the message says which two values */
    } else if (strcmp(text, meta->job_text)) {
        rc = error_set(err, SS_ERR_INPUT,
                       "%s: holds the results of a different job (job_sha256 %.12s, this job %.12s); "
                       "use --restart to start it over, or another --out",
                       path, digest, meta->job_sha256);
    } else {
        int64_t n = 0, t_count = 0;
        int64_t *sizes = h5util_read_array(file, "dataset_size", H5T_NATIVE_INT64, &n);
        int8_t *status = h5util_read_array(file, "task_status", H5T_NATIVE_INT8, &t_count);
        if (!sizes || !status || n != shape->dataset_count || t_count != shape->task_count) {
            rc = error_set(err, SS_ERR_INPUT, "%s: unreadable or of another shape; use --restart to start it over", path);
        } else if ((rc = results_check_task_status(path, status, t_count, err)) != SS_OK) {
            /* a status outside 0..2 would count as done: the task would never run */
        } else {
            for (int d = 0; d < shape->dataset_count && rc == SS_OK; d++)
                if (sizes[d] != shape->image_count[d])
                    rc = error_set(err, SS_ERR_INPUT,
                                   "%s: dataset %s had %lld images when this file was made, now %lld; "
                                   "use --restart to start over",
                                   path, meta->dataset_names[d], (long long)sizes[d], (long long)shape->image_count[d]);
            int64_t digest_count = 0;
            char **digests = rc == SS_OK ? h5util_read_string_dataset(file, "dataset_sha256", &digest_count) : NULL;
            for (int d = 0; digests && d < shape->dataset_count && d < digest_count && rc == SS_OK; d++) {
                char now[65];
                if (results_dataset_digest(&meta->sets[d], now) && strcmp(now, digests[d]))
                    rc = error_set(err, SS_ERR_INPUT,
                                   "%s: the contents of dataset %s (%s) changed since this file was made; "
                                   "use --restart to start over",
                                   path, meta->dataset_names[d], meta->dataset_paths[d]);
            }
            for (int64_t i = 0; digests && i < digest_count; i++) free(digests[i]);
            free(digests);
            ResultsPart part = results_read_part(file, t_count);
            if (rc == SS_OK && (part.index != meta->part.index || part.count != meta->part.count)) {
                char held[96], wanted[96];
                results_part_describe(part, held, sizeof held);
                results_part_describe(meta->part, wanted, sizeof wanted);
                rc = part.index < 0 ? error_set(err, SS_ERR_INPUT, "%s: damaged results file (attributes part_index and "
                                                "part_count)", path)
                                    : error_set(err, SS_ERR_INPUT, "%s: holds %s, but this run is %s; "
                                                "run it with its own --part, or choose another --out",
                                                path, held, wanted);
            }
            for (int64_t t = 0; t < t_count; t++) pending[t] = status[t] == TASK_PENDING;
        }
        free(sizes);
        free(status);
    }
    free(format);
    free(text);
    free(sha);
    return rc;
}

/* "4x2 float32": a dataspace's dimensions and a type, for messages */
static void describe_layout(int rank, const hsize_t *dims, hid_t type, char *out, size_t size) {
    size_t used = 0;
    out[0] = '\0';
    for (int i = 0; i < rank && i < 8 && used < size; i++)
        used += (size_t)snprintf(out + used, size - used, "%s%llu", i ? "x" : "", (unsigned long long)dims[i]);
    if (rank == 0 && used < size) used += (size_t)snprintf(out + used, size - used, "scalar");
    if (used >= size) return;
    H5T_class_t cls = type >= 0 ? H5Tget_class(type) : H5T_NO_CLASS;
    size_t bytes = type >= 0 ? H5Tget_size(type) : 0;
    snprintf(out + used, size - used, " %s%zu", cls == H5T_FLOAT ? "float" : cls == H5T_INTEGER ? "int"
                                                : cls == H5T_STRING ? "string" : "other", cls == H5T_STRING ? bytes : bytes * 8);
}

/* ds (the file's /name) must be what this job writes into: rank, every dimension (dims[0] free
 * when rows_free) and the element type. Resume writes rows by these shapes: another width would
 * read past the row or leave part of it, another rank overruns the row's index arrays, another
 * type converts values into something else. SS_ERR_INPUT naming the array. */
int results_check_array_layout(const char *path, hid_t ds, const char *name, int rank, const hsize_t *dims,
                               int rows_free, hid_t type, Error *err) {
    hid_t space = H5Dget_space(ds), file_type = H5Dget_type(ds);
    int have_rank = space >= 0 ? H5Sget_simple_extent_ndims(space) : -1;
    hsize_t have[H5S_MAX_RANK] = {0};
    if (have_rank > 0 && have_rank <= H5S_MAX_RANK && H5Sget_simple_extent_dims(space, have, NULL) != have_rank) have_rank = -1;
    int ok = have_rank == rank && file_type >= 0 && H5Tequal(file_type, type) > 0;
    for (int i = 0; ok && i < rank; i++) ok = have[i] == dims[i] || (i == 0 && rows_free);
    if (!ok) {
        char found[96] = "unreadable", wanted[96];
        if (have_rank >= 0 && have_rank <= H5S_MAX_RANK) describe_layout(have_rank, have, file_type, found, sizeof found);
        hsize_t shown[3] = {0, 0, 0};
        for (int i = 0; i < rank && i < 3; i++) shown[i] = dims[i];
        if (rows_free) shown[0] = have_rank >= 1 ? have[0] : 0;   /* any row count: the file's own */
        describe_layout(rank, shown, type, wanted, sizeof wanted);
        error_set(err, SS_ERR_INPUT,
                  "%s: /%s is %s, this job writes %s there; the file's layout does not fit the job: use --restart "
                  "to start it over, or another --out",
                  path, name, found, wanted);
    }
    if (file_type >= 0) H5Tclose(file_type);
    if (space >= 0) H5Sclose(space);
    return ok ? SS_OK : SS_ERR_INPUT;
}

/* Resuming writes rows by the names and shapes the file holds: they must be this job's. Every
 * dataset's name in job order (a renamed or reordered /dataset_name would file predictions under
 * another dataset) and a digest per dataset (/dataset_sha256, compared by results_check_resume), and the
 * plan's arrays equal to this job's plan (rows would be recorded against other seeds). */
int results_check_names_and_plan(const char *path, hid_t file, const ResultsShape *s, char **names, int64_t name_count,
                                 const ResultsMeta *meta, Error *err) {
    if (!names || name_count != s->dataset_count)
        return error_set(err, SS_ERR_INPUT, "%s: /dataset_name holds %lld names, this job has %d datasets; use --restart",
                         path, (long long)(names ? name_count : 0), s->dataset_count);
    for (int d = 0; d < s->dataset_count; d++)
        if (strcmp(names[d], meta->dataset_names[d]))
            return error_set(err, SS_ERR_INPUT,
                             "%s: /dataset_name[%d] is '%.64s', this job's dataset %d is '%s'; the file's datasets are "
                             "not this job's: use --restart",
                             path, d, names[d], d, meta->dataset_names[d]);
    const hsize_t by_dataset[1] = {(hsize_t)s->dataset_count};
    static const char *per_dataset[] = {"dataset_name", "dataset_sha256", "dataset_size"};
    for (int i = 0; i < 3; i++) {
        hid_t ds = H5Lexists(file, per_dataset[i], H5P_DEFAULT) > 0 ? H5Dopen2(file, per_dataset[i], H5P_DEFAULT) : -1;
        if (ds < 0)
            return error_set(err, SS_ERR_INPUT, "%s: /%s is missing; the file cannot vouch for its datasets: use --restart",
                             path, per_dataset[i]);
        hid_t space = H5Dget_space(ds);
        hsize_t n = 0;
        int ok = space >= 0 && H5Sget_simple_extent_ndims(space) == 1 && H5Sget_simple_extent_dims(space, &n, NULL) == 1 &&
                 n == by_dataset[0];
        if (space >= 0) H5Sclose(space);
        H5Dclose(ds);
        if (!ok)
            return error_set(err, SS_ERR_INPUT, "%s: /%s is not one value per dataset (%d); use --restart", path,
                             per_dataset[i], s->dataset_count);
    }
    int rc = SS_OK;
    void *values = NULL;
    for (int i = 0; i < results_array_count && rc == SS_OK; i++) {
        const ResultsArray *a = &results_arrays[i];
        if (!a->from_plan) continue;
        hsize_t dims[3];
        int rank = results_array_dims(a, s, 0, dims);
        hid_t ds = H5Dopen2(file, a->name, H5P_DEFAULT);
        if (ds < 0) return error_set(err, SS_ERR_INPUT, "%s: /%s is missing; use --restart", path, a->name);
        rc = results_check_array_layout(path, ds, a->name, rank, dims, 0, results_file_type(a->element), err);
        size_t size = results_element_size(a->element);   /* plan arrays: integers of at most 8 bytes */
        if (rc == SS_OK && size > sizeof(int64_t)) rc = error_set(err, SS_ERR_RUNTIME, "%s: /%s: plan element too wide", path, a->name);
        if (rc == SS_OK && !values) values = malloc(sizeof(int64_t) * (size_t)(s->task_count ? s->task_count : 1));
        if (rc == SS_OK && (!values || H5Dread(ds, results_memory_type(a->element), H5S_ALL, H5S_ALL, H5P_DEFAULT, values) < 0))
            rc = error_set(err, SS_ERR_INPUT, "%s: cannot read /%s", path, a->name);
        for (int64_t t = 0; rc == SS_OK && t < s->task_count; t++) {
            ResultsPlanRow plan;
            meta->plan_row(meta->context, t, &plan);
            if (memcmp((const char *)values + (size_t)t * size, (const char *)&plan + a->plan_field, size))
                rc = error_set(err, SS_ERR_INPUT,
                               "%s: /%s[%lld] is not this job's plan (another seed list, grid or design?); use --restart",
                               path, a->name, (long long)t);
        }
        H5Dclose(ds);
    }
    free(values);
    return rc;
}
