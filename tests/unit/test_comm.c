/*
 * The serial branch of the MPI wall: without mpirun (or without MPI) every
 * call behaves as one rank of one, so callers need no special cases.  The
 * MPI branch is tested with real mpirun in tests/mpi/.
 */
#include <stdlib.h>

#include "parkit/comm.h"
#include "parkit/status.h"
#include "suites.h"

static void test_one_rank_of_one(void)
{
    CU_ASSERT_EQUAL(pk_comm_rank(), 0);
    CU_ASSERT_EQUAL(pk_comm_size(), 1);
    CU_ASSERT_EQUAL(pk_comm_agree(PK_OK), PK_OK);
    CU_ASSERT_EQUAL(pk_comm_agree(PK_EIO), PK_EIO);
    uint64_t values[3] = {1, 2, 3};
    pk_comm_sum_u64(values, 3);
    CU_ASSERT(values[0] == 1 && values[1] == 2 && values[2] == 3);
    CU_ASSERT_EQUAL(pk_comm_exscan_u64(42), 0);
    double min, avg, max;
    pk_comm_stats(2.5, &min, &avg, &max);
    CU_ASSERT(min == 2.5 && avg == 2.5 && max == 2.5);
    int mine = 7, all = 0;
    pk_comm_allgather(&mine, &all, sizeof mine);
    CU_ASSERT_EQUAL(all, 7);
}

static void test_counter_hands_out_consecutive_ranges(void)
{
    pk_comm_counter *counter = pk_comm_counter_create();
    CU_ASSERT_PTR_NOT_NULL_FATAL(counter);
    CU_ASSERT_EQUAL(pk_comm_counter_take(counter, 4), 0);
    CU_ASSERT_EQUAL(pk_comm_counter_take(counter, 4), 4);
    CU_ASSERT_EQUAL(pk_comm_counter_take(counter, 1), 8);
    CU_ASSERT_EQUAL(pk_comm_counter_take(counter, 0), 9);
    pk_comm_counter_destroy(counter);
}

int pk_suite_comm(void)
{
    static const pk_test_case cases[] = {
        {"one_rank_of_one", test_one_rank_of_one},
        {"counter_hands_out_consecutive_ranges", test_counter_hands_out_consecutive_ranges},
        {NULL, NULL},
    };
    return pk_suite_add("comm", cases);
}
