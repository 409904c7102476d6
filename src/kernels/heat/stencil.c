/*
 * The heat kernel's arithmetic (parkit/heat.h): one step on a rectangle of
 * a tile, the first values of cells, and what a pass over the cells
 * finds (the checksum, the extremes, the error against the exact decay of
 * the sine mode).  No ranks, no threads, no files: the grid layer calls
 * these on the tiles it owns.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

#include "core/targets.h"
#include "kernels/heat/heat_internal.h"
#include "parkit/status.h"

double pk_heat_stable_dt(uint64_t nx, uint64_t ny, double alpha)
{
    const double hx = 1.0 / ((double)nx + 1), hy = 1.0 / ((double)ny + 1);
    return 1.0 / (2.0 * alpha * (1.0 / (hx * hx) + 1.0 / (hy * hy)));
}

int pk_heat_check(const pk_heat_problem *problem, char *why, size_t why_size)
{
    if (problem->nx == 0 || problem->ny == 0 || problem->nx > PK_GRID_MAX_SIDE || problem->ny > PK_GRID_MAX_SIDE) {
        snprintf(why, why_size, "the grid must be from 1 to %d cells a side", PK_GRID_MAX_SIDE);
        return PK_EINVAL;
    }
    if (!isfinite(problem->alpha) || problem->alpha <= 0) {
        snprintf(why, why_size, "the diffusivity must be a finite number above 0");
        return PK_EINVAL;
    }
    const double limit = pk_heat_stable_dt(problem->nx, problem->ny, problem->alpha);
    if (!isfinite(problem->dt) || problem->dt <= 0) {
        snprintf(why, why_size, "the time step must be a finite number above 0 (stable up to %.6g)", limit);
        return PK_EINVAL;
    }
    if (problem->dt > limit) {
        snprintf(why, why_size,
                 "--dt %.6g is unstable on a %llu x %llu grid with alpha %.6g: the explicit scheme needs "
                 "dt <= %.6g (alpha dt (1/hx^2 + 1/hy^2) <= 1/2)",
                 problem->dt, (unsigned long long)problem->nx, (unsigned long long)problem->ny, problem->alpha,
                 limit);
        return PK_EINVAL;
    }
    for (int e = 0; e < 4; e++)
        if (!isfinite(problem->edges[e])) {
            snprintf(why, why_size, "the edges' temperatures must be finite numbers");
            return PK_EINVAL;
        }
    if (!isfinite(problem->hot)) {
        snprintf(why, why_size, "the hot spot's temperature must be a finite number");
        return PK_EINVAL;
    }
    if (problem->init == PK_HEAT_SINE &&
        (problem->edges[0] != 0 || problem->edges[1] != 0 || problem->edges[2] != 0 || problem->edges[3] != 0)) {
        snprintf(why, why_size, "the sine mode decays between edges at 0: leave out --edges");
        return PK_EINVAL;
    }
    return PK_OK;
}

heat_coefficients heat_coefficients_of(const pk_heat_problem *problem)
{
    const double hx = 1.0 / ((double)problem->nx + 1), hy = 1.0 / ((double)problem->ny + 1);
    return (heat_coefficients){.rx = problem->alpha * problem->dt / (hx * hx),
                               .ry = problem->alpha * problem->dt / (hy * hy),
                               .path = heat_path_best()};
}


/* One step on ROWS x COLS cells, the body every path compiles: the same
 * operations in the same order in every lane and every tile (and no fused
 * multiply-adds in the build), so vector and scalar code, wide and narrow,
 * give the same bits. */
#define SWEEP_ROWS(NAME, TARGET)                                                                                   \
    TARGET static double NAME(const double *in, double *out, size_t stride, size_t rows, size_t cols, double rx,   \
                              double ry, bool change)                                                              \
    {                                                                                                              \
        double biggest = 0;                                                                                        \
        for (size_t r = 0; r < rows; r++) {                                                                        \
            const double *restrict c = in + r * stride, *restrict n = c - stride, *restrict s = c + stride;        \
            double *restrict o = out + r * stride;                                                                 \
            if (!change) {                                                                                         \
                _Pragma("omp simd") for (size_t x = 0; x < cols; x++)                                              \
                {                                                                                                  \
                    const double u = c[x];                                                                         \
                    o[x] = u + rx * ((c[x - 1] + c[x + 1]) - 2.0 * u) + ry * ((n[x] + s[x]) - 2.0 * u);            \
                }                                                                                                  \
            } else {                                                                                               \
                _Pragma("omp simd reduction(max : biggest)") for (size_t x = 0; x < cols; x++)                     \
                {                                                                                                  \
                    const double u = c[x];                                                                         \
                    const double v = u + rx * ((c[x - 1] + c[x + 1]) - 2.0 * u) + ry * ((n[x] + s[x]) - 2.0 * u);  \
                    o[x] = v;                                                                                      \
                    const double d = fabs(v - u);                                                                  \
                    biggest = d > biggest ? d : biggest;                                                           \
                }                                                                                                  \
            }                                                                                                      \
        }                                                                                                          \
        return biggest;                                                                                            \
    }

SWEEP_ROWS(sweep_portable, )
#if PK_X86
SWEEP_ROWS(sweep_avx2, TARGET_AVX2)
SWEEP_ROWS(sweep_avx512, TARGET_AVX512)

/* A cell the scalar way: what every lane of the loops above computes. */
static inline double cell_step(const double *c, const double *n, const double *s, size_t x, double rx, double ry)
{
    const double u = c[x];
    return u + rx * ((c[x - 1] + c[x + 1]) - 2.0 * u) + ry * ((n[x] + s[x]) - 2.0 * u);
}

/* The same step for a field far larger than the caches, with streaming
 * stores: the new values go to memory without first reading their lines
 * into cache (a write-allocate), so a step moves 16 bytes a cell instead
 * of 24.  The same operations in the same order, lane by lane; cells up to
 * the first aligned one and after the last whole vector go the scalar way. */
#define SWEEP_STREAM(NAME, TARGET, VEC, LANES, LOADU, SET1, ADD, SUB, MUL, STREAM)                                 \
    TARGET static void NAME(const double *in, double *out, size_t stride, size_t rows, size_t cols, double rx,     \
                            double ry)                                                                             \
    {                                                                                                              \
        const VEC vrx = SET1(rx), vry = SET1(ry), two = SET1(2.0);                                                 \
        for (size_t r = 0; r < rows; r++) {                                                                        \
            const double *c = in + r * stride, *n = c - stride, *s = c + stride;                                   \
            double *o = out + r * stride;                                                                          \
            size_t x = 0;                                                                                          \
            for (; x < cols && ((uintptr_t)(o + x) % (LANES * sizeof(double))) != 0; x++)                          \
                o[x] = cell_step(c, n, s, x, rx, ry);                                                              \
            for (; x + LANES <= cols; x += LANES) {                                                                \
                const VEC u = LOADU(c + x), tu = MUL(two, u);                                                      \
                const VEC across = SUB(ADD(LOADU(c + x - 1), LOADU(c + x + 1)), tu);                               \
                const VEC down = SUB(ADD(LOADU(n + x), LOADU(s + x)), tu);                                         \
                STREAM(o + x, ADD(ADD(u, MUL(vrx, across)), MUL(vry, down)));                                      \
            }                                                                                                      \
            for (; x < cols; x++)                                                                                  \
                o[x] = cell_step(c, n, s, x, rx, ry);                                                              \
        }                                                                                                          \
        _mm_sfence(); /* streamed stores are seen by the other threads before the step's end */                    \
    }

SWEEP_STREAM(stream_avx2, TARGET_AVX2, __m256d, 4, _mm256_loadu_pd, _mm256_set1_pd, _mm256_add_pd, _mm256_sub_pd,
             _mm256_mul_pd, _mm256_stream_pd)
SWEEP_STREAM(stream_avx512, TARGET_AVX512, __m512d, 8, _mm512_loadu_pd, _mm512_set1_pd, _mm512_add_pd,
             _mm512_sub_pd, _mm512_mul_pd, _mm512_stream_pd)
#endif

static const char *const path_names[] = {
    [HEAT_PATH_PORTABLE] = "portable",
    [HEAT_PATH_AVX2] = "avx2",
    [HEAT_PATH_AVX512] = "avx512",
};

const char *heat_path_name(heat_path path)
{
    return (unsigned)path <= HEAT_PATH_AVX512 ? path_names[path] : "?";
}

bool heat_path_available(heat_path path)
{
#if PK_X86
    switch (path) {
    case HEAT_PATH_PORTABLE:
        return true;
    case HEAT_PATH_AVX2:
        return __builtin_cpu_supports("avx2");
    case HEAT_PATH_AVX512:
        return __builtin_cpu_supports("avx512f");
    }
    return false;
#else
    return path == HEAT_PATH_PORTABLE;
#endif
}

heat_path heat_path_best(void)
{
    return heat_path_available(HEAT_PATH_AVX512) ? HEAT_PATH_AVX512
           : heat_path_available(HEAT_PATH_AVX2) ? HEAT_PATH_AVX2
                                                 : HEAT_PATH_PORTABLE;
}

double heat_sweep(void *ctx, const double *in, double *out, size_t stride, size_t rows, size_t cols, bool change)
{
    const heat_coefficients *k = ctx;
#if PK_X86
    if (k->stream && !change && k->path != HEAT_PATH_PORTABLE) {
        if (k->path == HEAT_PATH_AVX512)
            stream_avx512(in, out, stride, rows, cols, k->rx, k->ry);
        else
            stream_avx2(in, out, stride, rows, cols, k->rx, k->ry);
        return 0;
    }
#endif
    switch (k->path) {
#if PK_X86
    case HEAT_PATH_AVX512:
        return sweep_avx512(in, out, stride, rows, cols, k->rx, k->ry, change);
    case HEAT_PATH_AVX2:
        return sweep_avx2(in, out, stride, rows, cols, k->rx, k->ry, change);
#endif
    default:
        return sweep_portable(in, out, stride, rows, cols, k->rx, k->ry, change);
    }
}

/* The sine mode's value at cell (gy, gx). */
static double sine_mode(const pk_heat_problem *problem, int64_t gy, int64_t gx)
{
    const double x = (double)(gx + 1) / ((double)problem->nx + 1), y = (double)(gy + 1) / ((double)problem->ny + 1);
    return sin(M_PI * x) * sin(M_PI * y);
}

void heat_fill(void *ctx, double *row, int64_t gy, int64_t gx0, size_t cols)
{
    const pk_heat_problem *problem = ctx;
    const int64_t nx = (int64_t)problem->nx, ny = (int64_t)problem->ny;
    for (size_t i = 0; i < cols; i++) {
        const int64_t gx = gx0 + (int64_t)i;
        double v;
        if (gy < 0)
            v = problem->edges[PK_HEAT_EDGE_TOP];
        else if (gy >= ny)
            v = problem->edges[PK_HEAT_EDGE_BOTTOM];
        else if (gx < 0)
            v = problem->edges[PK_HEAT_EDGE_LEFT];
        else if (gx >= nx)
            v = problem->edges[PK_HEAT_EDGE_RIGHT];
        else if (problem->init == PK_HEAT_SINE)
            v = sine_mode(problem, gy, gx);
        else if (problem->init == PK_HEAT_HOTSPOT) {
            const double x = (double)(gx + 1) / ((double)nx + 1) - 0.5, y = (double)(gy + 1) / ((double)ny + 1) - 0.5;
            v = x * x + y * y <= 0.01 ? problem->hot : 0.0;
        } else
            v = 0.0; /* read from the file next */
        row[i] = v;
    }
}

/* A 64-bit mix (splitmix64's finaliser): every bit of the input moves
 * about half the output's. */
static uint64_t mix(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

pk_grid_tally heat_checksum_row(void *ctx, const double *row, uint64_t gy, uint64_t gx0, size_t cols)
{
    const pk_heat_problem *problem = ctx;
    uint64_t sum = 0;
    double lowest = INFINITY, biggest = -INFINITY;
    for (size_t i = 0; i < cols; i++) {
        uint64_t bits;
        memcpy(&bits, &row[i], sizeof bits);
        /* Each cell's value at its place, added: the sum does not depend
         * on which tile or thread saw the cell. */
        sum += mix(bits ^ mix(gy * problem->nx + gx0 + i + 1));
        lowest = row[i] < lowest ? row[i] : lowest;
        biggest = row[i] > biggest ? row[i] : biggest;
    }
    return (pk_grid_tally){.sum = sum, .min = lowest, .max = biggest};
}

pk_grid_tally heat_error_row(void *ctx, const double *row, uint64_t gy, uint64_t gx0, size_t cols)
{
    const heat_exact *exact = ctx;
    double biggest = 0;
    for (size_t i = 0; i < cols; i++) {
        const double d = fabs(row[i] - exact->amplitude * sine_mode(exact->problem, (int64_t)gy, (int64_t)(gx0 + i)));
        biggest = d > biggest ? d : biggest;
    }
    return (pk_grid_tally){.sum = 0, .min = 0, .max = biggest};
}

double heat_scheme_decay(const pk_heat_problem *problem, uint64_t steps)
{
    const heat_coefficients k = heat_coefficients_of(problem);
    const double hx = 1.0 / ((double)problem->nx + 1), hy = 1.0 / ((double)problem->ny + 1);
    const double sx = sin(M_PI * hx / 2), sy = sin(M_PI * hy / 2);
    const double lambda = 1.0 - 4.0 * k.rx * sx * sx - 4.0 * k.ry * sy * sy;
    return pow(lambda, (double)steps);
}

double heat_equation_decay(const pk_heat_problem *problem, uint64_t steps)
{
    return exp(-2.0 * M_PI * M_PI * problem->alpha * problem->dt * (double)steps);
}
