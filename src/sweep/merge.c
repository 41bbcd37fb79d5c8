/* merge.c - results files of one job into one (merge.h). Every input is read and checked
 * (results_load) before anything is written; the output is the input with the most finished tasks,
 * copied byte for byte into a temporary beside the output, with every other input's finished
 * tasks' rows copied in through results_arrays[] (the one description of the per-task arrays), then
 * renamed into place. Since a task's rows are a pure function of the job and the task number, the
 * merged arrays equal those of one run of the whole job. */
#include "seedsweep/merge.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "results_layout.h"

#include "seedsweep/atomic_file.h"
#include "seedsweep/safe_file.h"

typedef struct Input {
    const char *path;
    struct stat st;
    ResultsData data;
    char **digests;            /* /dataset_sha256, data.shape.dataset_count of them */
    int64_t digest_count;
    int64_t done;              /* tasks done or diverged */
    char *conv_path;           /* root attribute conv_path ("im2col" in files made before it existed) */
} Input;

#define LISTED_RANGES 12   /* ranges a task list names before "..." */

/* "3, 7-9, 12" for the tasks t < count with mark[t] (at most LISTED_RANGES ranges, then "..."). */
static void task_list(const uint8_t *mark, int64_t count, char *out, size_t size) {
    size_t n = 0;
    int ranges = 0;
    out[0] = '\0';
    for (int64_t t = 0; t < count; t++) {
        if (!mark[t]) continue;
        int64_t last = t;
        while (last + 1 < count && mark[last + 1]) last++;
        if (ranges++ == LISTED_RANGES) {
            snprintf(out + n, size - n, ", ...");
            return;
        }
        int w = last == t ? snprintf(out + n, size - n, "%s%lld", n ? ", " : "", (long long)t)
                          : snprintf(out + n, size - n, "%s%lld-%lld", n ? ", " : "", (long long)t, (long long)last);
        if (w < 0 || (size_t)w >= size - n) return;
        n += (size_t)w;
        t = last;
    }
}

static void free_input(Input *in) {
    results_data_free(&in->data);
    h5util_free_strings(in->digests, in->digest_count);
    in->digests = NULL;
    free(in->conv_path);
    in->conv_path = NULL;
}

/* Reads and checks one input: a regular file, no sweep writing it, a results file (results_load's
 * checks: job digest, statuses, shapes), its datasets' digests. */
static int load_input(Input *in, const char *path, Error *err) {
    in->path = path;
    int rc = safe_file_check_input(path, &in->st, err);
    if (rc == SS_OK) rc = results_check_idle(path, err);
    if (rc == SS_OK) rc = results_load(path, 0, &in->data, err);
    if (rc != SS_OK) return rc;
    hid_t file = h5util_open(path, H5F_ACC_RDONLY, 0);
    if (file >= 0) {
        in->digests = h5util_read_string_dataset_bounded(file, "dataset_sha256", RESULTS_MAX_DATASETS, 64, &in->digest_count);
        in->conv_path = h5util_read_attr_string(file, "conv_path");
        H5Fclose(file);
    }
    if (!in->digests || in->digest_count != in->data.shape.dataset_count)
        return error_set(err, SS_ERR_INPUT, "%s: damaged results file (/dataset_sha256)", path);
    for (int64_t t = 0; t < in->data.shape.task_count; t++) in->done += in->data.task_status[t] != TASK_PENDING;
    return SS_OK;
}

/* b comes from the job, datasets and (unless allowed) BLAS kernel of a. */
static int check_same_job(const Input *a, const Input *b, MergeMixingRule allows_mixing, Error *err) {
    if (a->st.st_dev == b->st.st_dev && a->st.st_ino == b->st.st_ino)
        return error_set(err, SS_ERR_INPUT, "%s and %s are the same file: give each input once", a->path, b->path);
    if (strcmp(a->data.job, b->data.job))
        return error_set(err, SS_ERR_INPUT,
                         "%s is not from the job of %s (job_sha256 %.12s, not %.12s): only files of one job merge",
                         b->path, a->path, b->data.job_sha256, a->data.job_sha256);
    const ResultsShape *x = &a->data.shape, *y = &b->data.shape;
    int same = x->task_count == y->task_count && x->dataset_count == y->dataset_count && x->epochs == y->epochs &&
               x->class_count == y->class_count && x->relu_layer_count == y->relu_layer_count;
    for (int d = 0; same && d < x->dataset_count; d++) same = x->image_count[d] == y->image_count[d];
    if (!same)
        return error_set(err, SS_ERR_INPUT, "%s: of another shape than %s (tasks, datasets, images, epochs or classes)",
                         b->path, a->path);
    for (int d = 0; d < x->dataset_count; d++)
        if (strcmp(a->digests[d], b->digests[d]))
            return error_set(err, SS_ERR_INPUT,
                             "%s: dataset %s had other contents than for %s (dataset_sha256 %.12s, not %.12s): "
                             "the files ran on different data",
                             b->path, a->data.dataset_names[d], a->path, b->digests[d], a->digests[d]);
    const char *ca = a->conv_path ? a->conv_path : "im2col", *cb = b->conv_path ? b->conv_path : "im2col";
    if (strcmp(ca, cb))
        return error_set(err, SS_ERR_INPUT,
                         "%s ran with convolution path '%s', %s with '%s' (root attribute conv_path): their results "
                         "differ; run every part with the same SEEDSWEEP_CONV",
                         b->path, cb, a->path, ca);
    const char *ka = a->data.blas ? a->data.blas : "unknown", *kb = b->data.blas ? b->data.blas : "unknown";
    if (strcmp(ka, kb) && !(allows_mixing && allows_mixing(a->data.job)))
        return error_set(err, SS_ERR_INPUT,
                         "%s ran with BLAS '%s', %s with '%s': results differ between kernels, and the job does not "
                         "allow mixing them (blas_mixing = allow in [sweep])",
                         b->path, kb, a->path, ka);
    return SS_OK;
}

/* owner[t]: the input task t is done in, or -1. Refuses a task done in two inputs and, unless
 * partial, a task done in none. */
static int assign_tasks(const Input *in, int count, int partial, int *owner, Error *err) {
    const int64_t T = in[0].data.shape.task_count;
    uint8_t *mark = calloc((size_t)(T ? T : 1), 1);
    char *list = malloc(4096);
    if (!mark || !list) {
        free(mark);
        free(list);
        return error_set(err, SS_ERR_RUNTIME, "out of memory for the task table");
    }
    int rc = SS_OK, first = -1, second = -1;
    for (int64_t t = 0; t < T; t++) owner[t] = -1;
    for (int i = 0; i < count; i++)
        for (int64_t t = 0; t < T; t++) {
            if (in[i].data.task_status[t] == TASK_PENDING) continue;
            if (owner[t] >= 0 && first < 0) {
                first = owner[t];
                second = i;
            }
            if (owner[t] < 0) owner[t] = i;
        }
    if (first >= 0) {
        int64_t both = 0;
        for (int64_t t = 0; t < T; t++) {
            mark[t] = in[first].data.task_status[t] != TASK_PENDING && in[second].data.task_status[t] != TASK_PENDING;
            both += mark[t];
        }
        task_list(mark, T, list, 4096);
        rc = error_set(err, SS_ERR_INPUT,
                       "task%s %s (%lld of %lld) done in both %s and %s: every task must come from one input only "
                       "(parts of one --part count, each given once)",
                       both == 1 ? "" : "s", list, (long long)both, (long long)T, in[first].path, in[second].path);
    } else if (!partial) {
        int64_t missing = 0;
        for (int64_t t = 0; t < T; t++) missing += mark[t] = owner[t] < 0;
        task_list(mark, T, list, 4096);
        if (missing)
            rc = error_set(err, SS_ERR_INPUT,
                           "task%s %s (%lld of %lld) pending in every input: give the missing parts (or finish them "
                           "with seedsweep run ... --part I/N), or merge what is done with --partial",
                           missing == 1 ? "" : "s", list, (long long)missing, (long long)T);
    }
    free(mark);
    free(list);
    return rc;
}

/* Copies the rows of the tasks t with owner[t] == which from src (input in) into out, table array by
 * table array (the statuses last, as a sweep writes them). */
static int copy_tasks(hid_t out, hid_t src, const Input *in, const int *owner, int which, Error *err) {
    const ResultsShape *shape = &in->data.shape;
    for (int pass = 0; pass < 2; pass++)
        for (int i = 0; i < results_array_count; i++) {
            const ResultsArray *a = &results_arrays[i];
            if (a->from_plan || a->is_status != pass) continue;
            for (int d = 0; d < results_array_instances(a, shape); d++) {
                char name[160];
                results_array_path(a, in->data.dataset_names[d], name, sizeof name);
                int in_has = H5Lexists(src, name, H5P_DEFAULT) > 0, out_has = H5Lexists(out, name, H5P_DEFAULT) > 0;
                if (!in_has && !out_has && a->optional) continue;
                if (in_has != out_has)
                    return error_set(err, SS_ERR_INPUT, "%s: %s /%s, unlike the other inputs (made by another version?)",
                                     in->path, in_has ? "holds" : "lacks", name);
                char why[600] = "";
                hid_t from = h5util_open_dataset(src, name, why, sizeof why);
                hid_t to = from >= 0 ? h5util_open_dataset(out, name, NULL, 0) : -1;
                hsize_t dims[3] = {0}, want[3];
                int rank = results_array_dims(a, shape, d, want), ok = from >= 0 && to >= 0;
                for (int k = 0; k < 2 && ok; k++) {
                    hid_t space = H5Dget_space(k ? to : from);
                    ok = space >= 0 && H5Sget_simple_extent_ndims(space) == rank &&
                         H5Sget_simple_extent_dims(space, dims, NULL) == rank;
                    for (int r = 0; ok && r < rank; r++) ok = dims[r] == want[r];
                    if (space >= 0) H5Sclose(space);
                }
                size_t bytes = (size_t)results_array_row_length(a, shape, d) * results_element_size(a->element);
                void *row = ok && bytes <= h5util_memory_bound() ? malloc(bytes ? bytes : 1) : NULL;
                hid_t type = results_memory_type(a->element);
                for (int64_t t = 0; row && ok && t < shape->task_count; t++)
                    if (owner[t] == which) ok = results_read_row(from, type, t, row) && results_write_row(to, type, t, row);
                free(row);
                if (from >= 0) H5Dclose(from);
                if (to >= 0) H5Dclose(to);
                if (!ok || !row)
                    return error_set(err, SS_ERR_INPUT, "%s: cannot copy /%s%s%s (damaged, or not of the job's shape)",
                                     in->path, name, *why ? ": " : "", why);
            }
        }
    return SS_OK;
}

/* Appends in's used /hosts rows after out's (*used of them so far, runs up to *last_run), with
 * runs renumbered past *last_run; rows beyond the table are left out (counted). */
static int append_hosts(hid_t out, const Input *in, int64_t *used, int *last_run, int *left_out, Error *err) {
    if (!in->data.host_count) return SS_OK;
    if (H5Lexists(out, "hosts", H5P_DEFAULT) <= 0) {
        *left_out += in->data.host_count;
        return SS_OK;
    }
    int ok = 1, offset = *last_run + 1;
    hid_t columns[8] = {-1, -1, -1, -1, -1, -1, -1, -1};
    for (int c = 0; c < results_host_column_count; c++) {
        columns[c] = H5Dopen2(out, results_host_columns[c].name, H5P_DEFAULT);
        ok = ok && columns[c] >= 0;
    }
    hid_t space = ok ? H5Dget_space(columns[0]) : -1;
    int64_t rows = space >= 0 ? (int64_t)H5Sget_simple_extent_npoints(space) : 0;
    if (space >= 0) H5Sclose(space);
    for (int h = 0; ok && h < in->data.host_count; h++) {
        if (*used >= rows) {
            (*left_out)++;
            continue;
        }
        ResultsHost row = in->data.hosts[h];
        row.run += offset;
        if (row.run > *last_run) *last_run = row.run;
        for (int c = 0; c < results_host_column_count && ok; c++)   /* run, the last column, vouches for the row */
            ok = results_write_row(columns[c], results_memory_type(results_host_columns[c].element), *used,
                                   (const char *)&row + results_host_columns[c].field);
        (*used)++;
    }
    for (int c = 0; c < results_host_column_count; c++)
        if (columns[c] >= 0) H5Dclose(columns[c]);
    return ok ? SS_OK : error_set(err, SS_ERR_RUNTIME, "cannot write /hosts of the merged file (HDF5 error)");
}

/* The byte copy of the input file into the temporary's descriptor. */
static int copy_bytes(const char *path, int to, Error *err) {
    int from = safe_file_open_input(path, NULL, err);
    if (from < 0) return err->code;
    char buffer[1 << 16];
    ssize_t n;
    int rc = SS_OK;
    while ((n = read(from, buffer, sizeof buffer)) != 0) {
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            rc = error_set(err, SS_ERR_RUNTIME, "%s: read failed: %s", path, strerror(errno));
            break;
        }
        for (ssize_t off = 0; off < n && rc == SS_OK;) {
            ssize_t w = write(to, buffer + off, (size_t)(n - off));
            if (w < 0 && errno == EINTR) continue;
            if (w < 0) rc = error_set(err, SS_ERR_RUNTIME, "cannot write the merged file: %s", strerror(errno));
            else off += w;
        }
        if (rc != SS_OK) break;
    }
    close(from);
    return rc;
}

/* The merged file's root: no part_index / part_count (it is the whole job), merged_from = inputs. */
static int set_root(hid_t file, int count) {
    const char *drop[] = {"part_index", "part_count", "merged_from"};
    for (size_t i = 0; i < sizeof drop / sizeof drop[0]; i++)
        if (H5Aexists(file, drop[i]) > 0 && H5Adelete(file, drop[i]) < 0) return 0;
    return h5util_attr_int(file, "merged_from", count);
}

/* Writes the merge of in[0..count) (checked) into the temporary at temp. */
static int write_merged(const AtomicFile *temp, const Input *in, int count, const int *owner, int base,
                        MergeSummary *summary, Error *err) {
    int rc = copy_bytes(in[base].path, temp->fd, err);
    if (rc != SS_OK) return rc;
    hid_t out = h5util_open(temp->temp, H5F_ACC_RDWR, 0);
    if (out < 0) return error_set(err, SS_ERR_RUNTIME, "%s: cannot open the merged file's copy for writing", temp->temp);
    int64_t used = in[base].data.host_count;
    int last_run = -1;
    for (int h = 0; h < in[base].data.host_count; h++)
        if (in[base].data.hosts[h].run > last_run) last_run = in[base].data.hosts[h].run;
    for (int i = 0; i < count && rc == SS_OK; i++) {
        if (i == base) continue;
        hid_t src = h5util_open(in[i].path, H5F_ACC_RDONLY, 0);
        if (src < 0) rc = error_set(err, SS_ERR_INPUT, "%s: cannot open again", in[i].path);
        if (rc == SS_OK) rc = copy_tasks(out, src, &in[i], owner, i, err);
        if (rc == SS_OK) rc = append_hosts(out, &in[i], &used, &last_run, &summary->host_rows_left_out, err);
        if (src >= 0) H5Fclose(src);
    }
    if (rc == SS_OK && !set_root(out, count))
        rc = error_set(err, SS_ERR_RUNTIME, "cannot write the merged file's root attributes (HDF5 error)");
    if (H5Fclose(out) < 0 && rc == SS_OK) rc = error_set(err, SS_ERR_RUNTIME, "cannot close the merged file (HDF5 error)");
    return rc;
}

int merge_results(const char *out, const char *const *inputs, int count, int partial, MergeMixingRule allows_mixing,
                  MergeSummary *summary, Error *err) {
    h5util_quiet();
    *summary = (MergeSummary){0};
    if (count < 1) return error_set(err, SS_ERR_INPUT, "no input files");
    char dir[4096];
    int rc = safe_file_check_output(out, inputs, count, err);
    if (rc == SS_OK) rc = results_check_output_dir(out, dir, sizeof dir, err);
    if (rc != SS_OK) return rc;
    Input *in = calloc((size_t)count, sizeof *in);
    if (!in) return error_set(err, SS_ERR_RUNTIME, "out of memory");
    for (int i = 0; i < count && rc == SS_OK; i++) {
        rc = load_input(&in[i], inputs[i], err);
        for (int j = 0; j < i && rc == SS_OK; j++) rc = check_same_job(&in[j], &in[i], allows_mixing, err);
    }
    const int64_t T = rc == SS_OK ? in[0].data.shape.task_count : 0;
    int *owner = rc == SS_OK ? malloc(sizeof *owner * (size_t)(T ? T : 1)) : NULL;
    if (rc == SS_OK && !owner) rc = error_set(err, SS_ERR_RUNTIME, "out of memory for the task table");
    if (rc == SS_OK) rc = assign_tasks(in, count, partial, owner, err);
    if (rc == SS_OK) {
        int base = 0;   /* the input with the most finished tasks: the fewest rows to copy */
        for (int i = 1; i < count; i++)
            if (in[i].done > in[base].done) base = i;
        AtomicFile temp;
        rc = atomic_file_begin(&temp, out, err);
        if (rc == SS_OK) rc = write_merged(&temp, in, count, owner, base, summary, err);
        if (rc == SS_OK) rc = atomic_file_commit(&temp, err);
        else atomic_file_abort(&temp);
        summary->task_count = T;
        for (int64_t t = 0; t < T; t++) summary->done += owner[t] >= 0;
    }
    free(owner);
    for (int i = 0; i < count; i++) free_input(&in[i]);
    free(in);
    return rc;
}
