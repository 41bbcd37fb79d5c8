/* synth.h - synthetic fly-brain cell images (docs/design.md section 6): presets fly1, fly2, fly3.
 * Grayscale fluorescence-like fields of 1-3 cells; label 0 "Control", 1 "Snap29" (many bright aggregates). */
#ifndef SEEDSWEEP_SYNTH_H
#define SEEDSWEEP_SYNTH_H

#include <stdio.h>

#include "seedsweep/dataset.h"

/* One brain. Lengths are in pixels of a 256x256 image and scale with --size; intensities are
 * 8-bit grey levels before camera gain. */
typedef struct SynthPreset {
    const char *name;
    const char *summary;            /* one line for --help */
    int default_count;
    double background;              /* grey level outside cells */
    double gain;                    /* camera gain: every level is multiplied by it */
    double cytoplasm;               /* mean cytoplasm level */
    double nucleus_darkness;        /* nucleus = cytoplasm * (1 - this) */
    double photons_per_level;       /* shot noise: variance of a level v is v / photons_per_level */
    double read_noise;              /* Gaussian read noise, grey levels */
    double blur;                    /* optical blur, Gaussian sigma in pixels */
    double aggregate_sigma;         /* aggregate (punctum) radius, Gaussian sigma in pixels */
    double aggregate_contrast;      /* aggregate peak above cytoplasm, in cytoplasm units */
    double snap29_aggregates_min;   /* per Snap29 cell, mean count drawn uniformly in [min, max] */
    double snap29_aggregates_max;
    double control_aggregates;      /* mean count per Control cell (Poisson) */
    double control_brightness;      /* Control fields' exposure relative to Snap29 fields (1 = none) */
} SynthPreset;

/* The presets (fly1, fly2, fly3) and their number. */
const SynthPreset *synth_presets(int *count);
const SynthPreset *synth_find_preset(const char *name);
/* Writes one "name: parameter list" paragraph per preset, for --help and documentation. */
void synth_describe_presets(FILE *out);
/* Sets one parameter of *p from "key=value" (key: a SynthPreset field below default_count, e.g.
 * aggregate_contrast=2.5), within the bounds synth --help lists; SS_ERR_INPUT names what is wrong. */
int synth_preset_set(SynthPreset *p, const char *assignment, Error *err);
/* Writes the settable keys, their bounds and meaning, one per line, for --help. */
void synth_describe_keys(FILE *out);
/* Generates a dataset from *p (a built-in preset, or one changed by synth_preset_set: the source
 * attribute then records every changed key): count <= 0 means the preset's default; size >= 16;
 * channels 1, or 3 for three identical channels (Keras' way of loading mono images);
 * deterministic in (preset parameters, size, seed), and the pixels do not depend on channels. */
int synth_generate_from(const SynthPreset *p, int size, int64_t count, uint64_t seed, int channels, Dataset *ds, Error *err);
/* synth_generate_from with a built-in preset by name and one channel. */
int synth_generate(const char *preset, int size, int64_t count, uint64_t seed, Dataset *ds, Error *err);

#endif
