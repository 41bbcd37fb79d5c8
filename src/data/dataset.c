/* dataset.c - the dataset HDF5 file (DESIGN.md section 6): write atomically, read whole and validated.
 * The only data file that includes hdf5.h. HDF5's own error printing is silenced; every failure
 * becomes an Error naming the file. A file we cannot read is bad input (SS_ERR_INPUT). */
#include "seedsweep/dataset.h"

#include <errno.h>
#include <fcntl.h>
#include <hdf5.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void hdf5_quiet(void) { H5Eset_auto2(H5E_DEFAULT, NULL, NULL); }

static void free_strings(char **strings, int64_t count) {
    if (!strings) return;
    for (int64_t i = 0; i < count; i++) free(strings[i]);
    free(strings);
}

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
    if (ds->class_count < 1 || ds->class_count > 256)
        return error_set(err, SS_ERR_INPUT, "%s: %d class names (expected 1-256)", what, ds->class_count);
    for (int k = 0; k < ds->class_count; k++)
        if (!ds->class_names || !ds->class_names[k] || !ds->class_names[k][0])
            return error_set(err, SS_ERR_INPUT, "%s: class name %d is empty", what, k);
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

/* ---- strings: written as variable-length UTF-8 (h5py reads str from attributes, bytes/.asstr() from
 *      datasets); read back whether variable or fixed length, as h5py or other tools may write either. */

static hid_t utf8_vlen_type(void) {
    hid_t type = H5Tcopy(H5T_C_S1);
    H5Tset_size(type, H5T_VARIABLE);
    H5Tset_cset(type, H5T_CSET_UTF8);
    return type;
}

/* Write strings as a scalar (count < 0) or 1-D (count >= 0) attribute or dataset of obj. */
static int write_strings(hid_t obj, const char *name, int is_attribute, char *const *strings, int64_t count) {
    hid_t type = utf8_vlen_type();
    hsize_t dims[1] = {(hsize_t)(count < 0 ? 1 : count)};
    hid_t space = count < 0 ? H5Screate(H5S_SCALAR) : H5Screate_simple(1, dims, NULL);
    const char *empty = "";
    const char **data = malloc(sizeof(char *) * (size_t)dims[0]);
    int ok = type >= 0 && space >= 0 && data;
    if (ok)
        for (hsize_t i = 0; i < dims[0]; i++) data[i] = strings[i] ? strings[i] : empty;
    if (ok && is_attribute) {
        hid_t attr = H5Acreate2(obj, name, type, space, H5P_DEFAULT, H5P_DEFAULT);
        ok = attr >= 0 && H5Awrite(attr, type, data) >= 0;
        if (attr >= 0) H5Aclose(attr);
    } else if (ok) {
        hid_t set = H5Dcreate2(obj, name, type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
        ok = set >= 0 && H5Dwrite(set, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) >= 0;
        if (set >= 0) H5Dclose(set);
    }
    free(data);
    if (space >= 0) H5Sclose(space);
    if (type >= 0) H5Tclose(type);
    return ok ? 0 : -1;
}

/* Read every string of an attribute or dataset (scalar or 1-D) into a new array; *count gets how many.
 * Returns 0, -1 on a read failure, -2 when the object does not hold strings. */
static int read_strings(hid_t obj, int is_attribute, char ***out, int64_t *count) {
    *out = NULL;
    *count = 0;
    hid_t file_type = is_attribute ? H5Aget_type(obj) : H5Dget_type(obj);
    hid_t space = is_attribute ? H5Aget_space(obj) : H5Dget_space(obj);
    if (file_type < 0 || space < 0) {
        if (file_type >= 0) H5Tclose(file_type);
        if (space >= 0) H5Sclose(space);
        return -1;
    }
    int status = 0;
    int rank = H5Sget_simple_extent_ndims(space);
    if (H5Tget_class(file_type) != H5T_STRING || rank > 1 || rank < 0) status = -2;
    hssize_t n = status == 0 ? H5Sget_simple_extent_npoints(space) : 0;
    char **strings = status == 0 ? calloc((size_t)(n ? n : 1), sizeof(char *)) : NULL;
    if (status == 0 && !strings) status = -1;
    if (status == 0 && H5Tis_variable_str(file_type) > 0) {
        hid_t mem = utf8_vlen_type();
        char **raw = calloc((size_t)(n ? n : 1), sizeof(char *));
        herr_t rc = !raw ? -1 : is_attribute ? H5Aread(obj, mem, raw) : H5Dread(obj, mem, H5S_ALL, H5S_ALL, H5P_DEFAULT, raw);
        if (rc < 0) status = -1;
        for (hssize_t i = 0; status == 0 && i < n; i++)
            if (!(strings[i] = strdup(raw[i] ? raw[i] : ""))) status = -1;
        if (rc >= 0) {
#if H5_VERSION_GE(1, 12, 0)
            H5Treclaim(mem, space, H5P_DEFAULT, raw);
#else
            H5Dvlen_reclaim(mem, space, H5P_DEFAULT, raw);
#endif
        }
        free(raw);
        H5Tclose(mem);
    } else if (status == 0) {
        size_t size = H5Tget_size(file_type);
        hid_t mem = H5Tcopy(file_type);
        char *raw = calloc((size_t)(n ? n : 1), size + 1);
        herr_t rc = !raw ? -1 : is_attribute ? H5Aread(obj, mem, raw) : H5Dread(obj, mem, H5S_ALL, H5S_ALL, H5P_DEFAULT, raw);
        if (rc < 0) status = -1;
        for (hssize_t i = 0; status == 0 && i < n; i++) {
            if (!(strings[i] = calloc(size + 1, 1))) status = -1;
            else memcpy(strings[i], raw + (size_t)i * size, size);  /* nul- or space-padded: trim below */
            if (status == 0) {
                size_t len = strlen(strings[i]);
                while (len > 0 && strings[i][len - 1] == ' ' && H5Tget_strpad(file_type) == H5T_STR_SPACEPAD) strings[i][--len] = 0;
            }
        }
        free(raw);
        H5Tclose(mem);
    }
    H5Tclose(file_type);
    H5Sclose(space);
    if (status != 0) {
        free_strings(strings, n);
        return status;
    }
    *out = strings;
    *count = n;
    return 0;
}

/* A root attribute's strings; -3 when the attribute is absent. */
static int read_root_attribute(hid_t file, const char *name, char ***out, int64_t *count) {
    *out = NULL;
    *count = 0;
    htri_t exists = H5Aexists(file, name);
    if (exists <= 0) return exists < 0 ? -1 : -3;
    hid_t attr = H5Aopen(file, name, H5P_DEFAULT);
    if (attr < 0) return -1;
    int rc = read_strings(attr, 1, out, count);
    H5Aclose(attr);
    return rc;
}

/* Opens path read-only with clear errors for a missing, non-HDF5 or truncated file. */
static hid_t open_for_reading(const char *path, Error *err) {
    hdf5_quiet();
    if (access(path, R_OK) != 0) {
        error_set(err, SS_ERR_INPUT, "%s: cannot open: %s", path, strerror(errno));
        return -1;
    }
    htri_t is_hdf5 = H5Fis_hdf5(path);
    if (is_hdf5 <= 0) {
        error_set(err, SS_ERR_INPUT, "%s: not an HDF5 file (wrong format or truncated)", path);
        return -1;
    }
    hid_t file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (file < 0) error_set(err, SS_ERR_INPUT, "%s: cannot open as HDF5 (truncated or corrupt?)", path);
    return file;
}

int hdf5_file_format(const char *path, char *format, size_t size, Error *err) {
    hid_t file = open_for_reading(path, err);
    if (file < 0) return err->code;
    char **strings = NULL;
    int64_t n = 0;
    int rc = read_root_attribute(file, "format", &strings, &n);
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

/* Reads a whole integer dataset of the expected rank as uint8; dims filled. Refuses non-uint8 data
 * rather than converting, since a silent clip of wider pixels would corrupt the images. */
static int read_uint8_dataset(hid_t file, const char *path, const char *name, int rank, hsize_t *dims,
                              uint8_t **out, Error *err) {
    *out = NULL;
    if (H5Lexists(file, name, H5P_DEFAULT) <= 0)
        return error_set(err, SS_ERR_INPUT, "%s: no dataset '%s'", path, name);
    hid_t set = H5Dopen2(file, name, H5P_DEFAULT);
    if (set < 0) return error_set(err, SS_ERR_INPUT, "%s: cannot open dataset '%s' (corrupt file?)", path, name);
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
        size_t total = 1;
        for (int d = 0; d < rank; d++) total *= (size_t)dims[d];
        *out = ss_calloc(total, 1, err);
        if (!*out) status = SS_ERR_RUNTIME;
        else if (total > 0 && H5Dread(set, H5T_NATIVE_UINT8, H5S_ALL, H5S_ALL, H5P_DEFAULT, *out) < 0)
            status = error_set(err, SS_ERR_INPUT, "%s: reading '%s' failed (file truncated or corrupt?)", path, name);
        if (status != SS_OK) {
            free(*out);
            *out = NULL;
        }
    }
    if (type >= 0) H5Tclose(type);
    if (space >= 0) H5Sclose(space);
    H5Dclose(set);
    return status;
}

int dataset_load(const char *path, Dataset *ds, Error *err) {
    memset(ds, 0, sizeof *ds);
    hid_t file = open_for_reading(path, err);
    if (file < 0) return err->code;
    char **strings = NULL;
    int64_t n = 0;
    int status = SS_OK;
    int rc = read_root_attribute(file, "format", &strings, &n);
    if (rc == -3) status = error_set(err, SS_ERR_INPUT, "%s: no 'format' attribute (expected \"%s\")", path, DATASET_FORMAT);
    else if (rc != 0 || n != 1) status = error_set(err, SS_ERR_INPUT, "%s: cannot read the 'format' attribute", path);
    else if (strcmp(strings[0], DATASET_FORMAT) != 0)
        status = error_set(err, SS_ERR_INPUT, "%s: format is \"%s\", expected \"%s\"", path, strings[0], DATASET_FORMAT);
    free_strings(strings, n);

    if (status == SS_OK) {
        rc = read_root_attribute(file, "class_names", &ds->class_names, &n);
        if (rc == -3) status = error_set(err, SS_ERR_INPUT, "%s: no 'class_names' attribute", path);
        else if (rc != 0) status = error_set(err, SS_ERR_INPUT, "%s: 'class_names' must be an array of strings", path);
        else if (n < 1 || n > 256) status = error_set(err, SS_ERR_INPUT, "%s: %lld class names (expected 1-256)", path, (long long)n);
        ds->class_count = (int)n;
    }
    if (status == SS_OK) {
        rc = read_root_attribute(file, "source", &strings, &n);
        if (rc == 0 && n >= 1) ds->source = strdup(strings[0]);
        else if (rc == -3) ds->source = strdup("");
        else status = error_set(err, SS_ERR_INPUT, "%s: 'source' attribute must be a string", path);
        free_strings(strings, n);
        if (status == SS_OK && !ds->source) status = error_set(err, SS_ERR_RUNTIME, "out of memory");
    }
    hsize_t image_dims[4] = {0}, label_dims[1] = {0};
    if (status == SS_OK) status = read_uint8_dataset(file, path, "images", 4, image_dims, &ds->images, err);
    if (status == SS_OK) status = read_uint8_dataset(file, path, "labels", 1, label_dims, &ds->labels, err);
    if (status == SS_OK && label_dims[0] != image_dims[0])
        status = error_set(err, SS_ERR_INPUT, "%s: %llu labels for %llu images", path,
                           (unsigned long long)label_dims[0], (unsigned long long)image_dims[0]);
    if (status == SS_OK) {
        ds->count = (int64_t)image_dims[0];
        ds->height = (int)image_dims[1];
        ds->width = (int)image_dims[2];
        ds->channels = (int)image_dims[3];
    }
    if (status == SS_OK && H5Lexists(file, "names", H5P_DEFAULT) > 0) {
        hid_t set = H5Dopen2(file, "names", H5P_DEFAULT);
        rc = set < 0 ? -1 : read_strings(set, 0, &ds->names, &n);
        if (set >= 0) H5Dclose(set);
        if (rc != 0) status = error_set(err, SS_ERR_INPUT, "%s: 'names' must be a 1-D array of strings", path);
        else if (n != ds->count) {
            free_strings(ds->names, n);
            ds->names = NULL;
            status = error_set(err, SS_ERR_INPUT, "%s: %lld names for %lld images", path, (long long)n, (long long)ds->count);
        }
    }
    H5Fclose(file);
    if (status == SS_OK) status = dataset_validate(ds, path, err);
    if (status != SS_OK) dataset_free(ds);
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

    if (ok && ds->names) ok = write_strings(file, "names", 0, ds->names, ds->count) == 0;
    char *format = DATASET_FORMAT;
    char *source = ds->source ? ds->source : "";
    if (ok) ok = write_strings(file, "format", 1, &format, -1) == 0;
    if (ok) ok = write_strings(file, "class_names", 1, ds->class_names, ds->class_count) == 0;
    if (ok) ok = write_strings(file, "source", 1, &source, -1) == 0;
    return ok ? 0 : -1;
}

int dataset_save(const char *path, const Dataset *ds, Error *err) {
    hdf5_quiet();
    int status = dataset_validate(ds, "dataset to save", err);
    if (status != SS_OK) return status;
    /* Temp file beside the target, so rename() is atomic: readers see the old file or the new one. */
    size_t len = strlen(path) + 64;
    char *temp = malloc(len), *copy = strdup(path);
    if (!temp || !copy) {
        free(temp);
        free(copy);
        return error_set(err, SS_ERR_RUNTIME, "out of memory");
    }
    char *slash = strrchr(copy, '/');
    if (slash) {
        *slash = 0;
        snprintf(temp, len, "%s/.%s.tmp.%ld", copy, slash + 1, (long)getpid());
    } else {
        snprintf(temp, len, ".%s.tmp.%ld", copy, (long)getpid());
    }
    free(copy);
    hid_t file = H5Fcreate(temp, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    if (file < 0) {
        status = error_set(err, SS_ERR_RUNTIME, "%s: cannot create %s (does the directory exist and is it writable?)", path, temp);
        free(temp);
        return status;
    }
    int ok = write_contents(file, ds) == 0;
    ok = H5Fclose(file) >= 0 && ok;
    if (ok) {
        int fd = open(temp, O_RDONLY);
        if (fd >= 0) {
            fsync(fd);  /* data on disk before the rename makes it visible */
            close(fd);
        }
    }
    if (!ok) status = error_set(err, SS_ERR_RUNTIME, "%s: writing the HDF5 file failed (disk full?)", path);
    else if (rename(temp, path) != 0)
        status = error_set(err, SS_ERR_RUNTIME, "%s: cannot rename %s into place: %s", path, temp, strerror(errno));
    if (status != SS_OK) unlink(temp);
    free(temp);
    return status;
}
