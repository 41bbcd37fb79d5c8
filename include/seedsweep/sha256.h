/* sha256.h - SHA-256 fingerprints: the job text and the datasets stored in a results file. */
#ifndef SEEDSWEEP_SHA256_H
#define SEEDSWEEP_SHA256_H

#include <stddef.h>

/* Hex SHA-256 (FIPS 180-4) of length bytes, NUL-terminated. */
void sha256_hex(const void *data, size_t length, char hex[65]);

#endif
