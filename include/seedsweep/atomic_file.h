/* atomic_file.h - writing a file so that readers see the old one or the whole new one, never half.
 * The contents go to a temporary beside the target (same directory, so rename is atomic), named
 * ".<target name>.tmp.<random>": hidden, unpredictable, and recognisable as debris of a killed
 * writer. It is created exclusively and without following symbolic links (O_CREAT | O_EXCL |
 * O_NOFOLLOW), so nothing planted in a shared directory can redirect the write.
 * A writer that must open the file by name (HDF5) opens atomic_file.temp; commit checks that the
 * name still leads to the file created here before it is renamed over the target.
 * The temporary carries a whole-file fcntl (OFD) write lock while it is written; begin removes the
 * target's temporaries that no live writer holds (debris of a kill -9), and nothing else. */
#ifndef SEEDSWEEP_ATOMIC_FILE_H
#define SEEDSWEEP_ATOMIC_FILE_H

#include <sys/types.h>

#include "seedsweep/common.h"

/* The write lock covers bytes [0, ATOMIC_FILE_LOCK_LENGTH): everything a file can hold, leaving the
 * bytes past it for a marker lock that names the holder (results.c). */
#define ATOMIC_FILE_LOCK_LENGTH ((off_t)1 << 62)

typedef struct AtomicFile {
    char *target;   /* the path the finished file gets */
    char *temp;     /* the temporary, in target's directory */
    int fd;         /* open read-write on temp; write through it, or let a library open temp */
} AtomicFile;

/* Creates the temporary (empty, mode 0666 less the umask, as a plain create would). */
int atomic_file_begin(AtomicFile *file, const char *target, Error *err);
/* fsync, rename over the target, fsync the directory; the temporary is gone either way. Closes fd. */
int atomic_file_commit(AtomicFile *file, Error *err);
/* The same, but only if target does not exist yet (SS_ERR_INPUT when another process created it
 * meanwhile: exactly one of two racing creators wins). On success *kept_fd gets the open
 * descriptor, still holding the whole-file fcntl (OFD) write lock taken at begin. */
int atomic_file_commit_exclusive(AtomicFile *file, int *kept_fd, Error *err);
/* Removes the temporary and frees; safe after a failed begin or commit, and twice. */
void atomic_file_abort(AtomicFile *file);

#endif
