/* Experiment files (lib/io/config.h): good files load with the values written and the documented
 * defaults; list-valued method keys expand into variants; profiles deep-merge; csv paths
 * resolve against the file; and every class of bad input is rejected with status 2 and
 * "FILE:LINE:COL: error: message" at the offending node.
 *
 * Fixtures are written into a fresh mkdtemp directory per test. Every expected LINE:COL is
 * counted by hand from the fixture text next to it (1-based; flow-mapping columns are spelled
 * out in the comments). The standard data sets are faked: BLR_FASHION_DIR and BLR_DATA_DIR
 * point into the temp directory, where empty files stand in for the IDX files (config only
 * checks that they exist). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "data.h"

#define CFG_PATH 700
#define CFG_MAX_FILES 64

/* Each Criterion test runs in its own process, so this per-test state is private to it. */
static char cfg_dir[64];
static char cfg_files[CFG_MAX_FILES][CFG_PATH];
static int cfg_n_files;
static char cfg_yaml[CFG_PATH];
static char cfg_err[1024];
static blr_experiment cfg_ex;

static void cfg_track(const char *path)
{
    for (int i = 0; i < cfg_n_files; i++)
        if (strcmp(cfg_files[i], path) == 0)
            return;
    cr_assert_lt(cfg_n_files, CFG_MAX_FILES);
    snprintf(cfg_files[cfg_n_files++], CFG_PATH, "%s", path);
}

static void cfg_put(const char *rel, const char *text)
{
    char p[CFG_PATH];
    snprintf(p, sizeof p, "%s/%s", cfg_dir, rel);
    FILE *f = fopen(p, "w");
    cr_assert_not_null(f, "cannot write %s", p);
    fputs(text, f);
    fclose(f);
    cfg_track(p);
}

static void cfg_mkdir(const char *rel)
{
    char p[CFG_PATH];
    snprintf(p, sizeof p, "%s/%s", cfg_dir, rel);
    cr_assert_eq(mkdir(p, 0700), 0, "mkdir %s", p);
    cfg_track(p);
}

static void cfg_setup(void)
{
    snprintf(cfg_dir, sizeof cfg_dir, "/tmp/blr-test-config-XXXXXX");
    cr_assert_not_null(mkdtemp(cfg_dir));
    cfg_n_files = 0;
    cfg_put("a.csv", "x,y\n1,2\n");
    cfg_put("b.csv", "x,y\n3,4\n");
}

static void cfg_teardown(void)
{
    for (int i = cfg_n_files - 1; i >= 0; i--)
        remove(cfg_files[i]);
    rmdir(cfg_dir);
}

/* Empty stand-ins for the IDX files of both standard sets, found through the environment. */
static void cfg_fake_standard_sets(void)
{
    char p[CFG_PATH];
    cfg_mkdir("fashion");
    cfg_mkdir("data");
    cfg_mkdir("data/mnist");
    snprintf(p, sizeof p, "%s/fashion", cfg_dir);
    setenv("BLR_FASHION_DIR", p, 1);
    snprintf(p, sizeof p, "%s/data", cfg_dir);
    setenv("BLR_DATA_DIR", p, 1);
    static const char *const sets[] = {"fashion-mnist", "mnist"};
    for (int s = 0; s < 2; s++) {
        char paths[4][512];
        cr_assert_eq(blr_data_standard_paths(sets[s], paths), 0);
        for (int i = 0; i < 4; i++) {
            cr_assert_eq(strncmp(paths[i], cfg_dir, strlen(cfg_dir)), 0,
                         "%s is outside the fake directories", paths[i]);
            cfg_put(paths[i] + strlen(cfg_dir) + 1, "");
        }
    }
}

static int cfg_load_at(const char *rel, const char *text, const char *profile)
{
    cfg_put(rel, text);
    snprintf(cfg_yaml, sizeof cfg_yaml, "%s/%s", cfg_dir, rel);
    cfg_err[0] = '\0';
    return blr_config_load(cfg_yaml, profile, &cfg_ex, cfg_err, sizeof cfg_err);
}

static void cfg_ok(const char *text, const char *profile)
{
    int rc = cfg_load_at("exp.yaml", text, profile);
    cr_assert_eq(rc, 0, "rc %d: %s", rc, cfg_err);
}

static void cfg_fails(const char *text, const char *profile, int line, int col,
                      const char *fragment)
{
    int rc = cfg_load_at("exp.yaml", text, profile);
    cr_assert_eq(rc, 2, "rc %d for a bad file (want 2); err '%s'", rc, cfg_err);
    char prefix[CFG_PATH + 64];
    snprintf(prefix, sizeof prefix, "%s:%d:%d: error: ", cfg_yaml, line, col);
    cr_assert_eq(strncmp(cfg_err, prefix, strlen(prefix)), 0, "got   '%s'\nwant  '%s...'",
                 cfg_err, prefix);
    cr_assert_not_null(strstr(cfg_err, fragment), "'%s' does not say '%s'", cfg_err, fragment);
}

static const blr_variant *cfg_variant(const char *name)
{
    for (int i = 0; i < cfg_ex.n_variants; i++)
        if (strcmp(cfg_ex.variants[i].name, name) == 0)
            return &cfg_ex.variants[i];
    cr_assert_fail("no variant '%s'", name);
    return NULL;
}

TestSuite(config, .init = cfg_setup, .fini = cfg_teardown);

/* Lines 1-3 of most fixtures. Line 2's columns: `set` 8, `csv` 13, `train` 18, `a.csv` 25,
 * `test` 32, `b.csv` 38. */
#define CFG_HEAD                                        \
    "name: t\n"                                         \
    "data: {set: csv, train: a.csv, test: b.csv}\n"     \
    "model: {arch: linear}\n"
/* Lines 1-6: a valid file with one sgd method whose entry starts at 5:5. */
#define CFG_MIN CFG_HEAD "methods:\n  - name: s\n    rule: sgd\n"

/* A complete example with every section of the format (docs/experiments.md). */
static const char cfg_contract[] =
    "name: quick\n"
    "title: \"Lie-group rules vs SGD on Fashion-MNIST (smoke scale)\"\n"
    "data:\n"
    "  set: fashion-mnist\n"
    "  train_subset: 5000\n"
    "  test_subset: 2000\n"
    "  ood: mnist\n"
    "model:\n"
    "  arch: mlp\n"
    "  hidden: [256, 256]\n"
    "  activation: tanh\n"
    "train:\n"
    "  epochs: 5\n"
    "  batch_size: 128\n"
    "  mc_train: 1\n"
    "  mc_test: 32\n"
    "  prior_precision: 1.0\n"
    "  temperature: 1.0\n"
    "  schedule: cosine\n"
    "  warmup_epochs: 0\n"
    "seeds: [0, 1, 2]\n"
    "methods:\n"
    "  - name: sgd\n"
    "    rule: sgd\n"
    "    lr: 0.05\n"
    "    beta1: 0.9\n"
    "  - name: affine\n"
    "    rule: lie-affine\n"
    "    base: [gaussian, laplace, student-t]\n"
    "    nu: 5\n"
    "    base_scale: 0.005\n"
    "    lr: 1.0\n"
    "    lr2: 0.05\n"
    "    beta1: 0.8\n"
    "    beta2: 0.999\n"
    "profiles:\n"
    "  full: {data: {train_subset: 0, test_subset: 0}, train: {epochs: 25}, seeds: [0, 1, 2, 3, "
    "4]}\n"
    "report:\n"
    "  metrics: [acc, nll, ece, bayes_acc, bayes_nll, bayes_ece, ood_auroc]\n"
    "  figures: [curves, reliability]\n"
    "  posterior: false\n";

/* ---- good files --------------------------------------------------------------------- */

Test(config, contract_example_loads_every_value)
{
    cfg_fake_standard_sets();
    cfg_ok(cfg_contract, NULL);
    const blr_experiment *e = &cfg_ex;
    cr_assert_str_eq(e->path, cfg_yaml);
    cr_assert_str_eq(e->profile, "");
    cr_assert_str_eq(e->name, "quick");
    cr_assert_str_eq(e->title, "Lie-group rules vs SGD on Fashion-MNIST (smoke scale)");
    cr_assert_str_eq(e->data.set, "fashion-mnist");
    cr_assert_eq(e->data.train_subset, 5000);
    cr_assert_eq(e->data.test_subset, 2000);
    cr_assert_str_eq(e->data.ood, "mnist");
    cr_assert_eq(e->data.task, BLR_TASK_CLASSIFICATION);
    cr_assert_eq(e->model.arch, BLR_ARCH_MLP);
    cr_assert_eq(e->model.n_hidden, 2);
    cr_assert_eq(e->model.hidden[0], 256);
    cr_assert_eq(e->model.hidden[1], 256);
    cr_assert_eq(e->model.act, BLR_ACT_TANH);
    cr_assert_eq(e->model.n_in, 0, "n_in is the runner's to fill");
    cr_assert_eq(e->n_seeds, 3);
    for (int i = 0; i < 3; i++)
        cr_assert_eq(e->seeds[i], i);
    /* sgd, then affine expanded over its base list in the written order. */
    cr_assert_eq(e->n_variants, 4);
    static const char *const names[] = {"sgd", "affine-gaussian", "affine-laplace",
                                        "affine-student-t"};
    static const blr_base_kind kinds[] = {BLR_BASE_GAUSSIAN, BLR_BASE_LAPLACE,
                                          BLR_BASE_STUDENT_T};
    for (int i = 0; i < 4; i++)
        cr_assert_str_eq(e->variants[i].name, names[i]);
    const blr_variant *s = &e->variants[0];
    cr_assert_str_eq(s->method, "sgd");
    cr_assert_str_eq(s->method_cfg.rule, "sgd");
    cr_assert(s->method_cfg.lr == 0.05 && s->method_cfg.beta1 == 0.9);
    for (int i = 1; i < 4; i++) {
        const blr_variant *v = &e->variants[i];
        cr_assert_str_eq(v->method, "affine");
        cr_assert_str_eq(v->method_cfg.rule, "lie-affine");
        cr_assert_eq(v->method_cfg.base.kind, kinds[i - 1]);
        cr_assert(v->method_cfg.base.nu == 5.0 && v->method_cfg.base.scale == 0.005);
        cr_assert(v->method_cfg.lr == 1.0 && v->method_cfg.lr2 == 0.05);
        cr_assert(v->method_cfg.beta1 == 0.8 && v->method_cfg.beta2 == 0.999);
    }
    for (int i = 0; i < 4; i++) {
        const blr_train_cfg *t = &e->variants[i].train;
        cr_assert_eq(t->epochs, 5);
        cr_assert_eq(t->batch_size, 128);
        cr_assert_eq(t->mc_train, 1);
        cr_assert_eq(t->mc_test, 32);
        cr_assert(t->prior_precision == 1.0 && t->temperature == 1.0);
        cr_assert_eq(t->schedule, BLR_SCHEDULE_COSINE);
        cr_assert(t->warmup_epochs == 0.0);
    }
    unsigned want = (1u << BLR_METRIC_ACC) | (1u << BLR_METRIC_NLL) | (1u << BLR_METRIC_ECE) |
                    (1u << BLR_METRIC_BAYES_ACC) | (1u << BLR_METRIC_BAYES_NLL) |
                    (1u << BLR_METRIC_BAYES_ECE) | (1u << BLR_METRIC_OOD_AUROC);
    cr_assert_eq(e->metrics, want);
    cr_assert_eq(e->figures, (1u << BLR_FIGURE_CURVES) | (1u << BLR_FIGURE_RELIABILITY));
    cr_assert_eq(e->posterior, 0);
}

Test(config, defaults_fill_what_is_not_written)
{
    cfg_ok(CFG_MIN, NULL);
    const blr_experiment *e = &cfg_ex;
    cr_assert_str_eq(e->title, "");
    cr_assert_str_eq(e->data.set, "csv");
    cr_assert_eq(e->data.task, BLR_TASK_REGRESSION);
    cr_assert(e->data.noise_sd == 1.0);
    cr_assert_str_eq(e->data.target, "");
    cr_assert_str_eq(e->data.ood, "");
    cr_assert_eq(e->data.train_subset, 0);
    cr_assert_eq(e->model.arch, BLR_ARCH_LINEAR);
    cr_assert_eq(e->model.act, BLR_ACT_TANH);
    cr_assert_eq(e->model.task, BLR_TASK_REGRESSION);
    cr_assert_eq(e->n_seeds, 1);
    cr_assert_eq(e->seeds[0], 0);
    cr_assert_eq(e->n_variants, 1);
    const blr_variant *v = &e->variants[0];
    cr_assert_str_eq(v->name, "s");
    blr_method_cfg d;
    blr_method_cfg_defaults(&d);
    cr_assert(v->method_cfg.lr == d.lr && v->method_cfg.beta1 == d.beta1);
    cr_assert(v->method_cfg.eps == d.eps && v->method_cfg.init_sd == d.init_sd);
    cr_assert_eq(v->method_cfg.hessian, d.hessian);
    cr_assert_eq(v->train.epochs, 5);
    cr_assert_eq(v->train.batch_size, 128);
    cr_assert_eq(v->train.mc_train, 1);
    cr_assert_eq(v->train.mc_test, 32);
    cr_assert(v->train.prior_precision == 1.0 && v->train.temperature == 1.0);
    cr_assert_eq(v->train.schedule, BLR_SCHEDULE_COSINE);
    cr_assert(v->train.warmup_epochs == 0.0);
    cr_assert_eq(e->metrics, (1u << BLR_METRIC_RMSE) | (1u << BLR_METRIC_NLL) |
                             (1u << BLR_METRIC_BAYES_RMSE) | (1u << BLR_METRIC_BAYES_NLL));
    /* No posterior files by default, so no posterior figure either. */
    cr_assert_eq(e->figures, 1u << BLR_FIGURE_CURVES);
    cr_assert_eq(e->posterior, 0);
}

Test(config, posterior_figure_follows_posterior_files)
{
    cfg_ok(CFG_MIN "report: {posterior: true}\n", NULL);
    cr_assert_eq(cfg_ex.figures, (1u << BLR_FIGURE_CURVES) | (1u << BLR_FIGURE_POSTERIOR));
    cr_assert_eq(cfg_ex.posterior, 1);
    /* "report: {figures: " is 18 characters: the list starts at column 19. */
    cfg_fails(CFG_MIN "report: {figures: [curves, posterior]}\n", NULL, 7, 19,
              "figure 'posterior' needs 'posterior: true'");
    /* One exact posterior for every variant: they must share prior and temperature. */
    cfg_ok(CFG_HEAD "methods: [{name: s, rule: sgd, lr: [0.1, 0.2]}]\n"
                    "report: {posterior: true}\n", NULL);
    cfg_fails(CFG_HEAD "methods: [{name: s, rule: sgd, temperature: [1, 0.5]}]\n"
                       "report: {posterior: true}\n", NULL, 5, 21,
              "'s-temperature1' and 's-temperature0.5' differ in prior_precision or temperature");
}

Test(config, classification_defaults_add_ood_auroc_only_with_ood)
{
    cfg_fake_standard_sets();
    cfg_ok("name: t\ndata: {set: mnist}\nmodel: {arch: linear}\n"
           "methods: [{name: s, rule: sgd}]\n", NULL);
    unsigned cls = (1u << BLR_METRIC_ACC) | (1u << BLR_METRIC_NLL) | (1u << BLR_METRIC_ECE) |
                   (1u << BLR_METRIC_BRIER) | (1u << BLR_METRIC_BAYES_ACC) |
                   (1u << BLR_METRIC_BAYES_NLL) | (1u << BLR_METRIC_BAYES_ECE) |
                   (1u << BLR_METRIC_BAYES_BRIER);
    cr_assert_eq(cfg_ex.metrics, cls);
    cr_assert_eq(cfg_ex.figures, (1u << BLR_FIGURE_CURVES) | (1u << BLR_FIGURE_RELIABILITY));
    cfg_ok("name: t\ndata: {set: mnist, ood: fashion-mnist}\nmodel: {arch: linear}\n"
           "methods: [{name: s, rule: sgd}]\n", NULL);
    cr_assert_eq(cfg_ex.metrics, cls | (1u << BLR_METRIC_OOD_AUROC));
}

Test(config, cnn_sizes_default_and_override)
{
    cfg_fake_standard_sets();
    /* blr_model_cnn_default: conv5-32, pool, conv5-64, pool, dense 256, on 28×28×1. */
    cfg_ok("name: t\ndata: {set: fashion-mnist}\nmodel: {arch: cnn}\n"
           "methods: [{name: s, rule: sgd}]\n", NULL);
    const blr_model_spec *m = &cfg_ex.model;
    cr_assert_eq(m->arch, BLR_ARCH_CNN);
    cr_assert_eq(m->n_conv, 2);
    cr_assert_eq(m->conv_channels[0], 32);
    cr_assert_eq(m->conv_channels[1], 64);
    cr_assert_eq(m->kernel, 5);
    cr_assert_eq(m->n_hidden, 1);
    cr_assert_eq(m->hidden[0], 256);
    cr_assert_eq(m->image_side, 28);
    cr_assert_eq(m->image_channels, 1);
    cr_assert_eq(m->n_in, 784);
    cfg_ok("name: t\ndata: {set: mnist}\n"
           "model: {arch: cnn, conv: [4, 6, 8], kernel: 3, hidden: [], activation: elu}\n"
           "methods: [{name: s, rule: sgd}]\n", NULL);
    cr_assert_eq(m->n_conv, 3);
    cr_assert_eq(m->conv_channels[2], 8);
    cr_assert_eq(m->kernel, 3);
    cr_assert_eq(m->n_hidden, 0);
    cr_assert_eq(m->act, BLR_ACT_ELU);
}

/* model: init picks the initialization (pytorch by default); schedule: cosine-epoch the
 * paper's code's per-epoch cosine. */
Test(config, init_scheme_and_per_epoch_cosine)
{
    cfg_fake_standard_sets();
    cfg_ok("name: t\ndata: {set: mnist}\nmodel: {arch: mlp, hidden: [8]}\n"
           "methods: [{name: s, rule: sgd}]\n", NULL);
    cr_assert_eq(cfg_ex.model.init, BLR_INIT_PYTORCH);
    cfg_ok("name: t\ndata: {set: mnist}\nmodel: {arch: cnn, init: haiku}\n"
           "train: {schedule: cosine-epoch}\nmethods: [{name: s, rule: sgd}]\n", NULL);
    cr_assert_eq(cfg_ex.model.init, BLR_INIT_HAIKU);
    cr_assert_eq(cfg_ex.variants[0].train.schedule, BLR_SCHEDULE_COSINE_EPOCH);
    cfg_fails("name: t\ndata: {set: mnist}\nmodel: {arch: mlp, hidden: [8], init: xavier}\n"
              "methods: [{name: s, rule: sgd}]\n", NULL, 3, 39, "init");
    cfg_fails("name: t\ndata: {set: mnist}\nmodel: {arch: mlp, hidden: [8], init: [haiku]}\n"
              "methods: [{name: s, rule: sgd}]\n", NULL, 3, 39, "a name");
}

Test(config, cnn_errors_carry_positions)
{
    cfg_fake_standard_sets();
    /* 28 -> conv 13 -> 16 -> pool 8 -> conv 13 leaves -4. */
    cfg_fails("name: t\ndata: {set: mnist}\nmodel: {arch: cnn, kernel: 13}\n"
              "methods: [{name: s, rule: sgd}]\n", NULL, 3, 8,
              "conv layer 2: kernel 13 on side 8 leaves -4");
    cfg_fails("name: t\ndata: {set: mnist}\nmodel: {arch: cnn, conv: [8, 0]}\n"
              "methods: [{name: s, rule: sgd}]\n", NULL, 3, 30,
              "a conv channel count must be >= 1");
    cfg_fails("name: t\ndata: {set: mnist}\nmodel: {arch: cnn, conv: [1, 2, 3, 4, 5]}\n"
              "methods: [{name: s, rule: sgd}]\n", NULL, 3, 26, "conv channels: need 1 to 4");
    cfg_fails("name: t\ndata: {set: mnist}\nmodel: {arch: mlp, hidden: [8], kernel: 3}\n"
              "methods: [{name: s, rule: sgd}]\n", NULL, 3, 33, "kernel is only for arch: cnn");
    cfg_fails("name: t\ndata: {set: mnist}\nmodel: {arch: cnn}\n"
              "methods: [{name: s, rule: sgd}]\nreport: {figures: [filters]}\n", NULL, 5, 20,
              "needs an image data set and arch mlp or linear");
}

Test(config, validation_reference_and_sparsity_metrics)
{
    cfg_fake_standard_sets();
    cfg_ok("name: t\ndata: {set: mnist, validation: 100}\nmodel: {arch: mlp, hidden: [8]}\n"
           "methods: [{name: s, rule: sgd, lr: [0.1, 0.2]}]\n"
           "report: {metrics: [acc, hoyer, near_zero], reference: s-lr0.2,\n"
           "         figures: [filters, ablation]}\n", NULL);
    cr_assert_eq(cfg_ex.data.validation, 100);
    cr_assert_eq(cfg_ex.reference, 1);
    cr_assert_eq(cfg_ex.metrics, (1u << BLR_METRIC_ACC) | (1u << BLR_METRIC_HOYER) |
                                     (1u << BLR_METRIC_NEAR_ZERO));
    cr_assert_eq(cfg_ex.figures, (1u << BLR_FIGURE_FILTERS) | (1u << BLR_FIGURE_ABLATION));
    cfg_fails("name: t\ndata: {set: mnist}\nmodel: {arch: mlp, hidden: [8]}\n"
              "methods: [{name: s, rule: sgd, lr: [0.1, 0.2]}]\nreport: {reference: s}\n",
              NULL, 5, 21, "reference 's' is not a variant of this experiment (variants: "
              "s-lr0.1, s-lr0.2)");
    cfg_fails(CFG_MIN "report: {figures: [ablation]}\n", NULL, 7, 20,
              "figure 'ablation' needs a classification task");
}

Test(config, csv_keys_and_report_settings)
{
    cfg_ok("name: reg-1\n"
           "data: {set: csv, train: a.csv, test: b.csv, task: classification, target: y,\n"
           "       train_subset: 7, test_subset: 3}\n"
           "model: {arch: mlp, hidden: [4, 3, 2], activation: elu}\n"
           "methods: [{name: s, rule: sgd}]\n"
           "report: {metrics: [brier, bayes_ece], figures: [reliability, curves], posterior: on}\n",
           NULL);
    const blr_experiment *e = &cfg_ex;
    cr_assert_eq(e->data.task, BLR_TASK_CLASSIFICATION);
    cr_assert_str_eq(e->data.target, "y");
    cr_assert_eq(e->data.train_subset, 7);
    cr_assert_eq(e->data.test_subset, 3);
    cr_assert_eq(e->model.n_hidden, 3);
    cr_assert(e->model.hidden[0] == 4 && e->model.hidden[1] == 3 && e->model.hidden[2] == 2);
    cr_assert_eq(e->model.act, BLR_ACT_ELU);
    cr_assert_eq(e->metrics, (1u << BLR_METRIC_BRIER) | (1u << BLR_METRIC_BAYES_ECE));
    cr_assert_eq(e->figures, (1u << BLR_FIGURE_RELIABILITY) | (1u << BLR_FIGURE_CURVES));
    cr_assert_eq(e->posterior, 1);
    cfg_ok(CFG_HEAD "methods: [{name: s, rule: sgd}]\n"
           "report: {metrics: [rmse], posterior: false}\n", NULL);
    cr_assert_eq(cfg_ex.metrics, 1u << BLR_METRIC_RMSE);
    cr_assert_eq(cfg_ex.posterior, 0);
}

Test(config, regression_noise_sd)
{
    cfg_ok("name: t\ndata: {set: csv, train: a.csv, test: b.csv, noise_sd: 0.25}\n"
           "model: {arch: linear}\nmethods: [{name: s, rule: sgd}]\n", NULL);
    cr_assert(cfg_ex.data.noise_sd == 0.25);
    cr_assert(cfg_ex.model.noise_sd == 0.25);
}

/* ---- list expansion ------------------------------------------------------------------- */

Test(config, a_base_list_expands_into_one_variant_per_value)
{
    cfg_ok(CFG_HEAD "methods:\n"
           "  - name: affine\n"
           "    rule: lie-affine\n"
           "    base: [gaussian, laplace, student-t]\n"
           "    nu: 4\n", NULL);
    cr_assert_eq(cfg_ex.n_variants, 3);
    cr_assert_eq(cfg_variant("affine-gaussian")->method_cfg.base.kind, BLR_BASE_GAUSSIAN);
    cr_assert_eq(cfg_variant("affine-laplace")->method_cfg.base.kind, BLR_BASE_LAPLACE);
    const blr_variant *t = cfg_variant("affine-student-t");
    cr_assert_eq(t->method_cfg.base.kind, BLR_BASE_STUDENT_T);
    cr_assert(t->method_cfg.base.nu == 4.0);
    cr_assert_str_eq(t->method, "affine");
}

Test(config, two_lists_give_the_cross_product_in_key_order)
{
    cfg_ok(CFG_HEAD "methods:\n"
           "  - {name: a, rule: lie-affine, base: [gaussian, laplace], lr: [0.1, 0.25]}\n"
           "  - {name: b, rule: lie-affine, lr: [0.1, 0.25], base: [gaussian, laplace]}\n",
           NULL);
    static const char *const names[] = {
        "a-gaussian-lr0.1", "a-gaussian-lr0.25", "a-laplace-lr0.1", "a-laplace-lr0.25",
        "b-lr0.1-gaussian", "b-lr0.1-laplace", "b-lr0.25-gaussian", "b-lr0.25-laplace",
    };
    cr_assert_eq(cfg_ex.n_variants, 8);
    for (int i = 0; i < 8; i++)
        cr_assert_str_eq(cfg_ex.variants[i].name, names[i]);
    const blr_variant *v = &cfg_ex.variants[2];
    cr_assert_eq(v->method_cfg.base.kind, BLR_BASE_LAPLACE);
    cr_assert(v->method_cfg.lr == 0.1);
    v = &cfg_ex.variants[6];
    cr_assert_eq(v->method_cfg.base.kind, BLR_BASE_GAUSSIAN);
    cr_assert(v->method_cfg.lr == 0.25);
}

Test(config, number_and_bool_lists_name_variants_by_key)
{
    cfg_ok(CFG_HEAD "methods:\n"
           "  - {name: t, rule: lie-affine, base: student-t, nu: [3, 5]}\n"
           "  - {name: f, rule: lie-affine, fisher: [false, true]}\n"
           "  - {name: e, rule: sgd, epochs: [2, 3], schedule: [constant, cosine]}\n"
           "  - {name: o, rule: lie-multiplicative, init_offset: [1e-5]}\n"
           "  - {name: g, rule: lie-affine, lr2: [0.05]}\n", NULL);
    cr_assert_eq(cfg_ex.n_variants, 10);
    /* a key ending in a digit is kept apart from its value */
    cr_assert(cfg_variant("g-lr2-0.05")->method_cfg.lr2 == 0.05);
    cr_assert(cfg_variant("t-nu3")->method_cfg.base.nu == 3.0);
    cr_assert(cfg_variant("t-nu5")->method_cfg.base.nu == 5.0);
    cr_assert_eq(cfg_variant("f-no-fisher")->method_cfg.fisher, 0);
    cr_assert_eq(cfg_variant("f-fisher")->method_cfg.fisher, 1);
    const blr_variant *v = cfg_variant("e-epochs3-constant");
    cr_assert_eq(v->train.epochs, 3);
    cr_assert_eq(v->train.schedule, BLR_SCHEDULE_CONSTANT);
    cr_assert_eq(cfg_variant("e-epochs2-cosine")->train.schedule, BLR_SCHEDULE_COSINE);
    /* %g of 1e-5 is "1e-05". */
    cr_assert(cfg_variant("o-init_offset1e-05")->method_cfg.init_offset == 1e-5);
}

/* `rng` picks the noise samplers per variant (lib/prob/rng.h): fast by default, GSL's reference
 * samplers on request; any other word is an error at its position. */
Test(config, threads)
{
    cfg_ok(CFG_MIN, NULL);
    cr_assert_eq(cfg_ex.threads, 0);
    cfg_ok(CFG_MIN "threads: 3\n", NULL);
    cr_assert_eq(cfg_ex.threads, 3);
    cfg_fails(CFG_MIN "threads: 0\n", NULL, 7, 10, "threads must be >= 1 (got 0)");
    cfg_fails(CFG_MIN "threads: 2000\n", NULL, 7, 10, "threads must be between 1 and 1024");
    cfg_fails(CFG_MIN "threads: two\n", NULL, 7, 10, "expected an integer, got 'two'");
}

Test(config, rng_fast_or_gsl)
{
    cfg_ok(CFG_HEAD "train: {rng: gsl}\n"
           "methods:\n"
           "  - {name: d, rule: lie-additive}\n"
           "  - {name: r, rule: lie-additive, rng: [fast, gsl]}\n", NULL);
    cr_assert_eq(cfg_variant("d")->train.rng_gsl, 1);
    cr_assert_eq(cfg_variant("r-fast")->train.rng_gsl, 0);
    cr_assert_eq(cfg_variant("r-gsl")->train.rng_gsl, 1);
    cfg_ok(CFG_MIN, NULL);
    cr_assert_eq(cfg_ex.variants[0].train.rng_gsl, 0);
    cfg_fails(CFG_MIN "    rng: mt19937\n", NULL, 7, 10, "rng");
}

Test(config, yaml_1_1_booleans)
{
    cfg_ok(CFG_HEAD "methods:\n"
           "  - {name: a, rule: lie-affine, fisher: [no, yes]}\n"
           "  - {name: b, rule: lie-affine, fisher: [off, on]}\n"
           "  - {name: c, rule: lie-affine, fisher: [False, TRUE]}\n", NULL);
    cr_assert_eq(cfg_ex.n_variants, 6);
    for (int i = 0; i < 6; i++)
        cr_assert_eq(cfg_ex.variants[i].method_cfg.fisher, i % 2, "variant %d", i);
    cr_assert_str_eq(cfg_ex.variants[3].name, "b-fisher");
}

Test(config, methods_override_train_keys)
{
    cfg_ok(CFG_HEAD
           "train: {epochs: 7, temperature: 2, mc_train: 3, batch_size: 0}\n"
           "methods:\n"
           "  - {name: a, rule: sgd}\n"
           "  - {name: b, rule: lie-additive, base: gaussian, epochs: 9, temperature: 0.5,\n"
           "     prior_precision: 0, warmup_epochs: 1.5, mc_test: 2}\n", NULL);
    const blr_variant *a = cfg_variant("a"), *b = cfg_variant("b");
    cr_assert_eq(a->train.epochs, 7);
    cr_assert(a->train.temperature == 2.0);
    cr_assert_eq(a->train.batch_size, 0);
    cr_assert_eq(b->train.epochs, 9);
    cr_assert(b->train.temperature == 0.5 && b->train.prior_precision == 0.0);
    cr_assert(b->train.warmup_epochs == 1.5);
    cr_assert_eq(b->train.mc_test, 2);
    cr_assert_eq(b->train.mc_train, 3, "not overridden: from train");
    /* The method interface reads τ, δ and mc from the variant's own training settings. */
    cr_assert(b->method_cfg.temperature == 0.5 && b->method_cfg.prior_precision == 0.0);
    cr_assert_eq(b->method_cfg.mc, 3);
    cr_assert(a->method_cfg.temperature == 2.0);
}

Test(config, the_multiplicative_rule_defaults_to_rayleigh)
{
    cfg_ok(CFG_HEAD "methods: [{name: m, rule: lie-multiplicative}]\n", NULL);
    cr_assert_eq(cfg_ex.variants[0].method_cfg.base.kind, BLR_BASE_RAYLEIGH);
}

Test(config, aliases_are_resolved)
{
    cfg_ok(CFG_HEAD "methods:\n"
           "  - {name: a, rule: sgd, lr: &step 0.3}\n"
           "  - {name: b, rule: sgd, lr: *step}\n", NULL);
    cr_assert(cfg_variant("b")->method_cfg.lr == 0.3);
}

/* ---- profiles ----------------------------------------------------------------------- */

Test(config, the_full_profile_deep_merges_over_the_document)
{
    cfg_fake_standard_sets();
    cfg_ok(cfg_contract, "full");
    const blr_experiment *e = &cfg_ex;
    cr_assert_str_eq(e->profile, "full");
    /* Overridden by the profile. */
    cr_assert_eq(e->data.train_subset, 0);
    cr_assert_eq(e->data.test_subset, 0);
    cr_assert_eq(e->n_seeds, 5);
    for (int i = 0; i < 5; i++)
        cr_assert_eq(e->seeds[i], i);
    /* Kept: the other keys of the merged mappings. */
    cr_assert_str_eq(e->data.set, "fashion-mnist");
    cr_assert_str_eq(e->data.ood, "mnist");
    cr_assert_eq(e->n_variants, 4);
    for (int i = 0; i < 4; i++) {
        cr_assert_eq(e->variants[i].train.epochs, 25);
        cr_assert_eq(e->variants[i].train.batch_size, 128);
        cr_assert_eq(e->variants[i].train.mc_test, 32);
    }
}

Test(config, a_profile_replaces_scalars_and_lists_and_adds_sections)
{
    cfg_ok(CFG_HEAD "methods:\n"
           "  - {name: a, rule: lie-affine, base: [gaussian, laplace]}\n"
           "profiles:\n"
           "  one:\n"
           "    name: other\n"
           "    methods: [{name: z, rule: sgd}]\n"
           "    train: {epochs: 2}\n", "one");
    cr_assert_str_eq(cfg_ex.name, "other");
    cr_assert_eq(cfg_ex.n_variants, 1);
    cr_assert_str_eq(cfg_ex.variants[0].name, "z");
    cr_assert_eq(cfg_ex.variants[0].train.epochs, 2);
    cr_assert_eq(cfg_ex.variants[0].train.mc_test, 32);
}

Test(config, unknown_profile)
{
    /* The `profiles` key is at 7:1. */
    cfg_fails(CFG_MIN "profiles:\n  full: {train: {epochs: 1}}\n  tiny: {seeds: [1]}\n", "ful",
              7, 1, "unknown profile 'ful' (profiles: full, tiny)");
    cfg_fails(CFG_MIN, "full", 1, 1, "unknown profile 'full' (the file defines no profiles)");
}

Test(config, errors_inside_a_profile_point_into_the_profile)
{
    /* Line 8 is "  bad: {train: {epochs: 0}}": `0` at column 25 (`{` 8, `train` 9, `{` 16,
     * `epochs` 17-22). Without the profile the file is fine. */
    static const char text[] = CFG_MIN "profiles:\n  bad: {train: {epochs: 0}}\n";
    cfg_ok(text, NULL);
    cfg_fails(text, "bad", 8, 25, "epochs must be >= 1");
    cfg_fails(CFG_MIN "profiles:\n  p: {profiles: {}}\n", NULL, 8, 7,
              "a profile cannot define profiles");
    cfg_fails(CFG_MIN "profiles:\n  p: 3\n", NULL, 8, 6, "expected a mapping");
}

/* ---- paths ---------------------------------------------------------------------------- */

Test(config, csv_paths_resolve_against_the_file)
{
    cfg_mkdir("sub");
    cfg_put("sub/c.csv", "x,y\n0,0\n");
    char abs[CFG_PATH], text[2 * CFG_PATH];
    snprintf(abs, sizeof abs, "%s/b.csv", cfg_dir);
    snprintf(text, sizeof text,
             "name: t\ndata: {set: csv, train: ../a.csv, test: %s}\nmodel: {arch: linear}\n"
             "methods: [{name: s, rule: sgd}]\n", abs);
    int rc = cfg_load_at("sub/exp.yaml", text, NULL);
    cr_assert_eq(rc, 0, "%s", cfg_err);
    char want[CFG_PATH];
    snprintf(want, sizeof want, "%s/sub/../a.csv", cfg_dir);
    cr_assert_str_eq(cfg_ex.data.train_path, want);
    cr_assert_str_eq(cfg_ex.data.test_path, abs, "absolute paths are kept");
    rc = cfg_load_at("sub/exp.yaml", "name: t\ndata: {set: csv, train: c.csv, test: c.csv}\n"
                     "model: {arch: linear}\nmethods: [{name: s, rule: sgd}]\n", NULL);
    cr_assert_eq(rc, 0, "%s", cfg_err);
    snprintf(want, sizeof want, "%s/sub/c.csv", cfg_dir);
    cr_assert_str_eq(cfg_ex.data.test_path, want);
}

Test(config, a_file_in_the_working_directory_keeps_relative_paths)
{
    cr_assert_eq(chdir(cfg_dir), 0);
    cfg_put("exp.yaml", CFG_MIN);
    int rc = blr_config_load("exp.yaml", NULL, &cfg_ex, cfg_err, sizeof cfg_err);
    cr_assert_eq(rc, 0, "%s", cfg_err);
    cr_assert_str_eq(cfg_ex.data.train_path, "a.csv");
    cr_assert_str_eq(cfg_ex.path, "exp.yaml");
}

Test(config, the_installed_fashion_mnist_is_found)
{
    unsetenv("BLR_FASHION_DIR");
    char p[4][512];
    cr_assert_eq(blr_data_standard_paths("fashion-mnist", p), 0);
    struct stat st;
    if (stat(p[0], &st) != 0)
        cr_skip_test("Fashion-MNIST is not installed (%s)", p[0]);
    cfg_ok("name: t\ndata: {set: fashion-mnist}\nmodel: {arch: linear}\n"
           "methods: [{name: s, rule: sgd}]\n", NULL);
}

/* ---- bad input: one test per class ------------------------------------------------------ */

Test(config, unreadable_file)
{
    char p[CFG_PATH];
    snprintf(p, sizeof p, "%s/nothere.yaml", cfg_dir);
    cr_assert_eq(blr_config_load(p, NULL, &cfg_ex, cfg_err, sizeof cfg_err), 2);
    char want[CFG_PATH + 32];
    snprintf(want, sizeof want, "%s: error: cannot open", p);
    cr_assert_eq(strncmp(cfg_err, want, strlen(want)), 0, "%s", cfg_err);
}

Test(config, yaml_syntax_error)
{
    /* The plain scalar `t` continues onto the more-indented line 2 ("t bad"), and the `:` at
     * 2:6 cannot start a mapping value there. */
    cfg_fails("name: t\n  bad: indent\n", NULL, 2, 6, "mapping values are not allowed");
    /* An unclosed flow sequence runs into the end of the stream (line 3, column 1). */
    cfg_fails("name: t\nseeds: [1, 2\n", NULL, 3, 1, "did not find expected ',' or ']'");
    /* Bytes that are not UTF-8: the 0xff right after "name: t" is character 8 of line 1. */
    cfg_fails("name: t\xff\n", NULL, 1, 8, "invalid leading UTF-8 octet");
}

Test(config, document_shape)
{
    cfg_fails("", NULL, 1, 1, "the file is empty");
    cfg_fails("# only a comment\n", NULL, 1, 1, "the file is empty");
    cfg_fails("- a\n- b\n", NULL, 1, 1, "got a list");
    cfg_fails(CFG_MIN "---\nname: u\n", NULL, 8, 1, "a second YAML document");
}

Test(config, alias_bombs_are_refused)
{
    /* Six levels of ten aliases each would copy out about 10^6 nodes. Where the limit bites
     * depends on the copying order, so only the file and the message are checked. */
    int rc = cfg_load_at("exp.yaml",
                         "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
                         "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
                         "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
                         "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
                         "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n"
                         "f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n", NULL);
    cr_assert_eq(rc, 2);
    cr_assert_eq(strncmp(cfg_err, cfg_yaml, strlen(cfg_yaml)), 0, "%s", cfg_err);
    cr_assert_not_null(strstr(cfg_err, "more than 100000 values"), "%s", cfg_err);
}

/* libyaml's document loader builds the whole tree before any limit applies: 10^5 nested
 * '[' took minutes. Read event by event, the 65th is refused at once (the timeout only
 * turns a return of the old behaviour into a failure instead of a hang). */
Test(config, deep_nesting_is_refused_while_parsing, .timeout = 20)
{
    enum { DEPTH = 100000 };
    char *text = malloc(2 * DEPTH + 16);
    cr_assert_not_null(text);
    memcpy(text, "name: [", 7);
    memset(text + 7, '[', DEPTH - 1);
    memset(text + 6 + DEPTH, ']', DEPTH);
    strcpy(text + 6 + 2 * DEPTH, "\n");
    /* "name: " then the 65th '[' (depth 65 counting the top mapping as 0) at column 71. */
    cfg_fails(text, NULL, 1, 71, "the document nests deeper than 64 levels");
    free(text);
}

Test(config, a_long_list_is_a_count_not_a_nesting_problem)
{
    enum { N = 100001 };
    char *text = malloc(3 * N + 64);
    cr_assert_not_null(text);
    size_t o = (size_t)sprintf(text, CFG_MIN "seeds: [");
    for (int i = 0; i < N; i++)
        o += (size_t)sprintf(text + o, "%s1", i ? "," : "");
    strcpy(text + o, "]\n");
    int rc = cfg_load_at("exp.yaml", text, NULL);
    free(text);
    cr_assert_eq(rc, 2);
    cr_assert_not_null(strstr(cfg_err, "holds more than 100000 values"), "%s", cfg_err);
    cr_assert_null(strstr(cfg_err, "nest"), "%s", cfg_err);
}

Test(config, tags_are_respected)
{
    /* Line 7 "    lr: !!str 0.01": the tag starts the value at 7:9. */
    cfg_fails(CFG_MIN "    lr: !!str 0.01\n", NULL, 7, 9,
              "expected a number, got the string '0.01' (quoted, or tagged !!str)");
    cfg_fails(CFG_MIN "    lr: !custom 0.01\n", NULL, 7, 9, "unsupported tag '!custom'");
    cfg_fails(CFG_MIN "    lr: !!seq 1\n", NULL, 7, 9, "unsupported tag '!!seq' here");
    cfg_ok(CFG_MIN "    lr: !!float 0.25\n    epochs: !!int 3\n", NULL);
    cr_assert(cfg_ex.variants[0].method_cfg.lr == 0.25);
    cr_assert_eq(cfg_ex.variants[0].train.epochs, 3);
    cfg_ok(CFG_HEAD "methods: !!seq [!!map {name: !!str s, rule: sgd}]\n", NULL);
}

Test(config, merge_keys_share_method_settings)
{
    cfg_ok(CFG_HEAD "methods:\n"
           "  - &base {name: a, rule: sgd, lr: 0.3, epochs: 7}\n"
           "  - <<: *base\n"
           "    name: b\n"
           "    lr: 0.5\n"
           "  - {name: c, <<: [{lr: 0.7}, *base]}\n", NULL);
    cr_assert_eq(cfg_ex.n_variants, 3);
    /* Written keys win over merged ones, wherever they stand. */
    cr_assert(cfg_variant("b")->method_cfg.lr == 0.5);
    cr_assert_eq(cfg_variant("b")->train.epochs, 7);
    /* Of several sources, the earlier wins. */
    cr_assert(cfg_variant("c")->method_cfg.lr == 0.7);
    cr_assert_eq(cfg_variant("c")->train.epochs, 7);
    /* Line 5 "  - <<: 3": the value at 5:9. */
    cfg_fails(CFG_HEAD "methods:\n  - <<: 3\n    name: s\n", NULL, 5, 9,
              "a merge key '<<' takes a mapping or a list of mappings");
    cfg_fails(CFG_HEAD "methods:\n  - <<: *nowhere\n", NULL, 5, 9, "alias *nowhere");
    /* A quoted "<<" is an ordinary (and here unknown) key. */
    cfg_fails(CFG_HEAD "methods:\n  - {'<<': {lr: 1}, name: s, rule: sgd}\n", NULL, 5, 6,
              "unknown key '<<'");
    /* Merging does not hide a key written twice. */
    cfg_fails(CFG_HEAD "methods:\n  - {<<: {lr: 1}, name: s, name: t, rule: sgd}\n", NULL, 5,
              28, "duplicate key 'name' (first at line 5)");
}

Test(config, a_byte_order_mark_is_skipped)
{
    cfg_ok("\xef\xbb\xbf" CFG_MIN, NULL);
    cr_assert_str_eq(cfg_ex.name, "t");
}

/* A list expands only where it means something: nu for the student-t base, lr2 for the
 * affine rule; the other variants are made once. */
Test(config, lists_expand_only_where_they_apply)
{
    cfg_ok(CFG_HEAD "methods:\n"
           "  - {name: a, rule: lie-affine, base: [gaussian, laplace, student-t], nu: [3, 10]}\n"
           "  - {name: r, rule: [adam, lie-affine], lr2: [0.01, 0.1]}\n", NULL);
    static const char *const want[] = {"a-gaussian", "a-laplace", "a-student-t-nu3",
                                       "a-student-t-nu10", "r-adam", "r-lie-affine-lr2-0.01",
                                       "r-lie-affine-lr2-0.1"};
    cr_assert_eq(cfg_ex.n_variants, 7);
    for (int i = 0; i < 7; i++)
        cr_assert_str_eq(cfg_ex.variants[i].name, want[i]);
    cr_assert(cfg_variant("a-student-t-nu10")->method_cfg.base.nu == 10.0);
    cr_assert(cfg_variant("r-lie-affine-lr2-0.1")->method_cfg.lr2 == 0.1);
}

/* zip pairs lists item by item: the ablation's "Fisher scaling with its own step sizes" in one
 * entry instead of two, named by the zip's first key. */
Test(config, zip_pairs_lists)
{
    cfg_ok(CFG_HEAD "methods:\n"
           "  - {name: affine, rule: lie-affine, base: [gaussian, laplace],\n"
           "     fisher: [false, true], lr: [1.0, 40000], lr2: [100, 200],\n"
           "     zip: [fisher, lr, lr2]}\n", NULL);
    cr_assert_eq(cfg_ex.n_variants, 4);
    const blr_variant *v = cfg_variant("affine-laplace-fisher");
    cr_assert(v->method_cfg.fisher && v->method_cfg.lr == 40000 && v->method_cfg.lr2 == 200);
    v = cfg_variant("affine-gaussian-no-fisher");
    cr_assert(!v->method_cfg.fisher && v->method_cfg.lr == 1.0 && v->method_cfg.lr2 == 100);
    /* Several groups. */
    cfg_ok(CFG_HEAD "methods:\n"
           "  - {name: s, rule: sgd, lr: [0.1, 0.2], epochs: [1, 2], batch_size: [5, 6],\n"
           "     mc_train: [1, 2], zip: [[lr, epochs], [batch_size, mc_train]]}\n", NULL);
    cr_assert_eq(cfg_ex.n_variants, 4);
    cr_assert_eq(cfg_variant("s-lr0.2-batch_size6")->train.mc_train, 2);
    cr_assert_eq(cfg_variant("s-lr0.2-batch_size6")->train.epochs, 2);
}

Test(config, zip_mistakes)
{
    /* Line 5 "  - {name: s, rule: sgd, lr: [0.1, 0.2], epochs: [1, 2, 3], zip: [lr, epochs]}":
     * the epochs list at 5:50. */
    cfg_fails(CFG_HEAD "methods:\n"
              "  - {name: s, rule: sgd, lr: [0.1, 0.2], epochs: [1, 2, 3], zip: [lr, epochs]}\n",
              NULL, 5, 50, "zip: 'epochs' has 3 values but 'lr' has 2");
    cfg_fails(CFG_HEAD "methods:\n  - {name: s, rule: sgd, lr: [0.1], zip: [lr, lr2]}\n", NULL,
              5, 47, "zip: this method has no key 'lr2' to pair");
    cfg_fails(CFG_HEAD "methods:\n  - {name: s, rule: sgd, lr: [0.1], epochs: 2, zip: [lr, "
              "epochs]}\n", NULL, 5, 58, "zip: 'epochs' is a single value, not a list");
    cfg_fails(CFG_HEAD "methods:\n  - {name: s, rule: sgd, lr: [0.1], zip: [lr]}\n", NULL, 5,
              42, "zip pairs two or more list-valued keys");
    cfg_fails(CFG_HEAD "methods:\n  - {name: s, rule: sgd, lr: [0.1], zip: [lr, lr]}\n", NULL,
              5, 47, "zip: 'lr' is paired twice");
}

Test(config, unknown_key_with_a_suggestion)
{
    cfg_fails(CFG_MIN "    lrr: 0.1\n", NULL, 7, 5, "unknown key 'lrr' (did you mean 'lr'?)");
    cfg_fails(CFG_MIN "trian: {epochs: 1}\n", NULL, 7, 1,
              "unknown key 'trian' (did you mean 'train'?)");
    cfg_fails(CFG_MIN "report: {metric: [acc]}\n", NULL, 7, 10,
              "unknown key 'metric' (did you mean 'metrics'?)");
    /* No key within distance 2: the valid keys are listed instead. */
    cfg_fails(CFG_MIN "colour: red\n", NULL, 7, 1,
              "unknown key 'colour' (valid keys: name, title, data, model, train,");
}

Test(config, duplicate_key)
{
    cfg_fails(CFG_MIN "name: u\n", NULL, 7, 1, "duplicate key 'name' (first at line 1)");
    /* Line 7 "    rule: adam": the second `rule` at 7:5. */
    cfg_fails(CFG_MIN "    rule: adam\n", NULL, 7, 5, "duplicate key 'rule' (first at line 6)");
}

Test(config, wrong_types)
{
    /* Line 7 "train: {epochs: abc}": `{` 8, `epochs` 9, value at 17. */
    cfg_fails(CFG_MIN "train: {epochs: abc}\n", NULL, 7, 17, "expected an integer, got 'abc'");
    cfg_fails(CFG_MIN "train: {epochs: 5.0}\n", NULL, 7, 17, "expected an integer, got '5.0'");
    cfg_fails(CFG_MIN "train: {epochs: 3x}\n", NULL, 7, 17, "expected an integer, got '3x'");
    cfg_fails(CFG_MIN "train: {temperature: 1.5e}\n", NULL, 7, 22,
              "expected a number, got '1.5e'");
    cfg_fails(CFG_MIN "    lr: \"0.1\"\n", NULL, 7, 9, "expected a number, got the string");
    cfg_fails(CFG_MIN "    fisher: maybe\n", NULL, 7, 13, "expected true or false, got 'maybe'");
    cfg_fails(CFG_MIN "train: [1]\n", NULL, 7, 8, "expected a mapping");
    cfg_fails(CFG_MIN "seeds: 3\n", NULL, 7, 8, "expected a list of seeds, got '3'");
    cfg_fails(CFG_MIN "title: {a: 1}\n", NULL, 7, 8, "expected a string, got a mapping");
    cfg_fails(CFG_HEAD "methods: {name: s}\n", NULL, 4, 10, "expected a list of methods");
    cfg_fails(CFG_HEAD "methods: [sgd]\n", NULL, 4, 11, "expected a mapping");
    cfg_fails(CFG_MIN "    lr: [[0.1]]\n", NULL, 7, 10, "expected a number, got a list");
}

Test(config, out_of_range)
{
    cfg_fails(CFG_MIN "train: {epochs: 0}\n", NULL, 7, 17, "epochs must be >= 1 (got 0)");
    cfg_fails(CFG_MIN "train: {batch_size: -1}\n", NULL, 7, 21, "batch_size must be >= 0");
    cfg_fails(CFG_MIN "train: {temperature: 0}\n", NULL, 7, 22, "temperature must be > 0");
    cfg_fails(CFG_MIN "train: {prior_precision: -0.5}\n", NULL, 7, 26,
              "prior_precision must be >= 0");
    cfg_fails(CFG_MIN "train: {mc_test: 99999999999999999999}\n", NULL, 7, 18,
              "mc_test must be between 1 and 2147483647");
    cfg_fails(CFG_MIN "seeds: [1, -2]\n", NULL, 7, 12, "seed must be >= 0 (got -2)");
    cfg_fails(CFG_MIN "seeds: [1, 1]\n", NULL, 7, 12, "duplicate seed 1");
    cfg_fails(CFG_MIN "seeds: []\n", NULL, 7, 8, "seeds needs 1 to 64 seeds");
    /* A method's ranges are blr_method_check's; its message lands on the key it names. */
    cfg_fails(CFG_MIN "    lr: -1\n", NULL, 7, 9, "lr must be finite and > 0");
    cfg_fails(CFG_MIN "    beta1: 1\n", NULL, 7, 12, "beta1 must be in [0, 1)");
    cfg_fails(CFG_MIN "    epochs: 0\n", NULL, 7, 13, "epochs must be >= 1");
    cfg_fails("name: t\ndata: {set: csv, train: a.csv, test: b.csv, noise_sd: 0}\n"
              "model: {arch: linear}\nmethods: [{name: s, rule: sgd}]\n", NULL, 2, 55,
              "noise_sd must be > 0");
    cfg_fails("name: t\ndata: {set: csv, train: a.csv, test: b.csv, train_subset: -3}\n"
              "model: {arch: linear}\nmethods: [{name: s, rule: sgd}]\n", NULL, 2, 59,
              "train_subset must be >= 0");
    cfg_fails("name: t\ndata: {set: csv, train: a.csv, test: b.csv}\n"
              "model: {arch: mlp, hidden: [8, 0]}\nmethods: [{name: s, rule: sgd}]\n", NULL, 3,
              32, "hidden layer width must be >= 1");
}

Test(config, non_finite_numbers)
{
    cfg_fails(CFG_MIN "train: {temperature: .nan}\n", NULL, 7, 22,
              "temperature must be a finite number (got '.nan')");
    cfg_fails(CFG_MIN "train: {prior_precision: 1e999}\n", NULL, 7, 26,
              "prior_precision must be a finite number");
    cfg_fails(CFG_MIN "    lr: .inf\n", NULL, 7, 9, "lr must be a finite number");
    cfg_fails(CFG_MIN "    lr: -.Inf\n", NULL, 7, 9, "lr must be a finite number");
    cfg_fails(CFG_MIN "    lr: nan\n", NULL, 7, 9, "lr must be a finite number");
}

Test(config, unknown_names)
{
    cfg_fails(CFG_HEAD "methods:\n  - name: s\n    rule: lie-afine\n", NULL, 6, 11,
              "unknown rule 'lie-afine' (did you mean 'lie-affine'?)");
    cfg_fails(CFG_HEAD "methods:\n  - name: s\n    rule: magic\n", NULL, 6, 11,
              "unknown rule 'magic' (known: sgd,");
    cfg_fails(CFG_HEAD "methods:\n  - name: s\n    rule: lie-affine\n    base: [gaussian, gausian]\n",
              NULL, 7, 22, "unknown base 'gausian' (did you mean 'gaussian'?)");
    cfg_fails("name: t\ndata: {set: cifar}\n", NULL, 2, 13, "unknown data set 'cifar'");
    cfg_fails("name: t\ndata: {set: csv, train: a.csv, test: b.csv}\nmodel: {arch: resnet}\n",
              NULL, 3, 15, "unknown arch 'resnet'");
    cfg_fails("name: t\ndata: {set: csv, train: a.csv, test: b.csv}\nmodel: {arch: cnn}\n",
              NULL, 3, 15, "arch cnn needs an image data set");
    cfg_fails("name: t\ndata: {set: csv, train: a.csv, test: b.csv}\n"
              "model: {arch: mlp, hidden: [4], activation: relu6}\n", NULL, 3, 45,
              "unknown activation 'relu6' (did you mean 'relu'?)");
    cfg_fails(CFG_MIN "report: {metrics: [rmse, nlll]}\n", NULL, 7, 26,
              "unknown metric 'nlll' (did you mean 'nll'?)");
    cfg_fails(CFG_MIN "report: {figures: [curve]}\n", NULL, 7, 20,
              "unknown figure 'curve' (did you mean 'curves'?)");
    cfg_fails(CFG_MIN "report: {figures: [curves, filters]}\n", NULL, 7, 28,
              "figure 'filters' draws first-layer weights as 28x28 images");
    cfg_fails(CFG_MIN "train: {schedule: linear}\n", NULL, 7, 19, "unknown schedule 'linear'");
    cfg_fails(CFG_MIN "    hessian: exact\n", NULL, 7, 14, "unknown hessian 'exact'");
    cfg_fails("name: t\ndata: {set: csv, train: a.csv, test: b.csv, task: ranking}\n", NULL, 2,
              51, "unknown task 'ranking'");
}

Test(config, a_base_that_does_not_fit_the_rule)
{
    /* Line 7 "    base: gaussian": the value at 7:11. */
    cfg_fails(CFG_HEAD "methods:\n  - name: m\n    rule: lie-multiplicative\n    base: gaussian\n",
              NULL, 7, 11, "needs a base on (0,inf)");
    cfg_fails(CFG_HEAD "methods:\n  - name: m\n    rule: lie-additive\n    base: rayleigh\n",
              NULL, 7, 11, "needs a base on R");
    cfg_fails(CFG_HEAD "methods:\n  - name: m\n    rule: lie-affine\n    base: dirac\n", NULL, 7,
              11, "needs a base with a density");
    /* Only the list item that does not fit: `laplace` at 7:22. */
    cfg_fails(CFG_HEAD "methods:\n  - name: m\n    rule: lie-multiplicative\n"
              "    base: [rayleigh, laplace]\n", NULL, 7, 22, "not 'laplace'");
    /* Faults of the base parameters land on their keys. */
    cfg_fails(CFG_HEAD "methods:\n  - name: m\n    rule: lie-affine\n    base_scale: 0\n", NULL,
              7, 17, "scale must be finite and > 0");
    cfg_fails(CFG_HEAD "methods:\n  - name: m\n    rule: lie-affine\n    base: student-t\n"
              "    nu: -1\n", NULL, 8, 9, "nu must be finite and > 0");
    cfg_fails(CFG_HEAD "methods:\n  - name: m\n    rule: lie-affine\n    base: student-t\n", NULL,
              7, 11, "base 'student-t' needs 'nu'");
}

Test(config, sgd_with_a_base)
{
    cfg_fails(CFG_MIN "    base: gaussian\n", NULL, 7, 5,
              "sgd has no base distribution: remove 'base'");
    cfg_fails(CFG_MIN "    base_scale: 0.1\n", NULL, 7, 5, "sgd has no base distribution");
}

/* A key that no rule of the entry reads would be ignored; it is an error at the key, naming
 * the rules that do read it. */
Test(config, a_key_the_rule_does_not_use)
{
    cfg_fails(CFG_MIN "    lr2: 3\n", NULL, 7, 5,
              "lr2 does not apply to rule sgd (it is used by: lie-affine)");
    cfg_fails(CFG_HEAD "methods:\n  - name: m\n    rule: [adam, sgd]\n    init_sd: 0.1\n", NULL,
              7, 5, "init_sd does not apply to rules adam, sgd (it is used by: bbb)");
    cfg_fails(CFG_HEAD "methods:\n  - name: m\n    rule: ivon\n    hessian: price\n", NULL, 7, 5,
              "hessian does not apply to rule ivon (it is used by: blr)");
    cfg_fails(CFG_HEAD "methods:\n  - name: m\n    rule: lie-affine\n    nu: 5\n", NULL, 7, 5,
              "nu does not apply to base gaussian (it is used by: student-t)");
    /* Used by one rule of a list; train keys apply to every rule; a list of bases keeps its
     * nu whichever bases it lists. */
    cfg_ok(CFG_HEAD "methods:\n"
           "  - {name: a, rule: [adam, bbb], init_sd: 0.1, eps: 1e-6}\n"
           "  - {name: s, rule: sgd, temperature: 0.5, mc_train: 2}\n"
           "  - {name: f, rule: lie-affine, base: [gaussian, laplace], nu: 5}\n", NULL);
    cr_assert_eq(cfg_ex.n_variants, 5);
}

Test(config, missing_required_keys)
{
    /* At the mapping that lacks the key: the root at 1:1, the method entry at 5:5, the data
     * flow mapping at 2:7. */
    cfg_fails("title: x\ndata: {set: csv}\n", NULL, 1, 1, "missing required key 'name'");
    cfg_fails("name: t\ndata: {set: csv, train: a.csv, test: b.csv}\nmodel: {arch: linear}\n",
              NULL, 1, 1, "missing required key 'methods'");
    cfg_fails(CFG_HEAD "methods:\n  - name: s\n    lr: 0.1\n", NULL, 5, 5,
              "missing required key 'rule'");
    cfg_fails(CFG_HEAD "methods:\n  - rule: sgd\n", NULL, 5, 5, "missing required key 'name'");
    cfg_fails("name: t\ndata: {train: a.csv}\n", NULL, 2, 7, "missing required key 'set'");
    cfg_fails("name: t\ndata: {set: csv, train: a.csv}\n", NULL, 2, 7,
              "missing required key 'test'");
    cfg_fails("name: t\ndata: {set: csv, train: a.csv, test: b.csv}\nmodel: {}\n", NULL, 3, 8,
              "missing required key 'arch'");
    cfg_fails("name: t\ndata: {set: csv, train: a.csv, test: b.csv}\nmodel: {arch: mlp}\n", NULL,
              3, 8, "missing required key 'hidden'");
    cfg_fails(CFG_HEAD "methods: []\n", NULL, 4, 10, "at least one method");
}

Test(config, missing_csv_file)
{
    /* Line 2 "data: {set: csv, train: a.csv, test: nope.csv}": `nope.csv` at 2:38. */
    cfg_fails("name: t\ndata: {set: csv, train: a.csv, test: nope.csv}\n", NULL, 2, 38,
              "test: cannot find");
    cfg_fails("name: t\ndata: {set: csv, train: ., test: b.csv}\n", NULL, 2, 25,
              "is not a regular file");
}

Test(config, missing_standard_files_name_the_fix)
{
    cfg_mkdir("empty");
    char p[CFG_PATH];
    snprintf(p, sizeof p, "%s/empty", cfg_dir);
    setenv("BLR_DATA_DIR", p, 1);
    setenv("BLR_FASHION_DIR", p, 1);
    cfg_fails("name: t\ndata: {set: mnist}\n", NULL, 2, 13, "blr data fetch");
    cfg_fails("name: t\ndata: {set: fashion-mnist}\n", NULL, 2, 13, "dataset-fashion-mnist");
}

Test(config, ood_set_faults)
{
    cfg_fake_standard_sets();
    cfg_fails("name: t\ndata: {set: mnist, ood: mnist}\n", NULL, 2, 25,
              "ood must differ from set");
    cfg_fails("name: t\ndata: {set: mnist, ood: svhn}\n", NULL, 2, 25, "unknown ood set 'svhn'");
    cfg_fails("name: t\ndata: {set: csv, train: a.csv, test: b.csv, ood: mnist}\n", NULL, 2, 45,
              "ood needs an image set");
    cfg_fails("name: t\ndata: {set: mnist, train: a.csv}\n", NULL, 2, 20,
              "'train' is only for set: csv");
}

Test(config, bad_name_pattern)
{
    cfg_fails("name: Quick\n", NULL, 1, 7, "name 'Quick' must match [a-z0-9-]+");
    cfg_fails("name: a b\n", NULL, 1, 7, "must match [a-z0-9-]+");
    cfg_fails(CFG_HEAD "methods: [{name: s_1, rule: sgd}]\n", NULL, 4, 18,
              "method name 's_1' must match");
    char text[128] = "name: ";
    memset(text + 6, 'a', 64);
    snprintf(text + 70, sizeof text - 70, "\n");
    cfg_fails(text, NULL, 1, 7, "name is too long (at most 63 characters)");
}

Test(config, ood_auroc_without_ood)
{
    /* Line 7 "report: {metrics: [acc, ood_auroc]}": `[` 19, `acc` 20, `ood_auroc` 25. */
    cfg_fails("name: t\ndata: {set: csv, train: a.csv, test: b.csv, task: classification}\n"
              "model: {arch: linear}\nmethods:\n  - name: s\n    rule: sgd\n"
              "report: {metrics: [acc, ood_auroc]}\n", NULL, 7, 25,
              "metric 'ood_auroc' needs an out-of-distribution set");
}

Test(config, metrics_and_figures_must_fit_the_task)
{
    cfg_fails(CFG_MIN "report: {metrics: [acc]}\n", NULL, 7, 20,
              "metric 'acc' does not apply to a regression task");
    cfg_fails(CFG_MIN "report: {figures: [reliability]}\n", NULL, 7, 20,
              "figure 'reliability' needs a classification task");
    cfg_fails("name: t\ndata: {set: csv, train: a.csv, test: b.csv, task: classification, "
              "noise_sd: 2}\n", NULL, 2, 67, "noise_sd is only for task: regression");
    cfg_fails("name: t\ndata: {set: csv, train: a.csv, test: b.csv}\n"
              "model: {arch: linear, hidden: [3]}\n", NULL, 3, 23, "hidden is only for arch: mlp");
}

Test(config, variant_faults)
{
    /* Line 6 "  - {name: a, rule: sgd, lr: [0.1, 0.10]}": both give "a-lr0.1"; the method's
     * `a` is at 6:12. */
    cfg_fails(CFG_HEAD "methods:\n  - {name: b, rule: sgd}\n  - {name: a, rule: sgd, lr: [0.1, "
              "0.10]}\n", NULL, 6, 12, "duplicate variant name 'a-lr0.1'");
    cfg_fails(CFG_HEAD "methods:\n  - {name: a, rule: sgd}\n  - {name: a, rule: sgd}\n", NULL,
              6, 12, "duplicate variant name 'a' (also made by the method at line 5)");
    cfg_fails(CFG_MIN "    lr: []\n", NULL, 7, 9, "an empty list expands to no variants");
    /* 12 × 11 = 132 variants > BLR_MAX_VARIANTS = 128; reported at the entry (5:5). */
    cfg_fails(CFG_MIN "    lr: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]\n"
              "    beta1: [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.81, 0.82]\n", NULL, 5, 5,
              "too many variants: at most 128");
}

Test(config, exactly_max_variants_fit)
{
    /* 16 × 8 = 128 = BLR_MAX_VARIANTS. */
    cfg_ok(CFG_MIN "    lr: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]\n"
           "    beta1: [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7]\n", NULL);
    cr_assert_eq(cfg_ex.n_variants, BLR_MAX_VARIANTS);
    cr_assert_str_eq(cfg_ex.variants[127].name, "s-lr16-beta1-0.7");
}

/* ---- names --------------------------------------------------------------------------- */

Test(config, metric_and_figure_names_round_trip)
{
    static const char *const metrics[BLR_METRIC_COUNT] = {
        "acc", "rmse", "nll", "ece", "brier", "bayes_acc", "bayes_rmse", "bayes_nll",
        "bayes_ece", "bayes_brier", "ood_auroc", "hoyer", "near_zero",
    };
    for (int i = 0; i < BLR_METRIC_COUNT; i++) {
        blr_metric m;
        cr_assert_str_eq(blr_metric_name((blr_metric)i), metrics[i]);
        cr_assert_eq(blr_metric_from_name(metrics[i], &m), 0);
        cr_assert_eq(m, (blr_metric)i);
    }
    static const char *const figures[BLR_FIGURE_COUNT] = {
        "curves", "reliability", "posterior", "filters", "ablation",
    };
    for (int i = 0; i < BLR_FIGURE_COUNT; i++) {
        blr_figure f;
        cr_assert_str_eq(blr_figure_name((blr_figure)i), figures[i]);
        cr_assert_eq(blr_figure_from_name(figures[i], &f), 0);
        cr_assert_eq(f, (blr_figure)i);
    }
    blr_metric m;
    blr_figure f;
    cr_assert_eq(blr_metric_from_name("accuracy", &m), -1);
    cr_assert_eq(blr_metric_from_name(NULL, &m), -1);
    cr_assert_eq(blr_figure_from_name("curve", &f), -1);
    cr_assert_str_eq(blr_metric_name(BLR_METRIC_COUNT), "unknown");
    cr_assert_str_eq(blr_figure_name(BLR_FIGURE_COUNT), "unknown");
}
