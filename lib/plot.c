/* Figures of a results directory (CONTRACT "Outputs"): re-reads runs.csv, curves.csv,
 * reliability.csv and posterior/<variant>-s<seed>.csv, writes <fig>.dat and <fig>.gp, and
 * runs gnuplot in the directory so that `gnuplot <fig>.gp` there redraws <fig>.png and
 * <fig>.svg.
 *
 * Every .dat holds one gnuplot index block per variant (two blank lines apart), in the
 * experiment's order (first appearance in runs.csv). A variant keeps its colour in every
 * figure. Variant names are drawn with `noenhanced` so '-' and '_' stay literal. */
#include "report.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define CSV_MAX_FIELDS 64
#define POST_MAX_COORDS 40 /* more error bars per coordinate would be unreadable */
#define N_COLORS 8

/* ---- reading our own CSV files ----------------------------------------------------------- */

typedef struct {
    FILE *f;
    char path[BLR_PATH_LEN + 128];
    long line;
    char *buf;
    size_t cap;
    char *field[CSV_MAX_FIELDS];
    int n_fields, n_header;
    int col[8]; /* positions of the requested columns */
} csv_in;

/* Splits s in place at commas, undoing RFC 4180 quotes. Returns 0, or the 1-based column of
 * a malformed field (negative: too many fields). */
static int csv_split(char *s, char **field, int *n)
{
    int k = 0;
    for (;;) {
        if (k == CSV_MAX_FIELDS)
            return -1;
        field[k++] = s;
        if (*s != '"') {
            char *comma = strchr(s, ',');
            if (!comma)
                break;
            *comma = '\0';
            s = comma + 1;
            continue;
        }
        char *out = s, *r = s + 1;
        for (;;) {
            if (*r == '\0')
                return k;
            if (*r == '"' && r[1] != '"')
                break;
            if (*r == '"')
                r++;
            *out++ = *r++;
        }
        r++;
        if (*r != ',' && *r != '\0')
            return k;
        char sep = *r;
        *out = '\0';
        if (sep == '\0')
            break;
        s = r + 1;
    }
    *n = k;
    return 0;
}

/* Reads the next non-empty line into c->field. Returns 1, 0 at the end, -1 on error. */
static int csv_read_line(csv_in *c, char *err, size_t errlen)
{
    for (;;) {
        errno = 0;
        ssize_t len = getline(&c->buf, &c->cap, c->f);
        if (len < 0) {
            if (ferror(c->f)) {
                snprintf(err, errlen, "%s:%ld: error: cannot read: %s", c->path, c->line + 1,
                         strerror(errno ? errno : EIO));
                return -1;
            }
            return 0;
        }
        c->line++;
        while (len > 0 && (c->buf[len - 1] == '\n' || c->buf[len - 1] == '\r'))
            c->buf[--len] = '\0';
        if (len == 0)
            continue;
        int bad = csv_split(c->buf, c->field, &c->n_fields);
        if (bad < 0) {
            snprintf(err, errlen, "%s:%ld: error: more than %d fields", c->path, c->line,
                     CSV_MAX_FIELDS);
            return -1;
        }
        if (bad > 0) {
            snprintf(err, errlen, "%s:%ld:%d: error: malformed quoted field", c->path, c->line,
                     bad);
            return -1;
        }
        return 1;
    }
}

static void csv_close(csv_in *c)
{
    if (c->f)
        fclose(c->f);
    free(c->buf);
    c->f = NULL;
    c->buf = NULL;
}

/* Opens dir/name and finds the n named columns. Returns 0, 1 when the file does not exist
 * (nothing set in err), -1 on error. */
static int csv_open(csv_in *c, const char *dir, const char *name, const char *const *cols,
                    int n, char *err, size_t errlen)
{
    memset(c, 0, sizeof *c);
    snprintf(c->path, sizeof c->path, "%s/%s", dir, name);
    c->f = fopen(c->path, "r");
    if (!c->f) {
        if (errno == ENOENT)
            return 1;
        snprintf(err, errlen, "%s: error: cannot open: %s", c->path, strerror(errno));
        return -1;
    }
    int rc = csv_read_line(c, err, errlen);
    if (rc == 0)
        snprintf(err, errlen, "%s:1: error: no header line", c->path);
    if (rc != 1) {
        csv_close(c);
        return -1;
    }
    c->n_header = c->n_fields;
    for (int k = 0; k < n; k++) {
        c->col[k] = -1;
        for (int j = 0; j < c->n_fields && c->col[k] < 0; j++)
            if (strcmp(c->field[j], cols[k]) == 0)
                c->col[k] = j;
        if (c->col[k] < 0) {
            snprintf(err, errlen, "%s:%ld: error: the header has no column '%s'", c->path,
                     c->line, cols[k]);
            csv_close(c);
            return -1;
        }
    }
    return 0;
}

/* Next data row, with as many fields as the header. Returns 1, 0 at the end, -1 on error. */
static int csv_next(csv_in *c, char *err, size_t errlen)
{
    int rc = csv_read_line(c, err, errlen);
    if (rc == 1 && c->n_fields != c->n_header) {
        snprintf(err, errlen, "%s:%ld:%d: error: %d fields, the header has %d", c->path,
                 c->line, (c->n_fields < c->n_header ? c->n_fields : c->n_header) + 1,
                 c->n_fields, c->n_header);
        return -1;
    }
    return rc;
}

static const char *csv_field(const csv_in *c, int k) { return c->field[c->col[k]]; }

static int csv_double(const csv_in *c, int k, double *x, char *err, size_t errlen)
{
    const char *s = csv_field(c, k);
    char *end;
    *x = strtod(s, &end);
    if (end == s || *end != '\0') {
        snprintf(err, errlen, "%s:%ld:%d: error: '%s' is not a number", c->path, c->line,
                 c->col[k] + 1, s);
        return -1;
    }
    return 0;
}

static int csv_long(const csv_in *c, int k, long lo, long *x, char *err, size_t errlen)
{
    const char *s = csv_field(c, k);
    char *end;
    errno = 0;
    *x = strtol(s, &end, 10);
    if (end == s || *end != '\0' || errno != 0 || *x < lo || *x > 2147483647L) {
        snprintf(err, errlen, "%s:%ld:%d: error: '%s' is not an integer >= %ld", c->path,
                 c->line, c->col[k] + 1, s, lo);
        return -1;
    }
    return 0;
}

/* ---- what was read ----------------------------------------------------------------------- */

typedef struct {
    char (*name)[BLR_NAME_LEN];
    size_t n, cap;
} name_list;

typedef struct {
    int v, epoch;
    double nll, acc;
} curve_pt;

typedef struct {
    int v, bin;
    double conf, acc;
    long count;
} rel_pt;

typedef struct {
    int v; /* -1: the exact posterior */
    long seed;
    size_t n_coords; /* the file's coordinates (only the first POST_MAX_COORDS are kept) */
    double mean[POST_MAX_COORDS], sd[POST_MAX_COORDS];
} post_run;

typedef struct {
    const char *dir;
    name_list names;
    curve_pt *curve;
    size_t n_curve, cap_curve, n_curve_finite; /* rows with a finite nll */
    rel_pt *rel;
    size_t n_rel, cap_rel;
    post_run *post;
    size_t n_post, cap_post;
} plot_data;

static int grow(void **p, size_t *cap, size_t n, size_t size)
{
    if (n < *cap)
        return 0;
    size_t c = *cap ? 2 * *cap : 64;
    void *q = realloc(*p, c * size);
    if (!q)
        return -1;
    *p = q;
    *cap = c;
    return 0;
}

/* Index of a variant, added at the end when new. Returns -1 (message in err) on failure. */
static int variant_index(plot_data *d, const char *name, const csv_in *c, char *err,
                         size_t errlen)
{
    for (size_t i = 0; i < d->names.n; i++)
        if (strcmp(d->names.name[i], name) == 0)
            return (int)i;
    if (strlen(name) >= BLR_NAME_LEN || !name[0]) {
        snprintf(err, errlen, "%s:%ld:%d: error: variant name is empty or longer than %d bytes",
                 c->path, c->line, c->col[0] + 1, BLR_NAME_LEN - 1);
        return -1;
    }
    if (grow((void **)&d->names.name, &d->names.cap, d->names.n, sizeof *d->names.name) != 0) {
        snprintf(err, errlen, "error: out of memory");
        return -1;
    }
    snprintf(d->names.name[d->names.n], BLR_NAME_LEN, "%s", name);
    return (int)d->names.n++;
}

static void plot_data_free(plot_data *d)
{
    free(d->names.name);
    free(d->curve);
    free(d->rel);
    free(d->post);
}

/* Returns 0, 1 when the file is missing, -1 on error. */
static int load_runs(plot_data *d, char *err, size_t errlen)
{
    static const char *const cols[] = {"variant"};
    csv_in c;
    int rc = csv_open(&c, d->dir, "runs.csv", cols, 1, err, errlen);
    if (rc != 0)
        return rc;
    while ((rc = csv_next(&c, err, errlen)) == 1)
        if (variant_index(d, csv_field(&c, 0), &c, err, errlen) < 0) {
            rc = -1;
            break;
        }
    csv_close(&c);
    return rc;
}

static int load_curves(plot_data *d, char *err, size_t errlen)
{
    static const char *const cols[] = {"variant", "epoch", "nll", "acc"};
    csv_in c;
    int rc = csv_open(&c, d->dir, "curves.csv", cols, 4, err, errlen);
    if (rc != 0)
        return rc;
    while ((rc = csv_next(&c, err, errlen)) == 1) {
        curve_pt p;
        long epoch;
        p.v = variant_index(d, csv_field(&c, 0), &c, err, errlen);
        if (p.v < 0 || csv_long(&c, 1, 0, &epoch, err, errlen) != 0 ||
            csv_double(&c, 2, &p.nll, err, errlen) != 0 ||
            csv_double(&c, 3, &p.acc, err, errlen) != 0) {
            rc = -1;
            break;
        }
        p.epoch = (int)epoch;
        if (grow((void **)&d->curve, &d->cap_curve, d->n_curve, sizeof p) != 0) {
            snprintf(err, errlen, "error: out of memory");
            rc = -1;
            break;
        }
        d->curve[d->n_curve++] = p;
        d->n_curve_finite += isfinite(p.nll) != 0;
    }
    csv_close(&c);
    return rc;
}

static int load_reliability(plot_data *d, char *err, size_t errlen)
{
    static const char *const cols[] = {"variant", "bin", "conf", "acc", "count"};
    csv_in c;
    int rc = csv_open(&c, d->dir, "reliability.csv", cols, 5, err, errlen);
    if (rc != 0)
        return rc;
    while ((rc = csv_next(&c, err, errlen)) == 1) {
        rel_pt p;
        long bin;
        p.v = variant_index(d, csv_field(&c, 0), &c, err, errlen);
        if (p.v < 0 || csv_long(&c, 1, 0, &bin, err, errlen) != 0 ||
            csv_double(&c, 2, &p.conf, err, errlen) != 0 ||
            csv_double(&c, 3, &p.acc, err, errlen) != 0 ||
            csv_long(&c, 4, 0, &p.count, err, errlen) != 0) {
            rc = -1;
            break;
        }
        p.bin = (int)bin;
        if (grow((void **)&d->rel, &d->cap_rel, d->n_rel, sizeof p) != 0) {
            snprintf(err, errlen, "error: out of memory");
            rc = -1;
            break;
        }
        d->rel[d->n_rel++] = p;
    }
    csv_close(&c);
    return rc;
}

/* "<variant>-s<seed>.csv" (the variant may contain "-s") or "exact.csv". Returns 0 when the
 * name has that form. */
static int parse_post_name(const char *file, char *variant, long *seed)
{
    size_t len = strlen(file);
    if (len < 5 || strcmp(file + len - 4, ".csv") != 0)
        return -1;
    if (strcmp(file, "exact.csv") == 0) {
        snprintf(variant, BLR_NAME_LEN, "exact");
        *seed = 0;
        return 0;
    }
    size_t end = len - 4, i = end;
    while (i > 0 && file[i - 1] >= '0' && file[i - 1] <= '9')
        i--;
    if (i == end || i < 3 || file[i - 1] != 's' || file[i - 2] != '-' || i - 2 >= BLR_NAME_LEN)
        return -1;
    memcpy(variant, file, i - 2);
    variant[i - 2] = '\0';
    *seed = strtol(file + i, NULL, 10);
    return 0;
}

static int load_post_file(plot_data *d, const char *file, post_run *run, char *err,
                          size_t errlen)
{
    static const char *const cols[] = {"index", "mean", "sd"};
    char name[BLR_NAME_LEN + 300];
    snprintf(name, sizeof name, "posterior/%s", file);
    csv_in c;
    int rc = csv_open(&c, d->dir, name, cols, 3, err, errlen);
    if (rc == 1) {
        snprintf(err, errlen, "%s/%s: error: disappeared while reading", d->dir, name);
        return -1;
    }
    if (rc != 0)
        return -1;
    for (int k = 0; k < POST_MAX_COORDS; k++)
        run->mean[k] = run->sd[k] = NAN;
    run->n_coords = 0;
    while ((rc = csv_next(&c, err, errlen)) == 1) {
        long idx;
        double mean, sd;
        if (csv_long(&c, 0, 0, &idx, err, errlen) != 0 ||
            csv_double(&c, 1, &mean, err, errlen) != 0 ||
            csv_double(&c, 2, &sd, err, errlen) != 0) {
            rc = -1;
            break;
        }
        if ((size_t)idx + 1 > run->n_coords)
            run->n_coords = (size_t)idx + 1;
        if (idx < POST_MAX_COORDS) {
            run->mean[idx] = mean;
            run->sd[idx] = sd;
        }
    }
    csv_close(&c);
    return rc;
}

/* Keeps, per variant, the file of the smallest seed. Returns 0, 1 when posterior/ is
 * missing or holds no posterior file, -1 on error. */
static int load_posterior(plot_data *d, char *err, size_t errlen)
{
    char path[BLR_PATH_LEN + 32];
    snprintf(path, sizeof path, "%s/posterior", d->dir);
    DIR *dp = opendir(path);
    if (!dp) {
        if (errno == ENOENT)
            return 1;
        snprintf(err, errlen, "%s: error: cannot open directory: %s", path, strerror(errno));
        return -1;
    }
    typedef struct {
        char file[BLR_NAME_LEN + 32];
        char variant[BLR_NAME_LEN];
        long seed;
    } pick;
    pick *picks = NULL;
    size_t n_picks = 0, cap = 0;
    int rc = 0;
    struct dirent *e;
    while (rc == 0 && (e = readdir(dp)) != NULL) {
        char variant[BLR_NAME_LEN];
        long seed;
        size_t len = strlen(e->d_name);
        if (len >= sizeof picks->file || parse_post_name(e->d_name, variant, &seed) != 0)
            continue;
        size_t k = 0;
        while (k < n_picks && strcmp(picks[k].variant, variant) != 0)
            k++;
        if (k == n_picks) {
            if (grow((void **)&picks, &cap, n_picks, sizeof *picks) != 0) {
                snprintf(err, errlen, "error: out of memory");
                rc = -1;
                break;
            }
            n_picks++;
        } else if (picks[k].seed <= seed) {
            continue;
        }
        memcpy(picks[k].file, e->d_name, len + 1);
        snprintf(picks[k].variant, sizeof picks[k].variant, "%s", variant);
        picks[k].seed = seed;
    }
    closedir(dp);
    /* readdir's order is arbitrary; variants not in runs.csv follow in name order. */
    for (size_t i = 1; i < n_picks; i++)
        for (size_t j = i; j > 0 && strcmp(picks[j - 1].variant, picks[j].variant) > 0; j--) {
            pick t = picks[j];
            picks[j] = picks[j - 1];
            picks[j - 1] = t;
        }
    for (size_t k = 0; k < n_picks && rc == 0; k++) {
        if (grow((void **)&d->post, &d->cap_post, d->n_post, sizeof *d->post) != 0) {
            snprintf(err, errlen, "error: out of memory");
            rc = -1;
            break;
        }
        post_run *run = &d->post[d->n_post];
        run->seed = picks[k].seed;
        if (strcmp(picks[k].variant, "exact") == 0) {
            run->v = -1;
        } else {
            size_t v = 0;
            while (v < d->names.n && strcmp(d->names.name[v], picks[k].variant) != 0)
                v++;
            if (v == d->names.n) {
                if (grow((void **)&d->names.name, &d->names.cap, d->names.n,
                         sizeof *d->names.name) != 0) {
                    snprintf(err, errlen, "error: out of memory");
                    rc = -1;
                    break;
                }
                snprintf(d->names.name[d->names.n++], BLR_NAME_LEN, "%s", picks[k].variant);
            }
            run->v = (int)v;
        }
        rc = load_post_file(d, picks[k].file, run, err, errlen);
        if (rc == 0)
            d->n_post++;
    }
    free(picks);
    return rc == 0 && d->n_post == 0 ? 1 : rc;
}

/* ---- gnuplot text ------------------------------------------------------------------------ */

/* A gnuplot single-quoted string: only ' needs doubling. */
static void gp_str(FILE *f, const char *s)
{
    fputc('\'', f);
    for (; *s; s++) {
        if (*s == '\'')
            fputc('\'', f);
        fputc(*s, f);
    }
    fputc('\'', f);
}

static void dat_num(FILE *f, double x)
{
    if (isnan(x))
        fputs(" nan", f);
    else
        fprintf(f, " %.9g", x);
}

/* Okabe–Ito colours (distinguishable with colour-blindness); variants past the eighth reuse
 * them with a dash pattern. */
static void gp_preamble(FILE *f, const char *fig, const char *about, int width, int height)
{
    static const char *const colors[N_COLORS] = {"#0072B2", "#D55E00", "#009E73", "#CC79A7",
                                                 "#E69F00", "#56B4E9", "#000000", "#999999"};
    fprintf(f, "# %s\n# Data: %s.dat. Redraw %s.png and %s.svg: gnuplot %s.gp (in this "
               "directory).\n", about, fig, fig, fig, fig);
    for (int i = 0; i < N_COLORS; i++)
        fprintf(f, "set linetype %d lc rgb '%s' lw 2 pt 7 ps 0.7\n", i + 1, colors[i]);
    fprintf(f, "set linetype cycle %d\n", N_COLORS);
    /* reset: each format starts from defaults (reset keeps the linetypes). */
    fprintf(f, "do for [fmt in \"png svg\"] {\n"
               "reset\nset encoding utf8\n"
               "if (fmt eq \"png\") {\n"
               "    set terminal pngcairo size %d,%d font \"sans,10\" noenhanced\n"
               "} else {\n"
               "    set terminal svg size %d,%d font \"sans,10\" noenhanced "
               "background rgb \"white\"\n"
               "}\n"
               "set output \"%s.\" . fmt\n"
               "set grid lc rgb '#dddddd' lt 1 lw 1\n",
            width, height, width, height, fig);
}

static void gp_end(FILE *f) { fputs("set output\n}\n", f); }

/* A multiplot's legend gets its own full-width strip at the bottom, so it never covers data:
 * an empty plot whose only visible part is the key. Ends at "plot"; the caller adds one
 * sample per entry with y = 2, outside the strip's [0:1]. */
static void gp_key_strip(FILE *f, int height, int rows)
{
    fprintf(f, "set lmargin at screen 0.02\nset rmargin at screen 0.98\n"
               "set bmargin at screen 0.01\nset tmargin at screen %.3f\n"
               "unset border\nunset tics\nunset xlabel\nunset ylabel\nunset title\n"
               "unset grid\nunset object\nunset arrow\nset xrange [0:1]\nset yrange [0:1]\n"
               "set key center center horizontal maxrows %d samplen 3 width 2\nplot",
            (6.0 + 18.0 * rows) / height, rows);
}

static int variant_lt(int v) { return v % N_COLORS + 1; }
static int variant_dt(int v) { return v / N_COLORS + 1; }

/* ---- curves ------------------------------------------------------------------------------ */

static int cmp_curve(const void *a, const void *b)
{
    const curve_pt *x = a, *y = b;
    if (x->v != y->v)
        return (x->v > y->v) - (x->v < y->v);
    return (x->epoch > y->epoch) - (x->epoch < y->epoch);
}

/* Mean and sd (n-1) of the finite values; sd is 0 with fewer than two. */
static void finite_stats(const double *x, size_t n, double *mean, double *sd, int *count)
{
    double s = 0.0, ss = 0.0;
    int k = 0;
    for (size_t i = 0; i < n; i++)
        if (isfinite(x[i])) {
            s += x[i];
            k++;
        }
    *mean = k ? s / k : NAN;
    for (size_t i = 0; i < n; i++)
        if (isfinite(x[i]))
            ss += (x[i] - *mean) * (x[i] - *mean);
    *sd = k > 1 ? sqrt(ss / (k - 1)) : 0.0;
    *count = k;
}

static int write_curves_figure(plot_data *d, char *err, size_t errlen)
{
    qsort(d->curve, d->n_curve, sizeof *d->curve, cmp_curve);
    int has_acc = 0, max_epoch = 0;
    for (size_t i = 0; i < d->n_curve; i++) {
        has_acc |= isfinite(d->curve[i].acc);
        if (d->curve[i].epoch > max_epoch)
            max_epoch = d->curve[i].epoch;
    }
    double *nll = malloc(d->n_curve * sizeof *nll), *acc = malloc(d->n_curve * sizeof *acc);
    int *shown = calloc(d->names.n, sizeof *shown);
    blr_report_file rf;
    if (!nll || !acc || !shown) {
        free(nll);
        free(acc);
        free(shown);
        snprintf(err, errlen, "error: out of memory");
        return -1;
    }
    int rc = blr_report_open(&rf, d->dir, "curves.dat", err, errlen);
    int n_blocks = 0;
    for (size_t i = 0; i < d->n_curve && rc == 0;) {
        int v = d->curve[i].v;
        fprintf(rf.f, "%s# variant %s: epoch nll_mean nll_sd nll_n acc_mean acc_sd acc_n\n",
                n_blocks ? "\n\n" : "", d->names.name[v]);
        while (i < d->n_curve && d->curve[i].v == v) {
            size_t j = i, n = 0;
            for (; j < d->n_curve && d->curve[j].v == v && d->curve[j].epoch == d->curve[i].epoch;
                 j++, n++) {
                nll[n] = d->curve[j].nll;
                acc[n] = d->curve[j].acc;
            }
            double m, s;
            int k;
            fprintf(rf.f, "%d", d->curve[i].epoch);
            finite_stats(nll, n, &m, &s, &k);
            dat_num(rf.f, m);
            dat_num(rf.f, s);
            fprintf(rf.f, " %d", k);
            finite_stats(acc, n, &m, &s, &k);
            dat_num(rf.f, m);
            dat_num(rf.f, s);
            fprintf(rf.f, " %d\n", k);
            i = j;
        }
        shown[v] = 1;
        n_blocks++;
    }
    free(nll);
    free(acc);
    if (rc == 0)
        rc = blr_report_close(&rf, err, errlen);
    if (rc == 0)
        rc = blr_report_open(&rf, d->dir, "curves.gp", err, errlen);
    if (rc != 0) {
        free(shown);
        return -1;
    }
    FILE *f = rf.f;
    int n_panels = has_acc ? 2 : 1, width = has_acc ? 1000 : 700, height = 450;
    int legend_cols = has_acc ? 5 : 3, legend_rows = (n_blocks + legend_cols - 1) / legend_cols;
    double bottom = (64.0 + 18.0 * legend_rows) / height; /* room for x label and legend */
    gp_preamble(f, "curves",
                has_acc ? "Test NLL and accuracy per epoch: lines = mean over seeds, bands = "
                          "±1 sd (0 with one seed)."
                        : "Test NLL per epoch: line = mean over seeds, band = ±1 sd (0 with "
                          "one seed).",
                width, height);
    fprintf(f, "set multiplot\nunset key\nset xlabel \"epoch\"\n"
               "set bmargin at screen %.3f\nset tmargin at screen 0.93\n%s",
            bottom, max_epoch <= 12 ? "set xtics 1\n" : "");
    for (int panel = 0; panel < n_panels; panel++) {
        double left = n_panels == 1 ? 0.11 : panel == 0 ? 0.07 : 0.57;
        double right = n_panels == 1 ? 0.97 : panel == 0 ? 0.48 : 0.98;
        fprintf(f, "set lmargin at screen %.2f\nset rmargin at screen %.2f\n", left, right);
        fputs(panel == 0 ? "set ylabel \"test NLL (nats)\"\nset title \"test NLL\"\n"
                         : "set ylabel \"test accuracy (%)\"\nset title \"test accuracy\"\n",
              f);
        const char *y = panel == 0 ? "($2)" : "(100*$5)", *lo = panel == 0 ? "($2-$3)"
                                                                           : "(100*($5-$6))";
        const char *hi = panel == 0 ? "($2+$3)" : "(100*($5+$6))";
        fputs("plot", f);
        int block = 0;
        for (size_t v = 0; v < d->names.n; v++) {
            if (!shown[v])
                continue;
            fprintf(f, "%s 'curves.dat' index %d using 1:%s:%s with filledcurves fs "
                       "transparent solid 0.2 noborder lt %d notitle, \\\n"
                       "     '' index %d using 1:%s with lines lt %d dt %d notitle",
                    block ? ", \\\n    " : "", block, lo, hi, variant_lt((int)v), block, y,
                    variant_lt((int)v), variant_dt((int)v));
            block++;
        }
        fputc('\n', f);
    }
    gp_key_strip(f, height, legend_rows);
    int block = 0;
    for (size_t v = 0; v < d->names.n; v++) {
        if (!shown[v])
            continue;
        fprintf(f, "%s 2 with lines lt %d dt %d title ", block++ ? ", \\\n    " : "",
                variant_lt((int)v), variant_dt((int)v));
        gp_str(f, d->names.name[v]);
    }
    fputc('\n', f);
    fputs("unset multiplot\n", f);
    gp_end(f);
    free(shown);
    return blr_report_close(&rf, err, errlen);
}

/* ---- reliability ------------------------------------------------------------------------- */

static int cmp_rel(const void *a, const void *b)
{
    const rel_pt *x = a, *y = b;
    if (x->v != y->v)
        return (x->v > y->v) - (x->v < y->v);
    return (x->bin > y->bin) - (x->bin < y->bin);
}

static int write_reliability_figure(plot_data *d, char *err, size_t errlen)
{
    qsort(d->rel, d->n_rel, sizeof *d->rel, cmp_rel);
    double *ece = calloc(d->names.n, sizeof *ece);
    long *total = calloc(d->names.n, sizeof *total);
    int *shown = calloc(d->names.n, sizeof *shown);
    blr_report_file rf;
    int rc = -1;
    if (!ece || !total || !shown)
        snprintf(err, errlen, "error: out of memory");
    else
        rc = blr_report_open(&rf, d->dir, "reliability.dat", err, errlen);
    int n_blocks = 0;
    for (size_t i = 0; i < d->n_rel && rc == 0;) {
        int v = d->rel[i].v;
        fprintf(rf.f, "%s# variant %s, pooled over seeds: bin conf acc count\n",
                n_blocks ? "\n\n" : "", d->names.name[v]);
        /* Pooling a bin over seeds weights each seed's mean confidence and accuracy by its
         * count, which gives the diagram of all test predictions together. */
        while (i < d->n_rel && d->rel[i].v == v) {
            int bin = d->rel[i].bin;
            double sc = 0.0, sa = 0.0;
            long n = 0;
            for (; i < d->n_rel && d->rel[i].v == v && d->rel[i].bin == bin; i++)
                if (d->rel[i].count > 0) {
                    sc += d->rel[i].count * d->rel[i].conf;
                    sa += d->rel[i].count * d->rel[i].acc;
                    n += d->rel[i].count;
                }
            if (n == 0)
                continue;
            fprintf(rf.f, "%d", bin);
            dat_num(rf.f, sc / n);
            dat_num(rf.f, sa / n);
            fprintf(rf.f, " %ld\n", n);
            ece[v] += fabs(sa - sc);
            total[v] += n;
        }
        shown[v] = total[v] > 0;
        n_blocks += shown[v];
    }
    if (rc == 0)
        rc = blr_report_close(&rf, err, errlen);
    if (rc == 0 && n_blocks == 0) {
        snprintf(err, errlen, "%s/reliability.csv: error: no bin with a count > 0", d->dir);
        rc = -1;
    }
    if (rc == 0)
        rc = blr_report_open(&rf, d->dir, "reliability.gp", err, errlen);
    if (rc == 0) {
        FILE *f = rf.f;
        int cols = n_blocks <= 3 ? n_blocks : n_blocks == 4 ? 2 : n_blocks <= 9 ? 3 : 4;
        int rows = (n_blocks + cols - 1) / cols;
        gp_preamble(f, "reliability",
                    "Reliability diagrams: per confidence bin, mean confidence vs accuracy, "
                    "pooled over seeds (count-weighted); empty bins omitted.",
                    40 + 320 * cols, 50 + 310 * rows);
        fprintf(f, "set multiplot layout %d,%d title \"reliability, pooled over seeds "
                   "(dashed: perfect calibration)\"\n"
                   "set size ratio -1\nset xrange [0:1]\nset yrange [0:1]\n"
                   "set xtics 0.2\nset ytics 0.2\nunset key\n"
                   "set xlabel \"confidence\"\nset ylabel \"accuracy\"\n",
                rows, cols);
        int block = 0;
        for (size_t v = 0; v < d->names.n; v++) {
            if (!shown[v])
                continue;
            char title[BLR_NAME_LEN + 64];
            snprintf(title, sizeof title, "%s (ECE %.4f)", d->names.name[v],
                     ece[v] / (double)total[v]);
            fputs("set title ", f);
            gp_str(f, title);
            fprintf(f, "\nplot x with lines dt 2 lw 1 lc rgb '#777777', \\\n"
                        "     'reliability.dat' index %d using 2:3 with linespoints lt %d "
                        "dt %d\n",
                    block++, variant_lt((int)v), variant_dt((int)v));
        }
        fputs("unset multiplot\n", f);
        gp_end(f);
        rc = blr_report_close(&rf, err, errlen);
    }
    free(ece);
    free(total);
    free(shown);
    return rc;
}

/* ---- posterior --------------------------------------------------------------------------- */

/* With an exact posterior (Bayesian linear regression), DESIGN §3 says where the affine rule
 * must land: mean = exact mean, sd = exact mean-field sd. Next to the spread of the means a
 * few percent of sd vanish, so two more panels measure each method against the exact
 * posterior in its own sd: (b) (mean − exact mean) / exact sd, (c) sd / exact sd, with the
 * tolerances of tests/test_exact.c as bands. */
#define POST_MEAN_TOL 0.1 /* |mean − exact mean| ≤ 0.1 exact sd */
#define POST_SD_TOL 0.1   /* |sd − exact sd| ≤ 10 % of the exact sd */
#define POST_KEY_COLS 5

/* Columns 5 and 6 of a variant's block in posterior.dat. NaN where the exact posterior has
 * no coordinate i or a zero sd, which nothing can be measured against. */
static void post_vs_exact(const post_run *r, const post_run *exact, size_t i, double *z,
                          double *ratio)
{
    *z = *ratio = NAN;
    if (i < exact->n_coords && exact->sd[i] > 0.0) {
        *z = (r->mean[i] - exact->mean[i]) / exact->sd[i];
        *ratio = r->sd[i] / exact->sd[i];
    }
}

/* A point mass (sgd) has sd 0 at every drawn coordinate; its sd ratio is 0 by construction
 * and says nothing, so panel (c) leaves it out. */
static int post_point_mass(const post_run *r, size_t shown)
{
    for (size_t i = 0; i < shown && i < r->n_coords; i++)
        if (r->sd[i] != 0.0)
            return 0;
    return 1;
}

static int write_posterior_dat(const plot_data *d, const size_t *order, size_t n_order,
                               const post_run *exact, size_t shown, char *err, size_t errlen)
{
    size_t n_methods = n_order - (exact != NULL);
    double width = 0.8 / (double)(n_methods ? n_methods : 1);
    blr_report_file rf;
    if (blr_report_open(&rf, d->dir, "posterior.dat", err, errlen) != 0)
        return -1;
    if (exact)
        fputs("# z = (mean - exact mean) / exact sd, sd_ratio = sd / exact sd (exact: the "
              "mean-field posterior)\n", rf.f);
    for (size_t k = 0; k < n_order; k++) {
        const post_run *r = &d->post[order[k]];
        /* Each method sits at its own offset within a coordinate's slot, the same in every
         * panel. */
        double offset = r == exact ? 0.0 : ((double)(k - (exact != NULL)) -
                                            0.5 * (double)(n_methods - 1)) * width;
        fprintf(rf.f, "%s# %s seed %ld: index x mean sd%s\n", k ? "\n\n" : "",
                r == exact ? "exact" : d->names.name[r->v], r->seed,
                exact && r != exact ? " z sd_ratio" : "");
        for (size_t i = 0; i < shown && i < r->n_coords; i++) {
            fprintf(rf.f, "%zu %.4f", i, (double)i + offset);
            dat_num(rf.f, r->mean[i]);
            dat_num(rf.f, r->sd[i]);
            if (exact && r != exact) {
                double z, ratio;
                post_vs_exact(r, exact, i, &z, &ratio);
                dat_num(rf.f, z);
                dat_num(rf.f, ratio);
            }
            fputc('\n', rf.f);
        }
    }
    return blr_report_close(&rf, err, errlen);
}

/* Panel (a), the means with ±sd error bars over the exact posterior's grey boxes. Without
 * `titled` the entries stay out of the key (the multiplot has its own key strip). */
static void gp_posterior_means(FILE *f, const plot_data *d, const size_t *order,
                               size_t n_order, int titled)
{
    fputs("plot", f);
    for (size_t k = 0; k < n_order; k++) {
        const post_run *r = &d->post[order[k]];
        fputs(k ? ", \\\n    " : "", f);
        if (r->v < 0) {
            fprintf(f, " 'posterior.dat' index %zu using 1:3:($1-0.45):($1+0.45):($3-$4):"
                       "($3+$4) with boxxyerror fs transparent solid 0.3 noborder "
                       "lc rgb '#888888' %s, \\\n"
                       "     '' index %zu using ($1-0.45):3:(0.9):(0) with vectors nohead "
                       "lc rgb '#444444' lw 1.5 notitle",
                    k, titled ? "title 'exact (mean ± sd)'" : "notitle", k);
        } else {
            fprintf(f, " 'posterior.dat' index %zu using 2:3:4 with yerrorbars lt %d ", k,
                    variant_lt(r->v));
            if (titled) {
                fputs("title ", f);
                gp_str(f, d->names.name[r->v]);
            } else {
                fputs("notitle", f);
            }
        }
    }
    fputc('\n', f);
}

/* A y axis of panel (b) (ratio 0: standardized errors around 0) or (c) (ratio 1: sd ratios
 * around 1). While every value lies near the band the axis is linear and autoscaled around
 * it. One far-off method would squeeze a linear axis and hide everyone else's errors, so then
 * (b) turns to asinh(y / tol), linear within the band and logarithmic beyond, and (c) to a
 * log axis, with explicit ticks (gnuplot's own give none near the band). */
typedef struct {
    int ratio;
    double tol;
    int scaled;     /* asinh or log */
    double lo, hi;  /* the y range when scaled */
    double tick[64];
    int n_ticks;
} post_axis;

static double post_axis_to(const post_axis *a, double y)
{
    return a->ratio ? log(y) : asinh(y / a->tol);
}

static double post_axis_from(const post_axis *a, double u)
{
    return a->ratio ? exp(u) : a->tol * sinh(u);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The reference, the band's edges and twice the tolerance, then 1-2-5 steps beyond (ratios:
 * 2, 5, 10, ... and 1/2, 1/5, ...; errors: ±5 tol, ±10 tol, ...). While two labels would
 * come closer than 1/24 of the axis (~15 px) the finest ticks go: twice the tolerance, then
 * the band's edges (errors: the ladder then starts at ±tol), then all but decades, then all
 * but every second, third... decade. */
static void post_axis_ticks(post_axis *a)
{
    static const double step[3] = {1.0, 2.0, 5.0};
    enum { CAP = sizeof a->tick / sizeof a->tick[0] };
    double ref = a->ratio ? 1.0 : 0.0, span = post_axis_to(a, a->hi) - post_axis_to(a, a->lo);
    for (int level = 0;; level++) {
        int near = level < 2 ? 2 - level : 0, every = level < 3 ? 0 : level - 2;
        int first = every ? 0 : a->ratio ? 1 : near ? 2 : 0; /* ladder step i: see below */
        int n = 0;
        a->tick[n++] = ref;
        for (int k = -near; k <= near; k++)
            if (k != 0 && ref + k * a->tol >= a->lo && ref + k * a->tol <= a->hi)
                a->tick[n++] = ref + k * a->tol;
        for (int side = -1; side <= 1; side += 2)
            for (int i = first; n < CAP; i++) {
                if (every && (i % 3 != 0 || (i / 3) % every != 0 || (every > 1 && i == 0)))
                    continue;
                double m = step[i % 3] * pow(10.0, i / 3); /* 1, 2, 5, 10, 20, ... */
                double y = a->ratio ? pow(m, side) : side * a->tol * m;
                if (y == ref)
                    continue;
                if (!(y >= a->lo && y <= a->hi))
                    break;
                a->tick[n++] = y;
            }
        a->n_ticks = n;
        qsort(a->tick, (size_t)n, sizeof a->tick[0], cmp_double);
        int crowded = n == CAP;
        for (int k = 1; k < n && !crowded; k++)
            crowded = post_axis_to(a, a->tick[k]) - post_axis_to(a, a->tick[k - 1]) < span / 24;
        if (!crowded || n <= 3)
            return;
    }
}

/* The smallest of 1, 2, 5 times a power of ten that is >= m > 0. */
static double ceil_125(double m)
{
    double p = pow(10.0, floor(log10(m))), f = m / p;
    return (f <= 1.0 ? 1.0 : f <= 2.0 ? 2.0 : f <= 5.0 ? 5.0 : 10.0) * p;
}

/* Fits the axis to the finite values in [dmin, dmax] (dmin > dmax: none). */
static void post_axis_fit(post_axis *a, double dmin, double dmax)
{
    double ref = a->ratio ? 1.0 : 0.0;
    if (dmin > dmax)
        dmin = dmax = ref;
    /* Past these no point is worth an axis; keeps the range and its ticks finite. */
    dmin = fmax(dmin, a->ratio ? 1e-100 : -1e100);
    dmax = fmin(dmax, 1e100);
    /* Within these the band keeps at least ~a tenth of the panel's height. */
    a->scaled = a->ratio ? dmin < 0.5 || dmax > 2.0 : dmin < -10 * a->tol || dmax > 10 * a->tol;
    if (!a->scaled)
        return;
    /* Out to the next 1-2-5 tick past the data, so that the outermost points are labelled. */
    double lo = ref - 2 * a->tol, hi = ref + 2 * a->tol;
    if (dmin < lo)
        lo = a->ratio ? 1.0 / ceil_125(1.0 / dmin) : -a->tol * ceil_125(-dmin / a->tol);
    if (dmax > hi)
        hi = a->ratio ? ceil_125(dmax) : a->tol * ceil_125(dmax / a->tol);
    lo = post_axis_to(a, lo);
    hi = post_axis_to(a, hi);
    a->lo = post_axis_from(a, lo - 0.04 * (hi - lo));
    a->hi = post_axis_from(a, hi + 0.04 * (hi - lo));
    post_axis_ticks(a);
}

static void gp_post_axis(FILE *f, const post_axis *a)
{
    double ref = a->ratio ? 1.0 : 0.0;
    if (!a->scaled) {
        fprintf(f, "set yrange [*<%g:%g<*]\n", ref - 2 * a->tol, ref + 2 * a->tol);
        return;
    }
    if (a->ratio)
        fputs("set logscale y\n", f);
    else
        fprintf(f, "set nonlinear y via asinh(y/%g) inverse %g*sinh(y)\n", a->tol, a->tol);
    fprintf(f, "set yrange [%.6g:%.6g]\nset format y \"%%g\"\nset ytics (", a->lo, a->hi);
    for (int k = 0; k < a->n_ticks; k++)
        fprintf(f, "%s%.6g", k ? ", " : "", a->tick[k]);
    fputs(")\n", f);
}

/* Panels (b) and (c): column col of every variant's block as points, over the tolerance band
 * and a line at the reference. */
static void gp_posterior_errors(FILE *f, const plot_data *d, const size_t *order,
                                size_t n_order, const post_axis *a, int col,
                                int skip_point_masses, size_t shown)
{
    double ref = a->ratio ? 1.0 : 0.0;
    gp_post_axis(f, a);
    fprintf(f, "set object 1 rectangle from graph 0, first %g to graph 1, first %g behind "
               "fc rgb '#888888' fs transparent solid 0.25 noborder\n"
               "plot %g with lines lc rgb '#444444' lw 1.5 notitle",
            ref - a->tol, ref + a->tol, ref);
    for (size_t k = 0; k < n_order; k++) {
        const post_run *r = &d->post[order[k]];
        if (r->v < 0 || (skip_point_masses && post_point_mass(r, shown)))
            continue;
        fprintf(f, ", \\\n     'posterior.dat' index %zu using 2:%d with points lt %d notitle",
                k, col, variant_lt(r->v));
    }
    fputs("\nunset object 1\nunset logscale y\nunset nonlinear y\nset ytics autofreq\n"
          "set format y\n", f);
}

/* Panels (b) and (c) below panel (a), side by side down to screen height bottom; order[0]
 * is the exact posterior. */
static void gp_posterior_vs_exact(FILE *f, const plot_data *d, const size_t *order,
                                  size_t n_order, size_t shown, double bottom)
{
    const post_run *exact = &d->post[order[0]];
    post_axis za = {.ratio = 0, .tol = POST_MEAN_TOL}, ra = {.ratio = 1, .tol = POST_SD_TOL};
    double zmin = INFINITY, zmax = -INFINITY, rmin = INFINITY, rmax = -INFINITY;
    int n_point_masses = 0;
    for (size_t k = 1; k < n_order; k++) {
        const post_run *r = &d->post[order[k]];
        int point_mass = post_point_mass(r, shown);
        n_point_masses += point_mass;
        for (size_t i = 0; i < shown && i < r->n_coords; i++) {
            double z, ratio;
            post_vs_exact(r, exact, i, &z, &ratio);
            if (isfinite(z)) {
                zmin = fmin(zmin, z);
                zmax = fmax(zmax, z);
            }
            /* A log axis cannot show a ratio of 0 (a coordinate with sd 0). */
            if (!point_mass && isfinite(ratio) && ratio > 0.0) {
                rmin = fmin(rmin, ratio);
                rmax = fmax(rmax, ratio);
            }
        }
    }
    post_axis_fit(&za, zmin, zmax);
    post_axis_fit(&ra, rmin, rmax);
    fprintf(f, "set tmargin at screen 0.52\nset bmargin at screen %.3f\n"
               "set lmargin at screen 0.08\nset rmargin at screen 0.48\n"
               "set title '(b) standardized mean error (band: ±%g%s)'\n"
               "set ylabel \"(mean − exact mean) / exact sd\"\n",
            bottom, POST_MEAN_TOL, za.scaled ? "; asinh axis, linear within the band" : "");
    gp_posterior_errors(f, d, order, n_order, &za, 5, 0, shown);
    fprintf(f, "set lmargin at screen 0.58\nset rmargin at screen 0.98\n"
               "set title '(c) sd ratio (band: ±%g %%%s)%s'\nset ylabel \"sd / exact sd\"\n",
            100 * POST_SD_TOL, ra.scaled ? "; log axis" : "",
            n_point_masses ? ", point masses omitted" : "");
    gp_posterior_errors(f, d, order, n_order, &ra, 6, 1, shown);
}

static int write_posterior_figure(plot_data *d, char *err, size_t errlen)
{
    /* The exact posterior first (drawn underneath), then the variants in order. */
    size_t *order = malloc(d->n_post * sizeof *order), n_order = 0;
    if (!order) {
        snprintf(err, errlen, "error: out of memory");
        return -1;
    }
    for (size_t i = 0; i < d->n_post; i++)
        if (d->post[i].v < 0)
            order[n_order++] = i;
    const post_run *exact = n_order ? &d->post[order[0]] : NULL;
    for (size_t v = 0; v < d->names.n; v++)
        for (size_t i = 0; i < d->n_post; i++)
            if (d->post[i].v == (int)v)
                order[n_order++] = i;
    size_t n_coords = 0, n_methods = n_order - (exact != NULL);
    long seed = -1;
    int same_seed = 1;
    for (size_t k = 0; k < n_order; k++) {
        const post_run *r = &d->post[order[k]];
        if (r->n_coords > n_coords)
            n_coords = r->n_coords;
        if (r->v >= 0) {
            same_seed &= seed < 0 || r->seed == seed;
            seed = r->seed;
        }
    }
    size_t shown = n_coords < POST_MAX_COORDS ? n_coords : POST_MAX_COORDS;
    int rc = write_posterior_dat(d, order, n_order, exact, shown, err, errlen);
    blr_report_file rf;
    if (rc == 0)
        rc = blr_report_open(&rf, d->dir, "posterior.gp", err, errlen);
    if (rc != 0) {
        free(order);
        return -1;
    }
    FILE *f = rf.f;
    int key_rows = (int)(n_methods + 1 + POST_KEY_COLS - 1) / POST_KEY_COLS;
    int height = exact ? 900 : 520;
    gp_preamble(f, "posterior",
                exact ? "Posterior per coordinate against the exact (mean-field) posterior: (a) "
                        "each method's mean ± sd (error bars, offset per method), grey box: the "
                        "exact mean ± sd; (b) (mean − exact mean) / exact sd; (c) sd / exact "
                        "sd. Grey bands: the tolerances of the exact-posterior tests."
                      : "Posterior per coordinate: each method's mean ± sd (error bars, offset "
                        "per method).",
                1000, height);
    char title[200];
    int at = snprintf(title, sizeof title, "%sposterior mean ± sd per coordinate",
                      exact ? "(a) " : "");
    if (same_seed && seed >= 0)
        at += snprintf(title + at, sizeof title - (size_t)at, ", seed %ld", seed);
    else if (seed >= 0)
        at += snprintf(title + at, sizeof title - (size_t)at, ", smallest seed per method");
    if (shown < n_coords)
        snprintf(title + at, sizeof title - (size_t)at, " (first %zu of %zu coordinates)",
                 shown, n_coords);
    if (exact)
        fprintf(f, "set multiplot\nunset key\nset lmargin at screen 0.08\n"
                   "set rmargin at screen 0.98\nset tmargin at screen 0.96\n"
                   "set bmargin at screen 0.61\n");
    else
        fputs("set key outside right top vertical Left reverse\n", f);
    /* Autoscaled y ranges leave room so that no point sits on the frame. */
    fprintf(f, "set title '%s'\nset xlabel \"coordinate index\"\n"
               "set ylabel \"posterior mean ± sd\"\nset xrange [-0.6:%.1f]\nset xtics 1\n"
               "set offsets 0, 0, graph 0.05, graph 0.05\n",
            title, (double)shown - 0.4);
    if (shown > 20)
        fputs("set xtics 5\nset mxtics 5\n", f);
    gp_posterior_means(f, d, order, n_order, !exact);
    if (exact) {
        gp_posterior_vs_exact(f, d, order, n_order, shown, (64.0 + 18.0 * key_rows) / height);
        gp_key_strip(f, height, key_rows);
        fputs(" 2 with filledcurves y1=3 fs transparent solid 0.3 noborder lc rgb '#888888' "
              "title 'exact (mean ± sd)'", f);
        for (size_t k = 1; k < n_order; k++) {
            int v = d->post[order[k]].v;
            fprintf(f, ", \\\n     2 with linespoints lt %d title ", variant_lt(v));
            gp_str(f, d->names.name[v]);
        }
        fputs("\nunset multiplot\n", f);
    }
    gp_end(f);
    free(order);
    return blr_report_close(&rf, err, errlen);
}

/* ---- running gnuplot --------------------------------------------------------------------- */

/* The PATH search happens here, before fork: the child may only make async-signal-safe
 * calls, which execv is and execvp is not. Returns 0 with the program's path in exe. */
static int find_gnuplot(char *exe, size_t len)
{
    const char *path = getenv("PATH");
    while (path && *path) {
        size_t n = strcspn(path, ":");
        snprintf(exe, len, "%.*s/gnuplot", n ? (int)n : 1, n ? path : ".");
        if (access(exe, X_OK) == 0)
            return 0;
        path += n + (path[n] == ':');
    }
    return -1;
}

/* Runs `gnuplot <fig>.gp` with dir as the working directory; on failure err holds gnuplot's
 * first complaint. */
static int run_gnuplot(const char *exe, const char *dir, const char *fig, char *err,
                       size_t errlen)
{
    char script[64];
    snprintf(script, sizeof script, "%s.gp", fig);
    int fd[2];
    if (pipe(fd) != 0) {
        snprintf(err, errlen, "error: cannot run gnuplot: pipe: %s", strerror(errno));
        return -1;
    }
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(err, errlen, "error: cannot run gnuplot: fork: %s", strerror(errno));
        close(fd[0]);
        close(fd[1]);
        return -1;
    }
    if (pid == 0) {
        /* Only async-signal-safe calls between fork and exec. gnuplot's stdout is not ours
         * to use (the library never prints to stdout); its stderr comes back through the
         * pipe for the error message. */
        int null = open("/dev/null", O_RDWR);
        if (null >= 0) {
            dup2(null, 0);
            dup2(null, 1);
        }
        dup2(fd[1], 2);
        close(fd[0]);
        if (chdir(dir) != 0)
            _exit(126);
        char *const argv[] = {"gnuplot", script, NULL};
        execv(exe, argv);
        _exit(127);
    }
    close(fd[1]);
    char msg[400];
    size_t used = 0;
    ssize_t got;
    char sink[512];
    while ((got = read(fd[0], sink, sizeof sink)) != 0) {
        if (got < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        size_t take = (size_t)got < sizeof msg - 1 - used ? (size_t)got : sizeof msg - 1 - used;
        memcpy(msg + used, sink, take);
        used += take;
    }
    close(fd[0]);
    msg[used] = '\0';
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) {
            snprintf(err, errlen, "error: waiting for gnuplot: %s", strerror(errno));
            return -1;
        }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return 0;
    /* gnuplot's message spans lines (the line, a caret, the reason); keep it on one. */
    for (char *p = msg; *p; p++)
        if (*p == '\n' || *p == '\r' || *p == '\t')
            *p = ' ';
    if (WIFEXITED(status) && WEXITSTATUS(status) == 126)
        snprintf(err, errlen, "%s: error: cannot enter the directory to run gnuplot", dir);
    else if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
        snprintf(err, errlen, "error: cannot execute gnuplot (install gnuplot-nox)");
    else if (WIFEXITED(status))
        snprintf(err, errlen, "%s/%s: error: gnuplot exited with status %d: %s", dir, script,
                 WEXITSTATUS(status), msg);
    else
        snprintf(err, errlen, "%s/%s: error: gnuplot killed by signal %d", dir, script,
                 WIFSIGNALED(status) ? WTERMSIG(status) : 0);
    return -1;
}

/* ---- entry point ------------------------------------------------------------------------- */

static size_t n_rows(const plot_data *d, blr_figure id)
{
    /* Curves of runs that diverged in their first epoch have nothing gnuplot could draw. */
    return id == BLR_FIGURE_CURVES        ? d->n_curve_finite
           : id == BLR_FIGURE_RELIABILITY ? d->n_rel
                                          : d->n_post;
}

typedef int (*figure_loader)(plot_data *, char *, size_t);
typedef int (*figure_writer)(plot_data *, char *, size_t);

int blr_report_plot(const char *dir, unsigned figures, char *err, size_t errlen)
{
    static const struct {
        blr_figure id;
        const char *needs;
        figure_loader load;
        figure_writer write;
    } drawn[] = {
        {BLR_FIGURE_CURVES, "curves.csv", load_curves, write_curves_figure},
        {BLR_FIGURE_RELIABILITY, "reliability.csv", load_reliability,
         write_reliability_figure},
        {BLR_FIGURE_POSTERIOR, "posterior/*.csv", load_posterior, write_posterior_figure},
    };
    enum { N_DRAWN = sizeof drawn / sizeof drawn[0] };
    unsigned known = 0;
    for (int k = 0; k < N_DRAWN; k++)
        known |= 1u << drawn[k].id;
    if (figures & ~known) {
        int b = 0;
        while (!((figures & ~known) >> b & 1u))
            b++;
        snprintf(err, errlen, "error: figure '%s' is not drawn by this version (drawn: "
                 "curves, reliability, posterior)",
                 b < BLR_FIGURE_COUNT ? blr_figure_name((blr_figure)b) : "?");
        return -1;
    }
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "%s: error: not a results directory", dir);
        return -1;
    }
    plot_data d = {.dir = dir};
    int rc = load_runs(&d, err, errlen) < 0 ? -1 : 0;
    int ready[N_DRAWN] = {0}, n_ready = 0;
    for (int k = 0; k < N_DRAWN && rc == 0; k++) {
        int asked = (figures >> drawn[k].id) & 1u;
        if (figures && !asked)
            continue;
        int lr = drawn[k].load(&d, err, errlen);
        size_t rows = n_rows(&d, drawn[k].id);
        if (lr < 0)
            rc = -1;
        else if (lr == 0 && rows > 0)
            ready[k] = 1, n_ready++;
        else if (asked) {
            snprintf(err, errlen, "%s/%s: error: figure '%s' has no data (%s)", dir,
                     drawn[k].needs, blr_figure_name(drawn[k].id),
                     lr == 1 ? "no such file" : "no rows with values");
            rc = -1;
        }
    }
    if (rc == 0 && n_ready == 0) {
        snprintf(err, errlen, "%s: error: nothing to draw: no curves.csv, reliability.csv or "
                 "posterior/*.csv with data", dir);
        rc = -1;
    }
    char exe[BLR_PATH_LEN + 16];
    if (rc == 0 && find_gnuplot(exe, sizeof exe) != 0) {
        snprintf(err, errlen, "error: gnuplot not found in PATH; the figures need it "
                 "(Debian: apt-get install gnuplot-nox)");
        rc = -1;
    }
    for (int k = 0; k < N_DRAWN && rc == 0; k++)
        if (ready[k]) {
            rc = drawn[k].write(&d, err, errlen);
            if (rc == 0)
                rc = run_gnuplot(exe, dir, blr_figure_name(drawn[k].id), err, errlen);
        }
    plot_data_free(&d);
    return rc;
}
