/*
 * This machine's figures for the cost model (parkit/scaling.h): how long a
 * message takes between two ranks, and how fast one process moves memory.
 */
#ifndef PARKIT_PROBE_H
#define PARKIT_PROBE_H

#include <stddef.h>

/* A ping-pong between ranks 0 and 1 (collective: other ranks wait at a
 * barrier): the one-way seconds of a message of BYTES, the least of REPS
 * round trips halved.  0 on one rank. */
double pk_probe_pingpong(size_t bytes, int reps);

/* The triad a[i] = b[i] + s c[i] over arrays of ELEMENTS doubles on THREADS
 * threads, REPS times: the best bytes per second (24 a element, as STREAM
 * counts them), or 0 when the arrays cannot be allocated. */
double pk_probe_triad(size_t elements, int threads, int reps);

#endif
