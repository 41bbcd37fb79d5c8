/* atomic_file.c - temporary beside the target, then fsync + rename (see atomic_file.h). */
#include "seedsweep/atomic_file.h"
#include "seedsweep/file_lock.h"

#include <dirent.h>
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

/* ".<base>.tmp.<12 of [A-Za-z0-9]>": the name atomic_file_begin gives; nothing else matches. */
static int is_our_temporary(const char *name, const char *base) {
    size_t length = strlen(base);
    if (name[0] != '.' || strncmp(name + 1, base, length) || strncmp(name + 1 + length, ".tmp.", 5)) return 0;
    const char *suffix = name + 1 + length + 5;
    for (int i = 0; i < 12; i++)
        if (!((suffix[i] >= 'A' && suffix[i] <= 'Z') || (suffix[i] >= 'a' && suffix[i] <= 'z') ||
              (suffix[i] >= '0' && suffix[i] <= '9')))
            return 0;
    return suffix[12] == '\0';
}

/* Removes the temporaries of target that writers killed mid-write left behind (kill -9, power
 * loss): only names of our own pattern for this target, only regular files (never a link: lstat)
 * owned by us, and only those no live writer holds: every writer keeps an fcntl lock on its
 * temporary (atomic_file_begin), so one we can lock has no writer. A brand-new empty one may not be
 * locked yet, so those are left alone for a few seconds. Best effort: failures are ignored. */
static void remove_stale_temporaries(const char *target, const char *own) {
    const char *slash = strrchr(target, '/');
    const char *base = slash ? slash + 1 : target;
    char *dir = directory_of(target);
    DIR *listing = dir ? opendir(dir) : NULL;
    struct dirent *entry;
    while (listing && (entry = readdir(listing))) {
        if (!is_our_temporary(entry->d_name, base)) continue;
        char *path = NULL;
        if (asprintf(&path, "%s/%s", dir, entry->d_name) < 0) break;
        struct stat named, opened;
        const char *own_name = strrchr(own, '/') ? strrchr(own, '/') + 1 : own;
        int fd = -1;
        if (strcmp(entry->d_name, own_name) && lstat(path, &named) == 0 && S_ISREG(named.st_mode) &&
            named.st_uid == geteuid() && !(named.st_size == 0 && time(NULL) - named.st_mtime < 5) &&
            (fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)) >= 0 && fstat(fd, &opened) == 0 &&
            opened.st_dev == named.st_dev && opened.st_ino == named.st_ino) {
            struct flock probe = {.l_type = F_RDLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0};
            struct stat again;
            if (fcntl(fd, F_OFD_SETLK, &probe) == 0 && lstat(path, &again) == 0 && again.st_dev == named.st_dev &&
                again.st_ino == named.st_ino)
                unlink(path);
        }
        if (fd >= 0) close(fd);
        free(path);
    }
    if (listing) closedir(listing);
    free(dir);
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
        if (file->fd >= 0) {
            /* Without locks (SEEDSWEEP_FILE_LOCKING=FALSE) a live writer's temporary cannot be told
             * from a dead one's: none is removed, a killed writer's stays for the user to delete. */
            if (!file_locking_enabled()) return SS_OK;
            /* held until the file is finished: tells remove_stale_temporaries that a writer lives,
             * and (commit_exclusive) becomes the results file's writer lock */
            struct flock lock = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = ATOMIC_FILE_LOCK_LENGTH};
            if (fcntl(file->fd, F_OFD_SETLK, &lock) != 0 && file_lock_unsupported(errno)) {
                int refused = errno;
                file_lock_refused(target, "the lock on the temporary file it is written through", "fcntl F_OFD_SETLK",
                                  refused, err);
                atomic_file_abort(file);
                return err ? err->code : SS_ERR_INPUT;
            }
            remove_stale_temporaries(target, file->temp);
            return SS_OK;
        }
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

/* rename, or with exclusive: rename only if target does not exist (renameat2 RENAME_NOREPLACE,
 * else link + unlink where the file system lacks it); errno EEXIST when it does. */
static int rename_into_place(const char *temp, const char *target, int exclusive) {
    if (!exclusive) return rename(temp, target);
#ifdef RENAME_NOREPLACE
    if (renameat2(AT_FDCWD, temp, AT_FDCWD, target, RENAME_NOREPLACE) == 0) return 0;
    if (errno != EINVAL && errno != ENOSYS) return -1;
#endif
    if (link(temp, target) != 0) return -1;
    unlink(temp);
    return 0;
}

static int commit(AtomicFile *file, int exclusive, int *kept_fd, Error *err);

int atomic_file_commit(AtomicFile *file, Error *err) { return commit(file, 0, NULL, err); }

int atomic_file_commit_exclusive(AtomicFile *file, int *kept_fd, Error *err) { return commit(file, 1, kept_fd, err); }

static int commit(AtomicFile *file, int exclusive, int *kept_fd, Error *err) {
    int rc = SS_OK;
    struct stat mine, named;
    /* a library that opened temp by name wrote where the name led: make sure that was our file */
    if (fstat(file->fd, &mine) != 0 || lstat(file->temp, &named) != 0 || mine.st_dev != named.st_dev ||
        mine.st_ino != named.st_ino)
        rc = error_set(err, SS_ERR_RUNTIME, "%s: the temporary file %s was replaced while it was written", file->target,
                       file->temp);
    else if (fsync(file->fd) != 0)   /* data on disk before the rename makes it visible */
        rc = error_set(err, SS_ERR_RUNTIME, "%s: cannot write %s: %s", file->target, file->temp, strerror(errno));
    else if (rename_into_place(file->temp, file->target, exclusive) != 0)
        rc = exclusive && errno == EEXIST
                 ? error_set(err, SS_ERR_INPUT, "%s: was created by another process while this one was creating it",
                             file->target)
                 : error_set(err, SS_ERR_RUNTIME, "%s: cannot rename %s into place: %s", file->target, file->temp,
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
        if (kept_fd) {          /* the caller keeps the descriptor, and the lock it holds */
            *kept_fd = file->fd;
            file->fd = -1;
        }
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
