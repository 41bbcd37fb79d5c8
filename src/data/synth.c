/* synth.c - synthetic fly-brain cell images: soft-edged cells with textured cytoplasm, a darker
 * nucleus, bright aggregates (many in Snap29, few in Control), optical blur and camera noise.
 * Every base image has its own random stream keyed by (seed, preset, base index), so an image does
 * not depend on --count, and each base appears rotated by 0, 90, 180 and 270 degrees, like the
 * original data set's augmented copies. */
#include "seedsweep/synth.h"

#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "seedsweep/rng.h"

/* Tuned by eye on montages (data/README.md) so the three brains look alike: fly2 differs from fly1
 * by a little gain, background, noise and blur; fly3 more, with smaller, dimmer aggregates and a
 * batch effect (Control fields exposed brighter), the kind of shortcut a network can learn instead.
 * Then tuned on the paper's network (data/README.md, "Tuning"): dark fields (cytoplasm ~60 of 255)
 * with bright aggregates, as fluorescence images are, made fly1-trained runs stop collapsing. */
static const SynthPreset PRESETS[] = {
    {"fly1", "brain 1 ('train' in the paper): bright, well-separated aggregates",
     400, 12.0, 1.00, 60.0, 0.45, 2.0, 3.0, 1.20, 1.60, 3.00, 8.0, 40.0, 1.5, 1.00},
    {"fly2", "brain 2 ('test1'): a little more gain, background, noise and blur than fly1",
     783, 14.0, 1.06, 56.0, 0.40, 1.8, 3.5, 1.30, 1.70, 2.80, 8.0, 38.0, 2.0, 1.00},
    {"fly3", "brain 3 ('test2'): fewer, smaller, dimmer aggregates, more noise; Control fields exposed 50% brighter",
     719, 16.0, 0.95, 59.0, 0.42, 1.6, 4.0, 1.30, 1.35, 2.60, 6.0, 32.0, 2.0, 1.50},
};
enum { PRESET_COUNT = sizeof PRESETS / sizeof PRESETS[0] };

const SynthPreset *synth_presets(int *count) {
    *count = PRESET_COUNT;
    return PRESETS;
}

const SynthPreset *synth_find_preset(const char *name) {
    for (int i = 0; i < PRESET_COUNT; i++)
        if (!strcmp(PRESETS[i].name, name)) return &PRESETS[i];
    return NULL;
}

void synth_describe_presets(FILE *out) {
    for (int i = 0; i < PRESET_COUNT; i++) {
        const SynthPreset *p = &PRESETS[i];
        fprintf(out, "  %s: %s\n", p->name, p->summary);
        fprintf(out, "    default count %d; background %.0f, gain %.2f, cytoplasm %.0f, nucleus %.0f%% darker\n",
                p->default_count, p->background, p->gain, p->cytoplasm, 100.0 * p->nucleus_darkness);
        fprintf(out, "    noise: %.1f photons/level + read noise %.1f; blur sigma %.2f px\n",
                p->photons_per_level, p->read_noise, p->blur);
        fprintf(out, "    aggregates: sigma %.2f px, peak %.2f x cytoplasm; per Snap29 cell %.0f-%.0f,"
                     " per Control cell %.1f (Poisson means)\n",
                p->aggregate_sigma, p->aggregate_contrast, p->snap29_aggregates_min, p->snap29_aggregates_max,
                p->control_aggregates);
        if (p->control_brightness != 1.0)
            fprintf(out, "    batch effect: Control fields exposed x%.2f relative to Snap29 fields\n", p->control_brightness);
    }
}

/* The keys synth --set may change, with bounds that keep an image meaningful (and Poisson's
 * product method away from underflow). */
static const struct {
    const char *key;
    size_t offset;
    double lo, hi;
    const char *what;
} KEYS[] = {
    {"background", offsetof(SynthPreset, background), 0, 255, "grey level outside cells"},
    {"gain", offsetof(SynthPreset, gain), 0.01, 10, "camera gain (every level is multiplied by it)"},
    {"cytoplasm", offsetof(SynthPreset, cytoplasm), 0, 255, "mean cytoplasm level"},
    {"nucleus_darkness", offsetof(SynthPreset, nucleus_darkness), 0, 1, "nucleus = cytoplasm x (1 - this)"},
    {"photons_per_level", offsetof(SynthPreset, photons_per_level), 0.01, 1e6, "shot noise: variance of level v is v / this"},
    {"read_noise", offsetof(SynthPreset, read_noise), 0, 100, "Gaussian read noise, grey levels"},
    {"blur", offsetof(SynthPreset, blur), 0, 20, "optical blur, Gaussian sigma in px"},
    {"aggregate_sigma", offsetof(SynthPreset, aggregate_sigma), 0.1, 20, "aggregate radius, Gaussian sigma in px"},
    {"aggregate_contrast", offsetof(SynthPreset, aggregate_contrast), 0, 20, "aggregate peak above cytoplasm, x cytoplasm"},
    {"snap29_aggregates_min", offsetof(SynthPreset, snap29_aggregates_min), 0, 200, "per Snap29 cell: mean count, lowest"},
    {"snap29_aggregates_max", offsetof(SynthPreset, snap29_aggregates_max), 0, 200, "per Snap29 cell: mean count, highest"},
    {"control_aggregates", offsetof(SynthPreset, control_aggregates), 0, 200, "per Control cell: mean count (Poisson)"},
    {"control_brightness", offsetof(SynthPreset, control_brightness), 0.1, 10, "Control fields' exposure / Snap29's"},
};
enum { KEY_COUNT = sizeof KEYS / sizeof KEYS[0] };

static double *key_field(SynthPreset *p, int k) { return (double *)((char *)p + KEYS[k].offset); }
static double key_value(const SynthPreset *p, int k) { return *(const double *)((const char *)p + KEYS[k].offset); }

void synth_describe_keys(FILE *out) {
    for (int k = 0; k < KEY_COUNT; k++)
        fprintf(out, "    %-22s %g..%g: %s\n", KEYS[k].key, KEYS[k].lo, KEYS[k].hi, KEYS[k].what);
}

int synth_preset_set(SynthPreset *p, const char *assignment, Error *err) {
    const char *eq = strchr(assignment, '=');
    size_t length = eq ? (size_t)(eq - assignment) : strlen(assignment);
    int k = 0;
    while (k < KEY_COUNT && (strlen(KEYS[k].key) != length || strncmp(KEYS[k].key, assignment, length))) k++;
    if (k == KEY_COUNT)
        return error_set(err, SS_ERR_INPUT, "--set '%.80s': unknown key (synth --help lists them)", assignment);
    char *end;
    errno = 0;
    double v = eq ? strtod(eq + 1, &end) : 0;
    if (!eq || errno || end == eq + 1 || *end || !(v >= KEYS[k].lo && v <= KEYS[k].hi))
        return error_set(err, SS_ERR_INPUT, "--set '%.80s': expected %s=NUMBER in %g..%g", assignment, KEYS[k].key,
                         KEYS[k].lo, KEYS[k].hi);
    *key_field(p, k) = v;
    return SS_OK;
}

static uint64_t mix64(uint64_t x) {
    x += 0x9E3779B97F4A7C15ull;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}

static double uniform_in(Rng *rng, double lo, double hi) { return lo + (hi - lo) * rng_uniform(rng); }

/* Knuth's multiplication method: fine for the small means used here. */
static int poisson(Rng *rng, double mean) {
    if (mean <= 0) return 0;
    double limit = exp(-mean), product = rng_uniform(rng);
    int k = 0;
    while (product > limit && k < 1000) {
        product *= rng_uniform(rng);
        k++;
    }
    return k;
}

/* Smooth value noise in [0, 1] at one scale (cell pixels), accumulated into field with weight. */
static void add_value_noise(float *field, int size, double cell, double weight, Rng *rng) {
    int grid = (int)(size / cell) + 3;
    float *knots = malloc(sizeof(float) * grid * grid);
    if (!knots) return;
    for (int i = 0; i < grid * grid; i++) knots[i] = (float)rng_uniform(rng);
    for (int y = 0; y < size; y++) {
        double gy = y / cell;
        int iy = (int)gy;
        double ty = gy - iy;
        ty = ty * ty * (3 - 2 * ty);
        for (int x = 0; x < size; x++) {
            double gx = x / cell;
            int ix = (int)gx;
            double tx = gx - ix;
            tx = tx * tx * (3 - 2 * tx);
            const float *row0 = knots + iy * grid, *row1 = row0 + grid;
            double top = row0[ix] + (row0[ix + 1] - row0[ix]) * tx;
            double bottom = row1[ix] + (row1[ix + 1] - row1[ix]) * tx;
            field[y * size + x] += (float)(weight * (top + (bottom - top) * ty));
        }
    }
    free(knots);
}

typedef struct Cell {
    double cx, cy, radius, aspect, angle;   /* ellipse: semi-axes radius and radius*aspect */
    double harmonic[3], phase[3];           /* boundary wobble, orders 2, 3, 5 */
    double nx, ny, nucleus_radius;          /* nucleus centre and radius */
} Cell;

static const int HARMONIC_ORDER[3] = {2, 3, 5};

/* Boundary radius factor at angle theta (1 = the ellipse). */
static double cell_boundary(const Cell *c, double theta) {
    double r = 1.0;
    for (int k = 0; k < 3; k++) r += c->harmonic[k] * cos(HARMONIC_ORDER[k] * theta + c->phase[k]);
    return r;
}

static double sigmoid(double x) { return 1.0 / (1.0 + exp(-x)); }

/* Paints one cell's body and nucleus into image (additive), using texture in [0, 1]. */
static void paint_cell(float *image, const float *texture, int size, const Cell *c, double level,
                       double nucleus_darkness, double scale) {
    double reach = c->radius * 1.25 + 4 * scale;
    int x0 = (int)fmax(0, c->cx - reach), x1 = (int)fmin(size - 1, c->cx + reach);
    int y0 = (int)fmax(0, c->cy - reach), y1 = (int)fmin(size - 1, c->cy + reach);
    double cosa = cos(c->angle), sina = sin(c->angle);
    double edge = 2.2 * scale, nucleus_edge = 1.6 * scale;
    for (int y = y0; y <= y1; y++)
        for (int x = x0; x <= x1; x++) {
            double dx = x - c->cx, dy = y - c->cy;
            double u = (dx * cosa + dy * sina) / c->radius;
            double v = (-dx * sina + dy * cosa) / (c->radius * c->aspect);
            double rho = sqrt(u * u + v * v);
            double boundary = cell_boundary(c, atan2(v, u));
            double body = sigmoid((boundary - rho) * c->radius / edge);
            if (body < 1e-3) continue;
            double nd = hypot(x - c->nx, y - c->ny);
            double nucleus = sigmoid((c->nucleus_radius - nd) / nucleus_edge);
            /* cytoplasm a little brighter around the nucleus, grainy texture throughout */
            double radial = 1.0 + 0.25 * fmax(0.0, 1.0 - rho / boundary);
            double t = texture[y * size + x];
            double value = level * radial * (0.7 + 0.6 * t) * (1.0 - nucleus_darkness * nucleus);
            image[y * size + x] += (float)(body * value);
        }
}

static void paint_spot(float *image, int size, double cx, double cy, double sigma, double peak) {
    double reach = 3.5 * sigma;
    int x0 = (int)fmax(0, floor(cx - reach)), x1 = (int)fmin(size - 1, ceil(cx + reach));
    int y0 = (int)fmax(0, floor(cy - reach)), y1 = (int)fmin(size - 1, ceil(cy + reach));
    double inv = 1.0 / (2 * sigma * sigma);
    for (int y = y0; y <= y1; y++)
        for (int x = x0; x <= x1; x++) {
            double d2 = (x - cx) * (x - cx) + (y - cy) * (y - cy);
            image[y * size + x] += (float)(peak * exp(-d2 * inv));
        }
}

/* A neurite-like process: a thin, tapering, gently curving line leaving the cell edge (both classes). */
static void paint_process(float *image, int size, const Cell *c, double level, double scale, Rng *rng) {
    double theta = uniform_in(rng, 0, 2 * M_PI);
    double rho = 0.9 * cell_boundary(c, theta);
    double u = rho * cos(theta) * c->radius, v = rho * sin(theta) * c->radius * c->aspect;
    double x = c->cx + u * cos(c->angle) - v * sin(c->angle), y = c->cy + u * sin(c->angle) + v * cos(c->angle);
    double heading = atan2(y - c->cy, x - c->cx) + uniform_in(rng, -0.4, 0.4);
    double bend = uniform_in(rng, -0.025, 0.025) / scale, length = uniform_in(rng, 0.5, 1.6) * c->radius;
    double width = uniform_in(rng, 1.2, 2.0) * scale, brightness = uniform_in(rng, 0.35, 0.6) * level;
    for (double travelled = 0; travelled < length; travelled += 1.0) {
        double fade = 1.0 - travelled / length;
        /* spots one pixel apart along a Gaussian line of sigma w sum to about sqrt(2 pi) w times the peak */
        paint_spot(image, size, x, y, width * (0.5 + 0.5 * fade), brightness * fade / (2.5 * width));
        heading += bend + 0.05 * rng_normal(rng);
        x += cos(heading);
        y += sin(heading);
    }
}

/* Aggregates sit in the cytoplasm, between the nucleus and the membrane, denser near the nucleus,
 * some in small clusters. */
static void paint_aggregates(float *image, int size, const Cell *c, int count, double sigma, double peak, Rng *rng) {
    double px = 0, py = 0;
    for (int i = 0; i < count; i++) {
        double x, y;
        if (i > 0 && rng_uniform(rng) < 0.3) {
            x = px + rng_normal(rng) * 2.5 * sigma;
            y = py + rng_normal(rng) * 2.5 * sigma;
        } else {
            double theta = uniform_in(rng, 0, 2 * M_PI);
            double inner = fmin(0.85, c->nucleus_radius / c->radius + 0.08);
            double rho = (inner + (0.9 - inner) * pow(rng_uniform(rng), 1.4)) * cell_boundary(c, theta);
            double u = rho * cos(theta) * c->radius, v = rho * sin(theta) * c->radius * c->aspect;
            x = c->cx + u * cos(c->angle) - v * sin(c->angle);
            y = c->cy + u * sin(c->angle) + v * cos(c->angle);
        }
        px = x;
        py = y;
        paint_spot(image, size, x, y, sigma * uniform_in(rng, 0.75, 1.3), peak * uniform_in(rng, 0.6, 1.4));
    }
}

/* Separable Gaussian blur with clamped borders; scratch holds size*size floats. */
static void gaussian_blur(float *image, float *scratch, int size, double sigma) {
    if (sigma <= 0.05) return;
    int radius = (int)ceil(3 * sigma);
    float kernel[64];
    if (radius > 31) radius = 31;
    double total = 0;
    for (int i = -radius; i <= radius; i++) total += kernel[i + radius] = (float)exp(-i * i / (2 * sigma * sigma));
    for (int i = 0; i <= 2 * radius; i++) kernel[i] = (float)(kernel[i] / total);
    for (int y = 0; y < size; y++)
        for (int x = 0; x < size; x++) {
            float sum = 0;
            for (int k = -radius; k <= radius; k++) {
                int xx = x + k < 0 ? 0 : x + k >= size ? size - 1 : x + k;
                sum += kernel[k + radius] * image[y * size + xx];
            }
            scratch[y * size + x] = sum;
        }
    for (int y = 0; y < size; y++)
        for (int x = 0; x < size; x++) {
            float sum = 0;
            for (int k = -radius; k <= radius; k++) {
                int yy = y + k < 0 ? 0 : y + k >= size ? size - 1 : y + k;
                sum += kernel[k + radius] * scratch[yy * size + x];
            }
            image[y * size + x] = sum;
        }
}

/* One base image of the given class into out (size*size bytes). work holds 3*size*size floats. */
static void render_base(const SynthPreset *p, int size, int snap29, Rng *rng, float *work, uint8_t *out) {
    float *image = work, *texture = work + size * size, *scratch = work + 2 * size * size;
    int pixels = size * size;
    double scale = size / 256.0;

    /* background: uneven out-of-focus haze */
    memset(texture, 0, sizeof(float) * pixels);
    add_value_noise(texture, size, 64 * scale + 1, 1.0, rng);
    for (int i = 0; i < pixels; i++) image[i] = (float)(p->background * (0.8 + 0.4 * texture[i]));

    /* cytoplasm texture: granular at two scales */
    memset(texture, 0, sizeof(float) * pixels);
    add_value_noise(texture, size, 9 * scale + 1, 0.6, rng);
    add_value_noise(texture, size, 3 * scale + 1, 0.4, rng);

    double u = rng_uniform(rng);
    int cell_count = u < 0.5 ? 1 : u < 0.85 ? 2 : 3;
    Cell cells[3];
    int placed = 0;
    for (int attempt = 0; placed < cell_count && attempt < 40; attempt++) {
        Cell c;
        c.radius = uniform_in(rng, 42, 68) * scale * (cell_count > 1 ? 0.85 : 1.0);
        c.aspect = uniform_in(rng, 0.72, 1.0);
        c.angle = uniform_in(rng, 0, M_PI);
        c.cx = uniform_in(rng, 0.22, 0.78) * size;
        c.cy = uniform_in(rng, 0.22, 0.78) * size;
        for (int k = 0; k < 3; k++) {
            c.harmonic[k] = uniform_in(rng, 0, 0.07);
            c.phase[k] = uniform_in(rng, 0, 2 * M_PI);
        }
        double offset = uniform_in(rng, 0, 0.22) * c.radius * c.aspect, direction = uniform_in(rng, 0, 2 * M_PI);
        c.nx = c.cx + offset * cos(direction);
        c.ny = c.cy + offset * sin(direction);
        c.nucleus_radius = uniform_in(rng, 0.30, 0.42) * c.radius * c.aspect;
        int clear = 1;
        for (int j = 0; j < placed; j++)
            if (hypot(c.cx - cells[j].cx, c.cy - cells[j].cy) < 0.9 * (c.radius + cells[j].radius)) clear = 0;
        if (clear) cells[placed++] = c;
    }
    for (int j = 0; j < placed; j++) {
        double level = p->cytoplasm * uniform_in(rng, 0.8, 1.2);
        paint_cell(image, texture, size, &cells[j], level, p->nucleus_darkness, scale);
        int processes = (int)rng_below(rng, 3);
        for (int k = 0; k < processes; k++) paint_process(image, size, &cells[j], level, scale, rng);
        double mean = snap29 ? uniform_in(rng, p->snap29_aggregates_min, p->snap29_aggregates_max) : p->control_aggregates;
        paint_aggregates(image, size, &cells[j], poisson(rng, mean), p->aggregate_sigma * scale,
                         p->aggregate_contrast * level, rng);
    }
    /* debris: a few bright specks outside cells, in both classes */
    int debris = poisson(rng, 1.5);
    for (int i = 0; i < debris; i++)
        paint_spot(image, size, uniform_in(rng, 0, size), uniform_in(rng, 0, size), p->aggregate_sigma * scale * uniform_in(rng, 0.8, 1.6),
                   p->aggregate_contrast * p->cytoplasm * uniform_in(rng, 0.3, 0.8));

    gaussian_blur(image, scratch, size, p->blur * scale);

    /* camera: exposure, shot noise (Gaussian with variance = level / photons_per_level) and read noise
     * as one Gaussian, then 8-bit quantisation */
    double exposure = p->gain * (snap29 ? 1.0 : p->control_brightness) * uniform_in(rng, 0.92, 1.08);
    for (int i = 0; i < pixels; i++) {
        double v = image[i] * exposure;
        double sd = sqrt(fmax(v, 0.0) / p->photons_per_level + p->read_noise * p->read_noise);
        double noisy = v + sd * rng_normal(rng);
        out[i] = (uint8_t)(noisy <= 0 ? 0 : noisy >= 255 ? 255 : lround(noisy));
    }
}

/* dst = src rotated by quarter turns counter-clockwise (square images). */
static void rotate_square(uint8_t *dst, const uint8_t *src, int size, int quarter_turns) {
    for (int y = 0; y < size; y++)
        for (int x = 0; x < size; x++) {
            int sx, sy;
            switch (quarter_turns & 3) {
            case 0: sx = x; sy = y; break;
            case 1: sx = size - 1 - y; sy = x; break;
            case 2: sx = size - 1 - x; sy = size - 1 - y; break;
            default: sx = y; sy = size - 1 - x; break;
            }
            dst[y * size + x] = src[sy * size + sx];
        }
}

/* The command that remakes a file: "--set key=value" for every key that differs from the built-in preset. */
static void describe_source(const SynthPreset *p, const SynthPreset *builtin, int size, int64_t count, uint64_t seed,
                            int channels, char *out, size_t capacity) {
    size_t used = (size_t)snprintf(out, capacity, "seedsweep synth %s --size %d --count %lld --seed %llu", p->name, size,
                                   (long long)count, (unsigned long long)seed);
    if (channels != 1 && used < capacity) used += (size_t)snprintf(out + used, capacity - used, " --channels %d", channels);
    for (int k = 0; k < KEY_COUNT && used < capacity; k++)
        if (key_value(p, k) != key_value(builtin, k))
            used += (size_t)snprintf(out + used, capacity - used, " --set %s=%.17g", KEYS[k].key, key_value(p, k));
    if (used < capacity)
        snprintf(out + used, capacity - used, ": synthetic fluorescence-like cells, each base image also rotated 90/180/270 degrees");
}

int synth_generate(const char *preset, int size, int64_t count, uint64_t seed, Dataset *ds, Error *err) {
    const SynthPreset *p = synth_find_preset(preset);
    if (!p) {
        memset(ds, 0, sizeof *ds);
        return error_set(err, SS_ERR_INPUT, "unknown synth preset '%s' (expected fly1, fly2 or fly3)", preset);
    }
    return synth_generate_from(p, size, count, seed, 1, ds, err);
}

int synth_generate_from(const SynthPreset *p, int size, int64_t count, uint64_t seed, int channels, Dataset *ds, Error *err) {
    memset(ds, 0, sizeof *ds);
    const SynthPreset *builtin = synth_find_preset(p->name);
    if (!builtin) return error_set(err, SS_ERR_INPUT, "unknown synth preset '%s' (expected fly1, fly2 or fly3)", p->name);
    if (channels != 1 && channels != 3) return error_set(err, SS_ERR_INPUT, "--channels %d: expected 1 or 3", channels);
    if (p->snap29_aggregates_max < p->snap29_aggregates_min)
        return error_set(err, SS_ERR_INPUT, "synth %s: snap29_aggregates_max (%g) below snap29_aggregates_min (%g)", p->name,
                         p->snap29_aggregates_max, p->snap29_aggregates_min);
    if (size < 16 || size > 4096) return error_set(err, SS_ERR_INPUT, "--size %d: expected 16 to 4096 pixels", size);
    if (count <= 0) count = p->default_count;
    if (count < 5)  /* classes alternate by base image of 4 rotations: 5 images reach the second class */
        return error_set(err, SS_ERR_INPUT, "--count %lld: need at least 5 images (4 rotations of a Control base image, then Snap29)",
                         (long long)count);
    int status = dataset_alloc(ds, count, size, size, channels, 2, err);
    if (status != SS_OK) return status;
    ds->class_names[0] = strdup("Control");
    ds->class_names[1] = strdup("Snap29");
    ds->names = calloc((size_t)count, sizeof(char *));
    char source[1024];
    describe_source(p, builtin, size, count, seed, channels, source, sizeof source);
    ds->source = strdup(source);
    float *work = malloc(sizeof(float) * 3 * (size_t)size * size);
    uint8_t *base = malloc((size_t)size * size), *turned = malloc((size_t)size * size);
    if (!ds->class_names[0] || !ds->class_names[1] || !ds->names || !ds->source || !work || !base || !turned) {
        free(work);
        free(base);
        free(turned);
        dataset_free(ds);
        return error_set(err, SS_ERR_RUNTIME, "out of memory generating %lld images of %dx%d", (long long)count, size, size);
    }
    uint64_t preset_key = mix64((uint64_t)(builtin - PRESETS) + 1);   /* --set keeps the preset's cells */
    int64_t bases = (count + 3) / 4;
    for (int64_t b = 0; b < bases && status == SS_OK; b++) {
        /* classes alternate by base image, so any prefix of the file is balanced */
        int snap29 = (int)(b & 1);
        Rng rng = rng_stream(mix64(seed ^ preset_key) ^ mix64((uint64_t)b * 0x2545F4914F6CDD1Dull), RNG_PURPOSE_SYNTH);
        render_base(p, size, snap29, &rng, work, base);
        for (int r = 0; r < 4 && 4 * b + r < count; r++) {
            int64_t i = 4 * b + r;
            rotate_square(turned, base, size, r);
            uint8_t *pixels = dataset_image(ds, i);
            for (int64_t j = 0; j < (int64_t)size * size; j++)
                for (int c = 0; c < channels; c++) pixels[j * channels + c] = turned[j];
            ds->labels[i] = (uint8_t)snap29;
            char name[64];
            snprintf(name, sizeof name, "%s-%05lld-rot%03d", p->name, (long long)b, 90 * r);
            if (!(ds->names[i] = strdup(name))) status = error_set(err, SS_ERR_RUNTIME, "out of memory");
        }
    }
    free(work);
    free(base);
    free(turned);
    if (status != SS_OK) dataset_free(ds);
    return status;
}
