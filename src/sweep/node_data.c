/* node_data.c - one copy of the images per node in an MPI-3 shared-memory window (see node_data.h).
 *
 * Why the node's first rank reads the files rather than rank 0 reading once and broadcasting to one
 * rank per node: the bytes cross the network either way (file system or MPI), but per-node reads go
 * in parallel over the nodes' own links to the file system and need no second copy or message
 * larger than 2 GiB on the way; a broadcast would only pay off when the file system, not the
 * nodes' links, is the bottleneck (hundreds of nodes on one small file server). See docs/cluster.md,
 * "Memory per node".
 *
 * Every rank reads the small header (labels, names, class names) itself: they are per-rank copies
 * anyway and keep the Dataset struct as it is. The window holds the images of every dataset one
 * after another, each start 64-byte aligned. The pixels are written once, before a barrier, and
 * only read afterwards, so the one synchronisation needed is the MPI_Win_sync + barrier below.
 *
 * A rank dying while others read the window: Open MPI's runtime aborts the whole job (the default
 * errors-are-fatal handler, and mpirun/srun kill the other ranks); the backing file in /dev/shm
 * goes with the job's session. The results file is crash-safe by itself, so the rerun resumes. */
#include "seedsweep/node_data.h"

#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>

#include "seedsweep/job_data.h"
#include "seedsweep/progress.h"
#include "seedsweep/rank_agree.h"

struct NodeData {
    MPI_Comm node;
    int node_rank, node_size;
    MPI_Win window;                /* MPI_WIN_NULL until the images are shared */
    char host[256];
};

NodeData *node_data_open(const char *host) {
    int rank = 0;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm node;
    MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, rank, MPI_INFO_NULL, &node);
    NodeData *data = calloc(1, sizeof *data);
    if (!data) {
        MPI_Comm_free(&node);
        return NULL;
    }
    data->node = node;
    data->window = MPI_WIN_NULL;
    MPI_Comm_rank(node, &data->node_rank);
    MPI_Comm_size(node, &data->node_size);
    snprintf(data->host, sizeof data->host, "%s", host);
    return data;
}

int node_data_ranks(const NodeData *data) { return data->node_size; }

enum { IMAGE_ALIGN = 64 };

static size_t aligned(size_t bytes) { return (bytes + IMAGE_ALIGN - 1) / IMAGE_ALIGN * IMAGE_ALIGN; }

static void free_sets(Dataset *sets, int count) {
    for (int d = 0; d < count; d++) dataset_free(&sets[d]);
}

/* Each rank reads every file whole: no window (one rank on the node, sharing off, or no window). */
static int load_per_rank(const JobSpec *job, Dataset *sets, Error *err) { return job_data_load(job, sets, err); }

/* Whether the directory that will back the window has room for it, else why not in reason. Checked
 * before asking MPI because Open MPI 4.1 does not fail cleanly there: with a backing directory that
 * is missing or too small (a container's 64 MB /dev/shm) the first rank gets an error while the
 * others wait for it forever. The directory is Open MPI's osc_sm_backing_directory (an MCA
 * parameter, which reaches the ranks as OMPI_MCA_* in their environment), /dev/shm by default. */
static int backing_has_room(size_t bytes, char *reason, size_t size) {
    const char *dir = getenv("OMPI_MCA_osc_sm_backing_directory");
    int configured = dir && *dir;
    if (!configured) dir = "/dev/shm";
    struct statvfs fs;
    if (statvfs(dir, &fs) != 0) {
        if (!configured) return 1;   /* no /dev/shm: MPI's own default place (its session directory) */
        snprintf(reason, size, "cannot use the shared-memory directory %s (osc_sm_backing_directory)", dir);
        return 0;
    }
    double free_bytes = (double)fs.f_bavail * (double)fs.f_frsize;
    const double margin = 16e6;       /* Open MPI's own segments (vader) live there too */
    if (free_bytes < (double)bytes + margin) {
        snprintf(reason, size, "%s has %.1f MB free, the images need %.1f MB (+16 MB)", dir, free_bytes / 1e6,
                 bytes / 1e6);
        return 0;
    }
    return 1;
}

/* The window of `bytes` on the node's first rank (0 elsewhere), or 0 with *window MPI_WIN_NULL when
 * MPI cannot give it on some rank of the node (errors returned, not fatal, for this one call). */
static int allocate_window(MPI_Comm node, int node_rank, size_t bytes, MPI_Win *window, uint8_t **base) {
    *window = MPI_WIN_NULL;
    *base = NULL;
    MPI_Comm_set_errhandler(node, MPI_ERRORS_RETURN);
    void *memory = NULL;
    int rc = MPI_Win_allocate_shared(node_rank == 0 ? (MPI_Aint)bytes : 0, 1, MPI_INFO_NULL, node, &memory, window);
    int ok = rc == MPI_SUCCESS, all_ok = ok;
    MPI_Allreduce(&ok, &all_ok, 1, MPI_INT, MPI_MIN, node);
    MPI_Comm_set_errhandler(node, MPI_ERRORS_ARE_FATAL);
    if (!all_ok) {
        /* a window some ranks hold and others do not cannot be freed collectively: leave it to MPI_Finalize */
        *window = MPI_WIN_NULL;
        return 0;
    }
    MPI_Aint size = 0;
    int unit = 1;
    MPI_Win_shared_query(*window, 0, &size, &unit, &memory);
    *base = memory;
    return 1;
}

/* Node's first rank: the images of every dataset into the window; the node learns the worst status. */
static int fill_window(const JobSpec *job, Dataset *sets, MPI_Comm node, int node_rank, MPI_Win window,
                       uint8_t *base, Error *err) {
    int rc = SS_OK;
    MPI_Win_lock_all(MPI_MODE_NOCHECK, window);
    if (node_rank == 0) {
        size_t offset = 0;
        for (int d = 0; d < job->dataset_count && rc == SS_OK; d++) {
            Error inner = {0};
            if (dataset_read_images_into(job->dataset_paths[d], &sets[d], base + offset, &inner) != SS_OK)
                rc = error_set(err, inner.code, "%s: [datasets] %s (line %d): %s", job->path, job->dataset_names[d],
                               job->dataset_lines[d], inner.message);
            offset += aligned(dataset_image_bytes(&sets[d]));
        }
    }
    MPI_Win_sync(window);      /* the leader's stores are visible ... */
    rc = rank_agree_worst(node, rc, err);
    MPI_Win_sync(window);      /* ... to every rank after the barrier the reduction makes */
    MPI_Win_unlock_all(window);
    return rc;
}

int node_data_load(NodeData *data, const JobSpec *job, Dataset *sets, Error *err) {
    int rank = 0;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm node = data->node;
    const int node_rank = data->node_rank, node_size = data->node_size;
    const char *host = data->host;

    /* the node agrees on sharing, so that its ranks meet in the same collectives */
    const char *setting = getenv("SEEDSWEEP_SHARE_DATA");
    int share = !(setting && !strcmp(setting, "0")), all_share = share;
    MPI_Allreduce(&share, &all_share, 1, MPI_INT, MPI_MIN, node);
    if (node_size == 1 || !all_share) {
        if (node_size > 1 && node_rank == 0) progress_data_not_shared(host, node_size, "SEEDSWEEP_SHARE_DATA=0");
        return load_per_rank(job, sets, err);
    }

    int rc = job_data_load_headers(job, sets, err);
    int worst = rank_agree_worst(node, rc, err);
    if (worst != SS_OK) {
        if (rc == SS_OK) free_sets(sets, job->dataset_count);
        return worst;
    }
    size_t total = 0;
    for (int d = 0; d < job->dataset_count; d++) total += aligned(dataset_image_bytes(&sets[d]));

    char reason[300] = "MPI could not allocate a shared window of that size";
    int room = node_rank == 0 ? backing_has_room(total, reason, sizeof reason) : 1;
    MPI_Bcast(&room, 1, MPI_INT, 0, node);
    MPI_Win window;
    uint8_t *base;
    if (!room || !allocate_window(node, node_rank, total, &window, &base)) {
        if (node_rank == 0) progress_data_not_shared(host, node_size, reason);
        free_sets(sets, job->dataset_count);
        return load_per_rank(job, sets, err);
    }
    rc = fill_window(job, sets, node, node_rank, window, base, err);
    if (rc != SS_OK) {
        MPI_Win_free(&window);
        free_sets(sets, job->dataset_count);
        return rc;
    }
    size_t offset = 0;
    for (int d = 0; d < job->dataset_count; d++) {
        sets[d].images = base + offset;
        offset += aligned(dataset_image_bytes(&sets[d]));
    }
    data->window = window;
    if (node_rank == 0) progress_data_shared(host, rank, node_size, job->dataset_count, total);
    return SS_OK;
}

void node_data_free(NodeData *data, Dataset *sets, int count) {
    if (sets && data && data->window != MPI_WIN_NULL)
        for (int d = 0; d < count; d++) sets[d].images = NULL;   /* the window's, not theirs */
    if (sets) free_sets(sets, count);
    if (!data) return;
    if (data->window != MPI_WIN_NULL) MPI_Win_free(&data->window);
    MPI_Comm_free(&data->node);
    free(data);
}
