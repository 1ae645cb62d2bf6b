/* Results directories (resultdir.h). */
#define _DEFAULT_SOURCE /* flock */
#include "resultdir.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "compare.h"
#include "files.h"
#include "record.h"
#include "runner.h"
#include "sha256.h"
#include "tables.h"

int blr_identity_of(const blr_experiment *ex, const char *code, int threads, int shard,
                    int shards, blr_identity *id, char *err, size_t errlen)
{
    memset(id, 0, sizeof *id);
    snprintf(id->experiment, sizeof id->experiment, "%s", ex->name);
    snprintf(id->file, sizeof id->file, "%s", ex->path);
    snprintf(id->profile, sizeof id->profile, "%s", ex->profile);
    snprintf(id->overrides, sizeof id->overrides, "%s", ex->overrides);
    snprintf(id->code, sizeof id->code, "%s", code ? code : "unknown");
    id->threads = threads;
    id->shard = shard;
    id->shards = shards;
    if (blr_sha256_file(ex->path, id->file_sha256) != 0) {
        snprintf(err, errlen, "%s: error: cannot read the experiment file", ex->path);
        return -1;
    }
    return 0;
}

/* The value of "key" in manifest.json as written by blr_report_write_manifest: a string
 * (unescaped), a number as text, or "" for null. Returns 0, or -1 when the key is absent. */
static int manifest_field(const char *text, const char *key, char *out, size_t len)
{
    char pat[80];
    snprintf(pat, sizeof pat, "\n  \"%s\": ", key);
    const char *p = strstr(text, pat);
    if (!p || len == 0)
        return -1;
    p += strlen(pat);
    size_t o = 0;
    if (*p == '"') {
        for (p++; *p && *p != '"' && o + 1 < len; p++) {
            int escaped = *p == '\\' && p[1];
            p += escaped;
            out[o++] = escaped && *p == 'n' ? '\n' : *p;
        }
    } else if (strncmp(p, "null", 4) != 0) {
        while (*p && *p != ',' && *p != '\n' && o + 1 < len)
            out[o++] = *p++;
    }
    out[o] = '\0';
    return 0;
}

/* DIR/manifest.json's text (in a static buffer), or NULL when there is none. */
static const char *manifest_text(const char *dir)
{
    char path[BLR_PATH_LEN + 32];
    snprintf(path, sizeof path, "%s/manifest.json", dir);
    FILE *f = fopen(path, "r");
    static char text[1 << 16];
    if (!f)
        return NULL;
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = '\0';
    return text;
}

int blr_identity_read(const char *dir, blr_identity *id, char *err, size_t errlen)
{
    const char *text = manifest_text(dir);
    char threads[32] = "", shard[32] = "";
    memset(id, 0, sizeof *id);
    if (!text || manifest_field(text, "experiment", id->experiment, sizeof id->experiment) ||
        manifest_field(text, "file", id->file, sizeof id->file) ||
        manifest_field(text, "file_sha256", id->file_sha256, sizeof id->file_sha256) ||
        manifest_field(text, "profile", id->profile, sizeof id->profile) ||
        manifest_field(text, "git_commit", id->code, sizeof id->code) ||
        manifest_field(text, "threads", threads, sizeof threads) ||
        sscanf(threads, "%d", &id->threads) != 1 ||
        (manifest_field(text, "shard", shard, sizeof shard) == 0 &&
         sscanf(shard, "%d/%d", &id->shard, &id->shards) != 2)) {
        snprintf(err, errlen, "%s: error: not a results directory of blr (no readable "
                 "manifest.json with the experiment, code, threads and shard)", dir);
        return -1;
    }
    /* Directories from before overrides existed had none. */
    manifest_field(text, "overrides", id->overrides, sizeof id->overrides);
    /* Directories from before shards existed hold every run. */
    if (!id->shards)
        id->shard = id->shards = 1;
    return 0;
}

const char *blr_identity_mismatch(const blr_identity *a, const blr_identity *b, char *why,
                                  size_t len)
{
    if (strcmp(a->experiment, b->experiment) != 0 || strcmp(a->file_sha256, b->file_sha256) != 0)
        snprintf(why, len, "another experiment: '%s' (%.200s, sha256 %.12s) against '%s' "
                 "(%.200s, sha256 %.12s)", a->experiment, a->file, a->file_sha256,
                 b->experiment, b->file, b->file_sha256);
    else if (strcmp(a->profile, b->profile) != 0)
        snprintf(why, len, "another profile: '%s' against '%s'", a->profile, b->profile);
    else if (strcmp(a->overrides, b->overrides) != 0)
        snprintf(why, len, "other overrides (--set, --variant, --seed): '%.400s' against "
                 "'%.400s'", a->overrides, b->overrides);
    else if (strcmp(a->code, b->code) != 0)
        snprintf(why, len, "another code version: %s against %s", a->code, b->code);
    else if (a->threads && b->threads && a->threads != b->threads)
        snprintf(why, len, "another thread count: %d threads per run against %d (use the same "
                 "--threads)", a->threads, b->threads);
    else if (a->shards && b->shards && (a->shard != b->shard || a->shards != b->shards))
        snprintf(why, len, "another shard: %d/%d against %d/%d", a->shard, a->shards, b->shard,
                 b->shards);
    else
        return NULL;
    return why;
}

static int any_entry(void *ctx, const char *name, const char *path, char *err,
                     size_t errlen)
{
    (void)ctx, (void)name, (void)path, (void)err, (void)errlen;
    return 1;
}

/* 1 when dir has no entries but "." and "..". */
static int dir_empty(const char *dir)
{
    char err[256];
    return blr_files_each(dir, any_entry, NULL, err, sizeof err) == 0;
}

/* Names the process holding the flock on fd's directory ("blr process 123 (blr run
 * x.yaml)"), from Linux's table of locks; leaves `holder` as it is when none is found. */
static void lock_holder(int fd, char *holder, size_t len)
{
    struct stat st;
    FILE *f = fstat(fd, &st) == 0 ? fopen("/proc/locks", "r") : NULL;
    if (!f)
        return;
    char line[256];
    long pid = -1;
    while (pid < 0 && fgets(line, sizeof line, f)) {
        long p;
        unsigned maj, min;
        unsigned long long ino;
        if (sscanf(line, "%*d: FLOCK %*s %*s %ld %x:%x:%llu", &p, &maj, &min, &ino) == 4 &&
            ino == (unsigned long long)st.st_ino && maj == major(st.st_dev) &&
            min == minor(st.st_dev))
            pid = p;
    }
    fclose(f);
    if (pid < 0)
        return;
    char path[64], cmd[120] = "";
    snprintf(path, sizeof path, "/proc/%ld/cmdline", pid);
    f = fopen(path, "r");
    size_t n = f ? fread(cmd, 1, sizeof cmd - 1, f) : 0;
    if (f)
        fclose(f);
    for (size_t i = 0; i + 1 < n; i++)
        if (cmd[i] == '\0')
            cmd[i] = ' ';
    cmd[n] = '\0';
    snprintf(holder, len, "blr process %ld%s%.*s%s", pid, n ? " (" : "", 100, cmd, n ? ")" : "");
}

int blr_resultdir_open(blr_resultdir *rd, const char *dir, blr_identity *id, int resume,
                       char *err, size_t errlen)
{
    rd->fd = -1;
    rd->created = 0;
    if (strlen(dir) + 64 + BLR_NAME_LEN >= sizeof rd->dir) {
        snprintf(err, errlen, "%.80s...: error: the output path is too long (at most %d "
                 "characters)", dir, (int)(sizeof rd->dir - 64 - BLR_NAME_LEN - 1));
        return 2;
    }
    snprintf(rd->dir, sizeof rd->dir, "%s", dir);
    struct stat st;
    int existed = stat(dir, &st) == 0;
    if (existed && !S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "%s: error: exists and is not a directory", dir);
        return 2;
    }
    if (resume && !existed) {
        snprintf(err, errlen, "%s: error: nothing to resume: no such directory", dir);
        return 2;
    }
    if (!existed && blr_files_mkdir_p(dir, err, errlen) != 0)
        return 2;
    rd->created = !existed;
    if (access(dir, W_OK | X_OK) != 0) {
        snprintf(err, errlen, "%s: error: cannot write into the directory: %s", dir,
                 strerror(errno));
        blr_resultdir_close(rd);
        return 2;
    }
    /* Forked workers share the lock; programs they start (gnuplot) do not take it along. */
    rd->fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (rd->fd < 0 || flock(rd->fd, LOCK_EX | LOCK_NB) != 0) {
        char holder[160] = "another blr process";
        if (rd->fd >= 0)
            lock_holder(rd->fd, holder, sizeof holder);
        snprintf(err, errlen, "%s: error: %s", dir, rd->fd < 0 ? strerror(errno) : "");
        if (rd->fd >= 0)
            snprintf(err + strlen(err), errlen - strlen(err), "in use by %s (wait for it, or "
                     "stop it)", holder);
        blr_resultdir_close(rd);
        return 2;
    }
    blr_identity have;
    char why[1024];
    int is_results = blr_identity_read(dir, &have, why, sizeof why) == 0;
    /* An empty directory is one whose first process was stopped before it wrote anything:
     * resuming it is starting it. */
    if (resume && !is_results && !dir_empty(dir)) {
        snprintf(err, errlen, "%s", why);
    } else if (resume && is_results && blr_identity_mismatch(&have, id, why, sizeof why)) {
        snprintf(err, errlen, "%s: error: cannot resume: %s (the directory's, then this "
                 "command's); run without --resume to start it again, or use another --out",
                 dir, why);
    } else if (!resume && !is_results && !dir_empty(dir)) {
        snprintf(err, errlen, "%s: error: exists, is not empty and is not a results directory "
                 "of blr; refusing to write into it (choose another --out)", dir);
    } else {
        if (resume && is_results) {
            if (!id->threads)
                id->threads = have.threads;
            if (!id->shards) {
                id->shard = have.shard;
                id->shards = have.shards;
            }
        }
        return 0;
    }
    blr_resultdir_close(rd);
    return 2;
}

void blr_resultdir_close(blr_resultdir *rd)
{
    if (rd->fd >= 0)
        close(rd->fd);
    rd->fd = -1;
    if (rd->created)
        rmdir(rd->dir);
    rd->created = 0;
}

typedef int (*keep_fn)(const char *name);

static int remove_unkept(void *ctx, const char *name, const char *path, char *err,
                         size_t errlen)
{
    keep_fn keep = *(keep_fn *)ctx;
    return keep(name) ? 0 : blr_files_remove_tree(path, err, errlen);
}

/* Removes the entries of dir for which keep() is false. */
static int remove_entries(const char *dir, keep_fn keep, char *err, size_t errlen)
{
    return blr_files_each(dir, remove_unkept, &keep, err, errlen);
}

/* manifest.json goes only by being replaced, so that a directory killed while it is being
 * cleaned or summarized is still recognized as a results directory. */
static int keep_manifest(const char *name)
{
    return strcmp(name, "manifest.json") == 0;
}

static int keep_runs(const char *name)
{
    return strcmp(name, "runs") == 0 || keep_manifest(name);
}

/* In runs/: finished records and checkpoints stay; .tmp files and directories go. */
static int keep_complete(const char *name)
{
    size_t n = strlen(name);
    return !(n > 4 && strcmp(name + n - 4, ".tmp") == 0);
}

int blr_resultdir_begin(blr_resultdir *rd, int resume, const blr_manifest *man, char *err,
                        size_t errlen)
{
    char runs[BLR_PATH_LEN + 8];
    snprintf(runs, sizeof runs, "%s/runs", rd->dir);
    rd->created = 0;
    int rc = remove_entries(rd->dir, resume ? keep_runs : keep_manifest, err, errlen);
    if (rc == 0)
        rc = blr_files_mkdir_p(runs, err, errlen);
    if (rc == 0 && resume)
        rc = remove_entries(runs, keep_complete, err, errlen);
    if (rc == 0)
        rc = blr_report_write_manifest(rd->dir, man, NULL, 0, err, errlen);
    return rc;
}

int blr_resultdir_finished(const char *dir, const char *run_id)
{
    char rec[BLR_PATH_LEN + BLR_NAME_LEN + 16], err[512];
    snprintf(rec, sizeof rec, "%s/runs/%s", dir, run_id);
    blr_run_result res;
    int n_curves, has_rel;
    return blr_record_read(rec, &res, NULL, 0, &n_curves, NULL, &has_rel, err, sizeof err) ==
               0 &&
           res.status != BLR_STATUS_FAILED;
}

static int copy_record_dir(void *ctx, const char *name, const char *path, char *err,
                           size_t errlen)
{
    char to[BLR_PATH_LEN + 256];
    snprintf(to, sizeof to, "%s/%s", (const char *)ctx, name);
    return name[0] != '.' && blr_files_is_dir(path) ? blr_files_copy_tree(path, to, err, errlen)
                                                    : 0;
}

/* Copies every directory of a record (posterior/, filters/) into the results directory. */
static int copy_record_files(const char *rec, const char *dir, char *err, size_t errlen)
{
    return blr_files_each(rec, copy_record_dir, (void *)dir, err, errlen);
}

int blr_resultdir_summarize(const char *dir, const blr_experiment *ex, const blr_manifest *man,
                            int *n_ok, int *n_present, char *err, size_t errlen)
{
    int n = blr_runner_runs(ex);
    long max_curves = 0;
    for (int v = 0; v < ex->n_variants; v++)
        max_curves += ex->variants[v].train.epochs;
    max_curves *= ex->n_seeds;
    blr_run_result *runs = calloc((size_t)n, sizeof *runs);
    blr_curve_row *curves = calloc((size_t)max_curves, sizeof *curves);
    blr_reliability *rel = calloc((size_t)n, sizeof *rel);
    size_t n_runs = 0, n_curves = 0, n_rel = 0;
    int ok = 0;
    int rc = runs && curves && rel ? remove_entries(dir, keep_runs, err, errlen) : -1;
    if (!runs || !curves || !rel)
        snprintf(err, errlen, "error: out of memory for the summary of %d runs", n);
    for (int i = 0; i < n && rc == 0; i++) {
        char id[BLR_NAME_LEN + 16], rec[BLR_PATH_LEN * 2];
        blr_runner_run_id(ex, i, id, sizeof id);
        snprintf(rec, sizeof rec, "%s/runs/%s", dir, id);
        struct stat st;
        if (stat(rec, &st) != 0)
            continue;
        int v, seed, got, has_rel;
        blr_runner_run_at(ex, i, &v, &seed);
        rc = blr_record_read(rec, &runs[n_runs], curves + n_curves,
                             (int)(max_curves - (long)n_curves), &got, &rel[n_rel], &has_rel,
                             err, errlen);
        if (rc == 0 && (strcmp(runs[n_runs].variant, ex->variants[v].name) != 0 ||
                        runs[n_runs].seed != seed)) {
            snprintf(err, errlen, "%s: error: the record is of %s seed %d", rec,
                     runs[n_runs].variant, runs[n_runs].seed);
            rc = -1;
        }
        if (rc == 0)
            rc = copy_record_files(rec, dir, err, errlen);
        if (rc != 0)
            break;
        ok += runs[n_runs].status == BLR_STATUS_OK;
        n_runs++;
        n_curves += (size_t)got;
        n_rel += (size_t)has_rel;
    }
    if (rc == 0)
        rc = blr_report_write_tables(dir, ex, runs, n_runs, curves, n_curves, rel, n_rel, err,
                                     errlen);
    blr_crashpoint("tables");
    if (rc == 0)
        rc = blr_report_write_manifest(dir, man, runs, n_runs, err, errlen);
    /* A slice of the runs (a shard, an interrupted run) may lack a figure's data: the runs
     * of the first seed (filters), posteriors, ok classification runs (reliability). */
    unsigned figures = ex->figures;
    if ((int)n_runs < n) {
        static const struct {
            blr_figure fig;
            const char *dir;
        } needs[] = {{BLR_FIGURE_FILTERS, "filters"}, {BLR_FIGURE_POSTERIOR, "posterior"}};
        for (size_t k = 0; k < sizeof needs / sizeof *needs; k++) {
            char p[BLR_PATH_LEN + 16];
            struct stat st;
            snprintf(p, sizeof p, "%s/%s", dir, needs[k].dir);
            if (stat(p, &st) != 0)
                figures &= ~(1u << needs[k].fig);
        }
        if (n_rel == 0)
            figures &= ~(1u << BLR_FIGURE_RELIABILITY);
    }
    if (rc == 0 && n_runs > 0 && figures)
        rc = blr_report_plot(dir, figures, err, errlen);
    /* Last: the page shows the figures that were drawn. */
    if (rc == 0)
        rc = blr_tables_write_page(dir, ex, runs, n_runs, man, err, errlen);
    if (n_ok)
        *n_ok = ok;
    if (n_present)
        *n_present = (int)n_runs;
    free(runs);
    free(curves);
    free(rel);
    return rc;
}

int blr_resultdir_rewrite(const char *dir, const char *file, const char *profile, char *err,
                          size_t errlen)
{
    const char *text = manifest_text(dir);
    /* The manifest's facts for the page, as blr_report_write_manifest wrote them. */
    static const char *const keys[] = {"experiment", "file", "file_sha256", "profile",
                                       "git_commit", "compiler", "host", "start_utc",
                                       "end_utc", "scored_on", "threads"};
    enum { N_KEYS = sizeof keys / sizeof *keys };
    static char val[N_KEYS][BLR_PATH_LEN];
    for (int k = 0; k < N_KEYS; k++)
        if (!text || manifest_field(text, keys[k], val[k], sizeof val[k]) != 0) {
            snprintf(err, errlen, "%s/manifest.json: error: %s (a results directory of blr "
                     "has a manifest.json with \"%s\")", dir, text ? "no field" : "cannot read",
                     keys[k]);
            return -1;
        }
    blr_manifest man = {.experiment = val[0], .file = val[1], .file_sha256 = val[2],
                        .profile = val[3], .git_commit = val[4], .compiler = val[5],
                        .host = val[6], .start_utc = val[7], .end_utc = val[8],
                        .scored_on = val[9], .threads = atoi(val[10])};
    blr_experiment *ex = malloc(sizeof *ex);
    blr_resultset *rs = calloc(1, sizeof *rs);
    int rc = ex && rs ? 0 : -1;
    if (rc != 0)
        snprintf(err, errlen, "error: out of memory");
    if (rc == 0)
        rc = blr_config_load(file ? file : man.file, profile ? profile : man.profile, ex, err,
                             errlen);
    if (rc == 0)
        rc = blr_resultset_read(dir, rs, err, errlen);
    if (rc == 0 && rs->metrics != ex->metrics) {
        snprintf(err, errlen, "%s: error: runs.csv's metric columns are not those %s asks for "
                 "(another version of the experiment file?)", dir, ex->path);
        rc = -1;
    }
    if (rc == 0)
        rc = blr_tables_write(dir, ex, rs->runs, rs->n_runs, err, errlen);
    if (rc == 0)
        rc = blr_tables_write_page(dir, ex, rs->runs, rs->n_runs, &man, err, errlen);
    if (rs)
        blr_resultset_free(rs);
    free(rs);
    free(ex);
    return rc;
}
