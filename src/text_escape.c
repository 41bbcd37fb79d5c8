/* text_escape.c - printing strings read from files safely (see text_escape.h). */
#include "seedsweep/text_escape.h"

#include <string.h>

/* Length of the valid UTF-8 sequence at s (1-4), or 0 when s does not start one (overlong forms,
 * surrogates and code points above U+10FFFF are not valid). */
static int utf8_length(const unsigned char *s) {
    unsigned char c = s[0];
    if (c < 0x80) return 1;
    int n = c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 && c <= 0xEF ? 3 : c >= 0xF0 && c <= 0xF4 ? 4 : 0;
    for (int i = 1; i < n; i++)
        if ((s[i] & 0xC0) != 0x80) return 0;
    if (n == 3 && ((c == 0xE0 && s[1] < 0xA0) || (c == 0xED && s[1] >= 0xA0))) return 0;
    if (n == 4 && ((c == 0xF0 && s[1] < 0x90) || (c == 0xF4 && s[1] >= 0x90))) return 0;
    return n;
}

void text_escape_json(FILE *out, const char *text) {
    const unsigned char *s = (const unsigned char *)text;
    fputc('"', out);
    while (*s) {
        int n = utf8_length(s);
        if (n == 0) {
            fputs("\\ufffd", out);
            s++;
        } else if (*s == '"' || *s == '\\') {
            fprintf(out, "\\%c", *s++);
        } else if (*s < 0x20 || *s == 0x7f) {
            fprintf(out, "\\u%04x", *s++);
        } else {
            fwrite(s, 1, (size_t)n, out);
            s += n;
        }
    }
    fputc('"', out);
}

const char *text_escape_plain(const char *text, char *buf, size_t size) {
    if (size == 0) return buf;
    const unsigned char *s = (const unsigned char *)text;
    size_t used = 0;
    while (*s) {
        char piece[8];
        int n = utf8_length(s), take = 1;
        if (n == 0 || *s < 0x20 || *s == 0x7f) snprintf(piece, sizeof piece, "\\x%02x", *s);
        else if (*s == '\\') snprintf(piece, sizeof piece, "\\\\");
        else {
            memcpy(piece, s, (size_t)n);
            piece[n] = 0;
            take = n;
        }
        size_t len = strlen(piece);
        if (used + len + 4 > size) {   /* room for "..." and the terminator */
            if (size >= 4) memcpy(buf + (used < size - 4 ? used : size - 4), "...", 4);
            else buf[size - 1] = 0;
            return buf;
        }
        memcpy(buf + used, piece, len);
        used += len;
        s += take;
    }
    buf[used] = 0;
    return buf;
}
