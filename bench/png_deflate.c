/*
 * bench/mandel.sh's measure of compression alone: the time parkit's PNG
 * bands take to filter and deflate an image, on one thread, with nothing
 * else to do.  The pixels come from a PPM that parkit wrote (the same
 * picture its PNG run compresses), read whole into memory first so that
 * only pk_png_band is timed, in bands of as many rows as mandel cuts them
 * (mandel_job.c's plan_bands: about 64 Ki pixels, at least 64 bands).
 *
 *   build/png-deflate IMAGE.ppm
 *
 * Prints one line: the seconds spent in pk_png_band.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "parkit/png_bands.h"

/* mandel_job.c writes PNG bands at zlib level 1. */
enum { LEVEL = 1 };

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s IMAGE.ppm\n", argv[0]);
        return 2;
    }
    FILE *in = fopen(argv[1], "rb");
    unsigned width, height, maxval;
    if (in == NULL || fscanf(in, "P6 %u %u %u", &width, &height, &maxval) != 3 || fgetc(in) == EOF ||
        maxval != 255 || width == 0 || height == 0) {
        fprintf(stderr, "png-deflate: %s: not an 8-bit PPM that parkit wrote\n", argv[1]);
        return 1;
    }
    const size_t row = 3 * (size_t)width;
    unsigned char *pixels = malloc(row * height);
    if (pixels == NULL || fread(pixels, row, height, in) != height) {
        fprintf(stderr, "png-deflate: %s: cannot read %u rows of %u pixels\n", argv[1], height, width);
        return 1;
    }
    fclose(in);

    uint32_t rows = 65536 / width;
    if (rows > height / 64)
        rows = height / 64;
    if (rows == 0)
        rows = 1;
    unsigned char *scratch = malloc(rows * (row + 1)), *out = malloc(pk_png_band_bound(rows * (row + 1)));
    if (scratch == NULL || out == NULL) {
        fprintf(stderr, "png-deflate: out of memory\n");
        return 1;
    }
    size_t total = 0;
    const double start = now();
    for (uint32_t y = 0; y < height; y += rows) {
        const uint32_t n = height - y < rows ? height - y : rows;
        size_t len;
        uint32_t adler, raw_len;
        if (pk_png_band(pixels + y * row, width, n, LEVEL, scratch, out, &len, &adler, &raw_len) != 0) {
            fprintf(stderr, "png-deflate: deflate failed at row %u\n", y);
            return 1;
        }
        total += len;
    }
    const double seconds = now() - start;
    printf("%.3f\n", seconds);
    fprintf(stderr, "png-deflate: %ux%u in bands of %u rows: %zu bytes of IDAT in %.3f s\n", width, height, rows,
            total, seconds);
    free(out);
    free(scratch);
    free(pixels);
    return 0;
}
