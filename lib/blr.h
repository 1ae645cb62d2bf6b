/* libblr — the Lie-group Bayesian learning rule and the methods it is compared with.
 * Umbrella header: include this one. */
#ifndef BLR_H
#define BLR_H

#define BLR_VERSION "0.1.0"

#include "base.h"
#include "compare.h"
#include "config.h"
#include "data.h"
#include "exact.h"
#include "group.h"
#include "metrics.h"
#include "model.h"
#include "report.h"
#include "rng.h"
#include "rule.h"
#include "tables.h"
#include "runner.h"
#include "estimate.h"
#include "tune.h"
#include "jobs.h"
#include "record.h"
#include "resultdir.h"
#include "bench.h"

#endif
