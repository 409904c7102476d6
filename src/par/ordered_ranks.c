/*
 * Ordered output across ranks: whichever rank computed a unit, its output
 * reaches rank 0's writer in unit order, so a job that writes (list) can be
 * shared out in blocks, cyclically or on demand and still give the bytes
 * one process gives.
 *
 * There is one emitter, rank 0's (ordered.c), keyed by unit number over the
 * whole job.  Rank 0's threads hand it their units as they would in a
 * single process.  Every other rank runs its units a batch at a time, with
 * its own threads writing the batch's outputs in order into one buffer
 * (the same emitter, local), and its main thread sends the buffer to rank 0
 * with the batch's first unit and count at its end; a batch that failed or
 * was skipped is sent as a marker without output, so every unit of the job
 * reaches rank 0 exactly once.  Sends do not wait to be taken (an outbox of
 * a few), so a rank computes its next batch while rank 0 writes the last.
 *
 * Only rank 0's main thread receives (MPI_THREAD_FUNNELED): after each unit
 * it computes, while it waits to start a range, and at the end.  Waiting is
 * what keeps memory bounded, and it must never stop the one unit whose turn
 * it is from arriving:
 * - Each other rank sends its batches in increasing unit order, so rank 0
 *   holds at most one received batch per rank that is too far ahead to go
 *   into the emitter's window ("parked"); the batch whose turn it is is
 *   always the next one of some rank, and it always fits.
 * - Rank 0's threads wait for their turn only when the turn is one of their
 *   own units; while it is another rank's they never wait, and rank 0
 *   starts a range only once the whole range fits in the window.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/buffer.h"
#include "par/engine_internal.h"
#include "par/ordered.h"
#include "parkit/comm.h"
#include "parkit/status.h"

enum {
    OUTPUT_TAG = 71,
    IN_FLIGHT = 4, /* batches a rank may have sent that rank 0 has not taken */
};

/* At the end of every batch message, after the output. */
typedef struct batch_trailer {
    uint64_t first, count;
    uint64_t emit; /* 0: failed or skipped; nothing from here on is written */
} batch_trailer;

/* A batch received from a rank but not yet in the window. */
typedef struct parked_batch {
    char *message; /* NULL: none */
    size_t bytes;
} parked_batch;

struct pk_ranks_output {
    int rank, size;
    uint64_t units, batch_units, window;
    const pk_main_thread_hook *hook; /* the caller's, called wherever we wait */
    /* rank 0 */
    pk_ordered out;
    _Atomic int failure;
    parked_batch *parked; /* by rank */
    /* the others */
    pk_comm_outbox *outbox;
    int status; /* this rank's first failure */
};

/* A message that cannot be ours: the ranks disagree on the job. */
static void protocol_failure(int from, const char *why)
{
    fprintf(stderr, "parkit: internal error: ordered output from rank %d: %s\n", from, why);
    pk_comm_abort(1);
}

/* ---- rank 0: receiving ------------------------------------------------------------ */

/* Takes what has arrived from the other ranks into the emitter, as far as
 * it fits; true when anything went in. */
static bool pump(pk_ranks_output *ro)
{
    bool moved = false;
    for (int from = 1; from < ro->size; from++) {
        parked_batch *head = &ro->parked[from];
        for (;;) {
            if (head->message == NULL) {
                void *message = NULL;
                long bytes = pk_comm_try_receive(&message, from, OUTPUT_TAG);
                if (bytes == PK_COMM_NOTHING)
                    break;
                if (bytes < 0) {
                    fprintf(stderr, "parkit: out of memory receiving output from rank %d\n", from);
                    pk_comm_abort(1);
                }
                if ((size_t)bytes < sizeof(batch_trailer))
                    protocol_failure(from, "a message shorter than its trailer");
                head->message = message;
                head->bytes = (size_t)bytes;
            }
            batch_trailer trailer;
            size_t len = head->bytes - sizeof trailer;
            memcpy(&trailer, head->message + len, sizeof trailer);
            if (trailer.count == 0 || trailer.count > ro->batch_units || trailer.first >= ro->units ||
                trailer.count > ro->units - trailer.first || trailer.first < pk_ordered_turn(&ro->out))
                protocol_failure(from, "units out of place");
            if (!pk_ordered_fits(&ro->out, trailer.first, trailer.count))
                break; /* parked: this rank's later batches wait in its outbox */
            char *data = trailer.emit && len > 0 ? head->message : NULL;
            if (data == NULL)
                free(head->message);
            pk_ordered_put(&ro->out, trailer.first, trailer.count, trailer.emit != 0, data, data != NULL ? len : 0);
            head->message = NULL;
            moved = true;
        }
    }
    return moved;
}

/* Receives until every unit before TURN is written (or dropped), pausing
 * between empty polls rather than spinning: on an oversubscribed machine a
 * spinning rank 0 takes the core from the rank it waits for. */
static void pump_until(pk_ranks_output *ro, uint64_t turn)
{
    long pause_ns = 10 * 1000;
    while (pk_ordered_turn(&ro->out) < turn) {
        if (ro->hook != NULL)
            ro->hook->run(ro->hook->ctx);
        if (pump(ro)) {
            pause_ns = 10 * 1000;
            continue;
        }
        struct timespec pause = {0, pause_ns};
        nanosleep(&pause, NULL);
        if (pause_ns < 1000 * 1000)
            pause_ns *= 2;
    }
}

/* After each unit rank 0's main thread computes. */
static void pump_hook(void *ctx)
{
    pk_ranks_output *ro = ctx;
    pump(ro);
    if (ro->hook != NULL)
        ro->hook->run(ro->hook->ctx);
}

/* ---- the other ranks: batches captured, then sent ------------------------------------ */

typedef struct capture {
    char *data;
    size_t len, capacity;
    int status;
} capture;

/* The batch's outputs arrive here in unit order (the local emitter). */
static int capture_write(void *ctx, const char *data, size_t len)
{
    capture *c = ctx;
    if (!pk_buffer_reserve(&c->data, &c->capacity, c->len + len)) {
        c->status = PK_ENOMEM;
        return -1;
    }
    memcpy(c->data + c->len, data, len);
    c->len += len;
    return 0;
}

/* Sends units [first, first + count): the captured output when EMIT, else a
 * marker that they are not written. */
static void send_batch(pk_ranks_output *ro, capture *c, uint64_t first, uint64_t count, bool emit)
{
    batch_trailer trailer = {first, count, emit};
    if (!emit)
        c->len = 0;
    if (!pk_buffer_reserve(&c->data, &c->capacity, c->len + sizeof trailer)) {
        /* Not even room for the marker: send it from here, and wait. */
        free(c->data);
        pk_comm_send(&trailer, sizeof trailer, 0, OUTPUT_TAG);
    } else {
        memcpy(c->data + c->len, &trailer, sizeof trailer);
        pk_comm_outbox_post(ro->outbox, c->data, c->len + sizeof trailer);
    }
    *c = (capture){0};
}

/* After each unit this rank's main thread computes. */
static void outbox_hook(void *ctx)
{
    pk_ranks_output *ro = ctx;
    pk_comm_outbox_progress(ro->outbox);
    if (ro->hook != NULL)
        ro->hook->run(ro->hook->ctx);
}

static int run_batches(pk_ranks_output *ro, const pk_engine_options *options, const pk_job *job, uint64_t first,
                       uint64_t end, uint64_t counters[PK_JOB_MAX_COUNTERS], pk_engine_stats *stats)
{
    capture c = {0};
    pk_engine_options capturing = *options;
    capturing.write = capture_write;
    capturing.write_ctx = &c;
    pk_main_thread_hook hook = {outbox_hook, ro};
    for (uint64_t base = first; base < end; base += ro->batch_units) {
        uint64_t count = end - base < ro->batch_units ? end - base : ro->batch_units;
        if (ro->status == PK_OK && pk_engine_canceled(options))
            ro->status = PK_ECANCELED;
        if (ro->status == PK_OK) {
            int rc = pk_omp_run_units(&capturing, job, base, base + count, counters, stats, &hook, NULL);
            ro->status = c.status != PK_OK ? c.status : rc;
        }
        send_batch(ro, &c, base, count, ro->status == PK_OK);
    }
    return ro->status;
}

/* ---- both ----------------------------------------------------------------------------- */

pk_ranks_output *pk_ranks_output_start(const pk_job *job, uint64_t batch_units, const pk_engine_options *options,
                                       const pk_main_thread_hook *hook)
{
    pk_ranks_output *ro = calloc(1, sizeof *ro);
    if (ro == NULL)
        return NULL;
    ro->rank = pk_comm_rank();
    ro->size = pk_comm_size();
    ro->units = job->units;
    ro->batch_units = batch_units < 1 ? 1 : batch_units;
    /* Room for a few batches of every rank: a rank's next batch is about
     * one batch per rank ahead of the last. */
    ro->window = 4 * ro->batch_units * (uint64_t)ro->size;
    ro->hook = hook;
    ro->failure = PK_OK;
    bool made;
    if (ro->rank == 0) {
        ro->parked = calloc((size_t)ro->size, sizeof *ro->parked);
        made = ro->parked != NULL &&
               pk_ordered_init(&ro->out, 0, ro->window, options, &ro->failure, NULL) == PK_OK;
        if (made)
            pk_ordered_set_local(&ro->out, 0, 0);
        else
            free(ro->parked);
    } else {
        made = (ro->outbox = pk_comm_outbox_create(0, OUTPUT_TAG, IN_FLIGHT)) != NULL;
    }
    if (!made) {
        free(ro);
        return NULL;
    }
    return ro;
}

int pk_ranks_output_run(pk_ranks_output *ro, const pk_engine_options *options, const pk_job *job, uint64_t first,
                        uint64_t end, uint64_t counters[PK_JOB_MAX_COUNTERS], pk_engine_stats *stats)
{
    if (ro->rank != 0)
        return run_batches(ro, options, job, first, end, counters, stats);
    /* Start only when the whole range fits in the window (its threads may
     * then never wait while the turn is another rank's), or when the turn
     * is already in it. */
    uint64_t startable = end > ro->window ? end - ro->window : 0;
    pump_until(ro, startable < first ? startable : first);
    pk_ordered_set_local(&ro->out, first, end);
    pk_main_thread_hook hook = {pump_hook, ro};
    int rc = pk_omp_run_units(options, job, first, end, counters, stats, &hook, &ro->out);
    pk_ordered_set_local(&ro->out, 0, 0);
    return rc;
}

int pk_ranks_output_finish(pk_ranks_output *ro, const pk_engine_options *options)
{
    int rc;
    if (ro->rank == 0) {
        pump_until(ro, ro->units);
        rc = pk_engine_status(&ro->failure, options);
        pk_ordered_destroy(&ro->out);
        free(ro->parked);
    } else {
        pk_comm_outbox_close(ro->outbox);
        rc = ro->status;
    }
    free(ro);
    return rc;
}

void pk_ranks_output_discard(pk_ranks_output *ro)
{
    if (ro == NULL)
        return;
    if (ro->rank == 0) {
        pk_ordered_destroy(&ro->out);
        free(ro->parked);
    } else {
        pk_comm_outbox_close(ro->outbox);
    }
    free(ro);
}
