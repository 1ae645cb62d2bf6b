/* The posterior figure of a regression experiment (means and sds of q per coordinate). */
#include "plot.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

static int load_post_file(blr_plot_data *d, const char *file, blr_plot_post_run *run, char *err,
                          size_t errlen)
{
    static const char *const cols[] = {"index", "mean", "sd"};
    char name[BLR_NAME_LEN + 300];
    snprintf(name, sizeof name, "posterior/%s", file);
    blr_plot_csv c;
    int rc = blr_plot_csv_open(&c, d->dir, name, cols, 3, err, errlen);
    if (rc == 1) {
        snprintf(err, errlen, "%s/%s: error: disappeared while reading", d->dir, name);
        return -1;
    }
    if (rc != 0)
        return -1;
    for (int k = 0; k < POST_MAX_COORDS; k++)
        run->mean[k] = run->sd[k] = NAN;
    run->n_coords = 0;
    while ((rc = blr_plot_csv_next(&c, err, errlen)) == 1) {
        long idx;
        double mean, sd;
        if (blr_plot_csv_long(&c, 0, 0, &idx, err, errlen) != 0 ||
            blr_plot_csv_double(&c, 1, &mean, err, errlen) != 0 ||
            blr_plot_csv_double(&c, 2, &sd, err, errlen) != 0) {
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
    blr_plot_csv_close(&c);
    return rc;
}

/* Keeps, per variant, the file of the smallest seed. Returns 0, 1 when posterior/ is
 * missing or holds no posterior file, -1 on error. */
int blr_plot_load_posterior(blr_plot_data *d, char *err, size_t errlen)
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
            if (blr_plot_grow((void **)&picks, &cap, n_picks, sizeof *picks) != 0) {
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
        if (blr_plot_grow((void **)&d->post, &d->cap_post, d->n_post, sizeof *d->post) != 0) {
            snprintf(err, errlen, "error: out of memory");
            rc = -1;
            break;
        }
        blr_plot_post_run *run = &d->post[d->n_post];
        run->seed = picks[k].seed;
        if (strcmp(picks[k].variant, "exact") == 0) {
            run->v = -1;
        } else {
            size_t v = 0;
            while (v < d->names.n && strcmp(d->names.name[v], picks[k].variant) != 0)
                v++;
            if (v == d->names.n) {
                if (blr_plot_grow((void **)&d->names.name, &d->names.cap, d->names.n,
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
static void post_vs_exact(const blr_plot_post_run *r, const blr_plot_post_run *exact, size_t i, double *z,
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
static int post_point_mass(const blr_plot_post_run *r, size_t shown)
{
    for (size_t i = 0; i < shown && i < r->n_coords; i++)
        if (r->sd[i] != 0.0)
            return 0;
    return 1;
}

static int write_posterior_dat(const blr_plot_data *d, const size_t *order, size_t n_order,
                               const blr_plot_post_run *exact, size_t shown, char *err, size_t errlen)
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
        const blr_plot_post_run *r = &d->post[order[k]];
        /* Each method sits at its own offset within a coordinate's slot, the same in every
         * panel. */
        double offset = r == exact ? 0.0 : ((double)(k - (exact != NULL)) -
                                            0.5 * (double)(n_methods - 1)) * width;
        fprintf(rf.f, "%s# %s seed %ld: index x mean sd%s\n", k ? "\n\n" : "",
                r == exact ? "exact" : d->names.name[r->v], r->seed,
                exact && r != exact ? " z sd_ratio" : "");
        for (size_t i = 0; i < shown && i < r->n_coords; i++) {
            fprintf(rf.f, "%zu %.4f", i, (double)i + offset);
            blr_plot_dat_num(rf.f, r->mean[i]);
            blr_plot_dat_num(rf.f, r->sd[i]);
            if (exact && r != exact) {
                double z, ratio;
                post_vs_exact(r, exact, i, &z, &ratio);
                blr_plot_dat_num(rf.f, z);
                blr_plot_dat_num(rf.f, ratio);
            }
            fputc('\n', rf.f);
        }
    }
    return blr_report_close(&rf, err, errlen);
}

/* Panel (a), the means with ±sd error bars over the exact posterior's grey boxes. Without
 * `titled` the entries stay out of the key (the multiplot has its own key strip). */
static void gp_posterior_means(FILE *f, const blr_plot_data *d, const size_t *order,
                               size_t n_order, int titled)
{
    fputs("plot", f);
    for (size_t k = 0; k < n_order; k++) {
        const blr_plot_post_run *r = &d->post[order[k]];
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
                    blr_plot_lt(r->v));
            if (titled) {
                fputs("title ", f);
                blr_plot_gp_str(f, d->names.name[r->v]);
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
static void gp_posterior_errors(FILE *f, const blr_plot_data *d, const size_t *order,
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
        const blr_plot_post_run *r = &d->post[order[k]];
        if (r->v < 0 || (skip_point_masses && post_point_mass(r, shown)))
            continue;
        fprintf(f, ", \\\n     'posterior.dat' index %zu using 2:%d with points lt %d notitle",
                k, col, blr_plot_lt(r->v));
    }
    fputs("\nunset object 1\nunset logscale y\nunset nonlinear y\nset ytics autofreq\n"
          "set format y\n", f);
}

/* Panels (b) and (c) below panel (a), side by side down to screen height bottom; order[0]
 * is the exact posterior. */
static void gp_posterior_vs_exact(FILE *f, const blr_plot_data *d, const size_t *order,
                                  size_t n_order, size_t shown, double bottom)
{
    const blr_plot_post_run *exact = &d->post[order[0]];
    post_axis za = {.ratio = 0, .tol = POST_MEAN_TOL}, ra = {.ratio = 1, .tol = POST_SD_TOL};
    double zmin = INFINITY, zmax = -INFINITY, rmin = INFINITY, rmax = -INFINITY;
    int n_point_masses = 0;
    for (size_t k = 1; k < n_order; k++) {
        const blr_plot_post_run *r = &d->post[order[k]];
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

int blr_plot_posterior(blr_plot_data *d, char *err, size_t errlen)
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
    const blr_plot_post_run *exact = n_order ? &d->post[order[0]] : NULL;
    for (size_t v = 0; v < d->names.n; v++)
        for (size_t i = 0; i < d->n_post; i++)
            if (d->post[i].v == (int)v)
                order[n_order++] = i;
    size_t n_coords = 0, n_methods = n_order - (exact != NULL);
    long seed = -1;
    int same_seed = 1;
    for (size_t k = 0; k < n_order; k++) {
        const blr_plot_post_run *r = &d->post[order[k]];
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
    blr_plot_gp_preamble(f, "posterior",
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
        blr_plot_gp_key_strip(f, height, key_rows);
        fputs(" 2 with filledcurves y1=3 fs transparent solid 0.3 noborder lc rgb '#888888' "
              "title 'exact (mean ± sd)'", f);
        for (size_t k = 1; k < n_order; k++) {
            int v = d->post[order[k]].v;
            fprintf(f, ", \\\n     2 with linespoints lt %d title ", blr_plot_lt(v));
            blr_plot_gp_str(f, d->names.name[v]);
        }
        fputs("\nunset multiplot\n", f);
    }
    blr_plot_gp_end(f);
    free(order);
    return blr_report_close(&rf, err, errlen);
}

