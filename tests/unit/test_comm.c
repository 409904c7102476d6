/*
 * The wall around MPI, on any number of ranks: run plainly it is one rank
 * of one (the serial branch, so callers need no special cases); tests/mpi
 * runs this suite under mpirun -np 1..4, where every collective, the
 * neighbour exchange and the shared counter must give the same results.
 */
#include <stdlib.h>

#include "parkit/comm.h"
#include "parkit/status.h"
#include "suites.h"

static void test_collectives(void)
{
    const int rank = pk_comm_rank(), size = pk_comm_size();
    CU_ASSERT(rank >= 0 && rank < size);
    CU_ASSERT_EQUAL(pk_comm_agree(PK_OK), PK_OK);
    /* One rank's failure is every rank's. */
    CU_ASSERT_EQUAL(pk_comm_agree(rank == size - 1 ? PK_EIO : PK_OK), PK_EIO);
    uint64_t values[3] = {1, (uint64_t)rank, 3};
    pk_comm_sum_u64(values, 3);
    CU_ASSERT(values[0] == (uint64_t)size && values[1] == (uint64_t)size * (size - 1) / 2 &&
              values[2] == 3 * (uint64_t)size);
    CU_ASSERT_EQUAL(pk_comm_exscan_u64(42), 42 * (uint64_t)rank);
    double min, avg, max;
    pk_comm_stats(2.5 + rank, &min, &avg, &max);
    CU_ASSERT(min == 2.5 && max == 2.5 + (size - 1) && avg == 2.5 + (size - 1) / 2.0);
    double sums[2] = {0.5, rank}, maxima[2] = {-1.0 * rank, rank};
    pk_comm_sum_double(sums, 2);
    pk_comm_max_double(maxima, 2);
    CU_ASSERT(sums[0] == 0.5 * size && sums[1] == size * (size - 1) / 2.0);
    CU_ASSERT(maxima[0] == 0.0 && maxima[1] == size - 1);
    int *all = calloc((size_t)size, sizeof *all);
    CU_ASSERT_PTR_NOT_NULL_FATAL(all);
    int mine = 7 * rank;
    pk_comm_allgather(&mine, all, sizeof mine);
    for (int r = 0; r < size; r++)
        CU_ASSERT_EQUAL(all[r], 7 * r);
    free(all);
    uint8_t flags[2] = {(uint8_t)(rank == 0), 0};
    pk_comm_max_u8(flags, 2);
    CU_ASSERT(flags[0] == 1 && flags[1] == 0);
}

/* Halos: a ring (every rank sends right, receives from the left), and a
 * line whose ends have nobody beyond them. */
static void test_neighbour_exchange(void)
{
    const int rank = pk_comm_rank(), size = pk_comm_size();
    int send[3] = {rank, 100 + rank, 200 + rank}, got[3] = {-1, -1, -1};
    pk_comm_exchange(send, sizeof send, (rank + 1) % size, got, sizeof got, (rank + size - 1) % size, 5);
    const int left = (rank + size - 1) % size;
    CU_ASSERT(got[0] == left && got[1] == 100 + left && got[2] == 200 + left);
    int line[3] = {-1, -1, -1};
    pk_comm_exchange(send, sizeof send, rank + 1 < size ? rank + 1 : PK_COMM_NOBODY, line, sizeof line,
                     rank > 0 ? rank - 1 : PK_COMM_NOBODY, 6);
    if (rank == 0) {
        CU_ASSERT(line[0] == -1 && line[1] == -1 && line[2] == -1); /* nobody on the left: untouched */
    } else {
        CU_ASSERT(line[0] == rank - 1 && line[2] == 200 + rank - 1);
    }
}

/* The shared counter hands out each range once, whichever rank asks. */
static void test_counter_hands_out_consecutive_ranges(void)
{
    const int size = pk_comm_size();
    pk_comm_counter *counter = pk_comm_counter_create();
    CU_ASSERT_PTR_NOT_NULL_FATAL(counter);
    uint64_t taken[3];
    for (int i = 0; i < 3; i++)
        taken[i] = pk_comm_counter_take(counter, 4);
    uint64_t *all = calloc(3 * (size_t)size, sizeof *all);
    CU_ASSERT_PTR_NOT_NULL_FATAL(all);
    pk_comm_allgather(taken, all, sizeof taken);
    /* Every start is a multiple of 4 below 12 * size, and none twice. */
    int wrong = 0;
    for (int i = 0; i < 3 * size; i++) {
        wrong += all[i] % 4 != 0 || all[i] >= 12 * (uint64_t)size;
        for (int j = 0; j < i; j++)
            wrong += all[i] == all[j];
    }
    CU_ASSERT_EQUAL(wrong, 0);
    if (size == 1) {
        CU_ASSERT(taken[0] == 0 && taken[1] == 4 && taken[2] == 8);
    }
    free(all);
    pk_comm_counter_destroy(counter);
}

int pk_suite_comm(void)
{
    static const pk_test_case cases[] = {
        {"collectives", test_collectives},
        {"neighbour_exchange", test_neighbour_exchange},
        {"counter_hands_out_consecutive_ranges", test_counter_hands_out_consecutive_ranges},
        {NULL, NULL},
    };
    return pk_suite_add("comm", cases);
}
