/* montage.c - 'seedsweep montage': a labelled grid of images drawn with a tiny built-in 5x7 font. */
#include "seedsweep/montage.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "seedsweep/png_import.h"

/* Classic 5x7 font, ASCII 32-126, five columns per glyph, bit 0 = top row. */
static const uint8_t FONT5X7[95][5] = {
    {0x00, 0x00, 0x00, 0x00, 0x00}, {0x00, 0x00, 0x5F, 0x00, 0x00}, {0x00, 0x07, 0x00, 0x07, 0x00},
    {0x14, 0x7F, 0x14, 0x7F, 0x14}, {0x24, 0x2A, 0x7F, 0x2A, 0x12}, {0x23, 0x13, 0x08, 0x64, 0x62},
    {0x36, 0x49, 0x55, 0x22, 0x50}, {0x00, 0x05, 0x03, 0x00, 0x00}, {0x00, 0x1C, 0x22, 0x41, 0x00},
    {0x00, 0x41, 0x22, 0x1C, 0x00}, {0x08, 0x2A, 0x1C, 0x2A, 0x08}, {0x08, 0x08, 0x3E, 0x08, 0x08},
    {0x00, 0x50, 0x30, 0x00, 0x00}, {0x08, 0x08, 0x08, 0x08, 0x08}, {0x00, 0x60, 0x60, 0x00, 0x00},
    {0x20, 0x10, 0x08, 0x04, 0x02}, {0x3E, 0x51, 0x49, 0x45, 0x3E}, {0x00, 0x42, 0x7F, 0x40, 0x00},
    {0x42, 0x61, 0x51, 0x49, 0x46}, {0x21, 0x41, 0x45, 0x4B, 0x31}, {0x18, 0x14, 0x12, 0x7F, 0x10},
    {0x27, 0x45, 0x45, 0x45, 0x39}, {0x3C, 0x4A, 0x49, 0x49, 0x30}, {0x01, 0x71, 0x09, 0x05, 0x03},
    {0x36, 0x49, 0x49, 0x49, 0x36}, {0x06, 0x49, 0x49, 0x29, 0x1E}, {0x00, 0x36, 0x36, 0x00, 0x00},
    {0x00, 0x56, 0x36, 0x00, 0x00}, {0x08, 0x14, 0x22, 0x41, 0x00}, {0x14, 0x14, 0x14, 0x14, 0x14},
    {0x00, 0x41, 0x22, 0x14, 0x08}, {0x02, 0x01, 0x51, 0x09, 0x06}, {0x32, 0x49, 0x79, 0x41, 0x3E},
    {0x7E, 0x11, 0x11, 0x11, 0x7E}, {0x7F, 0x49, 0x49, 0x49, 0x36}, {0x3E, 0x41, 0x41, 0x41, 0x22},
    {0x7F, 0x41, 0x41, 0x22, 0x1C}, {0x7F, 0x49, 0x49, 0x49, 0x41}, {0x7F, 0x09, 0x09, 0x09, 0x01},
    {0x3E, 0x41, 0x49, 0x49, 0x7A}, {0x7F, 0x08, 0x08, 0x08, 0x7F}, {0x00, 0x41, 0x7F, 0x41, 0x00},
    {0x20, 0x40, 0x41, 0x3F, 0x01}, {0x7F, 0x08, 0x14, 0x22, 0x41}, {0x7F, 0x40, 0x40, 0x40, 0x40},
    {0x7F, 0x02, 0x0C, 0x02, 0x7F}, {0x7F, 0x04, 0x08, 0x10, 0x7F}, {0x3E, 0x41, 0x41, 0x41, 0x3E},
    {0x7F, 0x09, 0x09, 0x09, 0x06}, {0x3E, 0x41, 0x51, 0x21, 0x5E}, {0x7F, 0x09, 0x19, 0x29, 0x46},
    {0x46, 0x49, 0x49, 0x49, 0x31}, {0x01, 0x01, 0x7F, 0x01, 0x01}, {0x3F, 0x40, 0x40, 0x40, 0x3F},
    {0x1F, 0x20, 0x40, 0x20, 0x1F}, {0x3F, 0x40, 0x38, 0x40, 0x3F}, {0x63, 0x14, 0x08, 0x14, 0x63},
    {0x07, 0x08, 0x70, 0x08, 0x07}, {0x61, 0x51, 0x49, 0x45, 0x43}, {0x00, 0x7F, 0x41, 0x41, 0x00},
    {0x02, 0x04, 0x08, 0x10, 0x20}, {0x00, 0x41, 0x41, 0x7F, 0x00}, {0x04, 0x02, 0x01, 0x02, 0x04},
    {0x40, 0x40, 0x40, 0x40, 0x40}, {0x00, 0x01, 0x02, 0x04, 0x00}, {0x20, 0x54, 0x54, 0x54, 0x78},
    {0x7F, 0x48, 0x44, 0x44, 0x38}, {0x38, 0x44, 0x44, 0x44, 0x20}, {0x38, 0x44, 0x44, 0x48, 0x7F},
    {0x38, 0x54, 0x54, 0x54, 0x18}, {0x08, 0x7E, 0x09, 0x01, 0x02}, {0x0C, 0x52, 0x52, 0x52, 0x3E},
    {0x7F, 0x08, 0x04, 0x04, 0x78}, {0x00, 0x44, 0x7D, 0x40, 0x00}, {0x20, 0x40, 0x44, 0x3D, 0x00},
    {0x7F, 0x10, 0x28, 0x44, 0x00}, {0x00, 0x41, 0x7F, 0x40, 0x00}, {0x7C, 0x04, 0x18, 0x04, 0x78},
    {0x7C, 0x08, 0x04, 0x04, 0x78}, {0x38, 0x44, 0x44, 0x44, 0x38}, {0x7C, 0x14, 0x14, 0x14, 0x08},
    {0x08, 0x14, 0x14, 0x18, 0x7C}, {0x7C, 0x08, 0x04, 0x04, 0x08}, {0x48, 0x54, 0x54, 0x54, 0x20},
    {0x04, 0x3F, 0x44, 0x40, 0x20}, {0x3C, 0x40, 0x40, 0x20, 0x7C}, {0x1C, 0x20, 0x40, 0x20, 0x1C},
    {0x3C, 0x40, 0x30, 0x40, 0x3C}, {0x44, 0x28, 0x10, 0x28, 0x44}, {0x0C, 0x50, 0x50, 0x50, 0x3C},
    {0x44, 0x64, 0x54, 0x4C, 0x44}, {0x00, 0x08, 0x36, 0x41, 0x00}, {0x00, 0x00, 0x7F, 0x00, 0x00},
    {0x00, 0x41, 0x36, 0x08, 0x00}, {0x08, 0x04, 0x08, 0x10, 0x08},
};

int montage_draw_text(uint8_t *rgb, int width, int height, int x, int y, const char *text, int scale, const uint8_t colour[3]) {
    int start = x;
    for (const unsigned char *c = (const unsigned char *)text; *c; c++) {
        const uint8_t *glyph = FONT5X7[(*c >= 32 && *c < 127) ? *c - 32 : '?' - 32];
        for (int col = 0; col < 5; col++)
            for (int row = 0; row < 7; row++) {
                if (!(glyph[col] >> row & 1)) continue;
                for (int dy = 0; dy < scale; dy++)
                    for (int dx = 0; dx < scale; dx++) {
                        int px = x + col * scale + dx, py = y + row * scale + dy;
                        if (px < 0 || py < 0 || px >= width || py >= height) continue;
                        memcpy(rgb + 3 * ((size_t)py * width + px), colour, 3);
                    }
            }
        x += 6 * scale;
    }
    return x - start;
}

/* Strip colours per class (dark enough for white text), cycling. */
static const uint8_t CLASS_COLOURS[8][3] = {{40, 90, 160}, {170, 60, 40}, {40, 130, 60}, {130, 60, 150},
                                            {160, 110, 20}, {30, 120, 130}, {150, 50, 100}, {90, 90, 90}};

/* Up to count image indices into chosen (*tiles of them): tiles handed out one class at a time
 * until count is reached or every class is used up, evenly spaced through each class's images. */
static int choose_tiles(const Dataset *ds, int count, int64_t *chosen, int *tiles, Error *err) {
    int classes = ds->class_count;
    int64_t *class_size = calloc((size_t)classes, sizeof(int64_t));
    int *quota = calloc((size_t)classes, sizeof(int));
    int64_t *members = calloc((size_t)ds->count, sizeof(int64_t));
    if (!class_size || !quota || !members) {
        free(class_size);
        free(quota);
        free(members);
        return error_set(err, SS_ERR_RUNTIME, "out of memory");
    }
    dataset_class_counts(ds, class_size);
    for (int given = 0, progress = 1; given < count && progress;) {
        progress = 0;
        for (int k = 0; k < classes && given < count; k++)
            if (quota[k] < class_size[k]) {
                quota[k]++;
                given++;
                progress = 1;
            }
    }
    *tiles = 0;
    for (int k = 0; k < classes; k++) {
        int64_t n = 0;
        for (int64_t i = 0; i < ds->count; i++)
            if (ds->labels[i] == k) members[n++] = i;
        for (int j = 0; j < quota[k]; j++) chosen[(*tiles)++] = members[(int64_t)j * n / quota[k]];
    }
    free(members);
    free(quota);
    free(class_size);
    return SS_OK;
}

typedef struct TileGeometry {
    int shrink, grow;          /* box-average and nearest-neighbour factors */
    int tile_w, tile_h, text_scale, strip, gap, cols;
} TileGeometry;

/* Image index under its class strip at (x0, y0) of out. */
static void draw_tile(const Dataset *ds, int64_t index, const TileGeometry *g, int x0, int y0, PngImage *out) {
    static const uint8_t white[3] = {255, 255, 255};
    int label = ds->labels[index], width = out->width, c = ds->channels;
    for (int y = 0; y < g->strip; y++)
        for (int x = 0; x < g->tile_w; x++)
            memcpy(out->pixels + 3 * ((size_t)(y0 + y) * width + x0 + x), CLASS_COLOURS[label % 8], 3);
    char text[64];
    snprintf(text, sizeof text, "%s", ds->class_names[label]);
    int scale = g->text_scale;
    if ((int)strlen(text) * 6 * scale > g->tile_w - 4) scale = 1;
    int fit = (g->tile_w - 4) / (6 * scale);
    if (fit >= 0 && fit < (int)sizeof text) text[fit] = 0;
    montage_draw_text(out->pixels, width, out->height, x0 + 2, y0 + (g->strip - 7 * scale) / 2, text, scale, white);
    const uint8_t *image = dataset_image(ds, index);
    for (int y = 0; y < g->tile_h; y++)
        for (int x = 0; x < g->tile_w; x++) {
            int rgb[3] = {0, 0, 0};
            int samples = 0;
            for (int sy = 0; sy < g->shrink; sy++)
                for (int sx = 0; sx < g->shrink; sx++) {
                    int iy = (y * g->shrink + sy) / g->grow, ix = (x * g->shrink + sx) / g->grow;
                    if (iy >= ds->height || ix >= ds->width) continue;
                    const uint8_t *p = image + ((size_t)iy * ds->width + ix) * c;
                    for (int k = 0; k < 3; k++) rgb[k] += p[c == 3 ? k : 0];
                    samples++;
                }
            uint8_t *q = out->pixels + 3 * ((size_t)(y0 + g->strip + y) * width + x0 + x);
            for (int k = 0; k < 3; k++) q[k] = (uint8_t)(samples ? (rgb[k] + samples / 2) / samples : 0);
        }
}

int montage_write(const Dataset *ds, const char *png_path, int count, Error *err) {
    if (count <= 0) return error_set(err, SS_ERR_INPUT, "--count %d: expected a positive number of tiles", count);
    if (count > ds->count) count = (int)ds->count;
    if (count > 4096) count = 4096;
    int64_t *chosen = calloc((size_t)count, sizeof(int64_t));
    int tiles = 0;
    if (!chosen) return error_set(err, SS_ERR_RUNTIME, "out of memory");
    if (choose_tiles(ds, count, chosen, &tiles, err) != SS_OK) {
        free(chosen);
        return err->code;
    }
    TileGeometry g;
    int longest = ds->height > ds->width ? ds->height : ds->width;
    g.shrink = longest > 128 ? (longest + 127) / 128 : 1;
    g.grow = longest < 64 ? (96 + longest - 1) / longest : 1;
    g.tile_w = ds->width * g.grow / g.shrink;
    g.tile_h = ds->height * g.grow / g.shrink;
    g.text_scale = g.tile_w >= 96 ? 2 : 1;
    g.strip = 7 * g.text_scale + 4;
    g.gap = 3;
    g.cols = (int)ceil(sqrt(2.0 * tiles));
    if (g.cols > tiles) g.cols = tiles;
    int rows = (tiles + g.cols - 1) / g.cols;
    int width = g.gap + g.cols * (g.tile_w + g.gap), height = g.gap + rows * (g.tile_h + g.strip + g.gap);
    PngImage out = {width, height, 3, calloc((size_t)width * height, 3)};
    if (!out.pixels) {
        free(chosen);
        return error_set(err, SS_ERR_RUNTIME, "out of memory for a %dx%d montage", width, height);
    }
    memset(out.pixels, 24, (size_t)width * height * 3);
    for (int t = 0; t < tiles; t++)
        draw_tile(ds, chosen[t], &g, g.gap + (t % g.cols) * (g.tile_w + g.gap),
                  g.gap + (t / g.cols) * (g.tile_h + g.strip + g.gap), &out);
    free(chosen);
    int status = png_encode_file(png_path, &out, err);
    free(out.pixels);
    return status;
}
