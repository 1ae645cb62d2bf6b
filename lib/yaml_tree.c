/* A YAML file as a tree of nodes that remember their line:column, and the checked reads
 * (numbers, words, names, keys with "did you mean") that turn a node into a value or into
 * "FILE:LINE:COL: error: message".
 *
 * The tree is our own rather than libyaml's document because the checks need positions
 * after profiles have been merged in, and because aliases must be copied out with a node
 * budget (a file could otherwise ask for exponentially many nodes). Every function that
 * fails writes the message into the context's buffer and returns 2, the CLI's "bad input"
 * status, so a caller can return its result unchanged. */
#include "yaml_tree.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

#define BAD BLR_YAML_BAD
/* Aliases are copied into the tree, so a file can ask for exponentially many nodes
 * ("billion laughs") or, through an alias to its own ancestor, infinitely many. */
#define MAX_DEPTH 64
#define MAX_NODES 100000
#define MSG_LEN 768

/* ---- the tree and error reporting ---- */

void blr_yaml_free(blr_ynode *n)
{
    if (!n)
        return;
    for (size_t i = 0; i < n->n; i++) {
        if (n->key)
            blr_yaml_free(n->key[i]);
        if (n->val)
            blr_yaml_free(n->val[i]);
    }
    free(n->key);
    free(n->val);
    free(n->text);
    free(n);
}

static int yaml_vfail_at(const blr_yctx *c, int line, int col, const char *fmt, va_list ap)
{
    char msg[MSG_LEN];
    vsnprintf(msg, sizeof msg, fmt, ap);
    snprintf(c->err, c->errlen, "%s:%d:%d: error: %s", c->path, line, col, msg);
    return BAD;
}

int blr_yaml_fail_at(const blr_yctx *c, int line, int col, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    yaml_vfail_at(c, line, col, fmt, ap);
    va_end(ap);
    return BAD;
}

int blr_yaml_fail(const blr_yctx *c, const blr_ynode *at, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    yaml_vfail_at(c, at->line, at->col, fmt, ap);
    va_end(ap);
    return BAD;
}

int blr_yaml_oom(const blr_yctx *c)
{
    snprintf(c->err, c->errlen, "%s: error: out of memory", c->path);
    return BAD;
}

/* What a collection is, for "expected X, got Y" messages. */
static const char *kind_word(const blr_ynode *n)
{
    return n->kind == BLR_Y_MAP ? "a mapping" : "a list";
}

/* ---- stage 1: libyaml -> tree ---- */

static int convert(const blr_yctx *c, yaml_document_t *doc, yaml_node_t *yn, int depth,
                   size_t *budget, blr_ynode **out)
{
    int line = (int)yn->start_mark.line + 1, col = (int)yn->start_mark.column + 1;
    if (depth > MAX_DEPTH || *budget == 0)
        return blr_yaml_fail_at(c, line, col,
                                "the document nests too deeply or its aliases expand to "
                                "more than %d nodes",
                                MAX_NODES);
    --*budget;
    blr_ynode *n = calloc(1, sizeof *n);
    if (!n)
        return blr_yaml_oom(c);
    *out = n;
    n->line = line;
    n->col = col;
    if (yn->type == YAML_SCALAR_NODE) {
        n->kind = BLR_Y_SCALAR;
        n->quoted = yn->data.scalar.style != YAML_PLAIN_SCALAR_STYLE;
        n->text = malloc(yn->data.scalar.length + 1);
        if (!n->text)
            return blr_yaml_oom(c);
        memcpy(n->text, yn->data.scalar.value, yn->data.scalar.length);
        n->text[yn->data.scalar.length] = '\0';
        return 0;
    }
    if (yn->type == YAML_SEQUENCE_NODE) {
        n->kind = BLR_Y_SEQ;
        size_t count = (size_t)(yn->data.sequence.items.top - yn->data.sequence.items.start);
        n->val = calloc(count ? count : 1, sizeof *n->val);
        if (!n->val)
            return blr_yaml_oom(c);
        n->n = count;
        for (size_t i = 0; i < count; i++) {
            yaml_node_t *item = yaml_document_get_node(doc, yn->data.sequence.items.start[i]);
            int rc = convert(c, doc, item, depth + 1, budget, &n->val[i]);
            if (rc)
                return rc;
        }
        return 0;
    }
    n->kind = BLR_Y_MAP;
    size_t count = (size_t)(yn->data.mapping.pairs.top - yn->data.mapping.pairs.start);
    n->key = calloc(count ? count : 1, sizeof *n->key);
    n->val = calloc(count ? count : 1, sizeof *n->val);
    if (!n->key || !n->val)
        return blr_yaml_oom(c);
    n->n = count;
    for (size_t i = 0; i < count; i++) {
        yaml_node_pair_t *p = &yn->data.mapping.pairs.start[i];
        int rc = convert(c, doc, yaml_document_get_node(doc, p->key), depth + 1, budget,
                         &n->key[i]);
        if (rc)
            return rc;
        const blr_ynode *k = n->key[i];
        if (k->kind != BLR_Y_SCALAR)
            return blr_yaml_fail(c, k, "a mapping key must be a plain word, not %s", kind_word(k));
        for (size_t j = 0; j < i; j++)
            if (strcmp(n->key[j]->text, k->text) == 0)
                return blr_yaml_fail(c, k, "duplicate key '%s' (first at line %d)", k->text,
                            n->key[j]->line);
        rc = convert(c, doc, yaml_document_get_node(doc, p->value), depth + 1, budget,
                     &n->val[i]);
        if (rc)
            return rc;
    }
    return 0;
}

/* Reader errors (bad encoding) carry a byte offset instead of a mark: count lines and
 * characters (UTF-8 lead bytes) up to it. */
static void offset_position(FILE *f, size_t offset, int *line, int *col)
{
    *line = *col = 1;
    rewind(f);
    for (size_t i = 0; i < offset; i++) {
        int ch = fgetc(f);
        if (ch == EOF)
            return;
        if (ch == '\n') {
            ++*line;
            *col = 1;
        } else if ((ch & 0xC0) != 0x80) {
            ++*col;
        }
    }
}

static int syntax_error(const blr_yctx *c, const yaml_parser_t *p, FILE *f)
{
    if (p->error == YAML_MEMORY_ERROR)
        return blr_yaml_oom(c);
    int line = (int)p->problem_mark.line + 1, col = (int)p->problem_mark.column + 1;
    if (p->error == YAML_READER_ERROR)
        offset_position(f, p->problem_offset, &line, &col);
    const char *problem = p->problem ? p->problem : "invalid YAML";
    if (p->context)
        return blr_yaml_fail_at(c, line, col, "%s (%s at line %d)", problem, p->context,
                       (int)p->context_mark.line + 1);
    return blr_yaml_fail_at(c, line, col, "%s", problem);
}

/* Loads the first document; a second one is an error (it would be silently ignored). */
static int parse_documents(const blr_yctx *c, yaml_parser_t *parser, FILE *f, const char *top_what,
                           blr_ynode **root)
{
    yaml_document_t doc;
    if (!yaml_parser_load(parser, &doc))
        return syntax_error(c, parser, f);
    yaml_node_t *top = yaml_document_get_root_node(&doc);
    int rc;
    if (!top) {
        rc = blr_yaml_fail_at(c, 1, 1, "the file is empty: expected %s", top_what);
    } else {
        size_t budget = MAX_NODES;
        rc = convert(c, &doc, top, 0, &budget, root);
    }
    yaml_document_delete(&doc);
    if (rc)
        return rc;
    if (!yaml_parser_load(parser, &doc))
        return syntax_error(c, parser, f);
    top = yaml_document_get_root_node(&doc);
    if (top)
        rc = blr_yaml_fail_at(c, (int)top->start_mark.line + 1, (int)top->start_mark.column + 1,
                     "a second YAML document: an experiment file holds exactly one");
    yaml_document_delete(&doc);
    if (rc == 0 && (*root)->kind != BLR_Y_MAP)
        rc = blr_yaml_fail(c, *root, "expected %s at the top level, got %s", top_what,
                           (*root)->kind == BLR_Y_SEQ ? "a list" : "a single value");
    return rc;
}

int blr_yaml_load(const blr_yctx *c, const char *top_what, blr_ynode **root)
{
    *root = NULL;
    FILE *f = fopen(c->path, "rb");
    if (!f) {
        snprintf(c->err, c->errlen, "%s: error: cannot open the experiment file: %s", c->path,
                 strerror(errno));
        return BAD;
    }
    yaml_parser_t parser;
    if (!yaml_parser_initialize(&parser)) {
        fclose(f);
        return blr_yaml_oom(c);
    }
    yaml_parser_set_input_file(&parser, f);
    int rc = parse_documents(c, &parser, f, top_what, root);
    yaml_parser_delete(&parser);
    fclose(f);
    if (rc) {
        blr_yaml_free(*root);
        *root = NULL;
    }
    return rc;
}

/* ---- lookups and suggestions ---- */

long blr_yaml_index(const blr_ynode *map, const char *key)
{
    for (size_t i = 0; i < map->n; i++)
        if (map->key[i] && strcmp(map->key[i]->text, key) == 0)
            return (long)i;
    return -1;
}

const blr_ynode *blr_yaml_find(const blr_ynode *map, const char *key)
{
    long i = blr_yaml_index(map, key);
    return i < 0 ? NULL : map->val[i];
}

/* Levenshtein distance, for "did you mean". Long words get no suggestion. */
static size_t edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 63 || lb > 63)
        return SIZE_MAX;
    size_t row[64];
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t up = row[j];
            size_t best = diag + (a[i - 1] != b[j - 1]);
            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[lb];
}

static const char *nearest(const char *word, const char *const *names, size_t n)
{
    const char *best = NULL;
    size_t best_d = 3;
    for (size_t i = 0; i < n; i++) {
        size_t d = edit_distance(word, names[i]);
        if (d < best_d) {
            best_d = d;
            best = names[i];
        }
    }
    return best;
}

void blr_yaml_join(const char *const *names, size_t n, char *buf, size_t size)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < n && used < size; i++) {
        int w = snprintf(buf + used, size - used, "%s%s", i ? ", " : "", names[i]);
        if (w < 0)
            return;
        used += (size_t)w;
    }
}

int blr_yaml_unknown(const blr_yctx *c, const blr_ynode *at, const char *what,
                        const char *const *names, size_t n)
{
    const char *near = nearest(at->text, names, n);
    if (near)
        return blr_yaml_fail(c, at, "unknown %s '%s' (did you mean '%s'?)", what, at->text, near);
    char list[512];
    blr_yaml_join(names, n, list, sizeof list);
    return blr_yaml_fail(c, at, "unknown %s '%s' (known: %s)", what, at->text, list);
}

int blr_yaml_check_keys(const blr_yctx *c, const blr_ynode *map, const char *const *names,
                        size_t n)
{
    for (size_t i = 0; i < map->n; i++) {
        const blr_ynode *k = map->key[i];
        int known = 0;
        for (size_t j = 0; j < n && !known; j++)
            known = strcmp(k->text, names[j]) == 0;
        if (known)
            continue;
        const char *near = nearest(k->text, names, n);
        if (near)
            return blr_yaml_fail(c, k, "unknown key '%s' (did you mean '%s'?)", k->text, near);
        char list[512];
        blr_yaml_join(names, n, list, sizeof list);
        return blr_yaml_fail(c, k, "unknown key '%s' (valid keys: %s)", k->text, list);
    }
    return 0;
}

int blr_yaml_want_map(const blr_yctx *c, const blr_ynode *n, const char *what)
{
    if (n->kind == BLR_Y_MAP)
        return 0;
    if (n->kind == BLR_Y_SEQ)
        return blr_yaml_fail(c, n, "expected a mapping (%s), got a list", what);
    return blr_yaml_fail(c, n, "expected a mapping (%s), got '%s'", what, n->text);
}

int blr_yaml_want_seq(const blr_yctx *c, const blr_ynode *n, const char *what)
{
    if (n->kind == BLR_Y_SEQ)
        return 0;
    if (n->kind == BLR_Y_MAP)
        return blr_yaml_fail(c, n, "expected a list of %s, got a mapping", what);
    return blr_yaml_fail(c, n, "expected a list of %s, got '%s'", what, n->text);
}

int blr_yaml_want_scalar(const blr_yctx *c, const blr_ynode *n, const char *what)
{
    return n->kind == BLR_Y_SCALAR
               ? 0
               : blr_yaml_fail(c, n, "expected %s, got %s", what, kind_word(n));
}

/* ---- scalars ---- */

int blr_yaml_get_string(const blr_yctx *c, const blr_ynode *n, const char *key, char *buf,
                        size_t size)
{
    if (blr_yaml_want_scalar(c, n, "a string"))
        return BAD;
    if (strlen(n->text) >= size)
        return blr_yaml_fail(c, n, "%s is too long (at most %zu characters)", key, size - 1);
    memcpy(buf, n->text, strlen(n->text) + 1);
    return 0;
}

/* A number must be written plain: YAML makes "5" a string. */
static int number_scalar(const blr_yctx *c, const blr_ynode *n, const char *what)
{
    if (blr_yaml_want_scalar(c, n, what))
        return BAD;
    if (n->quoted)
        return blr_yaml_fail(c, n, "expected %s, got the quoted string '%s'", what, n->text);
    return 0;
}

/* Strict decimal integer in [lo, hi]: no trailing junk, no overflow, no "5.0". */
int blr_yaml_get_int(const blr_yctx *c, const blr_ynode *n, const char *key, long long lo,
                     long long hi, long long *out)
{
    if (number_scalar(c, n, "an integer"))
        return BAD;
    const char *s = n->text, *d = s + (*s == '+' || *s == '-');
    if (!*d || strspn(d, "0123456789") != strlen(d))
        return blr_yaml_fail(c, n, "expected an integer, got '%s'", s);
    errno = 0;
    long long v = strtoll(s, NULL, 10);
    if (errno == ERANGE || v < lo || v > hi) {
        if (errno != ERANGE && v < lo)
            return blr_yaml_fail(c, n, "%s must be >= %lld (got %s)", key, lo, s);
        return blr_yaml_fail(c, n, "%s must be between %lld and %lld (got %s)", key, lo, hi, s);
    }
    *out = v;
    return 0;
}

/* A finite number, written the way strtod reads it in full. */
int blr_yaml_get_num(const blr_yctx *c, const blr_ynode *n, const char *key, double *out)
{
    if (number_scalar(c, n, "a number"))
        return BAD;
    const char *s = n->text;
    const char *t = s + (*s == '+' || *s == '-');
    if (strcasecmp(t, ".nan") == 0 || strcasecmp(t, ".inf") == 0)
        return blr_yaml_fail(c, n, "%s must be a finite number (got '%s')", key, s);
    char *end;
    double v = strtod(s, &end);
    if (!*s || *end)
        return blr_yaml_fail(c, n, "expected a number, got '%s'", s);
    if (!isfinite(v))
        return blr_yaml_fail(c, n, "%s must be a finite number (got '%s')", key, s);
    *out = v;
    return 0;
}

/* YAML 1.1 booleans. */
int blr_yaml_get_bool(const blr_yctx *c, const blr_ynode *n, int *out)
{
    static const char *const yes[] = {"true", "yes", "on"}, *const no[] = {"false", "no", "off"};
    if (number_scalar(c, n, "true or false"))
        return BAD;
    for (size_t i = 0; i < 3; i++) {
        if (strcasecmp(n->text, yes[i]) == 0) {
            *out = 1;
            return 0;
        }
        if (strcasecmp(n->text, no[i]) == 0) {
            *out = 0;
            return 0;
        }
    }
    return blr_yaml_fail(c, n, "expected true or false, got '%s'", n->text);
}

/* A word from a fixed table; returns its index in *idx. */
int blr_yaml_get_word(const blr_yctx *c, const blr_ynode *n, const char *what,
                      const char *const *names, size_t count, size_t *idx)
{
    if (blr_yaml_want_scalar(c, n, "a name"))
        return BAD;
    for (size_t i = 0; i < count; i++)
        if (strcmp(n->text, names[i]) == 0) {
            *idx = i;
            return 0;
        }
    return blr_yaml_unknown(c, n, what, names, count);
}

/* [a-z0-9-]+ : names become directory and file names. */
int blr_yaml_get_name(const blr_yctx *c, const blr_ynode *n, const char *key, char *buf,
                      size_t size)
{
    if (blr_yaml_get_string(c, n, key, buf, size))
        return BAD;
    if (!buf[0] || strspn(buf, "abcdefghijklmnopqrstuvwxyz0123456789-") != strlen(buf))
        return blr_yaml_fail(
            c, n, "%s '%s' must match [a-z0-9-]+ (lower-case letters, digits, '-')", key, buf);
    return 0;
}

/* ---- stage 2: profiles ---- */

/* Mappings blr_yaml_merge key by key; anything else replaces. Nodes move from src into dst, so
 * errors found later point into the profile. */
int blr_yaml_merge(const blr_yctx *c, blr_ynode *dst, blr_ynode *src)
{
    for (size_t i = 0; i < src->n; i++) {
        long j = blr_yaml_index(dst, src->key[i]->text);
        if (j >= 0 && dst->val[j]->kind == BLR_Y_MAP && src->val[i]->kind == BLR_Y_MAP) {
            int rc = blr_yaml_merge(c, dst->val[j], src->val[i]);
            if (rc)
                return rc;
        } else if (j >= 0) {
            blr_yaml_free(dst->val[j]);
            dst->val[j] = src->val[i];
            src->val[i] = NULL;
        } else {
            blr_ynode **k = realloc(dst->key, (dst->n + 1) * sizeof *k);
            if (!k)
                return blr_yaml_oom(c);
            dst->key = k;
            blr_ynode **v = realloc(dst->val, (dst->n + 1) * sizeof *v);
            if (!v)
                return blr_yaml_oom(c);
            dst->val = v;
            dst->key[dst->n] = src->key[i];
            dst->val[dst->n] = src->val[i];
            dst->n++;
            src->key[i] = src->val[i] = NULL;
        }
    }
    return 0;
}

