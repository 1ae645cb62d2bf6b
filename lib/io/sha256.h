/* SHA-256 (FIPS 180-4), for the file hashes in manifest.json. */
#ifndef BLR_SHA256_H
#define BLR_SHA256_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint32_t h[8];
    uint64_t n_bytes;     /* message length so far */
    unsigned char block[64];
    size_t fill;          /* bytes waiting in block */
} blr_sha256;

void blr_sha256_init(blr_sha256 *s);
void blr_sha256_update(blr_sha256 *s, const void *data, size_t n);
/* Pads, writes the 32-byte digest; s must be re-initialized before reuse. */
void blr_sha256_final(blr_sha256 *s, unsigned char digest[32]);
/* 32-byte digest -> 64 lowercase hex characters + NUL. */
void blr_sha256_hex(const unsigned char digest[32], char hex[65]);
/* sha256 of a file's bytes as hex. Returns 0, or -1 when it cannot be read. */
int blr_sha256_file(const char *path, char hex[65]);

#endif
