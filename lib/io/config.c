/* Experiment files (docs/experiments.md) -> blr_experiment.
 *
 * The file is read into a positioned tree (yaml_tree.h); then select_profile deep-merges
 * `profiles.<name>` over it, and read_experiment validates every section into the structs;
 * the train section and the method entries, with their expansion into variants, are
 * config_methods.c's. Every fault becomes "FILE:LINE:COL: error: message" at the node that
 * caused it, and the loader returns 2 (the CLI's "bad input" status). */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "config_methods.h"
#include "config_overrides.h"
#include "config_tune.h"
#include "data.h"
#include "yaml_tree.h"

#define BAD BLR_YAML_BAD
#define MSG_LEN BLR_CONFIG_MSG_LEN

/* ---- metric and figure names (read-only tables) ---- */

static const char *const metric_names[BLR_METRIC_COUNT] = {
    [BLR_METRIC_ACC] = "acc", [BLR_METRIC_RMSE] = "rmse", [BLR_METRIC_NLL] = "nll",
    [BLR_METRIC_ECE] = "ece", [BLR_METRIC_BRIER] = "brier", [BLR_METRIC_BAYES_ACC] = "bayes_acc",
    [BLR_METRIC_BAYES_RMSE] = "bayes_rmse", [BLR_METRIC_BAYES_NLL] = "bayes_nll",
    [BLR_METRIC_BAYES_ECE] = "bayes_ece", [BLR_METRIC_BAYES_BRIER] = "bayes_brier",
    [BLR_METRIC_OOD_AUROC] = "ood_auroc", [BLR_METRIC_HOYER] = "hoyer",
    [BLR_METRIC_NEAR_ZERO] = "near_zero",
};

static const char *const figure_names[BLR_FIGURE_COUNT] = {
    "curves", "reliability", "posterior", "filters", "ablation",
};

const char *blr_metric_name(blr_metric m)
{
    return (size_t)m < BLR_METRIC_COUNT ? metric_names[m] : "unknown";
}

int blr_metric_from_name(const char *name, blr_metric *m)
{
    for (size_t i = 0; name && i < BLR_METRIC_COUNT; i++)
        if (strcmp(name, metric_names[i]) == 0) {
            *m = (blr_metric)i;
            return 0;
        }
    return -1;
}

const char *blr_figure_name(blr_figure f)
{
    return (size_t)f < BLR_FIGURE_COUNT ? figure_names[f] : "unknown";
}

int blr_figure_from_name(const char *name, blr_figure *f)
{
    for (size_t i = 0; name && i < BLR_FIGURE_COUNT; i++)
        if (strcmp(name, figure_names[i]) == 0) {
            *f = (blr_figure)i;
            return 0;
        }
    return -1;
}

/* ---- profiles ---- */

static int select_profile(const blr_yctx *c, blr_ynode *root, const char *profile)
{
    long pi = blr_yaml_index(root, "profiles");
    blr_ynode *profiles = pi >= 0 ? root->val[pi] : NULL;
    if (profiles) {
        if (blr_yaml_want_map(c, profiles, "profile names to overrides"))
            return BAD;
        for (size_t i = 0; i < profiles->n; i++) {
            const blr_ynode *p = profiles->val[i];
            if (blr_yaml_want_map(c, p, "the keys this profile overrides"))
                return BAD;
            long nested = blr_yaml_index(p, "profiles");
            if (nested >= 0)
                return blr_yaml_fail(c, p->key[nested], "a profile cannot define profiles");
        }
    }
    if (!profile || !profile[0])
        return 0;
    long i = profiles ? blr_yaml_index(profiles, profile) : -1;
    if (i >= 0)
        return blr_yaml_merge(c, root, profiles->val[i]);
    if (!profiles || profiles->n == 0)
        return blr_yaml_fail_at(c, profiles ? root->key[pi]->line : 1,
                                profiles ? root->key[pi]->col : 1,
                                "unknown profile '%s' (the file defines no profiles)", profile);
    const char *names[32];
    size_t count = 0;
    for (; count < profiles->n && count < 32; count++)
        names[count] = profiles->key[count]->text;
    char list[512];
    blr_yaml_join(names, count, list, sizeof list);
    return blr_yaml_fail(c, root->key[pi], "unknown profile '%s' (profiles: %s)", profile, list);
}
/* ---- data ---- */

static const char *const set_names[] = {"fashion-mnist", "mnist", "csv"};
static const char *const image_set_names[] = {"fashion-mnist", "mnist"};
static const char *const task_names[] = {"regression", "classification"};

/* A csv path, relative to the experiment file's directory; the file must exist. */
static int resolve_path(const blr_yctx *c, const blr_ynode *n, const char *key, char *out,
                        size_t size)
{
    char rel[BLR_PATH_LEN];
    if (blr_yaml_get_string(c, n, key, rel, sizeof rel))
        return BAD;
    if (!rel[0])
        return blr_yaml_fail(c, n, "%s: expected a file name", key);
    const char *slash = strrchr(c->path, '/');
    int w;
    if (rel[0] == '/' || !slash)
        w = snprintf(out, size, "%s", rel);
    else
        w = snprintf(out, size, "%.*s%s", (int)(slash - c->path + 1), c->path, rel);
    if (w < 0 || (size_t)w >= size)
        return blr_yaml_fail(c, n, "%s: the path is too long (at most %zu characters)", key,
                             size - 1);
    struct stat st;
    if (stat(out, &st) != 0)
        return blr_yaml_fail(c, n, "%s: cannot find '%s' (%s)", key, out,
                             strerror(errno));
    if (!S_ISREG(st.st_mode))
        return blr_yaml_fail(c, n, "%s: '%s' is not a regular file", key, out);
    return 0;
}

/* The IDX files of a standard set (from index `first` on) must exist. */
static int check_standard_files(const blr_yctx *c, const blr_ynode *at, const char *set, int first)
{
    char p[4][512];
    if (blr_data_standard_paths(set, p) != 0)
        return blr_yaml_fail(c, at, "no standard files for data set '%s'", set);
    for (int i = first; i < 4; i++) {
        struct stat st;
        if (stat(p[i], &st) == 0)
            continue;
        if (strcmp(set, "mnist") == 0)
            return blr_yaml_fail(c, at,
                                 "data set 'mnist' is missing '%s': run `blr data fetch` "
                                 "(or make data in the repository) to make it, or point "
                                 "BLR_DATA_DIR at a directory with mnist/",
                                 p[i]);
        return blr_yaml_fail(c, at, "data set '%s' is missing '%s': install the Debian package "
                    "dataset-%s (scripts/setup.sh) or point BLR_FASHION_DIR at the files",
                    set, p[i], set);
    }
    return 0;
}

static int read_subset(const blr_yctx *c, const blr_ynode *d, const char *key, size_t *out)
{
    const blr_ynode *n = blr_yaml_find(d, key);
    long long v = 0;
    if (n && blr_yaml_get_int(c, n, key, 0, LLONG_MAX, &v))
        return BAD;
    *out = (size_t)v;
    return 0;
}

static int read_csv_data(const blr_yctx *c, const blr_ynode *d, blr_data_cfg *out)
{
    static const char *const required[] = {"train", "test"};
    for (size_t i = 0; i < 2; i++)
        if (!blr_yaml_find(d, required[i]))
            return blr_yaml_fail(c, d,
                                 "missing required key '%s' (set: csv needs train and test files)",
                                 required[i]);
    if (resolve_path(c, blr_yaml_find(d, "train"), "train", out->train_path,
                     sizeof out->train_path) ||
        resolve_path(c, blr_yaml_find(d, "test"), "test", out->test_path, sizeof out->test_path))
        return BAD;
    const blr_ynode *n = blr_yaml_find(d, "task");
    size_t task = 0;
    if (n && blr_yaml_get_word(c, n, "task", task_names, 2, &task))
        return BAD;
    out->task = task == 0 ? BLR_TASK_REGRESSION : BLR_TASK_CLASSIFICATION;
    if ((n = blr_yaml_find(d, "target")) &&
        blr_yaml_get_string(c, n, "target", out->target, sizeof out->target))
        return BAD;
    if ((n = blr_yaml_find(d, "noise_sd"))) {
        if (out->task != BLR_TASK_REGRESSION)
            return blr_yaml_fail(c, d->key[blr_yaml_index(d, "noise_sd")],
                        "noise_sd is only for task: regression");
        if (blr_yaml_get_num(c, n, "noise_sd", &out->noise_sd))
            return BAD;
        if (out->noise_sd <= 0.0)
            return blr_yaml_fail(c, n, "noise_sd must be > 0 (got %s)", n->text);
    }
    if ((n = blr_yaml_find(d, "ood")))
        return blr_yaml_fail(c, d->key[blr_yaml_index(d, "ood")],
                    "ood needs an image set (fashion-mnist or mnist), not set: csv");
    return 0;
}

static int read_image_data(const blr_yctx *c, const blr_ynode *d, const blr_ynode *set,
                           blr_data_cfg *out)
{
    static const char *const csv_only[] = {"train", "test", "task", "target", "noise_sd"};
    for (size_t i = 0; i < sizeof csv_only / sizeof csv_only[0]; i++) {
        long k = blr_yaml_index(d, csv_only[i]);
        if (k >= 0)
            return blr_yaml_fail(c, d->key[k],
                                 "'%s' is only for set: csv (set %s is a classification "
                                 "set with its own files)",
                                 csv_only[i], out->set);
    }
    out->task = BLR_TASK_CLASSIFICATION;
    if (check_standard_files(c, set, out->set, 0))
        return BAD;
    const blr_ynode *ood = blr_yaml_find(d, "ood");
    if (!ood)
        return 0;
    size_t i;
    if (blr_yaml_get_word(c, ood, "ood set", image_set_names, 2, &i))
        return BAD;
    if (strcmp(image_set_names[i], out->set) == 0)
        return blr_yaml_fail(c, ood, "ood must differ from set (both are '%s')", out->set);
    snprintf(out->ood, sizeof out->ood, "%s", image_set_names[i]);
    /* Only the test split of the OOD set is read. */
    return check_standard_files(c, ood, out->ood, 2);
}

static int read_data(const blr_yctx *c, const blr_ynode *root, blr_data_cfg *out)
{
    static const char *const keys[] = {"set", "train_subset", "test_subset", "validation",
                                       "ood", "train", "test", "task", "target", "noise_sd"};
    const blr_ynode *d = blr_yaml_find(root, "data");
    out->noise_sd = 1.0;
    if (blr_yaml_want_map(c, d, "the data set") ||
        blr_yaml_check_keys(c, d, keys, sizeof keys / sizeof keys[0]))
        return BAD;
    const blr_ynode *set = blr_yaml_find(d, "set");
    if (!set)
        return blr_yaml_fail(c, d, "missing required key 'set'");
    size_t s;
    if (blr_yaml_get_word(c, set, "data set", set_names, 3, &s))
        return BAD;
    snprintf(out->set, sizeof out->set, "%s", set_names[s]);
    if (read_subset(c, d, "train_subset", &out->train_subset) ||
        read_subset(c, d, "test_subset", &out->test_subset) ||
        read_subset(c, d, "validation", &out->validation))
        return BAD;
    return strcmp(out->set, "csv") == 0 ? read_csv_data(c, d, out)
                                        : read_image_data(c, d, set, out);
}

/* ---- model ---- */

/* Reads a list of positive layer sizes (hidden widths, conv channels) into out[0..*n). */
static int read_sizes(const blr_yctx *c, const blr_ynode *list, const char *what, const char *item,
                      int min_n, int max_n, int *out, int *n)
{
    if (blr_yaml_want_seq(c, list, what))
        return BAD;
    if (list->n < (size_t)min_n || list->n > (size_t)max_n)
        return blr_yaml_fail(c, list, "%s: need %d to %d values (got %zu)", what, min_n, max_n,
                             list->n);
    *n = (int)list->n;
    for (size_t i = 0; i < list->n; i++) {
        long long v;
        if (blr_yaml_get_int(c, list->val[i], item, 1, INT_MAX, &v))
            return BAD;
        out[i] = (int)v;
    }
    return 0;
}

/* A cnn sees the image sets' 28×28 grey images; its sizes are checked against them here so a
 * kernel too large for the image is a position-carrying error, not a failed run. */
static int read_cnn(const blr_yctx *c, const blr_ynode *m, const blr_data_cfg *data,
                    blr_model_spec *out)
{
    if (strcmp(data->set, "csv") == 0)
        return blr_yaml_fail(c, blr_yaml_find(m, "arch"),
                             "arch cnn needs an image data set (fashion-mnist or "
                             "mnist), not csv");
    blr_model_spec def;
    blr_model_cnn_default(&def);
    out->n_conv = def.n_conv;
    memcpy(out->conv_channels, def.conv_channels, sizeof out->conv_channels);
    out->kernel = def.kernel;
    out->n_hidden = def.n_hidden;
    memcpy(out->hidden, def.hidden, sizeof out->hidden);
    out->image_side = 28;
    out->image_channels = 1;
    out->n_in = out->image_side * out->image_side * out->image_channels;
    const blr_ynode *conv = blr_yaml_find(m, "conv"), *kernel = blr_yaml_find(m, "kernel"),
                    *hidden = blr_yaml_find(m, "hidden");
    if (conv && read_sizes(c, conv, "conv channels", "a conv channel count", 1, BLR_MAX_CONV,
                           out->conv_channels, &out->n_conv))
        return BAD;
    long long k = out->kernel;
    if (kernel && blr_yaml_get_int(c, kernel, "the kernel side", 1, 28, &k))
        return BAD;
    out->kernel = (int)k;
    if (hidden && read_sizes(c, hidden, "hidden layer widths", "a hidden layer width", 0,
                             BLR_MAX_LAYERS - 1, out->hidden, &out->n_hidden))
        return BAD;
    out->n_out = 10;
    blr_model m0;
    char why[256];
    if (blr_model_init(&m0, out, 1, why, sizeof why) != 0)
        return blr_yaml_fail(c, conv ? conv : m, "%s", why);
    blr_model_free(&m0);
    return 0;
}

static int read_model(const blr_yctx *c, const blr_ynode *root, const blr_data_cfg *data,
                      blr_model_spec *out)
{
    static const char *const keys[] = {"arch", "hidden", "activation", "init", "conv",
                                       "kernel"};
    const blr_ynode *m = blr_yaml_find(root, "model");
    if (blr_yaml_want_map(c, m, "the network") || blr_yaml_check_keys(c, m, keys, 6))
        return BAD;
    memset(out, 0, sizeof *out);
    out->task = data->task;
    out->noise_sd = data->noise_sd;
    out->act = BLR_ACT_TANH;
    const blr_ynode *arch = blr_yaml_find(m, "arch");
    if (!arch)
        return blr_yaml_fail(c, m, "missing required key 'arch'");
    if (blr_yaml_want_scalar(c, arch, "a name"))
        return BAD;
    if (blr_arch_from_name(arch->text, &out->arch) != 0) {
        const char *names[] = {blr_arch_name(BLR_ARCH_LINEAR), blr_arch_name(BLR_ARCH_MLP),
                               blr_arch_name(BLR_ARCH_CNN)};
        return blr_yaml_unknown(c, arch, "arch", names, 3);
    }
    const blr_ynode *act = blr_yaml_find(m, "activation");
    if (act && blr_yaml_want_scalar(c, act, "a name"))
        return BAD;
    if (act && blr_act_from_name(act->text, &out->act) != 0) {
        const char *names[] = {blr_act_name(BLR_ACT_TANH), blr_act_name(BLR_ACT_RELU),
                               blr_act_name(BLR_ACT_ELU)};
        return blr_yaml_unknown(c, act, "activation", names, 3);
    }
    const blr_ynode *init = blr_yaml_find(m, "init");
    if (init && blr_yaml_want_scalar(c, init, "a name"))
        return BAD;
    if (init && blr_init_from_name(init->text, &out->init) != 0) {
        const char *names[] = {blr_init_name(BLR_INIT_PYTORCH), blr_init_name(BLR_INIT_HAIKU)};
        return blr_yaml_unknown(c, init, "init", names, 2);
    }
    if (out->arch != BLR_ARCH_CNN) {
        static const char *const cnn_keys[] = {"conv", "kernel"};
        for (int i = 0; i < 2; i++)
            if (blr_yaml_find(m, cnn_keys[i]))
                return blr_yaml_fail(c, m->key[blr_yaml_index(m, cnn_keys[i])],
                                     "%s is only for arch: cnn", cnn_keys[i]);
    }
    const blr_ynode *hidden = blr_yaml_find(m, "hidden");
    if (out->arch == BLR_ARCH_CNN)
        return read_cnn(c, m, data, out);
    if (out->arch != BLR_ARCH_MLP) {
        if (hidden)
            return blr_yaml_fail(c, m->key[blr_yaml_index(m, "hidden")],
                                 "hidden is only for arch: mlp or cnn");
        return 0;
    }
    if (!hidden)
        return blr_yaml_fail(c, m,
                             "missing required key 'hidden' (arch mlp needs its layer widths)");
    return read_sizes(c, hidden, "hidden layer widths", "a hidden layer width", 1,
                      BLR_MAX_LAYERS - 1, out->hidden, &out->n_hidden);
}

/* ---- seeds ---- */

static int read_seeds(const blr_yctx *c, const blr_ynode *root, blr_experiment *out)
{
    const blr_ynode *s = blr_yaml_find(root, "seeds");
    out->n_seeds = 1;
    out->seeds[0] = 0;
    if (!s)
        return 0;
    if (blr_yaml_want_seq(c, s, "seeds"))
        return BAD;
    if (s->n == 0 || s->n > BLR_MAX_SEEDS)
        return blr_yaml_fail(c, s, "seeds needs 1 to %d seeds (got %zu)", BLR_MAX_SEEDS, s->n);
    for (size_t i = 0; i < s->n; i++) {
        long long v;
        if (blr_yaml_get_int(c, s->val[i], "seed", 0, INT_MAX, &v))
            return BAD;
        for (size_t j = 0; j < i; j++)
            if (out->seeds[j] == (int)v)
                return blr_yaml_fail(c, s->val[i], "duplicate seed %lld", v);
        out->seeds[i] = (int)v;
    }
    out->n_seeds = (int)s->n;
    return 0;
}

/* ---- report ---- */

static int metric_task_ok(blr_metric m, blr_task task)
{
    if (m == BLR_METRIC_NLL || m == BLR_METRIC_BAYES_NLL || m == BLR_METRIC_HOYER ||
        m == BLR_METRIC_NEAR_ZERO)
        return 1;
    int regression = m == BLR_METRIC_RMSE || m == BLR_METRIC_BAYES_RMSE;
    return regression == (task == BLR_TASK_REGRESSION);
}

static int read_metrics(const blr_yctx *c, const blr_ynode *list, const blr_data_cfg *data,
                        unsigned *out)
{
    const char *task = data->task == BLR_TASK_REGRESSION ? "regression" : "classification";
    if (blr_yaml_want_seq(c, list, "metric names"))
        return BAD;
    *out = 0;
    for (size_t i = 0; i < list->n; i++) {
        const blr_ynode *n = list->val[i];
        blr_metric m;
        if (blr_yaml_want_scalar(c, n, "a metric name"))
            return BAD;
        if (blr_metric_from_name(n->text, &m) != 0)
            return blr_yaml_unknown(c, n, "metric", metric_names, BLR_METRIC_COUNT);
        if (!metric_task_ok(m, data->task))
            return blr_yaml_fail(c, n, "metric '%s' does not apply to a %s task", n->text, task);
        if (m == BLR_METRIC_OOD_AUROC && !data->ood[0])
            return blr_yaml_fail(c, n, "metric 'ood_auroc' needs an out-of-distribution set: add "
                        "data: ood");
        *out |= 1u << m;
    }
    return 0;
}

static int read_figures(const blr_yctx *c, const blr_ynode *list, const blr_experiment *ex,
                        unsigned *out)
{
    blr_task task = ex->data.task;
    if (blr_yaml_want_seq(c, list, "figure names"))
        return BAD;
    *out = 0;
    for (size_t i = 0; i < list->n; i++) {
        const blr_ynode *n = list->val[i];
        blr_figure f;
        if (blr_yaml_want_scalar(c, n, "a figure name"))
            return BAD;
        if (blr_figure_from_name(n->text, &f) != 0)
            return blr_yaml_unknown(c, n, "figure", figure_names, BLR_FIGURE_COUNT);
        if (f == BLR_FIGURE_RELIABILITY && task != BLR_TASK_CLASSIFICATION)
            return blr_yaml_fail(c, n, "figure 'reliability' needs a classification task");
        /* Refused here rather than after hours of training. */
        if (f == BLR_FIGURE_ABLATION && task != BLR_TASK_CLASSIFICATION)
            return blr_yaml_fail(c, n, "figure 'ablation' needs a classification task");
        if (f == BLR_FIGURE_FILTERS &&
            (strcmp(ex->data.set, "csv") == 0 || ex->model.arch == BLR_ARCH_CNN))
            return blr_yaml_fail(c, n,
                                 "figure 'filters' draws first-layer weights as 28x28 images: it "
                                 "needs an image data set and arch mlp or linear");
        *out |= 1u << f;
    }
    return 0;
}

/* The reference of the tables' significance marks: a variant name after list expansion. */
static int read_reference(const blr_yctx *c, const blr_ynode *n, blr_experiment *out)
{
    if (blr_yaml_want_scalar(c, n, "a variant name"))
        return BAD;
    for (int v = 0; v < out->n_variants; v++)
        if (strcmp(out->variants[v].name, n->text) == 0) {
            out->reference = v;
            return 0;
        }
    char names[MSG_LEN / 2] = "";
    size_t used = 0;
    for (int v = 0; v < out->n_variants && used < sizeof names; v++)
        used += (size_t)snprintf(names + used, sizeof names - used, "%s%s", v ? ", " : "",
                                 out->variants[v].name);
    return blr_yaml_fail(c, n, "reference '%s' is not a variant of this experiment (variants: %s)",
                         n->text, names);
}

static int read_report(const blr_yctx *c, const blr_ynode *root, blr_experiment *out)
{
    static const char *const keys[] = {"metrics", "figures", "posterior", "reference"};
    int cls = out->data.task == BLR_TASK_CLASSIFICATION;
    if (cls) {
        out->metrics = (1u << BLR_METRIC_ACC) | (1u << BLR_METRIC_NLL) |
                       (1u << BLR_METRIC_ECE) | (1u << BLR_METRIC_BRIER) |
                       (1u << BLR_METRIC_BAYES_ACC) | (1u << BLR_METRIC_BAYES_NLL) |
                       (1u << BLR_METRIC_BAYES_ECE) | (1u << BLR_METRIC_BAYES_BRIER);
        if (out->data.ood[0])
            out->metrics |= 1u << BLR_METRIC_OOD_AUROC;
        out->figures = (1u << BLR_FIGURE_CURVES) | (1u << BLR_FIGURE_RELIABILITY);
    } else {
        out->metrics = (1u << BLR_METRIC_RMSE) | (1u << BLR_METRIC_NLL) |
                       (1u << BLR_METRIC_BAYES_RMSE) | (1u << BLR_METRIC_BAYES_NLL);
        out->figures = 1u << BLR_FIGURE_CURVES;
    }
    out->posterior = 0;
    const blr_ynode *r = blr_yaml_find(root, "report");
    if (r && (blr_yaml_want_map(c, r, "report settings") || blr_yaml_check_keys(c, r, keys, 4)))
        return BAD;
    out->reference = 0;
    const blr_ynode *ref = r ? blr_yaml_find(r, "reference") : NULL;
    if (ref && read_reference(c, ref, out))
        return BAD;
    const blr_ynode *n, *figures = r ? blr_yaml_find(r, "figures") : NULL;
    if (r && (n = blr_yaml_find(r, "metrics")) && read_metrics(c, n, &out->data, &out->metrics))
        return BAD;
    if (r && (n = blr_yaml_find(r, "posterior")) && blr_yaml_get_bool(c, n, &out->posterior))
        return BAD;
    /* The posterior figure is drawn from the posterior files: by default it comes with them,
     * and asking for it without them is refused before any training. */
    if (!figures && out->posterior && !cls)
        out->figures |= 1u << BLR_FIGURE_POSTERIOR;
    if (figures && read_figures(c, figures, out, &out->figures))
        return BAD;
    if (figures && (out->figures & (1u << BLR_FIGURE_POSTERIOR)) && !out->posterior)
        return blr_yaml_fail(c, figures,
                             "figure 'posterior' needs 'posterior: true' (it is drawn from "
                             "the posterior files)");
    /* A linear regression's posterior files come with the one exact posterior they are drawn
     * against, which depends on the prior precision and the temperature. */
    const blr_train_cfg *t0 = &out->variants[0].train;
    for (int v = 1; out->posterior && out->model.arch == BLR_ARCH_LINEAR && !cls &&
                    v < out->n_variants;
         v++) {
        const blr_train_cfg *t = &out->variants[v].train;
        if (t->prior_precision != t0->prior_precision || t->temperature != t0->temperature)
            return blr_yaml_fail(
                c, blr_yaml_find(r, "posterior"),
                "posterior: true draws every variant against "
                "one exact posterior, but '%s' and '%s' differ in prior_precision or "
                "temperature",
                out->variants[0].name, out->variants[v].name);
    }
    return 0;
}

/* ---- the whole document ---- */

static const blr_ynode *required(const blr_yctx *c, const blr_ynode *map, const char *key)
{
    const blr_ynode *n = blr_yaml_find(map, key);
    if (!n)
        blr_yaml_fail(c, map, "missing required key '%s'", key);
    return n;
}

/* Sections are read in the order later ones depend on: data (the task), model, train (the
 * methods' defaults), methods, report (the task and the OOD set). */
static int read_experiment(const blr_yctx *c, const blr_ynode *root, blr_experiment *out)
{
    static const char *const keys[] = {"name", "title", "data", "model", "train", "seeds",
                                       "threads", "methods", "profiles", "report", "tune"};
    if (blr_yaml_check_keys(c, root, keys, sizeof keys / sizeof keys[0]))
        return BAD;
    const blr_ynode *name = required(c, root, "name");
    if (!name || blr_yaml_get_name(c, name, "name", out->name, sizeof out->name))
        return BAD;
    const blr_ynode *title = blr_yaml_find(root, "title");
    if (title && blr_yaml_get_string(c, title, "title", out->title, sizeof out->title))
        return BAD;
    const blr_ynode *threads = blr_yaml_find(root, "threads");
    long long t = 0;
    if (threads && blr_yaml_get_int(c, threads, "threads", 1, 1024, &t))
        return BAD;
    out->threads = (int)t;
    if (!required(c, root, "data") || read_data(c, root, &out->data) ||
        !required(c, root, "model") || read_model(c, root, &out->data, &out->model))
        return BAD;
    blr_train_cfg train;
    if (blr_config_read_train(c, root, &train) || read_seeds(c, root, out) ||
        !required(c, root, "methods") || blr_config_read_methods(c, root, &train, out) ||
        read_report(c, root, out))
        return BAD;
    return 0;
}

int blr_config_load_opts(const char *path, const blr_config_opts *o, blr_experiment *out,
                         char *err, size_t errlen)
{
    blr_yctx c = {path, err, errlen, o->sets};
    const char *profile = o->profile;
    memset(out, 0, sizeof *out);
    if (strlen(path) >= sizeof out->path) {
        snprintf(err, errlen, "%s: error: the path is too long (at most %zu characters)", path,
                 sizeof out->path - 1);
        return BAD;
    }
    if (profile && strlen(profile) >= sizeof out->profile) {
        snprintf(err, errlen, "%s: error: profile name '%s' is too long", path, profile);
        return BAD;
    }
    int rc = blr_config_describe_opts(&c, o, out->overrides, sizeof out->overrides);
    blr_ynode *root = NULL;
    if (rc == 0)
        rc = blr_yaml_load(&c, "a mapping with name, data, model and methods", &root);
    if (rc == 0)
        rc = select_profile(&c, root, profile);
    for (int k = 0; k < o->n_sets && rc == 0; k++)
        rc = blr_config_apply_set(&c, root, k + 1, o->sets[k]);
    if (rc == 0)
        rc = blr_config_tune(&c, root, o->tune, &out->tune);
    if (rc == 0)
        rc = read_experiment(&c, root, out);
    blr_yaml_free(root);
    if (rc == 0 && o->tune && out->data.validation == 0) {
        snprintf(err, errlen, "%s: error: a tuning scores on examples held out of the training "
                 "set, never on the test set: give the file a tune: section (validation, grid) "
                 "or data: validation: N", path);
        rc = BAD;
    }
    /* The tuning is part of the file: its grid is checked (methods named, keys that apply,
     * budgets) whether or not this load is the tuning. */
    if (rc == 0 && out->tune.present && !o->tune) {
        blr_config_opts as_tuning = *o;
        as_tuning.tune = 1;
        as_tuning.tuned = NULL;
        blr_experiment *scratch = malloc(sizeof *scratch);
        rc = scratch ? blr_config_load_opts(path, &as_tuning, scratch, err, errlen)
                     : blr_yaml_oom(&c);
        free(scratch);
    }
    if (rc == 0 && o->tuned)
        rc = blr_config_apply_tuned(&c, o->tuned, out);
    if (rc == 0)
        rc = blr_config_select_runs(&c, o, out);
    if (rc != 0)
        return rc;
    snprintf(out->path, sizeof out->path, "%s", path);
    snprintf(out->profile, sizeof out->profile, "%s", profile ? profile : "");
    return 0;
}

int blr_config_load(const char *path, const char *profile, blr_experiment *out, char *err,
                    size_t errlen)
{
    blr_config_opts o = {.profile = profile};
    return blr_config_load_opts(path, &o, out, err, errlen);
}
