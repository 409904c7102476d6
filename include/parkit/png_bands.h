/*
 * PNG images written in bands: each band of rows is filtered and deflated
 * on its own, by whichever thread (or rank) made it, and the bands' IDAT
 * chunks, joined in order, make one valid PNG, as pigz joins independently
 * compressed blocks into one deflate stream.  A band ends its deflate data
 * with a sync flush (an empty stored block), so the next band's data may
 * follow it; the trailer closes the stream with an empty final block and
 * the zlib checksum, combined from the bands' own.
 *
 * The header is written by libpng (signature and IHDR); a build without
 * libpng (make PNG=0) has no PNG, and every function returns PK_ENOTSUP.
 */
#ifndef PARKIT_PNG_BANDS_H
#define PARKIT_PNG_BANDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Does this build write PNG? */
bool pk_png_available(void);

/* The file's start: signature, IHDR (8-bit RGB, WIDTH x HEIGHT), and the
 * zlib header in an IDAT chunk of its own, into OUT (at least
 * PK_PNG_HEADER_MAX bytes); *LEN its length.  A pk_status. */
enum { PK_PNG_HEADER_MAX = 128, PK_PNG_TRAILER_BYTES = 12 + 2 + 4 + 12 };
int pk_png_header(uint32_t width, uint32_t height, unsigned char *out, size_t *len);

/* The most bytes pk_png_band writes for RAW_LEN bytes of scanlines. */
size_t pk_png_band_bound(size_t raw_len);

/* One band: ROWS scanlines of 8-bit RGB, WIDTH pixels each, from PIXELS
 * (3 bytes a pixel, rows one after another), filtered (Sub) and deflated
 * at LEVEL (1-9) into one IDAT chunk at OUT (pk_png_band_bound bytes of
 * room; SCRATCH: rows * (1 + 3 * width) bytes).  *LEN is the chunk's
 * length, *ADLER the zlib checksum of the band's scanlines and *RAW_LEN
 * their length, for pk_png_trailer.  A pk_status. */
int pk_png_band(const unsigned char *pixels, uint32_t width, uint32_t rows, int level, unsigned char *scratch,
                unsigned char *out, size_t *len, uint32_t *adler, uint32_t *raw_len);

/* The checksum of two bands' scanlines one after the other: A's, then
 * B's of B_LEN bytes. */
uint32_t pk_png_adler_combine(uint32_t a, uint32_t b, uint32_t b_len);
/* The checksum of no scanlines, to combine from. */
uint32_t pk_png_adler_start(void);

/* The file's end: the deflate stream's final empty block and ADLER (of
 * every scanline) in an IDAT chunk, then IEND, into OUT
 * (PK_PNG_TRAILER_BYTES). */
void pk_png_trailer(uint32_t adler, unsigned char out[PK_PNG_TRAILER_BYTES]);

/* A PNG written by place in slots, so that a checkpoint can resume it: the
 * header at the start of slot 0 (HEADER_LEN bytes), then each band's IDAT
 * chunk (as pk_png_band makes it) at the start of its slot, slot UNIT from
 * OFFSETS[UNIT] to OFFSETS[UNIT + 1], the rest of each slot never written
 * (a hole).  Joins it into one contiguous PNG in the same file: every
 * chunk read, its CRC checked, moved down to follow the one before, the
 * trailer with ADLER (of every band's scanlines) written after the last,
 * the file cut there (*SIZE).  PK_OK, PK_EIO (errno), PK_EINVAL (a slot
 * that does not hold an intact IDAT chunk: the file is not what the bands
 * wrote), PK_ENOMEM. */
int pk_png_join_slots(int fd, const uint64_t *offsets, uint64_t units, size_t header_len, uint32_t adler,
                      uint64_t *size);

#endif
