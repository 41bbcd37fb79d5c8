/* dataset.h - the in-memory dataset and its HDF5 file (docs/design.md section 6).
 * Only src/data/dataset.c (through src/h5util.c) touches HDF5; everyone else sees this plain struct. */
#ifndef SEEDSWEEP_DATASET_H
#define SEEDSWEEP_DATASET_H

#include "seedsweep/common.h"

#define DATASET_FORMAT "seedsweep-dataset/1"

/* What a dataset file may declare, believed only within these bounds (checked before reading):
 * one image of at most 2^26 bytes (8192 x 8192 x 1, 4096 x 4096 x 4), at most 2^31 images, 256
 * classes (uint8 labels), class names of at most 256 bytes, image names (paths) of at most 4096
 * bytes, a source text of at most 64 KiB. */
#define DATASET_MAX_IMAGE_BYTES ((uint64_t)1 << 26)
#define DATASET_MAX_IMAGES ((uint64_t)1 << 31)
#define DATASET_MAX_CLASSES 256
#define DATASET_MAX_CLASS_NAME_BYTES 256
#define DATASET_MAX_IMAGE_NAME_BYTES 4096
#define DATASET_MAX_SOURCE_BYTES 65536
uint64_t dataset_memory_bound(void);   /* half this machine's memory: no dataset is larger */

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
/* The same, refusing before reading a pixel images that are not expect_hwc[0] x [1] x [2] (NULL: any);
 * refused for that, ds holds only the file's height, width and channels (for the caller's message). */
int dataset_load_shaped(const char *path, const int *expect_hwc, Dataset *ds, Error *err);
/* The same in two steps, for a caller that places the pixels itself (the sweep's per-node shared memory):
 * the header is everything but the pixels (shape, labels, names, class names), validated, images NULL;
 * then the pixels of the same file into dst (dataset_image_bytes(ds) bytes). Memory handed to
 * dataset_read_images_into stays the caller's: set ds->images back to NULL before dataset_free. */
int dataset_open_header(const char *path, Dataset *ds, Error *err);
int dataset_open_header_shaped(const char *path, const int *expect_hwc, Dataset *ds, Error *err);  /* as _load_shaped */
int dataset_read_images_into(const char *path, const Dataset *ds, uint8_t *dst, Error *err);
size_t dataset_image_bytes(const Dataset *ds);                      /* N*H*W*C */
int dataset_save(const char *path, const Dataset *ds, Error *err);  /* atomic: temp file + rename */
void dataset_free(Dataset *ds);

/* Zeroed images/labels for count images of h x w x c and class_count NULL names (names not allocated). */
int dataset_alloc(Dataset *ds, int64_t count, int height, int width, int channels, int class_count, Error *err);
/* The checks dataset_load applies (shapes, labels < class_count, no empty class); what names the data in messages. */
int dataset_validate(const Dataset *ds, const char *what, Error *err);
/* Images per class into counts[class_count]. */
void dataset_class_counts(const Dataset *ds, int64_t *counts);
/* Image i's first byte. */
static inline uint8_t *dataset_image(const Dataset *ds, int64_t i) {
    return ds->images + i * (int64_t)ds->height * ds->width * ds->channels;
}
/* The root "format" attribute of any HDF5 file (dataset or results), without loading it.
 * SS_ERR_INPUT naming the file when it is missing, not HDF5, or has no format attribute. */
int hdf5_file_format(const char *path, char *format, size_t size, Error *err);

#endif
