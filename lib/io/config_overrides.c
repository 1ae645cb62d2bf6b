/* Command-line overrides of an experiment file (--set PATH=VALUE), applied to its tree, and
 * the selection of its runs (--variant, --seed); split from config.c. */
#include "config_overrides.h"

#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sha256.h"

#define BAD BLR_YAML_BAD

/* The item of a list named `seg`: the mapping whose `name` is seg (a method entry), or the
 * item at index seg. Returns its index, or -1. */
static long list_item(const blr_ynode *list, const char *seg)
{
    for (size_t i = 0; i < list->n; i++) {
        const blr_ynode *it = list->val[i];
        const blr_ynode *name = it->kind == BLR_Y_MAP ? blr_yaml_find(it, "name") : NULL;
        if (name && name->kind == BLR_Y_SCALAR && strcmp(name->text, seg) == 0)
            return (long)i;
    }
    char *end;
    long i = strtol(seg, &end, 10);
    return *seg && !*end && i >= 0 && (size_t)i < list->n ? i : -1;
}

static int no_item(const blr_yctx *c, int k, const blr_ynode *list, const char *seg)
{
    const char *names[32];
    size_t n = 0;
    for (; n < list->n && n < 32; n++) {
        const blr_ynode *it = list->val[n];
        const blr_ynode *name = it->kind == BLR_Y_MAP ? blr_yaml_find(it, "name") : NULL;
        names[n] = name && name->kind == BLR_Y_SCALAR ? name->text : "?";
    }
    char joined[512];
    blr_yaml_join(names, n, joined, sizeof joined);
    return blr_yaml_fail_at(c, -k, 0, "no list item named '%s' (names: %s; or an index from 0 "
                            "to %zu)", seg, joined, list->n ? list->n - 1 : 0);
}

/* Puts value at key of map: replaces the value there, or adds the pair (the key then comes
 * from override k, so an unknown key is reported against it). */
int blr_config_put_key(const blr_yctx *c, int k, blr_ynode *map, const char *key, blr_ynode *value)
{
    long i = blr_yaml_index(map, key);
    if (i >= 0) {
        blr_yaml_free(map->val[i]);
        map->val[i] = value;
        return 0;
    }
    blr_ynode *wrap = calloc(1, sizeof *wrap);
    blr_ynode *kn = blr_yaml_new_scalar(c, key, k);
    if (!wrap || !kn) {
        free(wrap);
        blr_yaml_free(kn);
        blr_yaml_free(value);
        return blr_yaml_oom(c);
    }
    wrap->kind = BLR_Y_MAP;
    wrap->n = 1;
    wrap->key = calloc(1, sizeof *wrap->key);
    wrap->val = calloc(1, sizeof *wrap->val);
    if (!wrap->key || !wrap->val) {
        blr_yaml_free(wrap);
        blr_yaml_free(kn);
        blr_yaml_free(value);
        return blr_yaml_oom(c);
    }
    wrap->key[0] = kn;
    wrap->val[0] = value;
    int rc = blr_yaml_merge(c, map, wrap);
    blr_yaml_free(wrap);
    return rc;
}

/* Override k, "a.b.c=value": walks the dotted path from the top, mappings by key (a missing
 * one is made) and lists by item name or index, and puts the value at its end. */
int blr_config_apply_set(const blr_yctx *c, blr_ynode *root, int k, const char *arg)
{
    char path[512];
    const char *eq = strchr(arg, '=');
    if (!eq || eq == arg)
        return blr_yaml_fail_at(c, -k, 0, "expected PATH=VALUE, e.g. train.epochs=1");
    if ((size_t)(eq - arg) >= sizeof path)
        return blr_yaml_fail_at(c, -k, 0, "the path is too long");
    memcpy(path, arg, (size_t)(eq - arg));
    path[eq - arg] = '\0';
    blr_ynode *value;
    int rc = blr_yaml_load_value(c, eq + 1, k, &value);
    if (rc)
        return rc;
    blr_ynode *at = root;
    for (char *seg = path, *next; seg; seg = next) {
        next = strchr(seg, '.');
        if (next)
            *next++ = '\0';
        if (!*seg) {
            blr_yaml_free(value);
            return blr_yaml_fail_at(c, -k, 0, "an empty name in the path '%.*s'",
                                    (int)(eq - arg), arg);
        }
        if (at->kind == BLR_Y_SEQ) {
            long i = list_item(at, seg);
            if (i < 0) {
                blr_yaml_free(value);
                return no_item(c, k, at, seg);
            }
            if (!next) {
                blr_yaml_free(at->val[i]);
                at->val[i] = value;
                return 0;
            }
            at = at->val[i];
            continue;
        }
        if (at->kind != BLR_Y_MAP) {
            blr_yaml_free(value);
            return blr_yaml_fail_at(c, -k, 0, "'%s' is inside the single value '%s', which has "
                                    "no keys", seg, at->text);
        }
        if (!next)
            return blr_config_put_key(c, k, at, seg, value);
        long i = blr_yaml_index(at, seg);
        if (i < 0) {
            blr_ynode *empty = calloc(1, sizeof *empty);
            if (!empty) {
                blr_yaml_free(value);
                return blr_yaml_oom(c);
            }
            empty->kind = BLR_Y_MAP;
            empty->line = -k;
            if ((rc = blr_config_put_key(c, k, at, seg, empty)) != 0) {
                blr_yaml_free(value);
                return rc;
            }
            i = blr_yaml_index(at, seg);
        }
        at = at->val[i];
    }
    return 0;
}

/* Keeps the variants whose names match o->variant and the seeds o->seeds lists. */
int blr_config_select_runs(const blr_yctx *c, const blr_config_opts *o, blr_experiment *ex)
{
    if (o->variant) {
        const char *reference = ex->variants[ex->reference].name;
        int kept = 0, ref = -1;
        for (int v = 0; v < ex->n_variants; v++) {
            if (fnmatch(o->variant, ex->variants[v].name, 0) != 0)
                continue;
            if (strcmp(ex->variants[v].name, reference) == 0)
                ref = kept;
            if (kept != v)
                ex->variants[kept] = ex->variants[v];
            kept++;
        }
        if (kept == 0) {
            snprintf(c->err, c->errlen, "%s: error: --variant '%s' matches none of the "
                     "variants", c->path, o->variant);
            return BAD;
        }
        ex->n_variants = kept;
        ex->reference = ref >= 0 ? ref : 0;
    }
    for (int i = 0; i < o->n_seeds; i++) {
        int found = 0;
        for (int s = 0; s < ex->n_seeds && !found; s++)
            found = ex->seeds[s] == o->seeds[i];
        if (!found) {
            snprintf(c->err, c->errlen, "%s: error: --seed %d is not one of the file's seeds",
                     c->path, o->seeds[i]);
            return BAD;
        }
    }
    if (o->n_seeds) {
        memcpy(ex->seeds, o->seeds, (size_t)o->n_seeds * sizeof *o->seeds);
        ex->n_seeds = o->n_seeds;
    }
    return 0;
}

/* The overrides as one text, one per line, for manifest.json. */
int blr_config_describe_opts(const blr_yctx *c, const blr_config_opts *o, char *out, size_t len)
{
    size_t used = 0;
    int w = 0;
    out[0] = '\0';
    for (int i = 0; i < o->n_sets && w >= 0 && used < len; i++, used += (size_t)w)
        w = snprintf(out + used, len - used, "set %s\n", o->sets[i]);
    if (o->variant && w >= 0 && used < len) {
        w = snprintf(out + used, len - used, "variant %s\n", o->variant);
        used += (size_t)w;
    }
    for (int i = 0; i < o->n_seeds && w >= 0 && used < len; i++, used += (size_t)w)
        w = snprintf(out + used, len - used, "seed %d\n", o->seeds[i]);
    if (o->tune && w >= 0 && used < len) {
        w = snprintf(out + used, len - used, "tune\n");
        used += (size_t)w;
    }
    /* A tuning's choices by content, so that a tuning done again is other overrides. */
    char sha[65];
    if (o->tuned && w >= 0 && used < len) {
        if (blr_sha256_file(o->tuned, sha) != 0) {
            snprintf(c->err, c->errlen, "%s: error: cannot read the choices of a tuning",
                     o->tuned);
            return BAD;
        }
        w = snprintf(out + used, len - used, "tuned %s %.12s\n", o->tuned, sha);
        used += (size_t)w;
    }
    if (w < 0 || used >= len) {
        snprintf(c->err, c->errlen, "%s: error: the overrides are too long (at most %zu "
                 "characters in all)", c->path, len - 1);
        return BAD;
    }
    return 0;
}

int blr_config_opts_parse(char *text, const char *profile, blr_config_opts *o)
{
    memset(o, 0, sizeof *o);
    o->profile = profile && *profile ? profile : NULL;
    for (char *line = text, *next; line && *line; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        if (strncmp(line, "set ", 4) == 0 && o->n_sets < BLR_MAX_SETS)
            o->sets[o->n_sets++] = line + 4;
        else if (strncmp(line, "variant ", 8) == 0)
            o->variant = line + 8;
        else if (strncmp(line, "seed ", 5) == 0 && o->n_seeds < BLR_MAX_SEEDS)
            o->seeds[o->n_seeds++] = atoi(line + 5);
        else if (strcmp(line, "tune") == 0)
            o->tune = 1;
        else if (strncmp(line, "tuned ", 6) == 0 && strrchr(line, ' ') > line + 6) {
            *strrchr(line, ' ') = '\0';
            o->tuned = line + 6;
        }
        else
            return -1;
    }
    return 0;
}

