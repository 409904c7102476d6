/*
 * Tests of the engine alone, with jobs that know nothing of primes: every
 * unit runs exactly once, counters add up, emits come in unit order under
 * every schedule (also when outputs stay in the job and are not copied),
 * a failing unit's status comes back, a cancel stops the
 * run and leaves a prefix of the output, and schedules parse and print.
 */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/clock.h"
#include "parkit/engine.h"
#include "parkit/status.h"
#include "suites.h"

enum { UNITS = 997 };

typedef struct tally_job {
    _Atomic int runs[UNITS];
    uint64_t emitted[UNITS];
    uint64_t emit_count;
    int emit_out_of_order;
    uint64_t fail_at; /* UNITS = never */
    uint64_t cancel_at; /* UNITS = never: this unit sets *cancel */
    _Atomic int *cancel;
    _Atomic int workers_alive;
    int output_stays;      /* pk_job.output_stays: outputs kept in stays[] */
    uint64_t stays[UNITS];
    int stays_copied;      /* a kept output reached the sink as a copy */
} tally_job;

static void *tally_worker_create(void *state)
{
    tally_job *job = state;
    atomic_fetch_add(&job->workers_alive, 1);
    return malloc(16);
}

static void tally_worker_destroy(void *state, void *worker)
{
    tally_job *job = state;
    atomic_fetch_sub(&job->workers_alive, 1);
    free(worker);
}

static int tally_unit(void *state, void *worker, uint64_t unit, uint64_t counters[])
{
    (void)worker;
    tally_job *job = state;
    atomic_fetch_add(&job->runs[unit], 1);
    if (job->cancel != NULL && unit == job->cancel_at)
        atomic_store(job->cancel, 1);
    counters[0] += unit;
    counters[1] += 1;
    /* Uneven cost, so dynamic schedules really reorder completion. */
    volatile uint64_t spin = 0;
    for (uint64_t i = 0; i < (unit % 7) * 2000; i++)
        spin += i;
    return unit == job->fail_at ? PK_EIO : PK_OK;
}

/* Each unit's output is its own number, as 8 bytes. */
static int tally_output(void *state, void *worker, uint64_t unit, const char **data, size_t *len)
{
    (void)state;
    memcpy(worker, &unit, sizeof unit);
    *data = worker;
    *len = sizeof unit;
    return PK_OK;
}

/* The same output, kept in the job's state until the run ends. */
static int tally_output_stays(void *state, void *worker, uint64_t unit, const char **data, size_t *len)
{
    (void)worker;
    tally_job *job = state;
    job->stays[unit] = unit;
    *data = (const char *)&job->stays[unit];
    *len = sizeof unit;
    return PK_OK;
}

/* The sink: outputs must arrive in unit order, never concurrently. */
static int tally_write(void *ctx, const char *data, size_t len)
{
    tally_job *job = ctx;
    uint64_t unit;
    if (len != sizeof unit)
        return -1;
    memcpy(&unit, data, sizeof unit);
    if (job->output_stays && unit < UNITS && data != (const char *)&job->stays[unit])
        job->stays_copied = 1;
    if (unit != job->emit_count)
        job->emit_out_of_order = 1;
    job->emitted[job->emit_count++] = unit;
    return 0;
}

/* WITH_EMIT: 0 no output, 1 output in the worker, 2 output that stays. */
static pk_job make_job(tally_job *state, int with_emit)
{
    state->output_stays = with_emit == 2;
    pk_job job = {
        .units = UNITS,
        .state = state,
        .worker_create = tally_worker_create,
        .worker_destroy = tally_worker_destroy,
        .run_unit = tally_unit,
        .unit_output = with_emit == 2 ? tally_output_stays : with_emit ? tally_output : NULL,
        .output_stays = with_emit == 2,
    };
    return job;
}

static void test_every_unit_once_and_ordered_emits(void)
{
    static const char *const schedules[] = {"static", "static,5", "dynamic", "dynamic,1", "guided", "guided,7"};
    for (int threads = 1; threads <= 4; threads++) {
        for (size_t s = 0; s < 2 * sizeof schedules / sizeof schedules[0]; s++) {
            const size_t kinds = sizeof schedules / sizeof schedules[0];
            tally_job *state = calloc(1, sizeof *state);
            state->fail_at = UNITS;
            pk_job job = make_job(state, s < kinds ? 1 : 2);
            pk_engine_options options = {.threads = threads, .write = tally_write, .write_ctx = state};
            CU_ASSERT_EQUAL_FATAL(pk_schedule_parse(schedules[s % kinds], &options.schedule), PK_OK);
            pk_progress progress = {0};
            options.progress = &progress;
            uint64_t counters[PK_JOB_MAX_COUNTERS];
            pk_engine_stats stats;
            CU_ASSERT_EQUAL(pk_engine_run(&options, &job, counters, &stats), PK_OK);
            CU_ASSERT_EQUAL(counters[0], (uint64_t)UNITS * (UNITS - 1) / 2);
            CU_ASSERT_EQUAL(counters[1], UNITS);
            int wrong = 0;
            for (int u = 0; u < UNITS; u++)
                wrong += atomic_load(&state->runs[u]) != 1;
            CU_ASSERT_EQUAL(wrong, 0);
            CU_ASSERT_EQUAL(state->emit_count, UNITS);
            CU_ASSERT_FALSE(state->emit_out_of_order);
            CU_ASSERT_FALSE(state->stays_copied);
            CU_ASSERT_EQUAL(atomic_load(&state->workers_alive), 0);
            CU_ASSERT_EQUAL(atomic_load(&progress.units_done), UNITS);
            CU_ASSERT_EQUAL(atomic_load(&progress.units_total), UNITS);
#ifdef _OPENMP
            CU_ASSERT_EQUAL(stats.threads_used, threads);
#endif
            free(state);
        }
    }
}

static void test_failure_is_reported(void)
{
    tally_job *state = calloc(1, sizeof *state);
    state->fail_at = 500;
    pk_job job = make_job(state, 1);
    pk_engine_options options = {.threads = 3, .schedule = {PK_SCHEDULE_DYNAMIC, 1}, .write = tally_write,
                                 .write_ctx = state};
    uint64_t counters[PK_JOB_MAX_COUNTERS];
    CU_ASSERT_EQUAL(pk_engine_run(&options, &job, counters, NULL), PK_EIO);
    /* Output stops at the failing unit: nothing after it is emitted. */
    CU_ASSERT(state->emit_count <= 500);
    CU_ASSERT_FALSE(state->emit_out_of_order);
    CU_ASSERT_EQUAL(atomic_load(&state->workers_alive), 0);
    free(state);
}

static void test_cancel_stops_the_run(void)
{
    tally_job *state = calloc(1, sizeof *state);
    state->fail_at = UNITS;
    pk_job job = make_job(state, 0);
    static _Atomic int cancel = 1; /* already requested */
    pk_engine_options options = {.threads = 2, .cancel = &cancel};
    uint64_t counters[PK_JOB_MAX_COUNTERS];
    CU_ASSERT_EQUAL(pk_engine_run(&options, &job, counters, NULL), PK_ECANCELED);
    CU_ASSERT_EQUAL(counters[1], 0);
    free(state);
}

/* A cancel in the middle: whatever was written is a whole prefix of the
 * output (units finished out of turn after it are dropped, not written). */
static void test_cancel_leaves_a_prefix(void)
{
    for (int run = 0; run < 6; run++) {
        const int threads = 2 + run % 3;
        tally_job *state = calloc(1, sizeof *state);
        static _Atomic int cancel;
        atomic_store(&cancel, 0);
        state->fail_at = UNITS;
        state->cancel_at = 300;
        state->cancel = &cancel;
        pk_job job = make_job(state, run < 3 ? 1 : 2);
        pk_engine_options options = {.threads = threads, .schedule = {PK_SCHEDULE_DYNAMIC, 1}, .cancel = &cancel,
                                     .write = tally_write, .write_ctx = state};
        uint64_t counters[PK_JOB_MAX_COUNTERS];
        CU_ASSERT_EQUAL(pk_engine_run(&options, &job, counters, NULL), PK_ECANCELED);
        CU_ASSERT(state->emit_count <= 301);
        CU_ASSERT(state->emit_count < UNITS);
        CU_ASSERT_FALSE(state->emit_out_of_order);
        CU_ASSERT_FALSE(state->stays_copied);
        CU_ASSERT_EQUAL(atomic_load(&state->workers_alive), 0);
        free(state);
    }
}

static int count_unit(void *state, void *worker, uint64_t unit, uint64_t counters[])
{
    (void)worker;
    _Atomic int *cancel = state;
    if (unit == 1000)
        atomic_store(cancel, 1);
    counters[0]++;
    return PK_OK;
}

/* A cancel in a job of 4*10^8 units: the run ends at once, not after
 * falling through every unit left (seconds with a dynamic schedule). */
static void test_cancel_of_a_huge_job_is_prompt(void)
{
    static _Atomic int cancel;
    for (int kind = 0; kind < 3; kind++) {
        atomic_store(&cancel, 0);
        pk_job job = {.units = UINT64_C(400000000), .state = &cancel, .run_unit = count_unit};
        pk_engine_options options = {.threads = 2, .schedule = {(pk_schedule_kind)kind, 1}, .cancel = &cancel};
        uint64_t counters[PK_JOB_MAX_COUNTERS];
        double start = pk_clock_seconds();
        CU_ASSERT_EQUAL(pk_engine_run(&options, &job, counters, NULL), PK_ECANCELED);
        CU_ASSERT(pk_clock_seconds() - start < 1.0);
        /* Unit 1000 ran; a unit handed out before it may have been skipped
         * after it (its thread saw the cancel first); none past two pieces. */
        CU_ASSERT(counters[0] >= 1 && counters[0] < 2 * 65536 + 1001);
    }
}

/* Unit i sleeps i ms: under a static schedule on 2 threads the second
 * half (the second thread's) takes three times the first half, and the
 * busy times say so; a dynamic schedule of one unit at a time evens it out. */
static int sleepy_unit(void *state, void *worker, uint64_t unit, uint64_t counters[])
{
    (void)state;
    (void)worker;
    struct timespec pause = {0, (long)unit * 1000000L};
    nanosleep(&pause, NULL);
    counters[0]++;
    return PK_OK;
}

static void test_busy_time_shows_the_imbalance(void)
{
    pk_job job = {.units = 40, .run_unit = sleepy_unit};
    uint64_t counters[PK_JOB_MAX_COUNTERS];
    pk_engine_stats stats;
    pk_engine_options options = {.threads = 2, .schedule = {PK_SCHEDULE_STATIC, 0}};
    CU_ASSERT_EQUAL_FATAL(pk_engine_run(&options, &job, counters, &stats), PK_OK);
    if (stats.threads_used == 2) {
        /* 0..19 ms against 20..39 ms: 0.19 s against 0.59 s, plus wake-up delays. */
        CU_ASSERT(stats.thread_busy[0] > 0.15 && stats.thread_busy[1] > 0.55);
        CU_ASSERT(stats.thread_busy[1] > 1.8 * stats.thread_busy[0]);
        options.schedule = (pk_schedule){PK_SCHEDULE_DYNAMIC, 1};
        CU_ASSERT_EQUAL_FATAL(pk_engine_run(&options, &job, counters, &stats), PK_OK);
        const double more = stats.thread_busy[0] > stats.thread_busy[1] ? stats.thread_busy[0] : stats.thread_busy[1];
        const double less = stats.thread_busy[0] > stats.thread_busy[1] ? stats.thread_busy[1] : stats.thread_busy[0];
        CU_ASSERT(more < 1.5 * less);
    }
    /* One thread (or a build without OpenMP): all of it on thread 0. */
    options.threads = 1;
    CU_ASSERT_EQUAL_FATAL(pk_engine_run(&options, &job, counters, &stats), PK_OK);
    CU_ASSERT(stats.thread_busy[0] > 0.75 && stats.thread_busy[1] == 0);
}

static void test_schedule_text(void)
{
    pk_schedule s;
    char buf[32];
    CU_ASSERT_EQUAL(pk_schedule_parse("static", &s), PK_OK);
    CU_ASSERT_EQUAL(s.kind, PK_SCHEDULE_STATIC);
    CU_ASSERT_EQUAL(s.chunk, 0);
    CU_ASSERT_EQUAL(pk_schedule_parse("guided,16", &s), PK_OK);
    CU_ASSERT_EQUAL(s.kind, PK_SCHEDULE_GUIDED);
    CU_ASSERT_EQUAL(s.chunk, 16);
    CU_ASSERT_STRING_EQUAL(pk_schedule_format(s, buf, sizeof buf), "guided,16");
    static const char *const bad[] = {"", "dyn", "dynamic,", "dynamic,0", "dynamic,-1", "dynamic,x", "static,3x",
                                      "dynamicx", "auto", "dynamic,99999999999"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CU_ASSERT_EQUAL(pk_schedule_parse(bad[i], &s), PK_EINVAL);
}

/* ---- streams ---------------------------------------------------------------- */

enum { STREAM_JOBS = 60 };

typedef struct stream_sink stream_sink;

/* A job of the stream: unit u of job j outputs the 8 bytes j * 1000 + u. */
typedef struct stream_test_job {
    pk_job job;
    stream_sink *sink;
    int index;
    uint64_t units;   /* job.units, which done() poisons */
    uint64_t out[32]; /* stays here until done (pk_job.output_stays) */
} stream_test_job;

struct stream_sink {
    stream_test_job jobs[STREAM_JOBS];
    int fetched, done_count, out_of_order;
    uint64_t written[STREAM_JOBS * 32];
    size_t written_count;
    int fail_done_at;   /* this job's done() fails; -1 never */
    int fail_next_at;   /* next() fails instead of giving this job; -1 never */
    int cancel_at;      /* this job's first unit sets cancel; -1 never */
    _Atomic int *cancel;
    int statuses_not_ok;
};

static int stream_unit(void *state, void *worker, uint64_t unit, uint64_t counters[])
{
    stream_test_job *job = state;
    if (worker != NULL || unit >= job->units)
        return PK_EINVAL;
    if (job->sink->cancel != NULL && job->index == job->sink->cancel_at && unit == 0)
        atomic_store(job->sink->cancel, 1);
    volatile uint64_t spin = 0; /* uneven, so units finish out of turn */
    for (uint64_t i = 0; i < (unit * 7 + (uint64_t)job->index) % 5 * 3000; i++)
        spin += i;
    job->out[unit] = (uint64_t)job->index * 1000 + unit;
    counters[0] += 1;
    return PK_OK;
}

static int stream_output(void *state, void *worker, uint64_t unit, const char **data, size_t *len)
{
    (void)worker;
    stream_test_job *job = state;
    *data = (const char *)&job->out[unit];
    *len = sizeof job->out[unit];
    return PK_OK;
}

static const pk_job *stream_next(void *ctx, int *status)
{
    stream_sink *sink = ctx;
    if (sink->fetched == sink->fail_next_at) {
        *status = PK_EIO;
        return NULL;
    }
    if (sink->fetched == STREAM_JOBS)
        return NULL;
    stream_test_job *job = &sink->jobs[sink->fetched];
    job->sink = sink;
    job->index = sink->fetched++;
    job->units = 1 + (uint64_t)(job->index * 7) % 20;
    job->job = (pk_job){.units = job->units, .state = job, .run_unit = stream_unit, .unit_output = stream_output,
                        .output_stays = true};
    return &job->job;
}

/* Every unit of a job is written before its done(), none of the next
 * job's before it. */
static int stream_write(void *ctx, const char *data, size_t len)
{
    stream_sink *sink = ctx;
    uint64_t value;
    memcpy(&value, data, sizeof value);
    if (len != sizeof value || value / 1000 != (uint64_t)sink->done_count)
        sink->out_of_order = 1;
    sink->written[sink->written_count++] = value;
    return 0;
}

static int stream_done(void *ctx, const pk_job *job, int status)
{
    stream_sink *sink = ctx;
    const stream_test_job *mine = job->state;
    if (mine->index != sink->done_count)
        sink->out_of_order = 1;
    if (status == PK_OK) {
        /* All its units were written, in order, just before. */
        for (uint64_t u = 0; u < mine->units; u++) {
            size_t at = sink->written_count - mine->units + u;
            if (sink->written_count < mine->units || sink->written[at] != (uint64_t)mine->index * 1000 + u)
                sink->out_of_order = 1;
        }
    } else {
        sink->statuses_not_ok++;
    }
    sink->done_count++;
    /* The job is the caller's again: the engine must not look at it. */
    sink->jobs[mine->index].job.units = 1000;
    return mine->index == sink->fail_done_at ? PK_EIO : PK_OK;
}

static void test_stream_in_order_across_jobs(void)
{
    for (int threads = 1; threads <= 4; threads++) {
        for (int mode = 0; mode < 4; mode++) { /* whole, done() fails, next() fails, cancel */
            stream_sink *sink = calloc(1, sizeof *sink);
            static _Atomic int cancel;
            atomic_store(&cancel, 0);
            sink->fail_done_at = mode == 1 ? 20 : -1;
            sink->fail_next_at = mode == 2 ? 33 : -1;
            sink->cancel_at = mode == 3 ? 25 : -1;
            sink->cancel = &cancel;
            pk_stream stream = {stream_next, stream_done, sink};
            pk_engine_options options = {.threads = threads, .write = stream_write, .write_ctx = sink,
                                         .cancel = &cancel};
            uint64_t counters[PK_JOB_MAX_COUNTERS];
            pk_engine_stats stats;
            int rc = pk_engine_run_stream(&options, &stream, counters, &stats);
            CU_ASSERT_EQUAL(rc, mode == 0 ? PK_OK : mode == 3 ? PK_ECANCELED : PK_EIO);
            CU_ASSERT_FALSE(sink->out_of_order);
            /* done() for every job fetched, whatever happened. */
            CU_ASSERT_EQUAL(sink->done_count, sink->fetched);
            /* The output is a whole prefix: job by job, unit by unit. */
            size_t expected = 0;
            int wrong = 0;
            for (int j = 0; j < sink->fetched && expected < sink->written_count; j++)
                for (uint64_t u = 0; u < sink->jobs[j].units && expected < sink->written_count; u++)
                    wrong += sink->written[expected++] != (uint64_t)j * 1000 + u;
            CU_ASSERT_EQUAL(wrong, 0);
            if (mode == 0) {
                CU_ASSERT_EQUAL(sink->fetched, STREAM_JOBS);
                CU_ASSERT_EQUAL(counters[0], stats.units_run);
                CU_ASSERT_EQUAL(sink->written_count, stats.units_run);
                CU_ASSERT_EQUAL(sink->statuses_not_ok, 0);
            } else if (mode == 1) {
                /* Nothing after the job whose done() failed. */
                CU_ASSERT(sink->written_count <= expected);
                size_t through_20 = 0;
                for (int j = 0; j <= 20; j++)
                    through_20 += sink->jobs[j].units;
                CU_ASSERT_EQUAL(sink->written_count, through_20);
            } else if (mode == 2) {
                /* The jobs before the failed next() are all written. */
                CU_ASSERT_EQUAL(sink->fetched, 33);
                CU_ASSERT_EQUAL(sink->written_count, stats.units_run);
                CU_ASSERT_EQUAL(sink->statuses_not_ok, 0);
            } else {
                CU_ASSERT(sink->fetched < STREAM_JOBS);
            }
            free(sink);
        }
    }
}

int pk_suite_engine(void)
{
    static const pk_test_case cases[] = {
        {"every_unit_once_and_ordered_emits", test_every_unit_once_and_ordered_emits},
        {"cancel_leaves_a_prefix", test_cancel_leaves_a_prefix},
        {"failure_is_reported", test_failure_is_reported},
        {"cancel_stops_the_run", test_cancel_stops_the_run},
        {"cancel_of_a_huge_job_is_prompt", test_cancel_of_a_huge_job_is_prompt},
        {"stream_in_order_across_jobs", test_stream_in_order_across_jobs},
        {"schedule_text", test_schedule_text},
        {"busy_time_shows_the_imbalance", test_busy_time_shows_the_imbalance},
        {NULL, NULL},
    };
    return pk_suite_add("engine", cases);
}
