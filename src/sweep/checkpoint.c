/* checkpoint.c - the checkpoint file format (checkpoint.h). One file per task:
 *
 *   CheckpointHeader (fixed 192 bytes, the writing machine's byte order: a foreign one fails the
 *                     magic check), train_loss[epochs], train_accuracy[epochs] (float32),
 *   the model state (model_state_save: Adam step, parameters, two moments),
 *   dead_relu[epochs][relu_layers] (float32), alive[relu_units] (bytes: the epoch's ReLU units so far),
 *   64 hex characters: SHA-256 of every byte before them.
 *
 * Header offsets (tests/crash/campaign.sh reads task at 72 and rank at 116): magic 0, job_sha256 8,
 * task 72, train_count 80, state_bytes 88, epochs 96, batch 100, phase 104, diverged 108, epoch 112,
 * rank 116, next_image 120, correct 128, loss_sum 136, order_counter 144, seconds 152, relu_units 160,
 * relu_layers 168, collapse_epoch 172, epoch_class 176 (version 2: version 1 files are refused as foreign).
 *
 * The reader checks the size implied by the key before reading the body, then the checksum, then
 * every key field, then the position: only then is anything handed to the model. */
#include "seedsweep/checkpoint.h"

#include <dirent.h>
#include <stddef.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "seedsweep/atomic_file.h"
#include "seedsweep/sha256.h"

#define CHECKPOINT_MAGIC "SSCKPT\0\2"

typedef struct CheckpointHeader {
    char magic[8];
    char job_sha256[64];
    int64_t task, train_count, state_bytes;
    int32_t epochs, batch, phase, diverged;
    int32_t epoch, rank;        /* rank: who wrote it (information only: any rank may resume it) */
    int64_t next_image, correct;
    double loss_sum;
    uint64_t order_counter;
    double seconds;             /* the task's wall time before this save, all runs together */
    int64_t relu_units;
    int32_t relu_layers, collapse_epoch, epoch_class;
    char reserved[192 - 8 - 64 - 3 * 8 - 6 * 4 - 2 * 8 - 8 - 8 - 8 - 8 - 3 * 4];
} CheckpointHeader;
_Static_assert(sizeof(CheckpointHeader) == 192, "the checkpoint header is 192 bytes");

static size_t body_size(const CheckpointKey *key) {
    return sizeof(CheckpointHeader) + 2 * sizeof(float) * (size_t)key->epochs + key->state_bytes +
           sizeof(float) * (size_t)key->epochs * (size_t)key->relu_layers + (size_t)key->relu_units;
}

char *checkpoint_dir(const char *results_path) {
    size_t length = strlen(results_path) + sizeof ".ckpt";
    char *dir = malloc(length);
    if (dir) snprintf(dir, length, "%s.ckpt", results_path);
    return dir;
}

int checkpoint_path(const char *dir, int64_t task, char *out, size_t size) {
    int n = snprintf(out, size, "%s/task-%lld.ckpt", dir, (long long)task);
    return n > 0 && (size_t)n < size;
}

int checkpoint_dir_check(const char *dir, Error *err) {
    struct stat st;
    if (lstat(dir, &st) != 0) {
        if (errno == ENOENT) return SS_OK;
        return error_set(err, SS_ERR_INPUT, "%s: cannot check the checkpoint directory: %s", dir, strerror(errno));
    }
    const char *what = S_ISLNK(st.st_mode) ? "is a symbolic link" : !S_ISDIR(st.st_mode) ? "is not a directory"
                       : st.st_uid != geteuid() ? "belongs to another user"
                       : (st.st_mode & 022) ? "can be written by other users" : NULL;
    if (!what) return SS_OK;
    return error_set(err, SS_ERR_INPUT,
                     "%s: %s (uid %lu, mode %04o); the sweep writes and deletes checkpoint files there, so it must be "
                     "a directory of this user only: remove it (or chmod go-w one of yours), or choose another --out",
                     dir, what, (unsigned long)st.st_uid, (unsigned)(st.st_mode & 07777));
}

static int write_all(int fd, const char *data, size_t length) {
    while (length > 0) {
        ssize_t n = write(fd, data, length);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return 0;
        data += n;
        length -= (size_t)n;
    }
    return 1;
}

int checkpoint_write(const char *dir, const CheckpointKey *key, const Checkpoint *ckpt, Error *err) {
    char path[4096];
    if (!checkpoint_path(dir, key->task, path, sizeof path))
        return error_set(err, SS_ERR_RUNTIME, "%s: checkpoint path too long", dir);
    if (mkdir(dir, 0700) != 0 && errno != EEXIST)
        return error_set(err, SS_ERR_RUNTIME, "%s: cannot create the checkpoint directory: %s", dir, strerror(errno));
    Error untrusted = {0};
    if (checkpoint_dir_check(dir, &untrusted) != SS_OK)   /* swapped for a link since start-up */
        return error_set(err, SS_ERR_RUNTIME, "%s", untrusted.message);
    const size_t body = body_size(key), epochs_bytes = sizeof(float) * (size_t)key->epochs;
    char *buffer = malloc(body + 64);
    if (!buffer) return error_set(err, SS_ERR_RUNTIME, "%s: out of memory for a checkpoint", path);
    CheckpointHeader h;
    memset(&h, 0, sizeof h);
    memcpy(h.magic, CHECKPOINT_MAGIC, sizeof h.magic);
    memcpy(h.job_sha256, key->job_sha256, sizeof h.job_sha256);
    h.task = key->task;
    h.train_count = key->train_count;
    h.state_bytes = (int64_t)key->state_bytes;
    h.epochs = key->epochs;
    h.batch = key->batch;
    h.phase = ckpt->phase;
    h.diverged = ckpt->diverged;
    h.epoch = ckpt->position.epoch;
    h.rank = ckpt->rank;
    h.next_image = ckpt->position.next_image;
    h.correct = ckpt->position.correct;
    h.loss_sum = ckpt->position.loss_sum;
    h.order_counter = ckpt->position.order_counter;
    h.seconds = ckpt->seconds;
    h.relu_units = key->relu_units;
    h.relu_layers = key->relu_layers;
    h.collapse_epoch = ckpt->position.collapse_epoch;
    h.epoch_class = ckpt->position.epoch_class;
    memcpy(buffer, &h, sizeof h);
    memcpy(buffer + sizeof h, ckpt->train_loss, epochs_bytes);
    memcpy(buffer + sizeof h + epochs_bytes, ckpt->train_accuracy, epochs_bytes);
    memcpy(buffer + sizeof h + 2 * epochs_bytes, ckpt->state, key->state_bytes);
    char *relu = buffer + sizeof h + 2 * epochs_bytes + key->state_bytes;
    const size_t dead_bytes = epochs_bytes * (size_t)key->relu_layers;
    if (dead_bytes) memcpy(relu, ckpt->dead_relu, dead_bytes);
    if (ckpt->position.alive) memcpy(relu + dead_bytes, ckpt->position.alive, (size_t)key->relu_units);
    else memset(relu + dead_bytes, 0, (size_t)key->relu_units);
    char hex[65];
    sha256_hex(buffer, body, hex);
    memcpy(buffer + body, hex, 64);
    AtomicFile file;
    int rc = atomic_file_begin(&file, path, err);
    if (rc == SS_OK) {
        if (!write_all(file.fd, buffer, body + 64)) {
            rc = error_set(err, SS_ERR_RUNTIME, "%s: cannot write the checkpoint: %s", path, strerror(errno));
            atomic_file_abort(&file);
        } else {
            rc = atomic_file_commit(&file, err);
        }
    }
    free(buffer);
    return rc;
}

static int refuse(Error *err, const char *path, const char *why) {
    return error_set(err, SS_ERR_INPUT, "%s: %s", path, why);
}

/* Why a checksummed checkpoint of the right key still cannot be what a run of this task saved, or
 * NULL: anyone who can write the directory can make a valid checksum, so every value is checked
 * against its range and the claimed phase and position against each other, Adam's step count
 * included (one step per mini-batch trained): an "evaluating" checkpoint of untrained weights, or
 * a negative or infinite task time, is refused, and the task starts over. */
static const char *implausible(const CheckpointHeader *h, const CheckpointKey *key, const char *buffer) {
    if (!isfinite(h->seconds) || h->seconds < 0 || h->seconds > 1e9) return "impossible task time";
    if (h->rank < 0 || (h->diverged != 0 && h->diverged != 1)) return "impossible rank or divergence flag";
    if (key->batch < 1 || key->train_count < 1 || key->state_bytes < sizeof(int64_t) ||
        (key->state_bytes - sizeof(int64_t)) % (3 * sizeof(float)))
        return "made for other shapes (training set, model, epochs or batch)";
    const int64_t per_epoch = (key->train_count + key->batch - 1) / key->batch;
    const size_t epochs_bytes = sizeof(float) * (size_t)key->epochs;
    int64_t steps;
    memcpy(&steps, buffer + sizeof *h + 2 * epochs_bytes, sizeof steps);
    if (h->phase == CHECKPOINT_TRAINING) {
        if (h->diverged) return "a diverged run saved as still training";
        if (h->next_image < 0 || h->next_image >= key->train_count || h->next_image % key->batch ||
            (h->epoch == key->epochs && h->next_image) || h->correct < 0 || h->correct > h->next_image ||
            !isfinite(h->loss_sum) || h->loss_sum < 0 || (h->next_image == 0 && (h->correct || h->loss_sum)))
            return "impossible position in the epoch";
        if (steps != (int64_t)h->epoch * per_epoch + h->next_image / key->batch)
            return "the optimizer's step count does not match the position (not the state of that position)";
    } else {
        if (h->next_image || h->correct || h->loss_sum) return "impossible position for evaluation";
        if (!h->diverged && (h->epoch != key->epochs || steps != (int64_t)key->epochs * per_epoch))
            return "claims to be trained, but its epochs or optimizer steps fall short of the job's";
        if (h->diverged && (h->epoch < 1 || steps < (int64_t)(h->epoch - 1) * per_epoch || steps >= (int64_t)h->epoch * per_epoch))
            return "the optimizer's step count does not match the epoch it diverged in";
    }
    const float *loss = (const float *)(buffer + sizeof *h), *accuracy = loss + key->epochs;
    for (int e = 0; e < h->epoch; e++) {
        int last_diverged = h->diverged && e == h->epoch - 1;
        if (last_diverged ? !(isnan(loss[e]) || (isfinite(loss[e]) && loss[e] >= 0)) : !(isfinite(loss[e]) && loss[e] >= 0))
            return "impossible training loss in its history";
        if (!(isnan(accuracy[e]) && last_diverged) && !(accuracy[e] >= 0 && accuracy[e] <= 1))
            return "impossible training accuracy in its history";
    }
    const size_t params = (key->state_bytes - sizeof(int64_t)) / (3 * sizeof(float));
    const float *state = (const float *)(buffer + sizeof *h + 2 * epochs_bytes + sizeof(int64_t));
    for (size_t i = 0; i < 3 * params; i++)
        if (!isfinite(state[i]) || (i >= 2 * params && state[i] < 0)) return "non-finite weights or optimizer moments";
    const float *dead = (const float *)(buffer + sizeof *h + 2 * epochs_bytes + key->state_bytes);
    for (size_t i = 0; i < (size_t)h->epoch * (size_t)key->relu_layers; i++)
        if (!isnan(dead[i]) && !(dead[i] >= 0 && dead[i] <= 1)) return "impossible dead-ReLU fraction in its history";
    const uint8_t *alive = (const uint8_t *)(dead + (size_t)key->epochs * (size_t)key->relu_layers);
    for (int64_t i = 0; i < key->relu_units; i++)
        if (alive[i] > 1) return "impossible ReLU state";
    return NULL;
}

int checkpoint_read(const char *dir, const CheckpointKey *key, Checkpoint *ckpt, int *found, Error *err) {
    memset(ckpt, 0, sizeof *ckpt);
    *found = 0;
    char path[4096];
    if (!checkpoint_path(dir, key->task, path, sizeof path))
        return error_set(err, SS_ERR_RUNTIME, "%s: checkpoint path too long", dir);
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT) return SS_OK;
        return refuse(err, path, strerror(errno));
    }
    *found = 1;
    const size_t body = body_size(key), epochs_bytes = sizeof(float) * (size_t)key->epochs;
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return refuse(err, path, "not a regular file");
    }
    if ((size_t)st.st_size != body + 64) {
        close(fd);
        char why[200];
        snprintf(why, sizeof why, "%lld bytes, a checkpoint of this task holds %zu (truncated, or another shape)",
                 (long long)st.st_size, body + 64);
        return refuse(err, path, why);
    }
    char *buffer = malloc(body + 64);
    if (!buffer) {
        close(fd);
        return error_set(err, SS_ERR_RUNTIME, "%s: out of memory", path);
    }
    size_t got = 0;
    while (got < body + 64) {
        ssize_t n = read(fd, buffer + got, body + 64 - got);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        got += (size_t)n;
    }
    close(fd);
    const char *why = NULL;
    char hex[65];
    CheckpointHeader h;
    memcpy(&h, buffer, sizeof h);
    if (got != body + 64) why = "shorter than its size (being truncated?)";
    if (!why && (sha256_hex(buffer, body, hex), memcmp(hex, buffer + body, 64))) why = "checksum mismatch (corrupt)";
    if (!why && memcmp(h.magic, CHECKPOINT_MAGIC, sizeof h.magic)) why = "not a seedsweep checkpoint";
    if (!why && memcmp(h.job_sha256, key->job_sha256, sizeof h.job_sha256)) why = "made by another job (job_sha256 differs)";
    if (!why && h.task != key->task) why = "made for another task";
    if (!why && (h.train_count != key->train_count || h.state_bytes != (int64_t)key->state_bytes ||
                 h.epochs != key->epochs || h.batch != key->batch || h.relu_units != key->relu_units ||
                 h.relu_layers != key->relu_layers))
        why = "made for other shapes (training set, model, epochs or batch)";
    if (!why && (h.phase != CHECKPOINT_TRAINING && h.phase != CHECKPOINT_EVALUATING)) why = "unknown phase";
    if (!why && (h.epoch < 0 || h.epoch > h.epochs)) why = "impossible epoch";
    if (!why && (h.collapse_epoch < 0 || h.collapse_epoch > h.epoch || h.epoch_class < -2))
        why = "impossible collapse state";
    if (!why) why = implausible(&h, key, buffer);
    if (why) {
        free(buffer);
        return refuse(err, path, why);
    }
    ckpt->phase = h.phase;
    ckpt->diverged = h.diverged != 0;
    ckpt->position = (TrainPosition){.epoch = h.epoch, .next_image = h.next_image, .loss_sum = h.loss_sum,
                                     .correct = h.correct, .order_counter = h.order_counter,
                                     .collapse_epoch = h.collapse_epoch, .epoch_class = h.epoch_class};
    ckpt->seconds = h.seconds;
    ckpt->rank = h.rank;
    ckpt->block = buffer;
    ckpt->train_loss = (float *)(buffer + sizeof h);
    ckpt->train_accuracy = (float *)(buffer + sizeof h + epochs_bytes);
    ckpt->state = buffer + sizeof h + 2 * epochs_bytes;
    ckpt->dead_relu = (float *)(buffer + sizeof h + 2 * epochs_bytes + key->state_bytes);
    ckpt->position.alive = (const uint8_t *)(buffer + sizeof h + 2 * epochs_bytes + key->state_bytes +
                                             epochs_bytes * (size_t)key->relu_layers);
    return SS_OK;
}

void checkpoint_free(Checkpoint *ckpt) {
    free(ckpt->block);
    memset(ckpt, 0, sizeof *ckpt);
}

void checkpoint_remove(const char *dir, int64_t task) {
    char path[4096];
    if (checkpoint_path(dir, task, path, sizeof path)) unlink(path);
}

/* "task-<N>.ckpt" or a writer's temporary ".task-<N>.ckpt.tmp.*": the task number, else -1. */
static int64_t task_of(const char *name) {
    const char *p = name[0] == '.' ? name + 1 : name;
    if (strncmp(p, "task-", 5)) return -1;
    char *end;
    errno = 0;
    long long task = strtoll(p + 5, &end, 10);
    if (errno || end == p + 5 || task < 0 || strncmp(end, ".ckpt", 5)) return -1;
    if (name[0] == '.' ? strncmp(end + 5, ".tmp.", 5) : end[5] != '\0') return -1;
    return task;
}

int checkpoint_prune(const char *dir, const uint8_t *keep, int64_t task_count) {
    Error untrusted = {0};
    if (checkpoint_dir_check(dir, &untrusted) != SS_OK) return 0;   /* never delete in someone else's folder */
    DIR *d = opendir(dir);
    if (!d) return 0;
    int removed = 0;
    struct dirent *entry;
    while ((entry = readdir(d))) {
        int64_t task = task_of(entry->d_name);
        if (task < 0 || (keep && task < task_count && keep[task])) continue;
        char path[4096];
        if (snprintf(path, sizeof path, "%s/%s", dir, entry->d_name) >= (int)sizeof path) continue;
        if (unlink(path) == 0 && entry->d_name[0] != '.') removed++;
    }
    closedir(d);
    rmdir(dir);   /* only when empty */
    return removed;
}

int checkpoint_store_open(CheckpointStore *store, const char *results_path, Error *err) {
    store->dir = checkpoint_dir(results_path);
    if (!store->dir) return error_set(err, SS_ERR_RUNTIME, "out of memory");
    return checkpoint_dir_check(store->dir, err);
}

void checkpoint_store_settle(const CheckpointStore *store, int fresh, const uint8_t *pending, int64_t task_count) {
    checkpoint_prune(store->dir, fresh ? NULL : pending, task_count);
}

void checkpoint_store_spent(const CheckpointStore *store, int64_t task) { checkpoint_remove(store->dir, task); }

void checkpoint_store_finish(const CheckpointStore *store) { checkpoint_prune(store->dir, NULL, 0); }

void checkpoint_store_close(CheckpointStore *store) {
    free(store->dir);
    store->dir = NULL;
}

_Static_assert(offsetof(CheckpointHeader, task) == 72 && offsetof(CheckpointHeader, rank) == 116 &&
                   offsetof(CheckpointHeader, seconds) == 152 && offsetof(CheckpointHeader, relu_units) == 160 &&
                   offsetof(CheckpointHeader, epoch_class) == 176,
               "the offsets documented at the top of this file");
