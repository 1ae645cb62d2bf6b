/* The harnesses' scratch files (fuzz.h). Created once per process and rewritten per input,
 * so a fuzzing run of millions of inputs does not churn directories. */
#include "fuzz.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#define FUZZ_PATH 512
#define FUZZ_MAX_PATHS 32

static char fuzz_dir[FUZZ_PATH];
static char fuzz_paths[FUZZ_MAX_PATHS][FUZZ_PATH];
static int fuzz_n_paths;

static void fuzz_die(const char *what, const char *path)
{
    fprintf(stderr, "fuzz harness: cannot %s %s\n", what, path);
    abort();
}

/* Later paths may sit inside earlier directories, so removal runs backwards. */
static void fuzz_cleanup(void)
{
    for (int i = fuzz_n_paths - 1; i >= 0; i--)
        remove(fuzz_paths[i]);
    rmdir(fuzz_dir);
}

const char *blr_fuzz_dir(void)
{
    if (fuzz_dir[0])
        return fuzz_dir;
    const char *tmp = getenv("TMPDIR");
    const int w = snprintf(fuzz_dir, sizeof fuzz_dir, "%s/blr-fuzz-XXXXXX",
                           tmp && *tmp ? tmp : "/tmp");
    if (w < 0 || (size_t)w >= sizeof fuzz_dir || !mkdtemp(fuzz_dir))
        fuzz_die("make a directory like", fuzz_dir);
    atexit(fuzz_cleanup);
    return fuzz_dir;
}

const char *blr_fuzz_path(const char *rel)
{
    char want[FUZZ_PATH];
    const int w = snprintf(want, sizeof want, "%s/%s", blr_fuzz_dir(), rel);
    if (w < 0 || (size_t)w >= sizeof want)
        fuzz_die("fit a path under", fuzz_dir);
    for (int i = 0; i < fuzz_n_paths; i++)
        if (strcmp(fuzz_paths[i], want) == 0)
            return fuzz_paths[i];
    if (fuzz_n_paths == FUZZ_MAX_PATHS)
        fuzz_die("track another scratch file:", want);
    memcpy(fuzz_paths[fuzz_n_paths], want, sizeof want);
    return fuzz_paths[fuzz_n_paths++];
}

void blr_fuzz_mkdir(const char *rel)
{
    const char *p = blr_fuzz_path(rel);
    if (mkdir(p, 0700) != 0)
        fuzz_die("make the directory", p);
}

const char *blr_fuzz_write(const char *rel, const uint8_t *bytes, size_t size, int gz)
{
    const char *p = blr_fuzz_path(rel);
    if (gz) {
        /* Level 1: the loader's gz path is what is under test, not compression ratio. */
        gzFile f = gzopen(p, "wb1");
        if (!f)
            fuzz_die("write", p);
        /* gzwrite takes an unsigned count; a zero-length write is valid (an empty stream). */
        int ok = size == 0 || gzwrite(f, bytes, (unsigned)size) == (int)size;
        if (gzclose(f) != Z_OK || !ok)
            fuzz_die("write", p);
        return p;
    }
    FILE *f = fopen(p, "wb");
    if (!f)
        fuzz_die("write", p);
    /* fclose runs whether or not fwrite failed, so the stream never leaks. */
    const int short_write = size && fwrite(bytes, 1, size, f) != size;
    if (fclose(f) != 0 || short_write)
        fuzz_die("write", p);
    return p;
}
