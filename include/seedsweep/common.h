/* common.h - status codes and the error record every library function fills.
 * Library code never exits: it returns a status and explains itself in an Error;
 * only src/cli/ turns a status into an exit code. */
#ifndef SEEDSWEEP_COMMON_H
#define SEEDSWEEP_COMMON_H

#include <stddef.h>
#include <stdint.h>

/* Status codes double as the CLI's exit codes (docs/design.md section 3). */
enum {
    SS_OK = 0,
    SS_ERR_RUNTIME = 1,     /* I/O failure, out of memory, MPI failure */
    SS_ERR_INPUT = 2,       /* bad usage or bad input: the message names file/key/line */
    SS_INTERRUPTED = 3,     /* sweep stopped by SIGTERM/SIGUSR1; resumable */
};

typedef struct Error {
    int code;               /* one of the SS_* codes; SS_OK when nothing went wrong */
    char message[1024];     /* "FILE: KEY (line N): what was expected" style */
} Error;

int error_set(Error *err, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void error_clear(Error *err);
void *ss_calloc(size_t count, size_t size, Error *err);  /* sets SS_ERR_RUNTIME on failure */
char *ss_strdup(const char *text, Error *err);
double ss_now(void);                                     /* monotonic seconds */

#endif
