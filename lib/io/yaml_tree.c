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
    if (line < 0 && c->sets)
        snprintf(c->err, c->errlen, "--set %s: error: %s", c->sets[-line - 1], msg);
    else
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

/* ---- reading: libyaml's events -> tree ---- */

/* The reader works event by event, so a limit (depth, node budget) stops the parse where it
 * is exceeded instead of after libyaml has built the whole document: a file of 10^5 nested
 * '[' is refused at its 65th. */
typedef struct {
    char *name;
    const blr_ynode *node;
} anchor;

typedef struct {
    const blr_yctx *c;
    yaml_parser_t parser;
    FILE *f;
    anchor *anchors;
    size_t n_anchors, cap_anchors;
    size_t budget;      /* nodes still allowed, copies made by aliases included */
    blr_ynode *sources; /* the values of merge keys '<<', as the pairs of one mapping */
    int origin;         /* k when reading override k, whose nodes all get line -k */
} reader;

#define TAG_PREFIX "tag:yaml.org,2002:"

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

static int syntax_error(const reader *r)
{
    const yaml_parser_t *p = &r->parser;
    if (p->error == YAML_MEMORY_ERROR)
        return blr_yaml_oom(r->c);
    int line = (int)p->problem_mark.line + 1, col = (int)p->problem_mark.column + 1;
    if (r->origin)
        line = -r->origin;
    else if (p->error == YAML_READER_ERROR)
        offset_position(r->f, p->problem_offset, &line, &col);
    const char *problem = p->problem ? p->problem : "invalid YAML";
    if (p->context)
        return blr_yaml_fail_at(r->c, line, col, "%s (%s at line %d)", problem, p->context,
                                (int)p->context_mark.line + 1);
    return blr_yaml_fail_at(r->c, line, col, "%s", problem);
}

static int next_event(reader *r, yaml_event_t *e)
{
    return yaml_parser_parse(&r->parser, e) ? 0 : syntax_error(r);
}

static int event_line(const reader *r, const yaml_event_t *e)
{
    return r->origin ? -r->origin : (int)e->start_mark.line + 1;
}

static int event_col(const yaml_event_t *e)
{
    return (int)e->start_mark.column + 1;
}

static blr_ynode *new_node(reader *r, blr_ynode_kind kind, int line, int col)
{
    if (r->budget == 0) {
        blr_yaml_fail_at(r->c, line, col, "the document holds more than %d values (an alias "
                         "counts every value it repeats)", MAX_NODES);
        return NULL;
    }
    blr_ynode *n = calloc(1, sizeof *n);
    if (!n) {
        blr_yaml_oom(r->c);
        return NULL;
    }
    r->budget--;
    n->kind = kind;
    n->line = line;
    n->col = col;
    return n;
}

/* Appends a pair (mapping: key and value) or an item (sequence: key NULL), which n then
 * owns; on failure they stay the caller's. */
static int append(reader *r, blr_ynode *n, blr_ynode *key, blr_ynode *val)
{
    if ((n->n & (n->n - 1)) == 0) {
        size_t cap = n->n ? 2 * n->n : 1;
        blr_ynode **v = realloc(n->val, cap * sizeof *v);
        if (v)
            n->val = v;
        blr_ynode **k = n->kind == BLR_Y_MAP && v ? realloc(n->key, cap * sizeof *k) : NULL;
        if (k)
            n->key = k;
        if (!v || (n->kind == BLR_Y_MAP && !k))
            return blr_yaml_oom(r->c);
    }
    if (n->kind == BLR_Y_MAP)
        n->key[n->n] = key;
    n->val[n->n++] = val;
    return 0;
}

/* A deep copy of src for an alias, charged to the budget; positions stay those of the
 * anchored original, where the text that gave the value is. */
static int copy_node(reader *r, const blr_ynode *src, blr_ynode **out)
{
    blr_ynode *n = *out = new_node(r, src->kind, src->line, src->col);
    if (!n)
        return BAD;
    n->quoted = src->quoted;
    n->mark = src->mark;
    if (src->kind == BLR_Y_SCALAR) {
        n->text = strdup(src->text);
        return n->text ? 0 : blr_yaml_oom(r->c);
    }
    for (size_t i = 0; i < src->n; i++) {
        blr_ynode *k = NULL, *v = NULL;
        if (src->kind == BLR_Y_MAP && copy_node(r, src->key[i], &k) != 0)
            return BAD;
        if (copy_node(r, src->val[i], &v) != 0 || append(r, n, k, v) != 0) {
            blr_yaml_free(k);
            blr_yaml_free(v);
            return BAD;
        }
    }
    return 0;
}

static int remember_anchor(reader *r, const yaml_char_t *name, const blr_ynode *n)
{
    if (!name)
        return 0;
    if (r->n_anchors == r->cap_anchors) {
        size_t cap = r->cap_anchors ? 2 * r->cap_anchors : 8;
        anchor *a = realloc(r->anchors, cap * sizeof *a);
        if (!a)
            return blr_yaml_oom(r->c);
        r->anchors = a;
        r->cap_anchors = cap;
    }
    char *copy = strdup((const char *)name);
    if (!copy)
        return blr_yaml_oom(r->c);
    r->anchors[r->n_anchors++] = (anchor){copy, n};
    return 0;
}

/* The latest definition of an anchor counts (YAML lets a name be redefined). An anchor
 * is known only once its node is complete, so an alias inside its own anchor's node (an
 * infinite value) is "not defined". */
static const blr_ynode *find_anchor(const reader *r, const char *name)
{
    for (size_t i = r->n_anchors; i-- > 0;)
        if (strcmp(r->anchors[i].name, name) == 0)
            return r->anchors[i].node;
    return NULL;
}

/* Tags: !!str makes a scalar a string even when it looks like a number; the other core
 * tags agree with what the reader decides from the text, and any other tag would ask for
 * a type this reader does not have. */
static int apply_tag(reader *r, const yaml_char_t *tag, blr_ynode *n, const yaml_event_t *e)
{
    static const char *const scalar_tags[] = {"int", "float", "bool", "null"};
    if (!tag)
        return 0;
    const char *t = (const char *)tag;
    if (strcmp(t, "!") == 0 && n->kind == BLR_Y_SCALAR) {
        n->quoted = 1;
        return 0;
    }
    if (strncmp(t, TAG_PREFIX, strlen(TAG_PREFIX)) == 0) {
        const char *core = t + strlen(TAG_PREFIX);
        if (n->kind == BLR_Y_SCALAR && strcmp(core, "str") == 0) {
            n->quoted = 1;
            return 0;
        }
        for (size_t i = 0; n->kind == BLR_Y_SCALAR && i < 4; i++)
            if (strcmp(core, scalar_tags[i]) == 0)
                return 0;
        if ((n->kind == BLR_Y_SEQ && strcmp(core, "seq") == 0) ||
            (n->kind == BLR_Y_MAP && strcmp(core, "map") == 0))
            return 0;
    }
    int core = strncmp(t, TAG_PREFIX, strlen(TAG_PREFIX)) == 0;
    return blr_yaml_fail_at(r->c, event_line(r, e), event_col(e),
                            "unsupported tag '%s%s' here (tags a file may use: !!str, !!int, "
                            "!!float, !!bool on values; !!seq, !!map on lists and mappings)",
                            core ? "!!" : "", core ? t + strlen(TAG_PREFIX) : t);
}

static int read_node(reader *r, yaml_event_t *e, int depth, blr_ynode **out);

typedef struct {
    const char *text;
    size_t idx;
} key_at;

static int cmp_key_at(const void *a, const void *b)
{
    const key_at *x = a, *y = b;
    int c = strcmp(x->text, y->text);
    return c ? c : (x->idx > y->idx) - (x->idx < y->idx);
}

/* Settles repeated keys in O(n log n) (a mapping may hold the whole node budget). Of the
 * first n_written pairs, written in the mapping itself, a key may appear once; the pairs
 * after them came from merge keys and give way to a written key or to an earlier merge
 * source, as YAML's merge keys prescribe; being copies, no anchor points into them. */
static int settle_keys(reader *r, blr_ynode *map, size_t n_written)
{
    if (map->n < 2)
        return 0;
    key_at *k = malloc(map->n * sizeof *k);
    unsigned char *drop = calloc(map->n, 1);
    if (!k || !drop) {
        free(k);
        free(drop);
        return blr_yaml_oom(r->c);
    }
    for (size_t i = 0; i < map->n; i++)
        k[i] = (key_at){map->key[i]->text, i};
    qsort(k, map->n, sizeof *k, cmp_key_at);
    size_t dup = SIZE_MAX, first = 0;
    for (size_t i = 1, start = 0; i < map->n; i++) {
        if (strcmp(k[i].text, k[start].text) != 0) {
            start = i;
            continue;
        }
        if (k[i].idx < n_written && k[i].idx < dup) {
            dup = k[i].idx;
            first = k[start].idx;
        }
        drop[k[i].idx] = 1;
    }
    free(k);
    int rc = 0;
    if (dup != SIZE_MAX)
        rc = blr_yaml_fail(r->c, map->key[dup], "duplicate key '%s' (first at line %d)",
                           map->key[dup]->text, map->key[first]->line);
    size_t kept = 0;
    for (size_t i = 0; i < map->n; i++) {
        if (drop[i] && dup == SIZE_MAX) {
            blr_yaml_free(map->key[i]);
            blr_yaml_free(map->val[i]);
            continue;
        }
        map->key[kept] = map->key[i];
        map->val[kept++] = map->val[i];
    }
    map->n = kept;
    free(drop);
    return rc;
}

/* `<<: SOURCE` (a mapping, or a list of mappings, usually aliases): the sources' pairs are
 * copied to the end of map, for settle_keys to rank. */
static int merge_sources(reader *r, blr_ynode *map, const blr_ynode *src)
{
    const blr_ynode *one[1] = {src};
    const blr_ynode *const *list = src->kind == BLR_Y_SEQ ? (const blr_ynode *const *)src->val
                                                          : one;
    size_t n = src->kind == BLR_Y_SEQ ? src->n : 1;
    for (size_t s = 0; s < n; s++) {
        if (list[s]->kind != BLR_Y_MAP)
            return blr_yaml_fail(r->c, list[s], "a merge key '<<' takes a mapping or a list "
                                 "of mappings (e.g. <<: *defaults), not %s",
                                 list[s]->kind == BLR_Y_SEQ ? "a list" : "a single value");
        for (size_t i = 0; i < list[s]->n; i++) {
            blr_ynode *k = NULL, *v = NULL;
            if (copy_node(r, list[s]->key[i], &k) != 0 ||
                copy_node(r, list[s]->val[i], &v) != 0 || append(r, map, k, v) != 0) {
                blr_yaml_free(k);
                blr_yaml_free(v);
                return BAD;
            }
        }
    }
    return 0;
}

static int read_node(reader *r, yaml_event_t *e, int depth, blr_ynode **out);

/* The next event, read as a node. */
static int read_next(reader *r, int depth, blr_ynode **out)
{
    yaml_event_t e;
    int rc = next_event(r, &e);
    if (rc)
        return rc;
    rc = read_node(r, &e, depth, out);
    yaml_event_delete(&e);
    return rc;
}

/* A sequence or mapping, from its start event to its end event. */
static int read_collection(reader *r, const yaml_event_t *start, int depth, blr_ynode **out)
{
    int is_map = start->type == YAML_MAPPING_START_EVENT;
    blr_ynode *n = *out = new_node(r, is_map ? BLR_Y_MAP : BLR_Y_SEQ, event_line(r, start),
                                   event_col(start));
    if (!n)
        return BAD;
    int rc = apply_tag(r, is_map ? start->data.mapping_start.tag
                                 : start->data.sequence_start.tag, n, start);
    size_t n_sources = 0;
    while (rc == 0) {
        yaml_event_t e;
        if ((rc = next_event(r, &e)) != 0)
            break;
        if (e.type == YAML_SEQUENCE_END_EVENT || e.type == YAML_MAPPING_END_EVENT) {
            yaml_event_delete(&e);
            break;
        }
        blr_ynode *k = NULL, *v = NULL;
        rc = read_node(r, &e, depth + 1, is_map ? &k : &v);
        yaml_event_delete(&e);
        if (rc == 0 && is_map && k->kind != BLR_Y_SCALAR)
            rc = blr_yaml_fail(r->c, k, "a mapping key must be a plain word, not %s",
                               kind_word(k));
        if (rc == 0 && is_map)
            rc = read_next(r, depth + 1, &v);
        /* Merge sources wait for the mapping's own keys, which take precedence; they stay
         * alive to the end of the file, since an anchor may point into them. */
        int is_merge = rc == 0 && is_map && !k->quoted && strcmp(k->text, "<<") == 0;
        if (is_merge && (rc = append(r, r->sources, k, v)) == 0) {
            n_sources++;
            continue;
        }
        if (rc == 0)
            rc = append(r, n, k, v);
        if (rc != 0) {
            blr_yaml_free(k);
            blr_yaml_free(v);
        }
    }
    size_t n_written = n->n;
    for (size_t s = r->sources->n - n_sources; rc == 0 && s < r->sources->n; s++)
        rc = merge_sources(r, n, r->sources->val[s]);
    if (rc == 0 && is_map)
        rc = settle_keys(r, n, n_written);
    if (rc == 0)
        rc = remember_anchor(r, is_map ? start->data.mapping_start.anchor
                                       : start->data.sequence_start.anchor, n);
    return rc;
}

static int read_node(reader *r, yaml_event_t *e, int depth, blr_ynode **out)
{
    *out = NULL;
    if (depth > MAX_DEPTH)
        return blr_yaml_fail_at(r->c, event_line(r, e), event_col(e),
                                "the document nests deeper than %d levels", MAX_DEPTH);
    if (e->type == YAML_SEQUENCE_START_EVENT || e->type == YAML_MAPPING_START_EVENT)
        return read_collection(r, e, depth, out);
    if (e->type == YAML_ALIAS_EVENT) {
        const char *name = (const char *)e->data.alias.anchor;
        const blr_ynode *src = find_anchor(r, name);
        if (!src)
            return blr_yaml_fail_at(r->c, event_line(r, e), event_col(e),
                                    "alias *%s: no anchor &%s is complete before it", name,
                                    name);
        return copy_node(r, src, out);
    }
    if (e->type != YAML_SCALAR_EVENT)
        return blr_yaml_fail_at(r->c, event_line(r, e), event_col(e), "unexpected YAML here");
    blr_ynode *n = *out = new_node(r, BLR_Y_SCALAR, event_line(r, e), event_col(e));
    if (!n)
        return BAD;
    n->quoted = e->data.scalar.style != YAML_PLAIN_SCALAR_STYLE;
    n->text = malloc(e->data.scalar.length + 1);
    if (!n->text)
        return blr_yaml_oom(r->c);
    memcpy(n->text, e->data.scalar.value, e->data.scalar.length);
    n->text[e->data.scalar.length] = '\0';
    int rc = apply_tag(r, e->data.scalar.tag, n, e);
    return rc ? rc : remember_anchor(r, e->data.scalar.anchor, n);
}

/* Expects an event of the given type, which a well-formed stream always has there. */
static int expect(reader *r, yaml_event_type_t type, yaml_event_t *e)
{
    int rc = next_event(r, e);
    if (rc == 0 && e->type != type) {
        rc = blr_yaml_fail_at(r->c, event_line(r, e), event_col(e), "unexpected YAML here");
        yaml_event_delete(e);
    }
    return rc;
}

/* The stream's one document; a second one is an error (it would be silently ignored). */
static int read_stream(reader *r, const char *top_what, blr_ynode **root)
{
    yaml_event_t e;
    int rc = expect(r, YAML_STREAM_START_EVENT, &e);
    if (rc)
        return rc;
    yaml_event_delete(&e);
    if ((rc = next_event(r, &e)) != 0)
        return rc;
    int empty = e.type == YAML_STREAM_END_EVENT;
    yaml_event_delete(&e);
    if (empty && r->origin)
        return blr_yaml_fail_at(r->c, -r->origin, 0, "the value is empty");
    if (empty)
        return blr_yaml_fail_at(r->c, 1, 1, "the file is empty: expected %s", top_what);
    if ((rc = read_next(r, 0, root)) != 0)
        return rc;
    if ((rc = expect(r, YAML_DOCUMENT_END_EVENT, &e)) != 0)
        return rc;
    yaml_event_delete(&e);
    if ((rc = next_event(r, &e)) != 0)
        return rc;
    int second = e.type == YAML_DOCUMENT_START_EVENT;
    yaml_event_delete(&e);
    if (second) {
        /* Named at its first node, where its text starts. */
        if ((rc = next_event(r, &e)) != 0)
            return rc;
        int line = event_line(r, &e), col = event_col(&e);
        yaml_event_delete(&e);
        return blr_yaml_fail_at(r->c, line, col,
                                "a second YAML document: the file must hold exactly one");
    }
    if (top_what && (*root)->kind != BLR_Y_MAP)
        return blr_yaml_fail(r->c, *root, "expected %s at the top level, got %s", top_what,
                             (*root)->kind == BLR_Y_SEQ ? "a list" : "a single value");
    return 0;
}

/* Reads r's stream (a file, or an override's text) into *root; frees what it made. */
static int read_all(reader *r, const char *top_what, blr_ynode **root)
{
    *root = NULL;
    r->budget = MAX_NODES;
    r->sources = calloc(1, sizeof *r->sources);
    int rc = r->sources ? 0 : blr_yaml_oom(r->c);
    if (rc == 0) {
        r->sources->kind = BLR_Y_MAP;
        rc = read_stream(r, top_what, root);
    }
    for (size_t i = 0; i < r->n_anchors; i++)
        free(r->anchors[i].name);
    free(r->anchors);
    blr_yaml_free(r->sources);
    if (rc) {
        blr_yaml_free(*root);
        *root = NULL;
    }
    return rc;
}

int blr_yaml_load(const blr_yctx *c, const char *top_what, blr_ynode **root)
{
    *root = NULL;
    reader r = {.c = c};
    r.f = fopen(c->path, "rb");
    if (!r.f) {
        snprintf(c->err, c->errlen, "%s: error: cannot open: %s", c->path, strerror(errno));
        return BAD;
    }
    int rc = yaml_parser_initialize(&r.parser) ? 0 : blr_yaml_oom(c);
    if (rc == 0) {
        yaml_parser_set_input_file(&r.parser, r.f);
        rc = read_all(&r, top_what, root);
        yaml_parser_delete(&r.parser);
    }
    fclose(r.f);
    return rc;
}

int blr_yaml_load_value(const blr_yctx *c, const char *text, int k, blr_ynode **out)
{
    *out = NULL;
    reader r = {.c = c, .origin = k};
    if (!yaml_parser_initialize(&r.parser))
        return blr_yaml_oom(c);
    yaml_parser_set_input_string(&r.parser, (const unsigned char *)text, strlen(text));
    int rc = read_all(&r, NULL, out);
    yaml_parser_delete(&r.parser);
    return rc;
}

blr_ynode *blr_yaml_copy(const blr_yctx *c, const blr_ynode *n)
{
    reader r = {.c = c, .budget = SIZE_MAX};
    blr_ynode *out = NULL;
    if (copy_node(&r, n, &out) != 0) {
        blr_yaml_free(out);
        return NULL;
    }
    return out;
}

blr_ynode *blr_yaml_new_scalar(const blr_yctx *c, const char *text, int k)
{
    blr_ynode *n = calloc(1, sizeof *n);
    if (n)
        n->text = strdup(text);
    if (!n || !n->text) {
        free(n);
        blr_yaml_oom(c);
        return NULL;
    }
    n->kind = BLR_Y_SCALAR;
    n->line = -k;
    return n;
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
        return blr_yaml_fail(c, n, "expected %s, got the string '%s' (quoted, or tagged !!str)", what,
                             n->text);
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

/* Mappings merge key by key; anything else replaces. Nodes move from src into dst, so
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

