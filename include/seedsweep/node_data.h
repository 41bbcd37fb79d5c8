/* node_data.h - the sweep's datasets, one copy of the images per node: the ranks of a
 * node map one MPI-3 shared-memory window that the node's first rank fills from the files. */
#ifndef SEEDSWEEP_NODE_DATA_H
#define SEEDSWEEP_NODE_DATA_H

#include "seedsweep/common.h"
#include "seedsweep/dataset.h"
#include "seedsweep/jobfile.h"

typedef struct NodeData NodeData;   /* the node's communicator and window (MPI stays in the .c) */

/* The ranks of this node (one MPI_Comm_split_type, collective over MPI_COMM_WORLD), made once at
 * start-up: the scheduler sizes threads by node_data_ranks and then loads through it. host is
 * this rank's host name, for messages. NULL only when out of memory. */
NodeData *node_data_open(const char *host);
int node_data_ranks(const NodeData *data);
/* Loads job's datasets into sets[dataset_count], checked as job_data_load does. Every rank
 * reads the headers (labels, names: small, a copy per rank); the node's first rank reads the images
 * into the window and the others point into it (read-only). Collective over MPI_COMM_WORLD.
 * Falls back to a copy per rank, with a message on stderr, when SEEDSWEEP_SHARE_DATA=0 or the window
 * cannot be allocated; a node with one rank just loads. On failure sets holds nothing. */
int node_data_load(NodeData *data, const JobSpec *job, Dataset *sets, Error *err);
/* Frees sets (the images of a window are not theirs), the window and the communicator; collective
 * like the load. sets may be NULL when nothing was loaded. */
void node_data_free(NodeData *data, Dataset *sets, int count);

#endif
