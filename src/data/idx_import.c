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

int idx_import(const char *images_path, const char *labels_path, const IdxOptions *options, Dataset *ds, Error *err) {
    memset(ds, 0, sizeof *ds);
    int shard_count = options->shard_count > 0 ? options->shard_count : 1;
    if (options->shard_index < 0 || options->shard_index >= shard_count)
        return error_set(err, SS_ERR_INPUT, "--shard %d/%d: expected I/N with 0 <= I < N", options->shard_index, shard_count);
    if (options->max_count < 0) return error_set(err, SS_ERR_INPUT, "--count must be positive");

    /* labels: the whole file, it is small */
    gzFile f = open_idx(labels_path, err);
    if (!f) return err->code;
    uint32_t header[3];
    if (read_be32(f, header, 2)) {
        gzclose(f);
        return error_set(err, SS_ERR_INPUT, "%s: too short for an IDX header", labels_path);
    }
    if (header[0] != IDX_LABELS_MAGIC) {
        gzclose(f);
        return error_set(err, SS_ERR_INPUT, "%s: magic number %u is not an IDX label file's (expected %d)",
                         labels_path, header[0], IDX_LABELS_MAGIC);
    }
    uint32_t label_count = header[1];
    uint64_t label_limit = idx_content_limit(labels_path, f);
    if (8 + (uint64_t)label_count > label_limit) {
        gzclose(f);
        return error_set(err, SS_ERR_INPUT, "%s: truncated: header says %u labels, the file cannot hold more than %llu",
                         labels_path, label_count, (unsigned long long)(label_limit > 8 ? label_limit - 8 : 0));
    }
    uint8_t *labels = malloc(label_count ? label_count : 1);
    if (!labels) {
        gzclose(f);
        return error_set(err, SS_ERR_RUNTIME, "out of memory for %u labels", label_count);
    }
    int got = gzread(f, labels, label_count);
    gzclose(f);
    if (got < 0 || (uint32_t)got != label_count) {
        free(labels);
        return error_set(err, SS_ERR_INPUT, "%s: truncated: header says %u labels, file holds %d", labels_path, label_count,
                         got < 0 ? 0 : got);
    }

    /* images header */
    f = open_idx(images_path, err);
    if (!f) {
        free(labels);
        return err->code;
    }
    int status = SS_OK;
    uint32_t magic = 0, dims[3] = {0, 0, 0};
    if (read_be32(f, &magic, 1))
        status = error_set(err, SS_ERR_INPUT, "%s: too short for an IDX header", images_path);
    else if (magic != IDX_IMAGES_MAGIC)
        status = error_set(err, SS_ERR_INPUT, "%s: magic number %u is not an IDX image file's (expected %d)", images_path,
                           magic, IDX_IMAGES_MAGIC);
    else if (read_be32(f, dims, 3))
        status = error_set(err, SS_ERR_INPUT, "%s: too short for an IDX header", images_path);
    uint32_t image_count = dims[0], rows = dims[1], cols = dims[2];
    if (status == SS_OK && image_count != label_count)
        status = error_set(err, SS_ERR_INPUT, "%s holds %u images but %s holds %u labels", images_path, image_count,
                           labels_path, label_count);
    if (status == SS_OK && image_count == 0) status = error_set(err, SS_ERR_INPUT, "%s: holds zero images", images_path);
    if (status == SS_OK && (rows == 0 || cols == 0 || rows > 16384 || cols > 16384))
        status = error_set(err, SS_ERR_INPUT, "%s: image size %ux%u is not valid", images_path, rows, cols);
    if (status == SS_OK && 16 + (uint64_t)image_count * rows * cols > idx_content_limit(images_path, f))
        status = error_set(err, SS_ERR_INPUT, "%s: truncated: header says %u images of %ux%u, more than the file can hold",
                           images_path, image_count, rows, cols);

    /* class names of the files' label values */
    int max_label = 0;
    for (uint32_t i = 0; i < label_count; i++)
        if (labels[i] > max_label) max_label = labels[i];
    char **names = NULL, **keep_tokens = NULL;
    int name_count = 0, keep_count = 0;
    if (status == SS_OK) {
        if (options->class_names) {
            if (split_list(options->class_names, &names, &name_count)) status = error_set(err, SS_ERR_RUNTIME, "out of memory");
            else if (name_count <= max_label)
                status = error_set(err, SS_ERR_INPUT, "--class-names gives %d names but %s has label %d", name_count,
                                   labels_path, max_label);
        } else {
            int fashion = contains_fashion(images_path) || contains_fashion(labels_path);
            name_count = fashion && max_label < 10 ? 10 : max_label + 1;
            names = calloc((size_t)name_count, sizeof(char *));
            for (int k = 0; names && k < name_count; k++) {
                char digits[16];
                snprintf(digits, sizeof digits, "%d", k);
                names[k] = strdup(fashion && max_label < 10 ? IDX_FASHION_MNIST_NAMES[k] : digits);
                if (!names[k]) status = error_set(err, SS_ERR_RUNTIME, "out of memory");
            }
            if (!names) status = error_set(err, SS_ERR_RUNTIME, "out of memory");
        }
    }
    /* label value -> new label (or -1: dropped) */
    int remap[256];
    for (int k = 0; k < 256; k++) remap[k] = k < name_count ? k : -1;
    int out_classes = name_count;
    if (status == SS_OK && options->classes) {
        if (split_list(options->classes, &keep_tokens, &keep_count)) status = error_set(err, SS_ERR_RUNTIME, "out of memory");
        for (int k = 0; k < 256; k++) remap[k] = -1;
        for (int t = 0; status == SS_OK && t < keep_count; t++) {
            const char *token = keep_tokens[t];
            int value = -1;
            for (int k = 0; k < name_count && value < 0; k++)
                if (strcasecmp(token, names[k]) == 0) value = k;
            if (value < 0 && token[0]) {
                char *end;
                long v = strtol(token, &end, 10);
                if (!*end && v >= 0 && v < name_count) value = (int)v;
            }
            if (value < 0) {
                status = error_set(err, SS_ERR_INPUT, "--classes: '%s' is neither a label number (0-%d) nor a class name of %s",
                                   token, name_count - 1, images_path);
            } else if (remap[value] >= 0) {
                status = error_set(err, SS_ERR_INPUT, "--classes: '%s' given twice", token);
            } else {
                remap[value] = t;
            }
        }
        out_classes = keep_count;
        if (status == SS_OK && keep_count < 1) status = error_set(err, SS_ERR_INPUT, "--classes: no classes given");
    }

    /* which images to keep, in file order */
    uint8_t *keep = status == SS_OK ? calloc(image_count, 1) : NULL;
    int64_t kept = 0, filtered = 0;
    if (status == SS_OK && !keep) status = error_set(err, SS_ERR_RUNTIME, "out of memory");
    for (uint32_t i = 0; status == SS_OK && i < image_count; i++) {
        if (remap[labels[i]] < 0) continue;
        if (filtered++ % shard_count != options->shard_index) continue;
        if (options->max_count && kept >= options->max_count) break;
        keep[i] = 1;
        kept++;
    }
    if (status == SS_OK && kept == 0)
        status = error_set(err, SS_ERR_INPUT, "%s: no images left after --classes/--shard/--count", images_path);
    if (status == SS_OK) status = dataset_alloc(ds, kept, (int)rows, (int)cols, 1, out_classes, err);
    if (status == SS_OK) {
        for (int k = 0; k < name_count; k++)
            if (remap[k] >= 0) {
                ds->class_names[remap[k]] = names[k];
                names[k] = NULL;
            }
        ds->names = calloc((size_t)kept, sizeof(char *));
        if (!ds->names) status = error_set(err, SS_ERR_RUNTIME, "out of memory");
    }
    const char *base = strrchr(images_path, '/');
    base = base ? base + 1 : images_path;
    size_t image_bytes = (size_t)rows * cols;
    uint8_t *scratch = status == SS_OK ? malloc(image_bytes) : NULL;
    if (status == SS_OK && !scratch) status = error_set(err, SS_ERR_RUNTIME, "out of memory");
    int64_t slot = 0;
    for (uint32_t i = 0; status == SS_OK && i < image_count && slot < kept; i++) {
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
    if (status == SS_OK) {
        char *source = NULL;
        if (asprintf(&source, "seedsweep import idx %s %s%s%s --shard %d/%d%s", images_path, labels_path,
                     options->classes ? " --classes " : "", options->classes ? options->classes : "",
                     options->shard_index, shard_count, options->max_count ? " (capped by --count)" : "") < 0)
            source = NULL;
        ds->source = source;
        if (!source) status = error_set(err, SS_ERR_RUNTIME, "out of memory");
    }
    if (status == SS_OK) {
        char what[600];
        snprintf(what, sizeof what, "%s (after --classes/--shard/--count)", images_path);
        status = dataset_validate(ds, what, err);
    }
    gzclose(f);
    free(scratch);
    free(keep);
    free(labels);
    free_tokens(names, name_count);
    free_tokens(keep_tokens, keep_count);
    if (status != SS_OK) dataset_free(ds);
    return status;
}
