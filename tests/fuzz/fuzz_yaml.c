/* Experiment loader harness: the input is the whole experiment file, so corpus files are
 * plain YAML. The loader checks that the data files named exist before it reads the model,
 * methods and report sections; so that inputs get that far, the scratch directory holds what
 * an experiment may name: train.csv and test.csv next to the experiment file (for `set: csv`
 * with those relative paths), and empty stand-ins for the standard sets' IDX files, which
 * BLR_FASHION_DIR and BLR_DATA_DIR point at (the loader only checks they exist). Each input
 * loads without a profile and with the profile `full`, the name the corpus uses. */
#include "fuzz.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "data.h"

static void fake_standard_set(const char *set)
{
    char paths[4][512];
    if (blr_data_standard_paths(set, paths) != 0)
        abort();
    for (int i = 0; i < 4; i++) {
        FILE *f = fopen(paths[i], "wb");
        if (!f || fclose(f) != 0)
            abort();
        /* Tracked only so that the exit handler removes it. */
        blr_fuzz_path(paths[i] + strlen(blr_fuzz_dir()) + 1);
    }
}

static void setup_once(void)
{
    static int done;
    if (done)
        return;
    done = 1;
    static const char csv[] = "x1,x2,y\n0.5,-1,0\n1.5,2,1\n-0.25,0,1\n";
    blr_fuzz_write("train.csv", (const uint8_t *)csv, sizeof csv - 1, 0);
    blr_fuzz_write("test.csv", (const uint8_t *)csv, sizeof csv - 1, 0);
    blr_fuzz_mkdir("fashion");
    blr_fuzz_mkdir("root");
    blr_fuzz_mkdir("root/mnist");
    if (setenv("BLR_FASHION_DIR", blr_fuzz_path("fashion"), 1) != 0 ||
        setenv("BLR_DATA_DIR", blr_fuzz_path("root"), 1) != 0)
        abort();
    fake_standard_set("fashion-mnist");
    fake_standard_set("mnist");
}

int blr_fuzz_yaml(const uint8_t *data, size_t size)
{
    setup_once();
    const char *path = blr_fuzz_write("exp.yaml", data, size, 0);
    static const char *const profiles[] = {NULL, "full"};
    for (size_t i = 0; i < 2; i++) {
        /* About 100 KB of fixed arrays: static, so it does not sit on the stack. */
        static blr_experiment ex;
        char err[1024];
        blr_config_load(path, profiles[i], &ex, err, sizeof err);
    }
    return 0;
}
