/* The methods by name: the one list that knows every method, the Lie-group rules of lib/ and
 * the baselines of baselines/. It sits above the method interface (rule.h) and the methods;
 * the config, the runner, the benchmarks and the CLI look methods up here.
 *
 * Adding a method is its file and one line of BLR_METHODS (baselines/README.md). */
#ifndef BLR_REGISTRY_H
#define BLR_REGISTRY_H

#include "rule.h"

/* One line per method: the name of its ops table, in the order `blr list` shows them. */
#define BLR_METHODS(X)                                                                         \
    X(blr_rule_sgd_ops)                                                                        \
    X(blr_rule_additive_ops)                                                                   \
    X(blr_rule_multiplicative_ops)                                                             \
    X(blr_rule_affine_ops)                                                                     \
    X(blr_baseline_adam_ops)                                                                   \
    X(blr_baseline_bbb_ops)                                                                    \
    X(blr_baseline_blr_ops)                                                                    \
    X(blr_baseline_vogn_ops)                                                                   \
    X(blr_baseline_ivon_ops)

#define BLR_METHOD_DECLARE(ops) extern const blr_method_ops ops;
BLR_METHODS(BLR_METHOD_DECLARE)

/* find returns NULL for an unknown name; count/at enumerate for `blr list`. */
const blr_method_ops *blr_method_find(const char *name);
size_t blr_method_count(void);
const blr_method_ops *blr_method_at(size_t i);

/* blr_method_check_ops and blr_method_create_ops (rule.h) for the method named cfg->rule;
 * an unknown name is an error. */
int blr_method_check(const blr_method_cfg *cfg, size_t n, char *err, size_t errlen);
int blr_method_create(blr_method **out, const blr_method_cfg *cfg, size_t n, const float *w0,
                      const float *w1, char *err, size_t errlen);

#endif
