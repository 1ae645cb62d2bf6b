/* The cluster engine of `blr run --mpi` (README: Long runs and clusters): started by mpirun
 * or srun, rank 0 prepares the results directory as blr_jobs_prepare does and deals the
 * pending runs to the other ranks, longest first; each of them trains its run into a private
 * temporary directory and sends the record back as one message, which rank 0 writes. Ranks
 * may be on different hosts: nothing but MPI messages is shared. Checkpoints stay with the
 * worker (a run interrupted under MPI starts again on --resume; finished runs are kept). */
#ifndef BLR_MPI_ENGINE_H
#define BLR_MPI_ENGINE_H

#include <stddef.h>

#include "blr.h"

/* 1 when this process was started by an MPI launcher (mpirun, srun). */
int blr_mpi_launched(void);
/* Runs ex over the ranks; every rank calls it. Returns a BLR_JOBS_* status (the same on every
 * rank); dir receives the results directory. */
int blr_mpi_run(const blr_experiment *ex, const blr_jobs_opts *o, char *dir, size_t dirlen,
                char *err, size_t errlen);

#endif
