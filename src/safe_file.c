/* safe_file.c - input and output path checks (see safe_file.h). */
#include "seedsweep/safe_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *kind_of(mode_t mode) {
    if (S_ISDIR(mode)) return "a directory";
    if (S_ISFIFO(mode)) return "a FIFO (named pipe)";
    if (S_ISCHR(mode)) return "a character device";
    if (S_ISBLK(mode)) return "a block device";
    if (S_ISSOCK(mode)) return "a socket";
    return "not a regular file";
}

int safe_file_open_input(const char *path, struct stat *st, Error *err) {
    struct stat mine;
    if (!path || !*path) {
        error_set(err, SS_ERR_INPUT, "empty file name");
        return -1;
    }
    /* O_NONBLOCK: opening a FIFO nobody writes to returns at once instead of waiting for a writer;
     * O_NOCTTY: a terminal device never becomes our controlling terminal */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd < 0) {
        error_set(err, SS_ERR_INPUT, "%s: cannot open: %s", path, strerror(errno));
        return -1;
    }
    if (fstat(fd, &mine) != 0) {
        error_set(err, SS_ERR_INPUT, "%s: cannot examine: %s", path, strerror(errno));
        close(fd);
        return -1;
    }
    if (!S_ISREG(mine.st_mode)) {
        error_set(err, SS_ERR_INPUT, "%s: is %s; expected a regular file", path, kind_of(mine.st_mode));
        close(fd);
        return -1;
    }
    int flags = fcntl(fd, F_GETFL);
    if (flags >= 0) fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
    if (st) *st = mine;
    return fd;
}

int safe_file_check_input(const char *path, struct stat *st, Error *err) {
    int fd = safe_file_open_input(path, st, err);
    if (fd < 0) return err ? err->code : SS_ERR_INPUT;
    close(fd);
    return SS_OK;
}

FILE *safe_file_fopen_input(const char *path, Error *err) {
    int fd = safe_file_open_input(path, NULL, err);
    if (fd < 0) return NULL;
    FILE *f = fdopen(fd, "rb");
    if (!f) {
        error_set(err, SS_ERR_RUNTIME, "%s: cannot open: %s", path, strerror(errno));
        close(fd);
    }
    return f;
}

int safe_file_check_output(const char *path, const char *const *inputs, int input_count, Error *err) {
    if (!path || !*path) return error_set(err, SS_ERR_INPUT, "the output file name is empty");
    size_t length = strlen(path);
    struct stat out;
    if (path[length - 1] == '/' || (stat(path, &out) == 0 && S_ISDIR(out.st_mode)))
        return error_set(err, SS_ERR_INPUT, "%s: is a directory; expected the name of a file to write", path);
    if (stat(path, &out) != 0) {
        if (errno == ENOENT) return SS_OK;   /* a new file (a dangling link is replaced, not followed) */
        return error_set(err, SS_ERR_INPUT, "%s: cannot examine the output: %s", path, strerror(errno));
    }
    if (!S_ISREG(out.st_mode))
        return error_set(err, SS_ERR_INPUT, "%s: is %s; refusing to replace it (expected a regular file or a new name)",
                         path, kind_of(out.st_mode));
    for (int i = 0; i < input_count; i++) {
        struct stat in;
        if (inputs[i] && stat(inputs[i], &in) == 0 && in.st_dev == out.st_dev && in.st_ino == out.st_ino)
            return error_set(err, SS_ERR_INPUT, "%s: is the same file as the input %s; refusing to overwrite an input",
                             path, inputs[i]);
    }
    return SS_OK;
}

char *safe_file_read_text(const char *path, const char *what, size_t max_bytes, Error *err) {
    Error open_err = {0};
    FILE *f = safe_file_fopen_input(path, &open_err);   /* a FIFO or device is refused, not waited on */
    if (!f) {
        error_set(err, open_err.code, "%s %s", what, open_err.message);
        return NULL;
    }
    char *text = NULL;
    size_t length = 0, capacity = 0;
    int rc = SS_OK;
    for (;;) {
        if (length + 4096 + 1 > capacity) {
            capacity = capacity ? capacity * 2 : 8192;
            char *grown = capacity > max_bytes ? NULL : realloc(text, capacity);
            if (!grown) {
                rc = capacity > max_bytes
                         ? error_set(err, SS_ERR_INPUT, "%s: %s larger than %zu MiB", path, what, max_bytes >> 20)
                         : error_set(err, SS_ERR_RUNTIME, "%s: out of memory", path);
                break;
            }
            text = grown;
        }
        size_t got = fread(text + length, 1, 4096, f);
        length += got;
        if (got < 4096) break;
    }
    if (rc == SS_OK && ferror(f)) rc = error_set(err, SS_ERR_INPUT, "%s: cannot read %s", path, what);
    fclose(f);
    if (rc == SS_OK) {
        text[length] = '\0';
        if (strlen(text) != length) rc = error_set(err, SS_ERR_INPUT, "%s: not a text file (holds a NUL byte)", path);
    }
    if (rc != SS_OK) {
        free(text);
        return NULL;
    }
    return text;
}
