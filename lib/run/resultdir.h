/* A results directory as the place where an experiment's runs land (README: Long runs and
 * clusters): its identity, starting it clean or resuming it, and summarizing it.
 *
 *   DIR/runs/<variant>-s<seed>/   one finished run's record (lib/run/record.h)
 *   DIR/runs/<id>.ckpt            an unfinished run's checkpoint
 *   DIR/manifest.json             what made the directory: experiment file and its sha256,
 *                                 profile, code version, threads per run, shard; written when
 *                                 the directory is started and again with every summary
 *   DIR/runs.csv, table.md, ...   the summary: derived from the records alone, so any set of
 *                                 finished runs can be summarized, and a merge of shards gives
 *                                 what one process would have
 *
 * One process at a time owns a directory: blr_resultdir_open takes an exclusive lock on it,
 * held until blr_resultdir_close (and by the worker processes forked while it is held). */
#ifndef BLR_RESULTDIR_H
#define BLR_RESULTDIR_H

#include <stddef.h>

#include "config.h"
#include "report.h"

/* What has to agree for runs to belong to the same results: the same experiment file (by
 * content), profile, overrides and selection, and code, and the same threads per run, on which GEMM sums and so a run
 * with mc_train 1 depend (README: Reproducibility). A shard is a slice of the runs. */
typedef struct {
    char experiment[64];
    char file[BLR_PATH_LEN];
    char file_sha256[65];
    char profile[64];
    char overrides[BLR_OVERRIDES_LEN]; /* the experiment's --set, --variant and --seed */
    char code[128];
    int threads; /* per run; 0 in a request: take the directory's (resume) */
    int shard, shards; /* 1-based K of N; 0, 0 in a request: the directory's, else 1/1 */
} blr_identity;

/* The identity of ex, built by `code`, with threads per run and shard K/N as given. Returns 0,
 * or -1 when the experiment file cannot be read. */
int blr_identity_of(const blr_experiment *ex, const char *code, int threads, int shard,
                    int shards, blr_identity *id, char *err, size_t errlen);
/* Why a and b do not belong together ("another experiment: ... against ...", or profile,
 * code version, thread count, shard), written into why; NULL when they do. Threads and shard
 * left 0 on either side are not compared. */
const char *blr_identity_mismatch(const blr_identity *a, const blr_identity *b, char *why,
                                  size_t len);
/* Reads DIR/manifest.json's identity. Returns 0, or -1 with a message when DIR is not a
 * results directory. */
int blr_identity_read(const char *dir, blr_identity *id, char *err, size_t errlen);

typedef struct {
    char dir[BLR_PATH_LEN];
    int fd;      /* the locked directory */
    int created; /* open made it: close removes it again unless begin wrote into it */
} blr_resultdir;

/* Opens dir for the runs of identity *id without changing anything in it yet: creates dir
 * when absent; locks it; refuses a non-empty directory that is not a results directory
 * (fresh start) or, with resume, a directory that is not one or was made with another
 * identity (threads and shard left 0 in *id are taken from it). Returns 0, or 2 (bad input)
 * with a message. */
int blr_resultdir_open(blr_resultdir *rd, const char *dir, blr_identity *id, int resume,
                       char *err, size_t errlen);
/* Starts the runs: a fresh start removes everything in the directory; a resume removes what an
 * interrupted process left half-written (.tmp files and record directories) and the old
 * summary. Then writes the manifest of man (runs: none yet). Returns 0 or -1. */
int blr_resultdir_begin(blr_resultdir *rd, int resume, const blr_manifest *man, char *err,
                        size_t errlen);
void blr_resultdir_close(blr_resultdir *rd);

/* The record of run id exists and the run ended ok or diverged (a failed run is run again). */
int blr_resultdir_finished(const char *dir, const char *run_id);

/* Derives the summary of dir from the records present, in ex's run order: runs.csv,
 * curves.csv, reliability.csv, summary.csv, table.md/.tex, the records' posterior/ and
 * filters/ files, manifest.json (man, with the runs) and the figures. What an earlier summary
 * wrote is removed first. *n_ok and *n_present count the runs summarized (may be NULL).
 * Returns 0 or -1. */
int blr_resultdir_summarize(const char *dir, const blr_experiment *ex, const blr_manifest *man,
                            int *n_ok, int *n_present, char *err, size_t errlen);

/* Rewrites dir's summary.csv, table.md, table.tex and README.md from its runs.csv and
 * manifest.json, with the experiment file `file` (NULL: the one the manifest names) for the
 * variants' order, the reference and the title, at `profile` (NULL: the manifest's): after a
 * change to how tables are made. runs.csv, curves.csv and the manifest are left alone.
 * Returns 0, or -1 with a message. */
int blr_resultdir_rewrite(const char *dir, const char *file, const char *profile, char *err,
                          size_t errlen);

#endif
