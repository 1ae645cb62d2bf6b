/* Experiment files, the hyperparameter part (config_methods.h): train keys, method keys from
 * BLR_METHOD_HYPERS (rule.h), list expansion into variants, and the check that every key
 * written for a method is one its rules read. */
#include "config_methods.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#define BAD BLR_YAML_BAD
#define MSG_LEN BLR_CONFIG_MSG_LEN

typedef enum { KEY_INT, KEY_NUM, KEY_BOOL, KEY_WORD } key_type;

/* A key stored at `off` in its struct (blr_train_cfg or blr_method_cfg). Ranges are checked
 * here only where no other module checks them: a method's are blr_method_check's and the
 * base's blr_base_init's (lo = -HUGE_VAL). */
typedef struct {
    const char *key;
    key_type type;
    size_t off;
    double lo;
    int lo_open;             /* lo itself excluded */
    const char *const *words; /* KEY_WORD: the names, stored as their index */
    size_t n_words;
} key_def;

static const key_def train_defs[] = {
    {"epochs", KEY_INT, offsetof(blr_train_cfg, epochs), 1, 0, NULL, 0},
    {"batch_size", KEY_INT, offsetof(blr_train_cfg, batch_size), 0, 0, NULL, 0},
    {"mc_train", KEY_INT, offsetof(blr_train_cfg, mc_train), 1, 0, NULL, 0},
    {"mc_test", KEY_INT, offsetof(blr_train_cfg, mc_test), 1, 0, NULL, 0},
    {"prior_precision", KEY_NUM, offsetof(blr_train_cfg, prior_precision), 0, 0, NULL, 0},
    {"temperature", KEY_NUM, offsetof(blr_train_cfg, temperature), 0, 1, NULL, 0},
    {"warmup_epochs", KEY_NUM, offsetof(blr_train_cfg, warmup_epochs), 0, 0, NULL, 0},
    {"checkpoint_every", KEY_INT, offsetof(blr_train_cfg, checkpoint_every), 1, 0, NULL, 0},
};

/* The base's parameters; the other method keys are BLR_METHOD_HYPERS (rule.h). */
static const key_def base_defs[] = {
    {"nu", KEY_NUM, offsetof(blr_method_cfg, base.nu), -HUGE_VAL, 0, NULL, 0},
    {"base_scale", KEY_NUM, offsetof(blr_method_cfg, base.scale), -HUGE_VAL, 0, NULL, 0},
};

#define N_TRAIN_DEFS (sizeof train_defs / sizeof train_defs[0])
#define N_BASE_DEFS (sizeof base_defs / sizeof base_defs[0])

#define TRAIN_KEYS                                                                             \
    "epochs", "batch_size", "mc_train", "mc_test", "prior_precision", "temperature",           \
        "schedule", "warmup_epochs", "rng", "checkpoint_every"
static const char *const train_keys[] = {TRAIN_KEYS};
#define N_TRAIN_KEYS (sizeof train_keys / sizeof train_keys[0])

/* Keys a method entry may have: its own, its distribution's, the METHOD hyperparameters and
 * every train key (the TRAIN hyperparameters are among those). */
#define METHOD_KEY_METHOD(key) #key,
#define METHOD_KEY_TRAIN(key)
#define METHOD_KEY(key, type, def, range, scope, doc) METHOD_KEY_##scope(key)
static const char *const method_keys[] = {
    "name", "rule", "base", "nu", "base_scale", "zip", BLR_METHOD_HYPERS(METHOD_KEY)
    TRAIN_KEYS};
#define N_METHOD_KEYS (sizeof method_keys / sizeof method_keys[0])

static const char *const rng_names[] = {"fast", "gsl"};

static const key_def *find_def(const key_def *defs, size_t n, const char *key)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(defs[i].key, key) == 0)
            return &defs[i];
    return NULL;
}

/* A key and its number as a name suffix: nu5, lr0.1; lr2-0.05 and beta2-0.9, since a key
 * ending in a digit would run into the value (lr20.05). */
static void number_suffix(char *suffix, size_t slen, const char *key, const char *value)
{
    size_t k = strlen(key);
    int sep = k > 0 && key[k - 1] >= '0' && key[k - 1] <= '9';
    snprintf(suffix, slen, "%s%s%s", key, sep ? "-" : "", value);
}

/* Stores a table key's value into dst and describes it in suffix (the text a list
 * expansion appends to the variant name: nu5, lr0.1, fisher / no-fisher). */
static int apply_def(const blr_yctx *c, const key_def *d, const blr_ynode *n, void *dst,
                     char *suffix, size_t slen)
{
    char *field = (char *)dst + d->off;
    if (d->type == KEY_INT) {
        long long v;
        if (blr_yaml_get_int(c, n, d->key, (long long)d->lo, INT_MAX, &v))
            return BAD;
        *(int *)(void *)field = (int)v;
        char text[32];
        snprintf(text, sizeof text, "%lld", v);
        number_suffix(suffix, slen, d->key, text);
        return 0;
    }
    if (d->type == KEY_BOOL) {
        int b;
        if (blr_yaml_get_bool(c, n, &b))
            return BAD;
        *(int *)(void *)field = b;
        snprintf(suffix, slen, "%s%s", b ? "" : "no-", d->key);
        return 0;
    }
    if (d->type == KEY_WORD) {
        size_t i;
        if (blr_yaml_get_word(c, n, d->key, d->words, d->n_words, &i))
            return BAD;
        *(int *)(void *)field = (int)i;
        snprintf(suffix, slen, "%s", n->text);
        return 0;
    }
    double v;
    if (blr_yaml_get_num(c, n, d->key, &v))
        return BAD;
    if (v < d->lo || (d->lo_open && v == d->lo))
        return blr_yaml_fail(c, n, "%s must be %s %g (got %s)", d->key,
                             d->lo_open ? ">" : ">=", d->lo, n->text);
    *(double *)(void *)field = v;
    char text[32];
    snprintf(text, sizeof text, "%g", v);
    number_suffix(suffix, slen, d->key, text);
    return 0;
}

/* One train key (of the train section or a method's override). 1 = not a train key. */
static int apply_train_key(const blr_yctx *c, const blr_ynode *key, const blr_ynode *val,
                           blr_train_cfg *t, char *suffix, size_t slen)
{
    if (strcmp(key->text, "schedule") == 0) {
        size_t i;
        if (blr_yaml_get_word(c, val, "schedule", blr_schedule_names, BLR_SCHEDULE_COUNT, &i))
            return BAD;
        t->schedule = (blr_schedule)i;
        snprintf(suffix, slen, "%s", val->text);
        return 0;
    }
    if (strcmp(key->text, "rng") == 0) {
        size_t i;
        if (blr_yaml_get_word(c, val, "rng", rng_names, 2, &i))
            return BAD;
        t->rng_gsl = i == 1;
        snprintf(suffix, slen, "%s", val->text);
        return 0;
    }
    const key_def *d = find_def(train_defs, N_TRAIN_DEFS, key->text);
    return d ? apply_def(c, d, val, t, suffix, slen) : 1;
}

int blr_config_read_train(const blr_yctx *c, const blr_ynode *root, blr_train_cfg *t)
{
    t->epochs = 5;
    t->batch_size = 128;
    t->mc_train = 1;
    t->mc_test = 32;
    blr_method_cfg defaults;
    blr_method_cfg_defaults(&defaults);
    t->prior_precision = defaults.prior_precision;
    t->temperature = defaults.temperature;
    t->schedule = BLR_SCHEDULE_COSINE;
    t->warmup_epochs = 0.0;
    t->rng_gsl = 0;
    t->checkpoint_every = 1;
    const blr_ynode *m = blr_yaml_find(root, "train");
    if (!m)
        return 0;
    if (blr_yaml_want_map(c, m, "training settings") ||
        blr_yaml_check_keys(c, m, train_keys, N_TRAIN_KEYS))
        return BAD;
    char suffix[BLR_NAME_LEN];
    for (size_t i = 0; i < m->n; i++)
        if (apply_train_key(c, m->key[i], m->val[i], t, suffix, sizeof suffix))
            return BAD;
    return 0;
}


static int apply_base(const blr_yctx *c, const blr_ynode *n, blr_method_cfg *cfg, char *suffix,
                      size_t slen)
{
    if (blr_yaml_want_scalar(c, n, "a name"))
        return BAD;
    if (blr_base_from_name(n->text, &cfg->base.kind) == 0) {
        snprintf(suffix, slen, "%s", n->text);
        return 0;
    }
    const char *names[BLR_BASE_COUNT];
    for (int k = 0; k < BLR_BASE_COUNT; k++)
        names[k] = blr_base_name((blr_base_kind)k);
    return blr_yaml_unknown(c, n, "base", names, BLR_BASE_COUNT);
}

static int apply_rule(const blr_yctx *c, const blr_ynode *n, blr_method_cfg *cfg, char *suffix,
                      size_t slen)
{
    if (blr_yaml_want_scalar(c, n, "a name"))
        return BAD;
    if (blr_method_find(n->text)) {
        snprintf(cfg->rule, sizeof cfg->rule, "%s", n->text);
        snprintf(suffix, slen, "%s", n->text);
        return 0;
    }
    const char *names[64];
    size_t count = blr_method_count() < 64 ? blr_method_count() : 64;
    for (size_t i = 0; i < count; i++)
        names[i] = blr_method_at(i)->name;
    return blr_yaml_unknown(c, n, "rule", names, count);
}

/* One key of a method entry with its (possibly list-selected) value. */
static int apply_method_key(const blr_yctx *c, const blr_ynode *key, const blr_ynode *val,
                            blr_method_cfg *cfg, blr_train_cfg *t, char *suffix, size_t slen)
{
    const char *k = key->text;
    if (strcmp(k, "rule") == 0)
        return apply_rule(c, val, cfg, suffix, slen);
    if (strcmp(k, "base") == 0)
        return apply_base(c, val, cfg, suffix, slen);
    const key_def *d = find_def(base_defs, N_BASE_DEFS, k);
    if (d)
        return apply_def(c, d, val, cfg, suffix, slen);
    const blr_hyper *h = blr_hyper_find(k);
    if (!h || h->scope != BLR_HYPER_METHOD)
        return apply_train_key(c, key, val, t, suffix, slen);
    static const key_type types[] = {
        [BLR_HYPER_NUM] = KEY_NUM, [BLR_HYPER_BOOL] = KEY_BOOL, [BLR_HYPER_WORD] = KEY_WORD};
    const key_def hd = {h->key, types[h->type], h->off, -HUGE_VAL, 0, h->words, h->n_words};
    return apply_def(c, &hd, val, cfg, suffix, slen);
}

/* The value one variant uses for pair i of a method entry. */
static const blr_ynode *picked(const blr_ynode *m, const size_t *pick, size_t i)
{
    return m->val[i]->kind == BLR_Y_SEQ ? m->val[i]->val[pick[i]] : m->val[i];
}

static const blr_ynode *picked_key(const blr_ynode *m, const size_t *pick, const char *key)
{
    long i = blr_yaml_index(m, key);
    return i < 0 ? NULL : picked(m, pick, (size_t)i);
}

/* Whether pair i of method entry m means anything to the variant of `pick`: a method
 * hyperparameter to the rules that use it, the base keys to rules with a base distribution,
 * nu to a student-t base; every other key to every variant. */
static int applies(const blr_ynode *m, const size_t *pick, size_t i)
{
    const char *k = m->key[i]->text;
    const blr_ynode *rule = picked_key(m, pick, "rule");
    const blr_method_ops *ops = rule->kind == BLR_Y_SCALAR ? blr_method_find(rule->text) : NULL;
    if (!ops)
        return 1;
    if (strcmp(k, "base") == 0 || strcmp(k, "base_scale") == 0 || strcmp(k, "nu") == 0) {
        if (ops->flags & BLR_NO_BASE)
            return 0;
        const blr_ynode *base = picked_key(m, pick, "base");
        return strcmp(k, "nu") != 0 ||
               (base && base->kind == BLR_Y_SCALAR && strcmp(base->text, "student-t") == 0);
    }
    const blr_hyper *h = blr_hyper_find(k);
    return !h || blr_method_uses(ops, h);
}

/* Where a blr_method_check message belongs: the node of the key it names (its first word;
 * "base ..." messages about nu or the scale go to those keys), else the rule. */
static const blr_ynode *blame(const blr_ynode *m, const size_t *pick, const char *msg)
{
    char word[32];
    size_t len = strspn(msg, "abcdefghijklmnopqrstuvwxyz0123456789_");
    snprintf(word, sizeof word, "%.*s", (int)(len < sizeof word ? len : sizeof word - 1), msg);
    const char *key = word;
    if (strcmp(word, "base") == 0)
        key = strstr(msg, "nu must") ? "nu" : strstr(msg, "scale must") ? "base_scale" : "base";
    else if (strcmp(word, "mc") == 0)
        key = "mc_train";
    const blr_ynode *n = picked_key(m, pick, key);
    if (!n && strcmp(word, "base") == 0)
        n = picked_key(m, pick, "base");
    return n ? n : picked_key(m, pick, "rule");
}

/* Rule-dependent checks blr_method_check cannot make from the cfg alone (it cannot see
 * which keys were written), then blr_method_check itself. */
static int check_variant(const blr_yctx *c, const blr_ynode *m, const size_t *pick,
                         blr_method_cfg *cfg)
{
    const blr_method_ops *ops = blr_method_find(cfg->rule);
    static const char *const base_keys[] = {"base", "nu", "base_scale"};
    if (ops->flags & BLR_NO_BASE) {
        for (size_t i = 0; i < 3; i++) {
            long k = blr_yaml_index(m, base_keys[i]);
            if (k >= 0 && m->val[k]->kind != BLR_Y_SEQ)
                return blr_yaml_fail(c, m->key[k], "%s has no base distribution: remove '%s'",
                                     ops->name, base_keys[i]);
        }
    }
    const blr_ynode *base = picked_key(m, pick, "base");
    /* The multiplicative rule's natural base (docs/design.md §3.2) when none is written. */
    if (!base && (ops->flags & BLR_POSITIVE_BASE))
        cfg->base.kind = BLR_BASE_RAYLEIGH;
    if (base && cfg->base.kind == BLR_BASE_STUDENT_T && blr_yaml_index(m, "nu") < 0)
        return blr_yaml_fail(c, base, "base 'student-t' needs 'nu' (its degrees of freedom)");
    char msg[MSG_LEN];
    if (blr_method_check(cfg, 1, msg, sizeof msg) != 0)
        return blr_yaml_fail(c, blame(m, pick, msg), "%s", msg);
    return 0;
}

/* The pair that names dimension d of a variant (adds "-lr0.1" to it): d itself when it
 * applies to the variant, else the first pair zipped to d that does. */
static size_t namer(const blr_ynode *m, const size_t *pick, const size_t *follows, size_t d)
{
    if (applies(m, pick, d))
        return d;
    for (size_t i = 0; i < m->n; i++)
        if (follows[i] == d && applies(m, pick, i))
            return i;
    return d;
}

/* Builds variant `pick` of method entry m (pick[i]: the item of pair i's list). A list the
 * variant's rule or base has no use for is left out of it; of the lists zipped together
 * (follows[i]: the group's first), one names the variant. */
static int build_variant(const blr_yctx *c, const blr_ynode *m, const char *method,
                         const size_t *pick, const size_t *follows, const blr_train_cfg *train,
                         blr_variant *out)
{
    blr_method_cfg cfg;
    blr_method_cfg_defaults(&cfg);
    blr_train_cfg t = *train;
    char name[BLR_NAME_LEN], tuned_as[BLR_NAME_LEN], grid[256] = "";
    size_t used = (size_t)snprintf(name, sizeof name, "%s", method), used_as = used;
    snprintf(tuned_as, sizeof tuned_as, "%s", method);
    for (size_t i = 0; i < m->n; i++) {
        const char *key = m->key[i]->text;
        int list = m->val[i]->kind == BLR_Y_SEQ;
        if (strcmp(key, "name") == 0 || strcmp(key, "zip") == 0 || (list && !applies(m, pick, i)))
            continue;
        char suffix[BLR_NAME_LEN];
        const blr_ynode *v = picked(m, pick, i);
        if (apply_method_key(c, m->key[i], v, &cfg, &t, suffix, sizeof suffix))
            return BAD;
        if (m->key[i]->mark) {
            size_t g = strlen(grid);
            snprintf(grid + g, sizeof grid - g, "%s%s: %s", g ? ", " : "", key,
                     v->kind == BLR_Y_SCALAR ? v->text : "?");
        }
        if (!list || namer(m, pick, follows, follows[i]) != i)
            continue;
        int w = snprintf(name + used, sizeof name - used, "-%s", suffix);
        if (w < 0 || (size_t)w >= sizeof name - used)
            return blr_yaml_fail(c, v,
                                 "the variant name '%s-%s' is too long (at most %d characters)",
                                 name, suffix, BLR_NAME_LEN - 1);
        used += (size_t)w;
        /* The variant of the final experiment a grid point belongs to has no grid suffixes. */
        if (!m->key[i]->mark)
            used_as += (size_t)snprintf(tuned_as + used_as, sizeof tuned_as - used_as, "-%s",
                                        suffix);
    }
    blr_config_train_into(&cfg, &t);
    if (check_variant(c, m, pick, &cfg))
        return BAD;
    memset(out, 0, sizeof *out);
    memcpy(out->name, name, sizeof name);
    memcpy(out->tuned_as, tuned_as, sizeof tuned_as);
    memcpy(out->grid, grid, sizeof grid);
    snprintf(out->method, sizeof out->method, "%s", method);
    out->method_cfg = cfg;
    out->train = t;
    return 0;
}

/* Appends name to a ", "-separated list unless it is there. */
static void list_add(char *list, size_t size, const char *name)
{
    size_t len = strlen(name);
    for (const char *p = strstr(list, name); p; p = strstr(p + 1, name))
        if ((p == list || p[-1] == ' ') && (p[len] == ',' || p[len] == 0))
            return;
    size_t used = strlen(list);
    snprintf(list + used, size - used, "%s%s", used ? ", " : "", name);
}

/* A key of a method entry that none of its variants reads is an error rather than ignored:
 * a METHOD hyperparameter that no rule of the entry uses, or `nu` without a student-t base
 * (a list of bases is left alone: each of its variants gets the same nu). */
static int check_keys_apply(const blr_yctx *c, const blr_ynode *m, const blr_variant *v,
                            int count)
{
    char rules[MSG_LEN / 4] = "", bases[MSG_LEN / 4] = "", users[MSG_LEN / 2];
    for (int j = 0; j < count; j++) {
        list_add(rules, sizeof rules, v[j].method_cfg.rule);
        list_add(bases, sizeof bases, blr_base_name(v[j].method_cfg.base.kind));
    }
    for (size_t i = 0; i < m->n; i++) {
        const char *k = m->key[i]->text;
        const blr_ynode *base = blr_yaml_find(m, "base");
        if (strcmp(k, "nu") == 0 && !(base && base->kind == BLR_Y_SEQ) &&
            v[0].method_cfg.base.kind != BLR_BASE_STUDENT_T)
            return blr_yaml_fail(c, m->key[i], "nu does not apply to base %s (it is used by: "
                                 "student-t)", bases);
        const blr_hyper *h = blr_hyper_find(k);
        int used = 0;
        for (int j = 0; h && j < count && !used; j++)
            used = blr_method_uses(blr_method_find(v[j].method_cfg.rule), h);
        if (!h || used)
            continue;
        users[0] = 0;
        for (size_t r = 0; r < blr_method_count(); r++)
            if (blr_method_uses(blr_method_at(r), h))
                list_add(users, sizeof users, blr_method_at(r)->name);
        return blr_yaml_fail(c, m->key[i], "%s does not apply to rule%s %s (it is used by: %s)",
                             k, strchr(rules, ',') ? "s" : "", rules, users);
    }
    return 0;
}

/* `zip: [a, b]` (or a list of such groups): list-valued keys of the entry that vary together,
 * item by item, instead of in a cross product. follows[i] is the pair whose list pair i
 * follows: the group's first key, or i itself. */
static int read_zip(const blr_yctx *c, const blr_ynode *m, size_t *follows)
{
    for (size_t i = 0; i < m->n; i++)
        follows[i] = i;
    long z = blr_yaml_index(m, "zip");
    if (z < 0)
        return 0;
    const blr_ynode *zip = m->val[z];
    if (blr_yaml_want_seq(c, zip, "keys of this method to vary together"))
        return BAD;
    int nested = zip->n > 0 && zip->val[0]->kind == BLR_Y_SEQ;
    for (size_t g = 0; g < (nested ? zip->n : 1); g++) {
        const blr_ynode *group = nested ? zip->val[g] : zip;
        if (blr_yaml_want_seq(c, group, "keys of this method to vary together"))
            return BAD;
        if (group->n < 2)
            return blr_yaml_fail(c, group, "zip pairs two or more list-valued keys");
        long lead = -1;
        for (size_t j = 0; j < group->n; j++) {
            const blr_ynode *kn = group->val[j];
            if (blr_yaml_want_scalar(c, kn, "a key of this method"))
                return BAD;
            long i = blr_yaml_index(m, kn->text);
            if (i < 0 || i == z)
                return blr_yaml_fail(c, kn, "zip: this method has no key '%s' to pair",
                                     kn->text);
            if (m->val[i]->kind != BLR_Y_SEQ)
                return blr_yaml_fail(c, kn, "zip: '%s' is a single value, not a list",
                                     kn->text);
            if (follows[i] != (size_t)i || (lead >= 0 && i == lead))
                return blr_yaml_fail(c, kn, "zip: '%s' is paired twice", kn->text);
            for (size_t o = 0; o < m->n; o++)
                if (o != (size_t)i && follows[o] == (size_t)i)
                    return blr_yaml_fail(c, kn, "zip: '%s' is paired twice", kn->text);
            if (lead < 0) {
                lead = i;
            } else if (m->val[i]->n != m->val[lead]->n) {
                return blr_yaml_fail(c, m->val[i], "zip: '%s' has %zu values but '%s' has %zu; "
                                     "zipped lists pair their values one by one", kn->text,
                                     m->val[i]->n, m->key[lead]->text, m->val[lead]->n);
            } else {
                follows[i] = (size_t)lead;
            }
        }
    }
    return 0;
}

/* Whether some key of dimension d (the pairs that follow d) applies to the variant. */
static int dimension_applies(const blr_ynode *m, const size_t *pick, const size_t *follows,
                             size_t d)
{
    for (size_t i = 0; i < m->n; i++)
        if (follows[i] == d && applies(m, pick, i))
            return 1;
    return 0;
}

static int read_method(const blr_yctx *c, const blr_ynode *m, const blr_train_cfg *train,
                       blr_experiment *out, int *origin)
{
    if (blr_yaml_want_map(c, m, "a method with name and rule") ||
        blr_yaml_check_keys(c, m, method_keys, N_METHOD_KEYS))
        return BAD;
    static const char *const required[] = {"name", "rule"};
    for (size_t i = 0; i < 2; i++)
        if (!blr_yaml_find(m, required[i]))
            return blr_yaml_fail(c, m, "missing required key '%s'", required[i]);
    const blr_ynode *name_node = blr_yaml_find(m, "name");
    char method[BLR_NAME_LEN];
    if (blr_yaml_get_name(c, name_node, "method name", method, sizeof method))
        return BAD;
    size_t follows[N_METHOD_KEYS];
    if (read_zip(c, m, follows))
        return BAD;
    /* The variants are the cross product of the list-valued keys (zipped ones count once),
     * the first key's list outermost, so names and runs come out in the order the keys are
     * written; a combination that differs from another only in a list its variant has no
     * use for (nu for a gaussian base) is left out. */
    size_t total = 1, first = (size_t)out->n_variants;
    for (size_t i = 0; i < m->n; i++) {
        const blr_ynode *v = m->val[i];
        if (v->kind != BLR_Y_SEQ || strcmp(m->key[i]->text, "zip") == 0 || follows[i] != i)
            continue;
        if (v->n == 0)
            return blr_yaml_fail(c, v, "an empty list expands to no variants");
        if (v->n > (size_t)BLR_MAX_VARIANTS / total)
            return blr_yaml_fail(c, m, "too many variants: at most %d in all", BLR_MAX_VARIANTS);
        total *= v->n;
    }
    size_t pick[N_METHOD_KEYS];
    for (size_t k = 0; k < total; k++) {
        size_t rest = k;
        for (size_t i = m->n; i-- > 0;) {
            pick[i] = 0;
            if (m->val[i]->kind == BLR_Y_SEQ && follows[i] == i &&
                strcmp(m->key[i]->text, "zip") != 0) {
                pick[i] = rest % m->val[i]->n;
                rest /= m->val[i]->n;
            }
        }
        for (size_t i = 0; i < m->n; i++)
            pick[i] = pick[follows[i]];
        int skip = 0;
        for (size_t i = 0; i < m->n; i++)
            skip |= follows[i] == i && pick[i] != 0 && !dimension_applies(m, pick, follows, i);
        if (skip)
            continue;
        if (out->n_variants == BLR_MAX_VARIANTS)
            return blr_yaml_fail(c, m, "too many variants: at most %d in all", BLR_MAX_VARIANTS);
        blr_variant *v = &out->variants[out->n_variants];
        if (build_variant(c, m, method, pick, follows, train, v))
            return BAD;
        for (int j = 0; j < out->n_variants; j++)
            if (strcmp(out->variants[j].name, v->name) == 0)
                return blr_yaml_fail(c, name_node,
                                     "duplicate variant name '%s' (also made by the method "
                                     "at line %d)",
                                     v->name, origin[j]);
        origin[out->n_variants++] = name_node->line;
    }
    return check_keys_apply(c, m, &out->variants[first], out->n_variants - (int)first);
}

int blr_config_read_methods(const blr_yctx *c, const blr_ynode *root, const blr_train_cfg *train,
                            blr_experiment *out)
{
    const blr_ynode *ms = blr_yaml_find(root, "methods");
    if (blr_yaml_want_seq(c, ms, "methods"))
        return BAD;
    if (ms->n == 0)
        return blr_yaml_fail(c, ms, "methods must list at least one method");
    int origin[BLR_MAX_VARIANTS];
    for (size_t i = 0; i < ms->n; i++)
        if (read_method(c, ms->val[i], train, out, origin))
            return BAD;
    return 0;
}

int blr_config_set_variant_key(const blr_yctx *c, const blr_ynode *key, const blr_ynode *val,
                               blr_variant *v)
{
    char suffix[BLR_NAME_LEN], msg[MSG_LEN];
    blr_method_cfg cfg = v->method_cfg;
    blr_train_cfg t = v->train;
    if (key->kind != BLR_Y_SCALAR || val->kind != BLR_Y_SCALAR)
        return blr_yaml_fail(c, val, "a tuned value is a single key and value");
    if (strcmp(key->text, "rule") == 0 || strcmp(key->text, "name") == 0)
        return blr_yaml_fail(c, key, "'%s' cannot be tuned", key->text);
    if (apply_method_key(c, key, val, &cfg, &t, suffix, sizeof suffix))
        return BAD;
    blr_config_train_into(&cfg, &t);
    if (blr_method_check(&cfg, 1, msg, sizeof msg) != 0)
        return blr_yaml_fail(c, val, "%s", msg);
    v->method_cfg = cfg;
    v->train = t;
    return 0;
}

void blr_config_train_into(blr_method_cfg *cfg, const blr_train_cfg *t)
{
    cfg->temperature = t->temperature;
    cfg->prior_precision = t->prior_precision;
    cfg->mc = t->mc_train;
}
