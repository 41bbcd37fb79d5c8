/* png_import.c - 'import png': DIR/<class>/NAME.png (Keras flow_from_directory) into a Dataset.
 * libpng errors longjmp back into png_decode_file, which frees what it holds and names the file;
 * every order (classes, files) is a byte-wise sort of names, so the result does not depend on readdir. */
#include "seedsweep/png_import.h"
#include "seedsweep/safe_file.h"

#include <errno.h>
#include <math.h>
#include <png.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "seedsweep/atomic_file.h"
#include "seedsweep/text_escape.h"
#include "png_tree.h"

void png_import_image_free(PngImage *image) {
    if (!image) return;
    free(image->pixels);
    memset(image, 0, sizeof *image);
}

typedef struct PngErrorContext {
    char message[256];
} PngErrorContext;

static void on_png_error(png_structp png, png_const_charp message) {
    PngErrorContext *context = png_get_error_ptr(png);
    snprintf(context->message, sizeof context->message, "%s", message);
    png_longjmp(png, 1);
}

static void on_png_warning(png_structp png, png_const_charp message) {
    (void)png;
    (void)message;  /* colour-profile chatter and the like: the pixels are still fine */
}

int png_decode_file(const char *path, PngImage *image, Error *err) {
    memset(image, 0, sizeof *image);
    FILE *fp = safe_file_fopen_input(path, err);   /* a FIFO or device among the PNGs is refused, not read */
    if (!fp) return err ? err->code : SS_ERR_INPUT;
    unsigned char signature[8];
    if (fread(signature, 1, 8, fp) != 8 || png_sig_cmp(signature, 0, 8) != 0) {
        fclose(fp);
        return error_set(err, SS_ERR_INPUT, "%s: not a PNG file (bad signature)", path);
    }
    PngErrorContext context = {{0}};
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &context, on_png_error, on_png_warning);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    if (!png || !info) {
        png_destroy_read_struct(&png, &info, NULL);
        fclose(fp);
        return error_set(err, SS_ERR_RUNTIME, "out of memory decoding %s", path);
    }
    /* Modified after setjmp and used after longjmp, so volatile (C11 7.13.2.1). */
    uint8_t *volatile pixels = NULL;
    png_bytep *volatile rows = NULL;
    if (setjmp(png_jmpbuf(png))) {
        free(pixels);
        free(rows);
        png_destroy_read_struct(&png, &info, NULL);
        fclose(fp);
        return error_set(err, SS_ERR_INPUT, "%s: corrupt or truncated PNG (libpng: %s)", path,
                         context.message[0] ? context.message : "unknown error");
    }
    png_init_io(png, fp);
    png_set_sig_bytes(png, 8);
    png_set_user_limits(png, 32768, 32768);
    png_read_info(png, info);
    int color_type = png_get_color_type(png, info), bit_depth = png_get_bit_depth(png, info);
    if (color_type == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
    if (color_type == PNG_COLOR_TYPE_GRAY && bit_depth < 8) png_set_expand_gray_1_2_4_to_8(png);
    if (bit_depth == 16) png_set_scale_16(png);   /* v * 255 / 65535, rounded */
    /* Alpha is dropped, not composited: the stored colour values are the data. */
    if ((color_type & PNG_COLOR_MASK_ALPHA) || png_get_valid(png, info, PNG_INFO_tRNS)) png_set_strip_alpha(png);
    png_set_interlace_handling(png);
    png_read_update_info(png, info);
    int width = (int)png_get_image_width(png, info), height = (int)png_get_image_height(png, info);
    int channels = png_get_channels(png, info);
    size_t rowbytes = png_get_rowbytes(png, info);
    if ((channels != 1 && channels != 3) || rowbytes != (size_t)width * channels)
        png_error(png, "unexpected pixel layout after transforms");
    /* the header's size believed only within the dataset's bound, before a pixel is allocated */
    if ((uint64_t)height * rowbytes > DATASET_MAX_IMAGE_BYTES) {
        png_destroy_read_struct(&png, &info, NULL);
        fclose(fp);
        return error_set(err, SS_ERR_INPUT, "%s: is %dx%d with %d channel%s (%llu bytes decoded); an image may have at "
                         "most %llu bytes", path, width, height, channels, channels == 1 ? "" : "s",
                         (unsigned long long)height * rowbytes, (unsigned long long)DATASET_MAX_IMAGE_BYTES);
    }
    pixels = malloc((size_t)height * rowbytes);
    rows = malloc(sizeof(png_bytep) * (size_t)height);
    if (!pixels || !rows) png_error(png, "out of memory");
    for (int y = 0; y < height; y++) rows[y] = pixels + (size_t)y * rowbytes;
    png_read_image(png, rows);
    png_read_end(png, NULL);
    png_destroy_read_struct(&png, &info, NULL);
    fclose(fp);
    free(rows);
    image->width = width;
    image->height = height;
    image->channels = channels;
    image->pixels = pixels;
    return SS_OK;
}

/* Per output index: first source index, tap count and weights (taps per output at most max_taps). */
typedef struct Taps {
    int *first, *count, max_taps;
    float *weight;
} Taps;

static void taps_free(Taps *t) {
    free(t->first);
    free(t->count);
    free(t->weight);
}

static int taps_build(Taps *t, int in, int out) {
    double scale = (double)in / out;
    t->max_taps = scale > 1 ? (int)ceil(scale) + 2 : 2;
    t->first = calloc((size_t)out, sizeof(int));
    t->count = calloc((size_t)out, sizeof(int));
    t->weight = calloc((size_t)out * t->max_taps, sizeof(float));
    if (!t->first || !t->count || !t->weight) return -1;
    for (int o = 0; o < out; o++) {
        float *w = t->weight + (size_t)o * t->max_taps;
        if (scale > 1) {   /* area: each source pixel weighted by its overlap with [o, o+1) * scale */
            double lo = o * scale, hi = (o + 1) * scale;
            int first = (int)floor(lo), last = (int)ceil(hi) - 1;
            if (last > in - 1) last = in - 1;
            t->first[o] = first;
            t->count[o] = last - first + 1;
            for (int i = first; i <= last; i++) {
                double overlap = fmin(hi, i + 1.0) - fmax(lo, (double)i);
                w[i - first] = (float)(overlap > 0 ? overlap / scale : 0);
            }
        } else {           /* bilinear between pixel centres, edges clamped */
            double centre = (o + 0.5) * scale - 0.5;
            if (centre < 0) centre = 0;
            if (centre > in - 1) centre = in - 1;
            int first = (int)floor(centre);
            if (first > in - 2) first = in - 2 < 0 ? 0 : in - 2;
            double frac = centre - first;
            t->first[o] = first;
            t->count[o] = in > 1 ? 2 : 1;
            w[0] = (float)(1 - frac);
            if (in > 1) w[1] = (float)frac;
        }
    }
    return 0;
}

int png_import_resize(const PngImage *in, int width, int height, PngImage *out, Error *err) {
    memset(out, 0, sizeof *out);
    int c = in->channels;
    /* the intermediate (source rows x target width floats) and the result: bounded before allocating */
    double mid_bytes = (double)in->height * width * c * sizeof(float), out_bytes = (double)height * width * c;
    if (width < 1 || height < 1 || out_bytes > (double)DATASET_MAX_IMAGE_BYTES ||
        mid_bytes > 4.0 * (double)DATASET_MAX_IMAGE_BYTES)
        return error_set(err, SS_ERR_INPUT, "resizing a %dx%d image to %dx%d (%d channel%s) would need %.0f MB; the "
                         "result may have at most %llu bytes, the step between at most %llu", in->width, in->height,
                         width, height, c, c == 1 ? "" : "s", (mid_bytes + out_bytes) / 1e6,
                         (unsigned long long)DATASET_MAX_IMAGE_BYTES, (unsigned long long)(4 * DATASET_MAX_IMAGE_BYTES));
    Taps tx = {0}, ty = {0};
    float *mid = malloc(sizeof(float) * (size_t)in->height * width * c);
    uint8_t *pixels = malloc((size_t)height * width * c);
    if (!mid || !pixels || taps_build(&tx, in->width, width) || taps_build(&ty, in->height, height)) {
        free(mid);
        free(pixels);
        taps_free(&tx);
        taps_free(&ty);
        return error_set(err, SS_ERR_RUNTIME, "out of memory resizing an image");
    }
    for (int y = 0; y < in->height; y++)
        for (int x = 0; x < width; x++)
            for (int k = 0; k < c; k++) {
                float sum = 0;
                const float *w = tx.weight + (size_t)x * tx.max_taps;
                for (int j = 0; j < tx.count[x]; j++)
                    sum += w[j] * in->pixels[((size_t)y * in->width + tx.first[x] + j) * c + k];
                mid[((size_t)y * width + x) * c + k] = sum;
            }
    for (int y = 0; y < height; y++)
        for (int x = 0; x < width; x++)
            for (int k = 0; k < c; k++) {
                float sum = 0;
                const float *w = ty.weight + (size_t)y * ty.max_taps;
                for (int j = 0; j < ty.count[y]; j++) sum += w[j] * mid[((size_t)(ty.first[y] + j) * width + x) * c + k];
                long v = lroundf(sum);
                pixels[((size_t)y * width + x) * c + k] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
            }
    free(mid);
    taps_free(&tx);
    taps_free(&ty);
    out->width = width;
    out->height = height;
    out->channels = c;
    out->pixels = pixels;
    return SS_OK;
}

/* Converts a decoded image to the dataset's channel count into dst (h*w*channels). */
static void convert_channels(const PngImage *im, int channels, uint8_t *dst) {
    size_t pixels = (size_t)im->width * im->height;
    if (im->channels == channels) {
        memcpy(dst, im->pixels, pixels * channels);
    } else if (im->channels == 1) {
        for (size_t i = 0; i < pixels; i++) dst[3 * i] = dst[3 * i + 1] = dst[3 * i + 2] = im->pixels[i];
    } else {  /* RGB -> gray, ITU-R BT.601 luma in integers (weights sum to 1000) */
        for (size_t i = 0; i < pixels; i++) {
            const uint8_t *p = im->pixels + 3 * i;
            dst[i] = (uint8_t)((299 * p[0] + 587 * p[1] + 114 * p[2] + 500) / 1000);
        }
    }
}

/* Decodes (and resizes) every listed image into images: the channel count (when automatic) and the
 * common size depend on all of them. Their bytes together stay within the memory bound. */
static int decode_all(const char *dir, const FileList *list, int size, PngImage *images, int *any_colour, Error *err) {
    int status = SS_OK;
    uint64_t total = 0, bound = dataset_memory_bound() / 2;   /* the dataset is a second copy */
    for (int64_t i = 0; status == SS_OK && i < list->count; i++) {
        char *full = NULL;
        if (asprintf(&full, "%s/%s", dir, list->paths[i]) < 0) return error_set(err, SS_ERR_RUNTIME, "out of memory");
        status = png_decode_file(full, &images[i], err);
        if (status == SS_OK && size > 0 && (images[i].width != size || images[i].height != size)) {
            PngImage resized;
            status = png_import_resize(&images[i], size, size, &resized, err);
            if (status != SS_OK) {
                char why[sizeof err->message];
                snprintf(why, sizeof why, "%s", err->message);
                error_set(err, status, "%s: %s", full, why);
            }
            png_import_image_free(&images[i]);
            images[i] = resized;
        }
        if (status == SS_OK && (images[i].width != images[0].width || images[i].height != images[0].height))
            status = error_set(err, SS_ERR_INPUT, "%s: is %dx%d but %s/%s is %dx%d; images differ in size, pass --size PX",
                               full, images[i].width, images[i].height, dir, list->paths[0], images[0].width, images[0].height);
        total += status == SS_OK ? (uint64_t)images[i].width * images[i].height * (uint64_t)images[i].channels : 0;
        if (status == SS_OK && total > bound)
            status = error_set(err, SS_ERR_INPUT, "%s: the first %lld images decoded already need %.1f GB; this machine's "
                               "memory holds at most %.1f GB of them (pass a smaller --size)", dir, (long long)(i + 1),
                               (double)total / 1e9, (double)bound / 1e9);
        if (status == SS_OK && images[i].channels == 3) *any_colour = 1;
        free(full);
    }
    return status;
}

/* The dataset of the decoded images; class names and paths move into it from classes and list. */
static int build_dataset(const char *dir, int size, int channels, int any_colour, char **classes, int class_count,
                         FileList *list, const PngImage *images, Dataset *ds, Error *err) {
    int out_channels = channels ? channels : any_colour ? 3 : 1;
    int status = dataset_alloc(ds, list->count, images[0].height, images[0].width, out_channels, class_count, err);
    if (status != SS_OK) return status;
    for (int k = 0; k < class_count; k++) {
        ds->class_names[k] = classes[k];
        classes[k] = NULL;
    }
    ds->names = list->paths;
    list->paths = NULL;
    for (int64_t i = 0; i < list->count; i++) {
        convert_channels(&images[i], out_channels, dataset_image(ds, i));
        ds->labels[i] = (uint8_t)list->labels[i];
    }
    char *source = NULL;
    if (size > 0) {
        if (asprintf(&source, "seedsweep import png %s --size %d --channels %d (area downscaling, bilinear upscaling)",
                     dir, size, out_channels) < 0) source = NULL;
    } else if (asprintf(&source, "seedsweep import png %s --channels %d", dir, out_channels) < 0) {
        source = NULL;
    }
    ds->source = source;
    return source ? SS_OK : error_set(err, SS_ERR_RUNTIME, "out of memory");
}

static int check_import_arguments(const char *dir, int size, int channels, Error *err) {
    if (channels != 0 && channels != 1 && channels != 3)
        return error_set(err, SS_ERR_INPUT, "--channels %d: expected 1 or 3", channels);
    if (size < 0 || size > 32768) return error_set(err, SS_ERR_INPUT, "--size %d: expected 1 to 32768", size);
    if ((uint64_t)size * size * (channels ? channels : 3) > DATASET_MAX_IMAGE_BYTES)
        return error_set(err, SS_ERR_INPUT, "--size %d: %dx%d images of %d channels exceed the %llu bytes an image may "
                         "have", size, size, size, channels ? channels : 3, (unsigned long long)DATASET_MAX_IMAGE_BYTES);
    struct stat st;
    if (stat(dir, &st) != 0) return error_set(err, SS_ERR_INPUT, "%s: cannot open directory: %s", dir, strerror(errno));
    if (!S_ISDIR(st.st_mode)) return error_set(err, SS_ERR_INPUT, "%s: not a directory (expected DIR/<class>/NAME.png)", dir);
    return SS_OK;
}

int png_import_directory(const char *dir, int size, int channels, FILE *warnings, Dataset *ds, Error *err) {
    memset(ds, 0, sizeof *ds);
    int status = check_import_arguments(dir, size, channels, err);
    if (status != SS_OK) return status;
    char **classes = NULL;
    int class_count = 0;
    FileList list = {0};
    status = png_tree_collect(dir, warnings, &classes, &class_count, &list, err);
    if (status == SS_OK && class_count < 2)
        status = error_set(err, SS_ERR_INPUT, "%s: found %d class folder%s%s%s; need at least 2 (DIR/<class>/NAME.png)", dir,
                           class_count, class_count == 1 ? " (" : "s", class_count == 1 ? classes[0] : "",
                           class_count == 1 ? ")" : "");
    if (status == SS_OK && class_count > DATASET_MAX_CLASSES)
        status = error_set(err, SS_ERR_INPUT, "%s: %d class folders; at most %d fit uint8 labels", dir, class_count,
                           DATASET_MAX_CLASSES);
    if (status == SS_OK) status = png_tree_drop_duplicates(dir, &list, warnings, err);
    PngImage *images = status == SS_OK ? calloc((size_t)list.count, sizeof(PngImage)) : NULL;
    if (status == SS_OK && !images) status = error_set(err, SS_ERR_RUNTIME, "out of memory");
    int any_colour = 0;
    if (status == SS_OK) status = decode_all(dir, &list, size, images, &any_colour, err);
    if (status == SS_OK)
        status = build_dataset(dir, size, channels, any_colour, classes, class_count, &list, images, ds, err);
    for (int64_t i = 0; images && i < list.count; i++) png_import_image_free(&images[i]);
    free(images);
    png_tree_free_list(&list);
    png_tree_free_names(classes, class_count);
    if (status != SS_OK) dataset_free(ds);
    return status;
}

int png_encode_file(const char *path, const PngImage *image, Error *err) {
    if (image->channels != 1 && image->channels != 3)
        return error_set(err, SS_ERR_INPUT, "%s: can only write 1- or 3-channel PNGs", path);
    AtomicFile out;
    if (atomic_file_begin(&out, path, err) != SS_OK) return err->code;
    int fd = dup(out.fd);   /* stdio owns this one; out.fd stays open for the fsync in commit */
    FILE *fp = fd >= 0 ? fdopen(fd, "wb") : NULL;
    if (!fp) {
        error_set(err, SS_ERR_RUNTIME, "%s: cannot write %s: %s", path, out.temp, strerror(errno));
        if (fd >= 0) close(fd);
        atomic_file_abort(&out);
        return SS_ERR_RUNTIME;
    }
    PngErrorContext context = {{0}};
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &context, on_png_error, on_png_warning);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    png_bytep *volatile rows = NULL;
    if (!png || !info || setjmp(png_jmpbuf(png))) {
        free(rows);
        png_destroy_write_struct(&png, &info);
        fclose(fp);
        atomic_file_abort(&out);
        return error_set(err, SS_ERR_RUNTIME, "%s: writing PNG failed (libpng: %s)", path,
                         context.message[0] ? context.message : "out of memory");
    }
    png_init_io(png, fp);
    png_set_IHDR(png, info, (png_uint_32)image->width, (png_uint_32)image->height, 8,
                 image->channels == 1 ? PNG_COLOR_TYPE_GRAY : PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    rows = malloc(sizeof(png_bytep) * (size_t)image->height);
    if (!rows) png_error(png, "out of memory");
    for (int y = 0; y < image->height; y++) rows[y] = image->pixels + (size_t)y * image->width * image->channels;
    png_write_image(png, rows);
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    free(rows);
    if (fclose(fp) != 0) {
        error_set(err, SS_ERR_RUNTIME, "%s: cannot write: %s", path, strerror(errno));
        atomic_file_abort(&out);
        return SS_ERR_RUNTIME;
    }
    return atomic_file_commit(&out, err);
}
