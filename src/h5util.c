/* h5util.c - the HDF5 helper the dataset and results modules share (see h5util.h). */
#include "seedsweep/h5util.h"
#include "seedsweep/file_lock.h"
#include "seedsweep/hdf5_version.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void h5util_quiet(void) { H5Eset_auto2(H5E_DEFAULT, NULL, NULL); }

void h5util_library_version(char *out, size_t size) {
    unsigned major = 0, minor = 0, release = 0;
    H5get_libversion(&major, &minor, &release);
    snprintf(out, size, "%u.%u.%u (built against %d.%d.%d)", major, minor, release, H5_VERS_MAJOR, H5_VERS_MINOR,
             H5_VERS_RELEASE);
}

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
    if (file_locking && file_locking_enabled()) return H5Fopen(path, flags, H5P_DEFAULT);
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

/* ---- what a file may make us allocate ---- */

uint64_t h5util_memory_bound(void) {
    long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    if (pages <= 0 || page <= 0) return (uint64_t)1 << 40;
    return (uint64_t)pages * (uint64_t)page / 2;
}

/* Elements a dataspace holds, or -1 when its rank or extent is not one we read (or overflows). */
static int64_t extent_points(hid_t space, uint64_t *product_of_dims) {
    int rank = H5Sget_simple_extent_ndims(space);
    if (rank < 0 || rank > H5S_MAX_RANK) return -1;
    hsize_t dims[H5S_MAX_RANK];
    if (rank > 0 && H5Sget_simple_extent_dims(space, dims, NULL) < 0) return -1;
    uint64_t n = 1;
    for (int d = 0; d < rank; d++) {
        if (dims[d] && n > UINT64_MAX / dims[d]) return -1;
        n *= dims[d];
    }
    if (n > (uint64_t)INT64_MAX) return -1;
    if (product_of_dims) *product_of_dims = n;
    return (int64_t)n;
}

int h5util_check_storage(hid_t set, char *why, size_t why_size) {
    hid_t dcpl = H5Dget_create_plist(set);
    if (dcpl < 0) {
        snprintf(why, why_size, "its storage properties cannot be read");
        return -1;
    }
    int status = 0;
    H5D_layout_t layout = H5Pget_layout(dcpl);
    int externals = H5Pget_external_count(dcpl);
    if (layout == H5D_VIRTUAL) {
        snprintf(why, why_size, "is a virtual dataset (its data lives in other files or datasets); only data stored "
                 "in the file itself is read");
        status = -1;
    } else if (externals != 0) {
        char first[256] = "";
        off_t offset = 0;
        hsize_t bytes = 0;
        if (externals > 0) H5Pget_external(dcpl, 0, sizeof first, first, &offset, &bytes);
        first[sizeof first - 1] = 0;
        snprintf(why, why_size, "is stored in %d external file%s (first: '%.200s'); only data stored in the file "
                 "itself is read", externals, externals == 1 ? "" : "s", first);
        status = -1;
    } else if (layout < 0) {
        snprintf(why, why_size, "its storage layout cannot be read");
        status = -1;
    } else if (layout == H5D_CHUNKED) {
        hsize_t chunk[H5S_MAX_RANK];
        int rank = H5Pget_chunk(dcpl, H5S_MAX_RANK, chunk);
        hid_t type = H5Dget_type(set), space = H5Dget_space(set);
        size_t element = type >= 0 ? H5Tget_size(type) : 0;
        uint64_t points = 0, chunk_bytes = element;
        int bad = rank < 1 || element == 0 || space < 0;
        if (!bad && extent_points(space, &points) < 0) points = UINT64_MAX / element;   /* refused by its reader */
        for (int d = 0; !bad && d < rank; d++) {
            if (chunk[d] == 0 || chunk_bytes > UINT64_MAX / chunk[d]) bad = 1;
            else chunk_bytes *= chunk[d];
        }
        /* a chunk is decompressed whole: never larger than the biggest image, nor much larger than
         * the dataset itself (HDF5 allows chunks beyond the extent of a resizable dataset) */
        uint64_t data_bytes = points * element, bound = data_bytes > H5UTIL_MIN_CHUNK_BOUND ? data_bytes
                                                                                           : H5UTIL_MIN_CHUNK_BOUND;
        if (bound > H5UTIL_MAX_CHUNK_BYTES) bound = H5UTIL_MAX_CHUNK_BYTES;
        if (bad) {
            snprintf(why, why_size, "its chunk shape cannot be read");
            status = -1;
        } else if (chunk_bytes > bound) {
            snprintf(why, why_size, "declares chunks of %llu bytes for %llu bytes of data (at most %llu per chunk)",
                     (unsigned long long)chunk_bytes, (unsigned long long)data_bytes, (unsigned long long)bound);
            status = -1;
        }
        if (type >= 0) H5Tclose(type);
        if (space >= 0) H5Sclose(space);
    }
    H5Pclose(dcpl);
    return status;
}

/* Filters whose output is bounded: deflate expands at most 1032:1, shuffle and fletcher32 not at all. */
static int deflate_bounded(hid_t dcpl) {
    int filters = H5Pget_nfilters(dcpl);
    for (int i = 0; i < filters; i++) {
        unsigned flags = 0, config = 0;
        size_t cd_count = 0;
        H5Z_filter_t id = H5Pget_filter2(dcpl, (unsigned)i, &flags, &cd_count, NULL, 0, NULL, &config);
        if (id != H5Z_FILTER_DEFLATE && id != H5Z_FILTER_SHUFFLE && id != H5Z_FILTER_FLETCHER32) return 0;
    }
    return filters >= 0;
}

int h5util_check_stored(hid_t set, uint64_t declared, char *why, size_t why_size) {
    hid_t dcpl = H5Dget_create_plist(set);
    if (dcpl < 0) {
        snprintf(why, why_size, "its storage properties cannot be read");
        return -1;
    }
    int filtered = H5Pget_nfilters(dcpl) > 0, bounded = deflate_bounded(dcpl);
    H5Pclose(dcpl);
    uint64_t stored = H5Dget_storage_size(set);
    /* with filters of unbounded ratio (szip, scale-offset) only data that is missing entirely is caught */
    double most = !filtered ? (double)stored : bounded ? (double)stored * 1100.0 + 65536.0 : stored ? INFINITY : 0;
    if ((double)declared <= most) return 0;
    snprintf(why, why_size, "declares %llu bytes but the file stores %llu bytes of them%s (never written, or "
             "truncated)", (unsigned long long)declared, (unsigned long long)stored,
             filtered ? ", more than gzip can hold" : "");
    return -1;
}

hid_t h5util_open_dataset(hid_t where, const char *name, char *why, size_t why_size) {
    char ignored[128];
    if (!why) {
        why = ignored;
        why_size = sizeof ignored;
    }
    why[0] = 0;
    hid_t set = H5Dopen2(where, name, H5P_DEFAULT);
    if (set < 0) {
        snprintf(why, why_size, "cannot be opened as a dataset");
        return -1;
    }
    if (h5util_check_storage(set, why, why_size) != 0) {
        H5Dclose(set);
        return -1;
    }
    return set;
}

typedef struct StorageVisit {
    char *why;
    size_t why_size;
    long visited;
} StorageVisit;

static herr_t visit_storage(hid_t root, const char *name, const H5O_info_t *info, void *data) {
    StorageVisit *visit = data;
    if (++visit->visited > H5UTIL_MAX_OBJECTS) {
        snprintf(visit->why, visit->why_size, "holds more than %d objects", H5UTIL_MAX_OBJECTS);
        return 1;
    }
    if (info->type != H5O_TYPE_DATASET) return 0;
    char reason[400];
    hid_t set = h5util_open_dataset(root, name, reason, sizeof reason);
    if (set >= 0) {
        H5Dclose(set);
        return 0;
    }
    snprintf(visit->why, visit->why_size, "dataset '%.200s' %s", name, reason);
    return 1;
}

/* Links that lead out of the file (external, user-defined): HDF5 would open whatever they name, a
 * FIFO included (and wait on it forever), before any check of ours. Soft links stay inside. */
static herr_t visit_link(hid_t group, const char *name, const H5L_info_t *info, void *data) {
    (void)group;
    StorageVisit *visit = data;
    if (++visit->visited > H5UTIL_MAX_OBJECTS) {
        snprintf(visit->why, visit->why_size, "holds more than %d links", H5UTIL_MAX_OBJECTS);
        return 1;
    }
    if (info->type == H5L_TYPE_HARD || info->type == H5L_TYPE_SOFT) return 0;
    snprintf(visit->why, visit->why_size, "'%.200s' is %s link (to another file); only objects stored in the file "
             "itself are read", name, info->type == H5L_TYPE_EXTERNAL ? "an external" : "a user-defined");
    return 1;
}

int h5util_check_file_storage(hid_t file, char *why, size_t why_size) {
    StorageVisit visit = {why, why_size, 0};
    why[0] = 0;
    herr_t rc = H5Lvisit(file, H5_INDEX_NAME, H5_ITER_NATIVE, visit_link, &visit);
    if (rc < 0 && !why[0]) snprintf(why, why_size, "its links cannot be listed (corrupt file?)");
    if (why[0]) return -1;
    visit.visited = 0;
    rc = H5Ovisit2(file, H5_INDEX_NAME, H5_ITER_NATIVE, visit_storage, &visit, H5O_INFO_BASIC);
    if (rc < 0 && !why[0]) snprintf(why, why_size, "its objects cannot be listed (corrupt file?)");
    return why[0] ? -1 : 0;
}

/* Variable-length strings come through this allocator: none longer than the caller's bound, and
 * all of them together within the memory bound, refused before HDF5 copies a byte into them. */
typedef struct StringBudget {
    size_t max_bytes;    /* one string, its terminator included */
    uint64_t left;       /* all strings together */
    int exceeded;
} StringBudget;

static void *budget_alloc(size_t size, void *info) {
    StringBudget *budget = info;
    if (size > budget->max_bytes || size > budget->left) {
        budget->exceeded = 1;
        return NULL;
    }
    budget->left -= size;
    return malloc(size ? size : 1);
}

static void budget_free(void *memory, void *info) {
    (void)info;
    free(memory);
}

/* Rows [first, first + rows) of a 1-D (or scalar, rows 1) dataset or an attribute into buffer. */
static herr_t read_rows(hid_t obj, int is_attribute, hid_t mem, hid_t dxpl, int rank, hsize_t first, hsize_t rows,
                        void *buffer) {
    if (is_attribute) return H5Aread(obj, mem, buffer);
    if (rank == 0) return H5Dread(obj, mem, H5S_ALL, H5S_ALL, dxpl, buffer);
    hid_t file_space = H5Dget_space(obj), mem_space = H5Screate_simple(1, &rows, NULL);
    herr_t rc = file_space < 0 || mem_space < 0 ? -1
                : H5Sselect_hyperslab(file_space, H5S_SELECT_SET, &first, NULL, &rows, NULL);
    if (rc >= 0) rc = H5Dread(obj, mem, mem_space, file_space, dxpl, buffer);
    if (file_space >= 0) H5Sclose(file_space);
    if (mem_space >= 0) H5Sclose(mem_space);
    return rc;
}

/* Variable-length strings of a dataset: block by block through the budget allocator, each string
 * kept as allocated there (malloc); of an attribute (H5Aread takes no transfer list; attributes are
 * stored uncompressed, so their strings are as long as the file): copied, HDF5's freed. */
static int read_variable_strings(hid_t obj, int is_attribute, hid_t space, int rank, int64_t n, size_t max_bytes,
                                 char **strings) {
    StringBudget budget = {max_bytes + 1, h5util_memory_bound(), 0};
    hid_t mem = h5util_utf8_type(), dxpl = is_attribute ? H5P_DEFAULT : H5Pcreate(H5P_DATASET_XFER);
    int status = mem < 0 || dxpl < 0 ? -1 : 0;
    if (status == 0 && !is_attribute && H5Pset_vlen_mem_manager(dxpl, budget_alloc, &budget, budget_free, &budget) < 0)
        status = -1;
    if (status == 0 && is_attribute) {
        char **raw = calloc((size_t)(n ? n : 1), sizeof(char *));
        herr_t rc = raw ? H5Aread(obj, mem, raw) : -1;
        if (rc < 0) status = -1;
        for (int64_t i = 0; status == 0 && i < n; i++)
            if (raw[i] && strlen(raw[i]) > max_bytes) status = -4;
            else if (!(strings[i] = strdup(raw[i] ? raw[i] : ""))) status = -1;
        if (rc >= 0) reclaim_strings(mem, space, raw);
        free(raw);
    }
    const int64_t block = rank == 0 ? n : 4096;
    for (int64_t first = 0; status == 0 && !is_attribute && first < n; first += block) {
        int64_t rows = n - first < block ? n - first : block;
        if (read_rows(obj, 0, mem, dxpl, rank, (hsize_t)first, (hsize_t)rows, strings + first) < 0)
            status = budget.exceeded ? -4 : -1;
    }
    for (int64_t i = 0; status == 0 && i < n; i++)
        if (!strings[i] && !(strings[i] = strdup(""))) status = -1;
    if (dxpl >= 0 && dxpl != H5P_DEFAULT) H5Pclose(dxpl);
    if (mem >= 0) H5Tclose(mem);
    return status;
}

/* Fixed-length strings: size bytes each (checked by the caller), read in blocks of about 1 MB and
 * kept trimmed, so that what stays allocated is what the strings hold. */
static int read_fixed_strings(hid_t obj, int is_attribute, hid_t file_type, int rank, int64_t n, char **strings) {
    size_t size = H5Tget_size(file_type);
    int64_t block = is_attribute || rank == 0 ? n : (int64_t)(((size_t)1 << 20) / size + 1);
    if (block > n) block = n;
    hid_t mem = H5Tcopy(file_type);
    char *raw = mem >= 0 ? calloc((size_t)(block ? block : 1), size) : NULL;
    int status = raw ? 0 : -1;
    int space_padded = H5Tget_strpad(file_type) == H5T_STR_SPACEPAD;
    for (int64_t first = 0; status == 0 && first < n; first += block) {
        int64_t rows = n - first < block ? n - first : block;
        if (read_rows(obj, is_attribute, mem, H5P_DEFAULT, rank, (hsize_t)first, (hsize_t)rows, raw) < 0) status = -1;
        for (int64_t i = 0; status == 0 && i < rows; i++) {
            const char *text = raw + (size_t)i * size;
            size_t len = strnlen(text, size);   /* NUL-padded, NUL-terminated, or filling all size bytes */
            while (len > 0 && space_padded && text[len - 1] == ' ') len--;
            if (!(strings[first + i] = strndup(text, len))) status = -1;
        }
    }
    free(raw);
    if (mem >= 0) H5Tclose(mem);
    return status;
}

int h5util_read_strings_bounded(hid_t obj, int is_attribute, int64_t max_count, size_t max_bytes, char ***out,
                                int64_t *count) {
    *out = NULL;
    *count = 0;
    hid_t file_type = is_attribute ? H5Aget_type(obj) : H5Dget_type(obj);
    hid_t space = is_attribute ? H5Aget_space(obj) : H5Dget_space(obj);
    int status = file_type < 0 || space < 0 ? -1 : 0;
    int rank = status == 0 ? H5Sget_simple_extent_ndims(space) : -1;
    if (status == 0 && (H5Tget_class(file_type) != H5T_STRING || rank > 1 || rank < 0)) status = -2;
    int64_t n = status == 0 ? extent_points(space, NULL) : 0;
    if (status == 0 && n < 0) status = -2;
    int variable = status == 0 ? H5Tis_variable_str(file_type) > 0 : 0;
    /* declared sizes believed only within the caller's bounds, before anything is allocated */
    if (status == 0 && (n > max_count || (!variable && H5Tget_size(file_type) > max_bytes) ||
                        (!variable && H5Tget_size(file_type) == 0) ||
                        (double)n * (double)(variable ? sizeof(char *) : H5Tget_size(file_type)) >
                            (double)h5util_memory_bound()))
        status = -4;
    if (status == 0 && !is_attribute) {
        char why[512];
        if (h5util_check_storage(obj, why, sizeof why) != 0) status = -4;
    }
    char **strings = status == 0 ? calloc((size_t)(n ? n : 1), sizeof(char *)) : NULL;
    if (status == 0 && !strings) status = -1;
    if (status == 0)
        status = variable ? read_variable_strings(obj, is_attribute, space, rank, n, max_bytes, strings)
                          : read_fixed_strings(obj, is_attribute, file_type, rank, n, strings);
    if (file_type >= 0) H5Tclose(file_type);
    if (space >= 0) H5Sclose(space);
    if (status != 0) {
        h5util_free_strings(strings, n);
        return status;
    }
    *out = strings;
    *count = n;
    return 0;
}

int h5util_read_strings(hid_t obj, int is_attribute, char ***out, int64_t *count) {
    return h5util_read_strings_bounded(obj, is_attribute, H5UTIL_MAX_STRINGS, H5UTIL_MAX_STRING_BYTES, out, count);
}

int h5util_read_attribute_strings(hid_t obj, const char *name, char ***out, int64_t *count) {
    return h5util_read_attribute_strings_bounded(obj, name, H5UTIL_MAX_STRINGS, H5UTIL_MAX_STRING_BYTES, out, count);
}

int h5util_read_attribute_strings_bounded(hid_t obj, const char *name, int64_t max_count, size_t max_bytes,
                                          char ***out, int64_t *count) {
    *out = NULL;
    *count = 0;
    htri_t exists = H5Aexists(obj, name);
    if (exists <= 0) return exists < 0 ? -1 : -3;
    hid_t attr = H5Aopen(obj, name, H5P_DEFAULT);
    if (attr < 0) return -1;
    int rc = h5util_read_strings_bounded(attr, 1, max_count, max_bytes, out, count);
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
    return h5util_read_string_dataset_bounded(where, name, H5UTIL_MAX_STRINGS, H5UTIL_MAX_STRING_BYTES, count);
}

char **h5util_read_string_dataset_bounded(hid_t where, const char *name, int64_t max_count, size_t max_bytes,
                                          int64_t *count) {
    hid_t set = H5Dopen2(where, name, H5P_DEFAULT);
    if (set < 0) return NULL;
    char **strings = NULL;
    int64_t n = 0;
    int rc = h5util_read_strings_bounded(set, 0, max_count, max_bytes, &strings, &n);
    H5Dclose(set);
    if (rc != 0) return NULL;
    if (count) *count = n;
    return strings;
}

void *h5util_read_array(hid_t where, const char *name, hid_t mem_type, int64_t *count) {
    if (count) *count = 0;
    hid_t set = h5util_open_dataset(where, name, NULL, 0);   /* refuses virtual, external, huge chunks */
    if (set < 0) return NULL;
    hid_t space = H5Dget_space(set);
    int64_t n = space >= 0 ? extent_points(space, NULL) : -1;
    if (space >= 0) H5Sclose(space);
    /* the count comes from the file: never allocate more than half the machine's memory for it */
    if (n >= 0 && (double)n * (double)H5Tget_size(mem_type) > (double)h5util_memory_bound()) n = -1;
    void *data = n >= 0 ? calloc((size_t)(n ? n : 1), H5Tget_size(mem_type)) : NULL;
    if (data && H5Dread(set, mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0) {
        free(data);
        data = NULL;
    }
    H5Dclose(set);
    if (count && data) *count = n;
    return data;
}
