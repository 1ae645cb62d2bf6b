/* lib/ is in layers (lib/README.md): prob < method (with baselines/) < nn < io < report <
 * run. A file may include headers of its own layer and those below, never above. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char *const layers[] = {"lib/prob", "lib/method", "lib/nn", "lib/io",
                                     "lib/report", "lib/run"};
enum { N_LAYERS = sizeof layers / sizeof *layers, BASELINES = 1 };

/* The layer of a header by its name, -1 when it is not lieblr's (a system header). */
static int layer_of(const char *header)
{
    char path[512];
    struct stat st;
    for (int l = 0; l < N_LAYERS; l++) {
        snprintf(path, sizeof path, "%s/%s", layers[l], header);
        if (stat(path, &st) == 0)
            return l;
    }
    snprintf(path, sizeof path, "baselines/%s", header);
    return stat(path, &st) == 0 ? BASELINES : -1;
}

/* Checks every #include "x.h" of file (of layer l); returns the number pointing up. */
static int check_file(const char *file, int l)
{
    FILE *f = fopen(file, "r");
    cr_assert_not_null(f, "cannot open %s", file);
    char line[1024];
    int up = 0;
    while (fgets(line, sizeof line, f)) {
        char header[256];
        if (sscanf(line, " #include \"%255[^\"]\"", header) != 1)
            continue;
        int h = layer_of(header);
        if (h > l) {
            cr_log_error("%s (%s) includes %s (%s)", file, layers[l], header, layers[h]);
            up++;
        }
    }
    fclose(f);
    return up;
}

static int check_dir(const char *dir, int l, int *files)
{
    DIR *d = opendir(dir);
    cr_assert_not_null(d, "cannot open %s (run the tests from the project root)", dir);
    int up = 0;
    for (struct dirent *e; (e = readdir(d));) {
        size_t n = strlen(e->d_name);
        if (n < 3 || (strcmp(e->d_name + n - 2, ".c") && strcmp(e->d_name + n - 2, ".h")))
            continue;
        char path[512];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        up += check_file(path, l);
        ++*files;
    }
    closedir(d);
    return up;
}

Test(layers, includes_point_down)
{
    int up = 0, files = 0;
    for (int l = 0; l < N_LAYERS; l++)
        up += check_dir(layers[l], l, &files);
    up += check_dir("baselines", BASELINES, &files);
    cr_assert_gt(files, 60, "only %d files found", files);
    cr_assert_eq(up, 0, "%d includes point up a layer (listed above)", up);
}

/* Every source file of lib/ is in a layer: none is left at the top but the umbrella. */
Test(layers, every_file_has_a_layer)
{
    DIR *d = opendir("lib");
    cr_assert_not_null(d);
    for (struct dirent *e; (e = readdir(d));) {
        size_t n = strlen(e->d_name);
        if (n > 2 && (!strcmp(e->d_name + n - 2, ".c") || !strcmp(e->d_name + n - 2, ".h")))
            cr_expect_str_eq(e->d_name, "blr.h", "lib/%s is in no layer", e->d_name);
    }
    closedir(d);
}
