/*
 * The grid layer: a 2-D grid of doubles cut into tiles, one tile a rank,
 * swept step after step by the rank's threads, with the tiles' edges
 * traded between neighbouring ranks (halos) before each step.  It sits
 * beside the unit engine (parkit/engine.h) and knows nothing of what a
 * step computes: a kernel gives the sweep of one rectangle, and the grid
 * decides who sweeps what, and when the halos travel.
 *
 * Shared against distributed memory, side by side:
 * - threads of one rank sweep the rows of its tile, each its own block of
 *   rows, reading the rows around its block straight from shared memory
 *   (the block is also the memory the thread touched first: its pages lie
 *   near its core);
 * - ranks own a tile of a Cartesian decomposition (MPI_Dims_create,
 *   MPI_Cart_create), framed by a halo one cell wide, and must receive
 *   their neighbours' edge cells into it before each step: blocking
 *   MPI_Sendrecv with a derived datatype for columns, MPI_Isend/MPI_Irecv
 *   with the tile's inside swept while the halos travel, or MPI-3's
 *   MPI_Neighbor_alltoallw.
 * Every cell is computed by the same arithmetic from the same neighbours
 * whatever the tiles, threads and halo mode, so the field is bit-identical
 * under all of them.
 *
 * The grid is NX x NY cells; around it a frame of fixed cells (the
 * boundary: row -1 and row NY, column -1 and column NX), which the kernel
 * fills and no step changes.  Rows are y, columns x; cell (y, x) of the
 * grid is at row y, column x of the field files, which hold the NX x NY
 * cells row after row, as little-endian doubles, after the caller's header.
 *
 * Every function is collective under MPI (every rank calls it, in the same
 * order) unless it says otherwise.  Without MPI, or on one rank, the grid
 * is one tile and there is no exchange.
 */
#ifndef PARKIT_GRID_H
#define PARKIT_GRID_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "parkit/engine.h"

typedef enum pk_halo_mode {
    PK_HALO_SENDRECV,    /* MPI_Sendrecv, a step at a time */
    PK_HALO_NONBLOCKING, /* MPI_Isend/Irecv, the inside swept meanwhile */
    PK_HALO_NEIGHBOR,    /* MPI_Neighbor_alltoallw on the Cartesian topology */
} pk_halo_mode;

/* "sendrecv", "nonblocking", "neighbor": PK_OK or PK_EINVAL. */
int pk_halo_parse(const char *text, pk_halo_mode *mode);
const char *pk_halo_name(pk_halo_mode mode);

/* One step on a rectangle of ROWS x COLS cells: reads IN (a row of the
 * tile is STRIDE doubles; the cells just around the rectangle are there
 * too) and writes OUT at the same places.  Returns the largest change of a
 * cell, |out - in|, when CHANGE is true (else anything).  Called by several
 * threads at once, on rectangles that do not overlap. */
typedef double (*pk_grid_sweep_fn)(void *ctx, const double *in, double *out, size_t stride, size_t rows,
                                   size_t cols, bool change);

/* The first values of COLS cells of row GY, from column GX0 on, into ROW.
 * GY runs from -1 to NY and GX0 + i from -1 to NX: the frame's cells are
 * asked for too (they keep their values).  Called by several threads. */
typedef void (*pk_grid_fill_fn)(void *ctx, double *row, int64_t gy, int64_t gx0, size_t cols);

/* What a pass over the cells finds in one row of COLS cells (GY, GX0 on):
 * a sum (wrapping, so any order gives the same), a smallest and a largest
 * value. */
typedef struct pk_grid_tally {
    uint64_t sum;
    double min, max;
} pk_grid_tally;
typedef pk_grid_tally (*pk_grid_row_fn)(void *ctx, const double *row, uint64_t gy, uint64_t gx0, size_t cols);

typedef struct pk_grid_options {
    uint64_t nx, ny;      /* cells, each at most PK_GRID_MAX_SIDE */
    int ranks_x, ranks_y; /* tiles across and down; 0: the grid chooses */
    pk_halo_mode halo;
    int threads; /* >= 1 */
    /* K > 1: steps go K at a time (temporal blocking): halos K cells deep
     * are traded once every K steps, and each thread advances a block of
     * its tile that fits in cache K steps before moving on, computing again
     * a rim of cells its neighbouring blocks compute too.  The field is the
     * same, bit for bit. */
    int time_block;
} pk_grid_options;

enum { PK_GRID_MAX_TIME_BLOCK = 64 };

enum { PK_GRID_MAX_SIDE = 1 << 30 };

/* Where the time went and what travelled, on this rank. */
typedef struct pk_grid_stats {
    double compute_seconds; /* sweeping (the edges after the halos came, too) */
    double halo_seconds;    /* in the exchange: posting, sending, waiting */
    /* nonblocking: the inside swept while the halos were on their way;
     * halo_seconds counts only the waiting that was left after it. */
    double overlap_seconds;
    double control_seconds; /* the ranks agreeing when to check, save or stop */
    double io_seconds;      /* reading and writing the field */
    uint64_t halo_bytes;    /* sent by this rank */
    uint64_t halo_messages; /* sent by this rank */
    uint64_t exchanges;     /* halo exchanges (one a step, or one every K steps) */
    uint64_t updates;       /* cell updates that count: cells x steps */
    uint64_t redundant_updates; /* --time-block: the rims' updates, done twice */
    double thread_busy[PK_BUSY_THREADS]; /* seconds each thread swept */
} pk_grid_stats;

typedef struct pk_grid_private pk_grid_private;

typedef struct pk_grid {
    /* The decomposition, the same on every rank but for this rank's own. */
    uint64_t nx, ny;
    int ranks_x, ranks_y; /* tiles across and down */
    int rank_x, rank_y;   /* this rank's tile */
    uint64_t x0, y0;      /* its first cell */
    size_t cols, rows;    /* its cells */
    pk_halo_mode halo;
    int threads;
    int time_block; /* K: steps a block goes at a time (1: step by step) */
    uint64_t step;  /* steps done so far (set it when resuming) */
    pk_grid_stats stats;
    pk_grid_private *p;
} pk_grid;

/* Cuts the grid into tiles and allocates this rank's (two copies, each
 * framed by its halo), refusing with WHY (WHY_SIZE bytes): a tile less than
 * a cell wide or high (more ranks than cells along a side), a forced
 * decomposition that is not the rank count (PK_EINVAL), or tiles that
 * need more memory than the ranks' hosts have available (PK_ERANGE, before
 * allocating, the figures in WHY); PK_ENOMEM when an allocation fails.
 * The same status on every rank. */
int pk_grid_create(pk_grid *grid, const pk_grid_options *options, char *why, size_t why_size);
void pk_grid_destroy(pk_grid *grid);

/* The bytes each rank's tiles take, for the grid alone (not collective). */
uint64_t pk_grid_bytes_per_rank(const pk_grid *grid);

/* Fills every cell of the tile, frame included, with FILL; each thread
 * fills (and so first touches) the rows it will sweep. */
void pk_grid_fill(pk_grid *grid, pk_grid_fill_fn fill, void *ctx);

/* How to run the steps. */
typedef struct pk_grid_run {
    pk_grid_sweep_fn sweep;
    void *ctx;
    uint64_t last_step; /* run until grid->step reaches it */
    /* > 0: stop once the largest change of a cell in one step is below
     * it, looked at every check_every steps (a reduction over the ranks). */
    double tolerance;
    uint64_t check_every;
    /* When it becomes non-zero (a signal, a timeout), the ranks agree to
     * stop after the step they are at: PK_ECANCELED. */
    const volatile _Atomic int *cancel;
    /* > 0: every save_interval seconds (by rank 0's clock) the run calls
     * save(save_ctx), on every rank, between two steps. */
    double save_interval;
    int (*save)(void *save_ctx);
    void *save_ctx;
    pk_progress *progress; /* optional: steps done of steps to do */
    /* > 0: after every step that is a multiple of pause_every, the run
     * calls pause(pause_ctx) on every rank (a snapshot); a failure it
     * returns (the same on every rank) ends the run. */
    uint64_t pause_every;
    int (*pause)(void *pause_ctx);
    void *pause_ctx;

    /* What happened. */
    double last_change; /* the largest change at the last look; -1: none */
    bool converged;     /* stopped by the tolerance */
} pk_grid_run;

/* Runs steps until RUN->last_step, the tolerance, or a cancel.  Returns
 * PK_OK, PK_ECANCELED, or a save's failure; the same on every rank. */
int pk_grid_run_steps(pk_grid *grid, pk_grid_run *run);

/* ROW over every row of the tile (threads share them); the sums, the
 * smallest and the largest values over all ranks. */
pk_grid_tally pk_grid_tally_rows(pk_grid *grid, pk_grid_row_fn row, void *ctx);

/* Every row of the grid, in order, on rank 0: BAND(ctx, cells, stride,
 * gy0, rows) for each band of up to BAND_ROWS rows (cell (gy0 + r, x) at
 * cells[r * stride + x]), the ranks sending rank 0 their part of each
 * band in turn, so rank 0 holds one band at a time.  BAND runs on rank 0
 * only; once it fails, the bands still travel but it is not called again
 * (NULL on rank 0: it could not get ready, PK_ENOMEM).  Returns its first
 * failure (or PK_ENOMEM), the same on every rank. */
typedef int (*pk_grid_band_fn)(void *ctx, const double *cells, size_t stride, uint64_t gy0, size_t rows);
int pk_grid_gather_bands(pk_grid *grid, size_t band_rows, pk_grid_band_fn band, void *ctx);

/* The field's file: the caller's HEADER (HEADER_SIZE bytes, from rank 0),
 * then the cells.  Saved to a temporary file beside PATH, renamed to PATH
 * once every rank's cells are in it (MPI-IO: each rank writes its tile
 * through a subarray datatype, collectively).  PK_OK, or PK_EIO with WHY. */
int pk_grid_save(pk_grid *grid, const char *path, const void *header, size_t header_size, char *why,
                 size_t why_size);

/* Rank 0 reads PATH's first HEADER_SIZE bytes into HEADER and its size in
 * bytes into *FILE_SIZE; every rank receives them.  PK_OK, or PK_EIO with
 * WHY (PK_EOF: no such file). */
int pk_grid_read_header(const char *path, void *header, size_t header_size, uint64_t *file_size, char *why,
                        size_t why_size);

/* Reads the tile's cells from PATH, whose cells start at OFFSET (the
 * caller checked its size), into the grid.  PK_OK, or PK_EIO with WHY. */
int pk_grid_load(pk_grid *grid, const char *path, uint64_t offset, char *why, size_t why_size);

#endif
