/* png_import.c - 'import png': DIR/<class>/NAME.png (Keras flow_from_directory) into a Dataset.
 * libpng errors longjmp back into png_decode_file, which frees what it holds and names the file;
 * every order (classes, files) is a byte-wise sort of names, so the result does not depend on readdir. */
#include "seedsweep/png_import.h"
#include "seedsweep/safe_file.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <png.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "seedsweep/atomic_file.h"

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

/* ---- the directory walk */

typedef struct FileList {
    char **paths;           /* relative to the import directory */
    int *labels;
    int64_t count, capacity;
} FileList;

static void file_list_free(FileList *list) {
    for (int64_t i = 0; i < list->count; i++) free(list->paths[i]);
    free(list->paths);
    free(list->labels);
}

static int file_list_add(FileList *list, const char *relative, int label) {
    if (list->count == list->capacity) {
        int64_t capacity = list->capacity ? 2 * list->capacity : 256;
        char **paths = realloc(list->paths, sizeof(char *) * capacity);
        if (paths) list->paths = paths;
        int *labels = realloc(list->labels, sizeof(int) * capacity);
        if (labels) list->labels = labels;
        if (!paths || !labels) return -1;
        list->capacity = capacity;
    }
    if (!(list->paths[list->count] = strdup(relative))) return -1;
    list->labels[list->count++] = label;
    return 0;
}

static int compare_names(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* Sorted names in dir, hidden ones (".", "..", ".DS_Store", "._x", ...) left out. */
static int sorted_entries(const char *dir, char ***names, int *count, Error *err) {
    *names = NULL;
    *count = 0;
    DIR *d = opendir(dir);
    if (!d) return error_set(err, SS_ERR_INPUT, "%s: cannot open directory: %s", dir, strerror(errno));
    int capacity = 0;
    struct dirent *entry;
    while ((entry = readdir(d))) {
        if (entry->d_name[0] == '.') continue;
        if (*count == capacity) {
            capacity = capacity ? 2 * capacity : 64;
            char **grown = realloc(*names, sizeof(char *) * capacity);
            if (!grown) break;
            *names = grown;
        }
        if (!((*names)[*count] = strdup(entry->d_name))) break;
        (*count)++;
    }
    int failed = entry != NULL;
    closedir(d);
    if (failed) {
        for (int i = 0; i < *count; i++) free((*names)[i]);
        free(*names);
        *names = NULL;
        *count = 0;
        return error_set(err, SS_ERR_RUNTIME, "out of memory listing %s", dir);
    }
    if (*count > 1) qsort(*names, (size_t)*count, sizeof(char *), compare_names);  /* qsort(NULL, 0) is UB */
    return SS_OK;
}

static void free_names(char **names, int count) {
    for (int i = 0; i < count; i++) free(names[i]);
    free(names);
}

static int has_png_extension(const char *name) {
    size_t len = strlen(name);
    return len > 4 && strcasecmp(name + len - 4, ".png") == 0;
}

/* Adds every PNG under root/relative (recursively, sorted) with label. */
static int collect_class(const char *root, const char *relative, int label, FILE *warnings, FileList *list, Error *err) {
    char *dir = NULL;
    if (asprintf(&dir, "%s/%s", root, relative) < 0) return error_set(err, SS_ERR_RUNTIME, "out of memory");
    char **names;
    int count, status = sorted_entries(dir, &names, &count, err);
    for (int i = 0; status == SS_OK && i < count; i++) {
        char *rel = NULL, *full = NULL;
        if (asprintf(&rel, "%s/%s", relative, names[i]) < 0 || asprintf(&full, "%s/%s", root, rel) < 0) {
            free(rel);
            status = error_set(err, SS_ERR_RUNTIME, "out of memory");
            break;
        }
        struct stat st;
        if (stat(full, &st) != 0) {
            if (warnings) fprintf(warnings, "seedsweep import png: warning: skipping %s: %s\n", full, strerror(errno));
        } else if (S_ISDIR(st.st_mode)) {
            status = collect_class(root, rel, label, warnings, list, err);
        } else if (!S_ISREG(st.st_mode) || !has_png_extension(names[i])) {
            if (warnings) fprintf(warnings, "seedsweep import png: warning: skipping %s: not a .png file\n", full);
        } else if (file_list_add(list, rel, label)) {
            status = error_set(err, SS_ERR_RUNTIME, "out of memory");
        }
        free(rel);
        free(full);
    }
    free_names(names, count);
    free(dir);
    return status;
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

int png_import_directory(const char *dir, int size, int channels, FILE *warnings, Dataset *ds, Error *err) {
    memset(ds, 0, sizeof *ds);
    if (channels != 0 && channels != 1 && channels != 3)
        return error_set(err, SS_ERR_INPUT, "--channels %d: expected 1 or 3", channels);
    if (size < 0 || size > 32768) return error_set(err, SS_ERR_INPUT, "--size %d: expected 1 to 32768", size);
    struct stat st;
    if (stat(dir, &st) != 0) return error_set(err, SS_ERR_INPUT, "%s: cannot open directory: %s", dir, strerror(errno));
    if (!S_ISDIR(st.st_mode)) return error_set(err, SS_ERR_INPUT, "%s: not a directory (expected DIR/<class>/NAME.png)", dir);

    char **entries;
    int entry_count, status = sorted_entries(dir, &entries, &entry_count, err);
    if (status != SS_OK) return status;
    char **classes = calloc((size_t)entry_count + 1, sizeof(char *));
    int class_count = 0;
    FileList list = {0};
    if (!classes) status = error_set(err, SS_ERR_RUNTIME, "out of memory");
    for (int i = 0; status == SS_OK && i < entry_count; i++) {
        char *full = NULL;
        if (asprintf(&full, "%s/%s", dir, entries[i]) < 0) {
            status = error_set(err, SS_ERR_RUNTIME, "out of memory");
            break;
        }
        if (stat(full, &st) == 0 && S_ISDIR(st.st_mode)) {
            classes[class_count] = entries[i];
            entries[i] = NULL;
            int64_t before = list.count;
            status = collect_class(dir, classes[class_count], class_count, warnings, &list, err);
            if (status == SS_OK && list.count == before)
                status = error_set(err, SS_ERR_INPUT, "%s: class folder has no PNG images", full);
            class_count++;
        } else if (warnings) {
            fprintf(warnings, "seedsweep import png: warning: skipping %s: not a class folder\n", full);
        }
        free(full);
    }
    free_names(entries, entry_count);
    if (status == SS_OK && class_count < 2)
        status = error_set(err, SS_ERR_INPUT, "%s: found %d class folder%s%s%s; need at least 2 (DIR/<class>/NAME.png)", dir,
                           class_count, class_count == 1 ? " (" : "s", class_count == 1 ? classes[0] : "",
                           class_count == 1 ? ")" : "");
    if (status == SS_OK && class_count > 256)
        status = error_set(err, SS_ERR_INPUT, "%s: %d class folders; at most 256 fit uint8 labels", dir, class_count);

    /* Decode everything first: the channel count (when automatic) and the common size depend on all images. */
    PngImage *images = status == SS_OK ? calloc((size_t)list.count, sizeof(PngImage)) : NULL;
    if (status == SS_OK && !images) status = error_set(err, SS_ERR_RUNTIME, "out of memory");
    int any_colour = 0;
    for (int64_t i = 0; status == SS_OK && i < list.count; i++) {
        char *full = NULL;
        if (asprintf(&full, "%s/%s", dir, list.paths[i]) < 0) {
            status = error_set(err, SS_ERR_RUNTIME, "out of memory");
            break;
        }
        status = png_decode_file(full, &images[i], err);
        if (status == SS_OK && size > 0 && (images[i].width != size || images[i].height != size)) {
            PngImage resized;
            status = png_import_resize(&images[i], size, size, &resized, err);
            png_import_image_free(&images[i]);
            images[i] = resized;
        }
        if (status == SS_OK && (images[i].width != images[0].width || images[i].height != images[0].height))
            status = error_set(err, SS_ERR_INPUT, "%s: is %dx%d but %s/%s is %dx%d; images differ in size, pass --size PX",
                               full, images[i].width, images[i].height, dir, list.paths[0], images[0].width, images[0].height);
        if (status == SS_OK && images[i].channels == 3) any_colour = 1;
        free(full);
    }
    if (status == SS_OK) {
        int out_channels = channels ? channels : any_colour ? 3 : 1;
        status = dataset_alloc(ds, list.count, images[0].height, images[0].width, out_channels, class_count, err);
        if (status == SS_OK) {
            for (int k = 0; k < class_count; k++) {
                ds->class_names[k] = classes[k];
                classes[k] = NULL;
            }
            ds->names = list.paths;
            list.paths = NULL;
            for (int64_t i = 0; i < list.count; i++) {
                convert_channels(&images[i], out_channels, dataset_image(ds, i));
                ds->labels[i] = (uint8_t)list.labels[i];
            }
            char *source = NULL;
            if (size > 0) {
                if (asprintf(&source, "seedsweep import png %s --size %d --channels %d (area downscaling, bilinear upscaling)",
                             dir, size, out_channels) < 0) source = NULL;
            } else if (asprintf(&source, "seedsweep import png %s --channels %d", dir, out_channels) < 0) {
                source = NULL;
            }
            ds->source = source;
            if (!source) status = error_set(err, SS_ERR_RUNTIME, "out of memory");
        }
    }
    for (int64_t i = 0; images && i < list.count; i++) png_import_image_free(&images[i]);
    free(images);
    if (list.paths == NULL) list.count = 0;  /* ownership moved to ds */
    file_list_free(&list);
    for (int k = 0; classes && k < class_count; k++) free(classes[k]);
    free(classes);
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
