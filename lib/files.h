/* File-system helpers of the results directories (lib/resultdir.h, lib/record.h). Every
 * function returns 0, or -1 with "PATH: error: reason" in err. */
#ifndef BLR_FILES_H
#define BLR_FILES_H

#include <stddef.h>

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
