/* A YAML file read into a tree of positioned nodes, and checked reads of its values.
 * Errors are "FILE:LINE:COL: error: message" in the context's buffer, and the functions
 * that report them return BLR_YAML_BAD (2). */
#ifndef BLR_YAML_TREE_H
#define BLR_YAML_TREE_H

#include <stddef.h>

#define BLR_YAML_BAD 2

typedef enum { BLR_Y_SCALAR, BLR_Y_SEQ, BLR_Y_MAP } blr_ynode_kind;

typedef struct blr_ynode {
    blr_ynode_kind kind;
    int line, col;          /* 1-based */
    int quoted;             /* scalar not written plain: always a string, never a number */
    char *text;             /* scalar */
    size_t n;               /* items (sequence) or pairs (mapping) */
    struct blr_ynode **key; /* mapping keys (scalars) */
    struct blr_ynode **val; /* mapping values, or sequence items */
    int mark;               /* the schema's own flag (a key a tuning's grid varies) */
} blr_ynode;

/* Where messages go, and which file they name. A node whose line is -k did not come from
 * the file but from the k-th command-line override, sets[k - 1] ("train.epochs=1"); its
 * messages name that instead of a position. */
typedef struct {
    const char *path;
    char *err;
    size_t errlen;
    const char *const *sets;
} blr_yctx;

/* Reads the one document of c->path. Duplicate keys, a second document, aliases that expand
 * past the node budget, nesting past the depth limit and a top level that is not a mapping
 * are errors; top_what says what the top level should be ("a mapping with name, ..."). */
int blr_yaml_load(const blr_yctx *c, const char *top_what, blr_ynode **root);
void blr_yaml_free(blr_ynode *n);
/* Reads one YAML value (a scalar, or a flow list or mapping: "0.05", "[1, 2]") from text,
 * the value of override k (1-based): every node gets line -k. */
int blr_yaml_load_value(const blr_yctx *c, const char *text, int k, blr_ynode **out);
/* A deep copy of n (positions and marks kept), or NULL with "out of memory" in c->err. */
blr_ynode *blr_yaml_copy(const blr_yctx *c, const blr_ynode *n);
/* A new mapping key or scalar node that came from override k. */
blr_ynode *blr_yaml_new_scalar(const blr_yctx *c, const char *text, int k);

int blr_yaml_fail(const blr_yctx *c, const blr_ynode *at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int blr_yaml_fail_at(const blr_yctx *c, int line, int col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
int blr_yaml_oom(const blr_yctx *c);

/* Lookups in a mapping: the pair's index or -1, the value or NULL. */
long blr_yaml_index(const blr_ynode *map, const char *key);
const blr_ynode *blr_yaml_find(const blr_ynode *map, const char *key);

/* "a, b, c" into buf (cut at size). */
void blr_yaml_join(const char *const *names, size_t n, char *buf, size_t size);
/* "unknown WHAT 'x' (did you mean 'y'?)", or the list of names when none is close. */
int blr_yaml_unknown(const blr_yctx *c, const blr_ynode *at, const char *what,
                     const char *const *names, size_t n);
/* Every key of map must be one of names. */
int blr_yaml_check_keys(const blr_yctx *c, const blr_ynode *map, const char *const *names,
                        size_t n);

int blr_yaml_want_map(const blr_yctx *c, const blr_ynode *n, const char *what);
int blr_yaml_want_seq(const blr_yctx *c, const blr_ynode *n, const char *what);
int blr_yaml_want_scalar(const blr_yctx *c, const blr_ynode *n, const char *what);

/* Scalars: a string that fits size; a strict decimal integer in [lo, hi]; a finite number;
 * a YAML 1.1 boolean; a word from names (its index in *idx); a [a-z0-9-]+ name. Numbers
 * and booleans must be written plain: YAML makes "5" a string. */
int blr_yaml_get_string(const blr_yctx *c, const blr_ynode *n, const char *key, char *buf,
                        size_t size);
int blr_yaml_get_int(const blr_yctx *c, const blr_ynode *n, const char *key, long long lo,
                     long long hi, long long *out);
int blr_yaml_get_num(const blr_yctx *c, const blr_ynode *n, const char *key, double *out);
int blr_yaml_get_bool(const blr_yctx *c, const blr_ynode *n, int *out);
int blr_yaml_get_word(const blr_yctx *c, const blr_ynode *n, const char *what,
                      const char *const *names, size_t count, size_t *idx);
int blr_yaml_get_name(const blr_yctx *c, const blr_ynode *n, const char *key, char *buf,
                      size_t size);

/* Deep-merges src over dst: mappings key by key, anything else replaces. Nodes move from
 * src into dst, so errors found later point into src's text. */
int blr_yaml_merge(const blr_yctx *c, blr_ynode *dst, blr_ynode *src);

#endif
