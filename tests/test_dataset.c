/* test_dataset.c - the dataset file (round trip, validation, bad files), PNG decode/resize and synth. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "seedsweep/dataset.h"
#include "seedsweep/png_import.h"
#include "seedsweep/synth.h"

static char dir[256];

static const char *path_in_dir(const char *name) {
    static char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return path;
}

static int make_small(Dataset *ds, int with_names) {
    Error err;
    if (dataset_alloc(ds, 6, 3, 4, 2, 3, &err) != SS_OK) return -1;
    for (int64_t i = 0; i < 6 * 3 * 4 * 2; i++) ds->images[i] = (uint8_t)(i * 7 + 1);
    for (int i = 0; i < 6; i++) ds->labels[i] = (uint8_t)(i % 3);
    const char *classes[3] = {"Control", "Snap29", "ünïcode"};
    for (int k = 0; k < 3; k++) ds->class_names[k] = strdup(classes[k]);
    if (with_names) {
        ds->names = calloc(6, sizeof(char *));
        for (int i = 0; i < 6; i++) {
            char name[32];
            snprintf(name, sizeof name, "class%d/image %d.png", i % 3, i);
            ds->names[i] = strdup(name);
        }
    }
    ds->source = strdup("test_dataset.c");
    return 0;
}

static void test_round_trip(int with_names) {
    Dataset ds, back;
    Error err;
    error_clear(&err);
    make_small(&ds, with_names);
    const char *path = path_in_dir(with_names ? "named.h5" : "plain.h5");
    int rc = dataset_save(path, &ds, &err);
    CHECK(rc == SS_OK, "dataset_save %s names (%s)", with_names ? "with" : "without", err.message);
    rc = dataset_load(path, &back, &err);
    CHECK(rc == SS_OK, "dataset_load %s names (%s)", with_names ? "with" : "without", err.message);
    if (rc != SS_OK) {
        dataset_free(&ds);
        return;
    }
    int same = back.count == 6 && back.height == 3 && back.width == 4 && back.channels == 2 && back.class_count == 3 &&
               !memcmp(back.images, ds.images, 6 * 3 * 4 * 2) && !memcmp(back.labels, ds.labels, 6) &&
               !strcmp(back.source, "test_dataset.c");
    for (int k = 0; k < 3 && same; k++) same = !strcmp(back.class_names[k], ds.class_names[k]);
    CHECK(same, "round trip keeps shape, pixels, labels, class names (UTF-8) and source");
    if (with_names) {
        int names_same = back.names != NULL;
        for (int i = 0; i < 6 && names_same; i++) names_same = !strcmp(back.names[i], ds.names[i]);
        CHECK(names_same, "round trip keeps /names");
    } else {
        CHECK(back.names == NULL, "a file without /names loads with names == NULL");
    }
    dataset_free(&ds);
    dataset_free(&back);
}

/* The two-step load the sweep uses for its per-node shared copy: the header, then the pixels into
 * memory the caller owns; same result as dataset_load, and a file whose images changed shape in
 * between is refused. */
static void test_header_then_images(void) {
    Dataset ds, head, whole;
    Error err;
    error_clear(&err);
    make_small(&ds, 1);
    const char *path = path_in_dir("two_step.h5");
    dataset_save(path, &ds, &err);
    int rc = dataset_open_header(path, &head, &err);
    CHECK(rc == SS_OK && head.images == NULL && head.count == 6 && head.height == 3 && head.width == 4 &&
              head.channels == 2 && head.class_count == 3 && !memcmp(head.labels, ds.labels, 6) && head.names &&
              !strcmp(head.names[5], ds.names[5]) && !strcmp(head.class_names[1], "Snap29"),
          "dataset_open_header: shape, labels, names, class names; no images (%s)", err.message);
    CHECK(dataset_image_bytes(&head) == 6 * 3 * 4 * 2, "dataset_image_bytes = N*H*W*C");
    uint8_t *mine = malloc(dataset_image_bytes(&head) + 1);
    mine[dataset_image_bytes(&head)] = 0xAB;
    rc = dataset_read_images_into(path, &head, mine, &err);
    dataset_load(path, &whole, &err);
    CHECK(rc == SS_OK && !memcmp(mine, whole.images, dataset_image_bytes(&whole)) && mine[dataset_image_bytes(&head)] == 0xAB,
          "dataset_read_images_into: the pixels dataset_load gives, nothing past the end (%s)", err.message);
    Dataset other;
    make_small(&other, 0);
    other.count = 3;                /* a file rewritten with another image count since its header was read */
    other.labels[0] = 0, other.labels[1] = 1, other.labels[2] = 2;
    dataset_save(path, &other, &err);
    rc = dataset_read_images_into(path, &head, mine, &err);
    CHECK(rc == SS_ERR_INPUT && strstr(err.message, "two_step.h5") && strstr(err.message, "shape"),
          "dataset_read_images_into refuses images of another shape than the header's (%s)", err.message);
    dataset_free(&whole);
    rc = dataset_open_header(path_in_dir("missing.h5"), &whole, &err);
    CHECK(rc == SS_ERR_INPUT && whole.labels == NULL, "dataset_open_header of a missing file: SS_ERR_INPUT, nothing held");
    free(mine);
    dataset_free(&ds);
    dataset_free(&head);
    dataset_free(&other);
}

static void test_no_temp_left(void) {
    char command[600];
    snprintf(command, sizeof command, "ls -A %s | grep -c tmp >/dev/null", dir);
    CHECK(system(command) != 0, "dataset_save leaves no temp file behind");
}

static void test_validation(void) {
    Dataset ds;
    Error err;
    make_small(&ds, 0);
    ds.labels[2] = 3;
    int rc = dataset_save(path_in_dir("bad.h5"), &ds, &err);
    CHECK(rc == SS_ERR_INPUT && strstr(err.message, "label"), "save refuses a label >= class count (%s)", err.message);
    ds.labels[2] = 0;
    ds.labels[1] = 0;
    ds.labels[4] = 0;
    rc = dataset_save(path_in_dir("bad.h5"), &ds, &err);
    CHECK(rc == SS_ERR_INPUT && strstr(err.message, "Snap29"), "save refuses an empty class, naming it (%s)", err.message);
    CHECK(access(path_in_dir("bad.h5"), F_OK) != 0, "a refused save writes nothing");
    dataset_free(&ds);
}

static void test_bad_files(void) {
    Dataset ds;
    Error err;
    int rc = dataset_load(path_in_dir("missing.h5"), &ds, &err);
    CHECK(rc == SS_ERR_INPUT && strstr(err.message, "missing.h5"), "missing file: SS_ERR_INPUT naming it (%s)", err.message);
    FILE *f = fopen(path_in_dir("text.h5"), "w");
    fputs("this is not HDF5\n", f);
    fclose(f);
    rc = dataset_load(path_in_dir("text.h5"), &ds, &err);
    CHECK(rc == SS_ERR_INPUT && strstr(err.message, "text.h5"), "non-HDF5 file: SS_ERR_INPUT naming it (%s)", err.message);
    /* truncate a real file at several points: every one must fail cleanly */
    Dataset big;
    synth_generate("fly1", 32, 8, 0, &big, &err);
    dataset_save(path_in_dir("whole.h5"), &big, &err);
    dataset_free(&big);
    f = fopen(path_in_dir("whole.h5"), "rb");
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    char *bytes = malloc((size_t)size);
    fseek(f, 0, SEEK_SET);
    size_t got = fread(bytes, 1, (size_t)size, f);
    fclose(f);
    int all_input_errors = got == (size_t)size;
    for (int part = 1; part < 8; part++) {
        f = fopen(path_in_dir("cut.h5"), "wb");
        fwrite(bytes, 1, (size_t)(size * part / 8), f);
        fclose(f);
        rc = dataset_load(path_in_dir("cut.h5"), &ds, &err);
        if (rc != SS_ERR_INPUT || !strstr(err.message, "cut.h5")) {
            all_input_errors = 0;
            printf("  truncated at %ld/%ld bytes: rc %d: %s\n", size * part / 8, size, rc, err.message);
        }
    }
    free(bytes);
    CHECK(all_input_errors, "truncated HDF5 files (7 cut points): SS_ERR_INPUT naming the file");
    char format[64];
    rc = hdf5_file_format(path_in_dir("whole.h5"), format, sizeof format, &err);
    CHECK(rc == SS_OK && !strcmp(format, DATASET_FORMAT), "hdf5_file_format reads the format attribute");
}

static void test_png_round_trip(void) {
    Error err;
    PngImage gray = {5, 3, 1, malloc(15)}, rgb = {4, 2, 3, malloc(24)}, back;
    for (int i = 0; i < 15; i++) gray.pixels[i] = (uint8_t)(i * 17);
    for (int i = 0; i < 24; i++) rgb.pixels[i] = (uint8_t)(255 - i * 9);
    int ok = png_encode_file(path_in_dir("g.png"), &gray, &err) == SS_OK &&
             png_decode_file(path_in_dir("g.png"), &back, &err) == SS_OK;
    CHECK(ok && back.width == 5 && back.height == 3 && back.channels == 1 && !memcmp(back.pixels, gray.pixels, 15),
          "8-bit gray PNG: encode then decode gives the same pixels");
    png_import_image_free(&back);
    ok = png_encode_file(path_in_dir("c.png"), &rgb, &err) == SS_OK && png_decode_file(path_in_dir("c.png"), &back, &err) == SS_OK;
    CHECK(ok && back.channels == 3 && !memcmp(back.pixels, rgb.pixels, 24), "8-bit RGB PNG: encode then decode gives the same pixels");
    png_import_image_free(&back);
    /* area shrink by 2 = mean of each 2x2 block; enlarging a constant image keeps it constant */
    PngImage square = {4, 4, 1, malloc(16)}, small, large;
    for (int i = 0; i < 16; i++) square.pixels[i] = (uint8_t)(i * 10);
    png_import_resize(&square, 2, 2, &small, &err);
    int expected[4] = {25, 45, 105, 125};   /* (0+10+40+50)/4 = 25, ... */
    int match = 1;
    for (int i = 0; i < 4; i++) match &= small.pixels[i] == expected[i];
    CHECK(match, "area resize 4x4 -> 2x2 averages blocks (%d %d %d %d)", small.pixels[0], small.pixels[1], small.pixels[2], small.pixels[3]);
    memset(square.pixels, 77, 16);
    png_import_resize(&square, 9, 7, &large, &err);
    match = large.width == 9 && large.height == 7;
    for (int i = 0; i < 63 && match; i++) match = large.pixels[i] == 77;
    CHECK(match, "bilinear enlarge 4x4 -> 9x7 of a constant image stays constant");
    png_import_image_free(&gray);
    png_import_image_free(&rgb);
    png_import_image_free(&square);
    png_import_image_free(&small);
    png_import_image_free(&large);
    FILE *f = fopen(path_in_dir("cut.png"), "wb");
    const unsigned char header[16] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13, 'I', 'H', 'D', 'R'};
    fwrite(header, 1, 16, f);
    fclose(f);
    int rc = png_decode_file(path_in_dir("cut.png"), &back, &err);
    CHECK(rc == SS_ERR_INPUT && strstr(err.message, "cut.png"), "truncated PNG: SS_ERR_INPUT naming it (%s)", err.message);
}

static void test_synth(void) {
    Dataset a, b, c;
    Error err;
    double start = ss_now();
    int rc = synth_generate("fly2", 64, 18, 5, &a, &err);
    CHECK(rc == SS_OK && a.count == 18 && a.height == 64 && a.channels == 1 && a.class_count == 2 &&
              !strcmp(a.class_names[0], "Control") && !strcmp(a.class_names[1], "Snap29"),
          "synth fly2 64px x 18: shape and class names (%.2f s)", ss_now() - start);
    synth_generate("fly2", 64, 18, 5, &b, &err);
    synth_generate("fly2", 64, 18, 6, &c, &err);
    CHECK(!memcmp(a.images, b.images, 18 * 64 * 64) && !memcmp(a.labels, b.labels, 18), "synth is deterministic for a seed");
    CHECK(memcmp(a.images, c.images, 18 * 64 * 64) != 0, "synth differs across seeds");
    int64_t counts[2];
    dataset_class_counts(&a, counts);
    CHECK(counts[0] == 10 && counts[1] == 8, "18 images = 5 base images x 4 rotations cut to 18: 10 Control, 8 Snap29");
    /* image 1 is image 0 turned a quarter: pixel (y, x) of image 1 = pixel (x, size-1-y) of image 0 */
    int rotated = 1;
    for (int y = 0; y < 64 && rotated; y++)
        for (int x = 0; x < 64 && rotated; x++) rotated = a.images[64 * 64 + y * 64 + x] == a.images[x * 64 + (63 - y)];
    CHECK(rotated, "each base image is followed by its rotated copies");
    Dataset prefix;
    synth_generate("fly2", 64, 6, 5, &prefix, &err);
    CHECK(!memcmp(prefix.images, a.images, 6 * 64 * 64), "an image does not depend on --count");
    dataset_free(&prefix);
    rc = synth_generate("fly9", 64, 8, 0, &prefix, &err);
    CHECK(rc == SS_ERR_INPUT && strstr(err.message, "fly9"), "unknown preset is SS_ERR_INPUT");
    dataset_free(&a);
    dataset_free(&b);
    dataset_free(&c);
}

int main(void) {
    snprintf(dir, sizeof dir, "%s/seedsweep-test-dataset.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(dir)) {
        printf("FAIL cannot create a temp directory\n");
        return 1;
    }
    test_round_trip(1);
    test_round_trip(0);
    test_header_then_images();
    test_no_temp_left();
    test_validation();
    test_bad_files();
    test_png_round_trip();
    test_synth();
    char command[600];
    snprintf(command, sizeof command, "rm -rf %s", dir);
    if (system(command) != 0) printf("  (could not remove %s)\n", dir);
    return check_exit();
}
