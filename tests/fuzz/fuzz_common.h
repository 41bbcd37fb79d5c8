/* fuzz_common.h - helpers shared by the libFuzzer harnesses: the entry points that take paths get
 * the fuzz input through a private temporary file (in /dev/shm when it exists: no disk I/O). */
#ifndef SEEDSWEEP_FUZZ_COMMON_H
#define SEEDSWEEP_FUZZ_COMMON_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Writes size bytes to a per-process file named after tag; returns its path (static storage). */
static inline const char *fuzz_write_file(const char *tag, const uint8_t *data, size_t size) {
    static char paths[4][256];
    static int next = 0;
    char *path = paths[next++ & 3];
    const char *dir = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    snprintf(path, 256, "%s/seedsweep-fuzz-%ld-%s", dir, (long)getpid(), tag);
    FILE *f = fopen(path, "wb");
    if (!f) abort();
    if (size && fwrite(data, 1, size, f) != size) abort();
    if (fclose(f)) abort();
    return path;
}

/* A NUL-terminated copy of the input (the parsers take C strings). */
static inline char *fuzz_string(const uint8_t *data, size_t size) {
    char *text = malloc(size + 1);
    if (!text) abort();
    memcpy(text, data, size);
    text[size] = 0;
    return text;
}

/* Every error must come back as SS_ERR_INPUT with a message (never a crash, never silence);
 * SS_ERR_RUNTIME is allowed only for out-of-memory. */
#define FUZZ_CHECK_ERROR(rc, err)                                                        \
    do {                                                                                 \
        if ((rc) != SS_OK && (rc) != SS_ERR_INPUT && (rc) != SS_ERR_RUNTIME) abort();   \
        if ((rc) != SS_OK && !(err).message[0]) abort();                                 \
    } while (0)

#endif
