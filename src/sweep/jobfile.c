/* jobfile.c - parses and validates the job file (docs/design.md section 4) before any training.
 * ini.c does the INI syntax and counts the lines; this file gives the keys their meaning. */
#include "seedsweep/jobfile.h"

#include <ctype.h>
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "seedsweep/ini.h"
#include "seedsweep/safe_file.h"
#include "seedsweep/sha256.h"

typedef struct Parser {
    const char *what;           /* file name for messages */
    JobSpec *job;
    Error *err;
    int failed;
    /* raw values collected by the handler; interpreted after parsing */
    char *values[5][16];
    int lines[5][16];
} Parser;

enum { SEC_SWEEP, SEC_DATASETS, SEC_MODEL, SEC_TRAIN, SEC_GRID, SECTION_COUNT };
static const char *SECTIONS[] = {"sweep", "datasets", "model", "train", "grid"};
static const char *KEYS[SECTION_COUNT][10] = {
    {"name", "output", "seeds", "train", "vary", "design", "sample_fraction", "blas_mixing", NULL},
    {NULL},
    {"input", "layers", "init", NULL},
    {"epochs", "batch", "lr", "beta1", "beta2", "eps", "checkpoint_every", NULL},
    {"epochs", "batch", "lr", "beta1", "beta2", "eps", NULL},   /* [grid]: the training settings of [train] */
};
enum { K_NAME, K_OUTPUT, K_SEEDS, K_TRAIN, K_VARY, K_DESIGN, K_SAMPLE_FRACTION, K_BLAS_MIXING };
enum { K_INPUT, K_LAYERS, K_INIT };
/* the first six are the keys [grid] may list, in jobfile.h's order */
enum { K_EPOCHS = TRAIN_KEY_EPOCHS, K_BATCH = TRAIN_KEY_BATCH, K_LR = TRAIN_KEY_LR, K_BETA1 = TRAIN_KEY_BETA1,
       K_BETA2 = TRAIN_KEY_BETA2, K_EPS = TRAIN_KEY_EPS, K_CHECKPOINT_EVERY };

const char *train_key_name(int key) { return key >= 0 && key < JOB_TRAIN_KEYS ? KEYS[SEC_TRAIN][key] : "?"; }

static int fail_at(Parser *p, const char *section, const char *key, int line, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static int fail_at(Parser *p, const char *section, const char *key, int line, const char *fmt, ...) {
    if (p->failed) return 0;    /* keep the first error: later ones are often its echoes */
    char reason[700];
    va_list args;
    va_start(args, fmt);
    vsnprintf(reason, sizeof reason, fmt, args);
    va_end(args);
    /* lines have no length limit: a long section or key name is cut in the message */
    char section_shown[80], key_shown[80];
    snprintf(section_shown, sizeof section_shown, strlen(section) > 64 ? "%.64s..." : "%s", section);
    if (key) snprintf(key_shown, sizeof key_shown, strlen(key) > 64 ? "%.64s..." : "%s", key);
    if (key && line > 0)
        error_set(p->err, SS_ERR_INPUT, "%s: [%s] %s (line %d): %s", p->what, section_shown, key_shown, line, reason);
    else if (key)
        error_set(p->err, SS_ERR_INPUT, "%s: [%s] %s: %s", p->what, section_shown, key_shown, reason);
    else if (line > 0)
        error_set(p->err, SS_ERR_INPUT, "%s: [%s] (line %d): %s", p->what, section_shown, line, reason);
    else
        error_set(p->err, SS_ERR_INPUT, "%s: [%s]: %s", p->what, section_shown, reason);
    p->failed = 1;
    return 0;
}

static int section_index(const char *section) {
    for (int s = 0; s < SECTION_COUNT; s++)
        if (!strcmp(section, SECTIONS[s])) return s;
    return -1;
}

static int valid_dataset_name(const char *name) {
    if (!*name || strlen(name) > 48 || !isalpha((unsigned char)name[0])) return 0;
    for (const char *c = name; *c; c++)
        if (!isalnum((unsigned char)*c) && *c != '_' && *c != '-') return 0;
    return 1;
}

static int handler(void *user, const IniEntry *entry) {
    Parser *p = user;
    const char *section = entry->section, *name = entry->key, *value = entry->value;
    int continuation = entry->continuation;
    if (!*section) return fail_at(p, "", name, entry->line, "a key before any [section]; expected [sweep] first");
    int s = section_index(section);
    if (s < 0)
        return fail_at(p, section, NULL, entry->section_line, "unknown section; expected [sweep], [datasets], [model], [train] or [grid]");
    int k = -1;
    if (s == SEC_DATASETS) {
        JobSpec *job = p->job;
        for (int d = 0; d < job->dataset_count; d++)
            if (!strcmp(job->dataset_names[d], name)) {
                if (continuation) return fail_at(p, section, name, entry->line, "a path cannot continue on a second line");
                return fail_at(p, section, name, entry->line, "dataset listed twice (first on line %d)", job->dataset_lines[d]);
            }
        if (!valid_dataset_name(name))
            return fail_at(p, section, name, entry->line,
                           "bad dataset name; expected a letter then letters, digits, '_' or '-' (at most 48)");
        /* the results file names each dataset's image index /image_NAME (results_layout.c), and
         * /image_name is already the group of the images' source names */
        if (!strcmp(name, "name"))
            return fail_at(p, section, name, entry->line,
                           "reserved: the results file keeps the images' source names in /image_name, where this "
                           "dataset's image index would go; rename the dataset");
        if (!*value) return fail_at(p, section, name, entry->line, "expected the path of a dataset file");
        if (job->dataset_count == JOB_MAX_DATASETS)
            return fail_at(p, section, name, entry->line, "more than %d datasets", JOB_MAX_DATASETS);
        job->dataset_names[job->dataset_count] = ss_strdup(name, p->err);
        job->dataset_paths[job->dataset_count] = ss_strdup(value, p->err);
        job->dataset_lines[job->dataset_count] = entry->line;
        job->dataset_count++;
        return 1;
    }
    for (int i = 0; KEYS[s][i]; i++)
        if (!strcmp(name, KEYS[s][i])) k = i;
    if (k < 0) {
        char expected[200] = "";
        for (int i = 0; KEYS[s][i]; i++)
            snprintf(expected + strlen(expected), sizeof expected - strlen(expected), "%s%s", i ? ", " : "", KEYS[s][i]);
        return fail_at(p, section, name, entry->line, "%s; expected one of %s",
                       s == SEC_GRID ? "not a [train] key" : "unknown key", expected);
    }
    if (p->values[s][k]) {
        if (!continuation)
            return fail_at(p, section, name, entry->line, "key given twice (first on line %d)", p->lines[s][k]);
        /* an indented line continues the value (INI multi-line): join with a space */
        size_t length = strlen(p->values[s][k]) + strlen(value) + 2;
        char *joined = malloc(length);
        if (!joined) return fail_at(p, section, name, entry->line, "out of memory");
        snprintf(joined, length, "%s %s", p->values[s][k], value);
        free(p->values[s][k]);
        p->values[s][k] = joined;
        return 1;
    }
    p->values[s][k] = ss_strdup(value, p->err);
    p->lines[s][k] = entry->line;
    return 1;
}

static int compare_int64(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* Seeds: "0-9, 3, 7" - ranges and single values separated by commas and/or spaces. */
static int parse_seeds(Parser *p, const char *text, int line) {
    JobSpec *job = p->job;
    int capacity = 16;
    job->seeds = malloc(sizeof(int64_t) * capacity);
    if (!job->seeds) return fail_at(p, "sweep", "seeds", line, "out of memory");
    const char *c = text;
    while (*c) {
        while (*c == ',' || isspace((unsigned char)*c)) c++;
        if (!*c) break;
        const char *start = c;
        while (*c && *c != ',' && !isspace((unsigned char)*c)) c++;
        char word[64];
        size_t length = (size_t)(c - start);
        if (length >= sizeof word) return fail_at(p, "sweep", "seeds", line, "'%.40s...' is too long", start);
        memcpy(word, start, length);
        word[length] = '\0';
        /* also accept "3 - 7" with spaces around the dash */
        const char *look = c;
        while (isspace((unsigned char)*look)) look++;
        if (*look == '-' && word[length - 1] != '-' && strchr(word, '-') == NULL) {
            look++;
            while (isspace((unsigned char)*look)) look++;
            const char *end2 = look;
            while (*end2 && *end2 != ',' && !isspace((unsigned char)*end2)) end2++;
            if (end2 > look && (size_t)(end2 - look) + length + 2 < sizeof word) {
                snprintf(word + length, sizeof word - length, "-%.*s", (int)(end2 - look), look);
                c = end2;
            }
        }
        char *dash = strchr(word, '-');
        unsigned long long lo, hi;
        char *end;
        errno = 0;
        if (!isdigit((unsigned char)word[0])) goto bad;
        lo = strtoull(word, &end, 10);
        if (errno || (dash ? end != dash : *end)) goto bad;
        hi = lo;
        if (dash) {
            if (!isdigit((unsigned char)dash[1])) goto bad;
            hi = strtoull(dash + 1, &end, 10);
            if (errno || *end) goto bad;
            if (hi < lo) return fail_at(p, "sweep", "seeds", line, "range '%s' runs backwards; expected LOW-HIGH", word);
        }
        if (hi > (unsigned long long)INT64_MAX) goto bad;
        if (hi - lo >= (unsigned long long)JOB_MAX_SEEDS || job->seed_count + (hi - lo) + 1 > JOB_MAX_SEEDS)
            return fail_at(p, "sweep", "seeds", line, "more than %d seeds", JOB_MAX_SEEDS);
        for (unsigned long long s = lo;; s++) {
            if (job->seed_count == capacity) {
                capacity *= 2;
                int64_t *grown = realloc(job->seeds, sizeof(int64_t) * capacity);
                if (!grown) return fail_at(p, "sweep", "seeds", line, "out of memory");
                job->seeds = grown;
            }
            job->seeds[job->seed_count++] = (int64_t)s;
            if (s == hi) break;
        }
        continue;
    bad:
        return fail_at(p, "sweep", "seeds", line,
                       "'%s' is not a seed or range; expected non-negative integers like '0-9, 3, 7'", word);
    }
    if (job->seed_count == 0) return fail_at(p, "sweep", "seeds", line, "no seeds; expected e.g. '0-9'");
    /* duplicates: sort a copy */
    int64_t *sorted = malloc(sizeof(int64_t) * job->seed_count);
    if (!sorted) return fail_at(p, "sweep", "seeds", line, "out of memory");
    memcpy(sorted, job->seeds, sizeof(int64_t) * job->seed_count);
    qsort(sorted, job->seed_count, sizeof(int64_t), compare_int64);
    for (int i = 1; i < job->seed_count; i++)
        if (sorted[i] == sorted[i - 1]) {
            long long twice = (long long)sorted[i];
            free(sorted);
            return fail_at(p, "sweep", "seeds", line, "seed %lld appears twice", twice);
        }
    free(sorted);
    return 1;
}


static int parse_train(Parser *p, const char *text, int line) {
    JobSpec *job = p->job;
    char *copy = ss_strdup(text, p->err);
    if (!copy) return 0;
    char *save = NULL;
    for (char *word = strtok_r(copy, " \t,", &save); word; word = strtok_r(NULL, " \t,", &save)) {
        int found = -1;
        for (int d = 0; d < job->dataset_count; d++)
            if (!strcmp(job->dataset_names[d], word)) found = d;
        if (found < 0) {
            fail_at(p, "sweep", "train", line, "'%s' is not a dataset of [datasets]", word);
            break;
        }
        for (int t = 0; t < job->train_count; t++)
            if (job->train[t] == found) {
                fail_at(p, "sweep", "train", line, "'%s' is listed twice", word);
                break;
            }
        if (p->failed) break;
        job->train[job->train_count++] = found;
    }
    free(copy);
    if (!p->failed && job->train_count == 0)
        fail_at(p, "sweep", "train", line, "no training dataset; expected names from [datasets]");
    return !p->failed;
}

/* The range of each [train] key that [grid] may also list (K_EPOCHS .. K_EPS): integers for
 * epochs and batch, numbers for the rest; low is excluded where open_low, high where open_high. */
static const struct { int is_int; double low, high; int open_low, open_high; } TRAIN_RANGES[JOB_TRAIN_KEYS] = {
    [K_EPOCHS] = {1, 1, 100000, 0, 0},  [K_BATCH] = {1, 1, 1000000, 0, 0}, [K_LR] = {0, 0.0, 1e3, 1, 0},
    [K_BETA1] = {0, 0.0, 1.0, 0, 1},    [K_BETA2] = {0, 0.0, 1.0, 0, 1},   [K_EPS] = {0, 0.0, 1.0, 1, 0},
};

/* One value of training key k, from [train] or a [grid] list (section says which, for messages):
 * the same parser and checks for both. *out is the value as written; a number key must also be
 * usable as the float training computes with (not 0, subnormal, or rounded onto an excluded end). */
static int train_value(Parser *p, const char *section, int k, const char *text, int line, double *out) {
    const char *key = KEYS[SEC_TRAIN][k];
    double low = TRAIN_RANGES[k].low, high = TRAIN_RANGES[k].high;
    char *end;
    errno = 0;
    if (TRAIN_RANGES[k].is_int) {
        long v = strtol(text, &end, 10);
        if (errno || end == text || *end || v < low || v > high)
            return fail_at(p, section, key, line, "'%s' is not an integer in %d..%d", text, (int)low, (int)high);
        *out = (double)v;
        return 1;
    }
    double v = strtod(text, &end);
    int open_low = TRAIN_RANGES[k].open_low, open_high = TRAIN_RANGES[k].open_high;
    if (errno || end == text || *end || !isfinite(v) || v < low || (open_low && v == low) || v > high ||
        (open_high && (v == high || (float)v >= (float)high)))
        return fail_at(p, section, key, line, "'%s' is not a number in %s%g, %g%s", text, open_low ? "(" : "[", low,
                       high, open_high ? ")" : "]");
    /* a value within range as a double may still be 0 or subnormal as the float training uses
     * (1e-50 becomes 0: nothing trains, or eps = 0 divides by zero) */
    float f = (float)v;
    if (v != 0.0 && (!isfinite(f) || fpclassify(f) != FP_NORMAL))
        return fail_at(p, section, key, line,
                       "'%s' is %s in single precision (smallest normal float %g); expected a larger value", text,
                       f == 0.0f ? "zero" : "subnormal", (double)FLT_MIN);
    *out = v;
    return 1;
}

static int parse_int(Parser *p, int k, int *out) {
    double v = 0;
    if (!train_value(p, "train", k, p->values[SEC_TRAIN][k], p->lines[SEC_TRAIN][k], &v)) return 0;
    *out = (int)v;
    return 1;
}

static int parse_float(Parser *p, int k, float *out) {
    const char *text = p->values[SEC_TRAIN][k];
    if (!text) return 1;    /* default already set */
    double v = 0;
    if (!train_value(p, "train", k, text, p->lines[SEC_TRAIN][k], &v)) return 0;
    *out = (float)v;
    return 1;
}

/* [train] checkpoint_every: "off", seconds ("300s", "5m", "1h"; a bare number is seconds) or
 * epochs ("1 epoch", "2 epochs", "2e"). The unit decides which. */
static int parse_checkpoint_every(Parser *p, CheckpointEvery *out) {
    out->kind = CHECKPOINT_SECONDS;
    out->seconds = CHECKPOINT_DEFAULT_SECONDS;
    out->epochs = 0;
    const char *text = p->values[SEC_TRAIN][K_CHECKPOINT_EVERY];
    if (!text) return 1;
    if (!strcmp(text, "off")) {
        out->kind = CHECKPOINT_OFF;
        return 1;
    }
    char *end;
    errno = 0;
    double v = strtod(text, &end);
    const char *unit = end;
    while (isspace((unsigned char)*unit)) unit++;
    int ok = !errno && end != text && isdigit((unsigned char)text[0]) && isfinite(v) && v > 0;
    if (ok && (!strcmp(unit, "e") || !strcmp(unit, "epoch") || !strcmp(unit, "epochs"))) {
        ok = v <= 100000 && v == floor(v);
        out->kind = CHECKPOINT_EPOCHS;
        out->epochs = ok ? (int)v : 0;
    } else if (ok) {
        double scale = !*unit || !strcmp(unit, "s") ? 1 : !strcmp(unit, "m") || !strcmp(unit, "min") ? 60
                       : !strcmp(unit, "h") ? 3600 : 0;
        out->seconds = v * scale;
        ok = scale > 0 && out->seconds >= 1 && out->seconds <= 1e7;
    }
    if (!ok)
        return fail_at(p, "train", "checkpoint_every", p->lines[SEC_TRAIN][K_CHECKPOINT_EVERY],
                       "'%s': expected off, seconds of at least 1 (300s, 5m, 1h) or whole epochs (1 epoch, 2e)", text);
    return 1;
}

/* [sweep] vary, design and sample_fraction. vary: words from init, order, sample and both
 * (= init order), each at most once. */
static int parse_design(Parser *p) {
    JobSpec *job = p->job;
    const char *text = p->values[SEC_SWEEP][K_VARY];
    int line = p->lines[SEC_SWEEP][K_VARY];
    job->vary = VARY_BOTH;
    if (text) {
        unsigned vary = 0;
        char copy[256];
        if (strlen(text) >= sizeof copy) return fail_at(p, "sweep", "vary", line, "too long; expected e.g. 'init order'");
        snprintf(copy, sizeof copy, "%s", text);
        char *save = NULL;
        for (char *word = strtok_r(copy, " \t,", &save); word; word = strtok_r(NULL, " \t,", &save)) {
            unsigned bits = !strcmp(word, "init") ? VARY_INIT : !strcmp(word, "order") ? VARY_ORDER
                          : !strcmp(word, "sample") ? VARY_SAMPLE : !strcmp(word, "both") ? VARY_BOTH : 0;
            if (!bits) return fail_at(p, "sweep", "vary", line, "'%s': expected any of init, order, sample (both = init order)", word);
            if (vary & bits) return fail_at(p, "sweep", "vary", line, "'%s' repeats a source already listed", word);
            vary |= bits;
        }
        if (!vary) return fail_at(p, "sweep", "vary", line, "empty; expected any of init, order, sample (both = init order)");
        job->vary = (VaryKind)vary;
    }
    job->design = DESIGN_PLAIN;
    const char *design = p->values[SEC_SWEEP][K_DESIGN];
    if (design) {
        if (!strcmp(design, "plain")) job->design = DESIGN_PLAIN;
        else if (!strcmp(design, "decompose")) job->design = DESIGN_DECOMPOSE;
        else return fail_at(p, "sweep", "design", p->lines[SEC_SWEEP][K_DESIGN], "'%s': expected plain or decompose", design);
        if (job->design == DESIGN_DECOMPOSE && text)
            return fail_at(p, "sweep", "vary", line, "not used with design = decompose (every source is varied in turn); remove it");
    }
    job->sample_fraction = 0.0;
    const char *fraction = p->values[SEC_SWEEP][K_SAMPLE_FRACTION];
    if (fraction) {
        int fline = p->lines[SEC_SWEEP][K_SAMPLE_FRACTION];
        char *end;
        errno = 0;
        double f = strtod(fraction, &end);
        if (errno || end == fraction || *end || !(f > 0.0 && f <= 1.0))
            return fail_at(p, "sweep", "sample_fraction", fline, "'%s' is not a number in (0, 1]", fraction);
        if (!jobfile_uses_sample(job))
            return fail_at(p, "sweep", "sample_fraction", fline,
                           "has no effect: vary does not include sample and design is not decompose");
        job->sample_fraction = f;
    }
    return 1;
}

static int compare_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* [grid]: each key a list of values, checked like its [train] key; not also given in [train]. */
static int parse_grid(Parser *p) {
    JobSpec *job = p->job;
    for (int k = 0; k < JOB_TRAIN_KEYS; k++) {
        const char *text = p->values[SEC_GRID][k];
        if (!text) continue;
        const char *key = KEYS[SEC_GRID][k];
        int line = p->lines[SEC_GRID][k];
        if (p->values[SEC_TRAIN][k])
            return fail_at(p, "grid", key, line, "also given in [train] (line %d); give it in one place", p->lines[SEC_TRAIN][k]);
        int is_int = TRAIN_RANGES[k].is_int;
        int n = 0;
        double *values = job->grid_values[job->grid_key_count];
        const char *c = text;
        while (*c) {
            while (*c == ',' || isspace((unsigned char)*c)) c++;
            if (!*c) break;
            const char *start = c;
            while (*c && *c != ',' && !isspace((unsigned char)*c)) c++;
            if (n == JOB_MAX_GRID_VALUES) return fail_at(p, "grid", key, line, "more than %d values", JOB_MAX_GRID_VALUES);
            char *word = strndup(start, (size_t)(c - start));   /* whole, however long: never cut */
            if (!word) return fail_at(p, "grid", key, line, "out of memory");
            int ok = train_value(p, "grid", k, word, line, &values[n]);
            /* two values that train alike are one grid point twice: numbers compare as the floats
             * training uses (0.1 and 0.10000000001 are one float) */
            for (int j = 0; ok && j < n; j++) {
                if (values[j] == values[n])
                    ok = fail_at(p, "grid", key, line, "value %g appears twice", values[n]);
                else if (!is_int && (float)values[j] == (float)values[n])
                    ok = fail_at(p, "grid", key, line, "'%s' is the same in single precision as the earlier %.17g (%.9g)",
                                 word, values[j], (double)(float)values[n]);
            }
            free(word);
            if (!ok) return 0;
            n++;
        }
        if (n == 0) return fail_at(p, "grid", key, line, "empty list; expected one or more values");
        double sorted[JOB_MAX_GRID_VALUES];
        memcpy(sorted, values, sizeof(double) * n);
        qsort(sorted, n, sizeof(double), compare_double);
        job->grid_keys[job->grid_key_count] = k;
        job->grid_value_count[job->grid_key_count] = n;
        job->grid_key_count++;
        /* epochs, batch: the largest (array width, model batch); others: the first value */
        double chosen = is_int ? sorted[n - 1] : job->grid_values[job->grid_key_count - 1][0];
        if (k == K_EPOCHS) job->epochs = (int)chosen;
        else if (k == K_BATCH) job->batch = (int)chosen;
        else if (k == K_LR) job->lr = (float)chosen;
        else if (k == K_BETA1) job->beta1 = (float)chosen;
        else if (k == K_BETA2) job->beta2 = (float)chosen;
        else job->eps = (float)chosen;
    }
    /* in file order, as the grid point order promises */
    for (int i = 1; i < job->grid_key_count; i++)
        for (int j = i; j > 0 && p->lines[SEC_GRID][job->grid_keys[j]] < p->lines[SEC_GRID][job->grid_keys[j - 1]]; j--) {
            int key = job->grid_keys[j], count = job->grid_value_count[j];
            double values[JOB_MAX_GRID_VALUES];
            memcpy(values, job->grid_values[j], sizeof values);
            job->grid_keys[j] = job->grid_keys[j - 1];
            job->grid_value_count[j] = job->grid_value_count[j - 1];
            memcpy(job->grid_values[j], job->grid_values[j - 1], sizeof values);
            job->grid_keys[j - 1] = key;
            job->grid_value_count[j - 1] = count;
            memcpy(job->grid_values[j - 1], values, sizeof values);
        }
    if ((int64_t)jobfile_grid_point_count(job) * job->train_count * jobfile_group_count(job) * job->seed_count > INT32_MAX)
        return fail_at(p, "grid", NULL, 0, "more than %d tasks", INT32_MAX);
    return 1;
}

static int interpret(Parser *p) {
    JobSpec *job = p->job;
    char *(*v)[16] = p->values;
    static const int required[][2] = {{SEC_SWEEP, K_SEEDS}, {SEC_SWEEP, K_TRAIN}, {SEC_MODEL, K_INPUT},
                                      {SEC_MODEL, K_LAYERS}, {SEC_TRAIN, K_EPOCHS}, {SEC_TRAIN, K_BATCH}};
    for (size_t i = 0; i < sizeof required / sizeof required[0]; i++) {
        int s = required[i][0], k = required[i][1];
        if (s == SEC_TRAIN && v[SEC_GRID][k]) continue;   /* given in [grid] instead */
        if (!v[s][k]) return fail_at(p, SECTIONS[s], KEYS[s][k], 0, "missing; this key is required");
    }
    if (job->dataset_count == 0) return fail_at(p, "datasets", NULL, 0, "missing or empty; expected NAME = PATH lines");
    job->line_seeds = p->lines[SEC_SWEEP][K_SEEDS];
    job->line_train = p->lines[SEC_SWEEP][K_TRAIN];
    job->line_input = p->lines[SEC_MODEL][K_INPUT];
    job->line_layers = p->lines[SEC_MODEL][K_LAYERS];
    job->line_epochs = p->lines[SEC_TRAIN][K_EPOCHS];
    job->line_batch = p->lines[SEC_TRAIN][K_BATCH];

    if (v[SEC_SWEEP][K_NAME]) {
        if (!*v[SEC_SWEEP][K_NAME]) return fail_at(p, "sweep", "name", p->lines[SEC_SWEEP][K_NAME], "empty name");
        job->name = ss_strdup(v[SEC_SWEEP][K_NAME], p->err);
    } else {
        const char *base = strrchr(p->what, '/');
        job->name = ss_strdup(base ? base + 1 : p->what, p->err);
        if (job->name) {
            char *dot = strrchr(job->name, '.');
            if (dot && dot != job->name) *dot = '\0';
        }
    }
    if (v[SEC_SWEEP][K_OUTPUT]) {
        if (!*v[SEC_SWEEP][K_OUTPUT])
            return fail_at(p, "sweep", "output", p->lines[SEC_SWEEP][K_OUTPUT], "empty; expected a file name");
        job->output = ss_strdup(v[SEC_SWEEP][K_OUTPUT], p->err);
    }
    if (!parse_seeds(p, v[SEC_SWEEP][K_SEEDS], job->line_seeds)) return 0;
    if (!parse_train(p, v[SEC_SWEEP][K_TRAIN], job->line_train)) return 0;
    if (!parse_design(p)) return 0;
    job->blas_mixing_allowed = 0;
    if (v[SEC_SWEEP][K_BLAS_MIXING]) {
        const char *mixing = v[SEC_SWEEP][K_BLAS_MIXING];
        if (!strcmp(mixing, "allow")) job->blas_mixing_allowed = 1;
        else if (strcmp(mixing, "refuse"))
            return fail_at(p, "sweep", "blas_mixing", p->lines[SEC_SWEEP][K_BLAS_MIXING], "'%s': expected refuse or allow",
                           mixing);
    }

    job->model_input = ss_strdup(v[SEC_MODEL][K_INPUT], p->err);
    job->model_layers = ss_strdup(v[SEC_MODEL][K_LAYERS], p->err);
    Error model_err = {0};
    if (model_spec_parse(job->model_input, job->model_layers, &job->model, &model_err) != SS_OK) {
        /* routed by what was parsed, not by the message: the input shape is read first, so a
         * spec left without one means the input was refused, else the layers were */
        int is_input = job->model.input_h == 0;
        return fail_at(p, "model", is_input ? "input" : "layers", is_input ? job->line_input : job->line_layers, "%s",
                       model_err.message);
    }
    job->init = INIT_GLOROT_UNIFORM;
    if (v[SEC_MODEL][K_INIT] && init_kind_parse(v[SEC_MODEL][K_INIT], &job->init, &model_err) != SS_OK)
        return fail_at(p, "model", "init", p->lines[SEC_MODEL][K_INIT], "%s", model_err.message);

    if (v[SEC_TRAIN][K_EPOCHS] && !parse_int(p, K_EPOCHS, &job->epochs)) return 0;
    if (v[SEC_TRAIN][K_BATCH] && !parse_int(p, K_BATCH, &job->batch)) return 0;
    job->lr = 0.001f;
    job->beta1 = 0.9f;
    job->beta2 = 0.999f;
    job->eps = 1e-7f;
    if (!parse_float(p, K_LR, &job->lr)) return 0;
    if (!parse_float(p, K_BETA1, &job->beta1)) return 0;
    if (!parse_float(p, K_BETA2, &job->beta2)) return 0;
    if (!parse_float(p, K_EPS, &job->eps)) return 0;
    if (!parse_checkpoint_every(p, &job->checkpoint_every)) return 0;
    return parse_grid(p);
}

int jobfile_parse_text(const char *text, const char *what, JobSpec *job, Error *err) {
    memset(job, 0, sizeof *job);
    Parser p;
    memset(&p, 0, sizeof p);
    p.what = what;
    p.job = job;
    p.err = err;
    job->path = ss_strdup(what, err);
    job->text = ss_strdup(text, err);
    if (!job->path || !job->text) {
        jobfile_free(job);
        return SS_ERR_RUNTIME;
    }
    sha256_hex(text, strlen(text), job->sha256);
    IniSyntaxError bad;
    int rc = ini_parse_text(text, handler, &p, &bad);
    if (!p.failed && rc > 0)
        fail_at(&p, bad.section, NULL, bad.line, "not an INI line; expected [section], KEY = VALUE, or a ; comment");
    if (!p.failed && rc == INI_NO_MEMORY) fail_at(&p, "?", NULL, 0, "out of memory reading the job file");
    if (!p.failed) interpret(&p);
    for (int s = 0; s < SECTION_COUNT; s++)
        for (int k = 0; k < 16; k++) free(p.values[s][k]);
    if (p.failed) {
        jobfile_free(job);
        return err ? (err->code ? err->code : SS_ERR_INPUT) : SS_ERR_INPUT;
    }
    return SS_OK;
}

int jobfile_parse(const char *path, JobSpec *job, Error *err) {
    memset(job, 0, sizeof *job);
    char *text = safe_file_read_text(path, "job file", 64u << 20, err);
    if (!text) return err ? err->code : SS_ERR_INPUT;
    int rc = jobfile_parse_text(text, path, job, err);
    free(text);
    return rc;
}

void jobfile_free(JobSpec *job) {
    if (!job) return;
    free(job->path);
    free(job->text);
    free(job->name);
    free(job->output);
    free(job->seeds);
    for (int d = 0; d < job->dataset_count; d++) {
        free(job->dataset_names[d]);
        free(job->dataset_paths[d]);
    }
    free(job->model_input);
    free(job->model_layers);
    memset(job, 0, sizeof *job);
}
