/* common.c - the error record and the few checked helpers shared by every module. */
#define _POSIX_C_SOURCE 200809L
#include "seedsweep/common.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int error_set(Error *err, int code, const char *fmt, ...) {
    if (err) {
        va_list args;
        va_start(args, fmt);
        vsnprintf(err->message, sizeof err->message, fmt, args);
        va_end(args);
        err->code = code;
    }
    return code;
}

void error_clear(Error *err) {
    if (err) {
        err->code = SS_OK;
        err->message[0] = '\0';
    }
}

void *ss_calloc(size_t count, size_t size, Error *err) {
    void *p = calloc(count ? count : 1, size ? size : 1);
    if (!p) error_set(err, SS_ERR_RUNTIME, "out of memory allocating %zu x %zu bytes", count, size);
    return p;
}

char *ss_strdup(const char *text, Error *err) {
    char *copy = strdup(text ? text : "");
    if (!copy) error_set(err, SS_ERR_RUNTIME, "out of memory copying a string");
    return copy;
}

double ss_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}
