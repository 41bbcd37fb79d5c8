/* file_lock.h - the fcntl locks seedsweep takes (the results file's writer lock, the lock on every
 * temporary a file is written through), and running without them where the file system refuses
 * locks (Lustre mounted without flock, NFS without a lock manager): SEEDSWEEP_FILE_LOCKING=FALSE
 * (docs/design.md section 11). */
#ifndef SEEDSWEEP_FILE_LOCK_H
#define SEEDSWEEP_FILE_LOCK_H

#include "seedsweep/common.h"

/* At start-up, before any file is opened: reads SEEDSWEEP_FILE_LOCKING (TRUE, FALSE, 1 or 0, any
 * case; unset = TRUE); SS_ERR_INPUT for another value. With FALSE, also sets
 * HDF5_USE_FILE_LOCKING=FALSE, so that the HDF5 library takes no locks either. */
int file_locking_configure(Error *err);
/* Locks are taken (SEEDSWEEP_FILE_LOCKING is not FALSE). */
int file_locking_enabled(void);
/* errno of a failed lock call says the file system (or kernel) has no such locks, rather than that
 * another process holds the lock: ENOLCK, ENOSYS, EOPNOTSUPP, EINVAL (F_OFD_* unknown). */
int file_lock_unsupported(int error);
/* The SS_ERR_INPUT message for that: "PATH: the file system refuses file locks: PURPOSE (CALL)
 * failed: ERROR", then the setting that runs without locks and what it gives up. */
int file_lock_refused(const char *path, const char *purpose, const char *call, int error, Error *err);
/* After HDF5 failed to open path with its own locking on: 0 when path's file system takes flock
 * locks, else the errno of its refusal (HDF5 1.10 opens nothing where flock fails with ENOLCK). */
int file_lock_probe(const char *path);

#endif
