/* What the data loaders (data_idx.c, data_csv.c) share; not part of the library's API.
 *
 * Loaders validate everything before a caller sees a row, so a bad file is reported once,
 * with its place (IDX record, CSV line and field), instead of surfacing later as NaN losses.
 * Destination arrays grow with what was actually read, never with what a header claims: a
 * corrupt count cannot make a loader reserve gigabytes. */
#ifndef BLR_DATA_LOAD_H
#define BLR_DATA_LOAD_H

#include <stddef.h>

/* vsnprintf into err (when there is one). */
void blr_data_fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Returns p with room for `need` elements (at least doubling the capacity, so n appends
 * cost O(n) copies), or NULL with p untouched when memory runs out. */
void *blr_data_grow(void *p, size_t *cap, size_t need, size_t elem);

#endif
