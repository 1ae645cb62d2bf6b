/* The registry of methods: BLR_METHODS as a read-only table, and lookups by name. */
#include "registry.h"

#include <stdio.h>
#include <string.h>

#define METHOD_ADDRESS(ops) &ops,
static const blr_method_ops *const registry[] = {BLR_METHODS(METHOD_ADDRESS)};

#define REGISTRY_COUNT (sizeof registry / sizeof registry[0])

const blr_method_ops *blr_method_find(const char *name)
{
    if (!name)
        return NULL;
    for (size_t i = 0; i < REGISTRY_COUNT; i++)
        if (strcmp(registry[i]->name, name) == 0)
            return registry[i];
    return NULL;
}

size_t blr_method_count(void)
{
    return REGISTRY_COUNT;
}

const blr_method_ops *blr_method_at(size_t i)
{
    return i < REGISTRY_COUNT ? registry[i] : NULL;
}

static const blr_method_ops *find_or_fail(const char *name, char *err, size_t errlen)
{
    const blr_method_ops *ops = blr_method_find(name);
    if (!ops)
        snprintf(err, errlen, "rule: unknown rule '%s'", name);
    return ops;
}

int blr_method_check(const blr_method_cfg *cfg, size_t n, char *err, size_t errlen)
{
    const blr_method_ops *ops = find_or_fail(cfg->rule, err, errlen);
    return ops ? blr_method_check_ops(ops, cfg, n, err, errlen) : -1;
}

int blr_method_create(blr_method **out, const blr_method_cfg *cfg, size_t n, const float *w0,
                      const float *w1, char *err, size_t errlen)
{
    *out = NULL;
    const blr_method_ops *ops = find_or_fail(cfg->rule, err, errlen);
    return ops ? blr_method_create_ops(out, ops, cfg, n, w0, w1, err, errlen) : -1;
}
