/* File-system helpers of the results directories (lib/run/resultdir.h, lib/run/record.h). Every
 * function returns 0, or -1 with "PATH: error: reason" in err. */
#ifndef BLR_FILES_H
#define BLR_FILES_H

#include <stddef.h>

/* Calls fn(ctx, name, path) for every entry of dir but "." and ".." (path: dir/name), until
 * one returns non-zero, which is returned; -1 when dir cannot be read. */
typedef int (*blr_files_fn)(void *ctx, const char *name, const char *path, char *err,
                            size_t errlen);
int blr_files_each(const char *dir, blr_files_fn fn, void *ctx, char *err, size_t errlen);
/* 1 when path is a directory (following links), 0 otherwise. */
int blr_files_is_dir(const char *path);

/* Where the files blr ships beside itself are (plots, scripts, data: README, Install): from
 * the running program's directory up to three levels, the first parent p with
 * p/share/lieblr/sub/probe (an installed bin/blr) or p/sub/probe (build/blr and build/san/blr
 * in the repository); else the install prefix's share/lieblr/sub, fixed at build time. sub may
 * be "". Writes the directory into dir; returns 0, or -1 when even the last has no probe. */
int blr_files_share_dir(const char *sub, const char *probe, char *dir, size_t len);

/* mkdir -p; refuses a path whose last part exists and is not a directory. */
int blr_files_mkdir_p(const char *path, char *err, size_t errlen);
/* rm -rf; a path that does not exist is not an error. Symbolic links are removed, not
 * followed. */
int blr_files_remove_tree(const char *path, char *err, size_t errlen);
/* Copies the regular files under src into dst, same relative paths, creating directories;
 * each file is hard-linked when it can be (same file system), else copied through a .tmp
 * name and renamed. */
int blr_files_copy_tree(const char *src, const char *dst, char *err, size_t errlen);

#endif
