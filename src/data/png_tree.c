/* png_tree.c - the folder walk of `import png` (png_tree.h): classes are DIR's subfolders, files are
 * sorted byte-wise, so the result does not depend on readdir; directory links are skipped (a link to
 * "." or between classes would multiply images), and a file reached twice is imported once. */
#include "png_tree.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "seedsweep/text_escape.h"

void png_tree_free_list(FileList *list) {
    for (int64_t i = 0; list->paths && i < list->count; i++) free(list->paths[i]);
    free(list->paths);
    free(list->labels);
    free(list->devices);
    free(list->inodes);
}

static int file_list_add(FileList *list, const char *relative, int label, const struct stat *st) {
    if (list->count == list->capacity) {
        int64_t capacity = list->capacity ? 2 * list->capacity : 256;
        char **paths = realloc(list->paths, sizeof(char *) * capacity);
        if (paths) list->paths = paths;
        int *labels = realloc(list->labels, sizeof(int) * capacity);
        if (labels) list->labels = labels;
        dev_t *devices = realloc(list->devices, sizeof(dev_t) * capacity);
        if (devices) list->devices = devices;
        ino_t *inodes = realloc(list->inodes, sizeof(ino_t) * capacity);
        if (inodes) list->inodes = inodes;
        if (!paths || !labels || !devices || !inodes) return -1;
        list->capacity = capacity;
    }
    if (!(list->paths[list->count] = strdup(relative))) return -1;
    list->labels[list->count] = label;
    list->devices[list->count] = st->st_dev;
    list->inodes[list->count++] = st->st_ino;
    return 0;
}

static int compare_names(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

void png_tree_free_names(char **names, int count) {
    for (int i = 0; names && i < count; i++) free(names[i]);
    free(names);
}

/* Sorted names in dir, hidden ones (".", "..", ".DS_Store", "._x", ...) left out. */
static int sorted_entries(const char *dir, char ***names, int *count, Error *err) {
    *names = NULL;
    *count = 0;
    DIR *d = opendir(dir);
    if (!d) return error_set(err, SS_ERR_INPUT, "%s: cannot open directory: %s", dir, strerror(errno));
    int capacity = 0;
    struct dirent *entry;
    while ((entry = readdir(d))) {
        if (entry->d_name[0] == '.') continue;
        if (*count == capacity) {
            capacity = capacity ? 2 * capacity : 64;
            char **grown = realloc(*names, sizeof(char *) * capacity);
            if (!grown) break;
            *names = grown;
        }
        if (!((*names)[*count] = strdup(entry->d_name))) break;
        (*count)++;
    }
    int failed = entry != NULL;
    closedir(d);
    if (failed) {
        png_tree_free_names(*names, *count);
        *names = NULL;
        *count = 0;
        return error_set(err, SS_ERR_RUNTIME, "out of memory listing %s", dir);
    }
    if (*count > 1) qsort(*names, (size_t)*count, sizeof(char *), compare_names);  /* qsort(NULL, 0) is UB */
    return SS_OK;
}

static int has_png_extension(const char *name) {
    size_t len = strlen(name);
    return len > 4 && strcasecmp(name + len - 4, ".png") == 0;
}

/* What an entry is, links to directories told apart: they are never followed (a link to '.' would
 * repeat every image, two of them loop, one to another class folder labels its images twice).
 * A link to a file is followed: st describes the file it leads to. */
typedef enum { ENTRY_MISSING, ENTRY_DIRECTORY, ENTRY_DIRECTORY_LINK, ENTRY_FILE, ENTRY_OTHER } EntryKind;

static EntryKind entry_kind(const char *full, struct stat *st) {
    if (lstat(full, st) != 0) return ENTRY_MISSING;
    int is_link = S_ISLNK(st->st_mode);
    if (is_link && stat(full, st) != 0) return ENTRY_MISSING;
    if (S_ISDIR(st->st_mode)) return is_link ? ENTRY_DIRECTORY_LINK : ENTRY_DIRECTORY;
    return S_ISREG(st->st_mode) ? ENTRY_FILE : ENTRY_OTHER;
}

static void warn_skip(FILE *warnings, const char *full, const char *why) {
    char shown[4096];   /* a file name may hold control characters: shown as \xXX */
    if (warnings) fprintf(warnings, "seedsweep import png: warning: skipping %s: %s\n",
                          text_escape_plain(full, shown, sizeof shown), why);
}

#define PNG_IMPORT_MAX_DEPTH 64   /* class subfolders nested deeper are skipped with a warning */

/* The directories from the class folder down to the one being walked, by device and inode: a
 * directory met again below itself (a bind mount, a hard-linked directory) is a cycle. */
typedef struct Ancestors {
    dev_t device[PNG_IMPORT_MAX_DEPTH + 1];
    ino_t inode[PNG_IMPORT_MAX_DEPTH + 1];
    int depth;
} Ancestors;

static int is_ancestor(const Ancestors *a, const struct stat *st) {
    for (int i = 0; i < a->depth; i++)
        if (a->device[i] == st->st_dev && a->inode[i] == st->st_ino) return 1;
    return 0;
}

static int collect_class(const char *root, const char *relative, int label, Ancestors *ancestors, FILE *warnings,
                         FileList *list, Error *err);

/* One entry of a class folder: a PNG added, a subfolder walked, anything else skipped with a warning. */
static int collect_entry(const char *root, const char *rel, const char *name, int label, Ancestors *ancestors,
                         FILE *warnings, FileList *list, Error *err) {
    char *full = NULL;
    if (asprintf(&full, "%s/%s", root, rel) < 0) return error_set(err, SS_ERR_RUNTIME, "out of memory");
    struct stat st;
    int status = SS_OK;
    switch (entry_kind(full, &st)) {
    case ENTRY_MISSING: warn_skip(warnings, full, strerror(errno)); break;
    case ENTRY_DIRECTORY_LINK: warn_skip(warnings, full, "a link to a directory (directory links are not followed)"); break;
    case ENTRY_DIRECTORY:
        if (is_ancestor(ancestors, &st)) warn_skip(warnings, full, "the same directory as one above it (a cycle)");
        else if (ancestors->depth >= PNG_IMPORT_MAX_DEPTH) warn_skip(warnings, full, "nested more than 64 folders deep");
        else {
            ancestors->device[ancestors->depth] = st.st_dev;
            ancestors->inode[ancestors->depth++] = st.st_ino;
            status = collect_class(root, rel, label, ancestors, warnings, list, err);
            ancestors->depth--;
        }
        break;
    case ENTRY_FILE:
        if (!has_png_extension(name)) warn_skip(warnings, full, "not a .png file");
        else if (file_list_add(list, rel, label, &st)) status = error_set(err, SS_ERR_RUNTIME, "out of memory");
        break;
    case ENTRY_OTHER: warn_skip(warnings, full, "not a .png file"); break;
    }
    free(full);
    return status;
}

/* Adds every PNG under root/relative (recursively, sorted) with label. */
static int collect_class(const char *root, const char *relative, int label, Ancestors *ancestors, FILE *warnings,
                         FileList *list, Error *err) {
    char *dir = NULL;
    if (asprintf(&dir, "%s/%s", root, relative) < 0) return error_set(err, SS_ERR_RUNTIME, "out of memory");
    char **names;
    int count, status = sorted_entries(dir, &names, &count, err);
    for (int i = 0; status == SS_OK && i < count; i++) {
        char *rel = NULL;
        if (asprintf(&rel, "%s/%s", relative, names[i]) < 0) status = error_set(err, SS_ERR_RUNTIME, "out of memory");
        else status = collect_entry(root, rel, names[i], label, ancestors, warnings, list, err);
        free(rel);
    }
    png_tree_free_names(names, count);
    free(dir);
    return status;
}

/* The class folders of dir (its subfolders, sorted; links to folders skipped) and their PNGs. */
int png_tree_collect(const char *dir, FILE *warnings, char ***classes, int *class_count, FileList *list,
                           Error *err) {
    char **entries;
    int entry_count, status = sorted_entries(dir, &entries, &entry_count, err);
    if (status != SS_OK) return status;
    *classes = calloc((size_t)entry_count + 1, sizeof(char *));
    if (!*classes) status = error_set(err, SS_ERR_RUNTIME, "out of memory");
    for (int i = 0; status == SS_OK && i < entry_count; i++) {
        char *full = NULL;
        if (asprintf(&full, "%s/%s", dir, entries[i]) < 0) {
            status = error_set(err, SS_ERR_RUNTIME, "out of memory");
            break;
        }
        struct stat st;
        EntryKind kind = entry_kind(full, &st);
        if (kind == ENTRY_DIRECTORY) {
            Ancestors ancestors = {{st.st_dev}, {st.st_ino}, 1};
            int64_t before = list->count;
            status = collect_class(dir, entries[i], *class_count, &ancestors, warnings, list, err);
            if (status == SS_OK && list->count == before)
                status = error_set(err, SS_ERR_INPUT, "%s: class folder has no PNG images", full);
            (*classes)[(*class_count)++] = entries[i];
            entries[i] = NULL;
        } else {
            warn_skip(warnings, full, kind == ENTRY_DIRECTORY_LINK ? "a link to a directory (directory links are not "
                                                                     "followed)" : "not a class folder");
        }
        free(full);
    }
    png_tree_free_names(entries, entry_count);
    return status;
}

static const FileList *sorting_list;   /* qsort has no context argument; the walk is single-threaded */

static int compare_identity(const void *a, const void *b) {
    int64_t i = *(const int64_t *)a, j = *(const int64_t *)b;
    const FileList *l = sorting_list;
    if (l->devices[i] != l->devices[j]) return l->devices[i] < l->devices[j] ? -1 : 1;
    if (l->inodes[i] != l->inodes[j]) return l->inodes[i] < l->inodes[j] ? -1 : 1;
    return i < j ? -1 : i > j;
}

/* A file reached twice (a hard link, a link to a file) within one class is imported once, where
 * the walk met it first, the others skipped with a warning naming the first; in two classes it
 * would be labelled twice: refused, naming both. */
int png_tree_drop_duplicates(const char *dir, FileList *list, FILE *warnings, Error *err) {
    if (list->count < 2) return SS_OK;
    int64_t *order = malloc(sizeof *order * (size_t)list->count);
    uint8_t *drop = calloc((size_t)list->count, 1);
    if (!order || !drop) {
        free(order);
        free(drop);
        return error_set(err, SS_ERR_RUNTIME, "out of memory");
    }
    for (int64_t i = 0; i < list->count; i++) order[i] = i;
    sorting_list = list;
    qsort(order, (size_t)list->count, sizeof *order, compare_identity);
    for (int64_t k = 1, first = order[0]; k < list->count; k++) {
        int64_t i = order[k];
        if (list->devices[i] != list->devices[first] || list->inodes[i] != list->inodes[first]) first = i;
        else if (list->labels[i] != list->labels[first]) {
            int status = error_set(err, SS_ERR_INPUT, "%s/%s: the same file as %s/%s, which is in another class "
                                   "(an image may have one label)", dir, list->paths[i], dir, list->paths[first]);
            free(order);
            free(drop);
            return status;
        } else {
            drop[i] = 1;
            char shown[4096], first_shown[4096];
            if (warnings)
                fprintf(warnings, "seedsweep import png: warning: skipping %s/%s: the same file as %s/%s\n", dir,
                        text_escape_plain(list->paths[i], shown, sizeof shown), dir,
                        text_escape_plain(list->paths[first], first_shown, sizeof first_shown));
        }
    }
    int64_t kept = 0;
    for (int64_t i = 0; i < list->count; i++) {
        if (drop[i]) {
            free(list->paths[i]);
            continue;
        }
        list->paths[kept] = list->paths[i];
        list->labels[kept] = list->labels[i];
        list->devices[kept] = list->devices[i];
        list->inodes[kept++] = list->inodes[i];
    }
    list->count = kept;
    free(order);
    free(drop);
    return SS_OK;
}

