/*
 * Scaling laws (speedup, efficiency, Karp-Flatt, Amdahl and Gustafson fits)
 * and the cost model of parkit/scaling.h: pure arithmetic on measured times
 * and machine figures, no clocks and no ranks.  docs/cost-model.md derives
 * each formula.
 */
#include <math.h>

#include "parkit/scaling.h"

double pk_speedup(double t_ref, double t)
{
    return t > 0 ? t_ref / t : NAN;
}

double pk_efficiency(double speedup, double procs)
{
    return procs > 0 ? speedup / procs : NAN;
}

double pk_karp_flatt(double speedup, double procs)
{
    if (!(procs > 1) || !(speedup > 0))
        return NAN;
    return (1 / speedup - 1 / procs) / (1 - 1 / procs);
}

static double clamp01(double x)
{
    return x < 0 ? 0 : x > 1 ? 1 : x;
}

/* Both laws are a line through the origin, y = slope x, in (x, y) made
 * from (P, S): the slope is the least-squares one, sum xy / sum xx. */
static double fit(const double *procs, const double *speedup, size_t n, int gustafson)
{
    double xy = 0, xx = 0;
    for (size_t i = 0; i < n; i++) {
        const double p = procs[i], s = speedup[i];
        if (!(p > 1) || !(s > 0) || !isfinite(s))
            continue;
        const double x = gustafson ? p - 1 : 1 - 1 / p;
        const double y = gustafson ? p - s : 1 / s - 1 / p;
        xy += x * y;
        xx += x * x;
    }
    return xx > 0 ? clamp01(xy / xx) : NAN;
}

double pk_fit_amdahl(const double *procs, const double *speedup, size_t n)
{
    return fit(procs, speedup, n, 0);
}

double pk_fit_gustafson(const double *procs, const double *scaled_speedup, size_t n)
{
    return fit(procs, scaled_speedup, n, 1);
}

double pk_amdahl_speedup(double serial, double procs)
{
    return 1 / (serial + (1 - serial) / procs);
}

double pk_gustafson_speedup(double serial, double procs)
{
    return procs - serial * (procs - 1);
}

/* ---- the cost model ---------------------------------------------------------------- */

void pk_model_tiles(int ranks, int *px, int *py)
{
    /* The largest divisor of P not above its square root: as MPI_Dims_create. */
    int best = 1;
    for (int d = 1; (long)d * d <= ranks; d++)
        if (ranks % d == 0)
            best = d;
    *px = ranks / best;
    *py = best;
}

static double message(const pk_machine *m, double bytes)
{
    return m->latency + (m->bandwidth > 0 ? bytes / m->bandwidth : 0);
}

/* Neighbours of the busiest tile along a dimension cut in p pieces. */
static int neighbours(int p)
{
    return p >= 3 ? 2 : p == 2 ? 1 : 0;
}

double pk_model_comm_seconds(const pk_kernel_cost *k, const pk_machine *m, double ranks)
{
    if (!(ranks > 1))
        return 0;
    const double log_steps = ceil(log2(ranks));
    double seconds = log_steps * message(m, k->reduce_bytes);
    seconds += k->units / ranks * 2 * m->latency;
    if (m->bandwidth > 0)
        seconds += k->gather_bytes * (1 - 1 / ranks) / m->bandwidth;
    if (k->steps > 0 && k->nx > 0 && k->ny > 0) {
        int px, py;
        pk_model_tiles((int)ranks, &px, &py);
        if (k->ny > k->nx) { /* more tiles down a tall grid */
            const int t = px;
            px = py;
            py = t;
        }
        const double per_step = neighbours(px) * message(m, k->ny / py * k->halo_bytes) +
                                neighbours(py) * message(m, k->nx / px * k->halo_bytes);
        seconds += k->steps * per_step;
        if (k->check_every > 0)
            seconds += floor(k->steps / k->check_every) * 2 * log_steps * m->latency;
    }
    return seconds;
}

double pk_model_memory_floor(const pk_kernel_cost *k, const pk_machine *m)
{
    if (!(m->memory_bandwidth > 0) || !(k->bytes_per_update > 0))
        return 0;
    return k->nx * k->ny * k->steps * k->bytes_per_update / m->memory_bandwidth;
}

double pk_model_seconds(const pk_kernel_cost *k, const pk_machine *m, double ranks)
{
    const double serial = isfinite(k->serial) ? k->serial : 0;
    double compute = k->seconds * (serial + (1 - serial) / ranks);
    /* Each rank has its own memory: the floor shrinks with P. */
    const double floor_seconds = pk_model_memory_floor(k, m) / ranks;
    if (compute < floor_seconds)
        compute = floor_seconds;
    double seconds = compute + pk_model_comm_seconds(k, m, ranks);
    /* Rank 0 answers the requests one at a time. */
    const double served = ranks > 1 ? k->units * m->latency : 0;
    return seconds > served ? seconds : served;
}

double pk_model_efficiency(const pk_kernel_cost *k, const pk_machine *m, double ranks)
{
    const double seconds = pk_model_seconds(k, m, ranks);
    return seconds > 0 ? k->seconds / (ranks * seconds) : NAN;
}

double pk_model_weak_efficiency(const pk_kernel_cost *k, const pk_machine *m, double ranks)
{
    const double serial = isfinite(k->serial) ? k->serial : 0;
    /* Gustafson: the parallel part grows with P, the serial part does not. */
    const double compute_efficiency = pk_gustafson_speedup(serial, ranks) / ranks;
    pk_kernel_cost grown = *k;
    grown.ny = k->ny * ranks;
    grown.units = k->units * ranks;
    grown.gather_bytes = k->gather_bytes * ranks;
    const double comm = pk_model_comm_seconds(&grown, m, ranks);
    if (!(k->seconds > 0))
        return NAN;
    return compute_efficiency * k->seconds / (k->seconds + comm);
}
