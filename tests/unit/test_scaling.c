/*
 * Tests for parkit/scaling.h: the scaling laws `parkit bench` prints beside
 * its measurements (speedup, efficiency, Karp-Flatt, the Amdahl and
 * Gustafson fits) and the cost model that predicts a run on P ranks.
 *
 * Every expected value is worked out by hand, with the arithmetic in the
 * comment beside it, never by calling the code under test a second time.
 * The machine of the cost-model tests is 1 us latency, 1 GB/s between
 * ranks and 10 GB/s of memory bandwidth.
 *
 * Every run on P ranks ends in a reduction (the ranks agree on how it
 * went), ceil(log2 P) messages of reduce_bytes, so it costs the latency
 * even when reduce_bytes is 0: the expected values below include that
 * term explicitly, marked "end reduction".
 */
#include <math.h>
#include <stddef.h>
#include <stdio.h>

#include <CUnit/CUnit.h>

#include "parkit/scaling.h"
#include "suites.h"

/* ACTUAL within 1e-12 of EXPECTED relative to its magnitude (exact for 0);
 * on a mismatch both are printed with all their digits. */
#define CHECK_NEAR(actual, expected)                                                                          \
    do {                                                                                                      \
        const double actual_ = (actual), expected_ = (expected);                                             \
        if (!(fabs(actual_ - expected_) <= 1e-12 * fabs(expected_)))                                         \
            fprintf(stderr, "\n  line %d: %s = %.17g, expected %.17g", __LINE__, #actual, actual_, expected_); \
        CU_ASSERT_DOUBLE_EQUAL(actual_, expected_, 1e-12 * fabs(expected_));                                  \
    } while (0)

static const pk_machine machine = {.latency = 1e-6, .bandwidth = 1e9, .memory_bandwidth = 1e10};

/* ---- measured: speedup, efficiency, Karp-Flatt ------------------------ */

static void test_speedup(void)
{
    CHECK_NEAR(pk_speedup(10, 4), 2.5); /* 10 / 4 */
    CHECK_NEAR(pk_speedup(3, 3), 1.0);  /* 3 / 3 */
    CHECK_NEAR(pk_speedup(1, 8), 0.125); /* 1 / 8: slower than the reference */
    CU_ASSERT(isnan(pk_speedup(10, 0)));
    CU_ASSERT(isnan(pk_speedup(10, -1)));
    CU_ASSERT(isnan(pk_speedup(10, NAN)));
}

static void test_efficiency(void)
{
    CHECK_NEAR(pk_efficiency(3, 4), 0.75); /* 3 / 4 */
    CHECK_NEAR(pk_efficiency(8, 8), 1.0);  /* 8 / 8 */
    CHECK_NEAR(pk_efficiency(5, 4), 1.25); /* 5 / 4: superlinear */
    CHECK_NEAR(pk_efficiency(1, 1), 1.0);  /* 1 / 1 */
    CU_ASSERT(isnan(pk_efficiency(3, 0)));
    CU_ASSERT(isnan(pk_efficiency(3, -2)));
}

static void test_karp_flatt(void)
{
    /* No parallel run to explain on one processor (or fewer). */
    CU_ASSERT(isnan(pk_karp_flatt(1, 1)));
    CU_ASSERT(isnan(pk_karp_flatt(1, 0.5)));
    CU_ASSERT(isnan(pk_karp_flatt(1, 0)));
    /* No speedup to explain. */
    CU_ASSERT(isnan(pk_karp_flatt(0, 4)));
    CU_ASSERT(isnan(pk_karp_flatt(-1, 4)));
    CHECK_NEAR(pk_karp_flatt(4, 4), 0.0);       /* (1/4 - 1/4) / (3/4) = 0: perfect */
    CHECK_NEAR(pk_karp_flatt(2, 2), 0.0);       /* (1/2 - 1/2) / (1/2) = 0 */
    CHECK_NEAR(pk_karp_flatt(1, 4), 1.0);       /* (1 - 1/4) / (3/4) = 1: all serial */
    CHECK_NEAR(pk_karp_flatt(3, 4), 1.0 / 9);   /* (1/3 - 1/4) / (3/4) = (1/12) / (3/4) = 1/9 */
    CHECK_NEAR(pk_karp_flatt(5, 8), 3.0 / 35);  /* (1/5 - 1/8) / (7/8) = (3/40) / (7/8) = 3/35 */
    CHECK_NEAR(pk_karp_flatt(1.6, 2), 0.25);    /* (5/8 - 1/2) / (1/2) = (1/8) / (1/2) = 1/4 */
}

/* ---- fitted: Amdahl and Gustafson ------------------------------------- */

static void test_fit_amdahl_exact(void)
{
    /* f = 0.1: S(P) = 1 / (0.1 + 0.9 / P).
     * P = 2: 1 / (0.1 + 0.45) = 1 / 0.55 = 20/11
     * P = 4: 1 / (0.1 + 0.225) = 1 / 0.325 = 40/13
     * P = 8: 1 / (0.1 + 0.1125) = 1 / 0.2125 = 80/17 */
    const double procs[] = {2, 4, 8};
    const double speedup[] = {20.0 / 11, 40.0 / 13, 80.0 / 17};
    CHECK_NEAR(pk_fit_amdahl(procs, speedup, 3), 0.1);
    /* Any one of them alone gives the same f. */
    CHECK_NEAR(pk_fit_amdahl(procs + 2, speedup + 2, 1), 0.1);
}

static void test_fit_amdahl_skips_unusable_points(void)
{
    /* The three exact f = 0.1 points, among points that must be left out:
     * P = 1 (the reference), P = 0.5 (x = 1 - 2 = -1, y = 1 - 2 = -1: it would
     * add 1 to both sums if kept), and speedups 0 and -2 at P = 4 (-2 would
     * give x = 3/4, y = -1/2 - 1/4 = -3/4). */
    const double procs[] = {1, 2, 0.5, 4, 4, 4, 8};
    const double speedup[] = {1, 20.0 / 11, 1, 0, -2, 40.0 / 13, 80.0 / 17};
    CHECK_NEAR(pk_fit_amdahl(procs, speedup, 7), 0.1);
    /* A P = 1 point that is not a speedup of 1 is left out all the same. */
    const double procs_one[] = {1, 2};
    const double speedup_one[] = {0.5, 20.0 / 11};
    CHECK_NEAR(pk_fit_amdahl(procs_one, speedup_one, 2), 0.1);
}

static void test_fit_amdahl_nothing_to_fit(void)
{
    const double procs[] = {1, 1, 4, 0.5};
    const double speedup[] = {1, 2, 0, 1};
    CU_ASSERT(isnan(pk_fit_amdahl(procs, speedup, 0)));
    CU_ASSERT(isnan(pk_fit_amdahl(procs, speedup, 1))); /* P = 1 only */
    CU_ASSERT(isnan(pk_fit_amdahl(procs, speedup, 2))); /* P = 1 twice */
    CU_ASSERT(isnan(pk_fit_amdahl(procs, speedup, 4))); /* and a zero speedup, a P < 1 */
}

static void test_fit_amdahl_clamped(void)
{
    /* Superlinear: P = 4, S = 5: x = 3/4, y = 1/5 - 1/4 = -1/20; f = -1/15 -> 0. */
    const double procs[] = {4, 8};
    const double superlinear[] = {5, 10}; /* P = 8, S = 10: y = 1/10 - 1/8 = -1/40 */
    CHECK_NEAR(pk_fit_amdahl(procs, superlinear, 1), 0.0);
    CHECK_NEAR(pk_fit_amdahl(procs, superlinear, 2), 0.0);
    /* Slower than serial: P = 2, S = 1/2: x = 1/2, y = 2 - 1/2 = 3/2; f = 3 -> 1. */
    const double two[] = {2};
    const double slower[] = {0.5};
    CHECK_NEAR(pk_fit_amdahl(two, slower, 1), 1.0);
}

static void test_fit_amdahl_least_squares(void)
{
    /* Two points that no single f explains:
     *   P = 2, S = 1.6: x = 1 - 1/2 = 0.5,  y = 1/1.6 - 1/2 = 0.625 - 0.5 = 0.125 (alone: f = 0.25)
     *   P = 4, S = 2.5: x = 1 - 1/4 = 0.75, y = 1/2.5 - 1/4 = 0.4 - 0.25 = 0.15  (alone: f = 0.2)
     * sum xy = 0.5 * 0.125 + 0.75 * 0.15 = 0.0625 + 0.1125 = 0.175
     * sum xx = 0.25 + 0.5625 = 0.8125
     * f = 0.175 / 0.8125 = 14/65 (~0.21538) */
    const double procs[] = {2, 4};
    const double speedup[] = {1.6, 2.5};
    CHECK_NEAR(pk_fit_amdahl(procs, speedup, 2), 14.0 / 65);
    /* The order of the points does not matter. */
    const double procs_r[] = {4, 2};
    const double speedup_r[] = {2.5, 1.6};
    CHECK_NEAR(pk_fit_amdahl(procs_r, speedup_r, 2), 14.0 / 65);
}

static void test_fit_gustafson(void)
{
    /* a = 0.2: S(P) = P - 0.2 (P - 1).
     * P = 2: 2 - 0.2 = 1.8;  P = 4: 4 - 0.6 = 3.4;  P = 8: 8 - 1.4 = 6.6 */
    const double procs[] = {2, 4, 8};
    const double exact[] = {1.8, 3.4, 6.6};
    CHECK_NEAR(pk_fit_gustafson(procs, exact, 3), 0.2);
    /* Left out as for Amdahl: P = 1, a P below 1, speedups 0 and below. */
    const double procs_mixed[] = {1, 2, 0.5, 4, 4, 8};
    const double mixed[] = {3, 1.8, 1, 0, -1, 6.6};
    CHECK_NEAR(pk_fit_gustafson(procs_mixed, mixed, 6), 0.2);
    /* Inconsistent:
     *   P = 2, S = 1.9: x = 2 - 1 = 1, y = 2 - 1.9 = 0.1 (alone: a = 0.1)
     *   P = 5, S = 4:   x = 5 - 1 = 4, y = 5 - 4 = 1    (alone: a = 0.25)
     * sum xy = 0.1 + 4 = 4.1, sum xx = 1 + 16 = 17, a = 4.1 / 17 = 41/170 (~0.24118) */
    const double procs2[] = {2, 5};
    const double inconsistent[] = {1.9, 4};
    CHECK_NEAR(pk_fit_gustafson(procs2, inconsistent, 2), 41.0 / 170);
    /* Nothing to fit. */
    const double one[] = {1};
    const double s_one[] = {1};
    CU_ASSERT(isnan(pk_fit_gustafson(one, s_one, 1)));
    CU_ASSERT(isnan(pk_fit_gustafson(procs, exact, 0)));
    /* Clamped: P = 4, S = 4.5: y = -0.5, x = 3: a = -1/6 -> 0;
     *          P = 4, S = 0.5: y = 3.5,  x = 3: a = 7/6  -> 1. */
    const double four[] = {4};
    const double above[] = {4.5}, below[] = {0.5};
    CHECK_NEAR(pk_fit_gustafson(four, above, 1), 0.0);
    CHECK_NEAR(pk_fit_gustafson(four, below, 1), 1.0);
}

static void test_law_speedups(void)
{
    CHECK_NEAR(pk_amdahl_speedup(0.1, 4), 40.0 / 13); /* 1 / (0.1 + 0.9/4) = 1 / 0.325 */
    CHECK_NEAR(pk_amdahl_speedup(0.5, 2), 4.0 / 3);   /* 1 / (0.5 + 0.25) = 1 / 0.75 */
    CHECK_NEAR(pk_amdahl_speedup(0, 8), 8.0);         /* 1 / (0 + 1/8) */
    CHECK_NEAR(pk_amdahl_speedup(1, 8), 1.0);         /* 1 / (1 + 0) */
    CHECK_NEAR(pk_amdahl_speedup(0.3, 1), 1.0);       /* 1 / (0.3 + 0.7) */
    CHECK_NEAR(pk_gustafson_speedup(0.2, 4), 3.4);    /* 4 - 0.2 * 3 */
    CHECK_NEAR(pk_gustafson_speedup(0.5, 9), 5.0);    /* 9 - 0.5 * 8 */
    CHECK_NEAR(pk_gustafson_speedup(0, 8), 8.0);      /* 8 - 0 */
    CHECK_NEAR(pk_gustafson_speedup(1, 8), 1.0);      /* 8 - 7 */
    CHECK_NEAR(pk_gustafson_speedup(0.2, 1), 1.0);    /* 1 - 0 */
}

/* ---- the cost model ---------------------------------------------------- */

static void check_tiles(int ranks, int expected_x, int expected_y)
{
    int px = -1, py = -1;
    pk_model_tiles(ranks, &px, &py);
    if (px != expected_x || py != expected_y)
        fprintf(stderr, "\n  tiles(%d) = %dx%d, expected %dx%d", ranks, px, py, expected_x, expected_y);
    CU_ASSERT_EQUAL(px, expected_x);
    CU_ASSERT_EQUAL(py, expected_y);
}

static void test_model_tiles(void)
{
    check_tiles(1, 1, 1);
    check_tiles(2, 2, 1);
    check_tiles(4, 2, 2);
    check_tiles(6, 3, 2);
    check_tiles(7, 7, 1);   /* a prime: one row of tiles */
    check_tiles(9, 3, 3);
    check_tiles(12, 4, 3);  /* divisors up to sqrt(12) = 3.46: 1, 2, 3 */
    check_tiles(16, 4, 4);
    check_tiles(1024, 32, 32);
}

static void test_comm_one_rank(void)
{
    /* Everything a kernel can send, and none of it on one rank. */
    const pk_kernel_cost k = {.seconds = 1, .reduce_bytes = 8, .units = 100, .gather_bytes = 1e6,
                              .nx = 1000, .ny = 1000, .steps = 10, .halo_bytes = 8, .check_every = 5};
    CHECK_NEAR(pk_model_comm_seconds(&k, &machine, 1), 0.0);
    CHECK_NEAR(pk_model_comm_seconds(&k, &machine, 0.5), 0.0);
}

static void test_comm_end_reduction(void)
{
    /* A kernel with no messages still pays the end reduction: ceil(log2 P)
     * latency-only steps (reduce_bytes 0). */
    const pk_kernel_cost none = {.seconds = 1};
    CHECK_NEAR(pk_model_comm_seconds(&none, &machine, 2), 1e-6); /* ceil(log2 2) = 1 step */
    CHECK_NEAR(pk_model_comm_seconds(&none, &machine, 4), 2e-6); /* ceil(log2 4) = 2 steps */
    CHECK_NEAR(pk_model_comm_seconds(&none, &machine, 5), 3e-6); /* ceil(log2 5) = 3 steps */
}

static void test_comm_reduction(void)
{
    const pk_kernel_cost k = {.seconds = 1, .reduce_bytes = 8};
    /* One step: 1e-6 + 8 / 1e9 = 1.008e-6. */
    CHECK_NEAR(pk_model_comm_seconds(&k, &machine, 2), 1 * (1e-6 + 8e-9)); /* ceil(log2 2) = 1 */
    CHECK_NEAR(pk_model_comm_seconds(&k, &machine, 4), 2 * (1e-6 + 8e-9)); /* ceil(log2 4) = 2: 2.016e-6 */
    CHECK_NEAR(pk_model_comm_seconds(&k, &machine, 5), 3 * (1e-6 + 8e-9)); /* ceil(log2 5) = 3: 3.024e-6 */
    CHECK_NEAR(pk_model_comm_seconds(&k, &machine, 9), 4 * (1e-6 + 8e-9)); /* ceil(log2 9) = 4: 4.032e-6 */
}

static void test_comm_hand_outs(void)
{
    const pk_kernel_cost k = {.seconds = 1, .units = 100, .gather_bytes = 1e6};
    /* P = 4: 100/4 round trips of 2 * 1e-6 = 5e-5; 1e6 * (3/4) / 1e9 = 7.5e-4;
     * end reduction 2 * 1e-6.  5e-5 + 7.5e-4 + 2e-6 = 8.02e-4 */
    CHECK_NEAR(pk_model_comm_seconds(&k, &machine, 4), 100.0 / 4 * 2e-6 + 1e6 * (3.0 / 4) / 1e9 + 2e-6);
    /* P = 2: 50 * 2e-6 = 1e-4; 1e6 * (1/2) / 1e9 = 5e-4; end reduction 1e-6: 6.01e-4 */
    CHECK_NEAR(pk_model_comm_seconds(&k, &machine, 2), 100.0 / 2 * 2e-6 + 1e6 * (1.0 / 2) / 1e9 + 1e-6);
    /* Bandwidth unknown (0): the bytes cost nothing, the latencies remain.
     * P = 4: 5e-5 + end reduction 2e-6 = 5.2e-5 */
    const pk_machine latency_only = {.latency = 1e-6};
    CHECK_NEAR(pk_model_comm_seconds(&k, &latency_only, 4), 5.2e-5);
}

static void test_comm_halos(void)
{
    pk_kernel_cost k = {.seconds = 1, .nx = 1000, .ny = 1000, .steps = 10, .halo_bytes = 8};
    /* P = 4, 2x2 tiles: one neighbour each way, edges of 1000/2 = 500 cells * 8 = 4000 bytes;
     * 10 steps * 2 messages * (1e-6 + 4000/1e9) = 20 * 5e-6 = 1e-4; end reduction 2e-6: 1.02e-4 */
    CHECK_NEAR(pk_model_comm_seconds(&k, &machine, 4), 10 * 2 * (1e-6 + 4000 / 1e9) + 2e-6);
    /* P = 9, 3x3 tiles: the middle tile has 2 neighbours each way, edges of 1000/3 * 8 = 8000/3 bytes;
     * 10 * 4 * (1e-6 + 8000/3/1e9) = 40 * (11/3)e-6 = 440/3 e-6; end reduction ceil(log2 9) = 4:
     * 440/3 e-6 + 4e-6 = 452/3 e-6 (~1.50667e-4) */
    CHECK_NEAR(pk_model_comm_seconds(&k, &machine, 9), 10 * 4 * (1e-6 + 1000.0 / 3 * 8 / 1e9) + 4e-6);
    /* P = 5, 5x1 tiles: 2 neighbours across, edges of the whole 1000 rows * 8 = 8000 bytes, none down;
     * 10 * 2 * (1e-6 + 8e-6) = 1.8e-4; end reduction ceil(log2 5) = 3: 1.83e-4 */
    CHECK_NEAR(pk_model_comm_seconds(&k, &machine, 5), 10 * 2 * (1e-6 + 8000 / 1e9) + 3e-6);

    /* A reduction every 5 steps: floor(10/5) = 2 of them, each 2 * ceil(log2 P) latencies. */
    k.check_every = 5;
    /* P = 4: 1.02e-4 + 2 * 2 * 2 * 1e-6 = 1.02e-4 + 8e-6 = 1.1e-4 */
    CHECK_NEAR(pk_model_comm_seconds(&k, &machine, 4), 10 * 2 * (1e-6 + 4000 / 1e9) + 2e-6 + 2 * 2 * 2 * 1e-6);
    /* P = 9: 452/3 e-6 + 2 * 2 * 4 * 1e-6 = 452/3 e-6 + 16e-6 = 500/3 e-6 */
    CHECK_NEAR(pk_model_comm_seconds(&k, &machine, 9), 500.0 / 3 * 1e-6);
    /* P = 5: 1.83e-4 + 2 * 2 * 3 * 1e-6 = 1.83e-4 + 12e-6 = 1.95e-4 */
    CHECK_NEAR(pk_model_comm_seconds(&k, &machine, 5), 1.95e-4);
    /* Every 3 steps: floor(10/3) = 3 reductions.  P = 4: 1.02e-4 + 3 * 2 * 2 * 1e-6 = 1.14e-4 */
    k.check_every = 3;
    CHECK_NEAR(pk_model_comm_seconds(&k, &machine, 4), 1.14e-4);

    /* A grid wider than high, on 2 ranks: 2x1 tiles cut across (as the grid
     * layer cuts a wide grid), one neighbour, an edge of the 500 rows * 8 =
     * 4000 bytes: 10 * (1e-6 + 4e-6) = 5e-5; end reduction 1e-6: 5.1e-5 */
    const pk_kernel_cost wide = {.seconds = 1, .nx = 2000, .ny = 500, .steps = 10, .halo_bytes = 8};
    CHECK_NEAR(pk_model_comm_seconds(&wide, &machine, 2), 5.1e-5);
    /* No steps: no halos (the end reduction only, P = 4: 2e-6). */
    const pk_kernel_cost no_steps = {.seconds = 1, .nx = 1000, .ny = 1000, .halo_bytes = 8};
    CHECK_NEAR(pk_model_comm_seconds(&no_steps, &machine, 4), 2e-6);
}

static void test_model_seconds_amdahl(void)
{
    const pk_kernel_cost k = {.seconds = 10, .serial = 0.1};
    /* P = 10: 10 * (0.1 + 0.9/10) = 10 * 0.19 = 1.9; end reduction ceil(log2 10) = 4 * 1e-6: 1.900004 */
    CHECK_NEAR(pk_model_seconds(&k, &machine, 10), 1.9 + 4e-6);
    /* P = 1: 10 * (0.1 + 0.9) = 10, no communication at all. */
    CHECK_NEAR(pk_model_seconds(&k, &machine, 1), 10.0);
    /* P = 2: 10 * (0.1 + 0.45) = 5.5; end reduction 1e-6 */
    CHECK_NEAR(pk_model_seconds(&k, &machine, 2), 5.5 + 1e-6);
    /* A serial fraction not known (a fit with nothing to fit): read as 0.
     * P = 2: 10 / 2 = 5; end reduction 1e-6 */
    const pk_kernel_cost unknown = {.seconds = 10, .serial = NAN};
    CHECK_NEAR(pk_model_seconds(&unknown, &machine, 2), 5.0 + 1e-6);
}

static void test_model_seconds_memory_floor(void)
{
    /* 1000 x 1000 cells, 100 steps, 24 bytes an update: 1e6 * 100 * 24 = 2.4e9 bytes,
     * / 1e10 bytes/s = 0.24 s on one process. */
    const pk_kernel_cost k = {.seconds = 0.1, .nx = 1000, .ny = 1000, .steps = 100, .bytes_per_update = 24};
    CHECK_NEAR(pk_model_memory_floor(&k, &machine), 0.24);
    /* P = 1: compute 0.1 < floor 0.24: 0.24, no communication. */
    CHECK_NEAR(pk_model_seconds(&k, &machine, 1), 0.24);
    /* P = 4: compute 0.1 / 4 = 0.025 < floor 0.24 / 4 = 0.06.  Halos of 0 bytes, 2x2 tiles:
     * 100 steps * 2 * 1e-6 = 2e-4; end reduction 2e-6.  0.06 + 2e-4 + 2e-6 = 0.060202 */
    CHECK_NEAR(pk_model_seconds(&k, &machine, 4), 0.060202);
    /* Compute above the floor: seconds 1, P = 4: 1/4 = 0.25 > 0.06: 0.25 + 2.02e-4 = 0.250202 */
    pk_kernel_cost slow = k;
    slow.seconds = 1;
    CHECK_NEAR(pk_model_seconds(&slow, &machine, 4), 0.250202);
}

static void test_model_seconds_hand_out_floor(void)
{
    /* 1e6 units, rank 0 serving them one at a time: 1e6 * 1e-6 = 1 s at least. */
    const pk_kernel_cost k = {.seconds = 1, .units = 1e6};
    /* P = 4: compute 1/4 = 0.25, hand-outs 1e6/4 * 2e-6 = 0.5, end reduction 2e-6:
     * 0.750002 < 1: the floor, 1. */
    CHECK_NEAR(pk_model_seconds(&k, &machine, 4), 1.0);
    /* P = 1: no hand-outs, no floor: 1 * 1 = 1. */
    CHECK_NEAR(pk_model_seconds(&k, &machine, 1), 1.0);
    /* Fewer units, P = 4: floor 1e4 * 1e-6 = 0.01 < 0.25 + 1e4/4 * 2e-6 + 2e-6 = 0.255002 */
    const pk_kernel_cost few = {.seconds = 1, .units = 1e4};
    CHECK_NEAR(pk_model_seconds(&few, &machine, 4), 0.255002);
    /* A long run of units on 2 ranks: 10 s, 2e6 units:
     * compute 5 + hand-outs 1e6 * 2e-6 = 2 + end reduction 1e-6 = 7.000001 > floor 2 */
    const pk_kernel_cost many = {.seconds = 10, .units = 2e6};
    CHECK_NEAR(pk_model_seconds(&many, &machine, 2), 7.000001);
}

static void test_model_efficiency(void)
{
    /* seconds 8, f = 0.25, P = 4: 8 * (0.25 + 0.75/4) = 8 * 0.4375 = 3.5; end reduction 2e-6:
     * 3.500002.  Efficiency 8 / (4 * 3.500002) = 2 / 3.500002 (~0.5714282) */
    const pk_kernel_cost k = {.seconds = 8, .serial = 0.25};
    CHECK_NEAR(pk_model_efficiency(&k, &machine, 4), 2 / 3.500002);
    /* P = 1: 8 / (1 * 8) = 1 */
    CHECK_NEAR(pk_model_efficiency(&k, &machine, 1), 1.0);
    /* Nothing to run: predicted 0 s on one rank, no efficiency. */
    const pk_kernel_cost empty = {.seconds = 0};
    CU_ASSERT(isnan(pk_model_efficiency(&empty, &machine, 1)));
}

static void test_model_weak_efficiency(void)
{
    /* a = 0.2, P = 4: Gustafson (4 - 0.2 * 3) / 4 = 3.4 / 4 = 0.85.  Grown 4 times:
     * 400 units, 4e6 gathered bytes.  Communication on 4 ranks: 400/4 * 2e-6 = 2e-4;
     * 4e6 * (3/4) / 1e9 = 3e-3; end reduction 2e-6: 3.202e-3.
     * 0.85 * 10 / (10 + 0.003202) = 8.5 / 10.003202 (~0.849728) */
    const pk_kernel_cost k = {.seconds = 10, .serial = 0.2, .units = 100, .gather_bytes = 1e6};
    CHECK_NEAR(pk_model_weak_efficiency(&k, &machine, 4), 8.5 / 10.003202);
    /* A grid 4000 x 1000, grown to 4000 x 4000 on P = 4: 2x2 tiles, edges of
     * 4000/2 * 8 = 16000 bytes each way: per step 2 * (1e-6 + 16e-6) = 34e-6,
     * 10 steps 3.4e-4; end reduction 2e-6: 3.42e-4.  a = 0.2 again:
     * 0.85 * 1 / (1 + 3.42e-4) = 0.85 / 1.000342 */
    const pk_kernel_cost grid = {.seconds = 1, .serial = 0.2, .nx = 4000, .ny = 1000, .steps = 10, .halo_bytes = 8};
    CHECK_NEAR(pk_model_weak_efficiency(&grid, &machine, 4), 0.85 / 1.000342);
    /* P = 1: Gustafson 1, no communication: 1 */
    CHECK_NEAR(pk_model_weak_efficiency(&k, &machine, 1), 1.0);
    /* No measured time: no efficiency. */
    const pk_kernel_cost empty = {.seconds = 0, .units = 100};
    CU_ASSERT(isnan(pk_model_weak_efficiency(&empty, &machine, 4)));
}

static void test_model_memory_floor(void)
{
    const pk_kernel_cost k = {.seconds = 1, .nx = 1000, .ny = 2000, .steps = 10, .bytes_per_update = 16};
    /* 1000 * 2000 * 10 * 16 = 3.2e8 bytes / 1e10 = 0.032 s */
    CHECK_NEAR(pk_model_memory_floor(&k, &machine), 0.032);
    /* The bandwidth unknown: no floor. */
    const pk_machine no_memory = {.latency = 1e-6, .bandwidth = 1e9, .memory_bandwidth = 0};
    CHECK_NEAR(pk_model_memory_floor(&k, &no_memory), 0.0);
    /* A kernel that moves no bytes an update: no floor. */
    pk_kernel_cost no_bytes = k;
    no_bytes.bytes_per_update = 0;
    CHECK_NEAR(pk_model_memory_floor(&no_bytes, &machine), 0.0);
    /* No grid: no floor. */
    const pk_kernel_cost no_grid = {.seconds = 1, .bytes_per_update = 16};
    CHECK_NEAR(pk_model_memory_floor(&no_grid, &machine), 0.0);
}

int pk_suite_scaling(void)
{
    static const pk_test_case cases[] = {
        {"speedup", test_speedup},
        {"efficiency", test_efficiency},
        {"karp_flatt", test_karp_flatt},
        {"fit_amdahl_exact", test_fit_amdahl_exact},
        {"fit_amdahl_skips_unusable_points", test_fit_amdahl_skips_unusable_points},
        {"fit_amdahl_nothing_to_fit", test_fit_amdahl_nothing_to_fit},
        {"fit_amdahl_clamped", test_fit_amdahl_clamped},
        {"fit_amdahl_least_squares", test_fit_amdahl_least_squares},
        {"fit_gustafson", test_fit_gustafson},
        {"law_speedups", test_law_speedups},
        {"model_tiles", test_model_tiles},
        {"comm_one_rank", test_comm_one_rank},
        {"comm_end_reduction", test_comm_end_reduction},
        {"comm_reduction", test_comm_reduction},
        {"comm_hand_outs", test_comm_hand_outs},
        {"comm_halos", test_comm_halos},
        {"model_seconds_amdahl", test_model_seconds_amdahl},
        {"model_seconds_memory_floor", test_model_seconds_memory_floor},
        {"model_seconds_hand_out_floor", test_model_seconds_hand_out_floor},
        {"model_efficiency", test_model_efficiency},
        {"model_weak_efficiency", test_model_weak_efficiency},
        {"model_memory_floor", test_model_memory_floor},
        {NULL, NULL},
    };
    return pk_suite_add("scaling", cases);
}
