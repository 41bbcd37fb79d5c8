/* png_tree.h - the folder walk of `import png` (png_tree.c; internal to src/data): DIR/<class>/ files
 * in byte-wise name order, directory links not followed, each file once. */
#ifndef SEEDSWEEP_PNG_TREE_H
#define SEEDSWEEP_PNG_TREE_H

#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "seedsweep/common.h"

typedef struct FileList {
    char **paths;           /* relative to the import directory */
    int *labels;
    dev_t *devices;         /* the file's identity: each file is imported once */
    ino_t *inodes;
    int64_t count, capacity;
} FileList;

void png_tree_free_list(FileList *list);
void png_tree_free_names(char **names, int count);
/* The class folders of dir (sorted) and their .png files, warnings for what is skipped. */
int png_tree_collect(const char *dir, FILE *warnings, char ***classes, int *class_count, FileList *list, Error *err);
/* A file met twice in one class is kept once (warning); in two classes: SS_ERR_INPUT naming both. */
int png_tree_drop_duplicates(const char *dir, FileList *list, FILE *warnings, Error *err);

#endif
