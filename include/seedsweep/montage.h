/* montage.h - a labelled grid of a dataset's images as a PNG (a quick look at what a file holds). */
#ifndef SEEDSWEEP_MONTAGE_H
#define SEEDSWEEP_MONTAGE_H

#include "seedsweep/dataset.h"

/* count tiles (all images when count >= N), shared out evenly among classes, each class's tiles
 * evenly spaced through its images; a class-coloured strip over each tile names its class.
 * Tiles are shrunk (area average) to at most 128 px or enlarged (nearest) to at least 64 px. */
int montage_write(const Dataset *ds, const char *png_path, int count, Error *err);

/* Draws text with the built-in 5x7 font at (x, y) into an RGB image, scale pixels per font pixel;
 * returns the width drawn. */
int montage_draw_text(uint8_t *rgb, int width, int height, int x, int y, const char *text, int scale, const uint8_t colour[3]);

#endif
