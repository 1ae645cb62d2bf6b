/* The ops tables of the baselines (docs/design.md §4): non-Lie-group methods behind the same method
 * interface. Each lives in its own file here and has one line in the registry of
 * lib/rule.c. */
#ifndef BLR_BASELINES_H
#define BLR_BASELINES_H

#include "rule.h"

extern const blr_method_ops blr_baseline_adam_ops;
extern const blr_method_ops blr_baseline_bbb_ops;
extern const blr_method_ops blr_baseline_blr_ops;
extern const blr_method_ops blr_baseline_vogn_ops;
extern const blr_method_ops blr_baseline_ivon_ops;

#endif
