/* How this binary was built, for `blr --version` and manifest.json; defined in the build
 * directory's cli/build_info.c, which scripts/build-info.sh generates (Makefile). */
#ifndef BLR_CLI_VERSION_H
#define BLR_CLI_VERSION_H

#include <stddef.h>

extern const char blr_build_commit[];
extern const char blr_build_compiler[];
extern const char blr_build_cflags[];
/* For a -dirty commit, the tree's diff against it (empty for a clean one): manifest.json's
 * source.patch. */
extern const unsigned char blr_build_patch[];
extern const size_t blr_build_patch_len;

#endif
