/* How this binary was built, for `blr --version` and manifest.json. */
#ifndef BLR_CLI_VERSION_H
#define BLR_CLI_VERSION_H

extern const char blr_build_commit[];
extern const char blr_build_compiler[];
extern const char blr_build_cflags[];

#endif
