/* png_import.h - PNG folders in the Keras flow_from_directory layout (DIR/<class>/NAME.png) into a Dataset. */
#ifndef SEEDSWEEP_PNG_IMPORT_H
#define SEEDSWEEP_PNG_IMPORT_H

#include <stdio.h>

#include "seedsweep/dataset.h"

/* A decoded 8-bit image: channels 1 (gray) or 3 (RGB); alpha is dropped, 16-bit scaled to 8 (rounded). */
typedef struct PngImage {
    int width, height, channels;
    uint8_t *pixels;        /* height*width*channels, row-major, interleaved */
} PngImage;

/* Decodes any PNG (gray, gray+alpha, RGB, RGBA, palette, 1-16 bit). SS_ERR_INPUT naming path when corrupt. */
int png_decode_file(const char *path, PngImage *image, Error *err);
void png_import_image_free(PngImage *image);
/* Writes 8-bit gray (1 channel) or RGB (3) as a PNG, atomically (temp file + rename). */
int png_encode_file(const char *path, const PngImage *image, Error *err);

/* Resamples to width x height: area averaging along an axis that shrinks, bilinear along one that grows. */
int png_import_resize(const PngImage *in, int width, int height, PngImage *out, Error *err);

/* Imports dir: classes = its subfolders sorted by name; files sorted by name (subfolders of a class
 * are walked too); hidden files skipped silently, non-PNG files reported on warnings (may be NULL).
 * size > 0 resizes every image to size x size; size 0 keeps sizes, which must then all agree.
 * channels 1 or 3 converts (RGB->gray by BT.601 luma, gray->RGB by copying); 0 picks 3 when any
 * image has colour, else 1. */
int png_import_directory(const char *dir, int size, int channels, FILE *warnings, Dataset *ds, Error *err);

#endif
