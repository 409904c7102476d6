/*
 * The textbook Mandelbrot loop, for bench/mandel.sh to measure parkit
 * against: one pixel at a time, rows shared by `#pragma omp parallel for
 * schedule(dynamic)`, the whole image in memory, then written.  The same
 * view, pixel mapping and operation order as parkit, so the two write the
 * same bytes (the script checks): only the speed may differ.
 *
 *   mandel-textbook pbm N                         the benchmarks game's bitmap
 *   mandel-textbook raw W H CX CY ZOOM ITERATIONS  escape counts of a view
 *                                                 (parkit --center CX,CY --zoom ZOOM)
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint32_t escape(double cr, double ci, uint32_t iterations)
{
    double zr = 0, zi = 0, zr2 = 0, zi2 = 0;
    for (uint32_t k = 1; k <= iterations; k++) {
        zi = 2.0 * zr * zi + ci;
        zr = zr2 - zi2 + cr;
        zr2 = zr * zr;
        zi2 = zi * zi;
        if (zr2 + zi2 > 4.0)
            return k;
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "pbm") == 0) {
        const long n = atol(argv[2]);
        const long row = (n + 7) / 8;
        unsigned char *bits = calloc((size_t)(row * n), 1);
#pragma omp parallel for schedule(dynamic)
        for (long y = 0; y < n; y++) {
            const double ci = 1.0 - 2.0 * (double)y / (double)n;
            for (long x = 0; x < n; x++)
                if (escape(2.0 * (double)x / (double)n + -1.5, ci, 50) == 0)
                    bits[y * row + x / 8] |= (unsigned char)(0x80u >> (x % 8));
        }
        printf("P4\n%ld %ld\n", n, n);
        fwrite(bits, 1, (size_t)(row * n), stdout);
        return 0;
    }
    if (argc == 8 && strcmp(argv[1], "raw") == 0) {
        const long w = atol(argv[2]), h = atol(argv[3]);
        const double cx = atof(argv[4]), cy = atof(argv[5]), zoom = atof(argv[6]);
        const uint32_t iterations = (uint32_t)atol(argv[7]);
        const double half_w = 1.75 / zoom, half_h = half_w * (double)h / (double)w;
        const double xmin = cx - half_w, xmax = cx + half_w, ymin = cy - half_h, ymax = cy + half_h;
        uint32_t *counts = malloc((size_t)(w * h) * sizeof *counts);
#pragma omp parallel for schedule(dynamic)
        for (long y = 0; y < h; y++) {
            const double ci = ymax - (ymax - ymin) * (double)y / (double)h;
            for (long x = 0; x < w; x++)
                counts[y * w + x] = escape((xmax - xmin) * (double)x / (double)w + xmin, ci, iterations);
        }
        fwrite(counts, sizeof *counts, (size_t)(w * h), stdout); /* little-endian on x86 */
        return 0;
    }
    fprintf(stderr, "usage: mandel-textbook pbm N | raw W H CX CY ZOOM ITERATIONS\n");
    return 2;
}
