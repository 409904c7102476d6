/*
 * The distributed-memory engine: MPI ranks that share nothing.
 *
 * Each rank runs its share of the units on the OpenMP engine (so a run is
 * ranks x threads, "hybrid"), then the counters meet in one reduction.
 * Three ways to share the units out:
 * - block: rank r takes one contiguous run of units, cut where the summed
 *   unit_cost reaches r/size of the total, so uneven units (trial division)
 *   still give each rank a similar amount of work.  No messages until the
 *   reduction.
 * - cyclic: chunks of units dealt round the ranks in turn (chunk k to rank
 *   k mod size), so cost that drifts along the range (primes get sparser;
 *   trial division gets dearer) is spread without any messages.
 * - dynamic: the main thread of each rank takes the next chunk of units from
 *   a counter on rank 0 (MPI one-sided fetch-and-add), runs it on its
 *   threads, and comes back for more; ranks that finish early help the rest.
 * Only the main thread calls MPI (MPI_THREAD_FUNNELED): the OpenMP regions
 * in between never do.
 *
 * Ordered output (list to a stream) works with all three: ordered_ranks.c
 * brings every rank's outputs to rank 0's writer in unit order.  Standard
 * output is one stream, so that part is funnelled through rank 0 by nature;
 * files written by every rank in parallel (write_at) avoid it.
 */
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "par/engine_internal.h"
#include "parkit/comm.h"
#include "parkit/status.h"

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

/* ---- who runs which units --------------------------------------------------------- */

/* This rank's share of the units, a range at a time, in increasing order. */
typedef struct share {
    pk_distribute distribute;
    int rank, size;
    uint64_t units, chunk;
    uint64_t next;            /* block: 0 before, 1 after; cyclic: the next chunk's number */
    pk_comm_counter *counter; /* dynamic */
} share;

static bool next_range(share *s, const pk_job *job, uint64_t *first, uint64_t *end)
{
    switch (s->distribute) {
    case PK_DISTRIBUTE_BLOCK:
        if (s->next != 0)
            return false;
        s->next = 1;
        block_of(job, s->rank, s->size, first, end);
        return true;
    case PK_DISTRIBUTE_CYCLIC:
        if (s->next * s->chunk >= s->units)
            return false;
        *first = s->next * s->chunk;
        s->next += (uint64_t)s->size;
        break;
    case PK_DISTRIBUTE_DYNAMIC:
        *first = pk_comm_counter_take(s->counter, s->chunk);
        if (*first >= s->units)
            return false;
        break;
    }
    *end = s->units - *first < s->chunk ? s->units : *first + s->chunk;
    return true;
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

    /* Chunks of two units per thread (of the rank with most), but never so
     * many that one rank takes the whole job: at least four chunks per rank
     * when there are enough units.  Ranks must agree on the chunk (cyclic)
     * and on the batches of ordered output, and all learn whether every
     * rank could set up its part of ordered output. */
    const int threads = options->threads < 1 ? 1 : options->threads;
    /* Chunks on demand need a one-sided window for their counter; where
     * MPI has none (every rank knows: its creation is agreed), the chunks
     * are dealt in turn instead. */
    pk_distribute distribute = options->distribute;
    pk_comm_counter *counter = NULL;
    if (distribute == PK_DISTRIBUTE_DYNAMIC && (counter = pk_comm_counter_create()) == NULL)
        distribute = PK_DISTRIBUTE_CYCLIC;
    uint64_t chunk = 2 * (uint64_t)threads;
    pk_ranks_output *output = NULL;
    if (ordered || distribute == PK_DISTRIBUTE_CYCLIC) {
        double most_threads = threads;
        pk_comm_max_double(&most_threads, 1);
        chunk = 2 * (uint64_t)most_threads;
    }
    if (ordered) {
        output = pk_ranks_output_start(job, 2 * chunk, &local, progress_hook);
        rc = pk_comm_agree(output != NULL ? PK_OK : PK_ENOMEM);
        if (rc != PK_OK) {
            pk_ranks_output_discard(output);
            pk_comm_counter_destroy(counter);
            pk_comm_counter_destroy(sync.total);
            return rc;
        }
    }
    uint64_t fair = job->units / (4 * (uint64_t)size);
    if (chunk > fair)
        chunk = fair > 0 ? fair : 1;

    share mine = {.distribute = distribute, .rank = rank, .size = size, .units = job->units, .chunk = chunk,
                  .counter = counter};
    if (mine.distribute == PK_DISTRIBUTE_CYCLIC)
        mine.next = (uint64_t)rank; /* chunks rank, rank + size, ... */
    for (uint64_t first = 0, end = 0; next_range(&mine, job, &first, &end);) {
        stats->units_run += end - first;
        /* After a failure, ordered output still marks the units as not
         * written (rank 0 waits for every unit), and the dynamic share keeps
         * taking chunks without running them, so the others finish quickly
         * and we all reach the agreement. */
        if (output != NULL)
            rc = pk_ranks_output_run(output, &local, job, first, end, counters, stats);
        else if (rc == PK_OK)
            rc = pk_omp_run_units(&local, job, first, end, counters, stats, progress_hook, NULL);
    }
    /* Rank 0 writes out the rest before the counter's collective free,
     * which it would otherwise wait in while the others wait for it. */
    if (output != NULL)
        rc = pk_ranks_output_finish(output, &local);
    pk_comm_counter_destroy(mine.counter);
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
