/* Overrides and run selection of an experiment (config.h: blr_config_opts); private to the
 * config module. Functions return 0 or BLR_YAML_BAD with the message in c->err. */
#ifndef BLR_CONFIG_OVERRIDES_H
#define BLR_CONFIG_OVERRIDES_H

#include "config.h"
#include "yaml_tree.h"

/* Override k (1-based) "a.b.c=value": walks the dotted path from root, mappings by key (a
 * missing one is made) and lists by item name or index, and puts the value at its end. */
int blr_config_apply_set(const blr_yctx *c, blr_ynode *root, int k, const char *arg);
/* Puts value at key of map, replacing what is there or adding the pair (its key node then
 * comes from override k: line -k). Takes value in any case. */
int blr_config_put_key(const blr_yctx *c, int k, blr_ynode *map, const char *key,
                       blr_ynode *value);
/* Keeps the variants and seeds o selects. */
int blr_config_select_runs(const blr_yctx *c, const blr_config_opts *o, blr_experiment *ex);
/* o as the text blr_experiment.overrides keeps. */
int blr_config_describe_opts(const blr_yctx *c, const blr_config_opts *o, char *out, size_t len);

#endif
