/*
 * Inside the heat kernel: the arithmetic (stencil.c) that the solver
 * (heat_job.c) hands to the grid layer as its callbacks.
 */
#ifndef PK_KERNELS_HEAT_INTERNAL_H
#define PK_KERNELS_HEAT_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "parkit/grid.h"
#include "parkit/heat.h"

/* The sweep's code paths: one body, compiled for the baseline (SSE2 on
 * x86-64: 2 lanes), AVX2 (4) and AVX-512F (8); the widest the CPU has runs,
 * and every path gives the same bits. */
typedef enum heat_path { HEAT_PATH_PORTABLE, HEAT_PATH_AVX2, HEAT_PATH_AVX512 } heat_path;
bool heat_path_available(heat_path path);
heat_path heat_path_best(void);
const char *heat_path_name(heat_path path);

typedef struct heat_coefficients {
    double rx, ry;  /* alpha dt / hx^2, alpha dt / hy^2 */
    heat_path path; /* the sweep's code (heat_coefficients_of: the widest) */
    bool stream;    /* a field far larger than the caches: streaming stores */
} heat_coefficients;

heat_coefficients heat_coefficients_of(const pk_heat_problem *problem);

/* pk_grid_sweep_fn: one step; CTX is a heat_coefficients. */
double heat_sweep(void *ctx, const double *in, double *out, size_t stride, size_t rows, size_t cols, bool change);
/* pk_grid_fill_fn: the frame and the first field; CTX is the pk_heat_problem. */
void heat_fill(void *ctx, double *row, int64_t gy, int64_t gx0, size_t cols);

/* pk_grid_row_fn: the checksum and the extremes (CTX: the problem). */
pk_grid_tally heat_checksum_row(void *ctx, const double *row, uint64_t gy, uint64_t gx0, size_t cols);

/* The sine mode times AMPLITUDE, against which heat_error_row measures. */
typedef struct heat_exact {
    const pk_heat_problem *problem;
    double amplitude;
} heat_exact;
/* pk_grid_row_fn: the largest |cell - exact| (CTX: a heat_exact). */
pk_grid_tally heat_error_row(void *ctx, const double *row, uint64_t gy, uint64_t gx0, size_t cols);

/* The sine mode's amplitude after STEPS: by the scheme (lambda^steps), and
 * by the heat equation (exp(-2 pi^2 alpha t)). */
double heat_scheme_decay(const pk_heat_problem *problem, uint64_t steps);
double heat_equation_decay(const pk_heat_problem *problem, uint64_t steps);

/* Colours ROWS rows of NX cells (a row STRIDE doubles apart) into RGB,
 * 3 bytes a cell: value v at (v - LO) * SCALE of the map (0 to 1). */
void heat_colour_rows(const double *cells, size_t stride, size_t rows, uint64_t nx, double lo, double scale,
                      unsigned char *rgb);

/* A snapshot being handed over. */
typedef struct heat_snapshot {
    const pk_heat_frames *frames;
    uint64_t step, nx, ny;
    double lo, scale;
} heat_snapshot;

/* The field at STEP as coloured bands through FRAMES on rank 0, on the
 * fixed scale LO..HI.  Collective.  PK_OK or the first failure. */
int heat_snapshot_take(pk_grid *grid, const pk_heat_frames *frames, uint64_t step, double lo, double hi);

/* The field as a PNG heat map, LO to HI over the colour map, its bytes in
 * order through WRITE on rank 0.  Collective.  PK_OK, PK_ENOTSUP (no
 * libpng), or the first failure of WRITE or of memory. */
int heat_write_image(pk_grid *grid, double lo, double hi, pk_write_fn write, void *write_ctx);

#endif
