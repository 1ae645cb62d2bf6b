/* Runs as jobs (jobs.h). */
#include "jobs.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cblas.h>
#include <gsl/gsl_version.h>
#include <yaml.h>

#include "estimate.h"
#include "files.h"
#include "threads.h"

void blr_jobs_plan(int cores, int runs, int threads, int jobs, int *out_jobs, int *out_threads)
{
    if (cores < 1)
        cores = 1;
    if (runs < 1)
        runs = 1;
    if (threads <= 0 && jobs <= 0)
        jobs = runs < cores ? runs : cores;
    if (threads <= 0)
        threads = cores / jobs > 1 ? cores / jobs : 1;
    if (jobs <= 0) {
        jobs = cores / threads > 1 ? cores / threads : 1;
        if (jobs > runs)
            jobs = runs;
    }
    *out_jobs = jobs;
    *out_threads = threads;
}

/* Orders run indices by cost, largest first, ties by index (qsort has no context argument,
 * hence the file-scope pointer; the parent process sorts, single-threaded). */
static const double *sort_cost;
static int by_cost_desc(const void *a, const void *b)
{
    int i = *(const int *)a, k = *(const int *)b;
    if (sort_cost[i] != sort_cost[k])
        return sort_cost[i] < sort_cost[k] ? 1 : -1;
    return (i > k) - (i < k);
}

static void sort_by_cost(int *idx, int n, const double *cost)
{
    sort_cost = cost;
    qsort(idx, (size_t)n, sizeof *idx, by_cost_desc);
}

void blr_jobs_shards(const double *cost, int n, int shards, int *shard_of)
{
    int *order = malloc((size_t)(n > 0 ? n : 1) * sizeof *order);
    double *load = calloc((size_t)shards, sizeof *load);
    if (!order || !load) {
        /* Round-robin is still a deterministic partition. */
        for (int i = 0; i < n; i++)
            shard_of[i] = i % shards + 1;
    } else {
        for (int i = 0; i < n; i++)
            order[i] = i;
        sort_by_cost(order, n, cost);
        for (int k = 0; k < n; k++) {
            int best = 0;
            for (int s = 1; s < shards; s++)
                if (load[s] < load[best])
                    best = s;
            load[best] += cost[order[k]];
            shard_of[order[k]] = best + 1;
        }
    }
    free(order);
    free(load);
}

/* ---- the progress line ------------------------------------------------------------------- */

typedef struct {
    blr_progress p;
    double f0;    /* the fraction done when this process first heard of it */
    int seen, finished;
} run_progress;

struct blr_jobs_progress {
    int tty;
    double t0, last_show;
    int done;
    run_progress *run; /* by run index */
};

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void progress_init(blr_jobs *j)
{
    j->progress = calloc(1, sizeof *j->progress);
    if (!j->progress)
        return;
    j->progress->run = calloc((size_t)j->n_runs, sizeof *j->progress->run);
    j->progress->tty = isatty(STDERR_FILENO);
    j->progress->t0 = now_seconds();
}

void blr_jobs_progress_note(blr_jobs *j, const blr_progress *p)
{
    if (!j->progress || !j->progress->run || p->run < 0 || p->run >= j->n_runs)
        return;
    run_progress *rp = &j->progress->run[p->run];
    if (!rp->seen)
        rp->f0 = p->fraction;
    rp->seen = 1;
    rp->p = *p;
}

void blr_jobs_progress_done(blr_jobs *j, int run)
{
    if (!j->progress || !j->progress->run || run < 0 || run >= j->n_runs)
        return;
    run_progress *rp = &j->progress->run[run];
    rp->seen = rp->finished = 1;
    rp->p.fraction = 1.0;
    j->progress->done++;
}

static void format_seconds(double s, char *buf, size_t len)
{
    long t = (long)(s + 0.5);
    if (t >= 3600)
        snprintf(buf, len, "%ldh%02ldm", t / 3600, t / 60 % 60);
    else if (t >= 60)
        snprintf(buf, len, "%ldm%02lds", t / 60, t % 60);
    else
        snprintf(buf, len, "%lds", t);
}

void blr_jobs_progress_show(blr_jobs *j, int force)
{
    struct blr_jobs_progress *g = j->progress;
    if (!g || !g->run || j->o->quiet)
        return;
    double now = now_seconds();
    if (!force && now - g->last_show < (g->tty ? 0.25 : 10.0))
        return;
    g->last_show = now;
    char line[1024];
    size_t o = (size_t)snprintf(line, sizeof line, "[%d/%d]", g->done, j->n_pending);
    double done = 0.0, left = 0.0;
    int shown = 0;
    for (int k = 0; k < j->n_pending; k++) {
        int i = j->pending[k];
        const run_progress *rp = &g->run[i];
        double c = j->cost[i];
        done += rp->seen ? (rp->p.fraction - rp->f0) * c : 0.0;
        left += (1.0 - (rp->seen ? rp->p.fraction : 0.0)) * c;
        if (!rp->seen || rp->finished || o + BLR_NAME_LEN + 64 >= sizeof line)
            continue;
        char id[BLR_NAME_LEN + 16];
        blr_runner_run_id(j->ex, i, id, sizeof id);
        if (rp->p.evals > 0)
            o += (size_t)snprintf(line + o, sizeof line - o, "%s %s averaging %d/%d",
                                  shown++ ? "," : "", id, rp->p.eval, rp->p.evals);
        else
            o += (size_t)snprintf(line + o, sizeof line - o, "%s %s epoch %d/%d",
                                  shown++ ? "," : "", id, rp->p.epoch, rp->p.epochs);
    }
    double elapsed = now - g->t0;
    if (done > 0.0 && elapsed > 2.0 && o + 32 < sizeof line) {
        char t[32];
        format_seconds(left * elapsed / done, t, sizeof t);
        snprintf(line + o, sizeof line - o, "  %s left", t);
    }
    if (g->tty)
        fprintf(stderr, "\r\033[K%s", line);
    else
        fprintf(stderr, "%s\n", line);
}

/* Ends the progress line before other output. */
static void progress_break(const blr_jobs *j)
{
    if (j->progress && j->progress->tty && !j->o->quiet)
        fputs("\r\033[K", stderr);
}

/* ---- one process's share of the runs ----------------------------------------------------- */

static void utc_now(char *buf, size_t len)
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* The manifest of j's directory; the strings live in the caller's buffers. */
typedef struct {
    char end[32], host[256], scored[96], shard[32], openblas[256];
} manifest_text;

static blr_manifest manifest_of(const blr_jobs *j, manifest_text *t, int ended)
{
    const blr_experiment *ex = j->ex;
    const blr_jobs_opts *o = j->o;
    utc_now(t->end, sizeof t->end);
    t->host[0] = '\0';
    gethostname(t->host, sizeof t->host - 1);
    snprintf(t->scored, sizeof t->scored, "test set");
    if (ex->data.validation > 0)
        snprintf(t->scored, sizeof t->scored,
                 "%zu validation examples held out of the training set", ex->data.validation);
    snprintf(t->shard, sizeof t->shard, "%d/%d", j->id.shard, j->id.shards);
    const char *config = openblas_get_config();
    snprintf(t->openblas, sizeof t->openblas, "%s", config ? config : "unknown");
    return (blr_manifest){
        .experiment = ex->name, .file = ex->path, .file_sha256 = j->id.file_sha256,
        .profile = ex->profile, .overrides = ex->overrides, .git_commit = j->id.code,
        .compiler = o->compiler ? o->compiler : "unknown",
        .cflags = o->cflags ? o->cflags : "unknown", .gsl_version = GSL_VERSION,
        .openblas_version = t->openblas, .yaml_version = yaml_get_version_string(),
        .host = t->host, .start_utc = j->start, .end_utc = ended ? t->end : NULL,
        .scored_on = t->scored, .shard = t->shard, .threads = j->id.threads,
        .source_patch = o->source_patch, .source_patch_len = o->source_patch_len,
    };
}

int blr_jobs_prepare(blr_jobs *j, const blr_experiment *ex, const blr_jobs_opts *o,
                     int threads_default, char *err, size_t errlen)
{
    memset(j, 0, sizeof *j);
    j->ex = ex;
    j->o = o;
    j->rd.fd = -1;
    j->n_runs = blr_runner_runs(ex);
    utc_now(j->start, sizeof j->start);
    char dir[BLR_PATH_LEN];
    if (o->out_dir)
        snprintf(dir, sizeof dir, "%s", o->out_dir);
    else
        snprintf(dir, sizeof dir, "results/%s", ex->name);
    if (blr_identity_of(ex, o->git_commit, o->threads, o->shard, o->shards, &j->id, err,
                        errlen) != 0)
        return BLR_JOBS_BAD_INPUT;
    if (o->shards && (o->shard < 1 || o->shard > o->shards)) {
        snprintf(err, errlen, "error: shard %d/%d: K must be from 1 to N", o->shard, o->shards);
        return BLR_JOBS_BAD_INPUT;
    }
    int rc = blr_resultdir_open(&j->rd, dir, &j->id, o->resume, err, errlen);
    if (rc != 0)
        return BLR_JOBS_BAD_INPUT;
    if (!j->id.threads)
        j->id.threads = threads_default;
    if (!j->id.shards)
        j->id.shard = j->id.shards = 1;
    /* No OpenMP team may exist before the workers are forked (libgomp's threads do not
     * survive a fork): the parent stays on one thread. */
    blr_threads_set(1);
    if (blr_runner_open(&j->runner, ex, err, errlen) != 0)
        return BLR_JOBS_BAD_INPUT;
    blr_runner_view view = blr_runner_view_of(j->runner);
    if (blr_estimate_fits(ex, &view, j->id.threads, blr_estimate_machine_bytes(), err,
                          errlen) != 0)
        return BLR_JOBS_BAD_INPUT;
    j->cost = malloc((size_t)j->n_runs * sizeof *j->cost);
    j->pending = malloc((size_t)j->n_runs * sizeof *j->pending);
    int *shard_of = malloc((size_t)j->n_runs * sizeof *shard_of);
    if (!j->cost || !j->pending || !shard_of) {
        free(shard_of);
        snprintf(err, errlen, "error: out of memory for %d runs", j->n_runs);
        return BLR_JOBS_BAD_INPUT;
    }
    for (int i = 0; i < j->n_runs; i++)
        j->cost[i] = blr_runner_cost(j->runner, i);
    blr_jobs_shards(j->cost, j->n_runs, j->id.shards, shard_of);
    for (int i = 0; i < j->n_runs; i++) {
        char id[BLR_NAME_LEN + 16];
        blr_runner_run_id(ex, i, id, sizeof id);
        if (shard_of[i] != j->id.shard)
            continue;
        j->n_slice++;
        if (!(o->resume && blr_resultdir_finished(dir, id)))
            j->pending[j->n_pending++] = i;
    }
    free(shard_of);
    sort_by_cost(j->pending, j->n_pending, j->cost);
    manifest_text t;
    blr_manifest man = manifest_of(j, &t, 0);
    if (blr_resultdir_begin(&j->rd, o->resume, &man, err, errlen) != 0)
        return BLR_JOBS_UNWRITTEN;
    progress_init(j);
    return 0;
}

int blr_jobs_finish(blr_jobs *j, char *err, size_t errlen)
{
    progress_break(j);
    manifest_text t;
    blr_manifest man = manifest_of(j, &t, 1);
    int ok = 0, present = 0;
    if (blr_resultdir_summarize(j->rd.dir, j->ex, &man, &ok, &present, err, errlen) != 0)
        return BLR_JOBS_UNWRITTEN;
    if (ok == j->n_slice)
        return BLR_JOBS_OK;
    snprintf(err, errlen, "%d of %d runs ended ok%s", ok, j->n_slice,
             present < j->n_slice ? " (some have no result; --resume runs them)" : "");
    return BLR_JOBS_NOT_OK;
}

void blr_jobs_free(blr_jobs *j)
{
    blr_resultdir_close(&j->rd);
    blr_runner_close(j->runner);
    free(j->pending);
    free(j->cost);
    if (j->progress)
        free(j->progress->run);
    free(j->progress);
    memset(j, 0, sizeof *j);
    j->rd.fd = -1;
}

/* ---- forked workers ---------------------------------------------------------------------- */

static void to_pipe(void *ctx, const blr_progress *p)
{
    /* A message shorter than PIPE_BUF arrives whole; a full pipe only drops news. */
    if (write(*(const int *)ctx, p, sizeof *p) < 0)
        return;
}

/* A worker: trains run i and exits 0 (record written), 4 (stopped: checkpoint written) or 3
 * (error). It leaves through _exit: the parent's stdio buffers and atexit handlers are not
 * its own. */
static void worker(blr_jobs *j, int i, int fd, pid_t parent)
{
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != parent)
        _exit(3);
    blr_run_opts ro = {.threads = j->id.threads, .checkpoints = 1, .stop = j->o->stop,
                       .progress = to_pipe, .progress_ctx = &fd};
    char err[1024] = "";
    int rc = blr_runner_train(j->runner, i, j->rd.dir, &ro, err, sizeof err);
    if (err[0]) {
        char id[BLR_NAME_LEN + 16];
        blr_runner_run_id(j->ex, i, id, sizeof id);
        progress_break(j);
        fprintf(stderr, "blr: run %s: %s\n", id, err);
    }
    _exit(rc == 0 ? 0 : rc == 1 ? 4 : 3);
}

static void drain(blr_jobs *j, int fd)
{
    blr_progress p;
    while (read(fd, &p, sizeof p) == (ssize_t)sizeof p)
        blr_jobs_progress_note(j, &p);
}

/* Runs j's pending runs, `jobs` at a time. Returns 0 (runs that could not start or failed
 * have no record, which blr_jobs_finish reports), BLR_JOBS_INTERRUPTED, or BLR_JOBS_NOT_OK
 * when no worker could be started at all. */
static int run_workers(blr_jobs *j, int jobs, char *err, size_t errlen)
{
    static const volatile sig_atomic_t never;
    const volatile sig_atomic_t *stop = j->o->stop ? j->o->stop : &never;
    int fds[2];
    pid_t *pid = calloc((size_t)(jobs > 0 ? jobs : 1), sizeof *pid);
    int *run_of = calloc((size_t)(jobs > 0 ? jobs : 1), sizeof *run_of);
    if (!pid || !run_of || pipe(fds) != 0) {
        free(pid);
        free(run_of);
        snprintf(err, errlen, "error: cannot start workers: %s", strerror(errno));
        return BLR_JOBS_NOT_OK;
    }
    fcntl(fds[0], F_SETFL, O_NONBLOCK);
    pid_t self = getpid();
    int next = 0, active = 0, forwarded = 0;
    while ((next < j->n_pending && !*stop) || active > 0) {
        for (int s = 0; s < jobs && next < j->n_pending && !*stop; s++) {
            if (pid[s])
                continue;
            fflush(NULL);
            pid_t p = fork();
            if (p == 0) {
                close(fds[0]);
                worker(j, j->pending[next], fds[1], self);
            }
            if (p < 0) {
                snprintf(err, errlen, "error: cannot fork a worker: %s", strerror(errno));
                break;
            }
            pid[s] = p;
            run_of[s] = j->pending[next++];
            active++;
        }
        if (*stop && !forwarded) {
            /* A terminal's Ctrl-C reaches the workers too; a kill of this process alone
             * does not. */
            for (int s = 0; s < jobs; s++)
                if (pid[s])
                    kill(pid[s], SIGTERM);
            forwarded = 1;
        }
        struct pollfd pf = {.fd = fds[0], .events = POLLIN};
        poll(&pf, 1, 200);
        drain(j, fds[0]);
        int st;
        pid_t w;
        while ((w = waitpid(-1, &st, WNOHANG)) > 0) {
            for (int s = 0; s < jobs; s++) {
                if (pid[s] != w)
                    continue;
                pid[s] = 0;
                active--;
                drain(j, fds[0]);
                if (WIFEXITED(st) && WEXITSTATUS(st) == 0) {
                    blr_jobs_progress_done(j, run_of[s]);
                    blr_jobs_progress_show(j, 1);
                } else if (WIFSIGNALED(st) && !*stop) {
                    char id[BLR_NAME_LEN + 16];
                    blr_runner_run_id(j->ex, run_of[s], id, sizeof id);
                    progress_break(j);
                    fprintf(stderr, "blr: run %s: its worker was killed by signal %d\n", id,
                            WTERMSIG(st));
                }
            }
        }
        blr_jobs_progress_show(j, 0);
        if (active == 0 && next < j->n_pending && err[0])
            break;
    }
    close(fds[0]);
    close(fds[1]);
    free(pid);
    free(run_of);
    return *stop ? BLR_JOBS_INTERRUPTED : 0;
}

int blr_jobs_run(const blr_experiment *ex, const blr_jobs_opts *o, char *dir, size_t dirlen,
                 char *err, size_t errlen)
{
    blr_jobs j;
    int cores = blr_threads_cores();
    int threads = o->threads, jobs = o->jobs;
    blr_jobs_plan(cores, blr_runner_runs(ex), threads, jobs, &jobs, &threads);
    err[0] = '\0';
    int rc = blr_jobs_prepare(&j, ex, o, threads, err, errlen);
    snprintf(dir, dirlen, "%s", j.rd.dir);
    if (rc == 0) {
        /* A resumed directory keeps its threads per run; the jobs follow from them. */
        if (!o->jobs)
            blr_jobs_plan(cores, blr_runner_runs(ex), j.id.threads, 0, &jobs, &threads);
        if (jobs > j.n_pending)
            jobs = j.n_pending > 0 ? j.n_pending : 1;
        if (!o->quiet)
            fprintf(stderr, "%s: %d runs to do of %d%s, %d at a time, %d thread%s each\n",
                    j.rd.dir, j.n_pending, j.n_runs,
                    j.id.shards > 1 ? " (this shard's slice)" : "", jobs, j.id.threads,
                    j.id.threads == 1 ? "" : "s");
        rc = run_workers(&j, jobs, err, errlen);
        if (rc == 0)
            rc = blr_jobs_finish(&j, err, errlen);
        else
            progress_break(&j);
    }
    blr_jobs_free(&j);
    return rc;
}

/* ---- merging shards ---------------------------------------------------------------------- */

/* DIR/source.patch into *patch (malloc'd), NULL and 0 when the directory has none (its runs
 * came from a clean build). Returns 0 or -1. */
static int read_source_patch(const char *dir, unsigned char **patch, size_t *len, char *err,
                             size_t errlen)
{
    char path[BLR_PATH_LEN + 16];
    snprintf(path, sizeof path, "%s/source.patch", dir);
    *patch = NULL;
    *len = 0;
    FILE *f = fopen(path, "rb");
    if (!f && errno == ENOENT)
        return 0;
    long n = f && fseek(f, 0, SEEK_END) == 0 ? ftell(f) : -1;
    if (n == 0) {
        fclose(f);
        return 0;
    }
    if (n > 0 && fseek(f, 0, SEEK_SET) == 0 && (*patch = malloc((size_t)n)) != NULL)
        *len = fread(*patch, 1, (size_t)n, f);
    if (f)
        fclose(f);
    if (n > 0 && *len == (size_t)n)
        return 0;
    free(*patch);
    *patch = NULL;
    *len = 0;
    snprintf(err, errlen, "%s: error: cannot read it whole", path);
    return -1;
}

int blr_jobs_merge(const char *out, const char *const *dirs, int n_dirs, const blr_jobs_opts *o,
                   char *err, size_t errlen)
{
    if (n_dirs < 1) {
        snprintf(err, errlen, "error: merge needs at least one shard directory");
        return BLR_JOBS_BAD_INPUT;
    }
    blr_identity first;
    char why[1024];
    if (blr_identity_read(dirs[0], &first, err, errlen) != 0)
        return BLR_JOBS_BAD_INPUT;
    for (int d = 1; d < n_dirs; d++) {
        blr_identity id;
        if (blr_identity_read(dirs[d], &id, err, errlen) != 0)
            return BLR_JOBS_BAD_INPUT;
        /* Shards differ in their slice by design. */
        id.shard = first.shard;
        id.shards = first.shards;
        if (!blr_identity_mismatch(&first, &id, why, sizeof why))
            continue;
        snprintf(err, errlen, "%s: error: cannot merge with %s: %s (%s's, then %s's)", dirs[d],
                 dirs[0], why, dirs[0], dirs[d]);
        return BLR_JOBS_BAD_INPUT;
    }
    blr_experiment *ex = malloc(sizeof *ex);
    if (!ex) {
        snprintf(err, errlen, "error: out of memory");
        return BLR_JOBS_BAD_INPUT;
    }
    blr_config_opts load;
    int rc = 0;
    if (blr_config_opts_parse(first.overrides, first.profile, &load) != 0) {
        snprintf(err, errlen, "%s: error: manifest.json's overrides are not blr's", dirs[0]);
        rc = BLR_JOBS_BAD_INPUT;
    } else if (blr_config_load_opts(first.file, &load, ex, err, errlen) != 0) {
        rc = BLR_JOBS_BAD_INPUT;
    }
    blr_identity id;
    if (rc == 0 && blr_identity_of(ex, first.code, first.threads, 1, 1, &id, err, errlen) != 0)
        rc = BLR_JOBS_BAD_INPUT;
    if (rc == 0 && strcmp(id.file_sha256, first.file_sha256) != 0) {
        snprintf(err, errlen, "%s: error: the experiment file changed since the shards ran "
                 "(sha256 %.12s, the shards' %.12s)", first.file, id.file_sha256,
                 first.file_sha256);
        rc = BLR_JOBS_BAD_INPUT;
    }
    /* Every run in exactly one shard. */
    int n = rc == 0 ? blr_runner_runs(ex) : 0;
    int *from = calloc((size_t)(n > 0 ? n : 1), sizeof *from);
    if (!from && rc == 0) {
        snprintf(err, errlen, "error: out of memory");
        rc = BLR_JOBS_BAD_INPUT;
    }
    for (int i = 0; i < n && rc == 0; i++) {
        char run[BLR_NAME_LEN + 16];
        blr_runner_run_id(ex, i, run, sizeof run);
        for (int d = 0; d < n_dirs && rc == 0; d++) {
            if (!blr_resultdir_finished(dirs[d], run))
                continue;
            if (from[i]) {
                snprintf(err, errlen, "error: run %s is in both %s and %s", run,
                         dirs[from[i] - 1], dirs[d]);
                rc = BLR_JOBS_BAD_INPUT;
            }
            from[i] = d + 1;
        }
        if (rc == 0 && !from[i]) {
            snprintf(err, errlen, "error: run %s is in none of the %d directories (a shard "
                     "missing or unfinished: blr run ... --shard K/N --resume finishes it)",
                     run, n_dirs);
            rc = BLR_JOBS_BAD_INPUT;
        }
    }
    /* The runs were made by the shards' build, not by this one: the merged directory keeps
     * their source patch. */
    blr_jobs_opts shard_opts = *o;
    unsigned char *patch = NULL;
    if (rc == 0 && read_source_patch(dirs[0], &patch, &shard_opts.source_patch_len, err,
                                     errlen) != 0)
        rc = BLR_JOBS_BAD_INPUT;
    shard_opts.source_patch = patch;
    blr_jobs j = {.ex = ex, .o = &shard_opts, .id = id, .n_runs = n};
    j.rd.fd = -1;
    utc_now(j.start, sizeof j.start);
    if (rc == 0 && blr_resultdir_open(&j.rd, out, &j.id, 0, err, errlen) != 0)
        rc = BLR_JOBS_BAD_INPUT;
    struct stat so;
    for (int d = 0; d < n_dirs && rc == 0; d++) {
        struct stat sd;
        if (stat(out, &so) == 0 && stat(dirs[d], &sd) == 0 && so.st_dev == sd.st_dev &&
            so.st_ino == sd.st_ino) {
            snprintf(err, errlen, "%s: error: the output cannot be one of the shards", out);
            rc = BLR_JOBS_BAD_INPUT;
        }
    }
    manifest_text t;
    blr_manifest man = manifest_of(&j, &t, 0);
    if (rc == 0 && blr_resultdir_begin(&j.rd, 0, &man, err, errlen) != 0)
        rc = BLR_JOBS_UNWRITTEN;
    for (int i = 0; i < n && rc == 0; i++) {
        char run[BLR_NAME_LEN + 16], src[BLR_PATH_LEN * 2], dst[BLR_PATH_LEN * 2];
        blr_runner_run_id(ex, i, run, sizeof run);
        snprintf(src, sizeof src, "%s/runs/%s", dirs[from[i] - 1], run);
        snprintf(dst, sizeof dst, "%s/runs/%s", out, run);
        if (blr_files_copy_tree(src, dst, err, errlen) != 0)
            rc = BLR_JOBS_UNWRITTEN;
    }
    if (rc == 0) {
        int ok = 0;
        man = manifest_of(&j, &t, 1);
        if (blr_resultdir_summarize(out, ex, &man, &ok, NULL, err, errlen) != 0)
            rc = BLR_JOBS_UNWRITTEN;
        else if (ok < n) {
            snprintf(err, errlen, "%d of %d runs ended ok", ok, n);
            rc = BLR_JOBS_NOT_OK;
        }
    }
    blr_resultdir_close(&j.rd);
    free(patch);
    free(from);
    free(ex);
    return rc;
}
