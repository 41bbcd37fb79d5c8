/* checkpoint.h - a task's in-flight state on disk: the file format, and the directory
 * beside the results file that holds one file per task, RESULTS.ckpt/task-<N>.ckpt.
 * A checkpoint is written atomically (temporary, fsync, rename), ends with the SHA-256 of
 * everything before it, and names the job (job_sha256), the task and the shapes it was made
 * for: a checkpoint that fails any check is refused, never half-trusted. */
#ifndef SEEDSWEEP_CHECKPOINT_H
#define SEEDSWEEP_CHECKPOINT_H

#include <stddef.h>

#include "seedsweep/common.h"
#include "seedsweep/train.h"

/* What makes a checkpoint this task's; every field must match. */
typedef struct CheckpointKey {
    const char *job_sha256;     /* hex SHA-256 of the job text */
    int64_t task;
    int64_t train_count;        /* images in the task's training dataset */
    int epochs, batch;
    size_t state_bytes;         /* model_state_size */
    int relu_layers;            /* model_relu_layers */
    int64_t relu_units;
} CheckpointKey;

enum { CHECKPOINT_TRAINING = 0, CHECKPOINT_EVALUATING = 1 };

typedef struct Checkpoint {
    int phase;                  /* TRAINING: continue model_train at position; EVALUATING: training is over */
    int diverged;               /* EVALUATING: training stopped on a non-finite loss */
    TrainPosition position;     /* EVALUATING: position.epoch = epochs done */
    double seconds;             /* the task's wall time so far, over every run that worked on it */
    int rank;                   /* the rank that wrote it (information: any rank may resume it) */
    float *train_loss, *train_accuracy; /* [epochs]; entries from position.epoch on are not used */
    float *dead_relu;           /* [epochs][relu_layers], as train_loss; position.alive: [relu_units] */
    void *state;                /* state_bytes of model_state_save */
    void *block;                /* checkpoint_read: the one allocation the pointers above lie in */
} Checkpoint;

/* ---- the store: a sweep's checkpoint directory over its life (what the scheduler calls) ---- */

typedef struct CheckpointStore {
    char *dir;                  /* RESULTS.ckpt: what task_run gets as TaskRunner.checkpoint_dir */
} CheckpointStore;

/* Names the store of the results file at results_path (creates nothing: the first save does);
 * SS_ERR_INPUT when an existing one is not to be trusted (checkpoint_dir_check). */
int checkpoint_store_open(CheckpointStore *store, const char *results_path, Error *err);
/* Once the results file is open: a fresh file (--restart, or made anew) owns no checkpoint, so
 * all go; a resumed one keeps those of its pending[task_count] tasks (a crash between recording
 * a task and removing its checkpoint leaves a spent one behind). */
void checkpoint_store_settle(const CheckpointStore *store, int fresh, const uint8_t *pending, int64_t task_count);
/* Task was recorded: its checkpoint is spent. */
void checkpoint_store_spent(const CheckpointStore *store, int64_t task);
/* Every task is recorded: the store is emptied and its directory removed. */
void checkpoint_store_finish(const CheckpointStore *store);
void checkpoint_store_close(CheckpointStore *store);

/* ---- one checkpoint file in a directory ---- */

/* RESULTS + ".ckpt" (malloc'd; NULL when out of memory). */
char *checkpoint_dir(const char *results_path);
/* DIR/task-<N>.ckpt into out (size bytes); 0 when it does not fit. */
int checkpoint_path(const char *dir, int64_t task, char *out, size_t size);
/* Whether dir may hold this sweep's checkpoints: absent (made 0700 at the first save), or a real
 * directory (not a symbolic link) of this user that no one else can write to. Files there are
 * written and deleted by name: a link to someone's folder would have theirs deleted or overwritten.
 * SS_ERR_INPUT saying what it is and what to do. */
int checkpoint_dir_check(const char *dir, Error *err);
/* Creates dir if needed and writes the checkpoint atomically. */
int checkpoint_write(const char *dir, const CheckpointKey *key, const Checkpoint *ckpt, Error *err);
/* *found = 0 and SS_OK when the task has no checkpoint. A checkpoint that cannot be trusted
 * (truncated, checksum, another job, task or shape, impossible position) gives SS_ERR_INPUT
 * with a message naming the file and why; I/O failures SS_ERR_RUNTIME. On SS_OK with *found,
 * free with checkpoint_free. */
int checkpoint_read(const char *dir, const CheckpointKey *key, Checkpoint *ckpt, int *found, Error *err);
void checkpoint_free(Checkpoint *ckpt);
/* Removes task's checkpoint (absent is fine). */
void checkpoint_remove(const char *dir, int64_t task);
/* Removes every checkpoint (and writers' temporaries) unless keep[task] (keep NULL: all; tasks
 * >= task_count are not the job's: removed; other names are left alone), then the directory if
 * empty.
 * Returns how many checkpoints it removed. */
int checkpoint_prune(const char *dir, const uint8_t *keep, int64_t task_count);

#endif
