/*
 * The shared-memory engine: OpenMP threads in one process.
 *
 * Everything the job holds (for primes: the table of sieving primes) is
 * shared read-only; each thread owns one worker scratch (its segment buffer
 * and buckets) and its own counters, summed once at the end.  The schedule
 * is chosen at run time (schedule(runtime)) so users can watch static
 * scheduling suffer on uneven units.  Ordered output (emit_in_order): a
 * thread that finished a unit out of turn leaves a copy and goes on, up to
 * a window of units; it is a mutex and condition variable rather than
 * OpenMP's `ordered`, whose waiters spin: with more threads than free cores
 * (oversubscribed MPI tests, a busy laptop) spinning waiters starve the one
 * thread whose turn it is, and `ordered` would also make every thread wait
 * for the slowest unit before it.
 *
 * Without OpenMP (make OPENMP=0) the same function is a plain loop.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "core/clock.h"
#include "par/engine_internal.h"
#include "parkit/comm.h"
#include "parkit/engine.h"
#include "parkit/status.h"

const char *pk_engine_openmp_version(void)
{
#ifdef _OPENMP
    /* _OPENMP is the date of the specification the compiler implements. */
    switch (_OPENMP) {
    case 200505: return "OpenMP 2.5";
    case 200805: return "OpenMP 3.0";
    case 201107: return "OpenMP 3.1";
    case 201307: return "OpenMP 4.0";
    case 201511: return "OpenMP 4.5";
    case 201811: return "OpenMP 5.0";
    case 202011: return "OpenMP 5.1";
    case 202111: return "OpenMP 5.2";
    default: return "OpenMP (unknown version)";
    }
#else
    return "none";
#endif
}

/* Ordered output.  Whoever finishes the unit whose turn it is writes it,
 * then every later unit already finished; a thread that finishes out of
 * turn leaves a copy of its output (or, when the job's output stays put,
 * only where it is) and goes on computing.  A thread more
 * than `window` units ahead, or whose copy would take the copies past
 * PENDING_BYTES_MAX, waits instead (memory stays bounded), which never
 * deadlocks: every thread takes its units in increasing order, so the
 * owner of the unit whose turn it is never waits.  Once a unit fails or is
 * skipped nothing after it is written, so the output is always a whole
 * prefix of the job's. */
enum { PENDING_BYTES_MAX = 4 << 20 };

/* Units per piece of a run (see pk_omp_run_units): a barrier per piece is
 * nothing beside 65536 units, and skipping the rest of one takes a few ms. */
#define PIECE_UNITS (UINT64_C(1) << 16)

typedef struct pending_output {
    bool ready;  /* finished, waiting for its turn */
    bool emit;   /* its output is good to write */
    bool owned;  /* data is a copy, owned here (else it is the job's) */
    char *data;
    size_t len;
} pending_output;

/* A job of a stream (pk_engine_run_stream) whose output is not all out:
 * its units end before unit `end` of the stream. */
typedef struct stream_job {
    const pk_job *job;
    uint64_t end;
    struct stream_job *next;
} stream_job;

typedef struct emitter {
    pthread_mutex_t lock;
    pthread_cond_t changed;
    uint64_t next_unit; /* whose output goes out next */
    uint64_t window;
    pending_output *pending; /* ring of `window` slots, by unit */
    size_t pending_bytes;    /* in the copies */
    bool stopped;            /* a unit could not be written: nothing after it is */
    const pk_engine_options *options;
    _Atomic int *failure;
    /* Streams only: the jobs not yet done, oldest first.  When the turn
     * reaches the last unit of the oldest, stream->done is called for it
     * before anything after it is written. */
    const pk_stream *stream;
    stream_job *jobs_head, *jobs_tail;
} emitter;

static void record_failure(_Atomic int *failure, int rc)
{
    int expected = PK_OK;
    atomic_compare_exchange_strong(failure, &expected, rc);
}

/* The turn is at the last unit of the oldest job of a stream: calls its
 * done() (with the lock released, still holding the turn, so nothing after
 * the job is written before done returns).  Called with the lock held. */
static void finish_stream_job(emitter *e)
{
    stream_job *finished = e->jobs_head;
    e->jobs_head = finished->next;
    if (e->jobs_head == NULL)
        e->jobs_tail = NULL;
    int status = !e->stopped ? PK_OK : atomic_load(e->failure) != PK_OK ? atomic_load(e->failure) : PK_ECANCELED;
    pthread_mutex_unlock(&e->lock);
    int rc = e->stream->done(e->stream->ctx, finished->job, status);
    free(finished);
    pthread_mutex_lock(&e->lock);
    if (rc != PK_OK) {
        e->stopped = true;
        record_failure(e->failure, rc);
    }
}

/* Hands over the output of UNIT (EMIT false: none, and none after it).
 * DATA stays the caller's; it is copied only when it must wait, unless
 * STAYS (pk_job.output_stays). */
static void emit_in_order(emitter *e, uint64_t unit, bool emit, const char *data, size_t len, bool stays)
{
    pthread_mutex_lock(&e->lock);
    while (unit != e->next_unit &&
           (unit - e->next_unit >= e->window || (!stays && e->pending_bytes + len > PENDING_BYTES_MAX)))
        pthread_cond_wait(&e->changed, &e->lock);
    if (unit != e->next_unit) {
        pending_output *slot = &e->pending[unit % e->window];
        slot->emit = emit;
        slot->len = 0;
        slot->data = NULL;
        slot->owned = false;
        if (emit && len > 0 && stays) {
            slot->data = (char *)data;
            slot->len = len;
        } else if (emit && len > 0) {
            slot->data = malloc(len);
            if (slot->data != NULL) {
                memcpy(slot->data, data, len);
                slot->len = len;
                slot->owned = true;
                e->pending_bytes += len;
            } else {
                slot->emit = false;
                record_failure(e->failure, PK_ENOMEM);
            }
        }
        slot->ready = true;
        pthread_mutex_unlock(&e->lock);
        return;
    }
    /* Our turn: write ours, then the finished ones that follow. */
    char *owned = NULL;
    for (;;) {
        if (!emit)
            e->stopped = true;
        bool write = emit && !e->stopped && len > 0;
        pthread_mutex_unlock(&e->lock);
        if (write && e->options->write(e->options->write_ctx, data, len) != 0) {
            record_failure(e->failure, PK_EIO);
            emit = false;
        }
        free(owned);
        pthread_mutex_lock(&e->lock);
        if (!emit)
            e->stopped = true;
        if (e->jobs_head != NULL && e->jobs_head->end == e->next_unit + 1)
            finish_stream_job(e);
        e->next_unit++;
        pending_output *slot = &e->pending[e->next_unit % e->window];
        if (!slot->ready)
            break;
        slot->ready = false;
        emit = slot->emit;
        data = slot->data;
        len = slot->len;
        owned = slot->owned ? slot->data : NULL;
        if (slot->owned)
            e->pending_bytes -= slot->len;
    }
    pthread_cond_broadcast(&e->changed);
    pthread_mutex_unlock(&e->lock);
}

static int cancel_requested(const pk_engine_options *options)
{
    return options->cancel != NULL && atomic_load(options->cancel) != 0;
}

/* Runs one unit unless told to skip it; counts it for progress. */
static int run_one_unit(const pk_engine_options *options, const pk_job *job, void *worker,
                        uint64_t unit, uint64_t counters[], int skip)
{
    int rc = PK_OK;
    if (!skip) {
        rc = job->run_unit(job->state, worker, unit, counters);
        if (options->progress != NULL)
            atomic_fetch_add(&options->progress->units_done, 1);
    }
    return rc;
}

/* Runs UNIT of JOB unless SKIP and, when E is not NULL, hands its output
 * to E as output unit NUMBER.  Records the first failure in *FAILURE. */
static void run_and_emit(const pk_engine_options *options, const pk_job *job, void *worker, uint64_t unit,
                         uint64_t number, uint64_t counters[], int skip, emitter *e, _Atomic int *failure)
{
    int rc = run_one_unit(options, job, worker, unit, counters, skip);
    if (e != NULL) {
        const char *data = NULL;
        size_t len = 0;
        /* Once a cancel came, nothing more is written, not even units that
         * were already running: the output ends promptly, and a prefix. */
        bool emit = rc == PK_OK && !skip && atomic_load(failure) == PK_OK && !cancel_requested(options);
        if (emit && job->unit_output != NULL && (rc = job->unit_output(job->state, worker, unit, &data, &len)) != PK_OK)
            emit = false;
        emit_in_order(e, number, emit, data, len, job->output_stays);
    }
    if (rc != PK_OK)
        record_failure(failure, rc);
}

/* A thread's counters into the run's, once at its end. */
static void add_counters(uint64_t counters[PK_JOB_MAX_COUNTERS], const uint64_t mine[PK_JOB_MAX_COUNTERS])
{
#ifdef _OPENMP
#pragma omp critical(pk_engine_reduce)
#endif
    for (int i = 0; i < PK_JOB_MAX_COUNTERS; i++)
        counters[i] += mine[i];
}

/* Zeroes the counters and the stats (LOCAL when the caller wants none);
 * returns the stats to fill. */
static pk_engine_stats *clear_results(uint64_t counters[PK_JOB_MAX_COUNTERS], pk_engine_stats *stats,
                                      pk_engine_stats *local)
{
    memset(counters, 0, PK_JOB_MAX_COUNTERS * sizeof counters[0]);
    if (stats == NULL)
        stats = local;
    memset(stats, 0, sizeof *stats);
    return stats;
}

/* After the parallel region: frees E and returns the run's status. */
static int finish_run(emitter *e, const pk_engine_options *options)
{
    pthread_cond_destroy(&e->changed);
    pthread_mutex_destroy(&e->lock);
    free(e->pending);
    int rc = atomic_load(e->failure);
    return rc == PK_OK && cancel_requested(options) ? PK_ECANCELED : rc;
}

#ifdef _OPENMP
static void set_runtime_schedule(pk_schedule schedule)
{
    omp_sched_t kind = omp_sched_static;
    if (schedule.kind == PK_SCHEDULE_DYNAMIC)
        kind = omp_sched_dynamic;
    else if (schedule.kind == PK_SCHEDULE_GUIDED)
        kind = omp_sched_guided;
    omp_set_schedule(kind, schedule.chunk);
}
#endif

int pk_omp_run_units(const pk_engine_options *options, const pk_job *job, uint64_t first, uint64_t end,
                     uint64_t counters[PK_JOB_MAX_COUNTERS], int *threads_used, const pk_main_thread_hook *hook)
{
    _Atomic int failure = PK_OK; /* first failing status, shared */
    _Atomic uint64_t stop_at = UINT64_MAX; /* the piece where every thread stops */
    const bool ordered_output = job->unit_output != NULL && options->write != NULL;
    const int threads = options->threads < 1 ? 1 : options->threads;
    emitter out = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, first, 4 * (uint64_t)threads, NULL,
                   0, false, options, &failure, NULL, NULL, NULL};
    if (ordered_output && (out.pending = calloc(out.window, sizeof *out.pending)) == NULL)
        return PK_ENOMEM;
    int team = 1;

#ifdef _OPENMP
    set_runtime_schedule(options->schedule);
#pragma omp parallel num_threads(threads)
#endif
    {
        uint64_t mine[PK_JOB_MAX_COUNTERS] = {0};
        void *worker = NULL;
        int ok = 1;
        if (job->worker_create != NULL) {
            worker = job->worker_create(job->state);
            if (worker == NULL) {
                record_failure(&failure, PK_ENOMEM);
                ok = 0;
            }
        }
#ifdef _OPENMP
        if (omp_get_thread_num() == 0)
            team = omp_get_num_threads();
#endif
        /* The units go out in pieces.  Once anything failed or a cancel
         * came, the rest of the piece falls through (an OpenMP loop cannot
         * break) and the pieces after it are dropped: falling through 10^8
         * units of a dynamic schedule took seconds.  Every thread must meet
         * the same loops, so one thread decides once per piece (single) and
         * stop_at is written at most once: a thread still reading an earlier
         * piece's decision sees a later piece there, and goes on. */
        for (uint64_t piece = first; piece < end; piece += PIECE_UNITS) {
            const uint64_t piece_end = end - piece <= PIECE_UNITS ? end : piece + PIECE_UNITS;
#ifdef _OPENMP
            /* nowait: each waiting point spins in libgomp; the single below
             * (or the end of the parallel region) is the one barrier. */
#pragma omp for schedule(runtime) nowait
#endif
            for (uint64_t unit = piece; unit < piece_end; unit++) {
                int skip = !ok || atomic_load(&failure) != PK_OK || cancel_requested(options);
                run_and_emit(options, job, worker, unit, unit, mine, skip, ordered_output ? &out : NULL, &failure);
#ifdef _OPENMP
                const bool main_thread = omp_get_thread_num() == 0;
#else
                const bool main_thread = true;
#endif
                if (hook != NULL && main_thread)
                    hook->run(hook->ctx);
            }
            if (piece_end == end)
                break;
#ifdef _OPENMP
#pragma omp single
#endif
            if (atomic_load(&failure) != PK_OK || cancel_requested(options))
                atomic_store(&stop_at, piece_end);
            if (atomic_load(&stop_at) <= piece_end)
                break;
        }
        if (worker != NULL && job->worker_destroy != NULL)
            job->worker_destroy(job->state, worker);
        add_counters(counters, mine);
    }

    if (threads_used != NULL)
        *threads_used = team;
    return finish_run(&out, options);
}

/* What the threads of a stream share, under the emitter's lock: the job
 * whose units are being handed out, and whether someone is fetching the
 * next one. */
typedef struct stream_state {
    const pk_job *job; /* may be freed by done() once all its units are handed out */
    uint64_t units; /* its units */
    uint64_t next;  /* its next unit to hand out */
    uint64_t base;  /* the stream's number of its unit 0 */
    uint64_t total; /* units in the stream so far */
    bool fetching, ended;
    int end_status; /* why next() ended the stream: PK_OK at the end of input */
    double fetch_seconds;
} stream_state;

/* Fetches the next job of the stream for everyone (with the lock released
 * while stream->next runs).  Called with the lock held. */
static void fetch_stream_job(emitter *e, stream_state *s, const pk_engine_options *options)
{
    const pk_stream *stream = e->stream;
    s->fetching = true;
    pthread_mutex_unlock(&e->lock);
    stream_job *record = malloc(sizeof *record);
    int status = PK_OK;
    double start = pk_clock_seconds();
    const pk_job *job = record != NULL ? stream->next(stream->ctx, &status) : NULL;
    double seconds = pk_clock_seconds() - start;
    pthread_mutex_lock(&e->lock);
    s->fetching = false;
    s->fetch_seconds += seconds;
    if (job == NULL) {
        /* The end, or a failure (a read error): either way the jobs fetched
         * before it are finished and written, so what comes out does not
         * depend on how far ahead the threads were. */
        s->ended = true;
        if (record == NULL)
            record_failure(e->failure, PK_ENOMEM);
        else
            s->end_status = status;
        free(record);
    } else {
        *record = (stream_job){job, s->total + job->units, NULL};
        if (e->jobs_tail != NULL)
            e->jobs_tail->next = record;
        else
            e->jobs_head = record;
        e->jobs_tail = record;
        s->job = job;
        s->units = job->units;
        s->next = 0;
        s->base = s->total;
        s->total = record->end;
        if (options->progress != NULL)
            atomic_fetch_add(&options->progress->units_total, job->units);
    }
    pthread_cond_broadcast(&e->changed);
}

/* A stream on this process's threads, with no barrier between jobs: the
 * thread that finds every unit handed out fetches the next job while the
 * others finish theirs, and units are numbered across jobs so the output
 * comes out in order through one emitter. */
int pk_engine_run_stream(const pk_engine_options *options, const pk_stream *stream,
                         uint64_t counters[PK_JOB_MAX_COUNTERS], pk_engine_stats *stats)
{
    pk_engine_stats local;
    stats = clear_results(counters, stats, &local);
    _Atomic int failure = PK_OK;
    const int threads = options->threads < 1 ? 1 : options->threads;
    emitter out = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 4 * (uint64_t)threads, NULL,
                   0, false, options, &failure, stream, NULL, NULL};
    if ((out.pending = calloc(out.window, sizeof *out.pending)) == NULL)
        return PK_ENOMEM;
    stream_state shared = {0};
    int team = 1;
    double start = pk_clock_seconds();

#ifdef _OPENMP
#pragma omp parallel num_threads(threads)
#endif
    {
        uint64_t mine[PK_JOB_MAX_COUNTERS] = {0};
#ifdef _OPENMP
        if (omp_get_thread_num() == 0)
            team = omp_get_num_threads();
#endif
        for (;;) {
            pthread_mutex_lock(&out.lock);
            /* A job's units are all handed out before the stream stops, so
             * every job fetched reaches done(). */
            while (shared.next >= shared.units) {
                if (shared.ended || atomic_load(&failure) != PK_OK || cancel_requested(options))
                    break;
                if (shared.fetching)
                    pthread_cond_wait(&out.changed, &out.lock);
                else
                    fetch_stream_job(&out, &shared, options);
            }
            if (shared.next >= shared.units) {
                pthread_mutex_unlock(&out.lock);
                break;
            }
            const pk_job *job = shared.job;
            const uint64_t unit = shared.next++, number = shared.base + unit;
            pthread_mutex_unlock(&out.lock);
            int skip = atomic_load(&failure) != PK_OK || cancel_requested(options);
            run_and_emit(options, job, NULL, unit, number, mine, skip, &out, &failure);
        }
        add_counters(counters, mine);
    }

    stats->seconds = pk_clock_seconds() - start;
    stats->input_seconds = shared.fetch_seconds;
    stats->threads_used = team;
    stats->units_run = shared.total;
    int rc = finish_run(&out, options);
    return rc == PK_OK ? shared.end_status : rc;
}

int pk_engine_run(const pk_engine_options *options, const pk_job *job,
                  uint64_t counters[PK_JOB_MAX_COUNTERS], pk_engine_stats *stats)
{
    pk_engine_stats local;
    stats = clear_results(counters, stats, &local);
    if (options->progress != NULL)
        atomic_fetch_add(&options->progress->units_total, job->units);
    if (options->distributed && pk_comm_size() > 1)
        return pk_mpi_run(options, job, counters, stats);
    double start = pk_clock_seconds();
    int rc = pk_omp_run_units(options, job, 0, job->units, counters, &stats->threads_used, NULL);
    stats->seconds = pk_clock_seconds() - start;
    stats->units_run = job->units;
    return rc;
}
