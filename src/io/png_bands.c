/*
 * PNG in bands (see parkit/png_bands.h).
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "parkit/png_bands.h"
#include "parkit/status.h"

#if PK_HAVE_PNG
#include <png.h>
#include <zlib.h>

bool pk_png_available(void)
{
    return true;
}

static void put_u32(unsigned char *out, uint32_t v)
{
    out[0] = (unsigned char)(v >> 24);
    out[1] = (unsigned char)(v >> 16);
    out[2] = (unsigned char)(v >> 8);
    out[3] = (unsigned char)v;
}

/* A chunk around the LEN bytes already at OUT + 8: length, TYPE, CRC.
 * Returns the chunk's length. */
static size_t wrap_chunk(unsigned char *out, const char type[4], size_t len)
{
    put_u32(out, (uint32_t)len);
    memcpy(out + 4, type, 4);
    put_u32(out + 8 + len, (uint32_t)crc32(crc32(0, Z_NULL, 0), out + 4, (uInt)(len + 4)));
    return 12 + len;
}

/* libpng writes the header into memory. */
typedef struct memory_out {
    unsigned char *out;
    size_t len, capacity;
    bool overflow;
} memory_out;

static void write_to_memory(png_structp png, png_bytep data, size_t len)
{
    memory_out *m = png_get_io_ptr(png);
    if (m->len + len > m->capacity) {
        m->overflow = true;
        return;
    }
    memcpy(m->out + m->len, data, len);
    m->len += len;
}

static void flush_nothing(png_structp png)
{
    (void)png;
}

int pk_png_header(uint32_t width, uint32_t height, unsigned char *out, size_t *len)
{
    if (width == 0 || height == 0 || width > PNG_UINT_31_MAX || height > PNG_UINT_31_MAX)
        return PK_EINVAL;
    memory_out m = {out, 0, PK_PNG_HEADER_MAX - 14, false};
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = png != NULL ? png_create_info_struct(png) : NULL;
    if (info == NULL) {
        png_destroy_write_struct(&png, NULL);
        return PK_ENOMEM;
    }
    if (setjmp(png_jmpbuf(png)) != 0) {
        png_destroy_write_struct(&png, &info);
        return PK_EINTERNAL;
    }
    png_set_write_fn(png, &m, write_to_memory, flush_nothing);
    png_set_IHDR(png, info, width, height, 8, PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
                 PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    png_destroy_write_struct(&png, &info);
    if (m.overflow)
        return PK_EINTERNAL;
    /* The zlib header (deflate, 32 KiB window, default level) alone in the
     * first IDAT: the bands' chunks follow it whatever order they were made in. */
    unsigned char *chunk = out + m.len;
    chunk[8] = 0x78;
    chunk[9] = 0x9c;
    *len = m.len + wrap_chunk(chunk, "IDAT", 2);
    return PK_OK;
}

size_t pk_png_band_bound(size_t raw_len)
{
    /* deflateBound for a raw stream, plus the sync flush's empty stored
     * block and the chunk's 12 bytes. */
    return raw_len + raw_len / 1000 + (raw_len >> 12) + (raw_len >> 14) + (raw_len >> 25) + 64 + 12;
}

int pk_png_band(const unsigned char *pixels, uint32_t width, uint32_t rows, int level, unsigned char *scratch,
                unsigned char *out, size_t *len, uint32_t *adler, uint32_t *raw_len)
{
    const size_t stride = 1 + 3 * (size_t)width;
    /* Filter Sub on every row: each byte less the same channel of the pixel
     * before it, so a row needs no other row (nor another band). */
    for (uint32_t y = 0; y < rows; y++) {
        const unsigned char *in = pixels + (size_t)y * 3 * width;
        unsigned char *row = scratch + (size_t)y * stride;
        row[0] = 1;
        memcpy(row + 1, in, 3);
        for (size_t i = 3; i < 3 * (size_t)width; i++)
            row[1 + i] = (unsigned char)(in[i] - in[i - 3]);
    }
    const size_t raw = stride * rows;
    z_stream z;
    memset(&z, 0, sizeof z);
    if (deflateInit2(&z, level, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return PK_ENOMEM;
    const size_t room = pk_png_band_bound(raw) - 12;
    z.next_in = scratch;
    z.avail_in = (uInt)raw;
    z.next_out = out + 8;
    z.avail_out = (uInt)room;
    int rc = deflate(&z, Z_SYNC_FLUSH);
    const size_t written = room - z.avail_out;
    const bool whole = rc == Z_OK && z.avail_in == 0 && z.avail_out > 0;
    deflateEnd(&z);
    if (!whole)
        return PK_EINTERNAL; /* the bound was too small: never */
    *len = wrap_chunk(out, "IDAT", written);
    *adler = (uint32_t)adler32(adler32(0, Z_NULL, 0), scratch, (uInt)raw);
    *raw_len = (uint32_t)raw;
    return PK_OK;
}

uint32_t pk_png_adler_start(void)
{
    return (uint32_t)adler32(0, Z_NULL, 0);
}

uint32_t pk_png_adler_combine(uint32_t a, uint32_t b, uint32_t b_len)
{
    return (uint32_t)adler32_combine(a, b, (z_off_t)b_len);
}

void pk_png_trailer(uint32_t adler, unsigned char out[PK_PNG_TRAILER_BYTES])
{
    /* An empty final block with fixed codes (BFINAL 1, BTYPE 01, then the
     * end-of-block code: 10 bits, 0x03 0x00), and the checksum. */
    out[8] = 0x03;
    out[9] = 0x00;
    put_u32(out + 10, adler);
    size_t idat = wrap_chunk(out, "IDAT", 6);
    wrap_chunk(out + idat, "IEND", 0);
}

int pk_png_join_slots(int fd, const uint64_t *offsets, uint64_t units, size_t header_len, uint32_t adler,
                      uint64_t *size)
{
    uint64_t to = offsets[0] + header_len; /* band 0's chunk follows the header in its slot */
    unsigned char *chunk = NULL;
    size_t room = 0;
    int rc = PK_OK;
    for (uint64_t unit = 0; unit < units && rc == PK_OK; unit++) {
        const uint64_t from = offsets[unit] + (unit == 0 ? header_len : 0);
        unsigned char head[8];
        if (pread(fd, head, sizeof head, (off_t)from) != (ssize_t)sizeof head) {
            rc = PK_EIO;
            break;
        }
        const size_t len = (size_t)head[0] << 24 | (size_t)head[1] << 16 | (size_t)head[2] << 8 | head[3];
        /* An intact IDAT that fits its slot, or the file is not what its bands wrote. */
        if (memcmp(head + 4, "IDAT", 4) != 0 || from + 12 + len > offsets[unit + 1]) {
            rc = PK_EINVAL;
            break;
        }
        if (12 + len > room) {
            unsigned char *bigger = realloc(chunk, 12 + len);
            if (bigger == NULL) {
                rc = PK_ENOMEM;
                break;
            }
            chunk = bigger, room = 12 + len;
        }
        if (pread(fd, chunk, 12 + len, (off_t)from) != (ssize_t)(12 + len)) {
            rc = PK_EIO;
            break;
        }
        const uint32_t crc = (uint32_t)crc32(crc32(0, Z_NULL, 0), chunk + 4, (uInt)(len + 4));
        const unsigned char *stored = chunk + 8 + len;
        if (crc != ((uint32_t)stored[0] << 24 | (uint32_t)stored[1] << 16 | (uint32_t)stored[2] << 8 | stored[3])) {
            rc = PK_EINVAL;
            break;
        }
        /* Down, never up: a chunk lands at or before where it was. */
        if (to != from && pwrite(fd, chunk, 12 + len, (off_t)to) != (ssize_t)(12 + len))
            rc = PK_EIO;
        to += 12 + len;
    }
    unsigned char trailer[PK_PNG_TRAILER_BYTES];
    pk_png_trailer(adler, trailer);
    if (rc == PK_OK && pwrite(fd, trailer, sizeof trailer, (off_t)to) != (ssize_t)sizeof trailer)
        rc = PK_EIO;
    to += sizeof trailer;
    if (rc == PK_OK && ftruncate(fd, (off_t)to) != 0)
        rc = PK_EIO;
    free(chunk);
    *size = to;
    return rc;
}

#else /* no libpng */

bool pk_png_available(void)
{
    return false;
}

int pk_png_header(uint32_t width, uint32_t height, unsigned char *out, size_t *len)
{
    (void)width, (void)height, (void)out, (void)len;
    return PK_ENOTSUP;
}

size_t pk_png_band_bound(size_t raw_len)
{
    return raw_len;
}

int pk_png_band(const unsigned char *pixels, uint32_t width, uint32_t rows, int level, unsigned char *scratch,
                unsigned char *out, size_t *len, uint32_t *adler, uint32_t *raw_len)
{
    (void)pixels, (void)width, (void)rows, (void)level, (void)scratch, (void)out, (void)len, (void)adler,
        (void)raw_len;
    return PK_ENOTSUP;
}

uint32_t pk_png_adler_start(void)
{
    return 1;
}

uint32_t pk_png_adler_combine(uint32_t a, uint32_t b, uint32_t b_len)
{
    (void)b, (void)b_len;
    return a;
}

void pk_png_trailer(uint32_t adler, unsigned char out[PK_PNG_TRAILER_BYTES])
{
    (void)adler;
    memset(out, 0, PK_PNG_TRAILER_BYTES);
}

int pk_png_join_slots(int fd, const uint64_t *offsets, uint64_t units, size_t header_len, uint32_t adler,
                      uint64_t *size)
{
    (void)fd, (void)offsets, (void)units, (void)header_len, (void)adler;
    *size = 0;
    return PK_ENOTSUP;
}

#endif
