/* fuzz_idx.c - libFuzzer harness: idx_import. The input is split into a label file and an image
 * file at the offset given by its first byte (x 4), so the fuzzer can grow either; both go
 * through gzread, which also accepts gzip (a corpus entry may be gzipped). */
#include "fuzz_common.h"
#include "seedsweep/idx_import.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) return 0;
    size_t split = (size_t)data[0] * 4;
    data++, size--;
    if (split > size) split = size;
    const char *labels = fuzz_write_file("labels", data, split);
    const char *images = fuzz_write_file("images", data + split, size - split);
    /* options vary with the input's length, so class filters and shards are exercised too */
    static const char *const class_lists[] = {NULL, "0,1", "3", "T-shirt/top,Shirt", "1,1", "9,0,5", "x"};
    IdxOptions options = {.classes = class_lists[size % 7], .shard_index = (int)(size % 3) == 2 ? 1 : 0,
                          .shard_count = (int)(size % 3) == 2 ? 2 : 1, .max_count = (int64_t)(size % 5)};
    Dataset ds;
    Error err = {0};
    int rc = idx_import(images, labels, &options, &ds, &err);
    FUZZ_CHECK_ERROR(rc, err);
    if (rc == SS_OK) {
        if (ds.count < 1 || ds.class_count < 1) abort();
        for (int64_t i = 0; i < ds.count; i++)
            if (ds.labels[i] >= ds.class_count) abort();
        dataset_free(&ds);
    }
    unlink(labels);
    unlink(images);
    return 0;
}
