/*
 * What the two files of the grid layer share: grid.c (tiles, threads,
 * halos, steps) and grid_io.c (the field gathered in bands, and its file).
 * Like comm.c, they talk to MPI themselves.
 */
#ifndef PK_PAR_GRID_INTERNAL_H
#define PK_PAR_GRID_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "parkit/grid.h"

#if PK_HAVE_MPI
#include <mpi.h>
#endif

/* Tags of the four directions a halo travels. */
enum { TAG_UP = 101, TAG_DOWN, TAG_LEFT, TAG_RIGHT };

struct pk_grid_private {
    double *cur, *next;
    size_t halo;   /* H: the halo's depth */
    size_t stride; /* cols + 2H */
    /* --time-block: each thread's two scratch blocks (with their K-deep rims). */
    double *scratch[PK_BUSY_THREADS][2];
    int up, down, left, right; /* neighbours' ranks, or PK_COMM_NOBODY */
    bool mpi;                  /* MPI is running: a Cartesian communicator and datatypes */
#if PK_HAVE_MPI
    MPI_Comm cart;
    MPI_Datatype row, column;   /* one edge row, one edge column of the tile */
    MPI_Datatype rows_deep, columns_deep; /* H full-width rows (corners too), H columns */
    MPI_Datatype tile, in_file; /* the tile's cells in memory, and in the field file */
    MPI_Request requests[8];
    int pending; /* requests posted and not yet complete */
#endif
};

static inline double *cell(const pk_grid *grid, double *field, size_t row, size_t col)
{
    return field + row * grid->p->stride + col;
}

/* Cell (R, C) of the tile in FIELD: R and C from -H (the halo) on. */
static inline double *inner(const pk_grid *grid, double *field, ptrdiff_t r, ptrdiff_t c)
{
    const pk_grid_private *p = grid->p;
    return field + (ptrdiff_t)p->stride * (r + (ptrdiff_t)p->halo) + c + (ptrdiff_t)p->halo;
}

/* Part INDEX of N cut into PARTS nearly equal blocks: its start and size. */
void pk_grid_block(uint64_t n, int parts, int index, uint64_t *start, size_t *size);

/* Collective: the lowest rank where CONDITION holds, or -1 when it holds nowhere. */
int pk_grid_lowest_rank_with(bool condition);

#endif
