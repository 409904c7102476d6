/*
 * The ordered writer (see parkit/writer.h): a bounded queue of numbered
 * blocks and writer threads that write them in number order.
 *
 * Locks, and the order they are taken in:
 *   submit_lock  held by a submitter while it numbers a block and pushes it,
 *                so numbers follow submission order; the push may block on
 *                a full queue (that is the backpressure) with it held.
 *   the queue's own lock (inside pk_queue_push/pop), never held across calls.
 *   turn_lock    held by a writer thread only to wait for and pass its
 *                turn; the write itself happens outside it.
 * A thread holds at most submit_lock and then the queue's lock, never
 * turn_lock together with another lock, so there is no cycle.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "parkit/queue.h"
#include "io/io_thread.h"
#include "parkit/status.h"
#include "parkit/writer.h"

/* A block is either a copy (one part pointing at data[]) or the
 * submitter's parts, given back through release once written or dropped. */
typedef struct block {
    uint64_t number;
    const pk_write_part *parts;
    size_t part_count;
    pk_release_fn release; /* NULL: a copy */
    void *owner;
    pk_write_part copy;
    char data[];
} block;

static void free_block(void *item)
{
    block *b = item;
    if (b->release != NULL)
        b->release(b->owner);
    free(b);
}

struct pk_writer {
    pk_queue *queue;
    pk_write_fn write;
    void *ctx;
    int threads;
    pthread_t *thread;
    pthread_mutex_t submit_lock;
    uint64_t next_number; /* guarded by submit_lock */
    pthread_mutex_t turn_lock;
    pthread_cond_t turn_changed;
    uint64_t next_to_write; /* guarded by turn_lock */
    _Atomic int failure;    /* first error, PK_OK while none */
    _Atomic bool canceled;  /* queued blocks were dropped: turns may never come */
};

static void *writer_thread(void *opaque)
{
    pk_writer *writer = opaque;
    pk_io_thread_start();
    void *item;
    while (pk_queue_pop(writer->queue, &item, -1) == PK_OK) {
        block *b = item;
        pthread_mutex_lock(&writer->turn_lock);
        /* After a cancel, earlier blocks may have been dropped from the
         * queue: their turns never come, so stop waiting. */
        while (writer->next_to_write != b->number && !atomic_load(&writer->canceled))
            pthread_cond_wait(&writer->turn_changed, &writer->turn_lock);
        pthread_mutex_unlock(&writer->turn_lock);
        /* Our turn: nobody else writes until we pass it on.  After a failure
         * the rest is dropped, but turns still advance so nobody waits. */
        for (size_t i = 0; i < b->part_count; i++) {
            if (atomic_load(&writer->failure) != PK_OK || atomic_load(&writer->canceled))
                break;
            if (writer->write(writer->ctx, b->parts[i].data, b->parts[i].len) != 0) {
                int expected = PK_OK;
                atomic_compare_exchange_strong(&writer->failure, &expected, PK_EIO);
            }
        }
        free_block(b);
        pthread_mutex_lock(&writer->turn_lock);
        writer->next_to_write++;
        pthread_cond_broadcast(&writer->turn_changed);
        pthread_mutex_unlock(&writer->turn_lock);
    }
    return NULL;
}

int pk_writer_create(pk_writer **out, int threads, size_t queue_depth, pk_write_fn write, void *ctx)
{
    *out = NULL;
    if (threads < 1 || queue_depth < 1 || write == NULL)
        return PK_EINVAL;
    pk_writer *writer = calloc(1, sizeof *writer);
    if (writer == NULL)
        return PK_ENOMEM;
    writer->write = write;
    writer->ctx = ctx;
    writer->thread = calloc((size_t)threads, sizeof *writer->thread);
    if (writer->thread == NULL || pk_queue_create(&writer->queue, queue_depth) != PK_OK) {
        free(writer->thread);
        free(writer);
        return PK_ENOMEM;
    }
    pthread_mutex_init(&writer->submit_lock, NULL);
    pthread_mutex_init(&writer->turn_lock, NULL);
    pthread_cond_init(&writer->turn_changed, NULL);
    atomic_init(&writer->failure, PK_OK);
    atomic_init(&writer->canceled, false);
    for (; writer->threads < threads; writer->threads++) {
        if (pthread_create(&writer->thread[writer->threads], NULL, writer_thread, writer) != 0)
            break;
    }
    if (writer->threads == 0) {
        pk_writer_finish(writer);
        return PK_ENOMEM;
    }
    *out = writer;
    return PK_OK;
}

/* Numbers block B and queues it; frees it (releasing its parts) when it
 * cannot be queued. */
static int submit_block(pk_writer *writer, block *b)
{
    int failure = atomic_load(&writer->failure);
    if (failure != PK_OK) {
        free_block(b);
        return failure;
    }
    pthread_mutex_lock(&writer->submit_lock);
    b->number = writer->next_number;
    int rc = pk_queue_push(writer->queue, b, -1);
    if (rc == PK_OK)
        writer->next_number++;
    pthread_mutex_unlock(&writer->submit_lock);
    if (rc != PK_OK) {
        free_block(b);
        return rc == PK_ECANCELED ? PK_ECANCELED : PK_EIO;
    }
    return PK_OK;
}

int pk_writer_submit(pk_writer *writer, const char *data, size_t len)
{
    int failure = atomic_load(&writer->failure);
    if (failure != PK_OK)
        return failure;
    block *b = malloc(sizeof *b + len);
    if (b == NULL)
        return PK_ENOMEM;
    memcpy(b->data, data, len);
    *b = (block){.parts = &b->copy, .part_count = 1, .copy = {b->data, len}};
    return submit_block(writer, b);
}

int pk_writer_submit_parts(pk_writer *writer, const pk_write_part *parts, size_t count, pk_release_fn release,
                           void *owner)
{
    block *b = malloc(sizeof *b);
    if (b == NULL) {
        release(owner);
        return PK_ENOMEM;
    }
    *b = (block){.parts = parts, .part_count = count, .release = release, .owner = owner};
    return submit_block(writer, b);
}

int pk_writer_write_fn(void *writer, const char *data, size_t len)
{
    return pk_writer_submit(writer, data, len) == PK_OK ? 0 : -1;
}

void pk_writer_cancel(pk_writer *writer)
{
    int expected = PK_OK;
    atomic_compare_exchange_strong(&writer->failure, &expected, PK_ECANCELED);
    pk_queue_cancel(writer->queue);
    pthread_mutex_lock(&writer->turn_lock);
    atomic_store(&writer->canceled, true);
    pthread_cond_broadcast(&writer->turn_changed);
    pthread_mutex_unlock(&writer->turn_lock);
}

int pk_writer_finish(pk_writer *writer)
{
    pk_queue_close(writer->queue);
    for (int i = 0; i < writer->threads; i++)
        pthread_join(writer->thread[i], NULL);
    pk_queue_drain(writer->queue, free_block); /* left only after a cancel */
    int rc = atomic_load(&writer->failure);
    pk_queue_destroy(writer->queue);
    pthread_cond_destroy(&writer->turn_changed);
    pthread_mutex_destroy(&writer->turn_lock);
    pthread_mutex_destroy(&writer->submit_lock);
    free(writer->thread);
    free(writer);
    return rc;
}

void pk_writer_stats(pk_writer *writer, size_t *max_queued, double *blocked_seconds)
{
    double pop_wait;
    pk_queue_stats(writer->queue, blocked_seconds, &pop_wait, max_queued);
}
