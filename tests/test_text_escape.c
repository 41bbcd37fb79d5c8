/* test_text_escape.c - strings from files printed safely: JSON always valid UTF-8 with control
 * characters escaped, text cells with control characters and stray bytes as \xXX, cut safely. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "seedsweep/text_escape.h"

static char *json_of(const char *s) {
    char *text = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&text, &size);
    text_escape_json(f, s);
    fclose(f);
    return text;
}

static void check_json(const char *in, const char *want, const char *name) {
    char *got = json_of(in);
    CHECK(strcmp(got, want) == 0, "json_%s (got %s)", name, got);
    free(got);
}

int main(void) {
    check_json("plain é ü 漢 😀", "\"plain é ü 漢 😀\"", "keeps_valid_utf8");
    check_json("q\"b\\", "\"q\\\"b\\\\\"", "escapes_quote_and_backslash");
    check_json("\x1b[31m\n\t\x7f", "\"\\u001b[31m\\u000a\\u0009\\u007f\"", "escapes_control_characters");
    check_json("a\xff" "b\xc3", "\"a\\ufffdb\\ufffd\"", "replaces_stray_and_cut_bytes");
    check_json("\xc0\xaf \xed\xa0\x80 \xf4\x90\x80\x80", "\"\\ufffd\\ufffd \\ufffd\\ufffd\\ufffd \\ufffd\\ufffd\\ufffd\\ufffd\"",
               "refuses_overlong_surrogate_and_beyond_u10ffff");
    char buf[64];
    CHECK(strcmp(text_escape_plain("a/b é.png", buf, sizeof buf), "a/b é.png") == 0, "plain_keeps_printable_text");
    CHECK(strcmp(text_escape_plain("x\x1b[2J\ny\\\xff", buf, sizeof buf), "x\\x1b[2J\\x0ay\\\\\\xff") == 0,
          "plain_escapes_controls_backslash_and_stray_bytes (got %s)", buf);
    char small[12];
    const char *cut = text_escape_plain("abcdefghijklmnop", small, sizeof small);
    CHECK(strlen(cut) < sizeof small && strcmp(cut + strlen(cut) - 3, "...") == 0, "plain_cuts_with_dots (got %s)", cut);
    cut = text_escape_plain("ab\xe6\xbc\xa2\xe6\xbc\xa2\xe6\xbc\xa2", small, sizeof small);
    CHECK(strcmp(cut, "ab\xe6\xbc\xa2\xe6\xbc\xa2...") == 0, "plain_never_cuts_inside_a_character (got %s)", cut);
    return check_exit();
}
