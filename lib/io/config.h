/* Experiment files (docs/experiments.md) -> validated structs, via libyaml.
 *
 * Loading parses the YAML into a tree that remembers positions, merges the chosen profile
 * over it, expands list-valued method keys into variants (the cross product, in key order),
 * and validates everything. Every fault is reported as "FILE:LINE:COL: error: message"
 * (1-based line and column of the offending node). */
#ifndef BLR_CONFIG_H
#define BLR_CONFIG_H

#include <stddef.h>
#include "base.h"
#include "model.h"
#include "registry.h" /* a method entry names its rule */

#define BLR_MAX_VARIANTS 128
#define BLR_MAX_SEEDS 64
#define BLR_NAME_LEN 96
#define BLR_PATH_LEN 512
#define BLR_MAX_SETS 32
#define BLR_OVERRIDES_LEN 2048

typedef struct {
    int epochs;
    int batch_size;   /* 0 = full batch */
    int mc_train;
    int mc_test;
    double prior_precision;
    double temperature;
    blr_schedule schedule;
    double warmup_epochs;
    int rng_gsl;      /* `rng: gsl`: MC noise through GSL's reference samplers (rng.h) */
    int checkpoint_every; /* epochs between two checkpoints of a run (lib/run/record.h) */
} blr_train_cfg;

typedef struct {
    char name[BLR_NAME_LEN];   /* method name + expansion suffix */
    char method[BLR_NAME_LEN]; /* the method entry's `name` */
    /* In a tuning (blr tune): the variant of the final experiment this grid point belongs to,
     * its name without the tuned keys' suffixes, and the tuned keys' values as a YAML flow
     * mapping's body ("lr: 0.3, lr2: 0.05"); otherwise the name and "". */
    char tuned_as[BLR_NAME_LEN];
    char grid[256];
    blr_method_cfg method_cfg; /* rule, base, step sizes ...; n_data filled by the runner */
    blr_train_cfg train;
} blr_variant;

/* Metric ids, in the column order of runs.csv: classification acc,nll,ece,brier,bayes_...;
 * regression rmse,nll,bayes_rmse,bayes_nll (docs/experiments.md, "Result files"); then the
 * sparsity of the first layer's filters at the point estimate (mean Hoyer measure, fraction
 * near zero). */
typedef enum {
    BLR_METRIC_ACC, BLR_METRIC_RMSE, BLR_METRIC_NLL, BLR_METRIC_ECE, BLR_METRIC_BRIER,
    BLR_METRIC_BAYES_ACC, BLR_METRIC_BAYES_RMSE, BLR_METRIC_BAYES_NLL, BLR_METRIC_BAYES_ECE,
    BLR_METRIC_BAYES_BRIER, BLR_METRIC_OOD_AUROC, BLR_METRIC_HOYER, BLR_METRIC_NEAR_ZERO,
    BLR_METRIC_COUNT
} blr_metric;
const char *blr_metric_name(blr_metric m);
int blr_metric_from_name(const char *name, blr_metric *m);

typedef enum {
    BLR_FIGURE_CURVES, BLR_FIGURE_RELIABILITY, BLR_FIGURE_POSTERIOR, BLR_FIGURE_FILTERS,
    BLR_FIGURE_ABLATION, BLR_FIGURE_COUNT
} blr_figure;
const char *blr_figure_name(blr_figure f);
int blr_figure_from_name(const char *name, blr_figure *f);

typedef struct {
    char set[32];              /* fashion-mnist | mnist | csv */
    size_t train_subset, test_subset;
    size_t validation;         /* > 0: hold this many training examples out and score on them
                                  instead of the test set (tuning, docs/design.md §7) */
    char ood[32];              /* "" when absent */
    char train_path[BLR_PATH_LEN], test_path[BLR_PATH_LEN]; /* csv: resolved against the file */
    blr_task task;
    char target[64];           /* csv target column, "" = last */
    double noise_sd;
} blr_data_cfg;

/* The `tune:` section: how `blr tune` chooses each variant's tuned values. */
typedef struct {
    int present;
    size_t validation;         /* training examples held out to score on */
    blr_metric metric;         /* ranks the grid points [bayes_nll] */
    int maximize;              /* 1: higher is better [by metric: acc, ood_auroc] */
    int any_budget;            /* `budget: any`: grids of different sizes allowed */
} blr_tune_cfg;

typedef struct {
    char path[BLR_PATH_LEN];   /* the experiment file as given */
    char profile[64];          /* "" when none */
    char name[64];
    char title[256];
    blr_data_cfg data;
    blr_model_spec model;      /* n_in / n_out are filled by the runner from the data */
    int n_seeds;
    int seeds[BLR_MAX_SEEDS];
    int n_variants;
    blr_variant variants[BLR_MAX_VARIANTS];
    unsigned metrics;          /* bit (1u << blr_metric) */
    unsigned figures;          /* bit (1u << blr_figure) */
    int posterior;             /* write posterior/<variant>-s<seed>.csv */
    int reference;             /* variant the tables' paired t-tests compare against */
    int threads;               /* `threads:`, 0 when absent; `blr run --threads` overrides it */
    /* The overrides and selection it was loaded with, one per line ("set train.epochs=1",
     * "variant affine*", "seed 0"), "" for none: they belong to its identity (manifest.json),
     * and blr_config_opts_parse reads them back. */
    char overrides[BLR_OVERRIDES_LEN];
    blr_tune_cfg tune;
} blr_experiment;

/* How to load a file besides its path: a profile, command-line overrides of single keys
 * ("train.epochs=1", "methods.affine.lr2=0.05", a dotted path into the file where a method is
 * named by its `name`, then '=' and a YAML value such as 0.05 or [1, 2]), applied after the
 * profile, and a selection of runs: the variants whose names match a shell pattern, and some
 * of the file's seeds. */
typedef struct {
    const char *profile;                    /* NULL: none */
    const char *sets[BLR_MAX_SETS];
    int n_sets;
    const char *variant;                    /* NULL: every variant */
    int seeds[BLR_MAX_SEEDS];
    int n_seeds;                            /* 0: every seed */
    /* 1: load the tuning instead (blr tune): the grid of the `tune:` section (without one,
     * the method entries' lists of hyperparameters), scored on its validation split. */
    int tune;
    const char *tuned;                      /* a choice.yaml of blr tune to apply, or NULL */
} blr_config_opts;

/* Puts into cfg the training settings the method interface reads from a variant's train:
 * τ, δ and the MC samples per step. */
void blr_config_train_into(blr_method_cfg *cfg, const blr_train_cfg *t);

/* Returns 0, or 2 (bad input) with "FILE:LINE:COL: error: ..." in err ("--set ARG: error: ..."
 * for a fault in an override). Checks that the data files the experiment names exist (csv
 * paths, and the standard sets' files). The variants' order is the file's, the reference of
 * the tables' tests the file's when it is selected and else the first variant selected. */
int blr_config_load(const char *path, const char *profile, blr_experiment *out, char *err,
                    size_t errlen);
int blr_config_load_opts(const char *path, const blr_config_opts *o, blr_experiment *out,
                         char *err, size_t errlen);
/* Reads an experiment's `overrides` text back into o (whose strings point into text).
 * Returns 0, or -1 when it is not such a text. */
int blr_config_opts_parse(char *text, const char *profile, blr_config_opts *o);

#endif
