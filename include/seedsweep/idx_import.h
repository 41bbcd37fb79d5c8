/* idx_import.h - MNIST / Fashion-MNIST IDX files (gzip or plain) into a Dataset. */
#ifndef SEEDSWEEP_IDX_IMPORT_H
#define SEEDSWEEP_IDX_IMPORT_H

#include "seedsweep/dataset.h"

typedef struct IdxOptions {
    const char *classes;        /* "A,B,...": labels to keep, as numbers or class names, renumbered in
                                 * this order; NULL keeps every label as it is */
    const char *class_names;    /* "a,b,...": one name per label value of the files; NULL: Fashion-MNIST's
                                 * names when a path contains "fashion", else the digits "0".."9" */
    int shard_index;            /* keep every shard_count-th image starting at shard_index, */
    int shard_count;            /* counted after the class filter (shard_count 1 keeps all) */
    int64_t max_count;          /* then keep at most this many (0 = all) */
} IdxOptions;

/* Fashion-MNIST's ten class names, label order. */
extern const char *const IDX_FASHION_MNIST_NAMES[10];

int idx_import(const char *images_path, const char *labels_path, const IdxOptions *options, Dataset *ds, Error *err);

#endif
