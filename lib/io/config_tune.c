/* The tune section (docs/experiments.md "Tuning"): a grid per method entry, scored on a
 * validation split of the training set, never on the test set (docs/design.md §7); and the
 * way its choices come back into the final experiment. */
#include "config_tune.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_methods.h"
#include "config_overrides.h"
#include "sha256.h"

#define BAD BLR_YAML_BAD

static const char *const tune_keys[] = {"validation", "metric", "direction", "seeds", "grid",
                                        "budget"};

/* Where a higher value is better; every other metric is a loss. */
static int higher_is_better(blr_metric m)
{
    return m == BLR_METRIC_ACC || m == BLR_METRIC_BAYES_ACC || m == BLR_METRIC_OOD_AUROC ||
           m == BLR_METRIC_HOYER || m == BLR_METRIC_NEAR_ZERO;
}

static int read_section(const blr_yctx *c, const blr_ynode *s, blr_tune_cfg *out)
{
    if (blr_yaml_want_map(c, s, "how to tune: validation, grid, metric") ||
        blr_yaml_check_keys(c, s, tune_keys, sizeof tune_keys / sizeof *tune_keys))
        return BAD;
    const blr_ynode *n = blr_yaml_find(s, "validation");
    long long v;
    if (!n)
        return blr_yaml_fail(c, s, "missing required key 'validation' (the training examples "
                             "held out to score the grid on)");
    if (blr_yaml_get_int(c, n, "validation", 1, 1LL << 40, &v))
        return BAD;
    out->validation = (size_t)v;
    out->metric = BLR_METRIC_BAYES_NLL;
    if ((n = blr_yaml_find(s, "metric"))) {
        if (blr_yaml_want_scalar(c, n, "a metric name"))
            return BAD;
        if (blr_metric_from_name(n->text, &out->metric) != 0) {
            const char *names[BLR_METRIC_COUNT];
            for (int m = 0; m < BLR_METRIC_COUNT; m++)
                names[m] = blr_metric_name((blr_metric)m);
            return blr_yaml_unknown(c, n, "metric", names, BLR_METRIC_COUNT);
        }
    }
    out->maximize = higher_is_better(out->metric);
    static const char *const directions[] = {"min", "max"}, *const budgets[] = {"equal", "any"};
    size_t i;
    if ((n = blr_yaml_find(s, "direction"))) {
        if (blr_yaml_get_word(c, n, "direction", directions, 2, &i))
            return BAD;
        out->maximize = i == 1;
    }
    if ((n = blr_yaml_find(s, "budget"))) {
        if (blr_yaml_get_word(c, n, "budget", budgets, 2, &i))
            return BAD;
        out->any_budget = i == 1;
    }
    const blr_ynode *grid = blr_yaml_find(s, "grid");
    if (!grid)
        return blr_yaml_fail(c, s, "missing required key 'grid' (per method entry, the lists "
                             "of values to try: grid: {sgd: {lr: [0.1, 0.3]}})");
    if (blr_yaml_want_map(c, grid, "method names to the lists to try"))
        return BAD;
    if (grid->n == 0)
        return blr_yaml_fail(c, grid, "an empty grid: nothing to tune");
    out->present = 1;
    return 0;
}

/* The method entry of `methods` named name, or NULL. */
static blr_ynode *method_entry(const blr_ynode *methods, const char *name)
{
    for (size_t i = 0; methods && methods->kind == BLR_Y_SEQ && i < methods->n; i++) {
        blr_ynode *m = methods->val[i];
        const blr_ynode *n = m->kind == BLR_Y_MAP ? blr_yaml_find(m, "name") : NULL;
        if (n && n->kind == BLR_Y_SCALAR && strcmp(n->text, name) == 0)
            return m;
    }
    return NULL;
}

/* Puts a copy of value at key of map, its key marked as the grid's when mark; a key made
 * here takes value's position, so messages about it point into the tune section. */
static int put_copy(const blr_yctx *c, blr_ynode *map, const char *key, const blr_ynode *value,
                    int mark)
{
    blr_ynode *copy = blr_yaml_copy(c, value);
    if (!copy || blr_config_put_key(c, 0, map, key, copy) != 0)
        return BAD;
    blr_ynode *k = map->key[blr_yaml_index(map, key)];
    k->mark = mark;
    if (k->line == 0) {
        k->line = value->line;
        k->col = value->col;
    }
    return 0;
}

/* Each method entry's grid lists into the entry, marked; the points per entry must agree
 * unless `budget: any`. */
static int apply_grid(const blr_yctx *c, blr_ynode *root, const blr_ynode *s, int any_budget)
{
    const blr_ynode *grid = blr_yaml_find(s, "grid");
    blr_ynode *methods = (blr_ynode *)blr_yaml_find(root, "methods");
    size_t first_points = 0;
    const char *first_name = NULL;
    for (size_t g = 0; g < grid->n; g++) {
        const char *name = grid->key[g]->text;
        const blr_ynode *keys = grid->val[g];
        blr_ynode *m = method_entry(methods, name);
        if (!m)
            return blr_yaml_fail(c, grid->key[g], "no method entry named '%s' to tune", name);
        if (blr_yaml_want_map(c, keys, "keys of this method to the values to try"))
            return BAD;
        if (keys->n == 0)
            return blr_yaml_fail(c, keys, "an empty grid for '%s': nothing to tune", name);
        size_t points = 1;
        for (size_t k = 0; k < keys->n; k++) {
            const blr_ynode *list = keys->val[k];
            if (list->kind != BLR_Y_SEQ || list->n == 0)
                return blr_yaml_fail(c, list, "the values to try for %s.%s: a non-empty list",
                                     name, keys->key[k]->text);
            if (strcmp(keys->key[k]->text, "name") == 0 || strcmp(keys->key[k]->text, "zip") == 0)
                return blr_yaml_fail(c, keys->key[k], "'%s' cannot be tuned",
                                     keys->key[k]->text);
            points *= list->n;
            if (put_copy(c, m, keys->key[k]->text, list, 1) != 0)
                return BAD;
        }
        if (!first_name) {
            first_name = name;
            first_points = points;
        } else if (points != first_points && !any_budget) {
            return blr_yaml_fail(c, grid->key[g], "an unequal budget: %zu grid points for '%s' "
                                 "but %zu for '%s' (give every method as many, or budget: any)",
                                 points, name, first_points, first_name);
        }
    }
    return 0;
}

/* A file without a tune section is itself a tuning: its lists of method hyperparameters
 * (lr, lr2, beta1, ...) are the grid; lists of rule, base and the base's parameters, and of
 * the training keys, still make variants of their own, whatever the keys' order. */
static void mark_hyper_lists(blr_ynode *root)
{
    const blr_ynode *methods = blr_yaml_find(root, "methods");
    for (size_t i = 0; methods && methods->kind == BLR_Y_SEQ && i < methods->n; i++) {
        blr_ynode *m = methods->val[i];
        for (size_t k = 0; m->kind == BLR_Y_MAP && k < m->n; k++)
            m->key[k]->mark = m->val[k]->kind == BLR_Y_SEQ && blr_hyper_find(m->key[k]->text);
    }
}

int blr_config_tune(const blr_yctx *c, blr_ynode *root, int tune_mode, blr_tune_cfg *out)
{
    memset(out, 0, sizeof *out);
    out->metric = BLR_METRIC_BAYES_NLL;
    const blr_ynode *s = blr_yaml_find(root, "tune");
    if (s && read_section(c, s, out) != 0)
        return BAD;
    if (!tune_mode)
        return 0;
    if (!s) {
        mark_hyper_lists(root);
        return 0;
    }
    blr_ynode *data = (blr_ynode *)blr_yaml_find(root, "data");
    if (!data || data->kind != BLR_Y_MAP)
        return 0; /* read_experiment reports it */
    if (put_copy(c, data, "validation", blr_yaml_find(s, "validation"), 0) != 0)
        return BAD;
    const blr_ynode *seeds = blr_yaml_find(s, "seeds");
    blr_ynode *file_seeds = (blr_ynode *)blr_yaml_find(root, "seeds");
    if (seeds && put_copy(c, root, "seeds", seeds, 0) != 0)
        return BAD;
    /* One seed by default: the file's first. */
    if (!seeds && file_seeds && file_seeds->kind == BLR_Y_SEQ && file_seeds->n > 1) {
        for (size_t i = 1; i < file_seeds->n; i++)
            blr_yaml_free(file_seeds->val[i]);
        file_seeds->n = 1;
    }
    blr_ynode *name = (blr_ynode *)blr_yaml_find(root, "name");
    if (name && name->kind == BLR_Y_SCALAR) {
        size_t len = strlen(name->text);
        char *tuned = realloc(name->text, len + 6);
        if (!tuned)
            return blr_yaml_oom(c);
        memcpy(tuned + len, "-tune", 6);
        name->text = tuned;
    }
    return apply_grid(c, root, s, out->any_budget);
}

int blr_config_apply_tuned(const blr_yctx *c0, const char *choice_path, blr_experiment *ex)
{
    blr_yctx c = {choice_path, c0->err, c0->errlen, NULL};
    blr_ynode *root;
    int rc = blr_yaml_load(&c, "a choice.yaml of blr tune", &root);
    if (rc)
        return rc;
    char sha[65];
    const blr_ynode *file_sha = blr_yaml_find(root, "file_sha256");
    const blr_ynode *choices = blr_yaml_find(root, "choices");
    if (blr_sha256_file(c0->path, sha) != 0) {
        rc = blr_yaml_fail_at(&c, 1, 1, "cannot read %s", c0->path);
    } else if (!file_sha || file_sha->kind != BLR_Y_SCALAR || !choices) {
        rc = blr_yaml_fail_at(&c, 1, 1, "not a choice.yaml of blr tune (no file_sha256 and "
                              "choices)");
    } else if (strcmp(file_sha->text, sha) != 0) {
        rc = blr_yaml_fail(&c, file_sha, "the choices were made for another version of %s "
                           "(sha256 %.12s, the file's now %.12s): tune it again", c0->path,
                           file_sha->text, sha);
    } else {
        rc = blr_yaml_want_map(&c, choices, "variant names to their tuned values");
    }
    for (size_t i = 0; rc == 0 && i < choices->n; i++) {
        const blr_ynode *keys = choices->val[i];
        blr_variant *v = NULL;
        for (int j = 0; j < ex->n_variants && !v; j++)
            if (strcmp(ex->variants[j].name, choices->key[i]->text) == 0)
                v = &ex->variants[j];
        if (!v) {
            rc = blr_yaml_fail(&c, choices->key[i], "no variant '%s' in %s",
                               choices->key[i]->text, c0->path);
            break;
        }
        rc = blr_yaml_want_map(&c, keys, "tuned keys to their values");
        for (size_t k = 0; rc == 0 && k < keys->n; k++)
            rc = blr_config_set_variant_key(&c, keys->key[k], keys->val[k], v);
    }
    blr_yaml_free(root);
    return rc;
}
