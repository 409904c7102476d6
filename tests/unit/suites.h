/*
 * The unit-test suites, one per module.  Each test file defines one
 * pk_suite_<module>() that adds its suite and tests to the CUnit registry
 * and returns 0, or -1 when CUnit could not register them.
 */
#ifndef PK_TEST_SUITES_H
#define PK_TEST_SUITES_H

#include <CUnit/CUnit.h>

int pk_suite_numexpr(void);
int pk_suite_linescan(void);
int pk_suite_numbers(void);
int pk_suite_primality(void);
int pk_suite_sieve(void);
int pk_suite_primes_job(void);
int pk_suite_engine(void);
int pk_suite_engine_ranks(void);
int pk_suite_queue(void);
int pk_suite_comm(void);
int pk_suite_checkpoint(void);
int pk_suite_rounds(void);
int pk_suite_writer(void);
int pk_suite_reader(void);
int pk_suite_jobfile(void);
int pk_suite_answers(void);
int pk_suite_mandel(void);
int pk_suite_grid(void);
int pk_suite_heat(void);
int pk_suite_png_frames(void);
int pk_suite_scaling(void);
int pk_suite_json_fields(void);
int pk_suite_cpus(void);

/* The registration helper every suite uses: NULL-terminated {name, fn} list. */
typedef struct pk_test_case {
    const char *name;
    CU_TestFunc run;
} pk_test_case;

int pk_suite_add(const char *suite_name, const pk_test_case *cases);
/* The same, with CUnit's set-up and clean-up functions around the suite. */
int pk_suite_add_set_up(const char *suite_name, const pk_test_case *cases, CU_InitializeFunc set_up,
                        CU_CleanupFunc clean_up);

/* Tests left out of this build (compiled out for a missing library): a
 * "SKIPPED: WHAT (WHY)" line now, and counted in the runner's summary, so
 * a build without them never looks complete. */
void pk_test_skipped(const char *what, const char *why);

/* A suite's scratch directory: made from PATH_TEMPLATE (mkdtemp, which
 * fills in its XXXXXX), and removed with all it holds.  0 or -1, as CUnit's
 * suite set-up and clean-up functions return. */
int pk_test_make_directory(char *path_template);
int pk_test_remove_directory(const char *path);

#endif
