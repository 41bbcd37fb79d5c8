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

/* Every string of an open attribute (is_attribute) or dataset, scalar or 1-D, variable or fixed
 * length (h5py and other tools write either), into a new array of *count strings.
 * Returns 0, -1 on a read failure, -2 when the object does not hold strings. */
int h5util_read_strings(hid_t obj, int is_attribute, char ***out, int64_t *count);
/* The same for a named attribute of obj; -3 when it is absent. */
int h5util_read_attribute_strings(hid_t obj, const char *name, char ***out, int64_t *count);
char *h5util_read_attr_string(hid_t obj, const char *name);   /* exactly one string, else NULL */
int64_t h5util_read_attr_int(hid_t obj, const char *name);    /* -1 when absent or unreadable */
char **h5util_read_string_dataset(hid_t where, const char *name, int64_t *count);  /* NULL on failure */
/* A whole dataset into a new buffer of mem_type elements; *count (may be NULL) gets how many. */
void *h5util_read_array(hid_t where, const char *name, hid_t mem_type, int64_t *count);
void h5util_free_strings(char **strings, int64_t count);
/* H5Fcreate of an atomic_file temporary: HDF5's own lock off (the temporary is ours alone, and an
 * emulated flock on NFS would collide with the fcntl lock atomic_file holds on it). */
hid_t h5util_create_temporary(const char *path);

#endif
