/* safe_file.h - the checks every input and output path gets before anything reads or replaces it.
 * A path given by a user may name a FIFO (an open would block forever), a device, a
 * directory, or the very file another argument names (an output that would destroy an input).
 * Symbolic links stay allowed for inputs (users link datasets); what counts is the file they lead to.
 * The checks compare files by st_dev/st_ino, never by name. */
#ifndef SEEDSWEEP_SAFE_FILE_H
#define SEEDSWEEP_SAFE_FILE_H

#include <stdio.h>
#include <sys/stat.h>

#include "seedsweep/common.h"

/* Opens path for reading without blocking (O_NONBLOCK: a FIFO with no writer does not hang) and
 * refuses (SS_ERR_INPUT) anything that is not a regular file, before any library reads a byte.
 * Returns the open descriptor (blocking mode restored) or -1; st (may be NULL) gets its fstat. */
int safe_file_open_input(const char *path, struct stat *st, Error *err);
/* The same check, closing the file again: for inputs a library opens by name afterwards. */
int safe_file_check_input(const char *path, struct stat *st, Error *err);
/* safe_file_open_input as a stdio stream ("rb"); NULL on failure. */
FILE *safe_file_fopen_input(const char *path, Error *err);
/* A whole input file (checked as above) as a NUL-terminated string (malloc'd), at most max_bytes;
 * NULL on failure. Refused (SS_ERR_INPUT, messages naming path and what, e.g. "job file"): a file
 * that is not regular, larger than max_bytes, unreadable, or holding a NUL byte. */
char *safe_file_read_text(const char *path, const char *what, size_t max_bytes, Error *err);

/* An output path a command is about to create or replace: refuses (SS_ERR_INPUT) '' and a
 * directory (bad usage), an existing path that is not a regular file (device, FIFO, socket), and
 * one that is the same file as any of inputs[0..input_count) (NULL entries skipped). */
int safe_file_check_output(const char *path, const char *const *inputs, int input_count, Error *err);

#endif
