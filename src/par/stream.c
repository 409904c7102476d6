/*
 * Streams: jobs that arrive while the engine runs (a block of input at a
 * time), on this process's threads, with no barrier between jobs.  The
 * thread that finds every unit so far handed out fetches the next job while
 * the others finish theirs; units are numbered across jobs, so one ordered
 * output (ordered.c) writes them all in order and calls each job's done()
 * in its turn.  See pk_engine_run_stream in parkit/engine.h.
 */
#include <pthread.h>
#include <stdlib.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "core/clock.h"
#include "par/engine_internal.h"
#include "par/ordered.h"
#include "parkit/engine.h"
#include "parkit/status.h"

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
static void fetch_stream_job(pk_ordered *e, stream_state *s, const pk_engine_options *options)
{
    const pk_stream *stream = e->stream;
    s->fetching = true;
    pthread_mutex_unlock(&e->lock);
    pk_ordered_job *record = malloc(sizeof *record);
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
            pk_engine_record_failure(e->failure, PK_ENOMEM);
        else
            s->end_status = status;
        free(record);
    } else {
        *record = (pk_ordered_job){job, s->total + job->units, NULL};
        pk_ordered_add_job(e, record);
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
    stats = pk_engine_clear_results(counters, stats, &local);
    _Atomic int failure = PK_OK;
    const int threads = options->threads < 1 ? 1 : options->threads;
    pk_ordered out;
    if (pk_ordered_init(&out, 0, 4 * (uint64_t)threads, options, &failure, stream) != PK_OK)
        return PK_ENOMEM;
    stream_state shared = {0};
    int team = 1;
    double start = pk_clock_seconds();

#ifdef _OPENMP
#pragma omp parallel num_threads(threads)
#endif
    {
        uint64_t mine[PK_JOB_MAX_COUNTERS] = {0};
        double busy = 0;
#ifdef _OPENMP
        if (omp_get_thread_num() == 0)
            team = omp_get_num_threads();
#endif
        for (;;) {
            pthread_mutex_lock(&out.lock);
            /* A job's units are all handed out before the stream stops, so
             * every job fetched reaches done(). */
            while (shared.next >= shared.units) {
                if (shared.ended || atomic_load(&failure) != PK_OK || pk_engine_canceled(options))
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
            int skip = atomic_load(&failure) != PK_OK || pk_engine_canceled(options);
            pk_omp_run_and_emit(options, job, NULL, unit, number, mine, skip, &out, &failure, &busy);
        }
        pk_omp_add_counters(counters, mine);
        pk_omp_add_busy(stats, busy);
    }

    stats->seconds = pk_clock_seconds() - start;
    stats->input_seconds = shared.fetch_seconds;
    stats->threads_used = team;
    stats->units_run = shared.total;
    pk_ordered_destroy(&out);
    int rc = pk_engine_status(&failure, options);
    return rc == PK_OK ? shared.end_status : rc;
}

