/* IDX reader harness: one input becomes an images and a labels file.
 *
 * Byte 0 holds flags. Bits 0 and 1 gzip the images and the labels file as they are written,
 * so the inputs' plain IDX structure stays visible to the fuzzer while zlib's read path is
 * exercised. Without bit 2 the rest is split where the images header says its records end
 * (16 + n × rows × columns bytes, at most the whole input): images, then labels, so a valid
 * pair needs no bookkeeping of lengths. With bit 2, bytes 1-2 give the images file's length
 * (big-endian) and both files are written as they are: that reaches hand-made or corrupt gzip
 * streams (bad CRC, truncated trailer), which the flags' compression never produces. */
#include "fuzz.h"

#include "data.h"

#define FUZZ_IDX_GZ_IMAGES 1u
#define FUZZ_IDX_GZ_LABELS 2u
#define FUZZ_IDX_RAW_SPLIT 4u

static uint64_t be32(const uint8_t *b)
{
    return (uint64_t)b[0] << 24 | (uint64_t)b[1] << 16 | (uint64_t)b[2] << 8 | b[3];
}

/* Where the images file ends: what its header announces, clamped to the input. */
static size_t images_length(const uint8_t *p, size_t size)
{
    if (size < 16)
        return size;
    const uint64_t n = be32(p + 4), pixels = be32(p + 8) * be32(p + 12);
    const uint64_t room = size - 16;
    /* n × pixels may overflow 64 bits; compare by division instead. */
    if (pixels == 0 || n <= room / pixels)
        return 16 + (size_t)(n * pixels);
    return size;
}

int blr_fuzz_idx(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    const unsigned flags = data[0];
    const uint8_t *p = data + 1;
    size_t rest = size - 1, cut;
    if (flags & FUZZ_IDX_RAW_SPLIT) {
        if (rest < 2)
            return 0;
        cut = (size_t)p[0] << 8 | p[1];
        p += 2;
        rest -= 2;
        if (cut > rest)
            cut = rest;
    } else {
        cut = images_length(p, rest);
    }
    const char *images = blr_fuzz_write("images", p, cut, (flags & FUZZ_IDX_GZ_IMAGES) != 0);
    const char *labels =
        blr_fuzz_write("labels", p + cut, rest - cut, (flags & FUZZ_IDX_GZ_LABELS) != 0);
    blr_dataset d = {0};
    char err[1024];
    if (blr_data_load_idx(images, labels, &d, err, sizeof err) == 0)
        blr_data_free(&d);
    return 0;
}
