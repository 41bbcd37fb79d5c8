/* h5util.h - the one internal HDF5 helper, shared by the dataset and results modules (docs/design.md
 * section 8: only those two and this helper include hdf5.h). Small checked wrappers for what both
 * files need: quiet errors, opening, UTF-8 strings as attributes and datasets, whole-array reads.
 * Functions return 1/0 (ok/failed) or NULL on failure; callers turn that into an Error naming
 * their file, since only they know what the object means. */
#ifndef SEEDSWEEP_H5UTIL_H
#define SEEDSWEEP_H5UTIL_H

#include <hdf5.h>
#include <stdint.h>

void h5util_quiet(void);                 /* no HDF5 error stack printed: every failure becomes an Error */
hid_t h5util_utf8_type(void);            /* variable-length UTF-8 string type; H5Tclose it */
/* fixed-length UTF-8 strings of size bytes, NUL-padded (h5py reads bytes 'S<size>'); H5Tclose it */
hid_t h5util_fixed_string_type(size_t size);
/* H5Fopen with HDF5's own file locking on (the default) or off (readers of a running sweep). */
hid_t h5util_open(const char *path, unsigned flags, int file_locking);

/* Strings are written as variable-length UTF-8 (h5py reads str from attributes, bytes/.asstr()
 * from datasets); NULL entries are written as "". count < 0: a scalar attribute of strings[0]. */
int h5util_write_string_attribute(hid_t obj, const char *name, char *const *strings, int64_t count);
/* A 1-D string dataset; track_times 0 keeps timestamps out of its object header. */
int h5util_write_string_dataset(hid_t where, const char *name, char *const *strings, int64_t count, int track_times);
int h5util_attr_string(hid_t obj, const char *name, const char *value);        /* scalar, variable length */
int h5util_attr_fixed_string(hid_t obj, const char *name, const char *value);  /* scalar, fixed length, NUL-terminated */
int h5util_attr_int(hid_t obj, const char *name, int64_t value);               /* scalar int64 */

/* What a file may make us allocate, checked before anything is read: a few KB of gzip can declare
 * gigabytes. Strings: at most H5UTIL_MAX_STRINGS of at most H5UTIL_MAX_STRING_BYTES each unless a
 * caller bounds them tighter (the job text, the largest string of a results file, is at most
 * 64 MiB). Chunks: at most 64 MiB (the largest image) and at most the dataset's own bytes or 1 MiB,
 * whichever is more. */
#define H5UTIL_MAX_STRINGS ((int64_t)1 << 31)
#define H5UTIL_MAX_STRING_BYTES ((size_t)64 << 20)
#define H5UTIL_MAX_CHUNK_BYTES ((uint64_t)1 << 26)
#define H5UTIL_MIN_CHUNK_BOUND ((uint64_t)1 << 20)
#define H5UTIL_MAX_OBJECTS 100000   /* objects h5util_check_file_storage visits at most */
uint64_t h5util_memory_bound(void);      /* half this machine's memory: no array read from a file is larger */

/* Is an open dataset's storage one we read? Refused (-1, with why: "is a virtual dataset ..."):
 * virtual datasets (their data lives elsewhere, a missing source reads as fill values, one that
 * names itself recurses forever), external raw files, chunks over the bounds above. 0 when fine. */
int h5util_check_storage(hid_t set, char *why, size_t why_size);
/* Does the file hold the data an open dataset declares (declared bytes)? Unfiltered: all of it;
 * deflate/shuffle/fletcher32 only: at least declared / 1100 (gzip's ceiling), so that a dataset
 * never written (read back as fill values) cannot make a small file cost gigabytes. -1 with why. */
int h5util_check_stored(hid_t set, uint64_t declared, char *why, size_t why_size);
/* H5Dopen2 and h5util_check_storage; -1 with why (may be NULL) when either fails. */
hid_t h5util_open_dataset(hid_t where, const char *name, char *why, size_t why_size);
/* Every link and dataset of a file, before anything reads one: external and user-defined links are
 * refused (HDF5 would open the file they name, a FIFO included), every dataset goes through
 * h5util_check_storage. -1 with why naming the first refused ("dataset 'images' is a virtual
 * dataset ..."), 0 when all are fine. */
int h5util_check_file_storage(hid_t file, char *why, size_t why_size);

/* Every string of an open attribute (is_attribute) or dataset, scalar or 1-D, variable or fixed
 * length (h5py and other tools write either), into a new array of *count NUL-terminated strings
 * (fixed-length ones cut at their first NUL, space padding trimmed).
 * Returns 0, -1 on a read failure, -2 when the object does not hold strings, -4 when it declares
 * more than max_count strings, one longer than max_bytes, or a storage h5util_check_storage refuses. */
int h5util_read_strings_bounded(hid_t obj, int is_attribute, int64_t max_count, size_t max_bytes, char ***out,
                                int64_t *count);
/* The same within the default bounds. */
int h5util_read_strings(hid_t obj, int is_attribute, char ***out, int64_t *count);
/* The same for a named attribute of obj; -3 when it is absent. */
int h5util_read_attribute_strings(hid_t obj, const char *name, char ***out, int64_t *count);
int h5util_read_attribute_strings_bounded(hid_t obj, const char *name, int64_t max_count, size_t max_bytes,
                                          char ***out, int64_t *count);
char *h5util_read_attr_string(hid_t obj, const char *name);   /* exactly one string, else NULL */
int64_t h5util_read_attr_int(hid_t obj, const char *name);    /* -1 when absent or unreadable */
char **h5util_read_string_dataset(hid_t where, const char *name, int64_t *count);  /* NULL on failure */
char **h5util_read_string_dataset_bounded(hid_t where, const char *name, int64_t max_count, size_t max_bytes,
                                          int64_t *count);
/* A whole dataset into a new buffer of mem_type elements; *count (may be NULL) gets how many.
 * NULL when its storage is refused (h5util_check_storage) or it is larger than the memory bound. */
void *h5util_read_array(hid_t where, const char *name, hid_t mem_type, int64_t *count);
void h5util_free_strings(char **strings, int64_t count);
/* H5Fcreate of an atomic_file temporary: HDF5's own lock off (the temporary is ours alone, and an
 * emulated flock on NFS would collide with the fcntl lock atomic_file holds on it). */
hid_t h5util_create_temporary(const char *path);

#endif
