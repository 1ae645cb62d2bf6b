/* The train section and the method entries of an experiment file (docs/experiments.md):
 * every key that sets a hyperparameter, and the expansion of list-valued method keys into
 * variants. Split from config.c, which reads the other sections and calls these two. */
#ifndef BLR_CONFIG_METHODS_H
#define BLR_CONFIG_METHODS_H

#include "config.h"
#include "yaml_tree.h"

#define BLR_CONFIG_MSG_LEN 768

/* The train section's settings (defaults where absent). Returns 0 or BLR_YAML_BAD. */
int blr_config_read_train(const blr_yctx *c, const blr_ynode *root, blr_train_cfg *t);
/* The methods section into out->variants, each checked with blr_method_check; train holds
 * the defaults a method entry may override. Returns 0 or BLR_YAML_BAD. */
int blr_config_read_methods(const blr_yctx *c, const blr_ynode *root, const blr_train_cfg *train,
                            blr_experiment *out);

/* Sets one key of a variant (a tuned value: key and value nodes of a choice.yaml) and checks
 * the variant again. */
int blr_config_set_variant_key(const blr_yctx *c, const blr_ynode *key, const blr_ynode *val,
                               blr_variant *v);

#endif
