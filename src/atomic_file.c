/* atomic_file.c - temporary beside the target, then fsync + rename (see atomic_file.h). */
#include "seedsweep/atomic_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* The directory part of path ("." when it has none). */
static char *directory_of(const char *path) {
    const char *slash = strrchr(path, '/');
    if (!slash) return strdup(".");
    if (slash == path) return strdup("/");
    return strndup(path, (size_t)(slash - path));
}

/* 12 characters from [A-Za-z0-9] (71 bits): getrandom, or time and pid where it is unavailable;
 * O_EXCL makes the name safe either way, the randomness makes it unguessable. */
static void random_suffix(char out[13]) {
    static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    unsigned char bytes[12];
    if (getrandom(bytes, sizeof bytes, GRND_NONBLOCK) != (ssize_t)sizeof bytes) {
        struct timespec now;
        clock_gettime(CLOCK_REALTIME, &now);
        uint64_t x = (uint64_t)now.tv_nsec ^ ((uint64_t)now.tv_sec << 20) ^ ((uint64_t)getpid() << 40);
        for (size_t i = 0; i < sizeof bytes; i++) {
            x = x * 6364136223846793005ULL + 1442695040888963407ULL;
            bytes[i] = (unsigned char)(x >> 56);
        }
    }
    for (int i = 0; i < 12; i++) out[i] = alphabet[bytes[i] % (sizeof alphabet - 1)];
    out[12] = '\0';
}

int atomic_file_begin(AtomicFile *file, const char *target, Error *err) {
    memset(file, 0, sizeof *file);
    file->fd = -1;
    const char *slash = strrchr(target, '/');
    const char *base = slash ? slash + 1 : target;
    file->target = strdup(target);
    if (!file->target) return error_set(err, SS_ERR_RUNTIME, "out of memory");
    for (int attempt = 0; attempt < 100; attempt++) {
        char suffix[13];
        random_suffix(suffix);
        free(file->temp);
        if (asprintf(&file->temp, "%.*s.%s.tmp.%s", (int)(base - target), target, base, suffix) < 0) {
            file->temp = NULL;
            atomic_file_abort(file);
            return error_set(err, SS_ERR_RUNTIME, "out of memory");
        }
        /* 0666 less the umask: the finished file gets the permissions a plain create would give */
        file->fd = open(file->temp, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
        if (file->fd >= 0) return SS_OK;
        if (errno != EEXIST) break;
    }
    int saved = errno;
    char *dir = directory_of(target);
    error_set(err, SS_ERR_RUNTIME, "%s: cannot create a temporary file in %s: %s", target, dir ? dir : ".",
              strerror(saved));
    free(dir);
    free(file->temp);
    file->temp = NULL;   /* nothing of ours to remove */
    atomic_file_abort(file);
    return err ? err->code : SS_ERR_RUNTIME;
}

int atomic_file_commit(AtomicFile *file, Error *err) {
    int rc = SS_OK;
    struct stat mine, named;
    /* a library that opened temp by name wrote where the name led: make sure that was our file */
    if (fstat(file->fd, &mine) != 0 || lstat(file->temp, &named) != 0 || mine.st_dev != named.st_dev ||
        mine.st_ino != named.st_ino)
        rc = error_set(err, SS_ERR_RUNTIME, "%s: the temporary file %s was replaced while it was written", file->target,
                       file->temp);
    else if (fsync(file->fd) != 0)   /* data on disk before the rename makes it visible */
        rc = error_set(err, SS_ERR_RUNTIME, "%s: cannot write %s: %s", file->target, file->temp, strerror(errno));
    else if (rename(file->temp, file->target) != 0)
        rc = error_set(err, SS_ERR_RUNTIME, "%s: cannot rename %s into place: %s", file->target, file->temp,
                       strerror(errno));
    if (rc == SS_OK) {
        free(file->temp);
        file->temp = NULL;      /* renamed: nothing left to remove */
        char *dir = directory_of(file->target);
        int dir_fd = dir ? open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
        if (dir_fd >= 0) {
            fsync(dir_fd);      /* the rename itself on disk; best effort (not every file system allows it) */
            close(dir_fd);
        }
        free(dir);
    }
    atomic_file_abort(file);
    return rc;
}

void atomic_file_abort(AtomicFile *file) {
    if (file->fd >= 0) close(file->fd);
    if (file->temp) unlink(file->temp);
    free(file->temp);
    free(file->target);
    file->fd = -1;
    file->temp = NULL;
    file->target = NULL;
}
