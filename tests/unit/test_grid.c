/*
 * The grid layer (src/par/grid.c): on any decomposition into tiles, with
 * 1 or 2 threads and every halo mode, steps give the field a plain
 * whole-grid loop gives, bit for bit; the field's file holds the grid row
 * by row and reads back into another decomposition; the run stops on a
 * tolerance and on a cancel on every rank at once; impossible grids are
 * refused with the reason.  tests/mpi runs this suite on 1-4 ranks, where
 * each rank computes the whole-grid reference itself.
 */
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kernels/heat/heat_internal.h"
#include "parkit/comm.h"
#include "parkit/grid.h"
#include "parkit/status.h"
#include "suites.h"

enum { NX = 37, NY = 23, STEPS = 7 };
static const heat_coefficients k = {.rx = 0.21, .ry = 0.17, .path = HEAT_PATH_PORTABLE};

/* A value for every cell, frame included, that no symmetry repeats. */
static double start_value(int64_t gy, int64_t gx)
{
    uint64_t z = (uint64_t)(gy + 7) * 1000003u + (uint64_t)(gx + 11) * 7919u;
    z = (z ^ (z >> 13)) * 0x9e3779b97f4a7c15u;
    return (double)(z >> 11) * 0x1p-53 * 100.0 - 20.0;
}

static void fill_start(void *ctx, double *row, int64_t gy, int64_t gx0, size_t cols)
{
    (void)ctx;
    for (size_t i = 0; i < cols; i++)
        row[i] = start_value(gy, gx0 + (int64_t)i);
}

/* The whole grid, frame included, after STEPS steps of the plain loop. */
static double *reference(int steps)
{
    const size_t w = NX + 2, h = NY + 2;
    double *u = malloc(w * h * sizeof *u), *v = malloc(w * h * sizeof *v);
    for (size_t y = 0; y < h; y++)
        for (size_t x = 0; x < w; x++)
            u[y * w + x] = v[y * w + x] = start_value((int64_t)y - 1, (int64_t)x - 1);
    for (int s = 0; s < steps; s++) {
        for (size_t y = 1; y <= NY; y++)
            for (size_t x = 1; x <= NX; x++) {
                const double c = u[y * w + x];
                v[y * w + x] = c + k.rx * ((u[y * w + x - 1] + u[y * w + x + 1]) - 2.0 * c) +
                               k.ry * ((u[(y - 1) * w + x] + u[(y + 1) * w + x]) - 2.0 * c);
            }
        double *t = u;
        u = v, v = t;
    }
    free(v);
    return u;
}

/* Counts, in its sum, the cells of a row that differ from the reference. */
static pk_grid_tally count_differences(void *ctx, const double *row, uint64_t gy, uint64_t gx0, size_t cols)
{
    const double *want = ctx;
    uint64_t differ = 0;
    for (size_t i = 0; i < cols; i++)
        differ += memcmp(&row[i], &want[(gy + 1) * (NX + 2) + gx0 + i + 1], sizeof(double)) != 0;
    return (pk_grid_tally){.sum = differ, .max = 0};
}

static pk_grid_run steps_of(uint64_t last)
{
    return (pk_grid_run){.sweep = heat_sweep, .ctx = (void *)&k, .last_step = last};
}

static void check_decomposition(int across, int down, pk_halo_mode halo, int threads, int time_block)
{
    pk_grid grid;
    char why[400] = "";
    pk_grid_options options = {.nx = NX, .ny = NY, .ranks_x = across, .ranks_y = down, .halo = halo,
                               .threads = threads, .time_block = time_block};
    int rc = pk_grid_create(&grid, &options, why, sizeof why);
    CU_ASSERT_EQUAL_FATAL(rc, PK_OK);
    CU_ASSERT_EQUAL(grid.ranks_x * grid.ranks_y, pk_comm_size());
    pk_grid_fill(&grid, fill_start, NULL);
    pk_grid_run run = steps_of(STEPS);
    CU_ASSERT_EQUAL(pk_grid_run_steps(&grid, &run), PK_OK);
    CU_ASSERT_EQUAL(grid.step, STEPS);
    double *want = reference(STEPS);
    pk_grid_tally differ = pk_grid_tally_rows(&grid, count_differences, want);
    CU_ASSERT_EQUAL(differ.sum, 0);
    if (differ.sum != 0)
        fprintf(stderr, "\n  %d x %d tiles, %s, %d threads, --time-block %d: %llu cells differ\n", grid.ranks_x,
                grid.ranks_y, pk_halo_name(halo), threads, time_block, (unsigned long long)differ.sum);
    /* Only the halos that exist travel: none on one rank; one exchange a
     * step, or one every K steps (7 steps: 3 + 3 + 1). */
    if (pk_comm_size() == 1)
        CU_ASSERT_EQUAL(grid.stats.halo_messages, 0);
    if (pk_comm_size() > 1)
        CU_ASSERT_EQUAL(grid.stats.exchanges, time_block > 1 ? (STEPS + time_block - 1) / time_block : STEPS);
    CU_ASSERT_EQUAL(grid.stats.updates, (uint64_t)STEPS * grid.rows * grid.cols);
    /* A rim is computed twice only where a tile or another block is beside it. */
    if (time_block <= 1)
        CU_ASSERT_EQUAL(grid.stats.redundant_updates, 0);
    if (time_block > 1 && pk_comm_size() > 1)
        CU_ASSERT_TRUE(grid.stats.redundant_updates > 0);
    free(want);
    pk_grid_destroy(&grid);
}

static void test_every_decomposition_gives_the_plain_loop(void)
{
    const int size = pk_comm_size();
    /* K = 3: halos 3 deep, blocks 3 steps ahead, corners from diagonal tiles. */
    for (int halo = PK_HALO_SENDRECV; halo <= PK_HALO_NEIGHBOR; halo++)
        for (int threads = 1; threads <= 2; threads++)
            for (int depth = 1; depth <= 3; depth += 2) {
                check_decomposition(0, 0, (pk_halo_mode)halo, threads, depth); /* the grid's choice */
                check_decomposition(size, 1, (pk_halo_mode)halo, threads, depth); /* columns of tiles */
                check_decomposition(1, size, (pk_halo_mode)halo, threads, depth); /* rows of tiles */
                if (size == 4)
                    check_decomposition(2, 2, (pk_halo_mode)halo, threads, depth);
            }
    if (size == 1) /* blocks deeper than the grid is high */
        check_decomposition(1, 1, PK_HALO_SENDRECV, 2, 40);
}

/* The sweep the tests break on purpose: a step that skips one cell. */
static double sweep_missing_a_cell(void *ctx, const double *in, double *out, size_t stride, size_t rows,
                                   size_t cols, bool change)
{
    double c = heat_sweep(ctx, in, out, stride, rows, cols, change);
    out[0] = in[0];
    return c;
}

static void test_a_wrong_step_is_seen(void)
{
    pk_grid grid;
    char why[400];
    pk_grid_options options = {.nx = NX, .ny = NY, .threads = 1};
    CU_ASSERT_EQUAL_FATAL(pk_grid_create(&grid, &options, why, sizeof why), PK_OK);
    pk_grid_fill(&grid, fill_start, NULL);
    pk_grid_run run = steps_of(STEPS);
    run.sweep = sweep_missing_a_cell;
    CU_ASSERT_EQUAL(pk_grid_run_steps(&grid, &run), PK_OK);
    double *want = reference(STEPS);
    CU_ASSERT_NOT_EQUAL(pk_grid_tally_rows(&grid, count_differences, want).sum, 0);
    free(want);
    pk_grid_destroy(&grid);
}

static char dir[] = "/tmp/pk-grid-XXXXXX";

static int set_up(void)
{
    int rc = pk_comm_rank() == 0 ? pk_test_make_directory(dir) : 0;
    pk_comm_broadcast(dir, sizeof dir, 0);
    return rc;
}

static int clean_up(void)
{
    pk_comm_barrier();
    return pk_comm_rank() == 0 ? pk_test_remove_directory(dir) : 0;
}

static void test_the_file_reads_back_into_other_tiles(void)
{
    char path[64];
    snprintf(path, sizeof path, "%s/field", dir);
    const char header[16] = "a header, 16 B.";
    pk_grid grid;
    char why[400];
    pk_grid_options options = {.nx = NX, .ny = NY, .ranks_x = 1, .ranks_y = pk_comm_size(), .threads = 2};
    CU_ASSERT_EQUAL_FATAL(pk_grid_create(&grid, &options, why, sizeof why), PK_OK);
    pk_grid_fill(&grid, fill_start, NULL);
    pk_grid_run run = steps_of(STEPS);
    CU_ASSERT_EQUAL(pk_grid_run_steps(&grid, &run), PK_OK);
    CU_ASSERT_EQUAL(pk_grid_save(&grid, path, header, sizeof header, why, sizeof why), PK_OK);
    pk_grid_destroy(&grid);

    /* The file is the header, then the grid row by row. */
    double *want = reference(STEPS);
    if (pk_comm_rank() == 0) {
        FILE *f = fopen(path, "rb");
        CU_ASSERT_PTR_NOT_NULL_FATAL(f);
        char got_header[16];
        double row[NX];
        CU_ASSERT_EQUAL(fread(got_header, 1, sizeof got_header, f), sizeof got_header);
        CU_ASSERT_EQUAL(memcmp(got_header, header, sizeof header), 0);
        for (int y = 0; y < NY; y++) {
            CU_ASSERT_EQUAL(fread(row, sizeof(double), NX, f), NX);
            CU_ASSERT_EQUAL(memcmp(row, &want[(y + 1) * (NX + 2) + 1], sizeof row), 0);
        }
        CU_ASSERT_EQUAL(fgetc(f), EOF);
        fclose(f);
    }

    /* Read back by tiles cut the other way, it goes on as if never stopped. */
    options.ranks_x = pk_comm_size(), options.ranks_y = 1, options.threads = 1;
    CU_ASSERT_EQUAL_FATAL(pk_grid_create(&grid, &options, why, sizeof why), PK_OK);
    pk_grid_fill(&grid, fill_start, NULL);
    char got[16];
    uint64_t size = 0;
    CU_ASSERT_EQUAL(pk_grid_read_header(path, got, sizeof got, &size, why, sizeof why), PK_OK);
    CU_ASSERT_EQUAL(size, sizeof header + NX * NY * sizeof(double));
    CU_ASSERT_EQUAL(pk_grid_load(&grid, path, sizeof header, why, sizeof why), PK_OK);
    grid.step = STEPS;
    run = steps_of(2 * STEPS);
    CU_ASSERT_EQUAL(pk_grid_run_steps(&grid, &run), PK_OK);
    free(want);
    want = reference(2 * STEPS);
    CU_ASSERT_EQUAL(pk_grid_tally_rows(&grid, count_differences, want).sum, 0);
    free(want);

    /* A missing file is said, on every rank. */
    snprintf(path, sizeof path, "%s/none", dir);
    CU_ASSERT_EQUAL(pk_grid_read_header(path, got, sizeof got, &size, why, sizeof why), PK_EOF);
    CU_ASSERT_PTR_NOT_NULL(strstr(why, "No such file"));
    CU_ASSERT_EQUAL(pk_grid_load(&grid, path, 0, why, sizeof why), PK_EIO);
    /* No directory to write in: said, and nothing left behind. */
    snprintf(path, sizeof path, "%s/no/such/dir", dir);
    CU_ASSERT_EQUAL(pk_grid_save(&grid, path, header, sizeof header, why, sizeof why), PK_EIO);
    CU_ASSERT_PTR_NOT_NULL(strstr(why, path));
    pk_grid_destroy(&grid);
}

static void test_tolerance_and_cancel_stop_every_rank(void)
{
    pk_grid grid;
    char why[400];
    pk_grid_options options = {.nx = NX, .ny = NY, .threads = 2, .halo = PK_HALO_NONBLOCKING};
    CU_ASSERT_EQUAL_FATAL(pk_grid_create(&grid, &options, why, sizeof why), PK_OK);
    pk_grid_fill(&grid, fill_start, NULL);
    /* The tolerance's looks fall on the same steps with --time-block. */
    pk_grid blocked;
    options.time_block = 3;
    CU_ASSERT_EQUAL_FATAL(pk_grid_create(&blocked, &options, why, sizeof why), PK_OK);
    pk_grid_fill(&blocked, fill_start, NULL);
    pk_grid_run run = steps_of(1000);
    run.tolerance = 1e6, run.check_every = 5;
    CU_ASSERT_EQUAL(pk_grid_run_steps(&blocked, &run), PK_OK);
    CU_ASSERT_TRUE(run.converged);
    CU_ASSERT_EQUAL(blocked.step, 5);
    const double blocked_change = run.last_change;
    pk_grid_destroy(&blocked);
    /* Cells change by up to ~50 in the first steps: a tolerance of 1e6 is
     * met at the first look, after check_every steps. */
    run = steps_of(1000);
    run.tolerance = 1e6, run.check_every = 5;
    CU_ASSERT_EQUAL(pk_grid_run_steps(&grid, &run), PK_OK);
    CU_ASSERT_TRUE(run.converged);
    CU_ASSERT_EQUAL(grid.step, 5);
    CU_ASSERT_EQUAL(run.last_change, blocked_change);
    CU_ASSERT_TRUE(run.last_change > 0 && run.last_change < 1e6);
    /* The largest change is the same on every rank. */
    double change = run.last_change, most = change;
    pk_comm_max_double(&most, 1);
    CU_ASSERT_EQUAL(change, most);

    /* A tolerance never met: every step is taken. */
    run = steps_of(40);
    run.tolerance = 1e-300, run.check_every = 10;
    CU_ASSERT_EQUAL(pk_grid_run_steps(&grid, &run), PK_OK);
    CU_ASSERT_FALSE(run.converged);
    CU_ASSERT_EQUAL(grid.step, 40);

    /* A cancel on rank 0 alone stops every rank, at the same step. */
    _Atomic int cancel = pk_comm_rank() == 0;
    run = steps_of(100000);
    run.cancel = &cancel;
    CU_ASSERT_EQUAL(pk_grid_run_steps(&grid, &run), PK_ECANCELED);
    uint64_t step = grid.step, last = grid.step;
    pk_comm_sum_u64(&step, 1);
    CU_ASSERT_EQUAL(step, last * (uint64_t)pk_comm_size());
    CU_ASSERT_TRUE(grid.step < 100000);
    pk_grid_destroy(&grid);
}

static void test_impossible_grids_are_refused(void)
{
    pk_grid grid;
    char why[400] = "";
    const int size = pk_comm_size();
    pk_grid_options options = {.nx = NX, .ny = NY, .ranks_x = size + 1, .ranks_y = 1, .threads = 1};
    CU_ASSERT_EQUAL(pk_grid_create(&grid, &options, why, sizeof why), PK_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(why, "ranks"));
    /* Two copies of 2^30 x 2^30 doubles: no host has 16 EiB. */
    options = (pk_grid_options){.nx = PK_GRID_MAX_SIDE, .ny = PK_GRID_MAX_SIDE, .threads = 1};
    CU_ASSERT_EQUAL(pk_grid_create(&grid, &options, why, sizeof why), PK_ERANGE);
    CU_ASSERT_PTR_NOT_NULL(strstr(why, "GiB available"));
    options = (pk_grid_options){.nx = 0, .ny = 5, .threads = 1};
    CU_ASSERT_EQUAL(pk_grid_create(&grid, &options, why, sizeof why), PK_EINVAL);
    if (size > 1) {
        /* More ranks than cells down a side: a tile smaller than its halo. */
        options = (pk_grid_options){.nx = 1, .ny = 1, .threads = 1};
        CU_ASSERT_EQUAL(pk_grid_create(&grid, &options, why, sizeof why), PK_EINVAL);
        CU_ASSERT_PTR_NOT_NULL(strstr(why, "smaller than its halo"));
    }
    if (size > 1) {
        /* Tiles 23 / size rows high cannot hold a halo 12 deep. */
        options = (pk_grid_options){.nx = NX, .ny = NY, .ranks_x = 1, .ranks_y = size, .threads = 1,
                                    .time_block = 12};
        CU_ASSERT_EQUAL(pk_grid_create(&grid, &options, why, sizeof why), PK_EINVAL);
        CU_ASSERT_PTR_NOT_NULL(strstr(why, "thinner than --time-block 12"));
    }
    options = (pk_grid_options){.nx = NX, .ny = NY, .threads = 1, .time_block = PK_GRID_MAX_TIME_BLOCK + 1};
    CU_ASSERT_EQUAL(pk_grid_create(&grid, &options, why, sizeof why), PK_EINVAL);
    pk_halo_mode mode;
    CU_ASSERT_EQUAL(pk_halo_parse("neighbor", &mode), PK_OK);
    CU_ASSERT_EQUAL(mode, PK_HALO_NEIGHBOR);
    CU_ASSERT_EQUAL(pk_halo_parse("neighbour", &mode), PK_EINVAL);
}

int pk_suite_grid(void)
{
    static const pk_test_case cases[] = {
        {"every decomposition gives the plain loop", test_every_decomposition_gives_the_plain_loop},
        {"a wrong step is seen", test_a_wrong_step_is_seen},
        {"the file reads back into other tiles", test_the_file_reads_back_into_other_tiles},
        {"tolerance and cancel stop every rank", test_tolerance_and_cancel_stop_every_rank},
        {"impossible grids are refused", test_impossible_grids_are_refused},
        {NULL, NULL},
    };
    return pk_suite_add_set_up("grid", cases, set_up, clean_up);
}
