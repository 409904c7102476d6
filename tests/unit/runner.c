/*
 * The one CUnit runner for every unit-test suite.
 *
 *   unit-tests                run everything
 *   unit-tests SUITE [TEST]   run one suite, or one test of it
 *
 * It exits 1 on any failure or registry error, never with the failure count
 * (which would wrap at 256 and could read as success).
 */
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <CUnit/Basic.h>

#include "parkit/comm.h"
#include "parkit/status.h"
#include "suites.h"

int pk_test_make_directory(char *path_template)
{
    return mkdtemp(path_template) != NULL ? 0 : -1;
}

int pk_test_remove_directory(const char *path)
{
    char command[PATH_MAX + 16];
    snprintf(command, sizeof command, "rm -rf '%s'", path);
    return system(command) == 0 ? 0 : -1;
}

static int skipped;

void pk_test_skipped(const char *what, const char *why)
{
    printf("SKIPPED: %s (%s)\n", what, why);
    skipped++;
}

int pk_suite_add_set_up(const char *suite_name, const pk_test_case *cases, CU_InitializeFunc set_up,
                        CU_CleanupFunc clean_up)
{
    CU_pSuite suite = CU_add_suite(suite_name, set_up, clean_up);
    if (suite == NULL)
        return -1;
    for (const pk_test_case *c = cases; c->name != NULL; c++)
        if (CU_add_test(suite, c->name, c->run) == NULL)
            return -1;
    return 0;
}

int pk_suite_add(const char *suite_name, const pk_test_case *cases)
{
    return pk_suite_add_set_up(suite_name, cases, NULL, NULL);
}

static int (*const suites[])(void) = {
    pk_suite_numexpr, pk_suite_linescan, pk_suite_numbers, pk_suite_primality, pk_suite_sieve, pk_suite_primes_job,
    pk_suite_engine, pk_suite_engine_ranks, pk_suite_queue, pk_suite_comm, pk_suite_checkpoint, pk_suite_rounds,
    pk_suite_jobfile, pk_suite_writer, pk_suite_reader, pk_suite_answers, pk_suite_mandel,
    pk_suite_grid,     pk_suite_heat,    pk_suite_png_frames, pk_suite_scaling, pk_suite_json_fields,
    pk_suite_cpus,
};

int main(int argc, char **argv)
{
    /* The tests run up to 4 threads on 2 cores, beside other test processes.
     * libgomp's idle threads spin (OMP_WAIT_POLICY=active by default) and
     * steal the cores the busy threads need, making the suite ~20x slower.
     * libgomp reads the variable before main, hence the re-exec. */
    if (getenv("OMP_WAIT_POLICY") == NULL) {
        setenv("OMP_WAIT_POLICY", "passive", 1);
        execv("/proc/self/exe", argv);
        /* If that failed, run anyway, only slower. */
    }
    if (argc > 3) {
        fprintf(stderr, "usage: %s [SUITE [TEST]]\n", argv[0]);
        return 2;
    }
    /* Under mpirun (tests/mpi runs the comm and engine_ranks suites on 1-4 ranks). */
    const bool under_mpirun = pk_comm_built_with_mpi() && getenv("OMPI_COMM_WORLD_SIZE") != NULL;
    if (under_mpirun && pk_comm_init(&argc, &argv) != PK_OK) {
        fprintf(stderr, "unit-tests: MPI could not start\n");
        return 1;
    }
    if (CU_initialize_registry() != CUE_SUCCESS) {
        fprintf(stderr, "unit-tests: %s\n", CU_get_error_msg());
        return 1;
    }
    for (size_t i = 0; i < sizeof suites / sizeof suites[0]; i++) {
        if (suites[i]() != 0) {
            fprintf(stderr, "unit-tests: registering suites: %s\n", CU_get_error_msg());
            CU_cleanup_registry();
            return 1;
        }
    }

    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_ErrorCode rc;
    if (argc == 1) {
        rc = CU_basic_run_tests();
    } else {
        CU_pSuite suite = CU_get_suite(argv[1]);
        if (suite == NULL) {
            fprintf(stderr, "unit-tests: no suite named '%s'\n", argv[1]);
            CU_cleanup_registry();
            return 2;
        }
        if (argc == 2) {
            rc = CU_basic_run_suite(suite);
        } else {
            CU_pTest test = CU_get_test(suite, argv[2]);
            if (test == NULL) {
                fprintf(stderr, "unit-tests: suite '%s' has no test '%s'\n", argv[1], argv[2]);
                CU_cleanup_registry();
                return 2;
            }
            rc = CU_basic_run_test(suite, test);
        }
    }
    unsigned failed = CU_get_number_of_failures();
    unsigned tests_failed = CU_get_number_of_tests_failed();
    unsigned ran = CU_get_number_of_tests_run();
    CU_cleanup_registry();
    if (under_mpirun)
        pk_comm_finalize();
    if (rc != CUE_SUCCESS) {
        fprintf(stderr, "unit-tests: CUnit error %d\n", (int)rc);
        return 1;
    }
    if (ran == 0) {
        fprintf(stderr, "unit-tests: no test ran\n");
        return 1;
    }
    if (skipped > 0 && argc == 1)
        printf("unit-tests: %d groups of tests SKIPPED in this build (see the SKIPPED lines above)\n", skipped);
    return (failed > 0 || tests_failed > 0) ? 1 : 0;
}
