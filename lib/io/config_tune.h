/* The `tune:` section of an experiment file and what `blr tune` makes of the file; the
 * choices of a tuning applied to the final experiment (`blr run --tuned DIR`). Private to the
 * config module; functions return 0 or BLR_YAML_BAD with the message in c->err. */
#ifndef BLR_CONFIG_TUNE_H
#define BLR_CONFIG_TUNE_H

#include "config.h"
#include "yaml_tree.h"

/* Reads and checks the tune section into *out (present = 0 without one). With tune_mode,
 * turns the tree into the tuning: scored on the section's validation split, its seeds (the
 * file's first by default), named "<name>-tune", and each method entry's grid keys set to
 * their lists and marked (node->mark) as the grid; a file without the section has its
 * method entries' lists of method hyperparameters (lr, lr2, ...) as the grid. */
int blr_config_tune(const blr_yctx *c, blr_ynode *root, int tune_mode, blr_tune_cfg *out);

/* Applies the choices of choice_path (a blr tune choice.yaml for this very file) to ex's
 * variants. */
int blr_config_apply_tuned(const blr_yctx *c, const char *choice_path, blr_experiment *ex);

#endif
