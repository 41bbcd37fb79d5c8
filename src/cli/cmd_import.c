/* cmd_import.c - 'seedsweep import png DIR ...' and 'seedsweep import idx IMAGES LABELS ...'. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "seedsweep/dataset.h"
#include "seedsweep/idx_import.h"
#include "seedsweep/png_import.h"

static void import_help(void) {
    printf("usage: seedsweep import png DIR --out FILE.h5 [--size PX] [--channels 1|3]\n"
           "       seedsweep import idx IMAGES LABELS --out FILE.h5 [--classes A,B] [--class-names N0,N1,...]\n"
           "                            [--shard I/N] [--count N]\n\n"
           "import png: the Keras flow_from_directory layout, DIR/<class>/*.png. Classes are DIR's\n"
           "  subfolders sorted by name (label 0 = first); files are sorted by name, subfolders of a class\n"
           "  included; /names holds each path relative to DIR. Hidden files (.DS_Store, ._*) are skipped\n"
           "  silently, other non-.png files with a warning; a corrupt PNG is an error. Any PNG kind is\n"
           "  read (gray, gray+alpha, RGB, RGBA, palette; 1-16 bit): alpha is dropped, 16-bit values are\n"
           "  scaled to 8 bits (rounded), no gamma correction. Links to folders are not followed (skipped\n"
           "  with a warning); links to files are. A file met twice in one class (a hard or symbolic link)\n"
           "  is imported once; one in two classes is an error. An image may have at most 2^26 bytes\n"
           "  decoded, checked from its header before decoding.\n"
           "  --size PX       resize every image to PX x PX (area average when shrinking, bilinear when\n"
           "                  enlarging; aspect not kept, as Keras target_size). Default: keep the size,\n"
           "                  which must then be the same for every image.\n"
           "  --channels 1|3  1: RGB to gray by BT.601 luma; 3: gray copied to R, G, B. Default: 3 when\n"
           "                  any image has colour, else 1.\n\n"
           "import idx: MNIST/Fashion-MNIST IDX files, gzip-compressed or plain.\n"
           "  --classes A,B   keep these classes, renumbered 0, 1, ... in the order given; each is a label\n"
           "                  number or a class name (case-insensitive), e.g. 0,6 or \"T-shirt/top,Shirt\"\n"
           "  --class-names   one name per label value of the files. Default: Fashion-MNIST's names\n"
           "                  (T-shirt/top, Trouser, ..., Ankle boot) when either path contains\n"
           "                  \"fashion\", else the label numbers \"0\", \"1\", ...\n"
           "  --shard I/N     keep every N-th image starting at I (0 <= I < N), counted after the class\n"
           "                  filter: shards 0/N .. N-1/N are disjoint and together hold every image\n"
           "  --count N       then keep at most the first N images\n"
           "  /names holds \"FILE#INDEX\", the image's position in the IDX file.\n\n"
           "examples:\n"
           "  seedsweep import png ~/cells --out data/cells.h5 --size 256 --channels 1\n"
           "  F=/usr/share/datasets/fashion-mnist\n"
           "  seedsweep import idx $F/train-images-idx3-ubyte.gz $F/train-labels-idx1-ubyte.gz \\\n"
           "      --out data/fmnist-a.h5 --classes \"T-shirt/top,Shirt\" --shard 0/3\n");
}

static int save_and_report(Dataset *ds, const char *out) {
    Error err;
    error_clear(&err);
    int status = dataset_save(out, ds, &err);
    if (status == SS_OK)
        printf("wrote %s: %lld images %dx%dx%d, %d classes\n", out, (long long)ds->count, ds->height, ds->width,
               ds->channels, ds->class_count);
    dataset_free(ds);
    return status == SS_OK ? 0 : cli_fail(&err);
}

static int import_png(int argc, char **argv) {
    const char *dir = NULL, *out = NULL;
    long long size = 0, channels = 0;
    for (int i = 2; i < argc; i++) {
        const char *arg = argv[i];
        int takes_value = !strcmp(arg, "--out") || !strcmp(arg, "-o") || !strcmp(arg, "--size") || !strcmp(arg, "--channels");
        if (takes_value && i + 1 >= argc) return cli_usage_error("import", "%s needs a value", arg);
        if (!strcmp(arg, "--out") || !strcmp(arg, "-o")) out = argv[++i];
        else if (!strcmp(arg, "--size")) {
            if (cli_parse_int(argv[++i], 1, 32768, &size)) return cli_usage_error("import", "--size '%s': expected 1 to 32768", argv[i]);
        } else if (!strcmp(arg, "--channels")) {
            if (cli_parse_int(argv[++i], 1, 3, &channels) || channels == 2)
                return cli_usage_error("import", "--channels '%s': expected 1 or 3", argv[i]);
        } else if (arg[0] == '-' && arg[1]) return cli_usage_error("import", "unknown option '%s'", arg);
        else if (!dir) dir = arg;
        else return cli_usage_error("import", "unexpected argument '%s'", arg);
    }
    if (!dir) return cli_usage_error("import", "missing DIR (DIR/<class>/*.png)");
    if (!out) return cli_usage_error("import", "missing --out FILE.h5");
    if (cli_check_output("import", out, NULL, 0)) return SS_ERR_INPUT;
    Error err;
    error_clear(&err);
    Dataset ds;
    if (png_import_directory(dir, (int)size, (int)channels, stderr, &ds, &err) != SS_OK) return cli_fail(&err);
    return save_and_report(&ds, out);
}

static int import_idx(int argc, char **argv) {
    const char *images = NULL, *labels = NULL, *out = NULL;
    IdxOptions options = {NULL, NULL, 0, 1, 0};
    for (int i = 2; i < argc; i++) {
        const char *arg = argv[i];
        int takes_value = !strcmp(arg, "--out") || !strcmp(arg, "-o") || !strcmp(arg, "--classes") ||
                          !strcmp(arg, "--class-names") || !strcmp(arg, "--shard") || !strcmp(arg, "--count");
        if (takes_value && i + 1 >= argc) return cli_usage_error("import", "%s needs a value", arg);
        if (!strcmp(arg, "--out") || !strcmp(arg, "-o")) out = argv[++i];
        else if (!strcmp(arg, "--classes")) options.classes = argv[++i];
        else if (!strcmp(arg, "--class-names")) options.class_names = argv[++i];
        else if (!strcmp(arg, "--shard")) {
            const char *text = argv[++i];
            int index, count, used = 0;
            if (sscanf(text, "%d/%d%n", &index, &count, &used) != 2 || text[used] || count < 1 || index < 0 || index >= count)
                return cli_usage_error("import", "--shard '%s': expected I/N with 0 <= I < N", text);
            options.shard_index = index;
            options.shard_count = count;
        } else if (!strcmp(arg, "--count")) {
            long long count;
            if (cli_parse_int(argv[++i], 1, 2000000000L, &count)) return cli_usage_error("import", "--count '%s': expected 1 to 2000000000", argv[i]);
            options.max_count = count;
        } else if (arg[0] == '-' && arg[1]) return cli_usage_error("import", "unknown option '%s'", arg);
        else if (!images) images = arg;
        else if (!labels) labels = arg;
        else return cli_usage_error("import", "unexpected argument '%s'", arg);
    }
    if (!images || !labels) return cli_usage_error("import", "missing %s (import idx IMAGES LABELS --out FILE.h5)", images ? "LABELS" : "IMAGES");
    if (!out) return cli_usage_error("import", "missing --out FILE.h5");
    const char *inputs[] = {images, labels};
    if (cli_check_output("import", out, inputs, 2)) return SS_ERR_INPUT;
    Error err;
    error_clear(&err);
    Dataset ds;
    if (idx_import(images, labels, &options, &ds, &err) != SS_OK) return cli_fail(&err);
    return save_and_report(&ds, out);
}

int cmd_import(int argc, char **argv) {
    if (cli_wants_help(argc, argv)) {
        import_help();
        return 0;
    }
    if (argc < 2) return cli_usage_error("import", "missing the kind: 'png' or 'idx'");
    if (!strcmp(argv[1], "png")) return import_png(argc, argv);
    if (!strcmp(argv[1], "idx")) return import_idx(argc, argv);
    return cli_usage_error("import", "unknown kind '%s' (expected png or idx)", argv[1]);
}
