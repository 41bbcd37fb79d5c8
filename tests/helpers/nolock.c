/* nolock.c - LD_PRELOAD shim for the tests: a file system without locks (Lustre mounted without
 * flock, NFS without a lock manager). Every lock call fails with NOLOCK_ERRNO (default ENOLCK):
 * fcntl's F_SETLK, F_SETLKW, F_GETLK and their OFD forms, and flock; other fcntl commands
 * pass through. NOLOCK_CALLS=fcntl or =flock fails only those (flock covers HDF5's own lock).
 * Built by `make tests` as $(BUILD)/tests/helpers/nolock.so. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/syscall.h>
#include <unistd.h>

static int lock_errno(void) {
    const char *text = getenv("NOLOCK_ERRNO");
    return text && atoi(text) > 0 ? atoi(text) : ENOLCK;
}

/* The lock calls of this kind fail: NOLOCK_CALLS unset, or naming it. */
static int refused(const char *kind) {
    const char *calls = getenv("NOLOCK_CALLS");
    return !calls || !*calls || !strcmp(calls, kind);
}

static int is_lock_command(int cmd) {
    return refused("fcntl") && (cmd == F_SETLK || cmd == F_SETLKW || cmd == F_GETLK || cmd == F_OFD_SETLK || cmd == F_OFD_SETLKW ||
           cmd == F_OFD_GETLK);
}

static int shim_fcntl(int fd, int cmd, va_list args) {
    void *arg = va_arg(args, void *);
    if (is_lock_command(cmd)) {
        errno = lock_errno();
        return -1;
    }
    return (int)syscall(SYS_fcntl, fd, cmd, arg);
}

int fcntl(int fd, int cmd, ...) {
    va_list args;
    va_start(args, cmd);
    int rc = shim_fcntl(fd, cmd, args);
    va_end(args);
    return rc;
}

int fcntl64(int fd, int cmd, ...) {
    va_list args;
    va_start(args, cmd);
    int rc = shim_fcntl(fd, cmd, args);
    va_end(args);
    return rc;
}

int flock(int fd, int operation) {
    if (!refused("flock")) return (int)syscall(SYS_flock, fd, operation);
    errno = lock_errno();
    return -1;
}
