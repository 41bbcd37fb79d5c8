/* node_data.h - the sweep's datasets, one copy of the images per node (issue 11): the ranks of a
 * node map one MPI-3 shared-memory window that the node's first rank fills from the files. */
#ifndef SEEDSWEEP_NODE_DATA_H
#define SEEDSWEEP_NODE_DATA_H

#include "seedsweep/common.h"
#include "seedsweep/dataset.h"
#include "seedsweep/jobfile.h"

typedef struct NodeData NodeData;   /* the window and the node's communicator (MPI stays in the .c) */

/* Loads job's datasets into sets[dataset_count], checked as jobfile_load_datasets does. Every rank
 * reads the headers (labels, names: small, a copy per rank); the node's first rank reads the images
 * into the window and the others point into it (read-only). Collective over MPI_COMM_WORLD.
 * Falls back to a copy per rank, with a message on stderr, when SEEDSWEEP_SHARE_DATA=0 or the window
 * cannot be allocated; a node with one rank just loads. On failure sets holds nothing. */
int node_data_load(const JobSpec *job, Dataset *sets, NodeData **out, Error *err);
/* Frees sets (the images of a window are not theirs) and the window; collective like the load. */
void node_data_free(NodeData *data, Dataset *sets, int count);

#endif
