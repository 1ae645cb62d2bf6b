/* Rebuilt on every make (see Makefile), so the commit is the one the binary came from. */
#include "version.h"

#ifndef BLR_GIT_COMMIT
#define BLR_GIT_COMMIT "unknown"
#endif
#ifndef BLR_CFLAGS
#define BLR_CFLAGS "unknown"
#endif

const char blr_build_commit[] = BLR_GIT_COMMIT;
const char blr_build_compiler[] = __VERSION__;
const char blr_build_cflags[] = BLR_CFLAGS;
