/* results.c - the results file (docs/design.md section 7), the sweep's side: open or resume (with its
 * lock), record each task, close. What the file holds and how it is created: results_layout.c;
 * what a file must be before a sweep resumes it: results_resume.c; reading it back: results_read.c.
 *
 * Crash safety and concurrent readers, without HDF5 SWMR. SWMR (H5F_LIBVER_LATEST +
 * H5Fstart_swmr_write) marks the superblock "open for writing"; plain h5py/xarray then refuse the
 * file while the sweep runs and after a kill -9 (until h5clear). Instead:
 *  - the file is built completely at creation (every array contiguous, allocated early and filled
 *    with NaN / pending values, all attributes and dimension scales written), into a hidden
 *    temporary beside it that is fsynced and renamed into place (atomic_file.c): a crash during
 *    creation leaves no half file;
 *  - it uses the default (v0) superblock, which has no "open for write" flags;
 *  - afterwards the sweep writes raw data only, into space that already exists, so the file's
 *    metadata never changes again: a reader always sees a valid structure, and a process killed
 *    mid-write leaves at most one task's rows half written;
 *  - a task's rows are written and flushed before its task_status, which is written and flushed
 *    last: a row counts only once its status says so (readers read task_status first);
 *  - the writer opens with HDF5 file locking off, so readers holding the file open (h5py,
 *    xarray, `seedsweep report`) never block the sweep; two sweeps writing one file are kept
 *    apart by our own fcntl (OFD) lock, which does not interact with HDF5's flock. */
#include "seedsweep/results.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "results_layout.h"

#include "seedsweep/atomic_file.h"
#include "seedsweep/file_lock.h"
#include "seedsweep/safe_file.h"

struct ResultsFile {
    char *path;
    hid_t file;
    int lock_fd;
    dev_t device;                        /* the file the sweep holds (lock_fd, and HDF5's descriptor) */
    ino_t inode;
    off_t size;                          /* its size when opened: allocated whole, it never shrinks */
    ResultsShape shape;
    hid_t (*arrays)[RESULTS_MAX_DATASETS];   /* [results_array_count]: the open recorded arrays, per instance */
};

/* The arrays whose rows a task records (not the plan's). */
static int is_recorded(const ResultsArray *a) { return !a->from_plan; }

/* Where instance d of array a starts in r: the scalar field itself, or d's part of the row. */
static const void *result_values(const TaskResult *r, const ResultsArray *a, const ResultsShape *shape, int d) {
    if (a->result_scalar) return (const char *)r + a->result_field;
    const char *row = *(char *const *)((const char *)r + a->result_field);
    for (int i = 0; i < d; i++) row += results_array_row_length(a, shape, i) * results_element_size(a->element);
    return row;
}

/* ---- parts ---- */

int results_part_has(ResultsPart part, int64_t task) { return part.count <= 0 || task % part.count == part.index; }

int64_t results_part_task_count(ResultsPart part, int64_t task_count) {
    if (part.count <= 0) return task_count;
    return task_count / part.count + (task_count % part.count > part.index);
}

int results_part_path(const char *output, ResultsPart part, char *out, size_t size) {
    size_t length = strlen(output);
    if (length > 3 && !strcmp(output + length - 3, ".h5")) length -= 3;
    int n = snprintf(out, size, "%.*s.part-%d-of-%d.h5", (int)length, output, part.index, part.count);
    return n >= 0 && (size_t)n < size ? 0 : -1;
}

void results_part_describe(ResultsPart part, char *out, size_t size) {
    if (part.count <= 0) snprintf(out, size, "the whole job");
    else snprintf(out, size, "part %d of %d: tasks t mod %d = %d", part.index, part.count, part.count, part.index);
}

/* The part a file's root attributes name (part_index, part_count; both absent: the whole job), or
 * index -1 when they are damaged (one without the other, out of range). */
ResultsPart results_read_part(hid_t file, int64_t task_count) {
    int64_t index = h5util_read_attr_int(file, "part_index"), count = h5util_read_attr_int(file, "part_count");
    int has_index = H5Aexists(file, "part_index") > 0, has_count = H5Aexists(file, "part_count") > 0;
    if (!has_index && !has_count) return (ResultsPart){0, 0};
    if (!has_index || !has_count || count < 1 || count > task_count || index < 0 || index >= count)
        return (ResultsPart){-1, (int)(count > 0 && count < INT32_MAX ? count : 0)};
    return (ResultsPart){(int)index, (int)count};
}

/* ---- opening for the sweep ---- */

/* The writer lock is a whole-file OFD lock (it survives HDF5 opening and closing the file). OFD
 * locks do not tell who holds them, so the holder also keeps a classic (per-process) lock on one
 * byte far past the end of the file, which F_GETLK reports with its pid: the refused sweep can
 * name it. Nothing else locks that byte. */
#define HOLDER_BYTE ATOMIC_FILE_LOCK_LENGTH

static void mark_holder(int fd) {
    if (!file_locking_enabled()) return;
    struct flock mark = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = HOLDER_BYTE, .l_len = 1};
    fcntl(fd, F_SETLK, &mark);
}

static int refuse_locked(const char *path, int fd, Error *err) {
    /* the holder marks itself just after taking the lock: allow it a moment */
    for (int attempt = 0; fd >= 0 && attempt < 20; attempt++) {
        struct flock who = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = HOLDER_BYTE, .l_len = 1};
        if (fcntl(fd, F_GETLK, &who) == 0 && who.l_type != F_UNLCK && who.l_pid > 0)
            return error_set(err, SS_ERR_INPUT, "%s: another sweep is writing this file (locked by process %d)", path,
                             (int)who.l_pid);
        nanosleep(&(struct timespec){.tv_sec = 0, .tv_nsec = 5000000}, NULL);
    }
    return error_set(err, SS_ERR_INPUT, "%s: another sweep is writing this file (locked)", path);
}

static int lock_once(const char *path, int *fd_out, Error *err);

/* 1 when path still leads to the file fd holds (no rename put another file there since fd was opened) */
static int path_leads_to(const char *path, int fd) {
    struct stat at_path, held;
    return stat(path, &at_path) == 0 && fstat(fd, &held) == 0 && at_path.st_dev == held.st_dev &&
           at_path.st_ino == held.st_ino;
}

/* Locks the file at path. A lock is only worth something on the file the path leads to once it is
 * held: another sweep may rename a new file over the path between our open and our lock (a
 * concurrent --restart), so the lock is checked against the path afterwards and taken again on the
 * file now there (which that sweep holds: refused). */
static int take_writer_lock(const char *path, int *fd_out, Error *err) {
    for (int attempt = 0;; attempt++) {
        int fd = -1;
        int rc = lock_once(path, &fd, err);
        if (rc != SS_OK || !file_locking_enabled() || path_leads_to(path, fd)) {
            if (rc == SS_OK) *fd_out = fd;
            return rc;
        }
        close(fd);
        if (attempt == 100)
            return error_set(err, SS_ERR_RUNTIME, "%s: the file keeps being replaced while we lock it", path);
    }
}

static int lock_once(const char *path, int *fd_out, Error *err) {
    int fd = open(path, O_RDWR | O_CLOEXEC);
    if (fd < 0)  /* a read-only file or file system is the user's to fix: bad input, before any training */
        return error_set(err, errno == EACCES || errno == EROFS || errno == EPERM ? SS_ERR_INPUT : SS_ERR_RUNTIME,
                         "%s: cannot open for writing: %s", path, strerror(errno));
    if (!file_locking_enabled()) {   /* SEEDSWEEP_FILE_LOCKING=FALSE: one sweep per file is the user's to keep */
        *fd_out = fd;
        return SS_OK;
    }
    struct flock lock = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = ATOMIC_FILE_LOCK_LENGTH};
    if (fcntl(fd, F_OFD_SETLK, &lock) < 0) {
        int rc = file_lock_unsupported(errno)
                     ? file_lock_refused(path, "the results file's writer lock", "fcntl F_OFD_SETLK", errno, err)
                     : refuse_locked(path, fd, err);
        close(fd);
        return rc;
    }
    mark_holder(fd);
    *fd_out = fd;
    return SS_OK;
}

static int open_writer(ResultsFile *rf, const ResultsMeta *meta, Error *err) {
    /* No sieve buffer: every H5Dwrite goes straight to the file (pwrite) in program order, so a
     * task's rows are in the OS before its status is, even without a flush in between, and a
     * killed process cannot take buffered rows with it. */
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    H5Pset_file_locking(fapl, 0, 1);
    H5Pset_sieve_buf_size(fapl, 0);
    rf->file = H5Fopen(rf->path, H5F_ACC_RDWR, fapl);
    H5Pclose(fapl);
    if (rf->file < 0) return error_set(err, SS_ERR_RUNTIME, "%s: cannot open results file for writing", rf->path);
    /* per-dataset arrays are opened in dataset order by the names stored in the file */
    int64_t n = 0;
    char **names = h5util_read_string_dataset(rf->file, "dataset_name", &n);
    int rc = results_check_names_and_plan(rf->path, rf->file, &rf->shape, names, n, meta, err);
    for (int i = 0; i < results_array_count && rc == SS_OK; i++) {
        const ResultsArray *a = &results_arrays[i];
        if (!is_recorded(a)) continue;
        for (int d = 0; d < results_array_instances(a, &rf->shape) && rc == SS_OK; d++) {
            char name[160];
            results_array_path(a, names[d], name, sizeof name);
            if (a->optional && H5Lexists(rf->file, name, H5P_DEFAULT) <= 0) continue;   /* an older file: not recorded */
            rf->arrays[i][d] = H5Lexists(rf->file, name, H5P_DEFAULT) > 0 ? H5Dopen2(rf->file, name, H5P_DEFAULT) : -1;
            if (rf->arrays[i][d] < 0) {
                rc = error_set(err, SS_ERR_INPUT, "%s: /%s is missing; use --restart to start the file over", rf->path, name);
                break;
            }
            hsize_t dims[3];
            int rank = results_array_dims(a, &rf->shape, d, dims);
            rc = results_check_array_layout(rf->path, rf->arrays[i][d], name, rank, dims, 0, results_file_type(a->element), err);
        }
    }
    for (int i = 0; i < results_host_column_count && rc == SS_OK && H5Lexists(rf->file, "hosts", H5P_DEFAULT) > 0; i++) {
        const ResultsHostColumn *c = &results_host_columns[i];
        hid_t ds = H5Lexists(rf->file, c->name, H5P_DEFAULT) > 0 ? H5Dopen2(rf->file, c->name, H5P_DEFAULT) : -1;
        if (ds < 0) {
            rc = error_set(err, SS_ERR_INPUT, "%s: /%s is missing; use --restart to start the file over", rf->path, c->name);
            break;
        }
        hsize_t any[1] = {0};
        rc = results_check_array_layout(rf->path, ds, c->name, 1, any, 1, results_file_type(c->element), err);
        H5Dclose(ds);
    }
    h5util_free_strings(names, n);
    return rc;
}

/* Whether path still leads to the file the sweep holds, whole: a cleanup script or a user's rm or
 * mv may remove or replace it, a quota tool truncate it, and the sweep would go on writing into an
 * unlinked inode and end with exit 0 and nothing saved. Checked around every recorded row and at
 * the close; SS_ERR_RUNTIME naming the file and what happened. */
static int check_still_ours(const ResultsFile *rf, Error *err) {
    struct stat held, named;
    if (fstat(rf->lock_fd, &held) != 0)
        return error_set(err, SS_ERR_RUNTIME, "%s: cannot check the results file: %s", rf->path, strerror(errno));
    const char *what = NULL;
    char detail[160] = "";
    if (stat(rf->path, &named) != 0) {
        what = "was removed while the sweep ran";
        snprintf(detail, sizeof detail, " (%s)", strerror(errno));
    } else if (named.st_dev != rf->device || named.st_ino != rf->inode) {
        what = "was replaced by another file while the sweep ran";
    } else if (held.st_nlink == 0) {
        what = "was removed while the sweep ran";
    } else if (held.st_size < rf->size) {
        what = "was truncated while the sweep ran";
        snprintf(detail, sizeof detail, " (%lld bytes, it held %lld)", (long long)held.st_size, (long long)rf->size);
    }
    if (!what) return SS_OK;
    return error_set(err, SS_ERR_RUNTIME,
                     "%s: the results file %s%s: tasks recorded in it since are lost; the sweep stops. Run the same "
                     "command again to resume from what a file at that path holds (a new one if it is gone)",
                     rf->path, what, detail);
}

/* Notes the file the sweep holds (check_still_ours compares against it). HDF5 opened it by name
 * after the lock was taken: its descriptor must lead to the locked file too. */
static int remember_file(ResultsFile *rf, Error *err) {
    struct stat held, hdf5;
    void *handle = NULL;
    if (fstat(rf->lock_fd, &held) != 0 || H5Fget_vfd_handle(rf->file, H5P_DEFAULT, &handle) < 0 || !handle ||
        fstat(*(int *)handle, &hdf5) != 0)
        return error_set(err, SS_ERR_RUNTIME, "%s: cannot check the results file just opened", rf->path);
    if (hdf5.st_dev != held.st_dev || hdf5.st_ino != held.st_ino)
        return error_set(err, SS_ERR_RUNTIME, "%s: was replaced by another file while the sweep opened it", rf->path);
    rf->device = held.st_dev;
    rf->inode = held.st_ino;
    rf->size = held.st_size;
    return check_still_ours(rf, err);
}

/* Before creating path: its directory must exist and be writable, and hold the whole file (every
 * array is allocated at creation, so a sweep that starts never runs out of space later). Both are
 * SS_ERR_INPUT, reported before any training; a full disk found only while HDF5 writes would
 * otherwise surface as an opaque HDF5 error. */
int results_check_output_dir(const char *path, char *dir, size_t size, Error *err) {
    const char *slash = strrchr(path, '/');
    if (!slash) snprintf(dir, size, ".");
    else if (slash == path) snprintf(dir, size, "/");
    else snprintf(dir, size, "%.*s", (int)(slash - path), path);
    struct stat st;
    if (stat(dir, &st) != 0)
        return error_set(err, SS_ERR_INPUT, "%s: cannot create the results file: directory %s: %s", path, dir,
                         strerror(errno));
    if (!S_ISDIR(st.st_mode))
        return error_set(err, SS_ERR_INPUT, "%s: cannot create the results file: %s is not a directory", path, dir);
    if (access(dir, W_OK | X_OK) != 0)
        return error_set(err, SS_ERR_INPUT, "%s: cannot create the results file: directory %s is not writable: %s", path,
                         dir, strerror(errno));
    return SS_OK;
}

static int check_output_place(const char *path, const ResultsShape *shape, const ResultsMeta *meta, Error *err) {
    char dir[4096];
    int rc = results_check_output_dir(path, dir, sizeof dir, err);
    if (rc != SS_OK) return rc;
    const int64_t T = shape->task_count;
    double bytes = (double)T * (shape->dataset_count * 9.0 + shape->epochs * 8.0 + 64.0) +
                   (double)T * (double)results_prediction_count(shape) * 4.0 + 2.0 * (double)strlen(meta->job_text) +
                   65536.0;
    struct statvfs vfs;
    if (statvfs(dir, &vfs) == 0 && (double)vfs.f_bavail * (double)vfs.f_frsize < bytes)
        return error_set(err, SS_ERR_INPUT, "%s: the results file needs about %.1f MB but %s has %.1f MB free", path,
                         bytes / 1e6, dir, (double)vfs.f_bavail * (double)vfs.f_frsize / 1e6);
    return SS_OK;
}

/* Creates path whole, beside it first (a crash during creation leaves no half file at path). The
 * temporary is write-locked from its creation on, and its descriptor (lock_fd) keeps that lock as
 * the file's writer lock: there is no moment when the new file is in place and unlocked. replace 0:
 * path must still not exist (of two sweeps racing onto one new path exactly one wins); replace 1
 * (--restart): the caller holds the old file's lock meanwhile. */
static int create_in_place(const char *path, const ResultsShape *shape, const ResultsMeta *meta,
                           const ResultsRunInfo *info, int replace, int *lock_fd, Error *err) {
    int rc = check_output_place(path, shape, meta, err);
    if (rc != SS_OK) return rc;
    AtomicFile temp;
    rc = atomic_file_begin(&temp, path, err);
    if (rc != SS_OK) return rc;
    rc = results_create_file(temp.temp, shape, meta, info, err);
    if (rc != SS_OK) {
        atomic_file_abort(&temp);
        return rc;
    }
    if (replace) {
        int fd = dup(temp.fd);   /* shares the OFD lock, which outlives commit's close of temp.fd */
        rc = atomic_file_commit(&temp, err);
        if (rc == SS_OK) *lock_fd = fd;
        else if (fd >= 0) close(fd);
    } else {
        rc = atomic_file_commit_exclusive(&temp, lock_fd, err);
    }
    /* the temporary's other descriptors are closed now (closing one drops a per-process lock) */
    if (rc == SS_OK) mark_holder(*lock_fd);
    if (rc == SS_ERR_INPUT && !replace) {   /* the winner holds its lock already: name it */
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        refuse_locked(path, fd, err);
        if (fd >= 0) close(fd);
    }
    return rc;
}

int results_open_sweep(const char *path, const ResultsShape *shape, const ResultsMeta *meta,
                       const ResultsRunInfo *info, int restart, ResultsFile **out, uint8_t *pending, Error *err) {
    h5util_quiet();
    *out = NULL;
    ResultsFile *rf = calloc(1, sizeof *rf);
    if (rf) rf->arrays = malloc(sizeof *rf->arrays * (size_t)results_array_count);
    if (rf) rf->path = strdup(path);
    if (!rf || !rf->arrays || !rf->path) {
        if (rf) free(rf->arrays);
        if (rf) free(rf->path);
        free(rf);
        return error_set(err, SS_ERR_RUNTIME, "out of memory");
    }
    for (int i = 0; i < results_array_count; i++)
        for (int d = 0; d < RESULTS_MAX_DATASETS; d++) rf->arrays[i][d] = -1;
    rf->lock_fd = -1;
    rf->file = -1;
    rf->shape = *shape;
    /* never onto the job file, a dataset, a directory, a device or a FIFO, even with --restart */
    const char *inputs[RESULTS_MAX_DATASETS + 1] = {meta->job_path};
    for (int d = 0; d < shape->dataset_count; d++) inputs[d + 1] = meta->dataset_paths[d];
    int rc = safe_file_check_output(path, inputs, shape->dataset_count + 1, err);
    if (rc != SS_OK) {
        results_close(rf, NULL);
        return rc;
    }
    struct stat st, link;
    int exists = stat(path, &st) == 0;
    /* a link planted where the sweep writes would have it resume into (write rows of) a file of
     * whoever the link leads to */
    if (exists && lstat(path, &link) == 0 && S_ISLNK(link.st_mode) && st.st_uid != geteuid()) {
        results_close(rf, NULL);
        return error_set(err, SS_ERR_INPUT,
                         "%s: is a symbolic link to a file of another user (uid %lu); the sweep would write into it: "
                         "remove the link or choose another --out",
                         path, (unsigned long)st.st_uid);
    }
    int create = !exists;
    if (exists) {
        htri_t is_hdf5 = H5Fis_hdf5(path);
        hid_t file = is_hdf5 > 0 ? h5util_open(path, H5F_ACC_RDONLY, 0) : -1;
        if (file < 0) {
            if (!restart)
                rc = error_set(err, SS_ERR_INPUT, "%s: exists but is not a readable HDF5 file; use --restart to overwrite it",
                               path);
            create = 1;
        } else {
            char *format = h5util_read_attr_string(file, "format");
            if (!format || strcmp(format, RESULTS_FORMAT)) {
                /* never overwrite a dataset or anything else, even with --restart */
                rc = error_set(err, SS_ERR_INPUT, "%s: exists and is not a seedsweep results file (format '%s'); "
                               "choose another output", path, format ? format : "none");
            } else if (restart) {
                create = 1;
            } else {
                rc = results_check_resume(path, file, meta, &rf->shape, info->conv_path, pending, err);
            }
            free(format);
            H5Fclose(file);
        }
    }
    if (rc == SS_OK && exists && !create) {
        rc = take_writer_lock(path, &rf->lock_fd, err);
    }
    if (rc == SS_OK && create) {
        /* restart: refuse under a running sweep, and hold the old file's lock until the new one,
         * locked from birth, has replaced it (a second restarter is refused throughout) */
        int old_fd = -1;
        if (exists) rc = take_writer_lock(path, &old_fd, err);
        if (rc == SS_OK) rc = create_in_place(path, &rf->shape, meta, info, exists, &rf->lock_fd, err);
        if (old_fd >= 0) close(old_fd);
        if (rc == SS_OK) memset(pending, 1, (size_t)rf->shape.task_count);
    }
    if (rc == SS_OK) rc = open_writer(rf, meta, err);
    if (rc == SS_OK) rc = remember_file(rf, err);
    if (rc != SS_OK) {
        results_close(rf, NULL);
        return rc;
    }
    *out = rf;
    return SS_OK;
}

int results_record_task(ResultsFile *rf, const TaskResult *r, Error *err) {
    const ResultsShape *s = &rf->shape;
    if (r->task < 0 || r->task >= s->task_count)
        return error_set(err, SS_ERR_RUNTIME, "%s: task %lld out of range", rf->path, (long long)r->task);
    int rc = check_still_ours(rf, err);
    if (rc != SS_OK) return rc;
    /* rows reach the file before the status that vouches for them (direct writes, see open_writer) */
    int ok = 1;
    for (int pass = 0; pass < 2; pass++)
        for (int i = 0; i < results_array_count && ok; i++) {
            const ResultsArray *a = &results_arrays[i];
            if (!is_recorded(a) || a->is_status != pass) continue;
            hid_t type = results_memory_type(a->result_scalar ? a->result_element : a->element);
            for (int d = 0; d < results_array_instances(a, s) && ok; d++)
                if (!a->optional || rf->arrays[i][d] >= 0)
                    ok = results_write_row(rf->arrays[i][d], type, r->task, result_values(r, a, s, d));
        }
    ok = ok && H5Fflush(rf->file, H5F_SCOPE_LOCAL) >= 0;
    if (!ok) return error_set(err, SS_ERR_RUNTIME, "%s: cannot record task %lld (HDF5 write failed)", rf->path,
                              (long long)r->task);
    return check_still_ours(rf, err);
}

int results_record_hosts(ResultsFile *rf, const ResultsHost *hosts, int count, Error *err) {
    if (H5Lexists(rf->file, "hosts", H5P_DEFAULT) <= 0) return SS_OK;   /* a file made before /hosts existed */
    int64_t rows = 0;
    int32_t *runs = h5util_read_array(rf->file, "hosts/run", H5T_NATIVE_INT32, &rows);
    if (!runs) return error_set(err, SS_ERR_RUNTIME, "%s: cannot read /hosts/run", rf->path);
    int64_t first = 0;
    int run = 0;
    while (first < rows && runs[first] >= 0) {
        if (runs[first] >= run) run = runs[first] + 1;
        first++;
    }
    free(runs);
    int ok = 1;
    for (int h = 0; h < count && first + h < rows && ok; h++) {
        ResultsHost row = hosts[h];
        row.run = run;
        for (int i = 0; i < results_host_column_count && ok; i++) {
            const ResultsHostColumn *c = &results_host_columns[i];
            hid_t ds = H5Dopen2(rf->file, c->name, H5P_DEFAULT);
            ok = ds >= 0 && results_write_row(ds, results_memory_type(c->element), first + h, (const char *)&row + c->field);
            if (ds >= 0) H5Dclose(ds);
        }
    }
    ok = ok && H5Fflush(rf->file, H5F_SCOPE_LOCAL) >= 0;
    if (!ok) return error_set(err, SS_ERR_RUNTIME, "%s: cannot record the hosts (HDF5 write failed)", rf->path);
    return SS_OK;
}

int results_check_idle(const char *path, Error *err) {
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) return error_set(err, SS_ERR_INPUT, "%s: cannot open: %s", path, strerror(errno));
    struct flock lock = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = ATOMIC_FILE_LOCK_LENGTH};
    int rc = SS_OK;
    if (!file_locking_enabled()) {
        /* SEEDSWEEP_FILE_LOCKING=FALSE: no writer holds a lock to see; that no sweep runs is the user's to know */
    } else if (fcntl(fd, F_OFD_GETLK, &lock) != 0) {
        if (file_lock_unsupported(errno))
            rc = file_lock_refused(path, "the check that no sweep is writing it", "fcntl F_OFD_GETLK", errno, err);
    } else if (lock.l_type != F_UNLCK) {
        rc = refuse_locked(path, fd, err);
    }
    close(fd);
    return rc;
}

int results_close(ResultsFile *rf, Error *err) {
    if (!rf) return SS_OK;
    int rc = SS_OK;
    if (rf->file >= 0 && rf->inode) rc = check_still_ours(rf, err);   /* the last row's check may be a while ago */
    if (rf->file >= 0) {
        for (int i = 0; rf->arrays && i < results_array_count; i++)
            for (int d = 0; d < RESULTS_MAX_DATASETS; d++)
                if (rf->arrays[i][d] >= 0) H5Dclose(rf->arrays[i][d]);
        if (H5Fclose(rf->file) < 0 && rc == SS_OK)
            rc = error_set(err, SS_ERR_RUNTIME, "%s: cannot close results file", rf->path);
    }
    if (rf->lock_fd >= 0) close(rf->lock_fd);
    free(rf->arrays);
    free(rf->path);
    free(rf);
    return rc;
}
