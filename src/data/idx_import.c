/* idx_import.c - 'import idx': MNIST-style IDX files (zlib's gzread reads gzip and plain alike).
 * Selection order, fixed so that shards are disjoint and cover: class filter, then shard
 * (every N-th surviving image from I), then the --count cap, all in file order. */
#include "seedsweep/idx_import.h"
#include "seedsweep/safe_file.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <zlib.h>

const char *const IDX_FASHION_MNIST_NAMES[10] = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                                  "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"};

enum { IDX_IMAGES_MAGIC = 2051, IDX_LABELS_MAGIC = 2049 };

/* Reads big-endian uint32s; -1 when the file ends early. */
static int read_be32(gzFile f, uint32_t *values, int count) {
    unsigned char bytes[16];
    if (gzread(f, bytes, (unsigned)(4 * count)) != 4 * count) return -1;
    for (int i = 0; i < count; i++)
        values[i] = (uint32_t)bytes[4 * i] << 24 | (uint32_t)bytes[4 * i + 1] << 16 | (uint32_t)bytes[4 * i + 2] << 8 | bytes[4 * i + 3];
    return 0;
}

static gzFile open_idx(const char *path, Error *err) {
    /* gzopen's errno is unreliable, and it would wait on a FIFO: check the file first */
    if (safe_file_check_input(path, NULL, err) != SS_OK) return NULL;
    gzFile f = gzopen(path, "rb");
    if (!f) error_set(err, SS_ERR_RUNTIME, "%s: cannot open with zlib", path);
    else gzbuffer(f, 1 << 17);
    return f;
}

/* The most bytes f can hold after the first `consumed`: the file's size when plain, else the deflate
 * format's ceiling (1032:1, plus slack for headers). Checked before allocating what a header claims,
 * so a truncated or corrupt file reads as "truncated" (exit 2) rather than as a huge allocation. */
static uint64_t idx_content_limit(const char *path, gzFile f) {
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) return UINT64_MAX;
    uint64_t size = (uint64_t)st.st_size;
    return gzdirect(f) ? size : size * 1032 + 4096;
}

static int contains_fashion(const char *path) {
    for (const char *p = path; *p; p++)
        if (strncasecmp(p, "fashion", 7) == 0) return 1;
    return 0;
}

/* Splits "a,b,c" into trimmed, non-empty tokens. */
static int split_list(const char *text, char ***tokens, int *count) {
    *tokens = NULL;
    *count = 0;
    char *copy = strdup(text);
    if (!copy) return -1;
    int capacity = 1;
    for (const char *p = text; *p; p++) capacity += *p == ',';
    *tokens = calloc((size_t)capacity, sizeof(char *));
    if (!*tokens) {
        free(copy);
        return -1;
    }
    char *start = copy;
    for (;;) {
        char *comma = strchr(start, ',');
        if (comma) *comma = 0;
        while (isspace((unsigned char)*start)) start++;
        char *end = start + strlen(start);
        while (end > start && isspace((unsigned char)end[-1])) *--end = 0;
        if (!((*tokens)[(*count)++] = strdup(start))) {
            free(copy);
            return -1;
        }
        if (!comma) break;
        start = comma + 1;
    }
    free(copy);
    return 0;
}

static void free_tokens(char **tokens, int count) {
    for (int i = 0; i < count; i++) free(tokens[i]);
    free(tokens);
}

/* The whole labels file (it is small): header checked, count bounded by what the file can hold. */
static int read_labels(const char *labels_path, uint8_t **out, uint32_t *count, Error *err) {
    *out = NULL;
    gzFile f = open_idx(labels_path, err);
    if (!f) return err->code;
    uint32_t header[2] = {0, 0};
    int status = SS_OK;
    if (read_be32(f, header, 2)) status = error_set(err, SS_ERR_INPUT, "%s: too short for an IDX header", labels_path);
    else if (header[0] != IDX_LABELS_MAGIC)
        status = error_set(err, SS_ERR_INPUT, "%s: magic number %u is not an IDX label file's (expected %d)",
                           labels_path, header[0], IDX_LABELS_MAGIC);
    uint32_t label_count = status == SS_OK ? header[1] : 0;
    uint64_t label_limit = status == SS_OK ? idx_content_limit(labels_path, f) : 0;
    if (status == SS_OK && 8 + (uint64_t)label_count > label_limit)
        status = error_set(err, SS_ERR_INPUT, "%s: truncated: header says %u labels, the file cannot hold more than %llu",
                           labels_path, label_count, (unsigned long long)(label_limit > 8 ? label_limit - 8 : 0));
    uint8_t *labels = status == SS_OK ? malloc(label_count ? label_count : 1) : NULL;
    if (status == SS_OK && !labels) status = error_set(err, SS_ERR_RUNTIME, "out of memory for %u labels", label_count);
    int got = status == SS_OK ? gzread(f, labels, label_count) : 0;
    gzclose(f);
    if (status == SS_OK && (got < 0 || (uint32_t)got != label_count))
        status = error_set(err, SS_ERR_INPUT, "%s: truncated: header says %u labels, file holds %d", labels_path,
                           label_count, got < 0 ? 0 : got);
    if (status != SS_OK) {
        free(labels);
        return status;
    }
    *out = labels;
    *count = label_count;
    return SS_OK;
}

/* Opens the images file and checks its header against the labels; *f left at the first pixel. */
static int open_images(const char *images_path, const char *labels_path, uint32_t label_count, gzFile *out,
                       uint32_t *rows, uint32_t *cols, Error *err) {
    gzFile f = open_idx(images_path, err);
    if (!f) return err->code;
    int status = SS_OK;
    uint32_t magic = 0, dims[3] = {0, 0, 0};
    if (read_be32(f, &magic, 1))
        status = error_set(err, SS_ERR_INPUT, "%s: too short for an IDX header", images_path);
    else if (magic != IDX_IMAGES_MAGIC)
        status = error_set(err, SS_ERR_INPUT, "%s: magic number %u is not an IDX image file's (expected %d)", images_path,
                           magic, IDX_IMAGES_MAGIC);
    else if (read_be32(f, dims, 3))
        status = error_set(err, SS_ERR_INPUT, "%s: too short for an IDX header", images_path);
    uint32_t image_count = dims[0];
    if (status == SS_OK && image_count != label_count)
        status = error_set(err, SS_ERR_INPUT, "%s holds %u images but %s holds %u labels", images_path, image_count,
                           labels_path, label_count);
    if (status == SS_OK && image_count == 0) status = error_set(err, SS_ERR_INPUT, "%s: holds zero images", images_path);
    if (status == SS_OK && (dims[1] == 0 || dims[2] == 0 || dims[1] > 16384 || dims[2] > 16384))
        status = error_set(err, SS_ERR_INPUT, "%s: image size %ux%u is not valid", images_path, dims[1], dims[2]);
    if (status == SS_OK && 16 + (uint64_t)image_count * dims[1] * dims[2] > idx_content_limit(images_path, f))
        status = error_set(err, SS_ERR_INPUT, "%s: truncated: header says %u images of %ux%u, more than the file can hold",
                           images_path, image_count, dims[1], dims[2]);
    if (status != SS_OK) {
        gzclose(f);
        return status;
    }
    *out = f;
    *rows = dims[1];
    *cols = dims[2];
    return SS_OK;
}

/* One name per label value of the files: --class-names, else Fashion-MNIST's or the numbers. */
static int class_names_of(const IdxOptions *options, const char *images_path, const char *labels_path,
                          const uint8_t *labels, uint32_t label_count, char ***names, int *name_count, Error *err) {
    int max_label = 0;
    for (uint32_t i = 0; i < label_count; i++)
        if (labels[i] > max_label) max_label = labels[i];
    if (options->class_names) {
        if (split_list(options->class_names, names, name_count)) return error_set(err, SS_ERR_RUNTIME, "out of memory");
        if (*name_count <= max_label)
            return error_set(err, SS_ERR_INPUT, "--class-names gives %d names but %s has label %d", *name_count,
                             labels_path, max_label);
        return SS_OK;
    }
    int fashion = (contains_fashion(images_path) || contains_fashion(labels_path)) && max_label < 10;
    *name_count = fashion ? 10 : max_label + 1;
    *names = calloc((size_t)*name_count, sizeof(char *));
    if (!*names) return error_set(err, SS_ERR_RUNTIME, "out of memory");
    for (int k = 0; k < *name_count; k++) {
        char digits[16];
        snprintf(digits, sizeof digits, "%d", k);
        if (!((*names)[k] = strdup(fashion ? IDX_FASHION_MNIST_NAMES[k] : digits)))
            return error_set(err, SS_ERR_RUNTIME, "out of memory");
    }
    return SS_OK;
}

/* remap[label value] = new label, or -1 when --classes drops it; *out_classes the classes kept. */
static int class_remap(const IdxOptions *options, const char *images_path, char **names, int name_count, int *remap,
                       int *out_classes, Error *err) {
    for (int k = 0; k < 256; k++) remap[k] = k < name_count ? k : -1;
    *out_classes = name_count;
    if (!options->classes) return SS_OK;
    char **tokens = NULL;
    int count = 0, status = SS_OK;
    if (split_list(options->classes, &tokens, &count)) status = error_set(err, SS_ERR_RUNTIME, "out of memory");
    for (int k = 0; k < 256; k++) remap[k] = -1;
    for (int t = 0; status == SS_OK && t < count; t++) {
        const char *token = tokens[t];
        int value = -1;
        for (int k = 0; k < name_count && value < 0; k++)
            if (strcasecmp(token, names[k]) == 0) value = k;
        if (value < 0 && token[0]) {
            char *end;
            long v = strtol(token, &end, 10);
            if (!*end && v >= 0 && v < name_count) value = (int)v;
        }
        if (value < 0)
            status = error_set(err, SS_ERR_INPUT, "--classes: '%s' is neither a label number (0-%d) nor a class name of %s",
                               token, name_count - 1, images_path);
        else if (remap[value] >= 0) status = error_set(err, SS_ERR_INPUT, "--classes: '%s' given twice", token);
        else remap[value] = t;
    }
    *out_classes = count;
    if (status == SS_OK && count < 1) status = error_set(err, SS_ERR_INPUT, "--classes: no classes given");
    free_tokens(tokens, count);
    return status;
}

/* keep[i] for every image, in file order: class filter, then shard, then the --count cap. */
static int64_t select_images(const IdxOptions *options, int shard_count, const uint8_t *labels, uint32_t image_count,
                             const int *remap, uint8_t *keep) {
    int64_t kept = 0, filtered = 0;
    for (uint32_t i = 0; i < image_count; i++) {
        if (remap[labels[i]] < 0) continue;
        if (filtered++ % shard_count != options->shard_index) continue;
        if (options->max_count && kept >= options->max_count) break;
        keep[i] = 1;
        kept++;
    }
    return kept;
}

/* Streams the pixels past the images not kept into ds (allocated for the kept ones), with labels and names. */
static int read_selected(gzFile f, const char *images_path, const uint8_t *labels, uint32_t image_count,
                         const uint8_t *keep, const int *remap, Dataset *ds, Error *err) {
    const char *base = strrchr(images_path, '/');
    base = base ? base + 1 : images_path;
    size_t image_bytes = (size_t)ds->height * ds->width;
    uint8_t *scratch = malloc(image_bytes);
    ds->names = calloc((size_t)ds->count, sizeof(char *));
    if (!scratch || !ds->names) {
        free(scratch);
        return error_set(err, SS_ERR_RUNTIME, "out of memory");
    }
    int status = SS_OK;
    int64_t slot = 0;
    for (uint32_t i = 0; status == SS_OK && i < image_count && slot < ds->count; i++) {
        uint8_t *dst = keep[i] ? dataset_image(ds, slot) : scratch;
        if (gzread(f, dst, (unsigned)image_bytes) != (int)image_bytes) {
            status = error_set(err, SS_ERR_INPUT, "%s: truncated at image %u of %u", images_path, i, image_count);
            break;
        }
        if (!keep[i]) continue;
        ds->labels[slot] = (uint8_t)remap[labels[i]];
        if (asprintf(&ds->names[slot], "%s#%u", base, i) < 0) {
            ds->names[slot] = NULL;
            status = error_set(err, SS_ERR_RUNTIME, "out of memory");
        }
        slot++;
    }
    free(scratch);
    return status;
}

static int set_source(const char *images_path, const char *labels_path, const IdxOptions *options, int shard_count,
                      Dataset *ds, Error *err) {
    char *source = NULL;
    if (asprintf(&source, "seedsweep import idx %s %s%s%s --shard %d/%d%s", images_path, labels_path,
                 options->classes ? " --classes " : "", options->classes ? options->classes : "",
                 options->shard_index, shard_count, options->max_count ? " (capped by --count)" : "") < 0)
        source = NULL;
    ds->source = source;
    return source ? SS_OK : error_set(err, SS_ERR_RUNTIME, "out of memory");
}

int idx_import(const char *images_path, const char *labels_path, const IdxOptions *options, Dataset *ds, Error *err) {
    memset(ds, 0, sizeof *ds);
    int shard_count = options->shard_count > 0 ? options->shard_count : 1;
    if (options->shard_index < 0 || options->shard_index >= shard_count)
        return error_set(err, SS_ERR_INPUT, "--shard %d/%d: expected I/N with 0 <= I < N", options->shard_index, shard_count);
    if (options->max_count < 0) return error_set(err, SS_ERR_INPUT, "--count must be positive");
    uint8_t *labels = NULL;
    uint32_t count = 0, rows = 0, cols = 0;
    int status = read_labels(labels_path, &labels, &count, err);
    if (status != SS_OK) return status;
    gzFile f = NULL;
    status = open_images(images_path, labels_path, count, &f, &rows, &cols, err);
    char **names = NULL;
    int name_count = 0, out_classes = 0, remap[256];
    if (status == SS_OK) status = class_names_of(options, images_path, labels_path, labels, count, &names, &name_count, err);
    if (status == SS_OK) status = class_remap(options, images_path, names, name_count, remap, &out_classes, err);
    uint8_t *keep = status == SS_OK ? calloc(count, 1) : NULL;
    if (status == SS_OK && !keep) status = error_set(err, SS_ERR_RUNTIME, "out of memory");
    int64_t kept = status == SS_OK ? select_images(options, shard_count, labels, count, remap, keep) : 0;
    if (status == SS_OK && kept == 0)
        status = error_set(err, SS_ERR_INPUT, "%s: no images left after --classes/--shard/--count", images_path);
    if (status == SS_OK) status = dataset_alloc(ds, kept, (int)rows, (int)cols, 1, out_classes, err);
    for (int k = 0; status == SS_OK && k < name_count; k++)
        if (remap[k] >= 0) {
            ds->class_names[remap[k]] = names[k];
            names[k] = NULL;
        }
    if (status == SS_OK) status = read_selected(f, images_path, labels, count, keep, remap, ds, err);
    if (status == SS_OK) status = set_source(images_path, labels_path, options, shard_count, ds, err);
    if (status == SS_OK) {
        char what[600];
        snprintf(what, sizeof what, "%s (after --classes/--shard/--count)", images_path);
        status = dataset_validate(ds, what, err);
    }
    if (f) gzclose(f);
    free(keep);
    free(labels);
    free_tokens(names, name_count);
    if (status != SS_OK) dataset_free(ds);
    return status;
}
