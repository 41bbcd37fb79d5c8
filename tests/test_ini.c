/* test_ini.c - the job file's INI reader: the dialect (comments, ':' and '=', continuation lines,
 * byte-order mark, CRLF), lines of any length, and the first bad line stopping the reading. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "seedsweep/ini.h"

/* Records entries as "section|key|value|line|continuation;" into a growing string. */
typedef struct Seen {
    char *text;
    size_t length;
    int stop_at;    /* stop when handed this line (0: never) */
} Seen;

static int record(void *user, const IniEntry *e) {
    Seen *seen = user;
    size_t add = strlen(e->section) + strlen(e->key) + strlen(e->value) + 40;
    seen->text = realloc(seen->text, seen->length + add);
    seen->length += (size_t)snprintf(seen->text + seen->length, add, "%s|%s|%s|%d|%d;", e->section, e->key,
                                     e->value, e->line, e->continuation);
    return e->line != seen->stop_at;
}

static int parse(const char *text, Seen *seen, IniSyntaxError *bad) {
    free(seen->text);
    seen->text = calloc(1, 1);
    seen->length = 0;
    return ini_parse_text(text, record, seen, bad);
}

int main(void) {
    Seen seen = {0};
    IniSyntaxError bad;
    int rc = parse("\xEF\xBB\xBF; comment\r\n# also a comment\n\n[a]\nx = 1 ; inline\ny:2\nz = 3;not a comment\n"
                   "w = p q\n   r s ; note\n  ; indented comment\n[b] trailing text\nk =\n",
                   &seen, &bad);
    CHECK(rc == INI_DONE && !strcmp(seen.text, "a|x|1|5|0;a|y|2|6|0;a|z|3;not a comment|7|0;a|w|p q|8|0;"
                                               "a|w|r s|9|1;b|k||12|0;"),
          "ini dialect: BOM, CRLF, comments, ':' and '=', continuation (%s)", seen.text);

    size_t long_size = 100000;
    char *text = malloc(long_size + 64);
    memcpy(text, "[s]\npath = ", 11);
    memset(text + 11, 'p', long_size);
    strcpy(text + 11 + long_size, "   ; comment\nnext = 1\n");
    rc = parse(text, &seen, &bad);
    CHECK(rc == INI_DONE && strlen(seen.text) == strlen("s|path||2|0;s|next|1|3|0;") + long_size &&
              strstr(seen.text, "|2|0;s|next|1|3|0;"),
          "ini: a 100 kB value is handed on whole, line numbers stay right");
    memcpy(text, "[s]\nkey", 7);
    memset(text + 7, 'k', long_size);
    strcpy(text + 7 + long_size, " = v\n");
    rc = parse(text, &seen, &bad);
    CHECK(rc == INI_DONE && strlen(seen.text) == long_size + strlen("s|key|v|2|0;"), "ini: a 100 kB key is handed on");
    free(text);

    rc = parse("[a]\nx = 1\nnot ini\ny = 2\n", &seen, &bad);
    CHECK(rc == 3 && bad.line == 3 && !strcmp(bad.section, "a") && !strcmp(seen.text, "a|x|1|2|0;"),
          "ini: a line without '=' stops the reading at its line (rc %d, section %s, seen %s)", rc, bad.section, seen.text);
    rc = parse("; c\n[a\nx = 1\n", &seen, &bad);
    CHECK(rc == 2 && !strcmp(bad.section, "?") && !*seen.text, "ini: an unclosed [ header is a bad line (rc %d)", rc);
    rc = parse("[a ;b]\n", &seen, &bad);
    CHECK(rc == 1, "ini: a comment inside a header is a bad line (rc %d)", rc);
    rc = parse("x ; y = 1\n", &seen, &bad);
    CHECK(rc == 1, "ini: a comment before '=' is a bad line (rc %d)", rc);
    seen.stop_at = 2;
    rc = parse("[a]\nx = 1\nbad\n", &seen, &bad);
    CHECK(rc == INI_STOPPED && !strcmp(seen.text, "a|x|1|2|0;"), "ini: the handler stops the reading (rc %d)", rc);
    seen.stop_at = 0;
    rc = parse("  indented = 1\n[a]\n  x = 1\n    more\n", &seen, &bad);
    CHECK(rc == INI_DONE && !strcmp(seen.text, "|indented|1|1|0;a|x|1|3|0;a|x|more|4|1;"),
          "ini: an indented key after a header is a key, the next indented line continues it (%s)", seen.text);
    rc = parse("[a]\nx = 1\n[b]\n  y\n", &seen, &bad);
    CHECK(rc == 4, "ini: an indented line after a header without a key is a bad line (rc %d)", rc);
    rc = parse("", &seen, &bad);
    CHECK(rc == INI_DONE && !*seen.text, "ini: empty text");
    rc = parse("[a]\nx = 1", &seen, &bad);
    CHECK(rc == INI_DONE && !strcmp(seen.text, "a|x|1|2|0;"), "ini: last line without a newline");
    free(seen.text);
    return check_exit();
}
