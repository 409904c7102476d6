/*
 * The engine spread over ranks (tests/mpi runs this suite under mpirun on
 * 1-4 ranks; alone it is one rank of one): every unit runs once on some
 * rank, counters add up, and a job's output reaches rank 0 in unit order,
 * byte for byte what one process writes, under block, cyclic and dynamic
 * distribution; a failing unit, a failed write on rank 0 and a cancel end
 * the run on every rank with its status and leave a prefix of whole units.
 * Also the run report's sums and its figures gathered over the ranks.
 */
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parkit/comm.h"
#include "parkit/engine.h"
#include "parkit/run_report.h"
#include "parkit/status.h"
#include "suites.h"

enum { UNITS = 997, MOST_BYTES = 40000 };

typedef struct text_job {
    uint64_t fail_at;  /* UNITS: never */
    uint64_t cancel_at; /* UNITS: never; this unit sets *cancel (of its rank) */
    _Atomic int *cancel;
    _Atomic int cancel_flag;
    uint64_t runs[UNITS]; /* summed over ranks by the engine (unit_values) */
    /* rank 0's sink */
    char *written;
    size_t written_len, written_capacity;
    size_t fail_write_after; /* SIZE_MAX: never */
} text_job;

/* Unit u's output: uneven lengths, some empty, some far past MPI's eager
 * limit (so large messages move by rendezvous). */
static size_t output_length(uint64_t unit)
{
    if (unit % 11 == 3)
        return 0;
    if (unit % 97 == 5)
        return MOST_BYTES;
    return 1 + (unit * 7919) % 3000;
}

static void fill_output(uint64_t unit, char *out, size_t len)
{
    for (size_t i = 0; i < len; i++)
        out[i] = (char)('a' + (unit + i) % 26);
    if (len > 0)
        out[len - 1] = '\n';
}

static void *text_worker_create(void *state)
{
    (void)state;
    return malloc(MOST_BYTES);
}

static void text_worker_destroy(void *state, void *worker)
{
    (void)state;
    free(worker);
}

static int text_unit(void *state, void *worker, uint64_t unit, uint64_t counters[])
{
    text_job *job = state;
    job->runs[unit] += 1;
    counters[0] += unit;
    counters[1] += 1;
    if (job->cancel != NULL && unit == job->cancel_at)
        atomic_store(job->cancel, 1);
    /* Uneven cost, so units finish out of order within and across ranks. */
    volatile uint64_t spin = 0;
    for (uint64_t i = 0; i < ((unit * 31) % 13) * 3000; i++)
        spin += i;
    fill_output(unit, worker, output_length(unit));
    return unit == job->fail_at ? PK_EIO : PK_OK;
}

static int text_output(void *state, void *worker, uint64_t unit, const char **data, size_t *len)
{
    (void)state;
    *data = worker;
    *len = output_length(unit);
    return PK_OK;
}

static int text_write(void *ctx, const char *data, size_t len)
{
    text_job *job = ctx;
    if (job->written_len + len > job->fail_write_after)
        return -1;
    if (job->written_len + len > job->written_capacity) {
        size_t capacity = 2 * (job->written_len + len);
        char *grown = realloc(job->written, capacity);
        if (grown == NULL)
            return -1;
        job->written = grown;
        job->written_capacity = capacity;
    }
    memcpy(job->written + job->written_len, data, len);
    job->written_len += len;
    return 0;
}

/* What one process writes: every unit's output in order; ends[u] is where
 * unit u's output ends. */
static char *expected_output(size_t *len, size_t ends[UNITS])
{
    size_t total = 0;
    for (uint64_t u = 0; u < UNITS; u++)
        total += output_length(u);
    char *text = malloc(total);
    size_t at = 0;
    for (uint64_t u = 0; u < UNITS; u++) {
        fill_output(u, text + at, output_length(u));
        at += output_length(u);
        ends[u] = at;
    }
    *len = total;
    return text;
}

static int run_text_job(text_job *state, pk_distribute distribute, int threads, uint64_t units,
                        uint64_t counters[PK_JOB_MAX_COUNTERS])
{
    pk_job job = {
        .units = units,
        .state = state,
        .worker_create = text_worker_create,
        .worker_destroy = text_worker_destroy,
        .run_unit = text_unit,
        .unit_output = text_output,
        .unit_values = state->runs,
    };
    pk_engine_options options = {
        .threads = threads,
        .schedule = {PK_SCHEDULE_DYNAMIC, 1},
        .distributed = true,
        .distribute = distribute,
        .cancel = state->cancel,
        .write = text_write,
        .write_ctx = state,
    };
    pk_engine_stats stats;
    return pk_engine_run(&options, &job, counters, &stats);
}

static text_job *new_job(void)
{
    text_job *state = calloc(1, sizeof *state);
    state->fail_at = UNITS;
    state->cancel_at = UNITS;
    state->fail_write_after = SIZE_MAX;
    return state;
}

static void free_job(text_job *state)
{
    free(state->written);
    free(state);
}

static const pk_distribute distributions[] = {PK_DISTRIBUTE_BLOCK, PK_DISTRIBUTE_CYCLIC, PK_DISTRIBUTE_DYNAMIC};

static void test_output_in_order_under_every_distribution(void)
{
    size_t ends[UNITS], expected_len;
    char *expected = expected_output(&expected_len, ends);
    for (size_t d = 0; d < sizeof distributions / sizeof distributions[0]; d++) {
        for (int threads = 1; threads <= 3; threads += 2) {
            text_job *state = new_job();
            uint64_t counters[PK_JOB_MAX_COUNTERS];
            CU_ASSERT_EQUAL(run_text_job(state, distributions[d], threads, UNITS, counters), PK_OK);
            CU_ASSERT_EQUAL(counters[0], (uint64_t)UNITS * (UNITS - 1) / 2);
            CU_ASSERT_EQUAL(counters[1], UNITS);
            int once = 1;
            for (uint64_t u = 0; u < UNITS; u++)
                once &= state->runs[u] == 1;
            CU_ASSERT_TRUE(once);
            if (pk_comm_rank() == 0) {
                CU_ASSERT_EQUAL(state->written_len, expected_len);
                CU_ASSERT_TRUE(state->written_len == expected_len &&
                               memcmp(state->written, expected, expected_len) == 0);
            } else {
                CU_ASSERT_EQUAL(state->written_len, 0);
            }
            free_job(state);
        }
    }
    free(expected);
}

/* Rank 0's output is EXPECTED up to the end of a unit before LAST_UNIT. */
static void check_prefix(const text_job *state, const char *expected, const size_t ends[UNITS], uint64_t last_unit)
{
    if (pk_comm_rank() != 0)
        return;
    int whole_units = state->written_len == 0;
    for (uint64_t u = 0; u < last_unit; u++)
        whole_units |= state->written_len == ends[u];
    CU_ASSERT_TRUE(whole_units);
    CU_ASSERT_TRUE(state->written_len <= (last_unit > 0 ? ends[last_unit - 1] : 0));
    CU_ASSERT_TRUE(state->written_len == 0 || memcmp(state->written, expected, state->written_len) == 0);
}

/* Runs the job set up by SETUP under every distribution: each run must end
 * with STATUS on every rank and leave, on rank 0, a prefix of whole units
 * before LAST_UNIT (at most a third of the text when WRITE_FAILS). */
static void check_stopped_runs(void (*setup)(text_job *), int status, uint64_t last_unit, bool write_fails)
{
    size_t ends[UNITS], expected_len;
    char *expected = expected_output(&expected_len, ends);
    for (size_t d = 0; d < sizeof distributions / sizeof distributions[0]; d++) {
        text_job *state = new_job();
        setup(state);
        if (write_fails)
            state->fail_write_after = expected_len / 3;
        uint64_t counters[PK_JOB_MAX_COUNTERS];
        CU_ASSERT_EQUAL(run_text_job(state, distributions[d], 2, UNITS, counters), status);
        check_prefix(state, expected, ends, last_unit);
        if (write_fails && pk_comm_rank() == 0)
            CU_ASSERT_TRUE(state->written_len <= expected_len / 3);
        free_job(state);
    }
    free(expected);
}

static void unit_600_fails(text_job *state)
{
    state->fail_at = 600;
}

static void no_change(text_job *state)
{
    (void)state;
}

/* The rank that runs unit 400 is told to stop (as a signal would). */
static void cancel_at_400(text_job *state)
{
    state->cancel = &state->cancel_flag;
    state->cancel_at = 400;
}

static void test_failing_unit_leaves_a_prefix(void)
{
    check_stopped_runs(unit_600_fails, PK_EIO, 600, false);
}

static void test_failed_write_on_rank_0_ends_every_rank(void)
{
    check_stopped_runs(no_change, PK_EIO, UNITS, true);
}

static void test_cancel_on_one_rank_ends_every_rank(void)
{
    check_stopped_runs(cancel_at_400, PK_ECANCELED, 401, false);
}

static void test_fewer_units_than_ranks(void)
{
    size_t ends[UNITS], expected_len;
    char *expected = expected_output(&expected_len, ends);
    for (size_t d = 0; d < sizeof distributions / sizeof distributions[0]; d++) {
        for (uint64_t units = 0; units <= 3; units++) {
            text_job *state = new_job();
            uint64_t counters[PK_JOB_MAX_COUNTERS];
            CU_ASSERT_EQUAL(run_text_job(state, distributions[d], 2, units, counters), PK_OK);
            CU_ASSERT_EQUAL(counters[1], units);
            if (pk_comm_rank() == 0) {
                size_t want = units > 0 ? ends[units - 1] : 0;
                CU_ASSERT_EQUAL(state->written_len, want);
                CU_ASSERT_TRUE(want == 0 || memcmp(state->written, expected, want) == 0);
            }
            free_job(state);
        }
    }
    free(expected);
}

/* The run report every kernel fills: an engine run's compute is its wall
 * time less its communication, and the per-rank figures come together. */
static void test_run_report_adds_and_gathers(void)
{
    pk_run_report report = {0};
    pk_engine_stats stats = {.seconds = 2.0, .comm_seconds = 0.5, .input_seconds = 0.25, .threads_used = 3,
                             .units_run = 7};
    pk_run_report_add(&report, &stats, 10);
    pk_run_report_add(&report, &stats, 10);
    pk_run_report_add(NULL, &stats, 10); /* a caller that wants no report */
    CU_ASSERT_DOUBLE_EQUAL(report.compute_seconds, 3.0, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(report.comm_seconds, 1.0, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(report.input_seconds, 0.5, 1e-12);
    CU_ASSERT_EQUAL(report.units, 20);
    CU_ASSERT_EQUAL(report.units_run, 14);
    CU_ASSERT_EQUAL(report.threads, 3);

    const int rank = pk_comm_rank(), size = pk_comm_size();
    report.compute_seconds = rank + 1;
    report.comm_seconds = 10.0 * (size - rank);
    pk_run_ranks ranks;
    pk_run_report_gather(&report, &ranks);
    CU_ASSERT_DOUBLE_EQUAL(ranks.compute_seconds.min, 1.0, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(ranks.compute_seconds.max, size, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(ranks.compute_seconds.avg, (size + 1) / 2.0, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(ranks.comm_seconds.min, 10.0, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(ranks.comm_seconds.max, 10.0 * size, 1e-12);
    CU_ASSERT_TRUE(ranks.peak_rss_kib.min > 0 && ranks.peak_rss_kib.min <= ranks.peak_rss_kib.avg &&
                   ranks.peak_rss_kib.avg <= ranks.peak_rss_kib.max);
    CU_ASSERT_TRUE((double)ranks.peak_rss_kib_total >= ranks.peak_rss_kib.avg * size * 0.999);
}

static void test_distribution_names(void)
{
    pk_distribute d;
    CU_ASSERT_EQUAL(pk_distribute_parse("cyclic", &d), PK_OK);
    CU_ASSERT_EQUAL(d, PK_DISTRIBUTE_CYCLIC);
    CU_ASSERT_STRING_EQUAL(pk_distribute_name(PK_DISTRIBUTE_CYCLIC), "cyclic");
    CU_ASSERT_EQUAL(pk_distribute_parse("block", &d), PK_OK);
    CU_ASSERT_EQUAL(d, PK_DISTRIBUTE_BLOCK);
    CU_ASSERT_EQUAL(pk_distribute_parse("dynamic", &d), PK_OK);
    CU_ASSERT_EQUAL(d, PK_DISTRIBUTE_DYNAMIC);
    CU_ASSERT_EQUAL(pk_distribute_parse("round-robin", &d), PK_EINVAL);
}

int pk_suite_engine_ranks(void)
{
    static const pk_test_case cases[] = {
        {"output_in_order_under_every_distribution", test_output_in_order_under_every_distribution},
        {"failing_unit_leaves_a_prefix", test_failing_unit_leaves_a_prefix},
        {"failed_write_on_rank_0_ends_every_rank", test_failed_write_on_rank_0_ends_every_rank},
        {"cancel_on_one_rank_ends_every_rank", test_cancel_on_one_rank_ends_every_rank},
        {"fewer_units_than_ranks", test_fewer_units_than_ranks},
        {"run_report_adds_and_gathers", test_run_report_adds_and_gathers},
        {"distribution_names", test_distribution_names},
        {NULL, NULL},
    };
    return pk_suite_add("engine_ranks", cases);
}
