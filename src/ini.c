/* ini.c - the job file's INI reader (see ini.h). The dialect is the one libinih reads with its
 * default settings, which the job files were written for; lines of any length, and the first
 * error stops the reading, so its line number is the one reported. */
#include "seedsweep/ini.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *skip_space(char *s) {
    while (*s && isspace((unsigned char)*s)) s++;
    return s;
}

static char *strip_end(char *s) {
    char *end = s + strlen(s);
    while (end > s && isspace((unsigned char)end[-1])) *--end = '\0';
    return s;
}

/* The first of chars (any, when chars is NULL: only a comment stops), or of a ';' that follows
 * whitespace (an inline comment), or the end of s. */
static char *find_chars_or_comment(char *s, const char *chars) {
    int was_space = 0;
    while (*s && (!chars || !strchr(chars, *s)) && !(was_space && *s == ';')) {
        was_space = isspace((unsigned char)*s);
        s++;
    }
    return s;
}

int ini_parse_text(const char *text, IniHandler handler, void *user, IniSyntaxError *bad) {
    char *line = NULL, *section = calloc(1, 1), *key = calloc(1, 1);
    size_t capacity = 0;
    int section_line = 0, number = 0, rc = INI_DONE;
    if (!section || !key) rc = INI_NO_MEMORY;
    for (const char *cursor = text; rc == INI_DONE && *cursor;) {
        const char *newline = strchr(cursor, '\n');
        size_t length = newline ? (size_t)(newline - cursor) : strlen(cursor);
        if (length + 1 > capacity) {
            char *grown = realloc(line, length + 1);
            if (!grown) {
                rc = INI_NO_MEMORY;
                break;
            }
            line = grown;
            capacity = length + 1;
        }
        memcpy(line, cursor, length);
        line[length] = '\0';
        cursor += length + (newline != NULL);
        number++;
        char *start = line;
        if (number == 1 && !strncmp(start, "\xEF\xBB\xBF", 3)) start += 3;
        start = skip_space(strip_end(start));
        int syntax_error = 0;
        if (!*start || *start == ';' || *start == '#') {
            /* blank line or comment */
        } else if (*key && start > line) {
            /* indented: continues the previous key's value */
            *find_chars_or_comment(start, NULL) = '\0';
            strip_end(start);
            IniEntry entry = {section, section_line, key, start, number, 1};
            if (!handler(user, &entry)) rc = INI_STOPPED;
        } else if (*start == '[') {
            char *end = find_chars_or_comment(start + 1, "]");
            if (*end == ']') {
                *end = '\0';
                char *copy = strdup(start + 1);
                if (!copy) {
                    rc = INI_NO_MEMORY;
                    break;
                }
                free(section);
                section = copy;
                section_line = number;
                *key = '\0';
            } else {
                syntax_error = 1;
            }
        } else {
            char *end = find_chars_or_comment(start, "=:");
            if (*end == '=' || *end == ':') {
                *end = '\0';
                char *name = strip_end(start), *value = end + 1;
                *find_chars_or_comment(value, NULL) = '\0';
                value = strip_end(skip_space(value));
                char *copy = strdup(name);
                if (!copy) {
                    rc = INI_NO_MEMORY;
                    break;
                }
                free(key);
                key = copy;
                IniEntry entry = {section, section_line, key, value, number, 0};
                if (!handler(user, &entry)) rc = INI_STOPPED;
            } else {
                syntax_error = 1;
            }
        }
        if (syntax_error) {
            rc = number;
            if (bad) {
                bad->line = number;
                snprintf(bad->section, sizeof bad->section, "%s", section_line ? section : "?");
            }
        }
    }
    free(line);
    free(section);
    free(key);
    return rc;
}
