/* dataset.h - the in-memory dataset and its HDF5 file (DESIGN.md section 6).
 * Only src/data/dataset.c touches hdf5.h; everyone else sees this plain struct. */
#ifndef SEEDSWEEP_DATASET_H
#define SEEDSWEEP_DATASET_H

#include "seedsweep/common.h"

#define DATASET_FORMAT "seedsweep-dataset/1"

typedef struct Dataset {
    int64_t count;          /* N images */
    int height, width, channels;
    uint8_t *images;        /* N*H*W*C, NHWC, one contiguous block */
    uint8_t *labels;        /* N, each < class_count */
    int class_count;
    char **class_names;     /* class_count strings, index = label */
    char **names;           /* N source names, or NULL when the file has none */
    char *source;           /* how the file was made (free text) */
} Dataset;

int dataset_load(const char *path, Dataset *ds, Error *err);        /* whole file, validated */
int dataset_save(const char *path, const Dataset *ds, Error *err);  /* atomic: temp file + rename */
void dataset_free(Dataset *ds);

#endif
