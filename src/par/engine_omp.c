/*
 * The shared-memory engine: OpenMP threads in one process.
 *
 * Everything the job holds (for primes: the table of sieving primes) is
 * shared read-only; each thread owns one worker scratch (its segment buffer
 * and buckets) and its own counters, summed once at the end.  The schedule
 * is chosen at run time (schedule(runtime)) so users can watch static
 * scheduling suffer on uneven units.  Outputs go through ordered.c, which
 * writes them in unit order whatever the schedule.
 *
 * Read it beside engine_mpi.c: here the threads share the job and meet in
 * one addition under a lock; there the ranks share nothing and meet in
 * messages.  Without OpenMP (make OPENMP=0) the same loop runs on one thread.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "core/clock.h"
#include "par/engine_internal.h"
#include "par/ordered.h"
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

/* Units per piece of a run (see pk_omp_run_units): a barrier per piece is
 * nothing beside 65536 units, and skipping the rest of one takes a few ms. */
#define PIECE_UNITS (UINT64_C(1) << 16)

/* Runs one unit unless told to skip it; times it; counts it for progress. */
static int run_one_unit(const pk_engine_options *options, const pk_job *job, void *worker,
                        uint64_t unit, uint64_t counters[], int skip, double *busy)
{
    int rc = PK_OK;
    if (!skip) {
        const double start = pk_clock_seconds();
        rc = job->run_unit(job->state, worker, unit, counters);
        *busy += pk_clock_seconds() - start;
        if (options->progress != NULL)
            atomic_fetch_add(&options->progress->units_done, 1);
    }
    return rc;
}

void pk_omp_run_and_emit(const pk_engine_options *options, const pk_job *job, void *worker, uint64_t unit,
                         uint64_t number, uint64_t counters[], int skip, pk_ordered *order, _Atomic int *failure,
                         double *busy)
{
    int rc = run_one_unit(options, job, worker, unit, counters, skip, busy);
    if (order == NULL && options->write_at != NULL && job->unit_output != NULL && rc == PK_OK && !skip) {
        /* Output by place: written at once, by this thread. */
        const char *data = NULL;
        size_t len = 0;
        rc = job->unit_output(job->state, worker, unit, &data, &len);
        int written = rc == PK_OK ? options->write_at(options->write_at_ctx, unit, data, len) : PK_OK;
        if (written != 0)
            rc = written < 0 ? written : PK_EIO;
    } else if (order != NULL) {
        const char *data = NULL;
        size_t len = 0;
        /* Once a cancel came, nothing more is written, not even units that
         * were already running: the output ends promptly, and a prefix. */
        bool emit = rc == PK_OK && !skip && atomic_load(failure) == PK_OK && !pk_engine_canceled(options);
        if (emit && job->unit_output != NULL && (rc = job->unit_output(job->state, worker, unit, &data, &len)) != PK_OK)
            emit = false;
        pk_ordered_emit(order, number, emit, data, len, job->output_stays);
    }
    if (rc != PK_OK)
        pk_engine_record_failure(failure, rc);
}

void pk_omp_add_counters(uint64_t counters[PK_JOB_MAX_COUNTERS], const uint64_t mine[PK_JOB_MAX_COUNTERS])
{
#ifdef _OPENMP
#pragma omp critical(pk_engine_reduce)
#endif
    for (int i = 0; i < PK_JOB_MAX_COUNTERS; i++)
        counters[i] += mine[i];
}

void pk_omp_add_busy(pk_engine_stats *stats, double busy)
{
#ifdef _OPENMP
    const int thread = omp_get_thread_num();
#else
    const int thread = 0;
#endif
    if (thread < PK_BUSY_THREADS)
        stats->thread_busy[thread] += busy; /* each thread its own slot */
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
                     uint64_t counters[PK_JOB_MAX_COUNTERS], pk_engine_stats *stats, const pk_main_thread_hook *hook,
                     pk_ordered *order)
{
    _Atomic int own_failure = PK_OK;
    /* The first failing status, shared; a run that writes into an emitter
     * of the caller's shares the caller's (and skips every unit after an
     * earlier range failed). */
    _Atomic int *failure = order != NULL ? order->failure : &own_failure;
    _Atomic uint64_t stop_at = UINT64_MAX; /* the piece where every thread stops */
    const bool ordered_output = job->unit_output != NULL && options->write != NULL;
    const int threads = options->threads < 1 ? 1 : options->threads;
    pk_ordered out;
    if (ordered_output && order == NULL) {
        if (pk_ordered_init(&out, first, 4 * (uint64_t)threads, options, failure, NULL) != PK_OK)
            return PK_ENOMEM;
        order = &out;
    }
    int team = 1;

#ifdef _OPENMP
    set_runtime_schedule(options->schedule);
#pragma omp parallel num_threads(threads)
#endif
    {
        uint64_t mine[PK_JOB_MAX_COUNTERS] = {0};
        double busy = 0;
        void *worker = NULL;
        int ok = 1;
        if (job->worker_create != NULL) {
            worker = job->worker_create(job->state);
            if (worker == NULL) {
                pk_engine_record_failure(failure, PK_ENOMEM);
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
                int skip = !ok || atomic_load(failure) != PK_OK || pk_engine_canceled(options);
                pk_omp_run_and_emit(options, job, worker, unit, unit, mine, skip, ordered_output ? order : NULL, failure,
                                    &busy);
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
            if (atomic_load(failure) != PK_OK || pk_engine_canceled(options))
                atomic_store(&stop_at, piece_end);
            if (atomic_load(&stop_at) <= piece_end)
                break;
        }
        if (worker != NULL && job->worker_destroy != NULL)
            job->worker_destroy(job->state, worker);
        pk_omp_add_counters(counters, mine);
        pk_omp_add_busy(stats, busy);
    }

    stats->threads_used = team;
    if (order == &out)
        pk_ordered_destroy(&out);
    return pk_engine_status(failure, options);
}

