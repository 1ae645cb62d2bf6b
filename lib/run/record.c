/* Per-run records and checkpoints (record.h). */
#include "record.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "files.h"

void blr_record_id(const char *variant, int seed, char *id, size_t len)
{
    snprintf(id, len, "%s-s%d", variant, seed);
}

/* ---- result.csv ---------------------------------------------------------------------------
 * One line per item, its kind first:
 *   result,variant,rule,base,seed,status,epochs,train_seconds,objective,posterior_sd_median,
 *          invalid_updates,peak_rss_mib,rss_bound_mib,metric_0..metric_{BLR_METRIC_COUNT-1}
 *   curve,variant,seed,epoch,train_loss,acc,nll,ece,seconds,posterior_sd_median
 *   rel,variant,seed,bins,conf_0..,acc_0..,count_0..
 * Numbers are %a (hex floats), which strtod reads back exactly, nan and inf included. */

#define RECORD_MAGIC "blr-record 2"

static void put_num(FILE *f, double x)
{
    fprintf(f, ",%a", x);
}

int blr_record_write(const char *dir, const blr_run_result *res, const blr_curve_row *curves,
                     int n_curves, const blr_reliability *rel, char *err, size_t errlen)
{
    blr_report_file rf;
    if (blr_report_open(&rf, dir, "result.csv", err, errlen) != 0)
        return -1;
    FILE *f = rf.f;
    fprintf(f, "%s\nresult,%s,%s,%s,%d,%d,%d", RECORD_MAGIC, res->variant, res->rule, res->base,
            res->seed, (int)res->status, res->epochs);
    put_num(f, res->train_seconds);
    put_num(f, res->objective);
    put_num(f, res->posterior_sd_median);
    fprintf(f, ",%ld", res->invalid_updates);
    put_num(f, res->peak_rss_mib);
    put_num(f, res->rss_bound_mib);
    for (int i = 0; i < BLR_METRIC_COUNT; i++)
        put_num(f, res->metric[i]);
    fputc('\n', f);
    for (int c = 0; c < n_curves; c++) {
        const blr_curve_row *r = &curves[c];
        fprintf(f, "curve,%s,%d,%d", r->variant, r->seed, r->epoch);
        put_num(f, r->train_loss);
        put_num(f, r->acc);
        put_num(f, r->nll);
        put_num(f, r->ece);
        put_num(f, r->seconds);
        put_num(f, r->posterior_sd_median);
        fputc('\n', f);
    }
    if (rel) {
        fprintf(f, "rel,%s,%d,%d", rel->variant, rel->seed, rel->bins);
        for (int b = 0; b < rel->bins; b++)
            put_num(f, rel->conf[b]);
        for (int b = 0; b < rel->bins; b++)
            put_num(f, rel->acc[b]);
        for (int b = 0; b < rel->bins; b++)
            fprintf(f, ",%ld", rel->count[b]);
        fputc('\n', f);
    }
    return blr_report_close(&rf, err, errlen);
}

/* A cursor over one comma-separated line. */
typedef struct {
    char *p;
    int bad;
} fields;

static char *next_field(fields *fs)
{
    if (!fs->p) {
        fs->bad = 1;
        return "";
    }
    char *s = fs->p, *c = strchr(s, ',');
    if (c) {
        *c = '\0';
        fs->p = c + 1;
    } else {
        fs->p = NULL;
    }
    return s;
}

static void next_text(fields *fs, char *out, size_t len)
{
    const char *s = next_field(fs);
    if (strlen(s) >= len)
        fs->bad = 1;
    snprintf(out, len, "%s", s);
}

static double next_num(fields *fs)
{
    const char *s = next_field(fs);
    char *end;
    double x = strtod(s, &end);
    if (end == s || *end)
        fs->bad = 1;
    return x;
}

static long next_long(fields *fs)
{
    const char *s = next_field(fs);
    char *end;
    errno = 0;
    long x = strtol(s, &end, 10);
    if (errno || end == s || *end)
        fs->bad = 1;
    return x;
}

static int next_int(fields *fs, long lo, long hi)
{
    long x = next_long(fs);
    if (x < lo || x > hi)
        fs->bad = 1;
    return (int)x;
}

int blr_record_read(const char *dir, blr_run_result *res, blr_curve_row *curves,
                    int max_curves, int *n_curves, blr_reliability *rel, int *has_rel,
                    char *err, size_t errlen)
{
    char path[BLR_PATH_LEN + 64];
    snprintf(path, sizeof path, "%s/result.csv", dir);
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "%s: error: cannot read: %s", path, strerror(errno));
        return -1;
    }
    char line[16384];
    int lineno = 0, have_result = 0, rc = 0;
    *n_curves = 0;
    *has_rel = 0;
    memset(res, 0, sizeof *res);
    while (rc == 0 && fgets(line, sizeof line, f)) {
        lineno++;
        size_t n = strcspn(line, "\n");
        if (line[n] != '\n') {
            rc = -1;
            break;
        }
        line[n] = '\0';
        if (lineno == 1) {
            rc = strcmp(line, RECORD_MAGIC) == 0 ? 0 : -1;
            continue;
        }
        fields fs = {line, 0};
        const char *kind = next_field(&fs);
        if ((strcmp(kind, "curve") == 0 && !curves) || (strcmp(kind, "rel") == 0 && !rel))
            continue; /* not asked for */
        if (strcmp(kind, "result") == 0 && !have_result) {
            have_result = 1;
            next_text(&fs, res->variant, sizeof res->variant);
            next_text(&fs, res->rule, sizeof res->rule);
            next_text(&fs, res->base, sizeof res->base);
            res->seed = next_int(&fs, INT32_MIN, INT32_MAX);
            res->status = (blr_status)next_int(&fs, BLR_STATUS_OK, BLR_STATUS_FAILED);
            res->epochs = next_int(&fs, 0, INT32_MAX);
            res->train_seconds = next_num(&fs);
            res->objective = next_num(&fs);
            res->posterior_sd_median = next_num(&fs);
            res->invalid_updates = next_long(&fs);
            res->peak_rss_mib = next_num(&fs);
            res->rss_bound_mib = next_num(&fs);
            for (int i = 0; i < BLR_METRIC_COUNT; i++)
                res->metric[i] = next_num(&fs);
        } else if (strcmp(kind, "curve") == 0 && *n_curves < max_curves) {
            blr_curve_row *r = &curves[(*n_curves)++];
            next_text(&fs, r->variant, sizeof r->variant);
            r->seed = next_int(&fs, INT32_MIN, INT32_MAX);
            r->epoch = next_int(&fs, 1, INT32_MAX);
            r->train_loss = next_num(&fs);
            r->acc = next_num(&fs);
            r->nll = next_num(&fs);
            r->ece = next_num(&fs);
            r->seconds = next_num(&fs);
            r->posterior_sd_median = next_num(&fs);
        } else if (strcmp(kind, "rel") == 0 && rel && !*has_rel) {
            *has_rel = 1;
            next_text(&fs, rel->variant, sizeof rel->variant);
            rel->seed = next_int(&fs, INT32_MIN, INT32_MAX);
            rel->bins = next_int(&fs, 1, 64);
            for (int b = 0; b < rel->bins && !fs.bad; b++)
                rel->conf[b] = next_num(&fs);
            for (int b = 0; b < rel->bins && !fs.bad; b++)
                rel->acc[b] = next_num(&fs);
            for (int b = 0; b < rel->bins && !fs.bad; b++)
                rel->count[b] = next_long(&fs);
        } else {
            fs.bad = 1;
        }
        if (fs.bad || fs.p)
            rc = -1;
    }
    if (rc == 0 && (ferror(f) || !have_result))
        rc = -1, lineno++;
    fclose(f);
    if (rc != 0)
        snprintf(err, errlen, "%s:%d: error: not a run record of this version of blr", path,
                 lineno);
    return rc;
}

/* ---- packing a record for another process ------------------------------------------------
 * The buffer is a sequence of: path length (uint32), path, size (uint64), bytes. Paths are
 * relative to the record directory and never contain "..". */

typedef struct {
    char *buf;
    size_t len, cap;
} growbuf;

static int grow_put(growbuf *g, const void *p, size_t n)
{
    if (g->len + n > g->cap) {
        size_t cap = g->cap ? g->cap : 65536;
        while (cap < g->len + n)
            cap *= 2;
        char *nb = realloc(g->buf, cap);
        if (!nb)
            return -1;
        g->buf = nb;
        g->cap = cap;
    }
    memcpy(g->buf + g->len, p, n);
    g->len += n;
    return 0;
}

static int pack_file(growbuf *g, const char *path, const char *rel, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "%s: error: cannot read: %s", path, strerror(errno));
        return -1;
    }
    uint32_t plen = (uint32_t)strlen(rel);
    size_t at = 0;
    uint64_t size = 0;
    int rc = grow_put(g, &plen, sizeof plen) || grow_put(g, rel, plen);
    if (rc == 0) {
        at = g->len;
        rc = grow_put(g, &size, sizeof size);
    }
    char chunk[65536];
    size_t n;
    while (rc == 0 && (n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        rc = grow_put(g, chunk, n);
        size += n;
    }
    if (ferror(f))
        rc = -1;
    fclose(f);
    if (rc != 0) {
        snprintf(err, errlen, "%s: error: cannot pack (read error or out of memory)", path);
        return -1;
    }
    memcpy(g->buf + at, &size, sizeof size);
    return 0;
}

typedef struct {
    growbuf *g;
    const char *rel; /* of the directory being listed, relative to the record */
} packing;

static int pack_dir(growbuf *g, const char *dir, const char *rel, char *err, size_t errlen);

static int pack_entry(void *ctx, const char *name, const char *path, char *err, size_t errlen)
{
    const packing *p = ctx;
    if (name[0] == '.')
        return 0;
    char rel[BLR_PATH_LEN];
    snprintf(rel, sizeof rel, "%s%s%s", p->rel, p->rel[0] ? "/" : "", name);
    struct stat st;
    if (stat(path, &st) != 0) {
        snprintf(err, errlen, "%s: error: %s", path, strerror(errno));
        return -1;
    }
    if (S_ISDIR(st.st_mode))
        return pack_dir(p->g, path, rel, err, errlen);
    return S_ISREG(st.st_mode) ? pack_file(p->g, path, rel, err, errlen) : 0;
}

/* Packs the files under dir, whose path relative to the record is rel. */
static int pack_dir(growbuf *g, const char *dir, const char *rel, char *err, size_t errlen)
{
    packing p = {g, rel};
    return blr_files_each(dir, pack_entry, &p, err, errlen);
}

int blr_record_pack(const char *dir, char **buf, size_t *len, char *err, size_t errlen)
{
    growbuf g = {0};
    if (pack_dir(&g, dir, "", err, errlen) != 0) {
        free(g.buf);
        return -1;
    }
    *buf = g.buf;
    *len = g.len;
    return 0;
}

int blr_record_unpack(const char *buf, size_t len, const char *dir, char *err, size_t errlen)
{
    size_t at = 0;
    while (at < len) {
        uint32_t plen;
        uint64_t size;
        char rel[BLR_PATH_LEN];
        if (len - at < sizeof plen)
            break;
        memcpy(&plen, buf + at, sizeof plen);
        if (plen == 0 || plen >= BLR_PATH_LEN || len - at - sizeof plen < plen + sizeof size)
            break;
        memcpy(rel, buf + at + sizeof plen, plen);
        rel[plen] = '\0';
        memcpy(&size, buf + at + sizeof plen + plen, sizeof size);
        size_t data = at + sizeof plen + plen + sizeof size;
        if (size > len - data || strstr(rel, "..") || rel[0] == '/' || strlen(rel) != plen)
            break;
        blr_report_file rf;
        if (blr_report_open(&rf, dir, rel, err, errlen) != 0)
            return -1;
        if (fwrite(buf + data, 1, (size_t)size, rf.f) != size) {
            blr_report_abort(&rf);
            snprintf(err, errlen, "%s/%s: error: cannot write: %s", dir, rel, strerror(errno));
            return -1;
        }
        if (blr_report_close(&rf, err, errlen) != 0)
            return -1;
        at = data + (size_t)size;
    }
    if (at != len) {
        snprintf(err, errlen, "error: a packed run record is malformed at byte %zu of %zu", at,
                 len);
        return -1;
    }
    return 0;
}

/* ---- checkpoints -------------------------------------------------------------------------
 * magic, id (the path's file name, NUL-padded), blr_checkpoint, its curve rows, then the
 * method's save. Binary in the machine's byte order, like the methods' own save: checkpoints
 * are for resuming with the same build on the same kind of machine. */

#define CKPT_MAGIC "blr-ckpt-2\n"

static void checkpoint_key(const char *path, char key[BLR_NAME_LEN + 32])
{
    const char *slash = strrchr(path, '/');
    memset(key, 0, BLR_NAME_LEN + 32);
    snprintf(key, BLR_NAME_LEN + 32, "%s", slash ? slash + 1 : path);
}

int blr_checkpoint_save(const char *path, const blr_checkpoint *ck, const blr_curve_row *curves,
                        const blr_method *m, char *err, size_t errlen)
{
    char tmp[BLR_PATH_LEN + 80], key[BLR_NAME_LEN + 32];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    checkpoint_key(path, key);
    FILE *f = fopen(tmp, "wb");
    if (!f) {
        snprintf(err, errlen, "%s: error: cannot create: %s", tmp, strerror(errno));
        return -1;
    }
    int bad = fwrite(CKPT_MAGIC, 1, sizeof CKPT_MAGIC - 1, f) != sizeof CKPT_MAGIC - 1 ||
              fwrite(key, 1, sizeof key, f) != sizeof key ||
              fwrite(ck, sizeof *ck, 1, f) != 1 ||
              fwrite(curves, sizeof *curves, (size_t)ck->n_curves, f) != (size_t)ck->n_curves;
    blr_crashpoint("checkpoint");
    bad = bad || m->ops->save(m, f) != 0;
    bad = fflush(f) != 0 || bad;
    bad = fsync(fileno(f)) != 0 || bad;
    bad = fclose(f) != 0 || bad;
    if (bad || rename(tmp, path) != 0) {
        snprintf(err, errlen, "%s: error: cannot write the checkpoint: %s", path,
                 strerror(errno));
        unlink(tmp);
        return -1;
    }
    return 0;
}

int blr_checkpoint_load(const char *path, blr_checkpoint *ck, blr_curve_row *curves,
                        int max_curves, blr_method *m, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        if (errno == ENOENT)
            return 1;
        snprintf(err, errlen, "%s: error: cannot read: %s", path, strerror(errno));
        return -1;
    }
    char magic[sizeof CKPT_MAGIC - 1], key[BLR_NAME_LEN + 32], want[BLR_NAME_LEN + 32];
    checkpoint_key(path, want);
    int bad = fread(magic, 1, sizeof magic, f) != sizeof magic ||
              memcmp(magic, CKPT_MAGIC, sizeof magic) != 0 ||
              fread(key, 1, sizeof key, f) != sizeof key || memcmp(key, want, sizeof key) != 0 ||
              fread(ck, sizeof *ck, 1, f) != 1 || ck->n_curves < 0 ||
              ck->n_curves > max_curves ||
              fread(curves, sizeof *curves, (size_t)ck->n_curves, f) != (size_t)ck->n_curves ||
              m->ops->load(m, f) != 0 || fgetc(f) != EOF;
    fclose(f);
    if (bad) {
        snprintf(err, errlen, "%s: error: not a checkpoint of this run (another run, rule, "
                 "size or version of blr); delete it to start the run afresh", path);
        return -1;
    }
    return 0;
}

void blr_crashpoint(const char *name)
{
    static int calls;
    const char *at = getenv("BLR_CRASH_AT");
    size_t n = strlen(name);
    if (!at || strncmp(at, name, n) != 0 || at[n] != ':')
        return;
    if (++calls == atoi(at + n + 1))
        raise(SIGKILL);
}
