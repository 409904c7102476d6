/*
 * Measuring this machine for the cost model: a ping-pong between two ranks
 * (latency and bandwidth, through comm.c) and a triad on the threads of one
 * process (memory bandwidth).  The least time of several tries is the
 * machine's; the others were disturbed by something else.
 */
#include <stdlib.h>
#include <string.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "core/clock.h"
#include "parkit/comm.h"
#include "parkit/probe.h"

enum { PING = 7301, PONG = 7302 };

double pk_probe_pingpong(size_t bytes, int reps)
{
    const int rank = pk_comm_rank();
    if (pk_comm_size() < 2)
        return 0;
    char *buffer = rank < 2 ? calloc(bytes ? bytes : 1, 1) : NULL;
    /* Every rank agrees on whether both buffers exist before anyone sends. */
    double missing = rank < 2 && buffer == NULL;
    pk_comm_max_double(&missing, 1);
    if (missing > 0) {
        free(buffer);
        return 0;
    }
    double best = 0;
    pk_comm_barrier();
    for (int i = 0; i < reps + 1; i++) { /* the first round trip sets up the connection: not counted */
        const double start = pk_clock_seconds();
        if (rank == 0) {
            pk_comm_exchange(buffer, bytes, 1, NULL, 0, PK_COMM_NOBODY, PING);
            pk_comm_exchange(NULL, 0, PK_COMM_NOBODY, buffer, bytes, 1, PONG);
        } else if (rank == 1) {
            pk_comm_exchange(NULL, 0, PK_COMM_NOBODY, buffer, bytes, 0, PING);
            pk_comm_exchange(buffer, bytes, 0, NULL, 0, PK_COMM_NOBODY, PONG);
        }
        const double seconds = (pk_clock_seconds() - start) / 2;
        if (i > 0 && (best == 0 || seconds < best))
            best = seconds;
    }
    free(buffer);
    /* Rank 0's figure for everyone. */
    pk_comm_broadcast(&best, sizeof best, 0);
    return best;
}

double pk_probe_triad(size_t elements, int threads, int reps)
{
    double *a = malloc(elements * sizeof *a), *b = malloc(elements * sizeof *b), *c = malloc(elements * sizeof *c);
    if (a == NULL || b == NULL || c == NULL || elements == 0) {
        free(a);
        free(b);
        free(c);
        return 0;
    }
    const long n = (long)elements;
    (void)threads;
    /* First touch on the threads that use the pages (NUMA). */
#pragma omp parallel for schedule(static) num_threads(threads)
    for (long i = 0; i < n; i++) {
        a[i] = 0;
        b[i] = 1;
        c[i] = 2;
    }
    double best = 0;
    for (int r = 0; r < reps; r++) {
        const double s = 3 + r, start = pk_clock_seconds();
#pragma omp parallel for schedule(static) num_threads(threads)
        for (long i = 0; i < n; i++)
            a[i] = b[i] + s * c[i];
        const double seconds = pk_clock_seconds() - start;
        if (best == 0 || seconds < best)
            best = seconds;
    }
    /* Read a result so the loops cannot be left out. */
    volatile double keep = a[n / 2];
    (void)keep;
    free(a);
    free(b);
    free(c);
    return best > 0 ? 24.0 * (double)elements / best : 0;
}
