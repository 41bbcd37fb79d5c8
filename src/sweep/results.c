/* results.c - the results file (DESIGN.md section 7): layout, creation, per-task recording, reading.
 *
 * Crash safety and concurrent readers, without HDF5 SWMR. SWMR (H5F_LIBVER_LATEST +
 * H5Fstart_swmr_write) marks the superblock "open for writing"; plain h5py/xarray then refuse the
 * file while the sweep runs and after a kill -9 (until h5clear). Instead:
 *  - the file is built completely at creation (every array contiguous, allocated early and filled
 *    with NaN / pending values, all attributes and dimension scales written), into a temporary
 *    file that is renamed into place: a crash during creation leaves no half file;
 *  - it uses the default (v0) superblock, which has no "open for write" flags;
 *  - afterwards the sweep writes raw data only, into space that already exists, so the file's
 *    metadata never changes again: a reader always sees a valid structure, and a process killed
 *    mid-write leaves at most one task's rows half written;
 *  - a task's rows are written and flushed before its task_status, which is written and flushed
 *    last: a row counts only once its status says so (readers read task_status first);
 *  - the writer opens with HDF5 file locking off, so readers holding the file open (h5py,
 *    xarray, `seedsweep report`) never block the sweep; two sweeps writing one file are kept
 *    apart by our own fcntl (OFD) lock, which does not interact with HDF5's flock. */
#include "seedsweep/results.h"

#include <errno.h>
#include <fcntl.h>
#include <hdf5.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "seedsweep/sha256.h"

struct ResultsFile {
    char *path;
    hid_t file;
    int lock_fd;
    ResultsShape shape;
    hid_t task_status, task_seconds, task_rank, accuracy, loss, collapsed, train_loss, train_accuracy;
    hid_t predictions[JOB_MAX_DATASETS];
};

static void quiet_hdf5(void) { H5Eset_auto2(H5E_DEFAULT, NULL, NULL); }

void results_shape_from_job(const JobSpec *job, const Dataset *sets, ResultsShape *shape) {
    memset(shape, 0, sizeof *shape);
    shape->task_count = (int64_t)job->train_count * job->seed_count;
    shape->dataset_count = job->dataset_count;
    shape->epochs = job->epochs;
    shape->class_count = sets[0].class_count;
    for (int d = 0; d < job->dataset_count; d++) shape->image_count[d] = sets[d].count;
}

int64_t results_prediction_count(const ResultsShape *shape) {
    int64_t n = 0;
    for (int d = 0; d < shape->dataset_count; d++) n += shape->image_count[d] * shape->class_count;
    return n;
}

int task_result_alloc(TaskResult *r, const ResultsShape *shape, Error *err) {
    memset(r, 0, sizeof *r);
    r->accuracy = ss_calloc(shape->dataset_count, sizeof(float), err);
    r->loss = ss_calloc(shape->dataset_count, sizeof(float), err);
    r->collapsed = ss_calloc(shape->dataset_count, 1, err);
    r->train_loss = ss_calloc(shape->epochs, sizeof(float), err);
    r->train_accuracy = ss_calloc(shape->epochs, sizeof(float), err);
    r->predictions = ss_calloc((size_t)results_prediction_count(shape), sizeof(float), err);
    if (!r->accuracy || !r->loss || !r->collapsed || !r->train_loss || !r->train_accuracy || !r->predictions) {
        task_result_free(r);
        return SS_ERR_RUNTIME;
    }
    return SS_OK;
}

void task_result_free(TaskResult *r) {
    free(r->accuracy);
    free(r->loss);
    free(r->collapsed);
    free(r->train_loss);
    free(r->train_accuracy);
    free(r->predictions);
    memset(r, 0, sizeof *r);
}

/* Fingerprint of a dataset's contents (images, labels), so a resumed sweep cannot silently mix
 * results from data that changed under the same file names and sizes. */
static int dataset_digest(const Dataset *ds, char hex[65]) {
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

/* ---- writing helpers ---- */

static hid_t utf8_string_type(void) {
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, H5T_VARIABLE);
    H5Tset_cset(t, H5T_CSET_UTF8);
    return t;
}

static int attr_string(hid_t obj, const char *name, const char *value) {
    hid_t type = utf8_string_type(), space = H5Screate(H5S_SCALAR);
    hid_t attr = H5Acreate2(obj, name, type, space, H5P_DEFAULT, H5P_DEFAULT);
    int ok = attr >= 0 && H5Awrite(attr, type, &value) >= 0;
    if (attr >= 0) H5Aclose(attr);
    H5Sclose(space);
    H5Tclose(type);
    return ok;
}

/* Fixed-length, NUL-terminated ASCII: what the HDF5 dimension-scale convention uses for CLASS/NAME. */
static int attr_fixed_string(hid_t obj, const char *name, const char *value) {
    hid_t type = H5Tcopy(H5T_C_S1), space = H5Screate(H5S_SCALAR);
    H5Tset_size(type, strlen(value) + 1);
    H5Tset_strpad(type, H5T_STR_NULLTERM);
    hid_t attr = H5Acreate2(obj, name, type, space, H5P_DEFAULT, H5P_DEFAULT);
    int ok = attr >= 0 && H5Awrite(attr, type, value) >= 0;
    if (attr >= 0) H5Aclose(attr);
    H5Sclose(space);
    H5Tclose(type);
    return ok;
}

static int attr_int(hid_t obj, const char *name, int64_t value) {
    hid_t space = H5Screate(H5S_SCALAR);
    hid_t attr = H5Acreate2(obj, name, H5T_STD_I64LE, space, H5P_DEFAULT, H5P_DEFAULT);
    int ok = attr >= 0 && H5Awrite(attr, H5T_NATIVE_INT64, &value) >= 0;
    if (attr >= 0) H5Aclose(attr);
    H5Sclose(space);
    return ok;
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

static int write_all(hid_t ds, hid_t mem_type, const void *data) {
    return H5Dwrite(ds, mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) >= 0;
}

/* Dimension scales by hand (the HDF5 "DS" convention that h5py, netCDF-4 and h5netcdf read):
 * the Makefile links libhdf5 only, not the high-level library that holds H5DS*. */
typedef struct Attachment {
    hobj_ref_t variable;
    int dimension;
} Attachment;
typedef struct Scale {
    char name[80];
    hobj_ref_t ref;
    Attachment attached[32 + JOB_MAX_DATASETS * 2];
    int count;
} Scale;
typedef struct ScaleSet {
    hid_t file;
    Scale scales[8 + JOB_MAX_DATASETS];
    int count;
} ScaleSet;

static int scale_index(ScaleSet *set, const char *name) {
    for (int i = 0; i < set->count; i++)
        if (!strcmp(set->scales[i].name, name)) return i;
    return -1;
}

/* Records that variable (a path) uses the named scales as its dimensions; writes DIMENSION_LIST. */
static int attach_scales(ScaleSet *set, const char *variable, int rank, const char *const *dims) {
    hobj_ref_t var_ref;
    if (H5Rcreate(&var_ref, set->file, variable, H5R_OBJECT, -1) < 0) return 0;
    hobj_ref_t refs[8];
    hvl_t list[8];
    for (int i = 0; i < rank; i++) {
        int s = scale_index(set, dims[i]);
        if (s < 0) return 0;
        Scale *scale = &set->scales[s];
        refs[i] = scale->ref;
        list[i].len = 1;
        list[i].p = &refs[i];
        if (scale->count == (int)(sizeof scale->attached / sizeof scale->attached[0])) return 0;
        scale->attached[scale->count].variable = var_ref;
        scale->attached[scale->count].dimension = i;
        scale->count++;
    }
    hid_t ds = H5Dopen2(set->file, variable, H5P_DEFAULT);
    hid_t type = H5Tvlen_create(H5T_STD_REF_OBJ);
    hsize_t n = (hsize_t)rank;
    hid_t space = H5Screate_simple(1, &n, NULL);
    hid_t attr = H5Acreate2(ds, "DIMENSION_LIST", type, space, H5P_DEFAULT, H5P_DEFAULT);
    int ok = ds >= 0 && attr >= 0 && H5Awrite(attr, type, list) >= 0;
    if (attr >= 0) H5Aclose(attr);
    H5Sclose(space);
    H5Tclose(type);
    if (ds >= 0) H5Dclose(ds);
    return ok;
}

/* Marks a dataset as the scale named after its path's last component. */
static int make_scale(ScaleSet *set, hid_t ds, const char *path) {
    Scale *scale = &set->scales[set->count++];
    const char *base = strrchr(path, '/');
    snprintf(scale->name, sizeof scale->name, "%s", base ? base + 1 : path);
    scale->count = 0;
    if (H5Rcreate(&scale->ref, set->file, path, H5R_OBJECT, -1) < 0) return 0;
    return attr_fixed_string(ds, "CLASS", "DIMENSION_SCALE") && attr_fixed_string(ds, "NAME", scale->name);
}

/* Writes each scale's REFERENCE_LIST (which variables use it, as which dimension). */
static int finish_scales(ScaleSet *set) {
    typedef struct { hobj_ref_t ref; int dimension; } Entry;
    hid_t type = H5Tcreate(H5T_COMPOUND, sizeof(Entry));
    H5Tinsert(type, "dataset", HOFFSET(Entry, ref), H5T_STD_REF_OBJ);
    H5Tinsert(type, "dimension", HOFFSET(Entry, dimension), H5T_NATIVE_INT);
    int ok = 1;
    for (int i = 0; i < set->count && ok; i++) {
        Scale *scale = &set->scales[i];
        if (!scale->count) continue;
        Entry entries[sizeof scale->attached / sizeof scale->attached[0]];
        for (int a = 0; a < scale->count; a++) {
            entries[a].ref = scale->attached[a].variable;
            entries[a].dimension = scale->attached[a].dimension;
        }
        hid_t ds = H5Rdereference2(set->file, H5P_DEFAULT, H5R_OBJECT, &scale->ref);
        hsize_t n = (hsize_t)scale->count;
        hid_t space = H5Screate_simple(1, &n, NULL);
        hid_t attr = H5Acreate2(ds, "REFERENCE_LIST", type, space, H5P_DEFAULT, H5P_DEFAULT);
        ok = ds >= 0 && attr >= 0 && H5Awrite(attr, type, entries) >= 0;
        if (attr >= 0) H5Aclose(attr);
        H5Sclose(space);
        if (ds >= 0) H5Oclose(ds);
    }
    H5Tclose(type);
    return ok;
}

static hid_t create_strings(hid_t where, const char *name, int count, char *const *values) {
    hid_t type = utf8_string_type();
    hsize_t n = (hsize_t)count;
    hid_t space = H5Screate_simple(1, &n, NULL);
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    H5Pset_obj_track_times(dcpl, 0);
    hid_t ds = H5Dcreate2(where, name, type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    if (ds >= 0 && H5Dwrite(ds, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, values) < 0) {
        H5Dclose(ds);
        ds = -1;
    }
    H5Pclose(dcpl);
    H5Sclose(space);
    H5Tclose(type);
    return ds;
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

#define CHECK_ID(id, what)                                                                          \
    do {                                                                                            \
        if ((id) < 0) {                                                                             \
            rc = error_set(err, SS_ERR_RUNTIME, "%s: cannot write %s (HDF5 error)", path, what);    \
            goto done;                                                                              \
        }                                                                                           \
    } while (0)

/* Builds the whole file at path (which should be a temporary name). */
static int create_file(const char *path, const JobSpec *job, const Dataset *sets, const ResultsShape *shape,
                       const ResultsRunInfo *info, Error *err) {
    int rc = SS_OK;
    hid_t file = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    if (file < 0) return error_set(err, SS_ERR_RUNTIME, "%s: cannot create results file: %s", path, strerror(errno));
    ScaleSet *scales = calloc(1, sizeof *scales);
    hid_t ds = -1, group = -1;
    const int D = shape->dataset_count, E = shape->epochs, C = shape->class_count;
    const int64_t T = shape->task_count;
    const float nan = NAN;
    const double nan64 = NAN;
    const int8_t minus1_i8 = -1, zero_i8 = 0;
    const int32_t minus1 = -1;
    int64_t *seeds = NULL, *init_seeds = NULL, *order_seeds = NULL;
    int32_t *train = NULL;
    if (!scales) {
        rc = error_set(err, SS_ERR_RUNTIME, "out of memory");
        goto done;
    }
    scales->file = file;

    /* dimension scales, each a coordinate variable with meaningful values */
    CHECK_ID(ds = create_index(file, "task", T, 0), "/task");
    if (!make_scale(scales, ds, "/task")) CHECK_ID(-1, "/task scale");
    H5Dclose(ds);
    CHECK_ID(ds = create_strings(file, "dataset", D, job->dataset_names), "/dataset");
    if (!make_scale(scales, ds, "/dataset")) CHECK_ID(-1, "/dataset scale");
    H5Dclose(ds);
    CHECK_ID(ds = create_index(file, "epoch", E, 1), "/epoch");
    if (!make_scale(scales, ds, "/epoch")) CHECK_ID(-1, "/epoch scale");
    H5Dclose(ds);
    CHECK_ID(ds = create_strings(file, "class", C, sets[0].class_names), "/class");
    if (!make_scale(scales, ds, "/class")) CHECK_ID(-1, "/class scale");
    H5Dclose(ds);
    for (int d = 0; d < D; d++) {
        char name[128];
        snprintf(name, sizeof name, "/image_%s", job->dataset_names[d]);
        CHECK_ID(ds = create_index(file, name, shape->image_count[d], 0), name);
        if (!make_scale(scales, ds, name)) CHECK_ID(-1, name);
        H5Dclose(ds);
    }

    /* per dataset */
    CHECK_ID(ds = create_strings(file, "dataset_name", D, job->dataset_names), "/dataset_name");
    H5Dclose(ds);
    const char *dim_dataset[] = {"dataset"};
    attach_scales(scales, "/dataset_name", 1, dim_dataset);
    {
        hsize_t n = (hsize_t)D;
        int64_t sizes[JOB_MAX_DATASETS];
        for (int d = 0; d < D; d++) sizes[d] = shape->image_count[d];
        CHECK_ID(ds = create_array(file, "dataset_size", H5T_STD_I64LE, H5T_NATIVE_INT64, 1, &n, NULL), "/dataset_size");
        if (!write_all(ds, H5T_NATIVE_INT64, sizes)) CHECK_ID(-1, "/dataset_size");
        H5Dclose(ds);
        attach_scales(scales, "/dataset_size", 1, dim_dataset);
        char digests[JOB_MAX_DATASETS][65];
        char *digest_list[JOB_MAX_DATASETS];
        for (int d = 0; d < D; d++) {
            if (!dataset_digest(&sets[d], digests[d])) CHECK_ID(-1, "/dataset_sha256 (out of memory)");
            digest_list[d] = digests[d];
        }
        CHECK_ID(ds = create_strings(file, "dataset_sha256", D, digest_list), "/dataset_sha256");
        H5Dclose(ds);
        attach_scales(scales, "/dataset_sha256", 1, dim_dataset);
    }

    /* per task: the plan */
    {
        hsize_t n = (hsize_t)T;
        seeds = malloc(sizeof(int64_t) * (size_t)T);
        init_seeds = malloc(sizeof(int64_t) * (size_t)T);
        order_seeds = malloc(sizeof(int64_t) * (size_t)T);
        train = malloc(sizeof(int32_t) * (size_t)T);
        if (!seeds || !init_seeds || !order_seeds || !train) {
            rc = error_set(err, SS_ERR_RUNTIME, "out of memory");
            goto done;
        }
        for (int64_t t = 0; t < T; t++) {
            int position = (int)(t / job->seed_count);
            int64_t seed = job->seeds[t % job->seed_count];
            train[t] = job->train[position];
            seeds[t] = seed;
            /* same rule as plan_task (plan.c); kept here so results.c needs no plan.h */
            init_seeds[t] = job->vary == VARY_ORDER ? 0 : seed;
            order_seeds[t] = job->vary == VARY_INIT ? 0 : seed;
        }
        const char *dim_task[] = {"task"};
        struct { const char *name; hid_t file_type, mem_type; const void *data; } plan[] = {
            {"task_train_dataset", H5T_STD_I32LE, H5T_NATIVE_INT32, train},
            {"task_seed", H5T_STD_I64LE, H5T_NATIVE_INT64, seeds},
            {"task_init_seed", H5T_STD_I64LE, H5T_NATIVE_INT64, init_seeds},
            {"task_order_seed", H5T_STD_I64LE, H5T_NATIVE_INT64, order_seeds},
        };
        for (size_t i = 0; i < sizeof plan / sizeof plan[0]; i++) {
            CHECK_ID(ds = create_array(file, plan[i].name, plan[i].file_type, plan[i].mem_type, 1, &n, NULL), plan[i].name);
            if (!write_all(ds, plan[i].mem_type, plan[i].data)) CHECK_ID(-1, plan[i].name);
            H5Dclose(ds);
            char full[64];
            snprintf(full, sizeof full, "/%s", plan[i].name);
            attach_scales(scales, full, 1, dim_task);
        }
        CHECK_ID(ds = create_array(file, "task_status", H5T_STD_I8LE, H5T_NATIVE_INT8, 1, &n, &zero_i8), "/task_status");
        H5Dclose(ds);
        attach_scales(scales, "/task_status", 1, dim_task);
        CHECK_ID(ds = create_array(file, "task_seconds", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 1, &n, &nan64), "/task_seconds");
        H5Dclose(ds);
        attach_scales(scales, "/task_seconds", 1, dim_task);
        CHECK_ID(ds = create_array(file, "task_rank", H5T_STD_I32LE, H5T_NATIVE_INT32, 1, &n, &minus1), "/task_rank");
        H5Dclose(ds);
        attach_scales(scales, "/task_rank", 1, dim_task);
    }

    /* per task and dataset / epoch */
    {
        hsize_t td[2] = {(hsize_t)T, (hsize_t)D}, te[2] = {(hsize_t)T, (hsize_t)E};
        const char *dim_td[] = {"task", "dataset"}, *dim_te[] = {"task", "epoch"};
        CHECK_ID(ds = create_array(file, "accuracy", H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, 2, td, &nan), "/accuracy");
        H5Dclose(ds);
        attach_scales(scales, "/accuracy", 2, dim_td);
        CHECK_ID(ds = create_array(file, "loss", H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, 2, td, &nan), "/loss");
        H5Dclose(ds);
        attach_scales(scales, "/loss", 2, dim_td);
        CHECK_ID(ds = create_array(file, "collapsed", H5T_STD_I8LE, H5T_NATIVE_INT8, 2, td, &minus1_i8), "/collapsed");
        H5Dclose(ds);
        attach_scales(scales, "/collapsed", 2, dim_td);
        CHECK_ID(ds = create_array(file, "train_loss", H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, 2, te, &nan), "/train_loss");
        H5Dclose(ds);
        attach_scales(scales, "/train_loss", 2, dim_te);
        CHECK_ID(ds = create_array(file, "train_accuracy", H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, 2, te, &nan),
                 "/train_accuracy");
        H5Dclose(ds);
        attach_scales(scales, "/train_accuracy", 2, dim_te);
    }

    /* predictions and the labels they are judged against */
    CHECK_ID(group = H5Gcreate2(file, "predictions", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), "/predictions");
    H5Gclose(group);
    CHECK_ID(group = H5Gcreate2(file, "labels", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), "/labels");
    H5Gclose(group);
    group = -1;
    for (int d = 0; d < D; d++) {
        if (!sets[d].names) continue;
        if (group < 0) CHECK_ID(group = H5Gcreate2(file, "image_name", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), "/image_name");
        char path_n[128], image_dim[80];
        snprintf(path_n, sizeof path_n, "/image_name/%s", job->dataset_names[d]);
        snprintf(image_dim, sizeof image_dim, "image_%s", job->dataset_names[d]);
        CHECK_ID(ds = create_strings(file, path_n, (int)shape->image_count[d], sets[d].names), path_n);
        H5Dclose(ds);
        const char *dim_i[] = {image_dim};
        attach_scales(scales, path_n, 1, dim_i);
    }
    if (group >= 0) H5Gclose(group);
    group = -1;
    for (int d = 0; d < D; d++) {
        char path_p[128], path_l[128], image_dim[80];
        snprintf(path_p, sizeof path_p, "/predictions/%s", job->dataset_names[d]);
        snprintf(path_l, sizeof path_l, "/labels/%s", job->dataset_names[d]);
        snprintf(image_dim, sizeof image_dim, "image_%s", job->dataset_names[d]);
        hsize_t tic[3] = {(hsize_t)T, (hsize_t)shape->image_count[d], (hsize_t)C}, n = (hsize_t)shape->image_count[d];
        CHECK_ID(ds = create_array(file, path_p, H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, 3, tic, &nan), path_p);
        H5Dclose(ds);
        const char *dim_tic[] = {"task", image_dim, "class"}, *dim_i[] = {image_dim};
        attach_scales(scales, path_p, 3, dim_tic);
        CHECK_ID(ds = create_array(file, path_l, H5T_STD_U8LE, H5T_NATIVE_UINT8, 1, &n, NULL), path_l);
        if (!write_all(ds, H5T_NATIVE_UINT8, sets[d].labels)) CHECK_ID(-1, path_l);
        H5Dclose(ds);
        attach_scales(scales, path_l, 1, dim_i);
    }
    if (!finish_scales(scales)) CHECK_ID(-1, "dimension scales");

    /* root attributes */
    {
        char created[64];
        time_t now = time(NULL);
        struct tm utc;
        gmtime_r(&now, &utc);
        strftime(created, sizeof created, "%Y-%m-%dT%H:%M:%SZ", &utc);
        int ok = attr_string(file, "format", RESULTS_FORMAT) && attr_string(file, "job", job->text) &&
                 attr_string(file, "job_sha256", job->sha256) && attr_string(file, "job_path", job->path) &&
                 attr_string(file, "name", job->name) && attr_string(file, "version", info->version) &&
                 attr_string(file, "created", created) && attr_int(file, "ranks", info->ranks) &&
                 attr_int(file, "threads_per_rank", info->threads_per_rank) &&
                 attr_string(file, "blas", info->blas ? info->blas : "unknown") &&
                 attr_string(file, "vary", vary_name(job->vary)) && attr_int(file, "fixed_seed", 0) &&
                 attr_string(file, "model_input", job->model_input) &&
                 attr_string(file, "model_layers", job->model_layers);
        if (!ok) CHECK_ID(-1, "root attributes");
    }
done:
    free(scales);
    free(seeds);
    free(init_seeds);
    free(order_seeds);
    free(train);
    if (H5Fclose(file) < 0 && rc == SS_OK) rc = error_set(err, SS_ERR_RUNTIME, "%s: cannot close (HDF5 error)", path);
    return rc;
}

/* ---- reading helpers ---- */

static hid_t open_unlocked(const char *path, unsigned flags) {
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    H5Pset_file_locking(fapl, 0, 1);
    hid_t file = H5Fopen(path, flags, fapl);
    H5Pclose(fapl);
    return file;
}

static char *read_attr_string(hid_t obj, const char *name) {
    if (H5Aexists(obj, name) <= 0) return NULL;
    hid_t attr = H5Aopen(obj, name, H5P_DEFAULT);
    if (attr < 0) return NULL;
    hid_t ftype = H5Aget_type(attr);
    char *result = NULL;
    if (H5Tget_class(ftype) == H5T_STRING) {
        if (H5Tis_variable_str(ftype) > 0) {
            hid_t mtype = utf8_string_type();
            char *value = NULL;
            if (H5Aread(attr, mtype, &value) >= 0 && value) {
                result = strdup(value);
                H5free_memory(value);
            }
            H5Tclose(mtype);
        } else {
            size_t size = H5Tget_size(ftype);
            result = calloc(size + 1, 1);
            if (result && H5Aread(attr, ftype, result) < 0) {
                free(result);
                result = NULL;
            }
        }
    }
    H5Tclose(ftype);
    H5Aclose(attr);
    return result;
}

static int64_t read_attr_int(hid_t obj, const char *name) {
    int64_t value = -1;
    if (H5Aexists(obj, name) <= 0) return -1;
    hid_t attr = H5Aopen(obj, name, H5P_DEFAULT);
    if (attr >= 0) {
        H5Aread(attr, H5T_NATIVE_INT64, &value);
        H5Aclose(attr);
    }
    return value;
}

/* Reads a whole dataset into a new buffer; *count gets its element count (may be NULL). */
static void *read_array(hid_t file, const char *name, hid_t mem_type, int64_t *count) {
    hid_t ds = H5Dopen2(file, name, H5P_DEFAULT);
    if (ds < 0) return NULL;
    hid_t space = H5Dget_space(ds);
    hssize_t n = H5Sget_simple_extent_npoints(space);
    H5Sclose(space);
    void *data = n >= 0 ? calloc((size_t)(n ? n : 1), H5Tget_size(mem_type)) : NULL;
    if (data && H5Dread(ds, mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0) {
        free(data);
        data = NULL;
    }
    H5Dclose(ds);
    if (count) *count = n;
    return data;
}

static char **read_strings(hid_t file, const char *name, int64_t *count) {
    hid_t ds = H5Dopen2(file, name, H5P_DEFAULT);
    if (ds < 0) return NULL;
    hid_t space = H5Dget_space(ds);
    hssize_t n = H5Sget_simple_extent_npoints(space);
    hid_t type = utf8_string_type();
    char **raw = calloc((size_t)(n > 0 ? n : 1), sizeof(char *));
    char **copy = calloc((size_t)(n > 0 ? n : 1), sizeof(char *));
    int ok = raw && copy && H5Dread(ds, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, raw) >= 0;
    if (ok) {
        for (hssize_t i = 0; i < n; i++) copy[i] = strdup(raw[i] ? raw[i] : "");
        H5Dvlen_reclaim(type, space, H5P_DEFAULT, raw);
    }
    free(raw);
    H5Tclose(type);
    H5Sclose(space);
    H5Dclose(ds);
    if (!ok) {
        free(copy);
        return NULL;
    }
    if (count) *count = n;
    return copy;
}

/* ---- the sweep's side ---- */

static int take_writer_lock(const char *path, int *fd_out, Error *err) {
    int fd = open(path, O_RDWR | O_CLOEXEC);
    if (fd < 0)  /* a read-only file or file system is the user's to fix: bad input, before any training */
        return error_set(err, errno == EACCES || errno == EROFS || errno == EPERM ? SS_ERR_INPUT : SS_ERR_RUNTIME,
                         "%s: cannot open for writing: %s", path, strerror(errno));
    struct flock lock = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0};
    if (fcntl(fd, F_OFD_SETLK, &lock) < 0) {
        close(fd);
        return error_set(err, SS_ERR_INPUT, "%s: another sweep is writing this file (locked)", path);
    }
    *fd_out = fd;
    return SS_OK;
}

/* Compares an existing file with this job; on success fills pending from task_status. */
static int check_resume(const char *path, hid_t file, const JobSpec *job, const Dataset *sets, const ResultsShape *shape,
                        uint8_t *pending, Error *err) {
    char *format = read_attr_string(file, "format");
    char *text = read_attr_string(file, "job");
    char *sha = read_attr_string(file, "job_sha256");
    int rc = SS_OK;
    if (!format || strcmp(format, RESULTS_FORMAT)) {
        rc = error_set(err, SS_ERR_INPUT, "%s: exists and is not a seedsweep results file (format '%s'); choose another output",
                       path, format ? format : "none");
    } else if (!text || strcmp(text, job->text)) {
        rc = error_set(err, SS_ERR_INPUT,
                       "%s: holds the results of a different job (job_sha256 %.12s, this job %.12s); "
                       "use --restart to start it over, or another --out",
                       path, sha ? sha : "?", job->sha256);
    } else {
        int64_t n = 0, t_count = 0;
        int64_t *sizes = read_array(file, "dataset_size", H5T_NATIVE_INT64, &n);
        int8_t *status = read_array(file, "task_status", H5T_NATIVE_INT8, &t_count);
        if (!sizes || !status || n != shape->dataset_count || t_count != shape->task_count) {
            rc = error_set(err, SS_ERR_INPUT, "%s: unreadable or of another shape; use --restart to start it over", path);
        } else {
            for (int d = 0; d < shape->dataset_count && rc == SS_OK; d++)
                if (sizes[d] != shape->image_count[d])
                    rc = error_set(err, SS_ERR_INPUT,
                                   "%s: dataset %s had %lld images when this file was made, now %lld; "
                                   "use --restart to start over",
                                   path, job->dataset_names[d], (long long)sizes[d], (long long)shape->image_count[d]);
            int64_t digest_count = 0;
            char **digests = rc == SS_OK ? read_strings(file, "dataset_sha256", &digest_count) : NULL;
            for (int d = 0; digests && d < shape->dataset_count && d < digest_count && rc == SS_OK; d++) {
                char now[65];
                if (dataset_digest(&sets[d], now) && strcmp(now, digests[d]))
                    rc = error_set(err, SS_ERR_INPUT,
                                   "%s: the contents of dataset %s (%s) changed since this file was made; "
                                   "use --restart to start over",
                                   path, job->dataset_names[d], job->dataset_paths[d]);
            }
            for (int64_t i = 0; digests && i < digest_count; i++) free(digests[i]);
            free(digests);
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

static int open_writer(ResultsFile *rf, Error *err) {
    /* No sieve buffer: every H5Dwrite goes straight to the file (pwrite) in program order, so a
     * task's rows are in the OS before its status is, even without a flush in between, and a
     * killed process cannot take buffered rows with it. */
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    H5Pset_file_locking(fapl, 0, 1);
    H5Pset_sieve_buf_size(fapl, 0);
    rf->file = H5Fopen(rf->path, H5F_ACC_RDWR, fapl);
    H5Pclose(fapl);
    if (rf->file < 0) return error_set(err, SS_ERR_RUNTIME, "%s: cannot open results file for writing", rf->path);
    rf->task_status = H5Dopen2(rf->file, "task_status", H5P_DEFAULT);
    rf->task_seconds = H5Dopen2(rf->file, "task_seconds", H5P_DEFAULT);
    rf->task_rank = H5Dopen2(rf->file, "task_rank", H5P_DEFAULT);
    rf->accuracy = H5Dopen2(rf->file, "accuracy", H5P_DEFAULT);
    rf->loss = H5Dopen2(rf->file, "loss", H5P_DEFAULT);
    rf->collapsed = H5Dopen2(rf->file, "collapsed", H5P_DEFAULT);
    rf->train_loss = H5Dopen2(rf->file, "train_loss", H5P_DEFAULT);
    rf->train_accuracy = H5Dopen2(rf->file, "train_accuracy", H5P_DEFAULT);
    int ok = rf->task_status >= 0 && rf->task_seconds >= 0 && rf->task_rank >= 0 && rf->accuracy >= 0 &&
             rf->loss >= 0 && rf->collapsed >= 0 && rf->train_loss >= 0 && rf->train_accuracy >= 0;
    hid_t group = H5Gopen2(rf->file, "predictions", H5P_DEFAULT);
    hid_t dataset_names = H5Dopen2(rf->file, "dataset_name", H5P_DEFAULT);
    H5Dclose(dataset_names);
    for (int d = 0; d < rf->shape.dataset_count; d++) rf->predictions[d] = -1;
    if (group >= 0) {
        /* predictions are opened in dataset order by the names stored in the file */
        int64_t n = 0;
        char **names = read_strings(rf->file, "dataset_name", &n);
        for (int d = 0; names && d < n && d < rf->shape.dataset_count; d++) {
            rf->predictions[d] = H5Dopen2(group, names[d], H5P_DEFAULT);
            ok = ok && rf->predictions[d] >= 0;
        }
        for (int64_t i = 0; names && i < n; i++) free(names[i]);
        if (!names) ok = 0;
        free(names);
        H5Gclose(group);
    } else {
        ok = 0;
    }
    if (!ok) return error_set(err, SS_ERR_RUNTIME, "%s: results file lacks arrays it should hold", rf->path);
    return SS_OK;
}

/* Before creating path: its directory must exist and be writable, and hold the whole file (every
 * array is allocated at creation, so a sweep that starts never runs out of space later). Both are
 * SS_ERR_INPUT, reported before any training; a full disk found only while HDF5 writes would
 * otherwise surface as an opaque HDF5 error. */
static int check_output_place(const char *path, const ResultsShape *shape, const JobSpec *job, Error *err) {
    char dir[4096];
    const char *slash = strrchr(path, '/');
    if (!slash) snprintf(dir, sizeof dir, ".");
    else if (slash == path) snprintf(dir, sizeof dir, "/");
    else snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
    struct stat st;
    if (stat(dir, &st) != 0)
        return error_set(err, SS_ERR_INPUT, "%s: cannot create the results file: directory %s: %s", path, dir,
                         strerror(errno));
    if (!S_ISDIR(st.st_mode))
        return error_set(err, SS_ERR_INPUT, "%s: cannot create the results file: %s is not a directory", path, dir);
    if (access(dir, W_OK | X_OK) != 0)
        return error_set(err, SS_ERR_INPUT, "%s: cannot create the results file: directory %s is not writable: %s", path,
                         dir, strerror(errno));
    const int64_t T = shape->task_count;
    double bytes = (double)T * (shape->dataset_count * 9.0 + shape->epochs * 8.0 + 64.0) +
                   (double)T * (double)results_prediction_count(shape) * 4.0 + 2.0 * (double)strlen(job->text) +
                   65536.0;
    struct statvfs vfs;
    if (statvfs(dir, &vfs) == 0 && (double)vfs.f_bavail * (double)vfs.f_frsize < bytes)
        return error_set(err, SS_ERR_INPUT, "%s: the results file needs about %.1f MB but %s has %.1f MB free", path,
                         bytes / 1e6, dir, (double)vfs.f_bavail * (double)vfs.f_frsize / 1e6);
    return SS_OK;
}

int results_open_sweep(const char *path, const JobSpec *job, const Dataset *sets, const ResultsRunInfo *info,
                       int restart, ResultsFile **out, uint8_t *pending, Error *err) {
    quiet_hdf5();
    *out = NULL;
    ResultsFile *rf = calloc(1, sizeof *rf);
    if (!rf) return error_set(err, SS_ERR_RUNTIME, "out of memory");
    rf->path = strdup(path);
    rf->lock_fd = -1;
    rf->file = -1;
    results_shape_from_job(job, sets, &rf->shape);
    int rc = SS_OK;
    struct stat st;
    int exists = stat(path, &st) == 0;
    int create = !exists;
    if (exists) {
        htri_t is_hdf5 = H5Fis_hdf5(path);
        hid_t file = is_hdf5 > 0 ? open_unlocked(path, H5F_ACC_RDONLY) : -1;
        if (file < 0) {
            if (!restart)
                rc = error_set(err, SS_ERR_INPUT, "%s: exists but is not a readable HDF5 file; use --restart to overwrite it",
                               path);
            create = 1;
        } else {
            char *format = read_attr_string(file, "format");
            if (!format || strcmp(format, RESULTS_FORMAT)) {
                /* never overwrite a dataset or anything else, even with --restart */
                rc = error_set(err, SS_ERR_INPUT, "%s: exists and is not a seedsweep results file (format '%s'); "
                               "choose another output", path, format ? format : "none");
            } else if (restart) {
                create = 1;
            } else {
                rc = check_resume(path, file, job, sets, &rf->shape, pending, err);
            }
            free(format);
            H5Fclose(file);
        }
    }
    if (rc == SS_OK && exists && !create) {
        rc = take_writer_lock(path, &rf->lock_fd, err);
    }
    if (rc == SS_OK && create) {
        if (exists) {
            /* refuse to restart under a running sweep */
            int fd = -1;
            rc = take_writer_lock(path, &fd, err);
            if (fd >= 0) close(fd);
        }
        char temp[4096];
        snprintf(temp, sizeof temp, "%s.tmp%ld", path, (long)getpid());
        if (rc == SS_OK) rc = check_output_place(path, &rf->shape, job, err);
        if (rc == SS_OK) rc = create_file(temp, job, sets, &rf->shape, info, err);
        if (rc == SS_OK && rename(temp, path) != 0)
            rc = error_set(err, SS_ERR_RUNTIME, "%s: cannot rename %s into place: %s", path, temp, strerror(errno));
        if (rc != SS_OK) unlink(temp);
        if (rc == SS_OK) rc = take_writer_lock(path, &rf->lock_fd, err);
        if (rc == SS_OK) memset(pending, 1, (size_t)rf->shape.task_count);
    }
    if (rc == SS_OK) rc = open_writer(rf, err);
    if (rc != SS_OK) {
        results_close(rf, NULL);
        return rc;
    }
    *out = rf;
    return SS_OK;
}

/* Writes count values at [row, 0..] of a 1-, 2- or 3-D dataset. */
static int write_row(hid_t ds, hid_t mem_type, int64_t row, const void *data) {
    hid_t space = H5Dget_space(ds);
    int rank = H5Sget_simple_extent_ndims(space);
    hsize_t dims[3] = {1, 1, 1}, start[3] = {0, 0, 0}, count[3];
    H5Sget_simple_extent_dims(space, dims, NULL);
    start[0] = (hsize_t)row;
    count[0] = 1;
    for (int i = 1; i < rank; i++) count[i] = dims[i];
    H5Sselect_hyperslab(space, H5S_SELECT_SET, start, NULL, count, NULL);
    hid_t mem = H5Screate_simple(rank, count, NULL);
    herr_t status = H5Dwrite(ds, mem_type, mem, space, H5P_DEFAULT, data);
    H5Sclose(mem);
    H5Sclose(space);
    return status >= 0;
}

int results_record_task(ResultsFile *rf, const TaskResult *r, Error *err) {
    const ResultsShape *s = &rf->shape;
    if (r->task < 0 || r->task >= s->task_count)
        return error_set(err, SS_ERR_RUNTIME, "%s: task %lld out of range", rf->path, (long long)r->task);
    int ok = write_row(rf->accuracy, H5T_NATIVE_FLOAT, r->task, r->accuracy) &&
             write_row(rf->loss, H5T_NATIVE_FLOAT, r->task, r->loss) &&
             write_row(rf->collapsed, H5T_NATIVE_INT8, r->task, r->collapsed) &&
             write_row(rf->train_loss, H5T_NATIVE_FLOAT, r->task, r->train_loss) &&
             write_row(rf->train_accuracy, H5T_NATIVE_FLOAT, r->task, r->train_accuracy) &&
             write_row(rf->task_seconds, H5T_NATIVE_DOUBLE, r->task, &r->seconds) &&
             write_row(rf->task_rank, H5T_NATIVE_INT32, r->task, &r->rank);
    const float *p = r->predictions;
    for (int d = 0; ok && d < s->dataset_count; d++) {
        ok = write_row(rf->predictions[d], H5T_NATIVE_FLOAT, r->task, p);
        p += s->image_count[d] * s->class_count;
    }
    /* rows reach the file before the status that vouches for them (direct writes, see open_writer) */
    int8_t status = (int8_t)r->status;
    ok = ok && write_row(rf->task_status, H5T_NATIVE_INT8, r->task, &status);
    ok = ok && H5Fflush(rf->file, H5F_SCOPE_LOCAL) >= 0;
    if (!ok) return error_set(err, SS_ERR_RUNTIME, "%s: cannot record task %lld (HDF5 write failed)", rf->path,
                              (long long)r->task);
    return SS_OK;
}

int results_close(ResultsFile *rf, Error *err) {
    if (!rf) return SS_OK;
    int rc = SS_OK;
    hid_t ids[] = {rf->task_status, rf->task_seconds, rf->task_rank, rf->accuracy, rf->loss, rf->collapsed,
                   rf->train_loss, rf->train_accuracy};
    if (rf->file >= 0) {
        for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++)
            if (ids[i] > 0) H5Dclose(ids[i]);
        for (int d = 0; d < rf->shape.dataset_count; d++)
            if (rf->predictions[d] > 0) H5Dclose(rf->predictions[d]);
        if (H5Fclose(rf->file) < 0) rc = error_set(err, SS_ERR_RUNTIME, "%s: cannot close results file", rf->path);
    }
    if (rf->lock_fd >= 0) close(rf->lock_fd);
    free(rf->path);
    free(rf);
    return rc;
}

/* ---- the reader's side ---- */

int results_load(const char *path, int with_predictions, ResultsData *data, Error *err) {
    quiet_hdf5();
    memset(data, 0, sizeof *data);
    if (access(path, R_OK) != 0) return error_set(err, SS_ERR_INPUT, "%s: cannot read: %s", path, strerror(errno));
    hid_t file = open_unlocked(path, H5F_ACC_RDONLY);
    if (file < 0) return error_set(err, SS_ERR_INPUT, "%s: not an HDF5 file", path);
    int rc = SS_OK;
    char *format = read_attr_string(file, "format");
    if (!format || strcmp(format, RESULTS_FORMAT)) {
        rc = error_set(err, SS_ERR_INPUT, "%s: not a seedsweep results file (format '%s', expected '%s')", path,
                       format ? format : "none", RESULTS_FORMAT);
        free(format);
        H5Fclose(file);
        return rc;
    }
    free(format);
    ResultsShape *s = &data->shape;
    data->job = read_attr_string(file, "job");
    data->job_sha256 = read_attr_string(file, "job_sha256");
    data->version = read_attr_string(file, "version");
    data->created = read_attr_string(file, "created");
    data->blas = read_attr_string(file, "blas");
    data->ranks = (int)read_attr_int(file, "ranks");
    data->threads_per_rank = (int)read_attr_int(file, "threads_per_rank");
    int64_t n = 0, e = 0, c = 0;
    /* status first: rows are written before their status, so a row read after a status that
     * says done is complete */
    data->task_status = read_array(file, "task_status", H5T_NATIVE_INT8, &s->task_count);
    char **names = read_strings(file, "dataset_name", &n);
    int64_t *sizes = read_array(file, "dataset_size", H5T_NATIVE_INT64, NULL);
    data->class_names = read_strings(file, "class", &c);
    free(read_array(file, "epoch", H5T_NATIVE_INT64, &e));
    if (!data->task_status || !names || !sizes || !data->class_names || n < 1 || n > JOB_MAX_DATASETS) {
        rc = error_set(err, SS_ERR_INPUT, "%s: damaged results file (missing task_status, dataset_name or class)", path);
        goto done;
    }
    s->dataset_count = (int)n;
    s->epochs = (int)e;
    s->class_count = (int)c;
    for (int d = 0; d < s->dataset_count; d++) {
        data->dataset_names[d] = names[d];
        s->image_count[d] = sizes[d];
    }
    data->task_train_dataset = read_array(file, "task_train_dataset", H5T_NATIVE_INT32, NULL);
    data->task_seed = read_array(file, "task_seed", H5T_NATIVE_INT64, NULL);
    data->task_seconds = read_array(file, "task_seconds", H5T_NATIVE_DOUBLE, NULL);
    data->task_rank = read_array(file, "task_rank", H5T_NATIVE_INT32, NULL);
    data->accuracy = read_array(file, "accuracy", H5T_NATIVE_FLOAT, NULL);
    data->loss = read_array(file, "loss", H5T_NATIVE_FLOAT, NULL);
    data->collapsed = read_array(file, "collapsed", H5T_NATIVE_INT8, NULL);
    data->train_loss = read_array(file, "train_loss", H5T_NATIVE_FLOAT, NULL);
    data->train_accuracy = read_array(file, "train_accuracy", H5T_NATIVE_FLOAT, NULL);
    if (!data->task_train_dataset || !data->task_seed || !data->task_seconds || !data->task_rank || !data->accuracy ||
        !data->loss || !data->collapsed || !data->train_loss || !data->train_accuracy) {
        rc = error_set(err, SS_ERR_INPUT, "%s: damaged results file (a per-task array is missing)", path);
        goto done;
    }
    for (int d = 0; with_predictions && d < s->dataset_count; d++) {
        char name[160];
        snprintf(name, sizeof name, "predictions/%s", names[d]);
        data->predictions[d] = read_array(file, name, H5T_NATIVE_FLOAT, NULL);
        snprintf(name, sizeof name, "labels/%s", names[d]);
        data->labels[d] = read_array(file, name, H5T_NATIVE_UINT8, NULL);
        snprintf(name, sizeof name, "image_name/%s", names[d]);
        if (H5Lexists(file, "image_name", H5P_DEFAULT) > 0 && H5Lexists(file, name, H5P_DEFAULT) > 0)
            data->image_names[d] = read_strings(file, name, NULL);   /* optional: datasets without /names */
        if (!data->predictions[d] || !data->labels[d]) {
            rc = error_set(err, SS_ERR_INPUT, "%s: damaged results file (predictions or labels of %s)", path, names[d]);
            goto done;
        }
    }
done:
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
    for (int d = 0; d < JOB_MAX_DATASETS; d++) {
        free(data->dataset_names[d]);
        free(data->predictions[d]);
        free(data->labels[d]);
        if (data->image_names[d])
            for (int64_t i = 0; i < data->shape.image_count[d]; i++) free(data->image_names[d][i]);
        free(data->image_names[d]);
    }
    if (data->class_names)
        for (int c = 0; c < data->shape.class_count; c++) free(data->class_names[c]);
    free(data->class_names);
    free(data->task_train_dataset);
    free(data->task_seed);
    free(data->task_status);
    free(data->task_seconds);
    free(data->task_rank);
    free(data->accuracy);
    free(data->loss);
    free(data->collapsed);
    free(data->train_loss);
    free(data->train_accuracy);
    memset(data, 0, sizeof *data);
}

int results_print_info(const char *path, FILE *out, Error *err) {
    ResultsData data;
    int rc = results_load(path, 0, &data, err);
    if (rc != SS_OK) return rc;
    const ResultsShape *s = &data.shape;
    int64_t done = 0, diverged = 0;
    double seconds = 0.0;
    for (int64_t t = 0; t < s->task_count; t++) {
        if (data.task_status[t] == TASK_DONE) done++;
        if (data.task_status[t] == TASK_DIVERGED) diverged++;
        if (data.task_status[t] != TASK_PENDING && isfinite(data.task_seconds[t])) seconds += data.task_seconds[t];
    }
    fprintf(out, "%s: seedsweep results file (%s)\n", path, RESULTS_FORMAT);
    fprintf(out, "  tasks     %lld: %lld done, %lld diverged, %lld pending%s\n", (long long)s->task_count,
            (long long)done, (long long)diverged, (long long)(s->task_count - done - diverged),
            done + diverged < s->task_count ? " (sweep unfinished or running)" : "");
    fprintf(out, "  datasets  %d:", s->dataset_count);
    for (int d = 0; d < s->dataset_count; d++)
        fprintf(out, " %s (%lld images)", data.dataset_names[d], (long long)s->image_count[d]);
    fprintf(out, "\n  classes   %d:", s->class_count);
    for (int c = 0; c < s->class_count; c++) fprintf(out, " %s", data.class_names[c]);
    fprintf(out, "\n  epochs    %d\n", s->epochs);
    fprintf(out, "  compute   %.1f s of task time recorded\n", seconds);
    fprintf(out, "  created   %s by seedsweep %s, %d ranks x %d threads, BLAS %s\n", data.created ? data.created : "?",
            data.version ? data.version : "?", data.ranks, data.threads_per_rank, data.blas ? data.blas : "?");
    fprintf(out, "  job_sha256 %s\n", data.job_sha256 ? data.job_sha256 : "?");
    results_data_free(&data);
    return SS_OK;
}
