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

#ifdef BLR_HAVE_MPI
#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <mpi.h>

#include "files.h"

enum { TAG_RUN = 1, TAG_RESULT, TAG_PROGRESS };
/* A worker's answer: the run, how it ended (blr_runner_train's 0, 1 or -1), then the packed
 * record when it is 0. */
typedef struct {
    int run, rc;
} result_head;

static void pause_briefly(void)
{
    /* Polling with a sleep: OpenMPI's blocking receive spins, and rank 0 would take a core
     * from the ranks that train while it waits for them. */
    struct timespec ts = {0, 20 * 1000 * 1000};
    nanosleep(&ts, NULL);
}

static void send_progress(void *ctx, const blr_progress *p)
{
    (void)ctx;
    MPI_Send(p, (int)sizeof *p, MPI_BYTE, 0, TAG_PROGRESS, MPI_COMM_WORLD);
}

/* A worker rank: runs what rank 0 sends until it sends -1. */
static void worker(const blr_experiment *ex, const blr_jobs_opts *o, int threads)
{
    blr_runner *r = NULL;
    char err[1024] = "", tmp[] = "/tmp/blr-mpi-XXXXXX";
    int ready = blr_runner_open(&r, ex, err, sizeof err) == 0 && mkdtemp(tmp) != NULL;
    for (;;) {
        int run;
        MPI_Recv(&run, 1, MPI_INT, 0, TAG_RUN, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        if (run < 0)
            break;
        result_head h = {run, -1};
        char *rec = NULL;
        size_t len = 0;
        if (ready) {
            blr_run_opts ro = {.threads = threads, .stop = o->stop, .progress = send_progress};
            err[0] = '\0';
            h.rc = blr_runner_train(r, run, tmp, &ro, err, sizeof err);
            char id[BLR_NAME_LEN + 16], dir[BLR_PATH_LEN];
            blr_runner_run_id(ex, run, id, sizeof id);
            snprintf(dir, sizeof dir, "%s/runs/%s", tmp, id);
            if (h.rc == 0 && blr_record_pack(dir, &rec, &len, err, sizeof err) != 0)
                h.rc = -1;
            if (err[0])
                fprintf(stderr, "blr: run %s: %s\n", id, err);
            blr_files_remove_tree(dir, err, sizeof err);
        } else {
            fprintf(stderr, "blr: %s\n", err[0] ? err : "cannot make a temporary directory");
        }
        char *msg = malloc(sizeof h + len);
        if (!msg) {
            len = 0;
            h.rc = -1;
            msg = (char *)&h;
        } else {
            memcpy(msg, &h, sizeof h);
            if (len)
                memcpy(msg + sizeof h, rec, len);
        }
        MPI_Send(msg, (int)(sizeof h + len), MPI_BYTE, 0, TAG_RESULT, MPI_COMM_WORLD);
        if (msg != (char *)&h)
            free(msg);
        free(rec);
    }
    if (ready)
        blr_files_remove_tree(tmp, err, sizeof err);
    blr_runner_close(r);
}

/* Writes a worker's packed record as rank 0's runs/<id>/, whole or not at all. */
static int land_record(blr_jobs *j, int run, const char *buf, size_t len, char *err,
                       size_t errlen)
{
    char id[BLR_NAME_LEN + 16], rec[BLR_PATH_LEN + BLR_NAME_LEN + 32],
        tmp[BLR_PATH_LEN + BLR_NAME_LEN + 40];
    blr_runner_run_id(j->ex, run, id, sizeof id);
    snprintf(rec, sizeof rec, "%s/runs/%s", j->rd.dir, id);
    snprintf(tmp, sizeof tmp, "%s.tmp", rec);
    if (blr_files_remove_tree(tmp, err, errlen) != 0 ||
        blr_record_unpack(buf, len, tmp, err, errlen) != 0)
        return -1;
    if (rename(tmp, rec) != 0) {
        snprintf(err, errlen, "%s: error: cannot rename: %s", tmp, strerror(errno));
        return -1;
    }
    return 0;
}

/* Rank 0: deals the pending runs, longest first, and lands their records. */
static int schedule(blr_jobs *j, int ranks, char *err, size_t errlen)
{
    const volatile sig_atomic_t *stop = j->o->stop;
    int next = 0, busy = 0;
    for (int w = 1; w < ranks; w++) {
        int run = next < j->n_pending ? j->pending[next++] : -1;
        busy += run >= 0;
        MPI_Send(&run, 1, MPI_INT, w, TAG_RUN, MPI_COMM_WORLD);
    }
    while (busy > 0) {
        int flag;
        MPI_Status st;
        MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &flag, &st);
        if (!flag) {
            blr_jobs_progress_show(j, 0);
            pause_briefly();
            continue;
        }
        int count;
        MPI_Get_count(&st, MPI_BYTE, &count);
        char *msg = malloc(count > 0 ? (size_t)count : 1);
        MPI_Recv(msg ? msg : (char *)&flag, msg ? count : 0, MPI_BYTE, st.MPI_SOURCE, st.MPI_TAG,
                 MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        if (!msg) {
            /* The run's record is lost: blr_jobs_finish reports it missing. */
            fprintf(stderr, "blr: out of memory for a message of %d bytes\n", count);
        } else if (st.MPI_TAG == TAG_PROGRESS && count == (int)sizeof(blr_progress)) {
            blr_progress p;
            memcpy(&p, msg, sizeof p);
            blr_jobs_progress_note(j, &p);
        } else if (st.MPI_TAG == TAG_RESULT && count >= (int)sizeof(result_head)) {
            result_head h;
            memcpy(&h, msg, sizeof h);
            if (h.rc == 0 && land_record(j, h.run, msg + sizeof h, (size_t)count - sizeof h,
                                         err, errlen) == 0)
                blr_jobs_progress_done(j, h.run);
            else if (h.rc == 0)
                fprintf(stderr, "blr: %s\n", err);
            blr_jobs_progress_show(j, 1);
            int run = next < j->n_pending && !*stop ? j->pending[next++] : -1;
            busy -= run < 0;
            MPI_Send(&run, 1, MPI_INT, st.MPI_SOURCE, TAG_RUN, MPI_COMM_WORLD);
        }
        free(msg);
    }
    return *stop ? BLR_JOBS_INTERRUPTED : 0;
}

int blr_mpi_run(const blr_experiment *ex, const blr_jobs_opts *o, char *dir, size_t dirlen,
                char *err, size_t errlen)
{
    int rank, ranks;
    MPI_Init(NULL, NULL);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &ranks);
    dir[0] = '\0';
    int head[2] = {BLR_JOBS_OK, o->threads}; /* rank 0's status and threads per run */
    blr_jobs j;
    memset(&j, 0, sizeof j);
    j.rd.fd = -1;
    if (rank == 0) {
        if (ranks < 2) {
            snprintf(err, errlen, "error: --mpi needs at least 2 ranks (rank 0 only deals the "
                     "runs), e.g. mpirun -np 3");
            head[0] = BLR_JOBS_BAD_INPUT;
        } else {
            /* Ranks may share a host: one thread per run unless told otherwise. */
            head[0] = blr_jobs_prepare(&j, ex, o, 1, err, errlen);
            head[1] = j.id.threads;
            snprintf(dir, dirlen, "%s", j.rd.dir);
        }
    }
    MPI_Bcast(head, 2, MPI_INT, 0, MPI_COMM_WORLD);
    int rc = head[0];
    if (rc == 0) {
        if (rank == 0) {
            if (!o->quiet)
                fprintf(stderr, "%s: %d runs to do of %d, over %d ranks, %d thread%s each\n",
                        j.rd.dir, j.n_pending, j.n_runs, ranks - 1, head[1],
                        head[1] == 1 ? "" : "s");
            rc = schedule(&j, ranks, err, errlen);
            if (rc == 0)
                rc = blr_jobs_finish(&j, err, errlen);
        } else {
            worker(ex, o, head[1]);
        }
        MPI_Bcast(&rc, 1, MPI_INT, 0, MPI_COMM_WORLD);
    }
    if (rank == 0)
        blr_jobs_free(&j);
    else
        err[0] = '\0';
    MPI_Finalize();
    return rc;
}
#endif
