/* docs/experiments.md's method-key table agrees with the hyperparameter list (BLR_METHOD_HYPERS
 * in lib/method/rule.h) and the methods' `uses`: each METHOD key has its row, in the list's order,
 * rendered here from the list; the table's other rows are the base's keys, written by hand.
 * On a mismatch the message shows both rows and the whole generated block to paste. Runs from
 * the repository root, as `make test` does. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "registry.h"

#define DOCS "docs/experiments.md"
#define ROW_LEN 1024
#define MAX_ROWS 64

static const char table_head[] = "| key | meaning | range | default | rules |";
static const char *const hand_written[] = {"base", "nu", "base_scale"};

/* The row of hyperparameter h: its key, doc ('|' escaped for markdown), range, default and
 * the rules whose `uses` name it. */
static void render_row(const blr_hyper *h, char *row, size_t size)
{
    char doc[512] = "", range[128], def[64], rules[256] = "";
    for (size_t i = 0, j = 0; h->doc[i] && j + 2 < sizeof doc; i++) {
        if (h->doc[i] == '|')
            doc[j++] = '\\';
        doc[j++] = h->doc[i];
        doc[j] = 0;
    }
    blr_hyper_range_text(h, range, sizeof range);
    if (h->type == BLR_HYPER_WORD)
        snprintf(def, sizeof def, "`%s`", h->words[(int)h->def]);
    else if (h->type == BLR_HYPER_BOOL)
        snprintf(def, sizeof def, "%s", h->def != 0 ? "true" : "false");
    else
        snprintf(def, sizeof def, "%s", h->def_text);
    for (size_t r = 0; r < blr_method_count(); r++)
        if (blr_method_uses(blr_method_at(r), h)) {
            size_t used = strlen(rules);
            snprintf(rules + used, sizeof rules - used, "%s%s", used ? ", " : "",
                     blr_method_at(r)->name);
        }
    snprintf(row, size, "| `%s` | %s | %s | %s | %s |", h->key, doc, range, def, rules);
}

/* The key of a table row "| `key` | ...", or "" when the row has another shape. */
static void row_key(const char *row, char *key, size_t size)
{
    const char *a = strstr(row, "`"), *b = a ? strchr(a + 1, '`') : NULL;
    snprintf(key, size, "%.*s", a && b ? (int)(b - a - 1) : 0, a ? a + 1 : "");
}

Test(docs, method_key_table_follows_the_hyperparameter_list)
{
    FILE *f = fopen(DOCS, "r");
    cr_assert_not_null(f, "cannot open %s (run from the repository root)", DOCS);
    static char rows[MAX_ROWS][ROW_LEN];
    int lines[MAX_ROWS], n = 0, line = 0, in_table = 0;
    char buf[ROW_LEN];
    while (fgets(buf, sizeof buf, f)) {
        line++;
        buf[strcspn(buf, "\n")] = 0;
        if (strcmp(buf, table_head) == 0) {
            in_table = 1;
            continue;
        }
        if (!in_table || strncmp(buf, "|---", 4) == 0)
            continue;
        if (buf[0] != '|')
            break;
        cr_assert_lt(n, MAX_ROWS);
        lines[n] = line;
        snprintf(rows[n++], ROW_LEN, "%s", buf);
    }
    fclose(f);
    cr_assert(in_table, "%s has no method-key table headed '%s'", DOCS, table_head);

    char block[BLR_HYPER_COUNT * ROW_LEN] = "", want[ROW_LEN], key[64];
    for (size_t i = 0; i < BLR_HYPER_COUNT; i++)
        if (blr_hypers[i].scope == BLR_HYPER_METHOD) {
            render_row(&blr_hypers[i], want, sizeof want);
            size_t used = strlen(block);
            snprintf(block + used, sizeof block - used, "%s\n", want);
        }
    const char *next = block;
    for (int r = 0; r < n; r++) {
        row_key(rows[r], key, sizeof key);
        int hand = 0;
        for (size_t k = 0; k < sizeof hand_written / sizeof hand_written[0]; k++)
            hand |= strcmp(key, hand_written[k]) == 0;
        if (hand)
            continue;
        size_t len = strcspn(next, "\n");
        cr_assert(len > 0 && strncmp(rows[r], next, len) == 0 && rows[r][len] == 0,
                  "%s:%d disagrees with BLR_METHOD_HYPERS (lib/method/rule.h):\n"
                  "  docs: %s\n  list: %.*s\nThe rows the list gives, in its order:\n%s",
                  DOCS, lines[r], rows[r], (int)len, next, block);
        next += len + 1;
    }
    cr_assert_eq(*next, 0, "%s's method-key table lacks rows; the list gives:\n%s", DOCS, block);
}
