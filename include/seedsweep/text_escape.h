/* text_escape.h - strings read from files (image and class names, hosts, sources) made safe to print:
 * they may hold control characters (a terminal escape, a newline that breaks a table row) and bytes
 * that are not UTF-8. One helper per output kind, shared by every command that prints them. */
#ifndef SEEDSWEEP_TEXT_ESCAPE_H
#define SEEDSWEEP_TEXT_ESCAPE_H

#include <stddef.h>
#include <stdio.h>

/* s as a JSON string, quotes included: valid UTF-8 always (a byte that is not part of a valid
 * UTF-8 sequence becomes U+FFFD), '"' and '\\' escaped, control characters (< 0x20, 0x7f) as \u00XX. */
void text_escape_json(FILE *out, const char *s);
/* s for a text table or CSV cell, into buf (size bytes, always terminated; cut with "..." when too
 * long): control characters and bytes that are not valid UTF-8 written as \xXX, a backslash as \\.
 * Plain printable text (and valid UTF-8) is unchanged. Returns buf. */
const char *text_escape_plain(const char *s, char *buf, size_t size);

#endif
