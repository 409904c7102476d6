/*
 * The grid layer's I/O (parkit/grid.h): the field gathered on rank 0 band
 * by band, and the field's file, written and read by every rank at its
 * tile's place (MPI-IO collectives through a subarray datatype; pwrite and
 * pread without MPI).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/clock.h"
#include "par/comm_internal.h"
#include "par/grid_internal.h"
#include "parkit/comm.h"
#include "parkit/grid.h"
#include "parkit/status.h"

/* ---- the field in bands, on rank 0 ------------------------------------------- */

enum { TAG_BAND = 111 };

int pk_grid_gather_bands(pk_grid *grid, size_t band_rows, pk_grid_band_fn band, void *ctx)
{
    pk_grid_private *p = grid->p;
    const double start = pk_clock_seconds();
    int rc = PK_OK;
    if (band_rows == 0)
        band_rows = 1;
    if (pk_comm_size() == 1) {
        /* One tile is the whole grid: its rows, in place. */
        for (size_t r = 0; r < grid->rows && rc == PK_OK; r += band_rows) {
            const size_t count = grid->rows - r < band_rows ? grid->rows - r : band_rows;
            rc = band != NULL ? band(ctx, inner(grid, p->cur, (ptrdiff_t)r, 0), p->stride, r, count) : PK_ENOMEM;
        }
        grid->stats.io_seconds += pk_clock_seconds() - start;
        return rc;
    }
#if PK_HAVE_MPI
    const bool root = pk_comm_rank() == 0;
    /* Rank 0: a band of whole rows, and room for any rank's part of one. */
    double *whole = NULL, *part = NULL;
    size_t most_cols = (size_t)(grid->nx / (uint64_t)grid->ranks_x + 1);
    if (root) {
        whole = malloc(band_rows * grid->nx * sizeof *whole);
        part = malloc(band_rows * most_cols * sizeof *part);
    } else {
        part = malloc(band_rows * grid->cols * sizeof *part);
    }
    rc = pk_comm_agree(part != NULL && (!root || whole != NULL) ? PK_OK : PK_ENOMEM);
    for (uint64_t y0 = 0; rc != PK_ENOMEM && y0 < grid->ny; y0 += band_rows) {
        const uint64_t y1 = grid->ny - y0 < band_rows ? grid->ny : y0 + band_rows;
        if (!root) {
            /* This rank's rows of the band, if any, to rank 0. */
            const uint64_t from = y0 > grid->y0 ? y0 : grid->y0;
            const uint64_t to = y1 < grid->y0 + grid->rows ? y1 : grid->y0 + grid->rows;
            if (from < to) {
                for (uint64_t y = from; y < to; y++)
                    memcpy(part + (y - from) * grid->cols, inner(grid, p->cur, (ptrdiff_t)(y - grid->y0), 0),
                           grid->cols * sizeof *part);
                TIMED(MPI_Send(part, (int)((to - from) * grid->cols), MPI_DOUBLE, 0, TAG_BAND, MPI_COMM_WORLD));
            }
            continue;
        }
        /* Rank 0 puts together the band from every tile that has rows in it. */
        for (int ty = 0; ty < grid->ranks_y; ty++) {
            uint64_t ty0;
            size_t trows;
            pk_grid_block(grid->ny, grid->ranks_y, ty, &ty0, &trows);
            const uint64_t from = y0 > ty0 ? y0 : ty0, to = y1 < ty0 + trows ? y1 : ty0 + trows;
            if (from >= to)
                continue;
            for (int tx = 0; tx < grid->ranks_x; tx++) {
                uint64_t tx0;
                size_t tcols;
                pk_grid_block(grid->nx, grid->ranks_x, tx, &tx0, &tcols);
                const int coords[2] = {ty, tx};
                int source;
                CHECKED(MPI_Cart_rank(p->cart, coords, &source));
                for (uint64_t y = from; y < to; y++) {
                    double *row = whole + (y - y0) * grid->nx + tx0;
                    if (source == 0)
                        memcpy(row, inner(grid, p->cur, (ptrdiff_t)(y - grid->y0), 0), tcols * sizeof *row);
                }
                if (source == 0)
                    continue;
                TIMED(MPI_Recv(part, (int)((to - from) * tcols), MPI_DOUBLE, source, TAG_BAND, MPI_COMM_WORLD,
                               MPI_STATUS_IGNORE));
                for (uint64_t y = from; y < to; y++)
                    memcpy(whole + (y - y0) * grid->nx + tx0, part + (y - from) * tcols, tcols * sizeof *part);
            }
        }
        if (rc == PK_OK)
            rc = band != NULL ? band(ctx, whole, grid->nx, y0, (size_t)(y1 - y0)) : PK_ENOMEM;
    }
    free(whole);
    free(part);
    pk_comm_broadcast(&rc, sizeof rc, 0);
#endif
    grid->stats.io_seconds += pk_clock_seconds() - start;
    return rc;
}

/* ---- the field's file ------------------------------------------------------ */

#if PK_HAVE_MPI
/* MPI-IO's words for RC, after WHAT. */
static void io_error(int rc, const char *what, const char *path, char *why, size_t why_size)
{
    char text[MPI_MAX_ERROR_STRING] = "";
    int length = 0;
    if (MPI_Error_string(rc, text, &length) != MPI_SUCCESS)
        snprintf(text, sizeof text, "MPI-IO error %d", rc);
    snprintf(why, why_size, "cannot %s %s: %s", what, path, text);
}
#endif

/* Moves the tile's cells between FILE (its cells from OFFSET) and the
 * grid, collectively.  WRITING or reading.  PK_OK or PK_EIO with WHY. */
/* The tile's cells to or from PATH without MPI: one process, one tile. */
static int transfer_alone(pk_grid *grid, const char *path, uint64_t offset, bool writing, char *why,
                          size_t why_size)
{
    pk_grid_private *p = grid->p;
    int rc = PK_OK;
    int fd = open(path, writing ? O_WRONLY : O_RDONLY);
    if (fd < 0) {
        snprintf(why, why_size, "cannot open %s: %s", path, strerror(errno));
        return PK_EIO;
    }
    const size_t bytes = grid->cols * sizeof(double);
    for (size_t r = 0; r < grid->rows && rc == PK_OK; r++) {
        const off_t at = (off_t)(offset + ((grid->y0 + r) * grid->nx + grid->x0) * sizeof(double));
        double *row = inner(grid, p->cur, (ptrdiff_t)r, 0);
        ssize_t done = writing ? pwrite(fd, row, bytes, at) : pread(fd, row, bytes, at);
        if (done != (ssize_t)bytes) {
            snprintf(why, why_size, "cannot %s %s: %s", writing ? "write" : "read", path,
                     done < 0 ? strerror(errno) : "the file is shorter than the grid");
            rc = PK_EIO;
        }
    }
    if (writing && rc == PK_OK && fsync(fd) != 0) {
        snprintf(why, why_size, "cannot write %s: %s", path, strerror(errno));
        rc = PK_EIO;
    }
    if (close(fd) != 0 && rc == PK_OK) {
        snprintf(why, why_size, "cannot close %s: %s", path, strerror(errno));
        rc = PK_EIO;
    }
    return rc;
}

static int transfer(pk_grid *grid, const char *path, uint64_t offset, bool writing, char *why, size_t why_size)
{
    int rc = PK_OK;
#if PK_HAVE_MPI
    pk_grid_private *p = grid->p;
    if (p->mpi) {
        MPI_File file;
        int mpi_rc = MPI_File_open(MPI_COMM_WORLD, path, writing ? MPI_MODE_WRONLY : MPI_MODE_RDONLY,
                                   MPI_INFO_NULL, &file);
        if (mpi_rc != MPI_SUCCESS) {
            io_error(mpi_rc, "open", path, why, why_size);
            rc = PK_EIO;
        } else {
            mpi_rc = MPI_File_set_view(file, (MPI_Offset)offset, MPI_DOUBLE, p->in_file, "native", MPI_INFO_NULL);
            if (mpi_rc == MPI_SUCCESS)
                mpi_rc = writing ? MPI_File_write_all(file, p->cur, 1, p->tile, MPI_STATUS_IGNORE)
                                 : MPI_File_read_all(file, p->cur, 1, p->tile, MPI_STATUS_IGNORE);
            if (mpi_rc == MPI_SUCCESS && writing)
                mpi_rc = MPI_File_sync(file);
            if (mpi_rc != MPI_SUCCESS)
                io_error(mpi_rc, writing ? "write" : "read", path, why, why_size);
            int close_rc = MPI_File_close(&file);
            if (mpi_rc == MPI_SUCCESS && close_rc != MPI_SUCCESS)
                io_error(mpi_rc = close_rc, "close", path, why, why_size);
            rc = mpi_rc == MPI_SUCCESS ? PK_OK : PK_EIO;
        }
    } else
#endif
    {
        rc = transfer_alone(grid, path, offset, writing, why, why_size);
    }
    /* Every rank leaves with the worst outcome, in the words of the
     * lowest rank that failed. */
    int sayer = pk_grid_lowest_rank_with(rc != PK_OK);
    if (sayer < 0)
        return PK_OK;
    pk_comm_broadcast(why, why_size, sayer);
    return PK_EIO;
}

int pk_grid_save(pk_grid *grid, const char *path, const void *header, size_t header_size, char *why,
                 size_t why_size)
{
    const double start = pk_clock_seconds();
    char temporary[PATH_MAX + 32] = "";
    int rc = PK_OK;
    if (pk_comm_rank() == 0) {
        /* Beside PATH, so the rename stays on one file system. */
        const char *slash = strrchr(path, '/');
        int dir_len = slash != NULL ? (int)(slash - path + 1) : 0;
        if (snprintf(temporary, sizeof temporary, "%.*s.%s.XXXXXX", dir_len, path, path + dir_len) >=
            (int)sizeof temporary) {
            snprintf(why, why_size, "cannot write %s: the name is too long", path);
            rc = PK_EIO;
        }
        int fd = rc == PK_OK ? mkstemp(temporary) : -1;
        if (rc == PK_OK && fd < 0) {
            snprintf(why, why_size, "cannot write %s: %s", path, strerror(errno));
            rc = PK_EIO;
        } else if (fd >= 0) {
            const uint64_t size = header_size + grid->nx * grid->ny * sizeof(double);
            if (pwrite(fd, header, header_size, 0) != (ssize_t)header_size || ftruncate(fd, (off_t)size) != 0) {
                snprintf(why, why_size, "cannot write %s: %s", path, strerror(errno ? errno : ENOSPC));
                rc = PK_EIO;
            }
            mode_t mask = umask(0); /* mkstemp makes the file 0600; give it the usual mode */
            umask(mask);
            if (fchmod(fd, 0666 & ~mask) != 0 && rc == PK_OK) {
                snprintf(why, why_size, "cannot write %s: %s", path, strerror(errno));
                rc = PK_EIO;
            }
            if (close(fd) != 0 && rc == PK_OK) {
                snprintf(why, why_size, "cannot write %s: %s", path, strerror(errno));
                rc = PK_EIO;
            }
            if (rc != PK_OK)
                unlink(temporary);
        }
    }
    pk_comm_broadcast(&rc, sizeof rc, 0);
    if (rc != PK_OK) {
        pk_comm_broadcast(why, why_size, 0);
        grid->stats.io_seconds += pk_clock_seconds() - start;
        return rc;
    }
    pk_comm_broadcast(temporary, sizeof temporary, 0);
    rc = transfer(grid, temporary, header_size, true, why, why_size);
    if (pk_comm_rank() == 0) {
        if (rc == PK_OK && rename(temporary, path) != 0) {
            snprintf(why, why_size, "cannot rename %s to %s: %s", temporary, path, strerror(errno));
            rc = PK_EIO;
        }
        if (rc != PK_OK)
            unlink(temporary);
    }
    pk_comm_broadcast(&rc, sizeof rc, 0);
    if (rc != PK_OK)
        pk_comm_broadcast(why, why_size, 0);
    grid->stats.io_seconds += pk_clock_seconds() - start;
    return rc;
}

int pk_grid_read_header(const char *path, void *header, size_t header_size, uint64_t *file_size, char *why,
                        size_t why_size)
{
    int rc = PK_OK;
    uint64_t size = 0;
    if (pk_comm_rank() == 0) {
        int fd = open(path, O_RDONLY);
        struct stat st;
        if (fd < 0) {
            rc = errno == ENOENT ? PK_EOF : PK_EIO;
            snprintf(why, why_size, "cannot open %s: %s", path, strerror(errno));
        } else if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
            rc = PK_EIO;
            snprintf(why, why_size, "cannot read %s: not a regular file", path);
        } else {
            size = (uint64_t)st.st_size;
            memset(header, 0, header_size);
            ssize_t got = pread(fd, header, header_size, 0);
            if (got < 0) {
                rc = PK_EIO;
                snprintf(why, why_size, "cannot read %s: %s", path, strerror(errno));
            }
        }
        if (fd >= 0)
            close(fd);
    }
    pk_comm_broadcast(&rc, sizeof rc, 0);
    if (rc != PK_OK) {
        pk_comm_broadcast(why, why_size, 0);
        return rc;
    }
    pk_comm_broadcast(header, header_size, 0);
    pk_comm_broadcast(&size, sizeof size, 0);
    *file_size = size;
    return PK_OK;
}

int pk_grid_load(pk_grid *grid, const char *path, uint64_t offset, char *why, size_t why_size)
{
    const double start = pk_clock_seconds();
    int rc = transfer(grid, path, offset, false, why, why_size);
    grid->stats.io_seconds += pk_clock_seconds() - start;
    return rc;
}
