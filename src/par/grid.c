/*
 * The grid layer (parkit/grid.h): the decomposition into tiles, the halo
 * exchange, the threads' sweep of a tile, the ranks' agreement on when to
 * look, save or stop, and the field's collective file I/O.
 *
 * A tile is stored with its halo, H cells deep (1, or K with --time-block
 * K): ROWS + 2H rows of STRIDE = COLS + 2H doubles, cell (r, c) of the tile
 * at [(r + H) * STRIDE + c + H] (inner() below).  Two
 * copies, swapped after every step.  Rows of the halo that lie on the
 * grid's edge hold the fixed frame; the others are refilled by the
 * exchange before each step.  Corners are never read (five-point stencil).
 *
 * Behind the wall around MPI with comm.c (par/comm_internal.h): every MPI
 * call is checked, and each has a serial branch (one tile, no exchange).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "core/clock.h"
#include "par/comm_internal.h"
#include "par/grid_internal.h"
#include "parkit/comm.h"
#include "parkit/grid.h"
#include "parkit/status.h"

static const char *const halo_names[] = {
    [PK_HALO_SENDRECV] = "sendrecv",
    [PK_HALO_NONBLOCKING] = "nonblocking",
    [PK_HALO_NEIGHBOR] = "neighbor",
};

int pk_halo_parse(const char *text, pk_halo_mode *mode)
{
    for (int m = PK_HALO_SENDRECV; m <= PK_HALO_NEIGHBOR; m++)
        if (strcmp(text, halo_names[m]) == 0) {
            *mode = (pk_halo_mode)m;
            return PK_OK;
        }
    return PK_EINVAL;
}

const char *pk_halo_name(pk_halo_mode mode)
{
    return (unsigned)mode <= PK_HALO_NEIGHBOR ? halo_names[mode] : "?";
}

/* ---- the decomposition --------------------------------------------------- */

/* The memory this host has free for new pages (MemAvailable), in bytes;
 * 0 when unknown. */
static uint64_t memory_available(void)
{
    FILE *meminfo = fopen("/proc/meminfo", "r");
    unsigned long long kib = 0;
    if (meminfo != NULL) {
        char line[256];
        while (fgets(line, sizeof line, meminfo) != NULL)
            if (sscanf(line, "MemAvailable: %llu kB", &kib) == 1)
                break;
        fclose(meminfo);
    }
    if (kib > 0)
        return (uint64_t)kib * 1024;
    long pages = sysconf(_SC_AVPHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    return pages > 0 && page > 0 ? (uint64_t)pages * (uint64_t)page : 0;
}

/* Tiles across and down for SIZE ranks: as asked, or as MPI_Dims_create
 * balances them, with more cuts along the longer side.  PK_OK or
 * PK_EINVAL with WHY. */
static int choose_tiles(const pk_grid_options *options, int size, int dims[2], char *why, size_t why_size)
{
    const int across = options->ranks_x, down = options->ranks_y;
    if (across > 0 && down > 0 && (long)across * down != size) {
        snprintf(why, why_size, "%dx%d tiles need %ld ranks, but there are %d", across, down, (long)across * down,
                 size);
        return PK_EINVAL;
    }
    if ((across > 0 && size % across != 0) || (down > 0 && size % down != 0)) {
        snprintf(why, why_size, "%d ranks cannot be cut into %d tiles %s", size, across > 0 ? across : down,
                 across > 0 ? "across" : "down");
        return PK_EINVAL;
    }
    dims[0] = down, dims[1] = across; /* MPI's order: rows (y), then columns (x) */
#if PK_HAVE_MPI
    if (pk_comm_mpi_running())
        CHECKED(MPI_Dims_create(size, 2, dims));
    else
        dims[0] = dims[1] = 1;
    /* MPI puts the larger count first (down): for a grid wider than high,
     * cut it more across, so tiles stay square and halos short. */
    if (across == 0 && down == 0 && options->nx > options->ny && dims[0] > dims[1]) {
        int swap = dims[0];
        dims[0] = dims[1], dims[1] = swap;
    }
#else
    dims[0] = dims[1] = 1;
#endif
    if ((uint64_t)dims[1] > options->nx || (uint64_t)dims[0] > options->ny) {
        snprintf(why, why_size,
                 "%d x %d tiles (across x down) on a %llu x %llu grid: a tile would be less than one cell %s, "
                 "smaller than its halo (use fewer ranks, or --ranks-grid)",
                 dims[1], dims[0], (unsigned long long)options->nx, (unsigned long long)options->ny,
                 (uint64_t)dims[1] > options->nx ? "wide" : "high");
        return PK_EINVAL;
    }
    return PK_OK;
}

void pk_grid_block(uint64_t n, int parts, int index, uint64_t *start, size_t *size)
{
    const uint64_t base = n / (uint64_t)parts, extra = n % (uint64_t)parts, i = (uint64_t)index;
    *start = i * base + (i < extra ? i : extra);
    *size = (size_t)(base + (i < extra));
}

#if PK_HAVE_MPI
/* The datatypes of the halo exchange and of the field file. */
static void make_types(pk_grid *grid)
{
    pk_grid_private *p = grid->p;
    CHECKED(MPI_Type_contiguous((int)grid->cols, MPI_DOUBLE, &p->row));
    CHECKED(MPI_Type_vector((int)grid->rows, 1, (int)p->stride, MPI_DOUBLE, &p->column));
    const int h = (int)p->halo;
    CHECKED(MPI_Type_vector(h, (int)p->stride, (int)p->stride, MPI_DOUBLE, &p->rows_deep));
    CHECKED(MPI_Type_vector((int)grid->rows, h, (int)p->stride, MPI_DOUBLE, &p->columns_deep));
    const int memory[2] = {(int)grid->rows + 2 * h, (int)p->stride}, mine[2] = {(int)grid->rows, (int)grid->cols},
              inside[2] = {h, h};
    CHECKED(MPI_Type_create_subarray(2, memory, mine, inside, MPI_ORDER_C, MPI_DOUBLE, &p->tile));
    const int whole[2] = {(int)grid->ny, (int)grid->nx}, at[2] = {(int)grid->y0, (int)grid->x0};
    CHECKED(MPI_Type_create_subarray(2, whole, mine, at, MPI_ORDER_C, MPI_DOUBLE, &p->in_file));
    MPI_Datatype *types[] = {&p->row, &p->column, &p->rows_deep, &p->columns_deep, &p->tile, &p->in_file};
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
        CHECKED(MPI_Type_commit(types[i]));
}
#endif

/* A cache block of the tile: BLOCK_ROWS x BLOCK_COLS cells, with its K-deep
 * rim two copies of at most (64 + 2K) x (256 + 2K) doubles: within a
 * core's L2 for K up to 8. */
enum { BLOCK_ROWS = 64, BLOCK_COLS = 256 };

/* Each thread's two scratch blocks, for --time-block (pk_grid_create).
 * PK_OK or PK_ENOMEM. */
static int make_scratch(pk_grid *grid)
{
    pk_grid_private *p = grid->p;
    const size_t k = p->halo, bytes = (BLOCK_ROWS + 2 * k) * (BLOCK_COLS + 2 * k) * sizeof(double);
    for (int t = 0; t < grid->threads && t < PK_BUSY_THREADS; t++)
        for (int i = 0; i < 2; i++)
            if (posix_memalign((void **)&p->scratch[t][i], 64, bytes) != 0) {
                p->scratch[t][i] = NULL;
                return PK_ENOMEM;
            }
    return PK_OK;
}

uint64_t pk_grid_bytes_per_rank(const pk_grid *grid)
{
    uint64_t cells, bytes;
    /* Saturated: a tile too large to count is too large to hold. */
    const uint64_t h = grid->p != NULL ? grid->p->halo : 1;
    if (__builtin_mul_overflow((uint64_t)grid->rows + 2 * h, (uint64_t)grid->cols + 2 * h, &cells) ||
        __builtin_mul_overflow(cells, 2 * sizeof(double), &bytes))
        return UINT64_MAX;
    return bytes;
}

int pk_grid_lowest_rank_with(bool condition)
{
    double lowest = -(double)(condition ? pk_comm_rank() : pk_comm_size());
    pk_comm_max_double(&lowest, 1); /* the largest negation: the lowest rank */
    return (int)-lowest < pk_comm_size() ? (int)-lowest : -1;
}

/* Is there room for every tile of this host's ranks?  PK_OK or PK_ERANGE
 * with WHY; the same on every rank. */
static int check_memory(const pk_grid *grid, char *why, size_t why_size)
{
    uint64_t need[2] = {pk_grid_bytes_per_rank(grid), 0}; /* this host's ranks; the whole grid's */
    uint64_t available = memory_available();
    need[1] = need[0];
#if PK_HAVE_MPI
    if (pk_comm_size() > 1) {
        MPI_Comm host;
        CHECKED(MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &host));
        TIMED(MPI_Allreduce(MPI_IN_PLACE, &need[0], 1, MPI_UINT64_T, MPI_SUM, host));
        CHECKED(MPI_Comm_free(&host));
        pk_comm_sum_u64(&need[1], 1);
    }
#endif
    /* Both copies of the tiles, against what the host can give (a tenth
     * left for everything else); the lowest rank short of it gives its
     * host's figures to every rank. */
    const bool short_of_memory = available > 0 && need[0] > available / 10 * 9;
    uint64_t worst[3] = {short_of_memory, need[0], available};
    int sayer = pk_grid_lowest_rank_with(short_of_memory);
    if (sayer < 0)
        return PK_OK;
    pk_comm_broadcast(worst, sizeof worst, sayer);
    snprintf(why, why_size,
             "the grid needs %.2f GiB (two copies of %llu x %llu doubles with halos), %.2f GiB of it on one host, "
             "which has %.2f GiB available",
             need[1] / 1073741824.0, (unsigned long long)grid->nx, (unsigned long long)grid->ny,
             worst[1] / 1073741824.0, worst[2] / 1073741824.0);
    return PK_ERANGE;
}

int pk_grid_create(pk_grid *grid, const pk_grid_options *options, char *why, size_t why_size)
{
    *grid = (pk_grid){.nx = options->nx, .ny = options->ny, .halo = options->halo,
                      .threads = options->threads > 0 ? options->threads : 1};
    if (options->nx == 0 || options->ny == 0 || options->nx > PK_GRID_MAX_SIDE || options->ny > PK_GRID_MAX_SIDE) {
        snprintf(why, why_size, "a grid side must be from 1 to %d cells", PK_GRID_MAX_SIDE);
        return PK_EINVAL;
    }
    int dims[2];
    int rc = choose_tiles(options, pk_comm_size(), dims, why, why_size);
    if (rc != PK_OK)
        return rc;
    grid->ranks_y = dims[0], grid->ranks_x = dims[1];
    grid->p = calloc(1, sizeof *grid->p);
    if (grid->p == NULL) {
        snprintf(why, why_size, "out of memory");
        return pk_comm_agree(PK_ENOMEM);
    }
    pk_grid_private *p = grid->p;
    p->up = p->down = p->left = p->right = PK_COMM_NOBODY;
    p->mpi = pk_comm_mpi_running();
#if PK_HAVE_MPI
    if (p->mpi) {
        const int periods[2] = {0, 0};
        int coords[2];
        /* No reordering: rank 0 of the grid is rank 0 of the world. */
        CHECKED(MPI_Cart_create(MPI_COMM_WORLD, 2, dims, periods, 0, &p->cart));
        CHECKED(MPI_Cart_coords(p->cart, pk_comm_rank(), 2, coords));
        CHECKED(MPI_Cart_shift(p->cart, 0, 1, &p->up, &p->down));
        CHECKED(MPI_Cart_shift(p->cart, 1, 1, &p->left, &p->right));
        int *neighbours[] = {&p->up, &p->down, &p->left, &p->right};
        for (size_t i = 0; i < 4; i++)
            if (*neighbours[i] == MPI_PROC_NULL)
                *neighbours[i] = PK_COMM_NOBODY;
        grid->rank_y = coords[0], grid->rank_x = coords[1];
    }
#endif
    pk_grid_block(grid->ny, grid->ranks_y, grid->rank_y, &grid->y0, &grid->rows);
    pk_grid_block(grid->nx, grid->ranks_x, grid->rank_x, &grid->x0, &grid->cols);
    if (options->time_block > PK_GRID_MAX_TIME_BLOCK) {
        snprintf(why, why_size, "--time-block %d: at most %d steps at a time", options->time_block,
                 PK_GRID_MAX_TIME_BLOCK);
        pk_grid_destroy(grid);
        return PK_EINVAL;
    }
    p->halo = options->time_block > 1 ? (size_t)options->time_block : 1;
    p->stride = grid->cols + 2 * p->halo;
    grid->time_block = options->time_block > 1 ? options->time_block : 1;
    /* Halos come from the next tile only: a tile must be at least as deep as its halo. */
    if ((grid->ranks_y > 1 && grid->ny / (uint64_t)grid->ranks_y < p->halo) ||
        (grid->ranks_x > 1 && grid->nx / (uint64_t)grid->ranks_x < p->halo)) {
        snprintf(why, why_size,
                 "%d x %d tiles of a %llu x %llu grid are thinner than --time-block %zu's halo (%zu cells): use a "
                 "smaller --time-block or fewer ranks",
                 grid->ranks_x, grid->ranks_y, (unsigned long long)grid->nx, (unsigned long long)grid->ny, p->halo,
                 p->halo);
        pk_grid_destroy(grid);
        return PK_EINVAL;
    }
#if PK_HAVE_MPI
    if (p->mpi)
        make_types(grid);
#endif
    rc = check_memory(grid, why, why_size);
    if (rc != PK_OK) {
        pk_grid_destroy(grid);
        return rc;
    }
    /* Untouched pages: each thread's first write (pk_grid_fill) places its rows. */
    const size_t bytes = (grid->rows + 2 * p->halo) * p->stride * sizeof(double);
    if (posix_memalign((void **)&p->cur, 64, bytes) != 0)
        p->cur = NULL;
    if (posix_memalign((void **)&p->next, 64, bytes) != 0)
        p->next = NULL;
    rc = p->cur != NULL && p->next != NULL ? PK_OK : PK_ENOMEM;
    if (rc == PK_OK && p->halo > 1)
        rc = make_scratch(grid);
    rc = pk_comm_agree(rc);
    if (rc != PK_OK) {
        snprintf(why, why_size, "out of memory for a tile of %zu x %zu cells (%.2f GiB)", grid->cols, grid->rows,
                 2.0 * (double)bytes / 1073741824.0);
        pk_grid_destroy(grid);
    }
    return rc;
}

void pk_grid_destroy(pk_grid *grid)
{
    pk_grid_private *p = grid->p;
    if (p == NULL)
        return;
    free(p->cur);
    free(p->next);
    for (int t = 0; t < PK_BUSY_THREADS; t++)
        free(p->scratch[t][0]), free(p->scratch[t][1]);
#if PK_HAVE_MPI
    if (p->mpi) {
        MPI_Datatype *types[] = {&p->row, &p->column, &p->rows_deep, &p->columns_deep, &p->tile, &p->in_file};
        for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
            if (*types[i] != MPI_DATATYPE_NULL)
                MPI_Type_free(types[i]);
        MPI_Comm_free(&p->cart);
    }
#endif
    free(p);
    grid->p = NULL;
}

/* ---- the threads' share of a tile ------------------------------------------ */

static int thread_count(const pk_grid *grid)
{
#ifdef _OPENMP
    return grid->threads;
#else
    (void)grid;
    return 1;
#endif
}

static int thread_number(void)
{
#ifdef _OPENMP
    return omp_get_thread_num();
#else
    return 0;
#endif
}

/* Thread T of N's rows among COUNT rows from FIRST: [*from, *to). */
static void thread_rows(size_t first, size_t count, int t, int n, size_t *from, size_t *to)
{
    *from = first + count * (size_t)t / (size_t)n;
    *to = first + count * (size_t)(t + 1) / (size_t)n;
}

void pk_grid_fill(pk_grid *grid, pk_grid_fill_fn fill, void *ctx)
{
    pk_grid_private *p = grid->p;
    const int n = thread_count(grid);
#pragma omp parallel num_threads(n)
    {
        const int t = thread_number();
        size_t from, to;
        /* The rows this thread sweeps, and the halo rows for the first and last. */
        const size_t h = p->halo;
        thread_rows(h, grid->rows, t, n, &from, &to);
        if (t == 0)
            from = 0;
        if (t == n - 1)
            to = grid->rows + 2 * h;
        for (size_t r = from; r < to; r++) {
            const int64_t gy = (int64_t)grid->y0 + (int64_t)r - (int64_t)h, gx = (int64_t)grid->x0 - (int64_t)h;
            fill(ctx, cell(grid, p->cur, r, 0), gy, gx, p->stride);
            fill(ctx, cell(grid, p->next, r, 0), gy, gx, p->stride);
        }
    }
}

/* The halo exchange's requests, advanced now and then by the thread that
 * may call MPI while the others sweep. */
static void halo_progress(pk_grid *grid)
{
#if PK_HAVE_MPI
    pk_grid_private *p = grid->p;
    if (p->pending > 0) {
        int done = 0;
        CHECKED(MPI_Testall(p->pending, p->requests, &done, MPI_STATUSES_IGNORE));
        if (done)
            p->pending = 0;
    }
#else
    (void)grid;
#endif
}

/* SWEEP over ROWS x COLS cells from tile cell (ROW0, COL0), the rows shared
 * by the threads; thread 0 lets the halos move along between blocks
 * (PROGRESS).  The largest change when CHANGE. */
static double sweep_threads(pk_grid *grid, pk_grid_sweep_fn sweep, void *ctx, size_t row0, size_t rows,
                            size_t col0, size_t cols, bool change, bool progress)
{
    if (rows == 0 || cols == 0)
        return 0;
    pk_grid_private *p = grid->p;
    const double *in = p->cur;
    double *out = p->next;
    const size_t stride = p->stride;
    const int n = thread_count(grid);
    double biggest = 0;
#pragma omp parallel num_threads(n) if (n > 1) reduction(max : biggest)
    {
        const int t = thread_number();
        const double start = pk_clock_seconds();
        size_t from, to;
        thread_rows(row0 + p->halo, rows, t, n, &from, &to);
        /* Thread 0 alone may call MPI: it sweeps its rows in a few pieces
         * and lets the exchange advance in between. */
        const size_t piece = progress && t == 0 ? (to - from + 7) / 8 : to - from;
        for (size_t r = from; r < to; r += piece) {
            const size_t count = to - r < piece ? to - r : piece;
            double c = sweep(ctx, in + r * stride + col0 + p->halo, out + r * stride + col0 + p->halo, stride, count,
                             cols, change);
            if (change && c > biggest)
                biggest = c;
            if (progress && t == 0)
                halo_progress(grid);
        }
        if (t < PK_BUSY_THREADS)
            grid->stats.thread_busy[t] += pk_clock_seconds() - start;
    }
    return biggest;
}

/* ---- the halo exchange --------------------------------------------------- */

#if PK_HAVE_MPI
/* Bytes and messages this rank sends in one exchange. */
static void count_halo(pk_grid *grid)
{
    const pk_grid_private *p = grid->p;
    const int rows_sent = (p->up != PK_COMM_NOBODY) + (p->down != PK_COMM_NOBODY);
    const int columns_sent = (p->left != PK_COMM_NOBODY) + (p->right != PK_COMM_NOBODY);
    const uint64_t h = p->halo, row_cells = h == 1 ? grid->cols : h * p->stride;
    grid->stats.halo_messages += (uint64_t)(rows_sent + columns_sent);
    grid->stats.halo_bytes += ((uint64_t)rows_sent * row_cells + (uint64_t)columns_sent * h * grid->rows) * sizeof(double);
    grid->stats.exchanges++;
}

static int mpi_rank_of(int neighbour)
{
    return neighbour == PK_COMM_NOBODY ? MPI_PROC_NULL : neighbour;
}

/* Where the edges go and the halos come from in U: the first and last
 * rows and columns, and the halo rows and columns. */
typedef struct halo_places {
    double *first_row, *last_row, *top, *bottom, *first_col, *last_col, *left, *right;
} halo_places;

static halo_places places(const pk_grid *grid, double *u)
{
    const size_t r = grid->rows, c = grid->cols;
    return (halo_places){
        .first_row = inner(grid, u, 0, 0), .last_row = inner(grid, u, (ptrdiff_t)r - 1, 0),
        .top = inner(grid, u, -1, 0),      .bottom = inner(grid, u, (ptrdiff_t)r, 0),
        .first_col = inner(grid, u, 0, 0), .last_col = inner(grid, u, 0, (ptrdiff_t)c - 1),
        .left = inner(grid, u, 0, -1),     .right = inner(grid, u, 0, (ptrdiff_t)c),
    };
}

static void exchange_blocking(pk_grid *grid, double *u)
{
    pk_grid_private *p = grid->p;
    const halo_places h = places(grid, u);
    const int up = mpi_rank_of(p->up), down = mpi_rank_of(p->down), left = mpi_rank_of(p->left),
              right = mpi_rank_of(p->right);
    /* Shift up, then down, then left, then right: every rank sends and
     * receives in the same call, so a row of ranks cannot deadlock. */
    CHECKED(MPI_Sendrecv(h.first_row, 1, p->row, up, TAG_UP, h.bottom, 1, p->row, down, TAG_UP, p->cart,
                         MPI_STATUS_IGNORE));
    CHECKED(MPI_Sendrecv(h.last_row, 1, p->row, down, TAG_DOWN, h.top, 1, p->row, up, TAG_DOWN, p->cart,
                         MPI_STATUS_IGNORE));
    CHECKED(MPI_Sendrecv(h.first_col, 1, p->column, left, TAG_LEFT, h.right, 1, p->column, right, TAG_LEFT, p->cart,
                         MPI_STATUS_IGNORE));
    CHECKED(MPI_Sendrecv(h.last_col, 1, p->column, right, TAG_RIGHT, h.left, 1, p->column, left, TAG_RIGHT, p->cart,
                         MPI_STATUS_IGNORE));
}

static void exchange_post(pk_grid *grid, double *u)
{
    pk_grid_private *p = grid->p;
    const halo_places h = places(grid, u);
    const int up = mpi_rank_of(p->up), down = mpi_rank_of(p->down), left = mpi_rank_of(p->left),
              right = mpi_rank_of(p->right);
    MPI_Request *q = p->requests;
    CHECKED(MPI_Irecv(h.bottom, 1, p->row, down, TAG_UP, p->cart, &q[0]));
    CHECKED(MPI_Irecv(h.top, 1, p->row, up, TAG_DOWN, p->cart, &q[1]));
    CHECKED(MPI_Irecv(h.right, 1, p->column, right, TAG_LEFT, p->cart, &q[2]));
    CHECKED(MPI_Irecv(h.left, 1, p->column, left, TAG_RIGHT, p->cart, &q[3]));
    CHECKED(MPI_Isend(h.first_row, 1, p->row, up, TAG_UP, p->cart, &q[4]));
    CHECKED(MPI_Isend(h.last_row, 1, p->row, down, TAG_DOWN, p->cart, &q[5]));
    CHECKED(MPI_Isend(h.first_col, 1, p->column, left, TAG_LEFT, p->cart, &q[6]));
    CHECKED(MPI_Isend(h.last_col, 1, p->column, right, TAG_RIGHT, p->cart, &q[7]));
    p->pending = 8;
}

static void exchange_wait(pk_grid *grid)
{
    pk_grid_private *p = grid->p;
    if (p->pending > 0)
        CHECKED(MPI_Waitall(p->pending, p->requests, MPI_STATUSES_IGNORE));
    p->pending = 0;
}

static void exchange_neighbor(pk_grid *grid, double *u)
{
    pk_grid_private *p = grid->p;
    const halo_places h = places(grid, u);
    /* A Cartesian topology's neighbours, in MPI's order: down the first
     * dimension (up, then down), then the second (left, then right). */
    const int counts[4] = {1, 1, 1, 1};
    MPI_Datatype types[4] = {p->row, p->row, p->column, p->column};
    const char *base = (const char *)u;
    const MPI_Aint sent[4] = {(const char *)h.first_row - base, (const char *)h.last_row - base,
                              (const char *)h.first_col - base, (const char *)h.last_col - base};
    const MPI_Aint received[4] = {(const char *)h.top - base, (const char *)h.bottom - base,
                                  (const char *)h.left - base, (const char *)h.right - base};
    CHECKED(MPI_Neighbor_alltoallw(u, counts, sent, types, u, counts, received, types, p->cart));
}

/* Halos H > 1 cells deep (--time-block): first the columns, then whole
 * rows, halo columns included, so the corners' cells (which K steps of a
 * five-point stencil reach) come from the diagonal neighbour through the
 * one beside.  Two phases, each in the chosen mode's own calls. */
static void exchange_deep(pk_grid *grid, double *u)
{
    pk_grid_private *p = grid->p;
    const ptrdiff_t h = (ptrdiff_t)p->halo, r = (ptrdiff_t)grid->rows, c = (ptrdiff_t)grid->cols;
    const int up = mpi_rank_of(p->up), down = mpi_rank_of(p->down), left = mpi_rank_of(p->left),
              right = mpi_rank_of(p->right);
    /* Phase 1: H columns each way; phase 2: H full rows each way. */
    struct {
        double *send_first, *send_last, *into_first, *into_last;
        MPI_Datatype type;
        int before, after, tag;
    } phases[2] = {
        {inner(grid, u, 0, 0), inner(grid, u, 0, c - h), inner(grid, u, 0, -h), inner(grid, u, 0, c), p->columns_deep,
         left, right, TAG_LEFT},
        {inner(grid, u, 0, -h), inner(grid, u, r - h, -h), inner(grid, u, -h, -h), inner(grid, u, r, -h),
         p->rows_deep, up, down, TAG_UP},
    };
    for (int i = 0; i < 2; i++) {
        if (grid->halo == PK_HALO_NEIGHBOR) {
            /* The other dimension's neighbours take part with nothing. */
            const int counts[4] = {i == 1, i == 1, i == 0, i == 0};
            MPI_Datatype types[4] = {phases[i].type, phases[i].type, phases[i].type, phases[i].type};
            const char *base = (const char *)u;
            const MPI_Aint sent[4] = {(const char *)phases[i].send_first - base, (const char *)phases[i].send_last - base,
                                      (const char *)phases[i].send_first - base, (const char *)phases[i].send_last - base};
            const MPI_Aint got[4] = {(const char *)phases[i].into_first - base, (const char *)phases[i].into_last - base,
                                     (const char *)phases[i].into_first - base, (const char *)phases[i].into_last - base};
            CHECKED(MPI_Neighbor_alltoallw(u, counts, sent, types, u, counts, got, types, p->cart));
        } else if (grid->halo == PK_HALO_NONBLOCKING) {
            MPI_Request q[4];
            CHECKED(MPI_Irecv(phases[i].into_last, 1, phases[i].type, phases[i].after, phases[i].tag, p->cart, &q[0]));
            CHECKED(MPI_Irecv(phases[i].into_first, 1, phases[i].type, phases[i].before, phases[i].tag + 1, p->cart,
                              &q[1]));
            CHECKED(MPI_Isend(phases[i].send_first, 1, phases[i].type, phases[i].before, phases[i].tag, p->cart, &q[2]));
            CHECKED(MPI_Isend(phases[i].send_last, 1, phases[i].type, phases[i].after, phases[i].tag + 1, p->cart,
                              &q[3]));
            CHECKED(MPI_Waitall(4, q, MPI_STATUSES_IGNORE));
        } else {
            CHECKED(MPI_Sendrecv(phases[i].send_first, 1, phases[i].type, phases[i].before, phases[i].tag,
                                 phases[i].into_last, 1, phases[i].type, phases[i].after, phases[i].tag, p->cart,
                                 MPI_STATUS_IGNORE));
            CHECKED(MPI_Sendrecv(phases[i].send_last, 1, phases[i].type, phases[i].after, phases[i].tag + 1,
                                 phases[i].into_first, 1, phases[i].type, phases[i].before, phases[i].tag + 1,
                                 p->cart, MPI_STATUS_IGNORE));
        }
    }
}
#endif

/* Does this tile have a neighbour to trade with? */
static bool has_neighbours(const pk_grid *grid)
{
    const pk_grid_private *p = grid->p;
    return p->up != PK_COMM_NOBODY || p->down != PK_COMM_NOBODY || p->left != PK_COMM_NOBODY ||
           p->right != PK_COMM_NOBODY;
}

/* Open MPI sends messages up to a few KiB at once (eagerly); larger ones
 * wait for the receiver (rendezvous). */
#define EAGER_BYTES 16384

/* One step: halos in, every cell swept into the other copy, copies
 * swapped.  The largest change when CHANGE. */
static double step(pk_grid *grid, pk_grid_sweep_fn sweep, void *ctx, bool change)
{
    pk_grid_private *p = grid->p;
    pk_grid_stats *stats = &grid->stats;
    const size_t rows = grid->rows, cols = grid->cols;
    double biggest;
    double start = pk_clock_seconds();
    if (!has_neighbours(grid)) {
        biggest = sweep_threads(grid, sweep, ctx, 0, rows, 0, cols, change, false);
        stats->compute_seconds += pk_clock_seconds() - start;
    } else if (grid->halo == PK_HALO_NONBLOCKING) {
#if PK_HAVE_MPI
        exchange_post(grid, p->cur);
        count_halo(grid);
        double posted = pk_clock_seconds();
        /* The inside needs no halo: swept while the halos travel.  Messages
         * past the eager limit move only while their sender and receiver
         * are inside MPI: thread 0 then calls in now and then. */
        const bool large = (rows > cols ? rows : cols) * sizeof(double) > EAGER_BYTES;
        biggest = rows > 2 && cols > 2 ? sweep_threads(grid, sweep, ctx, 1, rows - 2, 1, cols - 2, change, large) : 0;
        double swept = pk_clock_seconds();
        exchange_wait(grid);
        double arrived = pk_clock_seconds();
        /* Then the edges: the first and last rows, the first and last columns between them. */
        double edge = sweep_threads(grid, sweep, ctx, 0, 1, 0, cols, change, false);
        biggest = edge > biggest ? edge : biggest;
        if (rows > 1) {
            edge = sweep_threads(grid, sweep, ctx, rows - 1, 1, 0, cols, change, false);
            biggest = edge > biggest ? edge : biggest;
        }
        if (rows > 2) {
            edge = sweep_threads(grid, sweep, ctx, 1, rows - 2, 0, 1, change, false);
            biggest = edge > biggest ? edge : biggest;
            if (cols > 1) {
                edge = sweep_threads(grid, sweep, ctx, 1, rows - 2, cols - 1, 1, change, false);
                biggest = edge > biggest ? edge : biggest;
            }
        }
        double end = pk_clock_seconds();
        stats->halo_seconds += (posted - start) + (arrived - swept);
        stats->overlap_seconds += swept - posted;
        stats->compute_seconds += (swept - posted) + (end - arrived);
        pk_comm_add_seconds((posted - start) + (arrived - swept));
#else
        biggest = 0;
#endif
    } else {
#if PK_HAVE_MPI
        if (grid->halo == PK_HALO_NEIGHBOR)
            exchange_neighbor(grid, p->cur);
        else
            exchange_blocking(grid, p->cur);
        count_halo(grid);
#endif
        double exchanged = pk_clock_seconds();
        stats->halo_seconds += exchanged - start;
        pk_comm_add_seconds(exchanged - start);
        biggest = sweep_threads(grid, sweep, ctx, 0, rows, 0, cols, change, false);
        stats->compute_seconds += pk_clock_seconds() - exchanged;
    }
    double *swap = p->cur;
    p->cur = p->next, p->next = swap;
    grid->step++;
    stats->updates += (uint64_t)rows * cols;
    return biggest;
}

/* ---- temporal blocking ------------------------------------------------------ */

/* K steps of one block (rows R0.., cols C0.. of the tile, ROWS x COLS):
 * its cells and a rim K deep copied from the current field into scratch,
 * K steps there, each over the block and a rim one cell thinner than the
 * last (only cells inside the grid: the frame is fixed), then the block's
 * cells into the next field.  Adds the rim's updates to *REDUNDANT; the
 * largest change of the last step when CHANGE. */
static double block_steps(pk_grid *grid, double **scratch, pk_grid_sweep_fn sweep, void *ctx, size_t k, size_t r0,
                          size_t c0, size_t rows, size_t cols, bool change, uint64_t *redundant)
{
    pk_grid_private *p = grid->p;
    const ptrdiff_t rim = (ptrdiff_t)p->halo, width = (ptrdiff_t)cols + 2 * rim, height = (ptrdiff_t)rows + 2 * rim;
    /* Scratch cell (i, j) is tile cell (r0 - rim + i, c0 - rim + j). */
    /* The grid's cells, in scratch coordinates: [top, bottom) x [left, right). */
    const ptrdiff_t top = rim - (ptrdiff_t)(grid->y0 + r0), bottom = top + (ptrdiff_t)grid->ny;
    const ptrdiff_t left = rim - (ptrdiff_t)(grid->x0 + c0), right = left + (ptrdiff_t)grid->nx;
    /* Each step writes the other copy over the region it reads the next
     * step, so the second copy needs the cells no step writes only where
     * the frame comes into the scratch (the grid's edge). */
    const bool at_edge = top > 0 || left > 0 || bottom < height || right < width;
    for (ptrdiff_t i = 0; i < height; i++) {
        const double *from = inner(grid, p->cur, (ptrdiff_t)r0 - rim + i, (ptrdiff_t)c0 - rim);
        memcpy(scratch[0] + i * width, from, (size_t)width * sizeof(double));
        if (at_edge)
            memcpy(scratch[1] + i * width, from, (size_t)width * sizeof(double));
    }
    double biggest = 0;
    int now = 0;
    for (size_t s = 1; s <= k; s++) {
        const ptrdiff_t extra = (ptrdiff_t)(k - s); /* the rim still to compute at this step */
        ptrdiff_t i0 = rim - extra, i1 = rim + (ptrdiff_t)rows + extra;
        ptrdiff_t j0 = rim - extra, j1 = rim + (ptrdiff_t)cols + extra;
        i0 = i0 > top ? i0 : top, i1 = i1 < bottom ? i1 : bottom;
        j0 = j0 > left ? j0 : left, j1 = j1 < right ? j1 : right;
        double c = sweep(ctx, scratch[now] + i0 * width + j0, scratch[1 - now] + i0 * width + j0, (size_t)width,
                         (size_t)(i1 - i0), (size_t)(j1 - j0), change && s == k);
        biggest = c > biggest ? c : biggest;
        *redundant += (uint64_t)((i1 - i0) * (j1 - j0)) - (uint64_t)(rows * cols);
        now = 1 - now;
    }
    for (size_t i = 0; i < rows; i++)
        memcpy(inner(grid, p->next, (ptrdiff_t)(r0 + i), (ptrdiff_t)c0), scratch[now] + (rim + (ptrdiff_t)i) * width + rim,
               cols * sizeof(double));
    return biggest;
}

/* K steps at once (temporal blocking): one exchange of halos K deep, then
 * every block of the tile K steps ahead, the blocks shared by the threads.
 * The largest change of the K-th step when CHANGE. */
static double blocked_steps(pk_grid *grid, pk_grid_sweep_fn sweep, void *ctx, size_t k, bool change)
{
    pk_grid_private *p = grid->p;
    pk_grid_stats *stats = &grid->stats;
    const double start = pk_clock_seconds();
#if PK_HAVE_MPI
    if (has_neighbours(grid)) {
        exchange_deep(grid, p->cur);
        count_halo(grid);
    }
#endif
    const double exchanged = pk_clock_seconds();
    stats->halo_seconds += exchanged - start;
    pk_comm_add_seconds(exchanged - start);
    const size_t down = (grid->rows + BLOCK_ROWS - 1) / BLOCK_ROWS, across = (grid->cols + BLOCK_COLS - 1) / BLOCK_COLS;
    const int n = thread_count(grid);
    (void)n; /* only the OpenMP pragma reads it */
    double biggest = 0;
    uint64_t redundant = 0;
#pragma omp parallel num_threads(n) if (n > 1) reduction(max : biggest) reduction(+ : redundant)
    {
        const int t = thread_number();
        const double busy = pk_clock_seconds();
        double **scratch = p->scratch[t];
        /* Static: a thread's blocks are the rows it filled first, step after step. */
#pragma omp for schedule(static)
        for (size_t b = 0; b < down * across; b++) {
            const size_t r0 = b / across * BLOCK_ROWS, c0 = b % across * BLOCK_COLS;
            const size_t rows = grid->rows - r0 < BLOCK_ROWS ? grid->rows - r0 : BLOCK_ROWS;
            const size_t cols = grid->cols - c0 < BLOCK_COLS ? grid->cols - c0 : BLOCK_COLS;
            double c = block_steps(grid, scratch, sweep, ctx, k, r0, c0, rows, cols, change, &redundant);
            biggest = c > biggest ? c : biggest;
        }
        if (t < PK_BUSY_THREADS)
            stats->thread_busy[t] += pk_clock_seconds() - busy;
    }
    stats->compute_seconds += pk_clock_seconds() - exchanged;
    stats->redundant_updates += redundant;
    stats->updates += (uint64_t)k * grid->rows * grid->cols;
    double *swap = p->cur;
    p->cur = p->next, p->next = swap;
    grid->step += k;
    return biggest;
}

/* ---- running steps -------------------------------------------------------- */

/* Steps between two agreements, so that they come about every
 * CONTROL_SECONDS: often enough to stop promptly on a signal, seldom
 * enough to cost nothing. */
#define CONTROL_SECONDS 0.05

int pk_grid_run_steps(pk_grid *grid, pk_grid_run *run)
{
    run->last_change = -1;
    run->converged = false;
    if (run->progress != NULL) {
        atomic_store(&run->progress->units_total, run->last_step);
        atomic_store(&run->progress->units_done, grid->step);
    }
    const bool rank0 = pk_comm_rank() == 0;
    uint64_t every = 1, since = 0;
    double since_start = pk_clock_seconds(), last_save = since_start;
    const bool looking = run->tolerance > 0 && run->check_every > 0;
    while (grid->step < run->last_step) {
        /* Steps this move: 1, or up to K with --time-block, never past a look. */
        uint64_t k = (uint64_t)grid->time_block, left = run->last_step - grid->step;
        k = k < left ? k : left;
        if (looking) {
            const uint64_t to_look = run->check_every - grid->step % run->check_every;
            k = k < to_look ? k : to_look;
        }
        if (run->pause_every > 0) {
            const uint64_t to_pause = run->pause_every - grid->step % run->pause_every;
            k = k < to_pause ? k : to_pause;
        }
        const bool look = looking && (grid->step + k) % run->check_every == 0;
        double change = grid->time_block > 1 ? blocked_steps(grid, run->sweep, run->ctx, (size_t)k, look)
                                             : step(grid, run->sweep, run->ctx, look);
        if (run->progress != NULL)
            atomic_store(&run->progress->units_done, grid->step);
        if (run->pause_every > 0 && grid->step % run->pause_every == 0) {
            int rc = run->pause(run->pause_ctx);
            if (rc != PK_OK)
                return rc;
        }
        if (look) {
            double start = pk_clock_seconds();
            pk_comm_max_double(&change, 1);
            grid->stats.control_seconds += pk_clock_seconds() - start;
            run->last_change = change;
            if (change < run->tolerance) {
                run->converged = true;
                return PK_OK;
            }
        }
        if (++since < every || grid->step == run->last_step)
            continue;
        /* Every rank brings whether it was told to stop, rank 0 whether a
         * save is due, and each how many steps fit CONTROL_SECONDS by its
         * own pace; all take the largest of the first two, the fewest of
         * the steps (as the largest of their negations). */
        double now = pk_clock_seconds(), per_step = (now - since_start) / (double)since;
        double fit = per_step > 0 ? CONTROL_SECONDS / per_step : 1e6;
        int64_t flags[3] = {run->cancel != NULL && atomic_load(run->cancel) != 0,
                            rank0 && run->save != NULL && run->save_interval > 0 &&
                                now - last_save >= run->save_interval,
                            -(int64_t)(fit < 1 ? 1 : fit > 1e6 ? 1e6 : fit)};
#if PK_HAVE_MPI
        if (pk_comm_size() > 1)
            TIMED(MPI_Allreduce(MPI_IN_PLACE, flags, 3, MPI_INT64_T, MPI_MAX, MPI_COMM_WORLD));
#endif
        grid->stats.control_seconds += pk_clock_seconds() - now;
        if (flags[1]) {
            int rc = run->save(run->save_ctx);
            if (rc != PK_OK)
                return rc;
            last_save = pk_clock_seconds();
        }
        if (flags[0])
            return PK_ECANCELED;
        every = (uint64_t)-flags[2], since = 0, since_start = pk_clock_seconds();
    }
    return PK_OK;
}

pk_grid_tally pk_grid_tally_rows(pk_grid *grid, pk_grid_row_fn row, void *ctx)
{
    pk_grid_private *p = grid->p;
    const int n = thread_count(grid);
    uint64_t sum = 0;
    double biggest = -1.0 / 0.0, lowest = -1.0 / 0.0; /* lowest as its negation: one max-reduction */
#pragma omp parallel num_threads(n) reduction(+ : sum) reduction(max : biggest, lowest)
    {
        size_t from, to;
        thread_rows(0, grid->rows, thread_number(), n, &from, &to);
        for (size_t r = from; r < to; r++) {
            pk_grid_tally t = row(ctx, inner(grid, p->cur, (ptrdiff_t)r, 0), grid->y0 + r, grid->x0, grid->cols);
            sum += t.sum;
            if (t.max > biggest)
                biggest = t.max;
            if (-t.min > lowest)
                lowest = -t.min;
        }
    }
    double extremes[2] = {biggest, lowest};
    pk_comm_sum_u64(&sum, 1);
    pk_comm_max_double(extremes, 2);
    return (pk_grid_tally){.sum = sum, .min = -extremes[1], .max = extremes[0]};
}
