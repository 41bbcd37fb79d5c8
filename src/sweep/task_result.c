/* task_result.c - a task's rows: allocated one array each (a rank's own result) or viewed in one
 * packed block (a report on the wire). Both walk the results table, so the rows are exactly the
 * recorded arrays of the results file. */
#include "seedsweep/task_result.h"

#include <stdlib.h>
#include <string.h>

#include "results_layout.h"

int64_t results_prediction_count(const ResultsShape *shape) {
    int64_t n = 0;
    for (int d = 0; d < shape->dataset_count; d++) n += shape->image_count[d] * shape->class_count;
    return n;
}

/* The arrays whose rows a task records, each a pointer in TaskResult (not a scalar field). */
static int is_row(const ResultsArray *a) { return !a->from_plan && !a->result_scalar; }

/* TaskResult's row pointer for array a. */
static void **row_pointer(TaskResult *r, const ResultsArray *a) { return (void **)((char *)r + a->result_field); }

static int64_t row_elements(const ResultsArray *a, const ResultsShape *shape) {
    int64_t n = 0;
    for (int d = 0; d < results_array_instances(a, shape); d++) n += results_array_row_length(a, shape, d);
    return n;
}

int task_result_alloc(TaskResult *r, const ResultsShape *shape, Error *err) {
    memset(r, 0, sizeof *r);
    for (int i = 0; i < results_array_count; i++) {
        const ResultsArray *a = &results_arrays[i];
        if (!is_row(a)) continue;
        if (!(*row_pointer(r, a) = ss_calloc((size_t)row_elements(a, shape), results_element_size(a->element), err))) {
            task_result_free(r);
            return SS_ERR_RUNTIME;
        }
    }
    return SS_OK;
}

void task_result_free(TaskResult *r) {
    for (int i = 0; i < results_array_count; i++)
        if (is_row(&results_arrays[i])) free(*row_pointer(r, &results_arrays[i]));
    memset(r, 0, sizeof *r);
}

/* The packed rows: widest elements first, so every row stays aligned (each is a whole number of
 * its elements) in a block that is. Points r's rows into rows (when given); returns the size. */
static size_t pack_rows(const ResultsShape *shape, TaskResult *r, char *rows) {
    static const size_t widths[] = {8, 4, 2, 1};
    size_t offset = 0;
    for (size_t w = 0; w < sizeof widths / sizeof widths[0]; w++)
        for (int i = 0; i < results_array_count; i++) {
            const ResultsArray *a = &results_arrays[i];
            if (!is_row(a) || results_element_size(a->element) != widths[w]) continue;
            if (r) *row_pointer(r, a) = rows + offset;
            offset += (size_t)row_elements(a, shape) * widths[w];
        }
    return offset;
}

size_t task_result_rows_size(const ResultsShape *shape) { return pack_rows(shape, NULL, NULL); }

void task_result_view(TaskResult *r, const ResultsShape *shape, void *rows) { pack_rows(shape, r, rows); }
