/*
 * PNG in bands (see parkit/png_bands.h).
 */
#include <string.h>

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

#endif
