/*
 * Scaling laws and a cost model for parallel runs: what `parkit bench`
 * computes from its measurements and prints beside them.
 *
 * The measured side: speedup, parallel efficiency, the Karp-Flatt serial
 * fraction of each point, and the serial fraction fitted to a whole series
 * (Amdahl's law for strong scaling, Gustafson's for weak).  The predicted
 * side: a run's time on P ranks from the fitted serial fraction and the
 * messages the kernel sends, priced with this machine's latency and
 * bandwidth.  docs/cost-model.md explains the model and its assumptions.
 */
#ifndef PARKIT_SCALING_H
#define PARKIT_SCALING_H

#include <stddef.h>

/* t_ref / t: how many times faster than the reference. */
double pk_speedup(double t_ref, double t);

/* speedup / procs: the share of the processors' time that did useful work. */
double pk_efficiency(double speedup, double procs);

/* Karp-Flatt: the serial fraction e = (1/S - 1/P) / (1 - 1/P) that explains
 * a speedup S on P processors (NAN for P <= 1).  A fraction that grows with
 * P means overhead (communication, imbalance), not serial code. */
double pk_karp_flatt(double speedup, double procs);

/* Amdahl's law, S(P) = 1 / (f + (1 - f) / P), fitted to strong-scaling
 * points: the f that minimises the squared error of 1/S - 1/P = f (1 - 1/P)
 * (a line through the origin).  Points with P <= 1 or a speedup <= 0 are
 * left out; NAN when none is left.  Clamped to [0, 1]. */
double pk_fit_amdahl(const double *procs, const double *speedup, size_t n);
double pk_amdahl_speedup(double serial, double procs);

/* Gustafson's law, S(P) = P - a (P - 1), for weak scaling (the problem
 * grown with P; S is the scaled speedup P * T(1) / T(P)): the a of least
 * squares of P - S = a (P - 1).  Same rules as pk_fit_amdahl. */
double pk_fit_gustafson(const double *procs, const double *scaled_speedup, size_t n);
double pk_gustafson_speedup(double serial, double procs);

/* This machine, as the cost model sees it: a message of b bytes between
 * two ranks costs latency + b / bandwidth (Hockney's model). */
typedef struct pk_machine {
    double latency;          /* seconds, one message one way */
    double bandwidth;        /* bytes per second between two ranks */
    double memory_bandwidth; /* bytes per second of one process's threads (a triad) */
} pk_machine;

/* What a kernel's run costs, measured on one process and one thread, and
 * the messages it sends on P ranks.  A kernel fills the parts it has; the
 * rest stay 0. */
typedef struct pk_kernel_cost {
    double seconds; /* one rank, one thread */
    double serial;  /* the serial fraction (Amdahl) of its compute */
    /* Every run on P ranks ends in a reduction (at least the ranks'
     * agreement on how it went): ceil(log2 P) messages of reduce_bytes. */
    double reduce_bytes;
    /* Units handed out on demand: one round trip to rank 0 a unit. */
    double units;
    /* Result bytes that travel to rank 0 (an image, ordered output). */
    double gather_bytes;
    /* A grid of nx x ny cells cut into tiles, halos of halo_bytes a cell
     * traded every step with the neighbours, and a reduction every
     * check_every steps (0: none). */
    double nx, ny, steps, halo_bytes, check_every;
    /* Bytes of memory each cell update moves (the bandwidth floor). */
    double bytes_per_update;
} pk_kernel_cost;

/* The tiles P ranks make of a grid: px x py = P, as square as P allows,
 * px >= py (the model turns them so the longer side of the grid is cut
 * more, as the grid layer does). */
void pk_model_tiles(int ranks, int *px, int *py);

/* Communication seconds of one rank (the busiest) of a run on P ranks. */
double pk_model_comm_seconds(const pk_kernel_cost *kernel, const pk_machine *machine, double ranks);

/* Predicted seconds on P ranks (strong scaling: the same problem):
 * seconds * (f + (1 - f) / P) + communication; never under the memory
 * floor divided by P, nor under the hand-outs rank 0 serves one by one. */
double pk_model_seconds(const pk_kernel_cost *kernel, const pk_machine *machine, double ranks);

/* Predicted parallel efficiency on P ranks, strong scaling. */
double pk_model_efficiency(const pk_kernel_cost *kernel, const pk_machine *machine, double ranks);

/* Predicted efficiency on P ranks, weak scaling (the grid's rows, the
 * units and the gathered bytes grown P times; `serial` read as
 * Gustafson's a): the compute's efficiency times its share of the time
 * beside the grown problem's messages (the floors of pk_model_seconds do
 * not apply: each rank keeps its share of the work). */
double pk_model_weak_efficiency(const pk_kernel_cost *kernel, const pk_machine *machine, double ranks);

/* Seconds one process needs at least to move a grid kernel's bytes through
 * memory (0 when the kernel has no grid or the bandwidth is unknown). */
double pk_model_memory_floor(const pk_kernel_cost *kernel, const pk_machine *machine);

#endif
