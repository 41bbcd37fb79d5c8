/* results_scales.c - dimension scales by hand (the HDF5 "DS" convention that h5py, netCDF-4 and
 * h5netcdf read, so xarray names every array's dimensions): the Makefile links libhdf5 only, not
 * the high-level library that holds H5DS*. Used by results_create_file (results_layout.c). */
#include "results_layout.h"

#include <stdio.h>
#include <string.h>

static int scale_index(ScaleSet *set, const char *name) {
    for (int i = 0; i < set->count; i++)
        if (!strcmp(set->scales[i].name, name)) return i;
    return -1;
}

/* Records that variable (a path) uses the named scales as its dimensions; writes DIMENSION_LIST. */
int results_scale_attach(ScaleSet *set, const char *variable, int rank, const char *const *dims) {
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
int results_scale_make(ScaleSet *set, hid_t ds, const char *path) {
    Scale *scale = &set->scales[set->count++];
    const char *base = strrchr(path, '/');
    snprintf(scale->name, sizeof scale->name, "%s", base ? base + 1 : path);
    scale->count = 0;
    if (H5Rcreate(&scale->ref, set->file, path, H5R_OBJECT, -1) < 0) return 0;
    return h5util_attr_fixed_string(ds, "CLASS", "DIMENSION_SCALE") && h5util_attr_fixed_string(ds, "NAME", scale->name);
}

/* Writes each scale's REFERENCE_LIST (which variables use it, as which dimension). */
int results_scales_finish(ScaleSet *set) {
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
