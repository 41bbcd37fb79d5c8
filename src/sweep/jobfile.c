/* jobfile.c - parses and validates the job file (DESIGN.md section 4) before any training.
 * libinih does the INI syntax; Debian builds it without line numbers in the handler, so we
 * feed it through our own line reader (ini_parse_stream) and count lines there. */
#include "seedsweep/jobfile.h"

#include <ctype.h>
#include <errno.h>
#include <float.h>
#include <ini.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "seedsweep/safe_file.h"
#include "seedsweep/sha256.h"

typedef struct Parser {
    const char *what;           /* file name for messages */
    const char *text, *cursor;  /* whole text; next unread byte */
    int line;                   /* 1-based number of the line inih is working on */
    int line_continues;         /* that line starts with whitespace (an INI continuation) */
    int section_line;           /* line of the last [section] header read */
    int long_line;              /* first line longer than inih's buffer that cannot be passed on, 0 if none */
    char *long_value;           /* the value of the long KEY = VALUE line inih is handed as LONG_VALUE_MARK */
    char long_line_section[64]; /* the section long_line is in */
    char section[64];           /* the section the reader is in (for messages about lines inih never sees) */
    JobSpec *job;
    Error *err;
    int failed;
    /* raw values collected by the handler; interpreted after parsing */
    char *values[4][16];
    int lines[4][16];
    char last_section[64], last_key[64];
} Parser;

enum { SEC_SWEEP, SEC_DATASETS, SEC_MODEL, SEC_TRAIN };
static const char *SECTIONS[] = {"sweep", "datasets", "model", "train"};
static const char *KEYS[4][8] = {
    {"name", "output", "seeds", "train", "vary", NULL},
    {NULL},
    {"input", "layers", "init", NULL},
    {"epochs", "batch", "lr", "beta1", "beta2", "eps", NULL},
};
enum { K_NAME, K_OUTPUT, K_SEEDS, K_TRAIN, K_VARY };
enum { K_INPUT, K_LAYERS, K_INIT };
enum { K_EPOCHS, K_BATCH, K_LR, K_BETA1, K_BETA2, K_EPS };

const char *vary_name(VaryKind vary) {
    return vary == VARY_INIT ? "init" : vary == VARY_ORDER ? "order" : "both";
}

#define LONG_VALUE_MARK "\001long-value"

/* A line longer than inih's buffer (INI_MAX_LINE): a comment is handed on as an empty comment, a
 * KEY = VALUE line as KEY = LONG_VALUE_MARK with VALUE kept in p->long_value (values such as
 * dataset paths may be long; inih's own trimming and inline ' ;' comments are applied here).
 * Returns 0 when the line cannot be handed on (a long section header or key). */
static int shorten_long_line(Parser *p, const char *line, size_t length, char *buffer, int size) {
    const char *first = line, *end = line + length;
    while (first < end && (*first == ' ' || *first == '\t')) first++;
    if (first < end && (*first == ';' || *first == '#')) {
        snprintf(buffer, (size_t)size, ";\n");
        return 1;
    }
    const char *delimiter = first;
    while (delimiter < end && *delimiter != '=' && *delimiter != ':' && *delimiter != '\n') delimiter++;
    if (*first == '[' || delimiter >= end || *delimiter == '\n' || (int)(delimiter - line) + 32 > size) return 0;
    const char *value = delimiter + 1;
    while (value < end && isspace((unsigned char)*value)) value++;
    const char *stop = value;
    while (stop < end && *stop != '\n' && !(*stop == ';' && stop > value && isspace((unsigned char)stop[-1]))) stop++;
    while (stop > value && isspace((unsigned char)stop[-1])) stop--;
    free(p->long_value);
    p->long_value = strndup(value, (size_t)(stop - value));
    if (!p->long_value) return 0;
    snprintf(buffer, (size_t)size, "%.*s= %s\n", (int)(delimiter - line), line, LONG_VALUE_MARK);
    return 1;
}

/* fgets-style reader for inih that counts lines and notices lines too long for its buffer. */
static char *read_line(char *buffer, int size, void *stream) {
    Parser *p = stream;
    if (!*p->cursor) return NULL;
    const char *end = strchr(p->cursor, '\n');
    size_t length = end ? (size_t)(end - p->cursor) + 1 : strlen(p->cursor);
    p->line++;
    p->line_continues = (*p->cursor == ' ' || *p->cursor == '\t');
    const char *first = p->cursor;
    while (*first == ' ' || *first == '\t') first++;
    if (*first == '[') {
        p->section_line = p->line;
        const char *close = first + 1;
        while (*close && *close != ']' && *close != '\n') close++;
        snprintf(p->section, sizeof p->section, "%.*s", (int)(close - first - 1), first + 1);
    }
    if (length + 1 > (size_t)size && shorten_long_line(p, p->cursor, length, buffer, size)) {
        /* handed on shortened; the value waits in p->long_value */
    } else if (length + 1 > (size_t)size) {
        if (!p->long_line) {
            p->long_line = p->line;
            snprintf(p->long_line_section, sizeof p->long_line_section, "%s", p->section[0] ? p->section : "?");
        }
        length = (size_t)size - 2;
        memcpy(buffer, p->cursor, length);
        buffer[length] = '\n';
        buffer[length + 1] = '\0';
    } else {
        memcpy(buffer, p->cursor, length);
        buffer[length] = '\0';
    }
    p->cursor += end ? (size_t)(end - p->cursor) + 1 : length;
    return buffer;
}

/* The [section] that line (1-based) of text is in, "?" before any. inih goes on after a bad line,
 * so the section of the last key it handed over may lie past the first error. */
static const char *section_of_line(const char *text, int line, char *out, size_t size) {
    snprintf(out, size, "?");
    for (int n = 1; *text && n <= line; n++) {
        const char *first = text;
        while (*first == ' ' || *first == '\t') first++;
        if (*first == '[') {
            const char *close = first + 1;
            while (*close && *close != ']' && *close != '\n') close++;
            snprintf(out, size, "%.*s", (int)(close - first - 1), first + 1);
        }
        const char *next = strchr(text, '\n');
        if (!next) break;
        text = next + 1;
    }
    return out;
}

static int fail_at(Parser *p, const char *section, const char *key, int line, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static int fail_at(Parser *p, const char *section, const char *key, int line, const char *fmt, ...) {
    if (p->failed) return 0;    /* keep the first error: later ones are often its echoes */
    char reason[700];
    va_list args;
    va_start(args, fmt);
    vsnprintf(reason, sizeof reason, fmt, args);
    va_end(args);
    if (key && line > 0)
        error_set(p->err, SS_ERR_INPUT, "%s: [%s] %s (line %d): %s", p->what, section, key, line, reason);
    else if (key)
        error_set(p->err, SS_ERR_INPUT, "%s: [%s] %s: %s", p->what, section, key, reason);
    else if (line > 0)
        error_set(p->err, SS_ERR_INPUT, "%s: [%s] (line %d): %s", p->what, section, line, reason);
    else
        error_set(p->err, SS_ERR_INPUT, "%s: [%s]: %s", p->what, section, reason);
    p->failed = 1;
    return 0;
}

static int section_index(const char *section) {
    for (int s = 0; s < 4; s++)
        if (!strcmp(section, SECTIONS[s])) return s;
    return -1;
}

static int valid_dataset_name(const char *name) {
    if (!*name || strlen(name) > 48 || !isalpha((unsigned char)name[0])) return 0;
    for (const char *c = name; *c; c++)
        if (!isalnum((unsigned char)*c) && *c != '_' && *c != '-') return 0;
    return 1;
}

static int handler(void *user, const char *section, const char *name, const char *value) {
    Parser *p = user;
    if (p->failed) return 1;
    if (!strcmp(value, LONG_VALUE_MARK) && p->long_value) value = p->long_value;
    int continuation = p->line_continues && !strcmp(section, p->last_section) && !strcmp(name, p->last_key);
    snprintf(p->last_section, sizeof p->last_section, "%s", section);
    snprintf(p->last_key, sizeof p->last_key, "%s", name);
    if (!*section) return fail_at(p, "", name, p->line, "a key before any [section]; expected [sweep] first");
    int s = section_index(section);
    if (s < 0)
        return fail_at(p, section, NULL, p->section_line, "unknown section; expected [sweep], [datasets], [model] or [train]");
    int k = -1;
    if (s == SEC_DATASETS) {
        JobSpec *job = p->job;
        for (int d = 0; d < job->dataset_count; d++)
            if (!strcmp(job->dataset_names[d], name)) {
                if (continuation) return fail_at(p, section, name, p->line, "a path cannot continue on a second line");
                return fail_at(p, section, name, p->line, "dataset listed twice (first on line %d)", job->dataset_lines[d]);
            }
        if (!valid_dataset_name(name))
            return fail_at(p, section, name, p->line,
                           "bad dataset name; expected a letter then letters, digits, '_' or '-' (at most 48)");
        if (!*value) return fail_at(p, section, name, p->line, "expected the path of a dataset file");
        if (job->dataset_count == JOB_MAX_DATASETS)
            return fail_at(p, section, name, p->line, "more than %d datasets", JOB_MAX_DATASETS);
        job->dataset_names[job->dataset_count] = ss_strdup(name, p->err);
        job->dataset_paths[job->dataset_count] = ss_strdup(value, p->err);
        job->dataset_lines[job->dataset_count] = p->line;
        job->dataset_count++;
        return 1;
    }
    for (int i = 0; KEYS[s][i]; i++)
        if (!strcmp(name, KEYS[s][i])) k = i;
    if (k < 0) {
        char expected[200] = "";
        for (int i = 0; KEYS[s][i]; i++)
            snprintf(expected + strlen(expected), sizeof expected - strlen(expected), "%s%s", i ? ", " : "", KEYS[s][i]);
        return fail_at(p, section, name, p->line, "unknown key; expected one of %s", expected);
    }
    if (p->values[s][k]) {
        if (!continuation)
            return fail_at(p, section, name, p->line, "key given twice (first on line %d)", p->lines[s][k]);
        /* an indented line continues the value (INI multi-line): join with a space */
        size_t length = strlen(p->values[s][k]) + strlen(value) + 2;
        char *joined = malloc(length);
        if (!joined) return fail_at(p, section, name, p->line, "out of memory");
        snprintf(joined, length, "%s %s", p->values[s][k], value);
        free(p->values[s][k]);
        p->values[s][k] = joined;
        return 1;
    }
    p->values[s][k] = ss_strdup(value, p->err);
    p->lines[s][k] = p->line;
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

static int parse_int(Parser *p, int s, int k, int low, int high, int *out) {
    const char *text = p->values[s][k];
    char *end;
    errno = 0;
    long v = strtol(text, &end, 10);
    if (errno || end == text || *end || v < low || v > high)
        return fail_at(p, SECTIONS[s], KEYS[s][k], p->lines[s][k], "'%s' is not an integer in %d..%d", text, low, high);
    *out = (int)v;
    return 1;
}

static int parse_float(Parser *p, int s, int k, double low, double high, int open_high, float *out) {
    const char *text = p->values[s][k];
    if (!text) return 1;    /* default already set */
    char *end;
    errno = 0;
    double v = strtod(text, &end);
    if (errno || end == text || *end || !isfinite(v) || v < low || (open_high ? v >= high : v > high) ||
        (low == 0.0 && v == 0.0 && k != K_BETA1 && k != K_BETA2) || (open_high && (float)v >= (float)high))
        return fail_at(p, SECTIONS[s], KEYS[s][k], p->lines[s][k], "'%s' is not a number in %s%g, %g%s", text,
                       low == 0.0 && k != K_BETA1 && k != K_BETA2 ? "(" : "[", low, high, open_high ? ")" : "]");
    /* a value within range as a double may still be 0 or subnormal as the float training uses
     * (1e-50 becomes 0: nothing trains, or eps = 0 divides by zero) */
    float f = (float)v;
    if (v != 0.0 && (!isfinite(f) || fpclassify(f) != FP_NORMAL))
        return fail_at(p, SECTIONS[s], KEYS[s][k], p->lines[s][k],
                       "'%s' is %s in single precision (smallest normal float %g); expected a larger value", text,
                       f == 0.0f ? "zero" : "subnormal", (double)FLT_MIN);
    *out = f;
    return 1;
}

static int interpret(Parser *p) {
    JobSpec *job = p->job;
    char *(*v)[16] = p->values;
    static const int required[][2] = {{SEC_SWEEP, K_SEEDS}, {SEC_SWEEP, K_TRAIN}, {SEC_MODEL, K_INPUT},
                                      {SEC_MODEL, K_LAYERS}, {SEC_TRAIN, K_EPOCHS}, {SEC_TRAIN, K_BATCH}};
    for (size_t i = 0; i < sizeof required / sizeof required[0]; i++) {
        int s = required[i][0], k = required[i][1];
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
    job->vary = VARY_BOTH;
    if (v[SEC_SWEEP][K_VARY]) {
        const char *vary = v[SEC_SWEEP][K_VARY];
        if (!strcmp(vary, "both")) job->vary = VARY_BOTH;
        else if (!strcmp(vary, "init")) job->vary = VARY_INIT;
        else if (!strcmp(vary, "order")) job->vary = VARY_ORDER;
        else return fail_at(p, "sweep", "vary", p->lines[SEC_SWEEP][K_VARY], "'%s': expected both, init or order", vary);
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

    if (!parse_int(p, SEC_TRAIN, K_EPOCHS, 1, 100000, &job->epochs)) return 0;
    if (!parse_int(p, SEC_TRAIN, K_BATCH, 1, 1000000, &job->batch)) return 0;
    job->lr = 0.001f;
    job->beta1 = 0.9f;
    job->beta2 = 0.999f;
    job->eps = 1e-7f;
    if (!parse_float(p, SEC_TRAIN, K_LR, 0.0, 1e3, 0, &job->lr)) return 0;
    if (!parse_float(p, SEC_TRAIN, K_BETA1, 0.0, 1.0, 1, &job->beta1)) return 0;
    if (!parse_float(p, SEC_TRAIN, K_BETA2, 0.0, 1.0, 1, &job->beta2)) return 0;
    if (!parse_float(p, SEC_TRAIN, K_EPS, 0.0, 1.0, 0, &job->eps)) return 0;
    return 1;
}

int jobfile_parse_text(const char *text, const char *what, JobSpec *job, Error *err) {
    memset(job, 0, sizeof *job);
    Parser p;
    memset(&p, 0, sizeof p);
    p.what = what;
    p.text = p.cursor = text;
    p.job = job;
    p.err = err;
    job->path = ss_strdup(what, err);
    job->text = ss_strdup(text, err);
    if (!job->path || !job->text) {
        jobfile_free(job);
        return SS_ERR_RUNTIME;
    }
    sha256_hex(text, strlen(text), job->sha256);
    int rc = ini_parse_stream(read_line, &p, handler, &p);
    if (!p.failed && p.long_line && (rc <= 0 || rc >= p.long_line))
        fail_at(&p, p.long_line_section, NULL, p.long_line,
                "line too long for the INI reader (a section header or key); shorten it");
    char section[64];
    if (!p.failed && rc > 0)
        fail_at(&p, section_of_line(text, rc, section, sizeof section), NULL, rc,
                "not an INI line; expected [section], KEY = VALUE, or a ; comment");
    if (!p.failed && rc < 0) fail_at(&p, "?", NULL, 0, "the INI reader failed (out of memory)");
    if (!p.failed) interpret(&p);
    free(p.long_value);
    for (int s = 0; s < 4; s++)
        for (int k = 0; k < 16; k++) free(p.values[s][k]);
    if (p.failed) {
        jobfile_free(job);
        return err ? (err->code ? err->code : SS_ERR_INPUT) : SS_ERR_INPUT;
    }
    return SS_OK;
}

int jobfile_parse(const char *path, JobSpec *job, Error *err) {
    memset(job, 0, sizeof *job);
    Error open_err = {0};
    FILE *f = safe_file_fopen_input(path, &open_err);   /* a FIFO or device is refused, not waited on */
    if (!f) return error_set(err, open_err.code, "job file %s", open_err.message);
    char *text = NULL;
    size_t length = 0, capacity = 0;
    for (;;) {
        if (length + 4096 + 1 > capacity) {
            capacity = capacity ? capacity * 2 : 8192;
            if (capacity > (64u << 20)) {
                free(text);
                fclose(f);
                return error_set(err, SS_ERR_INPUT, "%s: job file larger than 64 MiB", path);
            }
            char *grown = realloc(text, capacity);
            if (!grown) {
                free(text);
                fclose(f);
                return error_set(err, SS_ERR_RUNTIME, "%s: out of memory", path);
            }
            text = grown;
        }
        size_t got = fread(text + length, 1, 4096, f);
        length += got;
        if (got < 4096) break;
    }
    int read_error = ferror(f);
    fclose(f);
    if (read_error) {
        free(text);
        return error_set(err, SS_ERR_INPUT, "%s: cannot read job file", path);
    }
    text[length] = '\0';
    if (strlen(text) != length) {
        free(text);
        return error_set(err, SS_ERR_INPUT, "%s: not a text file (holds a NUL byte)", path);
    }
    int rc = jobfile_parse_text(text, path, job, err);
    free(text);
    return rc;
}

int jobfile_load_datasets(const JobSpec *job, Dataset *sets, Error *err) {
    memset(sets, 0, sizeof(Dataset) * job->dataset_count);
    Error inner = {0};
    int rc = SS_OK;
    const ModelSpec *m = &job->model;
    for (int d = 0; d < job->dataset_count && rc == SS_OK; d++) {
        const char *name = job->dataset_names[d];
        int line = job->dataset_lines[d];
        const int expect_hwc[3] = {m->input_h, m->input_w, m->input_c};
        if (dataset_load_shaped(job->dataset_paths[d], expect_hwc, &sets[d], &inner) != SS_OK) {
            const Dataset *b = &sets[d];
            if (b->height > 0 && d > 0)   /* refused for its image shape, before reading it */
                rc = error_set(err, SS_ERR_INPUT, "%s: [datasets] %s (line %d): images are %dx%dx%d but %s's are %dx%dx%d",
                               job->path, name, line, b->height, b->width, b->channels, job->dataset_names[0],
                               sets[0].height, sets[0].width, sets[0].channels);
            else if (b->height > 0)   /* the first dataset sets the shape: the model's line is at fault */
                rc = error_set(err, SS_ERR_INPUT,
                               "%s: [model] input (line %d): %dx%dx%d does not fit the images of %s (%dx%dx%d, %s)",
                               job->path, job->line_input, m->input_h, m->input_w, m->input_c, name, b->height,
                               b->width, b->channels, job->dataset_paths[d]);
            else
                rc = error_set(err, SS_ERR_INPUT, "%s: [datasets] %s (line %d): %s", job->path, name, line, inner.message);
            sets[d].height = sets[d].width = sets[d].channels = 0;
            break;
        }
        const Dataset *a = &sets[0], *b = &sets[d];
        if (b->height != a->height || b->width != a->width || b->channels != a->channels) {
            rc = error_set(err, SS_ERR_INPUT, "%s: [datasets] %s (line %d): images are %dx%dx%d but %s's are %dx%dx%d",
                           job->path, name, line, b->height, b->width, b->channels, job->dataset_names[0], a->height,
                           a->width, a->channels);
            break;
        }
        int same = b->class_count == a->class_count;
        for (int c = 0; same && c < a->class_count; c++) same = !strcmp(a->class_names[c], b->class_names[c]);
        if (!same) {
            char mine[300] = "", theirs[300] = "";
            for (int c = 0; c < b->class_count; c++)
                snprintf(mine + strlen(mine), sizeof mine - strlen(mine), "%s%s", c ? "," : "", b->class_names[c]);
            for (int c = 0; c < a->class_count; c++)
                snprintf(theirs + strlen(theirs), sizeof theirs - strlen(theirs), "%s%s", c ? "," : "", a->class_names[c]);
            rc = error_set(err, SS_ERR_INPUT, "%s: [datasets] %s (line %d): classes %s differ from %s's %s", job->path,
                           name, line, mine, job->dataset_names[0], theirs);
            break;
        }
        if (d == 0 && (m->input_h != a->height || m->input_w != a->width || m->input_c != a->channels)) {
            rc = error_set(err, SS_ERR_INPUT, "%s: [model] input (line %d): %dx%dx%d does not fit the images of %s (%dx%dx%d)",
                           job->path, job->line_input, m->input_h, m->input_w, m->input_c, name, a->height, a->width,
                           a->channels);
            break;
        }
        if (d == 0 && m->class_count != a->class_count) {
            rc = error_set(err, SS_ERR_INPUT,
                           "%s: [model] layers (line %d): the final dense layer has %d outputs but the datasets have %d classes",
                           job->path, job->line_layers, m->class_count, a->class_count);
            break;
        }
    }
    for (int t = 0; t < job->train_count && rc == SS_OK; t++) {
        const Dataset *train = &sets[job->train[t]];
        if (job->batch > train->count)
            rc = error_set(err, SS_ERR_INPUT, "%s: [train] batch (line %d): %d is larger than training dataset %s (%lld images)",
                           job->path, job->line_batch, job->batch, job->dataset_names[job->train[t]],
                           (long long)train->count);
    }
    if (rc != SS_OK)
        for (int d = 0; d < job->dataset_count; d++) dataset_free(&sets[d]);
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
