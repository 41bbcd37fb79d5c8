/* dataset.c - the dataset HDF5 file (docs/design.md section 6): write atomically, read whole and validated.
 * The only data file that uses HDF5 (through the shared helper h5util). HDF5's own error printing is
 * silenced; every failure becomes an Error naming the file. A file we cannot read is bad input
 * (SS_ERR_INPUT). */
#include "seedsweep/dataset.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "seedsweep/atomic_file.h"
#include "seedsweep/file_lock.h"
#include "seedsweep/h5util.h"
#include "seedsweep/safe_file.h"

static void free_strings(char **strings, int64_t count) { h5util_free_strings(strings, count); }

void dataset_free(Dataset *ds) {
    if (!ds) return;
    free(ds->images);
    free(ds->labels);
    free_strings(ds->class_names, ds->class_count);
    free_strings(ds->names, ds->count);
    free(ds->source);
    memset(ds, 0, sizeof *ds);
}

int dataset_alloc(Dataset *ds, int64_t count, int height, int width, int channels, int class_count, Error *err) {
    memset(ds, 0, sizeof *ds);
    if (count < 0 || height <= 0 || width <= 0 || channels <= 0 || class_count <= 0)
        return error_set(err, SS_ERR_INPUT, "dataset shape %lld x %d x %d x %d with %d classes is not valid",
                         (long long)count, height, width, channels, class_count);
    ds->count = count;
    ds->height = height;
    ds->width = width;
    ds->channels = channels;
    ds->class_count = class_count;
    ds->images = ss_calloc((size_t)count * height * width * channels, 1, err);
    ds->labels = ss_calloc((size_t)count, 1, err);
    ds->class_names = ss_calloc((size_t)class_count, sizeof(char *), err);
    if (!ds->images || !ds->labels || !ds->class_names) {
        dataset_free(ds);
        return SS_ERR_RUNTIME;
    }
    return SS_OK;
}

void dataset_class_counts(const Dataset *ds, int64_t *counts) {
    for (int k = 0; k < ds->class_count; k++) counts[k] = 0;
    for (int64_t i = 0; i < ds->count; i++)
        if (ds->labels[i] < ds->class_count) counts[ds->labels[i]]++;
}

int dataset_validate(const Dataset *ds, const char *what, Error *err) {
    if (ds->count <= 0) return error_set(err, SS_ERR_INPUT, "%s: holds zero images", what);
    if (ds->height <= 0 || ds->width <= 0 || ds->channels <= 0 || ds->channels > 4)
        return error_set(err, SS_ERR_INPUT, "%s: image shape %d x %d x %d is not valid (channels must be 1-4)",
                         what, ds->height, ds->width, ds->channels);
    if (ds->class_count < 1 || ds->class_count > DATASET_MAX_CLASSES)
        return error_set(err, SS_ERR_INPUT, "%s: %d class names (expected 1-%d)", what, ds->class_count,
                         DATASET_MAX_CLASSES);
    for (int k = 0; k < ds->class_count; k++)
        if (!ds->class_names || !ds->class_names[k] || !ds->class_names[k][0])
            return error_set(err, SS_ERR_INPUT, "%s: class name %d is empty", what, k);
        else if (strlen(ds->class_names[k]) > DATASET_MAX_CLASS_NAME_BYTES)
            return error_set(err, SS_ERR_INPUT, "%s: class name %d is %zu bytes long (at most %d)", what, k,
                             strlen(ds->class_names[k]), DATASET_MAX_CLASS_NAME_BYTES);
    for (int64_t i = 0; ds->names && i < ds->count; i++)
        if (ds->names[i] && strlen(ds->names[i]) > DATASET_MAX_IMAGE_NAME_BYTES)
            return error_set(err, SS_ERR_INPUT, "%s: the name of image %lld is %zu bytes long (at most %d)", what,
                             (long long)i, strlen(ds->names[i]), DATASET_MAX_IMAGE_NAME_BYTES);
    for (int64_t i = 0; i < ds->count; i++)
        if (ds->labels[i] >= ds->class_count)
            return error_set(err, SS_ERR_INPUT, "%s: label of image %lld is %d, but there are only %d class names",
                             what, (long long)i, ds->labels[i], ds->class_count);
    int64_t *counts = ss_calloc((size_t)ds->class_count, sizeof *counts, err);
    if (!counts) return SS_ERR_RUNTIME;
    dataset_class_counts(ds, counts);
    for (int k = 0; k < ds->class_count; k++)
        if (counts[k] == 0) {
            error_set(err, SS_ERR_INPUT, "%s: class %d ('%s') has no images", what, k, ds->class_names[k]);
            free(counts);
            return SS_ERR_INPUT;
        }
    free(counts);
    return SS_OK;
}

/* Opens path read-only with clear errors for a missing, non-HDF5 or truncated file. */
static hid_t open_for_reading(const char *path, Error *err) {
    h5util_quiet();
    /* a FIFO would block HDF5's signature check forever, a device would be read: regular files only */
    if (safe_file_check_input(path, NULL, err) != SS_OK) return -1;
    htri_t is_hdf5 = H5Fis_hdf5(path);
    if (is_hdf5 <= 0) {
        error_set(err, SS_ERR_INPUT, "%s: not an HDF5 file (wrong format or truncated)", path);
        return -1;
    }
    hid_t file = h5util_open(path, H5F_ACC_RDONLY, 1);
    if (file < 0) {
        int refused = file_locking_enabled() ? file_lock_probe(path) : 0;
        if (refused) file_lock_refused(path, "HDF5's lock on opening the file", "flock", refused, err);
        else error_set(err, SS_ERR_INPUT, "%s: cannot open as HDF5 (truncated or corrupt?)", path);
        return -1;
    }
    /* virtual and external datasets, oversized chunks: refused before any dataset is read */
    char why[600];
    if (h5util_check_file_storage(file, why, sizeof why) != 0) {
        error_set(err, SS_ERR_INPUT, "%s: %s", path, why);
        H5Fclose(file);
        return -1;
    }
    return file;
}

int hdf5_file_format(const char *path, char *format, size_t size, Error *err) {
    hid_t file = open_for_reading(path, err);
    if (file < 0) return err->code;
    char **strings = NULL;
    int64_t n = 0;
    int rc = h5util_read_attribute_strings(file, "format", &strings, &n);
    H5Fclose(file);
    if (rc == -3) return error_set(err, SS_ERR_INPUT, "%s: no 'format' attribute: not a seedsweep file", path);
    if (rc != 0 || n != 1) {
        free_strings(strings, n);
        return error_set(err, SS_ERR_INPUT, "%s: cannot read the 'format' attribute as one string", path);
    }
    snprintf(format, size, "%s", strings[0]);
    free_strings(strings, n);
    return SS_OK;
}

/* The shape a file declares is believed only within these bounds, checked before a byte is read:
 * a few KB of gzip can declare gigabytes of pixels (DATASET_MAX_IMAGE_BYTES, DATASET_MAX_IMAGES in
 * dataset.h), and the whole at most half the machine's memory. */

uint64_t dataset_memory_bound(void) { return h5util_memory_bound(); }

/* The declared images shape against the bounds above and, when expect_hwc is given, the job's. */
static int check_image_shape(const char *path, const hsize_t *dims, const int *expect_hwc, Error *err) {
    if (dims[1] < 1 || dims[2] < 1 || dims[3] < 1 || dims[3] > 4)
        return error_set(err, SS_ERR_INPUT, "%s: 'images' declares images of %llu x %llu x %llu (channels must be 1-4)",
                         path, (unsigned long long)dims[1], (unsigned long long)dims[2], (unsigned long long)dims[3]);
    if (expect_hwc && (dims[1] != (hsize_t)expect_hwc[0] || dims[2] != (hsize_t)expect_hwc[1] ||
                       dims[3] != (hsize_t)expect_hwc[2]))
        return error_set(err, SS_ERR_INPUT, "%s: images are %llux%llux%llu; [model] input %dx%dx%d does not fit them",
                         path, (unsigned long long)dims[1], (unsigned long long)dims[2], (unsigned long long)dims[3],
                         expect_hwc[0], expect_hwc[1], expect_hwc[2]);
    uint64_t image = (uint64_t)dims[1] * dims[2] * dims[3];
    if (dims[1] > DATASET_MAX_IMAGE_BYTES || dims[2] > DATASET_MAX_IMAGE_BYTES || image > DATASET_MAX_IMAGE_BYTES)
        return error_set(err, SS_ERR_INPUT, "%s: 'images' declares images of %llu x %llu x %llu, more than the %llu bytes "
                         "an image may have", path, (unsigned long long)dims[1], (unsigned long long)dims[2],
                         (unsigned long long)dims[3], (unsigned long long)DATASET_MAX_IMAGE_BYTES);
    if (dims[0] > DATASET_MAX_IMAGES)
        return error_set(err, SS_ERR_INPUT, "%s: 'images' declares %llu images (at most %llu)", path,
                         (unsigned long long)dims[0], (unsigned long long)DATASET_MAX_IMAGES);
    uint64_t total = image * dims[0], bound = h5util_memory_bound();
    if (total > bound)
        return error_set(err, SS_ERR_INPUT, "%s: 'images' declares %llu images of %llu bytes (%.1f GB), more than half "
                         "this machine's memory (%.1f GB)", path, (unsigned long long)dims[0], (unsigned long long)image,
                         (double)total / 1e9, (double)bound / 1e9);
    return SS_OK;
}

static herr_t find_no_memory(unsigned n, const H5E_error2_t *e, void *found) {
    (void)n;
    if (e->maj_num == H5E_RESOURCE || e->min_num == H5E_CANTALLOC || e->min_num == H5E_NOSPACE) *(int *)found = 1;
    return 0;
}

/* Why a read of name failed: memory (a low ulimit -v), a filter this HDF5 library lacks (h5py's
 * lzf, blosc, ...), or damage. */
static int read_failure(hid_t set, const char *path, const char *name, Error *err) {
    int no_memory = 0;
    H5Ewalk2(H5E_DEFAULT, H5E_WALK_DOWNWARD, find_no_memory, &no_memory);
    if (no_memory)
        return error_set(err, SS_ERR_RUNTIME, "%s: out of memory reading '%s' (HDF5 could not allocate)", path, name);
    hid_t dcpl = H5Dget_create_plist(set);
    int filters = dcpl >= 0 ? H5Pget_nfilters(dcpl) : 0;
    for (int i = 0; i < filters; i++) {
        unsigned flags = 0, config = 0;
        size_t cd_count = 0;
        char filter_name[64] = "";
        H5Z_filter_t id = H5Pget_filter2(dcpl, (unsigned)i, &flags, &cd_count, NULL, sizeof filter_name, filter_name,
                                         &config);
        if (id >= 0 && H5Zfilter_avail(id) <= 0) {
            H5Pclose(dcpl);
            return error_set(err, SS_ERR_INPUT, "%s: '%s' is compressed with HDF5 filter %d%s%s%s, which this HDF5 "
                             "library does not have; rewrite it with gzip (e.g. h5py compression='gzip')", path, name,
                             (int)id, filter_name[0] ? " (" : "", filter_name, filter_name[0] ? ")" : "");
        }
    }
    if (dcpl >= 0) H5Pclose(dcpl);
    /* zlib's inflate reports a failed allocation like damage: name the limit when there is one */
    struct rlimit limit;
    if (getrlimit(RLIMIT_AS, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY)
        return error_set(err, SS_ERR_INPUT, "%s: reading '%s' failed (file truncated or corrupt, or out of memory under "
                         "the address-space limit ulimit -v of %llu MB?)", path, name,
                         (unsigned long long)(limit.rlim_cur >> 20));
    return error_set(err, SS_ERR_INPUT, "%s: reading '%s' failed (file truncated or corrupt?)", path, name);
}

/* The bytes an open dataset declares (within the bounds checked before) must be in the file: data
 * never written reads back as fill values, gigabytes of them from a few KB. */
static int check_stored(hid_t set, const char *path, const char *name, uint64_t declared, Error *err) {
    char why[400];
    if (h5util_check_stored(set, declared, why, sizeof why) != 0)
        return error_set(err, SS_ERR_INPUT, "%s: '%s' %s", path, name, why);
    return SS_OK;
}

/* Opens an integer dataset of the expected rank holding uint8; dims filled and believed only
 * within bounds, before a byte is read: the images shape (rank 4) by check_image_shape (and the
 * job's shape when expect_hwc is given), a 1-D array at most max_count long. Refuses non-uint8 data
 * rather than converting, since a silent clip of wider pixels would corrupt the images. */
static hid_t open_uint8_dataset(hid_t file, const char *path, const char *name, int rank, hsize_t *dims,
                                const int *expect_hwc, uint64_t max_count, Error *err) {
    if (H5Lexists(file, name, H5P_DEFAULT) <= 0) {
        error_set(err, SS_ERR_INPUT, "%s: no dataset '%s'", path, name);
        return -1;
    }
    char why[400];
    hid_t set = h5util_open_dataset(file, name, why, sizeof why);
    if (set < 0) {
        error_set(err, SS_ERR_INPUT, "%s: dataset '%s' %s", path, name, why);
        return -1;
    }
    hid_t type = H5Dget_type(set), space = H5Dget_space(set);
    int status = SS_OK;
    if (type < 0 || space < 0) status = error_set(err, SS_ERR_INPUT, "%s: cannot read '%s' (corrupt file?)", path, name);
    else if (H5Tget_class(type) != H5T_INTEGER || H5Tget_size(type) != 1 || H5Tget_sign(type) != H5T_SGN_NONE)
        status = error_set(err, SS_ERR_INPUT, "%s: '%s' must hold uint8 values", path, name);
    else if (H5Sget_simple_extent_ndims(space) != rank)
        status = error_set(err, SS_ERR_INPUT, "%s: '%s' has %d dimensions, expected %d", path, name,
                           H5Sget_simple_extent_ndims(space), rank);
    if (status == SS_OK) {
        H5Sget_simple_extent_dims(space, dims, NULL);
        if (rank == 4) status = check_image_shape(path, dims, expect_hwc, err);
        else if (dims[0] > max_count)
            status = error_set(err, SS_ERR_INPUT, "%s: %llu %s for %llu images", path, (unsigned long long)dims[0], name,
                               (unsigned long long)max_count);
    }
    if (status == SS_OK && rank == 1) status = check_stored(set, path, name, dims[0], err);
    if (type >= 0) H5Tclose(type);
    if (space >= 0) H5Sclose(space);
    if (status == SS_OK) return set;
    H5Dclose(set);
    return -1;
}

/* Reads an open uint8 dataset of total bytes into out. */
static int read_uint8_into(hid_t set, const char *path, const char *name, size_t total, uint8_t *out, Error *err) {
    if (total > 0 && H5Dread(set, H5T_NATIVE_UINT8, H5S_ALL, H5S_ALL, H5P_DEFAULT, out) < 0)
        return read_failure(set, path, name, err);
    return SS_OK;
}

/* Everything but the pixels, validated; ds->images stays NULL. Images refused for not being
 * expect_hwc: their declared shape in refused_hwc (for the caller's message). */
static int read_header(hid_t file, const char *path, const int *expect_hwc, Dataset *ds, int *refused_hwc,
                       Error *err) {
    char **strings = NULL;
    int64_t n = 0;
    int status = SS_OK;
    int rc = h5util_read_attribute_strings(file, "format", &strings, &n);
    if (rc == -3) status = error_set(err, SS_ERR_INPUT, "%s: no 'format' attribute (expected \"%s\")", path, DATASET_FORMAT);
    else if (rc != 0 || n != 1) status = error_set(err, SS_ERR_INPUT, "%s: cannot read the 'format' attribute", path);
    else if (strcmp(strings[0], DATASET_FORMAT) != 0)
        status = error_set(err, SS_ERR_INPUT, "%s: format is \"%s\", expected \"%s\"", path, strings[0], DATASET_FORMAT);
    free_strings(strings, n);

    if (status == SS_OK) {
        rc = h5util_read_attribute_strings_bounded(file, "class_names", DATASET_MAX_CLASSES,
                                                   DATASET_MAX_CLASS_NAME_BYTES, &ds->class_names, &n);
        if (rc == -3) status = error_set(err, SS_ERR_INPUT, "%s: no 'class_names' attribute", path);
        else if (rc == -4)
            status = error_set(err, SS_ERR_INPUT, "%s: 'class_names' declares more than %d names or names longer than "
                               "%d bytes", path, DATASET_MAX_CLASSES, DATASET_MAX_CLASS_NAME_BYTES);
        else if (rc != 0) status = error_set(err, SS_ERR_INPUT, "%s: 'class_names' must be an array of strings", path);
        else if (n < 1 || n > DATASET_MAX_CLASSES)
            status = error_set(err, SS_ERR_INPUT, "%s: %lld class names (expected 1-%d)", path, (long long)n,
                               DATASET_MAX_CLASSES);
        ds->class_count = (int)n;
    }
    if (status == SS_OK) {
        rc = h5util_read_attribute_strings_bounded(file, "source", 1, DATASET_MAX_SOURCE_BYTES, &strings, &n);
        if (rc == 0 && n >= 1) ds->source = strdup(strings[0]);
        else if (rc == -3) ds->source = strdup("");
        else status = error_set(err, SS_ERR_INPUT, "%s: 'source' attribute must be one string of at most %d bytes", path,
                                DATASET_MAX_SOURCE_BYTES);
        free_strings(strings, n);
        if (status == SS_OK && !ds->source) status = error_set(err, SS_ERR_RUNTIME, "out of memory");
    }
    hsize_t image_dims[4] = {0}, label_dims[1] = {0};
    if (status == SS_OK) {
        hid_t images = open_uint8_dataset(file, path, "images", 4, image_dims, expect_hwc, 0, err);
        if (images < 0) {
            status = err->code;
            if (expect_hwc && image_dims[1] &&
                (image_dims[1] != (hsize_t)expect_hwc[0] || image_dims[2] != (hsize_t)expect_hwc[1] ||
                 image_dims[3] != (hsize_t)expect_hwc[2]))
                for (int d = 0; d < 3; d++) refused_hwc[d] = (int)(image_dims[d + 1] > INT32_MAX ? INT32_MAX : image_dims[d + 1]);
        } else {
            H5Dclose(images);
        }
    }
    if (status == SS_OK) {
        hid_t labels = open_uint8_dataset(file, path, "labels", 1, label_dims, NULL, image_dims[0], err);
        if (labels < 0) status = err->code;
        else {
            ds->labels = ss_calloc((size_t)label_dims[0], 1, err);
            status = ds->labels ? read_uint8_into(labels, path, "labels", (size_t)label_dims[0], ds->labels, err)
                                : SS_ERR_RUNTIME;
            H5Dclose(labels);
        }
    }
    if (status == SS_OK && label_dims[0] != image_dims[0])
        status = error_set(err, SS_ERR_INPUT, "%s: %llu labels for %llu images", path,
                           (unsigned long long)label_dims[0], (unsigned long long)image_dims[0]);
    if (status == SS_OK) {
        hid_t images = h5util_open_dataset(file, "images", NULL, 0);
        status = images < 0 ? error_set(err, SS_ERR_INPUT, "%s: cannot open dataset 'images'", path)
                            : check_stored(images, path, "images", image_dims[0] * image_dims[1] * image_dims[2] *
                                                                       image_dims[3], err);
        if (images >= 0) H5Dclose(images);
    }
    if (status == SS_OK) {
        ds->count = (int64_t)image_dims[0];
        ds->height = (int)image_dims[1];
        ds->width = (int)image_dims[2];
        ds->channels = (int)image_dims[3];
    }
    if (status == SS_OK && H5Lexists(file, "names", H5P_DEFAULT) > 0) {
        char why[400];
        hid_t set = h5util_open_dataset(file, "names", why, sizeof why);
        /* one name per image, each a path: bounded before a byte of them is allocated */
        rc = set < 0 ? -5 : h5util_read_strings_bounded(set, 0, ds->count, DATASET_MAX_IMAGE_NAME_BYTES, &ds->names, &n);
        if (set >= 0) H5Dclose(set);
        if (rc == -5) status = error_set(err, SS_ERR_INPUT, "%s: dataset 'names' %s", path, why);
        else if (rc == -4)
            status = error_set(err, SS_ERR_INPUT, "%s: 'names' declares more names than the %lld images, or names longer "
                               "than %d bytes", path, (long long)ds->count, DATASET_MAX_IMAGE_NAME_BYTES);
        else if (rc != 0) status = error_set(err, SS_ERR_INPUT, "%s: 'names' must be a 1-D array of strings", path);
        else if (n != ds->count) {
            free_strings(ds->names, n);
            ds->names = NULL;
            status = error_set(err, SS_ERR_INPUT, "%s: %lld names for %lld images", path, (long long)n, (long long)ds->count);
        }
    }
    if (status == SS_OK) status = dataset_validate(ds, path, err);
    return status;
}

/* The pixels of a file whose header gave ds's shape, into dst. */
static int read_images(hid_t file, const char *path, const Dataset *ds, uint8_t *dst, Error *err) {
    hsize_t dims[4] = {0};
    hid_t images = open_uint8_dataset(file, path, "images", 4, dims, NULL, 0, err);
    if (images < 0) return err->code;
    int status = SS_OK;
    if (dims[0] != (hsize_t)ds->count || dims[1] != (hsize_t)ds->height || dims[2] != (hsize_t)ds->width ||
        dims[3] != (hsize_t)ds->channels)
        status = error_set(err, SS_ERR_INPUT, "%s: 'images' changed shape since its header was read", path);
    else
        status = read_uint8_into(images, path, "images", dataset_image_bytes(ds), dst, err);
    H5Dclose(images);
    return status;
}

/* A refusal for the image shape leaves ds holding only the file's height, width and channels. */
static void keep_refused_shape(Dataset *ds, const int *refused_hwc) {
    if (!refused_hwc[0]) return;
    ds->height = refused_hwc[0];
    ds->width = refused_hwc[1];
    ds->channels = refused_hwc[2];
}

int dataset_open_header(const char *path, Dataset *ds, Error *err) { return dataset_open_header_shaped(path, NULL, ds, err); }

int dataset_open_header_shaped(const char *path, const int *expect_hwc, Dataset *ds, Error *err) {
    memset(ds, 0, sizeof *ds);
    hid_t file = open_for_reading(path, err);
    if (file < 0) return err->code;
    int refused_hwc[3] = {0, 0, 0};
    int status = read_header(file, path, expect_hwc, ds, refused_hwc, err);
    H5Fclose(file);
    if (status != SS_OK) {
        dataset_free(ds);
        keep_refused_shape(ds, refused_hwc);
    }
    return status;
}

int dataset_read_images_into(const char *path, const Dataset *ds, uint8_t *dst, Error *err) {
    hid_t file = open_for_reading(path, err);
    if (file < 0) return err->code;
    int status = read_images(file, path, ds, dst, err);
    H5Fclose(file);
    return status;
}

size_t dataset_image_bytes(const Dataset *ds) {
    return (size_t)ds->count * (size_t)ds->height * (size_t)ds->width * (size_t)ds->channels;
}

int dataset_load(const char *path, Dataset *ds, Error *err) { return dataset_load_shaped(path, NULL, ds, err); }

int dataset_load_shaped(const char *path, const int *expect_hwc, Dataset *ds, Error *err) {
    memset(ds, 0, sizeof *ds);
    hid_t file = open_for_reading(path, err);
    if (file < 0) return err->code;
    int refused_hwc[3] = {0, 0, 0};
    int status = read_header(file, path, expect_hwc, ds, refused_hwc, err);
    if (status == SS_OK) {
        ds->images = ss_calloc(dataset_image_bytes(ds), 1, err);
        status = ds->images ? read_images(file, path, ds, ds->images, err) : SS_ERR_RUNTIME;
    }
    H5Fclose(file);
    if (status != SS_OK) {
        dataset_free(ds);
        keep_refused_shape(ds, refused_hwc);
    }
    return status;
}

/* Writes the whole dataset into an open, empty file. */
static int write_contents(hid_t file, const Dataset *ds) {
    hsize_t dims[4] = {(hsize_t)ds->count, (hsize_t)ds->height, (hsize_t)ds->width, (hsize_t)ds->channels};
    int ok = 1;
    /* One chunk per image, deflate level 4: images compress ~2-4x and a reader streams image by image. */
    hid_t space = H5Screate_simple(4, dims, NULL);
    hid_t props = H5Pcreate(H5P_DATASET_CREATE);
    if (ds->count > 0) {
        hsize_t chunk[4] = {1, dims[1], dims[2], dims[3]};
        H5Pset_chunk(props, 4, chunk);
        if (H5Zfilter_avail(H5Z_FILTER_DEFLATE) > 0) H5Pset_deflate(props, 4);
    }
    hid_t set = H5Dcreate2(file, "images", H5T_STD_U8LE, space, H5P_DEFAULT, props, H5P_DEFAULT);
    ok = ok && set >= 0 && H5Dwrite(set, H5T_NATIVE_UINT8, H5S_ALL, H5S_ALL, H5P_DEFAULT, ds->images) >= 0;
    if (set >= 0) H5Dclose(set);
    H5Pclose(props);
    H5Sclose(space);

    space = H5Screate_simple(1, dims, NULL);
    set = H5Dcreate2(file, "labels", H5T_STD_U8LE, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    ok = ok && set >= 0 && H5Dwrite(set, H5T_NATIVE_UINT8, H5S_ALL, H5S_ALL, H5P_DEFAULT, ds->labels) >= 0;
    if (set >= 0) H5Dclose(set);
    H5Sclose(space);

    if (ok && ds->names) ok = h5util_write_string_dataset(file, "names", ds->names, ds->count, 1);
    if (ok) ok = h5util_attr_string(file, "format", DATASET_FORMAT);
    if (ok) ok = h5util_write_string_attribute(file, "class_names", ds->class_names, ds->class_count);
    if (ok) ok = h5util_attr_string(file, "source", ds->source ? ds->source : "");
    return ok ? 0 : -1;
}

int dataset_save(const char *path, const Dataset *ds, Error *err) {
    h5util_quiet();
    int status = dataset_validate(ds, "dataset to save", err);
    if (status != SS_OK) return status;
    /* readers see the old file or the new one, never half of it */
    AtomicFile out;
    status = atomic_file_begin(&out, path, err);
    if (status != SS_OK) return status;
    hid_t file = h5util_create_temporary(out.temp);
    if (file < 0) {
        status = error_set(err, SS_ERR_RUNTIME, "%s: cannot create %s as an HDF5 file", path, out.temp);
        atomic_file_abort(&out);
        return status;
    }
    int ok = write_contents(file, ds) == 0;
    ok = H5Fclose(file) >= 0 && ok;
    if (!ok) {
        atomic_file_abort(&out);
        return error_set(err, SS_ERR_RUNTIME, "%s: writing the HDF5 file failed (disk full?)", path);
    }
    return atomic_file_commit(&out, err);
}
