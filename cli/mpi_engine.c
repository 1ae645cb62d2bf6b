/* blr run --mpi (mpi_engine.h). Built with MPI when the Makefile finds mpicc (BLR_HAVE_MPI). */
#include "mpi_engine.h"

#include <stdio.h>
#include <stdlib.h>

int blr_mpi_launched(void)
{
    static const char *const vars[] = {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK",
                                       "SLURM_STEP_ID"};
    for (size_t i = 0; i < sizeof vars / sizeof *vars; i++)
        if (getenv(vars[i]))
            return 1;
    return 0;
}

#ifndef BLR_HAVE_MPI
int blr_mpi_run(const blr_experiment *ex, const blr_jobs_opts *o, char *dir, size_t dirlen,
                char *err, size_t errlen)
{
    (void)ex;
    (void)o;
    dir[0] = dirlen ? '\0' : dir[0];
    snprintf(err, errlen, "error: this blr was built without MPI (install libopenmpi-dev and "
             "rebuild)");
    return BLR_JOBS_BAD_INPUT;
}
#endif
