/*
 * bench/heat.sh's reference: this machine's memory bandwidth, as STREAM
 * measures it.  The triad a[i] = b[i] + s * c[i] over arrays far larger
 * than any cache, on the threads OpenMP is given, each thread touching
 * first the part it will stream; the best of REPEATS passes, counted as
 * STREAM counts it: 24 bytes an element (two reads, one write; the
 * write's cache-line fill is not counted).
 *
 *   build/triad [MiB per array, default 512] [repeats, default 10]
 *
 * Prints one line: "triad GB/s THREADS MiB".
 */
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    const size_t mib = argc > 1 ? strtoul(argv[1], NULL, 10) : 512;
    const int repeats = argc > 2 ? atoi(argv[2]) : 10;
    if (mib == 0 || repeats < 1) {
        fprintf(stderr, "usage: %s [MiB per array] [repeats]\n", argv[0]);
        return 2;
    }
    const size_t n = mib * 1024 * 1024 / sizeof(double);
    double *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b), *c = malloc(n * sizeof *c);
    if (a == NULL || b == NULL || c == NULL) {
        fprintf(stderr, "triad: out of memory for 3 x %zu MiB\n", mib);
        return 1;
    }
#pragma omp parallel for schedule(static)
    for (size_t i = 0; i < n; i++)
        a[i] = 0, b[i] = 1.0, c[i] = 2.0;
    double best = 1e300;
    for (int r = 0; r < repeats; r++) {
        const double s = 3.0 + r, start = omp_get_wtime();
#pragma omp parallel for schedule(static)
        for (size_t i = 0; i < n; i++)
            a[i] = b[i] + s * c[i];
        const double t = omp_get_wtime() - start;
        best = t < best ? t : best;
    }
    /* Keeps the compiler from dropping the passes, and checks them. */
    if (a[n / 2] != 1.0 + (3.0 + repeats - 1) * 2.0) {
        fprintf(stderr, "triad: wrong result\n");
        return 1;
    }
    printf("triad %.2f %d %zu\n", 24.0 * (double)n / best / 1e9, omp_get_max_threads(), mib);
    free(a), free(b), free(c);
    return 0;
}
