/* Run records, checkpoints (lib/run/record.h) and the planning of jobs and shards (lib/run/jobs.h). */
#include <criterion/criterion.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "files.h"
#include "jobs.h"
#include "record.h"
#include "registry.h"

static char *tmpdir(void)
{
    static char d[64];
    snprintf(d, sizeof d, "/tmp/blr-record-XXXXXX");
    cr_assert_not_null(mkdtemp(d));
    return d;
}

static void clean(const char *d)
{
    char err[256];
    cr_assert_eq(blr_files_remove_tree(d, err, sizeof err), 0, "%s", err);
}

/* Doubles come back to the bit, NAN and the infinities included. */
Test(record, round_trip_is_exact)
{
    char *d = tmpdir(), err[512];
    blr_run_result res = {.variant = "affine-lr0.1", .rule = "lie-affine", .base = "laplace",
                          .seed = -3, .status = BLR_STATUS_DIVERGED, .epochs = 2,
                          .train_seconds = 1.0 / 3.0, .objective = INFINITY,
                          .posterior_sd_median = NAN, .invalid_updates = 1234567890123L,
                          .peak_rss_mib = 12.5, .rss_bound_mib = -INFINITY};
    for (int i = 0; i < BLR_METRIC_COUNT; i++)
        res.metric[i] = i % 3 ? 0.1 * i + 1e-300 : NAN;
    blr_curve_row c[2] = {{"affine-lr0.1", -3, 1, 0.7, 0.5, 1.25, 0.01, 2.0, 0.1 / 3},
                          {"affine-lr0.1", -3, 2, NAN, NAN, NAN, NAN, 4.0, NAN}};
    blr_reliability rel = {.variant = "affine-lr0.1", .seed = -3, .bins = 3,
                           .conf = {0.1, 0.5, 0.9}, .acc = {0.2, 0.4, 1.0 / 7.0},
                           .count = {1, 0, 99}};
    cr_assert_eq(blr_record_write(d, &res, c, 2, &rel, err, sizeof err), 0, "%s", err);
    blr_run_result back;
    blr_curve_row cb[4];
    blr_reliability rb;
    int n, has;
    cr_assert_eq(blr_record_read(d, &back, cb, 4, &n, &rb, &has, err, sizeof err), 0, "%s",
                 err);
    cr_assert_eq(n, 2);
    cr_assert_eq(has, 1);
    cr_assert_str_eq(back.variant, res.variant);
    cr_assert_str_eq(back.base, "laplace");
    cr_assert_eq(back.seed, -3);
    cr_assert_eq(back.status, BLR_STATUS_DIVERGED);
    cr_assert_eq(back.invalid_updates, res.invalid_updates);
    cr_assert_eq(back.train_seconds, res.train_seconds);
    cr_assert(isinf(back.objective) && back.objective > 0);
    cr_assert(isnan(back.posterior_sd_median));
    cr_assert(isinf(back.rss_bound_mib) && back.rss_bound_mib < 0);
    for (int i = 0; i < BLR_METRIC_COUNT; i++)
        cr_assert(isnan(res.metric[i]) ? isnan(back.metric[i]) : back.metric[i] == res.metric[i]);
    cr_assert_str_eq(cb[0].variant, c[0].variant);
    cr_assert(cb[0].seed == -3 && cb[0].epoch == 1 && cb[0].train_loss == 0.7 &&
              cb[0].acc == 0.5 && cb[0].nll == 1.25 && cb[0].ece == 0.01 && cb[0].seconds == 2 &&
              cb[0].posterior_sd_median == 0.1 / 3);
    cr_assert(isnan(cb[1].acc) && cb[1].seconds == 4.0 && cb[1].epoch == 2 &&
              isnan(cb[1].posterior_sd_median));
    cr_assert_eq(rb.bins, 3);
    cr_assert_eq(rb.acc[2], rel.acc[2]);
    cr_assert_eq(rb.count[2], 99);
    /* Without the diagram; and the curves and diagram not asked for. */
    cr_assert_eq(blr_record_write(d, &res, c, 1, NULL, err, sizeof err), 0, "%s", err);
    cr_assert_eq(blr_record_read(d, &back, NULL, 0, &n, NULL, &has, err, sizeof err), 0, "%s",
                 err);
    cr_assert_eq(blr_record_read(d, &back, cb, 4, &n, &rb, &has, err, sizeof err), 0);
    cr_assert(n == 1 && has == 0);
    clean(d);
}

Test(record, a_damaged_record_is_refused)
{
    char *d = tmpdir(), err[512], p[128];
    snprintf(p, sizeof p, "%s/result.csv", d);
    static const char *const bad[] = {
        "", "blr-record 1\n", "blr-record 2\nresult,a,sgd,dirac,0,0,1\n",
        "blr-record 1\nresult,a,sgd,dirac,0,9,1,0x1p+0\n",
        "blr-record 1\ncurve,a,0,1,0,0,0,0,0\n",       /* no result */
        "blr-record 1\nresult,a,sgd,dirac,0,0,1,x\n", /* not a number */
        "blr-record 1\nwhat,ever\n",
    };
    blr_run_result r;
    blr_curve_row c[2];
    int n, has;
    for (size_t k = 0; k < sizeof bad / sizeof *bad; k++) {
        FILE *f = fopen(p, "w");
        fputs(bad[k], f);
        fclose(f);
        cr_assert_eq(blr_record_read(d, &r, c, 2, &n, NULL, &has, err, sizeof err), -1, "%zu", k);
        cr_assert(strstr(err, "not a run record"), "%s", err);
    }
    clean(d);
    cr_assert_eq(blr_record_read(d, &r, c, 2, &n, NULL, &has, err, sizeof err), -1);
    cr_assert(strstr(err, "cannot read"), "%s", err);
}

Test(record, pack_and_unpack_a_directory)
{
    char *d = tmpdir(), err[512], src[128], dst[128];
    snprintf(src, sizeof src, "%s/src", d);
    snprintf(dst, sizeof dst, "%s/dst", d);
    blr_run_result res = {.variant = "v", .rule = "sgd", .base = "dirac"};
    cr_assert_eq(blr_record_write(src, &res, NULL, 0, NULL, err, sizeof err), 0, "%s", err);
    float mean[3] = {1, 2, 3}, sd[3] = {0, 0.5f, 1};
    cr_assert_eq(blr_report_write_posterior(src, "v", 0, mean, sd, 3, err, sizeof err), 0);
    char *buf;
    size_t len;
    cr_assert_eq(blr_record_pack(src, &buf, &len, err, sizeof err), 0, "%s", err);
    cr_assert_eq(blr_record_unpack(buf, len, dst, err, sizeof err), 0, "%s", err);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "diff -r %s %s", src, dst);
    cr_assert_eq(system(cmd), 0);
    /* A truncated buffer and a path leaving the directory are refused. */
    cr_assert_eq(blr_record_unpack(buf, len - 1, dst, err, sizeof err), -1);
    cr_assert(strstr(err, "malformed"), "%s", err);
    char evil[64];
    uint32_t plen = 8;
    uint64_t size = 0;
    memcpy(evil, &plen, 4);
    memcpy(evil + 4, "../x.csv", 8);
    memcpy(evil + 12, &size, 8);
    cr_assert_eq(blr_record_unpack(evil, 20, dst, err, sizeof err), -1);
    cr_assert(strstr(err, "malformed"), "%s", err);
    free(buf);
    clean(d);
}

static blr_method *make_affine(size_t n, float start)
{
    blr_method_cfg cfg;
    blr_method_cfg_defaults(&cfg);
    snprintf(cfg.rule, sizeof cfg.rule, "lie-affine");
    float *w = malloc(n * sizeof *w);
    for (size_t i = 0; i < n; i++)
        w[i] = start + (float)i;
    blr_method *m;
    char err[256];
    cr_assert_eq(blr_method_create(&m, &cfg, n, w, w, err, sizeof err), 0, "%s", err);
    free(w);
    return m;
}

Test(record, checkpoint_round_trip_and_mismatch)
{
    char *d = tmpdir(), err[512], p[128];
    snprintf(p, sizeof p, "%s/v-s0.ckpt", d);
    blr_method *m = make_affine(10, 1.0f);
    blr_checkpoint ck = {.epoch = 3, .row = 150, .step = 42, .loss_sum = 0.25, .seconds = 7,
                         .invalid_updates = 5, .threads = 2, .n_curves = 2};
    blr_rng_init(&ck.noise, 1, BLR_RNG_TEST, 9);
    blr_rng_next(&ck.noise);
    blr_curve_row c[2] = {{"v", 0, 1, 1, 2, 3, 4, 5, 0.5}, {"v", 0, 2, 6, 7, 8, 9, 10, 0.25}};
    cr_assert_eq(blr_checkpoint_save(p, &ck, c, m, err, sizeof err), 0, "%s", err);
    blr_method *m2 = make_affine(10, -5.0f);
    blr_checkpoint back;
    blr_curve_row cb[3];
    cr_assert_eq(blr_checkpoint_load(p, &back, cb, 3, m2, err, sizeof err), 0, "%s", err);
    cr_assert_eq(memcmp(&back, &ck, sizeof ck), 0);
    cr_assert_eq(memcmp(cb, c, sizeof c), 0);
    float a[10], b[10];
    m->ops->mean(m, a);
    m2->ops->mean(m2, b);
    cr_assert_eq(memcmp(a, b, sizeof a), 0);
    /* Too many curve rows for the run, another size, another run's file, no file. */
    cr_assert_eq(blr_checkpoint_load(p, &back, cb, 1, m2, err, sizeof err), -1);
    blr_method *m3 = make_affine(11, 0.0f);
    cr_assert_eq(blr_checkpoint_load(p, &back, cb, 3, m3, err, sizeof err), -1);
    cr_assert(strstr(err, "not a checkpoint of this run"), "%s", err);
    char other[160];
    snprintf(other, sizeof other, "%s/w-s0.ckpt", d);
    cr_assert_eq(rename(p, other), 0);
    cr_assert_eq(blr_checkpoint_load(other, &back, cb, 3, m2, err, sizeof err), -1);
    cr_assert_eq(blr_checkpoint_load(p, &back, cb, 3, m2, err, sizeof err), 1);
    blr_method_free(m);
    blr_method_free(m2);
    blr_method_free(m3);
    clean(d);
}

Test(jobs_plan, cores_go_to_runs_first)
{
    int j, t;
    blr_jobs_plan(2, 12, 0, 0, &j, &t);
    cr_assert(j == 2 && t == 1);
    blr_jobs_plan(2, 1, 0, 0, &j, &t);
    cr_assert(j == 1 && t == 2);
    blr_jobs_plan(8, 3, 0, 0, &j, &t);
    cr_assert(j == 3 && t == 2);
    blr_jobs_plan(8, 12, 2, 0, &j, &t);
    cr_assert(j == 4 && t == 2);
    blr_jobs_plan(8, 12, 0, 3, &j, &t);
    cr_assert(j == 3 && t == 2);
    blr_jobs_plan(2, 12, 4, 0, &j, &t);
    cr_assert(j == 1 && t == 4);
    blr_jobs_plan(2, 12, 1, 5, &j, &t);
    cr_assert(j == 5 && t == 1);
}

/* Every run in exactly one slice, slices balanced within the largest run's cost, the same
 * slices every time. */
Test(jobs_plan, shards_are_balanced_partitions)
{
    enum { N = 37 };
    double cost[N];
    for (int i = 0; i < N; i++)
        cost[i] = 1.0 + (i * 7919 % 13);
    for (int shards = 1; shards <= 9; shards++) {
        int of[N], again[N];
        double load[10] = {0};
        blr_jobs_shards(cost, N, shards, of);
        blr_jobs_shards(cost, N, shards, again);
        cr_assert_eq(memcmp(of, again, sizeof of), 0);
        for (int i = 0; i < N; i++) {
            cr_assert(of[i] >= 1 && of[i] <= shards);
            load[of[i]] += cost[i];
        }
        double lo = 1e300, hi = 0;
        for (int s = 1; s <= shards; s++) {
            lo = fmin(lo, load[s]);
            hi = fmax(hi, load[s]);
        }
        cr_assert_leq(hi - lo, 13.0, "%d shards: loads from %g to %g", shards, lo, hi);
    }
}
