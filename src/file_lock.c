/* file_lock.c - locks, and the setting that does without them (see file_lock.h). */
#include "seedsweep/file_lock.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <unistd.h>

static int locking = -1;    /* -1: not read yet */

int file_locking_configure(Error *err) {
    const char *value = getenv("SEEDSWEEP_FILE_LOCKING");
    locking = 1;
    if (!value || !*value || !strcasecmp(value, "TRUE") || !strcmp(value, "1")) return SS_OK;
    if (strcasecmp(value, "FALSE") && strcmp(value, "0"))
        return error_set(err, SS_ERR_INPUT, "SEEDSWEEP_FILE_LOCKING='%.40s': expected TRUE or FALSE", value);
    locking = 0;
    /* HDF5 reads this at every open and it overrides what a program asks for */
    setenv("HDF5_USE_FILE_LOCKING", "FALSE", 1);
    return SS_OK;
}

int file_locking_enabled(void) {
    if (locking < 0) file_locking_configure(NULL);
    return locking;
}

int file_lock_unsupported(int error) {
    return error == ENOLCK || error == ENOSYS || error == EOPNOTSUPP || error == EINVAL;
}

int file_lock_refused(const char *path, const char *purpose, const char *call, int error, Error *err) {
    return error_set(err, SS_ERR_INPUT,
                     "%s: the file system refuses file locks: %s (%s) failed: %s. Where locks are not available "
                     "(Lustre mounted without flock, NFS without a lock manager), set SEEDSWEEP_FILE_LOCKING=FALSE "
                     "to run without them (HDF5's as well); nothing then stops a second sweep, or a second "
                     "writer, from using the same file at the same time: run one sweep per results file",
                     path, purpose, call, strerror(error));
}

int file_lock_probe(const char *path) {
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) return 0;
    int refused = 0;
    if (flock(fd, LOCK_SH | LOCK_NB) != 0 && file_lock_unsupported(errno)) refused = errno;
    else flock(fd, LOCK_UN);
    close(fd);
    return refused;
}
