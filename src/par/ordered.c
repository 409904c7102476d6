/*
 * Ordered output: whoever finishes the unit whose turn it is writes it,
 * then every later unit already finished; a thread that finishes out of
 * turn leaves a copy of its output (or, when the job's output stays put,
 * only where it is) and goes on computing.
 *
 * It is a mutex and a condition variable rather than OpenMP's `ordered`,
 * whose waiters spin: with more threads than free cores (oversubscribed MPI
 * tests, a busy laptop) spinning waiters starve the one thread whose turn
 * it is, and `ordered` would also make every thread wait for the slowest
 * unit before it.
 *
 * Streams (stream.c) number units across their jobs, and the emitter calls
 * each job's done() when its last unit's turn comes, before anything of
 * the next job is written.  Across ranks (ordered_ranks.c), rank 0's
 * emitter spans the whole job: its own threads emit as here, and its main
 * thread puts in other ranks' batches (pk_ordered_put), which never waits.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "par/engine_internal.h"
#include "par/ordered.h"
#include "parkit/status.h"

/* A thread more than `window` units ahead, or whose copy would take the
 * copies past PENDING_BYTES_MAX, waits instead (memory stays bounded),
 * which never deadlocks: every thread takes its units in increasing order,
 * so the owner of the unit whose turn it is never waits.  Once a unit fails
 * or is skipped nothing after it is written, so the output is always a
 * whole prefix of the job's. */
enum { PENDING_BYTES_MAX = 4 << 20 };

/* The turn is at the last unit of the oldest job of a stream: calls its
 * done() (with the lock released, still holding the turn, so nothing after
 * the job is written before done returns).  Called with the lock held. */
static void finish_stream_job(pk_ordered *e)
{
    pk_ordered_job *finished = e->jobs_head;
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
        pk_engine_record_failure(e->failure, rc);
    }
}

/* The caller holds the turn (unit next_unit, whose output is EMIT, DATA,
 * LEN; OWNED when it is a copy to free): writes it, then every finished
 * unit after it, and gives the turn up at the first unfinished one.  Called
 * with the lock held; the lock is released while writing. */
static void write_turns(pk_ordered *e, bool emit, const char *data, size_t len, char *owned)
{
    for (;;) {
        if (!emit)
            e->stopped = true;
        bool write = emit && !e->stopped && len > 0;
        pthread_mutex_unlock(&e->lock);
        if (write && e->options->write(e->options->write_ctx, data, len) != 0) {
            pk_engine_record_failure(e->failure, PK_EIO);
            emit = false;
        }
        free(owned);
        pthread_mutex_lock(&e->lock);
        if (!emit)
            e->stopped = true;
        if (e->jobs_head != NULL && e->jobs_head->end == e->next_unit + 1)
            finish_stream_job(e);
        e->next_unit++;
        pk_ordered_pending *slot = &e->pending[e->next_unit % e->window];
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
}

/* Whether a thread may wait for its turn: one of this process's threads
 * holds the unit whose turn it is.  Called with the lock held. */
static bool turn_is_local(const pk_ordered *e)
{
    return e->next_unit >= e->local_first && e->next_unit < e->local_end;
}

void pk_ordered_emit(pk_ordered *e, uint64_t unit, bool emit, const char *data, size_t len, bool stays)
{
    pthread_mutex_lock(&e->lock);
    while (unit != e->next_unit &&
           (unit - e->next_unit >= e->window ||
            (!stays && e->pending_bytes + len > PENDING_BYTES_MAX && turn_is_local(e))))
        pthread_cond_wait(&e->changed, &e->lock);
    if (unit != e->next_unit) {
        pk_ordered_pending *slot = &e->pending[unit % e->window];
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
                pk_engine_record_failure(e->failure, PK_ENOMEM);
            }
        }
        slot->ready = true;
        pthread_mutex_unlock(&e->lock);
        return;
    }
    /* Our turn: write ours, then the finished ones that follow. */
    write_turns(e, emit, data, len, NULL);
    pthread_mutex_unlock(&e->lock);
}

void pk_ordered_put(pk_ordered *e, uint64_t first, uint64_t count, bool emit, char *data, size_t len)
{
    pthread_mutex_lock(&e->lock);
    for (uint64_t unit = first; unit < first + count; unit++) {
        pk_ordered_pending *slot = &e->pending[unit % e->window];
        slot->emit = emit;
        slot->data = unit == first ? data : NULL;
        slot->len = unit == first ? len : 0;
        slot->owned = unit == first && data != NULL;
        slot->ready = true;
    }
    e->pending_bytes += len;
    /* Nobody holds the turn when its unit is waiting in its slot: take it. */
    pk_ordered_pending *turn = &e->pending[e->next_unit % e->window];
    if (turn->ready) {
        turn->ready = false;
        if (turn->owned)
            e->pending_bytes -= turn->len;
        write_turns(e, turn->emit, turn->data, turn->len, turn->owned ? turn->data : NULL);
    }
    pthread_mutex_unlock(&e->lock);
}

bool pk_ordered_fits(pk_ordered *e, uint64_t first, uint64_t count)
{
    pthread_mutex_lock(&e->lock);
    bool fits = first + count <= e->next_unit + e->window;
    pthread_mutex_unlock(&e->lock);
    return fits;
}

uint64_t pk_ordered_turn(pk_ordered *e)
{
    pthread_mutex_lock(&e->lock);
    uint64_t turn = e->next_unit;
    pthread_mutex_unlock(&e->lock);
    return turn;
}

void pk_ordered_set_local(pk_ordered *e, uint64_t first, uint64_t end)
{
    pthread_mutex_lock(&e->lock);
    e->local_first = first;
    e->local_end = end;
    pthread_mutex_unlock(&e->lock);
}

int pk_ordered_init(pk_ordered *e, uint64_t first, uint64_t window, const pk_engine_options *options,
                    _Atomic int *failure, const pk_stream *stream)
{
    memset(e, 0, sizeof *e);
    pthread_mutex_init(&e->lock, NULL);
    pthread_cond_init(&e->changed, NULL);
    e->next_unit = first;
    e->local_first = first;
    e->local_end = UINT64_MAX;
    e->window = window;
    e->options = options;
    e->failure = failure;
    e->stream = stream;
    if ((e->pending = calloc(window, sizeof *e->pending)) == NULL) {
        pthread_cond_destroy(&e->changed);
        pthread_mutex_destroy(&e->lock);
        return PK_ENOMEM;
    }
    return PK_OK;
}

void pk_ordered_add_job(pk_ordered *e, pk_ordered_job *record)
{
    if (e->jobs_tail != NULL)
        e->jobs_tail->next = record;
    else
        e->jobs_head = record;
    e->jobs_tail = record;
}

void pk_ordered_destroy(pk_ordered *e)
{
    pthread_cond_destroy(&e->changed);
    pthread_mutex_destroy(&e->lock);
    free(e->pending);
}
