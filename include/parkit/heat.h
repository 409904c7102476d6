/*
 * The heat kernel: the 2-D heat equation du/dt = alpha (d2u/dx2 + d2u/dy2)
 * on the unit square, by the explicit five-point scheme,
 *
 *     u'(y,x) = u + rx ((u(y,x-1) + u(y,x+1)) - 2u) + ry ((u(y-1,x) + u(y+1,x)) - 2u),
 *     rx = alpha dt / hx^2, ry = alpha dt / hy^2,
 *
 * on NX x NY cells inside a frame of fixed temperatures (the edges): cell
 * (y, x) sits at ((x + 1) hx, (y + 1) hy), hx = 1 / (NX + 1), hy = 1 / (NY + 1).
 * The scheme is stable when rx + ry <= 1/2.
 *
 * The arithmetic of a step is written once (stencil.c) and run by the grid
 * layer (parkit/grid.h) on any decomposition into tiles, threads and halo
 * modes; each cell is computed by the same operations in the same order
 * from the same neighbours (no fused multiply-adds), so the field is
 * bit-identical under all of them.
 *
 * Initial fields: a hot spot (a disc of radius 0.1 at the centre at
 * --hot degrees, the rest 0), the sine mode sin(pi x) sin(pi y), whose
 * exact decay is known (for the scheme: by lambda = 1 - 4 rx sin^2(pi hx / 2)
 * - 4 ry sin^2(pi hy / 2) a step; for the equation: exp(-2 pi^2 alpha t)),
 * or a field read from a file.
 *
 * Field files: a 128-byte header, then the NX x NY cells row after row as
 * little-endian doubles (numpy: np.fromfile(f, '<f8', offset=128)).
 * Header, little-endian: "PKHEAT01", nx, ny, step (u64), alpha, dt, time
 * (double), the edges top, bottom, left, right (double), the initial
 * field's identity (u64), the first field's lowest and highest value,
 * frame included (double), zeros.  A checkpoint is such a file.
 */
#ifndef PARKIT_HEAT_H
#define PARKIT_HEAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "parkit/engine.h"
#include "parkit/grid.h"
#include "parkit/run_report.h"

typedef enum pk_heat_init {
    PK_HEAT_HOTSPOT,
    PK_HEAT_SINE,
    PK_HEAT_FILE, /* read from init_path: a field file, or NX x NY doubles alone */
} pk_heat_init;

enum { PK_HEAT_EDGE_TOP, PK_HEAT_EDGE_BOTTOM, PK_HEAT_EDGE_LEFT, PK_HEAT_EDGE_RIGHT };

typedef struct pk_heat_problem {
    uint64_t nx, ny;
    double alpha;    /* diffusivity, > 0 */
    double dt;       /* time step, > 0 and stable */
    double edges[4]; /* the frame's temperatures: top (y = -1), bottom, left, right */
    pk_heat_init init;
    double hot; /* the hot spot's temperature */
    const char *init_path;
} pk_heat_problem;

enum { PK_HEAT_HEADER_BYTES = 128 };
/* How a field file (and so a checkpoint) begins. */
#define PK_HEAT_MAGIC "PKHEAT01"

/* The largest stable time step for this grid and diffusivity. */
double pk_heat_stable_dt(uint64_t nx, uint64_t ny, double alpha);

/* Checks PROBLEM's numbers (sizes, finite and positive alpha and dt, a
 * stable dt, finite edges, zero edges for the sine mode).  PK_OK, or
 * PK_EINVAL with WHY. */
int pk_heat_check(const pk_heat_problem *problem, char *why, size_t why_size);

/* Where snapshots go (rank 0): begin(ctx, step, width, height) starts the
 * picture of the field at STEP, then band(ctx, rgb, rows) hands over its
 * rows in order, 3 bytes a cell (rgb is malloc'd and becomes the callee's).
 * Both return PK_OK or a failure, which ends the run. */
typedef struct pk_heat_frames {
    int (*begin)(void *ctx, uint64_t step, uint32_t width, uint32_t height);
    int (*band)(void *ctx, unsigned char *rgb, uint32_t rows);
    void *ctx;
} pk_heat_frames;

typedef struct pk_heat_options {
    pk_heat_problem problem;
    pk_grid_options grid; /* nx, ny from the problem */
    uint64_t steps;       /* steps to take in all (a resumed run counts the ones done) */
    double tolerance;     /* > 0: stop once no cell changes by more in a step */
    uint64_t check_every; /* steps between looks at the change (default 100) */
    const volatile _Atomic int *cancel;
    pk_progress *progress;
    const char *output_path; /* the final field, as a field file (optional) */
    /* Optional: the final field as a PNG heat map (lowest to highest
     * value), its bytes in order through image_write on rank 0. */
    pk_write_fn image_write;
    void *image_ctx;
    /* Optional: a snapshot every snapshot_every steps (step 0 included),
     * on one colour scale for the whole run: the first field's lowest to
     * highest value, frame included (heat only spreads, so every later
     * field stays within it). */
    uint64_t snapshot_every;
    pk_heat_frames frames;
    const char *checkpoint_path;
    double checkpoint_interval; /* seconds; 0: 60 */
    bool resume;
} pk_heat_options;

typedef struct pk_heat_report {
    pk_run_report run;   /* compute, communication (halo and control), output */
    pk_grid_stats grid;  /* this rank's */
    int ranks_x, ranks_y;
    uint64_t steps;      /* the field's step at the end */
    uint64_t steps_run;  /* by this run (resumed ones not counted) */
    double time;         /* simulated: steps x dt */
    uint64_t checksum;   /* of every cell's value and place: any decomposition gives the same */
    double min, max;     /* the field's extremes */
    double last_change;  /* the largest change of a cell in a step at the last look; -1: none */
    bool converged;
    /* The sine mode: the largest error against the scheme's exact solution
     * (lambda^n sin sin) and against the equation's, relative to the
     * first amplitude, and whether the first is within tolerance. */
    bool validated_case;
    double error_scheme, error_equation, tolerance_scheme;
    bool validated;
    uint64_t resumed_step; /* the step a checkpoint gave, 0 if none */
    uint64_t snapshots;    /* taken by this run */
    double range[2];       /* the first field's lowest and highest value (the snapshots' scale) */
    /* Why the run failed (with its pk_status): a refused problem, memory,
     * files, a checkpoint. */
    char error[512];
    bool usage_error; /* the problem or its files were refused before running */
} pk_heat_report;

/* Solves the problem: the field on a grid of tiles, the steps (saving a
 * checkpoint every interval and when a cancel stops the run, after which it
 * returns PK_ECANCELED with run.checkpoint_saved), the final field to
 * output_path.  Collective under MPI.  Returns a pk_status, the same on
 * every rank, with REPORT->error. */
int pk_heat_solve(const pk_heat_options *options, pk_heat_report *report);

#endif
