/*
 * Checkpointed rounds (src/par/rounds.c) with a job that knows nothing of
 * primes: a run stopped part-way saves what it finished; a resume with
 * another thread count runs only the rest and ends with every unit's
 * result exactly once; outputs by place keep the job's unit numbers; a
 * save that cannot happen fails the run with the path and the cause; a
 * finished job leaves no checkpoint.  And the files written by place
 * (src/io/outfile.c): laid out from sizes, written in any order, checked
 * on resume.
 */
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "parkit/outfile.h"
#include "parkit/rounds.h"
#include "parkit/status.h"
#include "suites.h"

enum { UNITS = 300 };

typedef struct square_job {
    _Atomic int runs[UNITS];
    _Atomic int *cancel;
    uint64_t cancel_at; /* this unit sets *cancel (UNITS: never) */
    char text[UNITS][24];
} square_job;

/* A unit's result is its square; its text is "u\n". */
static int square_unit(void *state, void *worker, uint64_t unit, uint64_t counters[])
{
    (void)worker;
    square_job *job = state;
    atomic_fetch_add(&job->runs[unit], 1);
    if (job->cancel != NULL && unit == job->cancel_at)
        atomic_store(job->cancel, 1);
    snprintf(job->text[unit], sizeof job->text[unit], "%llu\n", (unsigned long long)unit);
    counters[0] += unit * unit;
    return PK_OK;
}

static int square_text(void *state, void *worker, uint64_t unit, const char **data, size_t *len)
{
    (void)worker;
    square_job *job = state;
    *data = job->text[unit];
    *len = strlen(job->text[unit]);
    return PK_OK;
}

static char directory[] = "/tmp/parkit-rounds-XXXXXX";

static void test_stop_and_resume_with_other_threads(void)
{
    char path[128];
    snprintf(path, sizeof path, "%s/job.ck", directory);
    square_job *job = calloc(1, sizeof *job);
    static _Atomic int cancel;
    atomic_store(&cancel, 0);
    job->cancel = &cancel;
    job->cancel_at = 40;
    pk_job engine_job = {.units = UNITS, .state = job, .run_unit = square_unit};
    pk_engine_options options = {.threads = 3, .schedule = {PK_SCHEDULE_DYNAMIC, 1}, .cancel = &cancel};
    pk_checkpoint checkpoint;
    CU_ASSERT_EQUAL_FATAL(pk_checkpoint_init(&checkpoint, UNITS), PK_OK);
    snprintf(checkpoint.identity, sizeof checkpoint.identity, "job squares\n");
    pk_rounds rounds = {.path = path, .interval = 1000, .resume = true};
    CU_ASSERT_EQUAL(pk_rounds_start(&options, &rounds, &checkpoint), PK_OK);
    CU_ASSERT_PTR_NOT_NULL(strstr(rounds.note, "starting afresh"));
    CU_ASSERT_EQUAL(pk_rounds_run(&options, &engine_job, &checkpoint, &rounds, NULL), PK_ECANCELED);
    CU_ASSERT(rounds.saved_on_stop);
    CU_ASSERT_EQUAL(access(path, F_OK), 0);
    uint64_t first_done = pk_checkpoint_done_count(&checkpoint);
    CU_ASSERT(first_done > 0 && first_done < UNITS);
    pk_checkpoint_free(&checkpoint);

    /* Resume with one thread: only the rest runs. */
    atomic_store(&cancel, 0);
    job->cancel = NULL;
    int ran_before[UNITS];
    for (int u = 0; u < UNITS; u++)
        ran_before[u] = atomic_load(&job->runs[u]);
    options.threads = 1;
    CU_ASSERT_EQUAL_FATAL(pk_checkpoint_init(&checkpoint, UNITS), PK_OK);
    snprintf(checkpoint.identity, sizeof checkpoint.identity, "job squares\n");
    pk_rounds again = {.path = path, .interval = 0.0001, .resume = true};
    CU_ASSERT_EQUAL(pk_rounds_start(&options, &again, &checkpoint), PK_OK);
    CU_ASSERT_EQUAL(again.resumed, first_done);
    CU_ASSERT_EQUAL(pk_rounds_run(&options, &engine_job, &checkpoint, &again, NULL), PK_OK);
    uint64_t sum = 0, rerun = 0;
    for (uint64_t u = 0; u < UNITS; u++) {
        sum += checkpoint.results[u];
        rerun += checkpoint.done[u] && ran_before[u] > 0 && atomic_load(&job->runs[u]) > ran_before[u];
    }
    CU_ASSERT_EQUAL(sum, (uint64_t)(UNITS - 1) * UNITS * (2 * UNITS - 1) / 6);
    CU_ASSERT_EQUAL(pk_checkpoint_done_count(&checkpoint), UNITS);
    CU_ASSERT_EQUAL(rerun, 0); /* a unit done before the stop is not run again */
    pk_rounds_finish(&options, &again, PK_OK);
    CU_ASSERT_NOT_EQUAL(access(path, F_OK), 0);
    pk_checkpoint_free(&checkpoint);
    free(job);
}

/* Outputs by place through rounds keep the job's unit numbers, so a file
 * laid out for the job gets every unit at its place. */
static void test_outputs_by_place_and_files(void)
{
    char path[128];
    snprintf(path, sizeof path, "%s/out.txt", directory);
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
    CU_ASSERT_FATAL(fd >= 0);
    square_job *job = calloc(1, sizeof *job);
    uint64_t sizes[UNITS];
    size_t total = 0;
    char expected[UNITS * 24] = "";
    for (uint64_t u = 0; u < UNITS; u++) {
        char line[24];
        sizes[u] = (uint64_t)snprintf(line, sizeof line, "%llu\n", (unsigned long long)u);
        memcpy(expected + total, line, sizes[u]);
        total += sizes[u];
    }
    pk_outfile file;
    pk_outfile_init(&file, fd, path);
    char why[256] = "";
    CU_ASSERT_EQUAL(pk_outfile_lay_out(&file, sizes, UNITS, NULL, false, why, sizeof why), PK_OK);
    CU_ASSERT_EQUAL(lseek(fd, 0, SEEK_END), (off_t)total);
    /* A text of the wrong length is never written. */
    CU_ASSERT_EQUAL(pk_outfile_write_unit(&file, 7, "77\n", 3), PK_EINTERNAL);

    /* Half the units were done (and written) before: the rest, by rounds. */
    pk_checkpoint checkpoint;
    CU_ASSERT_EQUAL_FATAL(pk_checkpoint_init(&checkpoint, UNITS), PK_OK);
    for (uint64_t u = 0; u < UNITS; u += 2) {
        char line[24];
        snprintf(line, sizeof line, "%llu\n", (unsigned long long)u);
        CU_ASSERT_EQUAL(pk_outfile_write_unit(&file, u, line, sizes[u]), PK_OK);
        checkpoint.done[u] = 1;
        checkpoint.results[u] = u * u;
    }
    pk_job engine_job = {.units = UNITS, .state = job, .run_unit = square_unit, .unit_output = square_text};
    pk_engine_options options = {.threads = 4, .schedule = {PK_SCHEDULE_DYNAMIC, 3},
                                 .write_at = pk_outfile_write_unit, .write_at_ctx = &file};
    pk_rounds rounds = {.path = "unused", .interval = 1000, .before_save = pk_outfile_sync, .before_save_ctx = &file};
    CU_ASSERT_EQUAL(pk_rounds_run(&options, &engine_job, &checkpoint, &rounds, NULL), PK_OK);
    for (uint64_t u = 0; u < UNITS; u++)
        CU_ASSERT_EQUAL(atomic_load(&job->runs[u]), u % 2); /* only the odd ones ran */
    char got[UNITS * 24];
    CU_ASSERT_EQUAL(pread(fd, got, total, 0), (ssize_t)total);
    CU_ASSERT_EQUAL(memcmp(got, expected, total), 0);

    /* On resume, the file must be the one the checkpoint recorded. */
    CU_ASSERT_EQUAL(pk_outfile_lay_out(&file, sizes, UNITS, &checkpoint, false, why, sizeof why), PK_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(why, "the checkpoint does not record it"));
    pk_checkpoint_set_note(&checkpoint, "partial_size", total);
    pk_checkpoint_set_note(&checkpoint, "partial_inode", 1);
    CU_ASSERT_EQUAL(pk_outfile_lay_out(&file, sizes, UNITS, &checkpoint, false, why, sizeof why), PK_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(why, "another inode"));
    CU_ASSERT_EQUAL(ftruncate(fd, 10), 0);
    CU_ASSERT_EQUAL(pk_outfile_lay_out(&file, sizes, UNITS, &checkpoint, false, why, sizeof why), PK_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(why, "size is not the one recorded"));
    pk_checkpoint_free(&checkpoint);
    pk_outfile_free(&file);
    close(fd);
    unlink(path);
    free(job);
}

static int refuse_write(void *ctx, const char *data, size_t len)
{
    (void)ctx;
    (void)data;
    (void)len;
    return -1;
}

static int failing_sync(void *ctx)
{
    (void)ctx;
    return 28; /* ENOSPC */
}

/* A save that cannot happen fails the run, with the path and the cause. */
static void test_failed_save_fails_the_run(void)
{
    square_job *job = calloc(1, sizeof *job);
    pk_job engine_job = {.units = UNITS, .state = job, .run_unit = square_unit};
    pk_engine_options options = {.threads = 2};
    pk_checkpoint checkpoint;
    CU_ASSERT_EQUAL_FATAL(pk_checkpoint_init(&checkpoint, UNITS), PK_OK);
    pk_rounds rounds = {.path = "/tmp/never-written.ck", .interval = 0.000001, .before_save = failing_sync};
    CU_ASSERT_EQUAL(pk_rounds_run(&options, &engine_job, &checkpoint, &rounds, NULL), PK_EIO);
    CU_ASSERT_STRING_EQUAL(rounds.error, "cannot save the checkpoint to /tmp/never-written.ck: No space left on device");
    CU_ASSERT_NOT_EQUAL(access("/tmp/never-written.ck", F_OK), 0);
    /* An ordered output cannot be resumed: refused. */
    options.write = refuse_write;
    CU_ASSERT_EQUAL(pk_rounds_run(&options, &engine_job, &checkpoint, &rounds, NULL), PK_EINVAL);
    pk_checkpoint_free(&checkpoint);
    free(job);
}

static int make_directory(void)
{
    return pk_test_make_directory(directory);
}

static int remove_directory(void)
{
    return pk_test_remove_directory(directory);
}

int pk_suite_rounds(void)
{
    CU_pSuite suite = CU_add_suite("rounds", make_directory, remove_directory);
    if (suite == NULL ||
        CU_add_test(suite, "stop_and_resume_with_other_threads", test_stop_and_resume_with_other_threads) == NULL ||
        CU_add_test(suite, "outputs_by_place_and_files", test_outputs_by_place_and_files) == NULL ||
        CU_add_test(suite, "failed_save_fails_the_run", test_failed_save_fails_the_run) == NULL)
        return -1;
    return 0;
}
