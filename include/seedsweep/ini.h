/* ini.h - the INI dialect of the job file (docs/design.md "Job file"), read from text in memory
 * with exact line numbers and no limit on a line's length. */
#ifndef SEEDSWEEP_INI_H
#define SEEDSWEEP_INI_H

/* The dialect: "[section]" headers (text after the ']' is ignored); "KEY = VALUE" or "KEY: VALUE"
 * lines, key and value trimmed; whole-line comments starting with ';' or '#'; inline comments
 * starting with ';' after whitespace; an indented non-comment line continues the previous key's
 * value; blank lines; a UTF-8 byte-order mark at the start; LF or CRLF line ends. */

/* One KEY = VALUE line, or one continuation line of the key before it. */
typedef struct IniEntry {
    const char *section;    /* "" before any [section] header */
    int section_line;       /* line of that header, 0 before any */
    const char *key;
    const char *value;      /* without the inline comment, trimmed */
    int line;               /* 1-based */
    int continuation;       /* an indented line that continues key's value */
} IniEntry;

/* Returns nonzero to go on, 0 to stop reading. */
typedef int (*IniHandler)(void *user, const IniEntry *entry);

enum { INI_DONE = 0, INI_STOPPED = -1, INI_NO_MEMORY = -2 };

/* Where a line that is not INI syntax was met. */
typedef struct IniSyntaxError {
    int line;
    char section[64];       /* the section it is in, "?" before any (cut at 63 bytes) */
} IniSyntaxError;

/* Hands every entry of text, in order, to handler. Returns INI_DONE, INI_STOPPED (the handler
 * returned 0), INI_NO_MEMORY, or the number (> 0) of the first line that is not INI syntax, with
 * *bad filled (bad may be NULL); nothing after the first bad line is handed on. */
int ini_parse_text(const char *text, IniHandler handler, void *user, IniSyntaxError *bad);

#endif
