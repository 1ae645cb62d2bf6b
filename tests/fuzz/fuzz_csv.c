/* CSV reader harness: the input is the whole file, so corpus files are plain CSV. Each input
 * is read three ways, reaching the regression path, the class-label path and a named target
 * column (which must exist, and may sit before other features). */
#include "fuzz.h"

#include "data.h"

int blr_fuzz_csv(const uint8_t *data, size_t size)
{
    static const struct {
        const char *target;
        int classification;
    } ways[] = {{NULL, 0}, {NULL, 1}, {"y", 0}};
    const char *path = blr_fuzz_write("in.csv", data, size, 0);
    for (size_t i = 0; i < sizeof ways / sizeof ways[0]; i++) {
        blr_dataset d = {0};
        char err[1024];
        if (blr_data_load_csv(path, ways[i].target, ways[i].classification, &d, err,
                              sizeof err) == 0)
            blr_data_free(&d);
    }
    return 0;
}
