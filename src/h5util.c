/* h5util.c - the HDF5 helper the dataset and results modules share (see h5util.h). */
#include "seedsweep/h5util.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void h5util_quiet(void) { H5Eset_auto2(H5E_DEFAULT, NULL, NULL); }

hid_t h5util_utf8_type(void) {
    hid_t type = H5Tcopy(H5T_C_S1);
    H5Tset_size(type, H5T_VARIABLE);
    H5Tset_cset(type, H5T_CSET_UTF8);
    return type;
}

hid_t h5util_fixed_string_type(size_t size) {
    hid_t type = H5Tcopy(H5T_C_S1);
    H5Tset_size(type, size);
    H5Tset_strpad(type, H5T_STR_NULLPAD);
    H5Tset_cset(type, H5T_CSET_UTF8);
    return type;
}

hid_t h5util_open(const char *path, unsigned flags, int file_locking) {
    if (file_locking) return H5Fopen(path, flags, H5P_DEFAULT);
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    H5Pset_file_locking(fapl, 0, 1);
    hid_t file = H5Fopen(path, flags, fapl);
    H5Pclose(fapl);
    return file;
}

hid_t h5util_create_temporary(const char *path) {
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    H5Pset_file_locking(fapl, 0, 1);
    hid_t file = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
    H5Pclose(fapl);
    return file;
}

void h5util_free_strings(char **strings, int64_t count) {
    if (!strings) return;
    for (int64_t i = 0; i < count; i++) free(strings[i]);
    free(strings);
}

/* ---- writing ---- */

/* strings as a scalar (count < 0) or 1-D attribute, or as a 1-D dataset created with dcpl */
static int write_strings(hid_t obj, const char *name, hid_t dcpl, int is_attribute, char *const *strings,
                         int64_t count) {
    hid_t type = h5util_utf8_type();
    hsize_t dims[1] = {(hsize_t)(count < 0 ? 1 : count)};
    hid_t space = count < 0 ? H5Screate(H5S_SCALAR) : H5Screate_simple(1, dims, NULL);
    const char *empty = "";
    const char **data = malloc(sizeof(char *) * (size_t)(dims[0] ? dims[0] : 1));
    int ok = type >= 0 && space >= 0 && data;
    if (ok)
        for (hsize_t i = 0; i < dims[0]; i++) data[i] = strings[i] ? strings[i] : empty;
    if (ok && is_attribute) {
        hid_t attr = H5Acreate2(obj, name, type, space, H5P_DEFAULT, H5P_DEFAULT);
        ok = attr >= 0 && H5Awrite(attr, type, data) >= 0;
        if (attr >= 0) H5Aclose(attr);
    } else if (ok) {
        hid_t set = H5Dcreate2(obj, name, type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
        ok = set >= 0 && H5Dwrite(set, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) >= 0;
        if (set >= 0) H5Dclose(set);
    }
    free(data);
    if (space >= 0) H5Sclose(space);
    if (type >= 0) H5Tclose(type);
    return ok;
}

int h5util_write_string_attribute(hid_t obj, const char *name, char *const *strings, int64_t count) {
    return write_strings(obj, name, H5P_DEFAULT, 1, strings, count);
}

int h5util_write_string_dataset(hid_t where, const char *name, char *const *strings, int64_t count, int track_times) {
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    if (dcpl < 0) return 0;
    if (!track_times) H5Pset_obj_track_times(dcpl, 0);
    int ok = write_strings(where, name, dcpl, 0, strings, count < 0 ? 0 : count);
    H5Pclose(dcpl);
    return ok;
}

int h5util_attr_string(hid_t obj, const char *name, const char *value) {
    char *strings[1] = {(char *)value};
    return write_strings(obj, name, H5P_DEFAULT, 1, strings, -1);
}

int h5util_attr_fixed_string(hid_t obj, const char *name, const char *value) {
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

int h5util_attr_int(hid_t obj, const char *name, int64_t value) {
    hid_t space = H5Screate(H5S_SCALAR);
    hid_t attr = H5Acreate2(obj, name, H5T_STD_I64LE, space, H5P_DEFAULT, H5P_DEFAULT);
    int ok = attr >= 0 && H5Awrite(attr, H5T_NATIVE_INT64, &value) >= 0;
    if (attr >= 0) H5Aclose(attr);
    H5Sclose(space);
    return ok;
}

/* ---- reading ---- */

static void reclaim_strings(hid_t type, hid_t space, void *buffer) {
#if H5_VERSION_GE(1, 12, 0)
    H5Treclaim(type, space, H5P_DEFAULT, buffer);
#else
    H5Dvlen_reclaim(type, space, H5P_DEFAULT, buffer);
#endif
}

int h5util_read_strings(hid_t obj, int is_attribute, char ***out, int64_t *count) {
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
        hid_t mem = h5util_utf8_type();
        char **raw = calloc((size_t)(n ? n : 1), sizeof(char *));
        herr_t rc = !raw ? -1 : is_attribute ? H5Aread(obj, mem, raw) : H5Dread(obj, mem, H5S_ALL, H5S_ALL, H5P_DEFAULT, raw);
        if (rc < 0) status = -1;
        for (hssize_t i = 0; status == 0 && i < n; i++)
            if (!(strings[i] = strdup(raw[i] ? raw[i] : ""))) status = -1;
        if (rc >= 0) reclaim_strings(mem, space, raw);
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
        h5util_free_strings(strings, n);
        return status;
    }
    *out = strings;
    *count = n;
    return 0;
}

int h5util_read_attribute_strings(hid_t obj, const char *name, char ***out, int64_t *count) {
    *out = NULL;
    *count = 0;
    htri_t exists = H5Aexists(obj, name);
    if (exists <= 0) return exists < 0 ? -1 : -3;
    hid_t attr = H5Aopen(obj, name, H5P_DEFAULT);
    if (attr < 0) return -1;
    int rc = h5util_read_strings(attr, 1, out, count);
    H5Aclose(attr);
    return rc;
}

char *h5util_read_attr_string(hid_t obj, const char *name) {
    char **strings = NULL;
    int64_t n = 0;
    if (h5util_read_attribute_strings(obj, name, &strings, &n) != 0 || n != 1) {
        h5util_free_strings(strings, n);
        return NULL;
    }
    char *value = strings[0];
    free(strings);
    return value;
}

int64_t h5util_read_attr_int(hid_t obj, const char *name) {
    int64_t value = -1;
    if (H5Aexists(obj, name) <= 0) return -1;
    hid_t attr = H5Aopen(obj, name, H5P_DEFAULT);
    if (attr >= 0) {
        if (H5Aread(attr, H5T_NATIVE_INT64, &value) < 0) value = -1;
        H5Aclose(attr);
    }
    return value;
}

char **h5util_read_string_dataset(hid_t where, const char *name, int64_t *count) {
    hid_t set = H5Dopen2(where, name, H5P_DEFAULT);
    if (set < 0) return NULL;
    char **strings = NULL;
    int64_t n = 0;
    int rc = h5util_read_strings(set, 0, &strings, &n);
    H5Dclose(set);
    if (rc != 0) return NULL;
    if (count) *count = n;
    return strings;
}

void *h5util_read_array(hid_t where, const char *name, hid_t mem_type, int64_t *count) {
    hid_t set = H5Dopen2(where, name, H5P_DEFAULT);
    if (set < 0) return NULL;
    hid_t space = H5Dget_space(set);
    hssize_t n = H5Sget_simple_extent_npoints(space);
    H5Sclose(space);
    /* the count comes from the file: never allocate more than half the machine's memory for it */
    long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    double bound = pages > 0 && page > 0 ? (double)pages * (double)page / 2 : 1e12;
    if (n >= 0 && (double)n * (double)H5Tget_size(mem_type) > bound) n = -1;
    void *data = n >= 0 ? calloc((size_t)(n ? n : 1), H5Tget_size(mem_type)) : NULL;
    if (data && H5Dread(set, mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0) {
        free(data);
        data = NULL;
    }
    H5Dclose(set);
    if (count) *count = n;
    return data;
}
