/* fuzz_png.c - libFuzzer harness: PNG import. The input is one PNG file: png_decode_file, then the
 * resize used by `import png --size`, then png_import_directory on a one-class folder holding it
 * (and a second class holding a fixed valid image, so the import can succeed). */
#include <sys/stat.h>

#include "fuzz_common.h"
#include "seedsweep/png_import.h"

static char root[256];

static void make_tree(void) {
    const char *dir = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    snprintf(root, sizeof root, "%s/seedsweep-fuzz-%ld-png", dir, (long)getpid());
    char path[512];
    mkdir(root, 0700);
    snprintf(path, sizeof path, "%s/a", root);
    mkdir(path, 0700);
    snprintf(path, sizeof path, "%s/b", root);
    mkdir(path, 0700);
    uint8_t pixels[4 * 4];
    for (int i = 0; i < 16; i++) pixels[i] = (uint8_t)(i * 16);
    PngImage image = {.width = 4, .height = 4, .channels = 1, .pixels = pixels};
    Error err = {0};
    snprintf(path, sizeof path, "%s/b/ok.png", root);
    if (png_encode_file(path, &image, &err)) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (!root[0]) make_tree();
    char path[512];
    snprintf(path, sizeof path, "%s/a/x.png", root);
    FILE *f = fopen(path, "wb");
    if (!f || (size && fwrite(data, 1, size, f) != size) || fclose(f)) abort();

    PngImage image, small;
    Error err = {0};
    int rc = png_decode_file(path, &image, &err);
    FUZZ_CHECK_ERROR(rc, err);
    if (rc == SS_OK) {
        if (image.width < 1 || image.height < 1 || (image.channels != 1 && image.channels != 3)) abort();
        /* the pixels must all be readable (ASan checks the bounds) */
        unsigned sum = 0;
        for (size_t i = 0; i < (size_t)image.width * image.height * image.channels; i++) sum += image.pixels[i];
        (void)sum;
        if ((int64_t)image.width * image.height < (1 << 20)) {
            Error e2 = {0};
            if (png_import_resize(&image, 4, 4, &small, &e2) == SS_OK) png_import_image_free(&small);
        }
        png_import_image_free(&image);
    }
    Dataset ds;
    Error err2 = {0};
    rc = png_import_directory(root, 4, 0, NULL, &ds, &err2);
    FUZZ_CHECK_ERROR(rc, err2);
    if (rc == SS_OK) dataset_free(&ds);
    return 0;
}
