/*
 * Mandelbrot images: for each pixel c of a view of the complex plane,
 * iterate z = z^2 + c from z = 0 until |z|^2 passes a bailout or the
 * iterations run out, and write the image in bands of rows.
 *
 * The cost of a row varies by orders of magnitude (rows through the set
 * run every iteration, rows outside escape at once), which is why this
 * kernel is here: static schedules and blocks of ranks lose, dynamic,
 * guided and cyclic ones keep every core busy.  The image is the same
 * bytes under every engine, schedule, distribution and SIMD path: each
 * pixel is the same IEEE operations in the same order, without fused
 * multiply-adds (-ffp-contract=off).
 *
 * Formats:
 *   pbm  one bit a pixel, 1 inside (never escaped), bailout |z|^2 > 4: with
 *        the view [-1.5, 0.5] x [-1, 1] and 50 iterations, exactly the
 *        Computer Language Benchmarks Game's mandelbrot output;
 *   ppm  8-bit RGB, smooth (continuous) colouring from the escape
 *        iteration and |z| (bailout |z|^2 > 256), black inside;
 *   raw  the escape iteration of each pixel (bailout |z|^2 > 4) as a
 *        little-endian 32-bit integer, 0 for a pixel that never escaped;
 *   png  the ppm's pixels, each band deflated where it was computed and
 *        the bands joined in order (parkit/png_bands.h): written in order
 *        only (its bands' sizes are known only once they are made).
 * Rows go from the top of the view (ymax) down, pixels from xmin right;
 * pixel (x, y) is c = (xmin + (xmax - xmin) x / width, ymax - (ymax - ymin) y / height).
 */
#ifndef PARKIT_MANDEL_H
#define PARKIT_MANDEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "parkit/engine.h"
#include "parkit/run_report.h"

typedef enum pk_mandel_format {
    PK_MANDEL_PBM,
    PK_MANDEL_PPM,
    PK_MANDEL_RAW,
    PK_MANDEL_PNG,
} pk_mandel_format;

/* How many pixels one iteration loop runs at once. */
typedef enum pk_mandel_simd {
    PK_MANDEL_SIMD_AUTO,   /* the widest this CPU has */
    PK_MANDEL_SIMD_SCALAR, /* one pixel at a time */
    PK_MANDEL_SIMD_VEC2,   /* 2 (SSE2 on x86-64; the compiler's generic vectors elsewhere) */
    PK_MANDEL_SIMD_AVX2,   /* 4 */
    PK_MANDEL_SIMD_AVX512, /* 8 */
} pk_mandel_simd;

enum { PK_MANDEL_SIMD_COUNT = PK_MANDEL_SIMD_AVX512 + 1 };

/* "auto", "scalar", "vec2", "avx2", "avx512"; PK_OK or PK_EINVAL. */
const char *pk_mandel_simd_name(pk_mandel_simd simd);
int pk_mandel_simd_parse(const char *text, pk_mandel_simd *simd);
/* Can this CPU run SIMD?  AUTO: the widest one it can. */
bool pk_mandel_simd_available(pk_mandel_simd simd);
pk_mandel_simd pk_mandel_simd_best(void);

const char *pk_mandel_format_name(pk_mandel_format format);
int pk_mandel_format_parse(const char *text, pk_mandel_format *format);

typedef struct pk_mandel_view {
    uint32_t width, height;
    double xmin, xmax, ymin, ymax;
    uint32_t iterations;
} pk_mandel_view;

/* Escapes of row Y of VIEW: counts[x] is the iteration (1..iterations) at
 * which |z|^2 first passed BAILOUT, 0 when it never did, and norms[x] |z|^2
 * then.  Both arrays hold width entries rounded up to 8. */
void pk_mandel_escape_row(const pk_mandel_view *view, uint32_t y, double bailout, pk_mandel_simd simd,
                          uint32_t *counts, double *norms);

/* Bytes of an image file: header, then the rows (for png, the most it can
 * take: its scanlines uncompressed). */
uint64_t pk_mandel_file_bytes(const pk_mandel_view *view, pk_mandel_format format);

typedef struct pk_mandel_options {
    pk_engine_options engine;
    pk_mandel_view view;
    pk_mandel_format format;
    pk_mandel_simd simd;
    /* With a checkpoint (pk_mandel_render_to_file only; a png goes by place
     * in slots, joined at the end): rows done are
     * recorded, and a resumed run writes exactly the file an uninterrupted
     * one writes. */
    const char *checkpoint_path;
    double checkpoint_interval; /* 0 = 60 */
    bool resume;
    const char *output_path; /* for messages and the checkpoint's identity */
} pk_mandel_options;

typedef struct pk_mandel_report {
    pk_run_report run;
    uint64_t inside;   /* pixels that never escaped */
    uint64_t bytes;    /* of the file */
    int write_errno;   /* a failed pwrite's cause */
    pk_mandel_simd simd; /* the path that ran */
} pk_mandel_report;

void pk_mandel_report_init(pk_mandel_report *report);

/* The image, in order, through WRITE (on rank 0 when the engine is spread
 * over ranks). */
int pk_mandel_render(const pk_mandel_options *options, pk_write_fn write, void *ctx, pk_mandel_report *report);

/* The image into FD, a regular file every rank has open for reading and
 * writing: each band at its offset, by any thread of any rank.  A png's
 * bands go into slots as large as they could deflate to, and one rank
 * joins them into one file at the end (pk_png_join_slots); with a
 * checkpoint that is how a png resumes. */
int pk_mandel_render_to_file(const pk_mandel_options *options, int fd, pk_mandel_report *report);

#endif
