/* Fuzz harness bodies for the three loaders that read untrusted files: the YAML experiment
 * loader (config.h), the CSV reader and the IDX reader (data.h). Each takes one input, writes
 * it to private temp files (the loaders take paths), runs the loader(s) and frees what they
 * returned. They are shared by the libFuzzer entry point (entry.c, `make fuzz`) and by the
 * Criterion replay of the committed corpus (tests/test_fuzz_corpus.c), so every corpus file,
 * and every crash input once added, stays a regression test of the ordinary test suite.
 * All return 0: the loaders' error returns are expected outcomes, not findings. */
#ifndef BLR_FUZZ_H
#define BLR_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int blr_fuzz_yaml(const uint8_t *data, size_t size);
int blr_fuzz_csv(const uint8_t *data, size_t size);
int blr_fuzz_idx(const uint8_t *data, size_t size);

/* The per-process scratch directory ($TMPDIR or /tmp), made on first use and removed with
 * everything the harnesses put in it at exit. Aborts if it cannot be made: a harness that
 * silently loads nothing would report clean runs. */
const char *blr_fuzz_dir(void);
/* dir/rel for a file or directory the harness makes; removed at exit (innermost first). */
const char *blr_fuzz_path(const char *rel);
/* Replaces the file dir/rel with bytes; with gz, their gzip compression. Returns its path. */
const char *blr_fuzz_write(const char *rel, const uint8_t *bytes, size_t size, int gz);
void blr_fuzz_mkdir(const char *rel);

#endif
