/*
 * The distributed-memory engine: MPI ranks that share nothing.
 *
 * Each rank runs its share of the units on the OpenMP engine (so a run is
 * ranks x threads, "hybrid"), then the counters meet in one reduction.  Two
 * ways to share the units out:
 * - block: rank r takes one contiguous run of units, cut where the summed
 *   unit_cost reaches r/size of the total, so uneven units (trial division)
 *   still give each rank a similar amount of work.  No messages until the
 *   reduction.
 * - dynamic: the main thread of each rank takes the next chunk of units from
 *   a counter on rank 0 (MPI one-sided fetch-and-add), runs it on its
 *   threads, and comes back for more; ranks that finish early help the rest.
 * Only the main thread calls MPI (MPI_THREAD_FUNNELED): the OpenMP regions
 * in between never do.
 *
 * Ordered output (list) always uses blocks: rank 0 writes its own block,
 * then the other ranks' blocks as they stream in, in rank order.  A rank
 * computes one batch of units in parallel, then its main thread sends the
 * batch; MPI_Send blocking until rank 0 takes it is the backpressure.
 * Standard output is one stream, so this part is funnelled through rank 0 by
 * nature; files written by every rank in parallel avoid that.
 */
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "par/engine_internal.h"
#include "parkit/comm.h"
#include "parkit/status.h"

enum { OUTPUT_TAG = 71 };

/* The block of units [*first, *end) of this rank, cut by cost. */
static void block_of(const pk_job *job, int rank, int size, uint64_t *first, uint64_t *end)
{
    if (job->unit_cost == NULL) {
        *first = job->units * (uint64_t)rank / (uint64_t)size;
        *end = job->units * (uint64_t)(rank + 1) / (uint64_t)size;
        return;
    }
    double total = 0;
    for (uint64_t u = 0; u < job->units; u++)
        total += job->unit_cost(job->state, u);
    /* Unit u goes to the rank whose share holds the middle of its cost. */
    double before = 0;
    *first = *end = job->units;
    bool started = false;
    for (uint64_t u = 0; u < job->units; u++) {
        double cost = job->unit_cost(job->state, u);
        int owner = total > 0 ? (int)((before + cost / 2) / total * size) : (int)(u * (uint64_t)size / job->units);
        if (owner >= size)
            owner = size - 1;
        if (owner == rank && !started) {
            *first = u;
            started = true;
        }
        if (owner > rank) {
            if (!started)
                *first = u;
            *end = u;
            return;
        }
        before += cost;
    }
    if (!started)
        *first = job->units;
}

/* ---- ordered output: batches of units captured, then sent in order ---------- */

typedef struct captured_batch {
    const pk_job *inner;
    uint64_t base;
    char **data;
    size_t *len;
} captured_batch;

static void *captured_worker_create(void *state)
{
    const captured_batch *batch = state;
    return batch->inner->worker_create != NULL ? batch->inner->worker_create(batch->inner->state) : NULL;
}

static void captured_worker_destroy(void *state, void *worker)
{
    const captured_batch *batch = state;
    if (batch->inner->worker_destroy != NULL)
        batch->inner->worker_destroy(batch->inner->state, worker);
}

static int captured_run_unit(void *state, void *worker, uint64_t unit, uint64_t counters[])
{
    captured_batch *batch = state;
    int rc = batch->inner->run_unit(batch->inner->state, worker, unit, counters);
    if (rc != PK_OK)
        return rc;
    const char *data = NULL;
    size_t len = 0;
    rc = batch->inner->unit_output(batch->inner->state, worker, unit, &data, &len);
    if (rc != PK_OK || len == 0)
        return rc;
    char *copy = malloc(len);
    if (copy == NULL)
        return PK_ENOMEM;
    memcpy(copy, data, len);
    batch->data[unit - batch->base] = copy;
    batch->len[unit - batch->base] = len;
    return PK_OK;
}

static int run_block_ordered(const pk_engine_options *options, const pk_job *job, uint64_t first, uint64_t end,
                             uint64_t counters[], int *threads_used, const pk_main_thread_hook *hook)
{
    const int rank = pk_comm_rank(), size = pk_comm_size();
    const uint64_t batch_units = 4 * (uint64_t)(options->threads < 1 ? 1 : options->threads);
    pk_engine_options computing = *options;
    computing.write = NULL; /* outputs are captured, then written or sent here */
    char **data = calloc(batch_units, sizeof *data);
    size_t *len = calloc(batch_units, sizeof *len);
    int rc = data != NULL && len != NULL ? PK_OK : PK_ENOMEM;

    for (uint64_t base = first; rc == PK_OK && base < end; base += batch_units) {
        uint64_t batch_end = end - base < batch_units ? end : base + batch_units;
        captured_batch batch = {job, base, data, len};
        pk_job capturing = {
            .units = job->units,
            .state = &batch,
            .worker_create = job->worker_create != NULL ? captured_worker_create : NULL,
            .worker_destroy = job->worker_create != NULL ? captured_worker_destroy : NULL,
            .run_unit = captured_run_unit,
        };
        rc = pk_omp_run_units(&computing, &capturing, base, batch_end, counters, threads_used, hook);
        for (uint64_t i = 0; i < batch_end - base; i++) {
            if (rc == PK_OK && len[i] > 0) {
                if (rank == 0) {
                    if (options->write(options->write_ctx, data[i], len[i]) != 0)
                        rc = PK_EIO;
                } else {
                    pk_comm_send(data[i], len[i], 0, OUTPUT_TAG);
                }
            }
            free(data[i]);
            data[i] = NULL;
            len[i] = 0;
        }
    }
    free(data);
    free(len);

    /* Every rank ends its stream, even after a failure, so rank 0 never
     * waits for a message that will not come. */
    if (rank != 0) {
        pk_comm_send(NULL, 0, 0, OUTPUT_TAG);
        return rc;
    }
    for (int from = 1; from < size; from++) {
        for (;;) {
            void *message = NULL;
            long bytes = pk_comm_receive(&message, from, OUTPUT_TAG);
            if (bytes <= 0) {
                free(message);
                if (bytes < 0 && rc == PK_OK)
                    rc = PK_ENOMEM;
                break;
            }
            if (rc == PK_OK && options->write(options->write_ctx, message, (size_t)bytes) != 0)
                rc = PK_EIO;
            free(message);
        }
    }
    return rc;
}

/* ---- progress of all ranks ------------------------------------------------------- */

/* Each rank counts its finished units locally; its main thread adds what is
 * new to a counter on rank 0 (one-sided, so nobody waits), and rank 0 shows
 * the sum.  Worker threads never call MPI. */
typedef struct progress_sync {
    pk_comm_counter *total;
    pk_progress local;   /* this rank's units */
    uint64_t published;  /* of local.units_done, already added to the total */
    pk_progress *shown;  /* rank 0's display, or NULL */
    uint64_t shown_base; /* units done before this run (e.g. building tables) */
    double last_publish;
} progress_sync;

static void publish_progress(void *ctx)
{
    progress_sync *sync = ctx;
    /* A few times a second is enough for a display.  Each publish is a
     * one-sided lock on rank 0's window, which waits until rank 0's main
     * thread next enters MPI (Open MPI has no progress thread): published
     * after every unit, it held the other ranks back by up to a unit each. */
    double now = pk_clock_seconds();
    if (now - sync->last_publish < 0.25)
        return;
    sync->last_publish = now;
    uint64_t done = atomic_load(&sync->local.units_done);
    uint64_t delta = done - sync->published;
    sync->published = done;
    uint64_t before = pk_comm_counter_take(sync->total, delta);
    if (sync->shown != NULL)
        atomic_store(&sync->shown->units_done, sync->shown_base + before + delta);
}

/* ---- the engine ------------------------------------------------------------------ */

int pk_mpi_run(const pk_engine_options *options, const pk_job *job, uint64_t counters[PK_JOB_MAX_COUNTERS],
               pk_engine_stats *stats)
{
    const double start = pk_clock_seconds();
    const double comm_before = pk_comm_seconds();
    const int rank = pk_comm_rank(), size = pk_comm_size();
    int rc = PK_OK;
    const bool ordered = job->unit_output != NULL && options->write != NULL;

    /* Progress: this rank counts locally; rank 0 shows everyone's sum, when
     * it shows a progress line at all (only rank 0 knows: its stderr). */
    int show_progress = rank == 0 && options->progress != NULL;
    pk_comm_broadcast(&show_progress, sizeof show_progress, 0);
    progress_sync sync = {.total = show_progress ? pk_comm_counter_create() : NULL, .last_publish = start};
    pk_engine_options local = *options;
    local.progress = &sync.local;
    if (rank == 0 && options->progress != NULL) {
        sync.shown = options->progress;
        sync.shown_base = atomic_load(&options->progress->units_done);
    }
    pk_main_thread_hook hook = {publish_progress, &sync};
    const pk_main_thread_hook *progress_hook = sync.total != NULL ? &hook : NULL;

    if (ordered || options->distribute == PK_DISTRIBUTE_BLOCK) {
        uint64_t first, end;
        block_of(job, rank, size, &first, &end);
        stats->units_run = end - first;
        if (ordered)
            rc = run_block_ordered(&local, job, first, end, counters, &stats->threads_used, progress_hook);
        else
            rc = pk_omp_run_units(&local, job, first, end, counters, &stats->threads_used, progress_hook);
    } else {
        pk_comm_counter *next = pk_comm_counter_create();
        /* Two units per thread per trip to rank 0's counter, but never so
         * many that one rank takes the whole job: at least four chunks per
         * rank when there are enough units. */
        uint64_t chunk = 2 * (uint64_t)(options->threads < 1 ? 1 : options->threads);
        uint64_t fair = job->units / (4 * (uint64_t)size);
        if (chunk > fair)
            chunk = fair > 0 ? fair : 1;
        for (;;) {
            uint64_t first = pk_comm_counter_take(next, chunk);
            if (first >= job->units)
                break;
            uint64_t end = job->units - first < chunk ? job->units : first + chunk;
            stats->units_run += end - first;
            if (rc == PK_OK)
                rc = pk_omp_run_units(&local, job, first, end, counters, &stats->threads_used, progress_hook);
            /* After a failure keep taking chunks without running them, so
             * the others finish quickly and we all reach the agreement. */
        }
        pk_comm_counter_destroy(next);
    }
    /* Every rank learns the worst status before the reduction, so none is
     * left inside a collective that another has abandoned. */
    rc = sync.total != NULL ? pk_comm_agree_while(rc, publish_progress, &sync) : pk_comm_agree(rc);
    pk_comm_sum_u64(counters, PK_JOB_MAX_COUNTERS);
    if (rc == PK_OK && job->unit_values != NULL) /* each rank set its own units' */
        pk_comm_sum_u64(job->unit_values, job->units);
    pk_comm_counter_destroy(sync.total);
    if (sync.shown != NULL)
        atomic_store(&sync.shown->units_done, sync.shown_base + job->units);
    stats->seconds = pk_clock_seconds() - start;
    stats->comm_seconds = pk_comm_seconds() - comm_before;
    return rc;
}
