/*
 * A bounded, blocking queue of `void *` items for the threaded I/O stage.
 *
 * Readers push parsed batches, the compute pops them; the compute pushes
 * results, writers pop them.  The bound is the point: when the consumer is
 * slower than the producer, the producer blocks in pk_queue_push instead of
 * piling up items, so a slow disk slows the computation rather than growing
 * memory without limit.  pk_queue_stats says how long each side waited, which
 * is how a report tells "I/O bound" from "compute bound".
 *
 * Any number of threads may push and pop at once.  Items come out in the
 * order their pushes completed (FIFO).
 *
 * Ownership: the queue never looks at, copies or frees an item.  A pushed
 * item belongs to the queue until a pop hands it to the popping thread.  Items
 * still inside after a cancel are the caller's: take them out with
 * pk_queue_drain before pk_queue_destroy.  NULL is a valid item.
 *
 * Ending a stream:
 *   close   "no more items": pushes fail with PK_EINVAL, pops drain what is
 *           left and then get PK_EOF.  The normal end.
 *   cancel  "stop now": every blocked or later push and pop fails with
 *           PK_ECANCELED at once, even when items remain.  For errors, user
 *           interrupts and timeouts of the whole stage.
 * Both are sticky and wake every waiting thread; cancel wins over close.
 *
 * Timeouts are in seconds on the monotonic clock: < 0 waits forever, 0 only
 * tries, > 0 waits at most that long and then gives PK_ETIMEDOUT.  A NaN
 * timeout is PK_EINVAL.
 */
#ifndef PARKIT_QUEUE_H
#define PARKIT_QUEUE_H

#include <stddef.h>

typedef struct pk_queue pk_queue;

/* Makes an empty queue holding at most CAPACITY (>= 1) items.
 * PK_OK and *queue set; PK_EINVAL (queue NULL, capacity 0) or PK_ENOMEM,
 * and then *queue is NULL. */
int pk_queue_create(pk_queue **queue, size_t capacity);

/* Frees the queue, not its items.  No thread may be inside a push or pop,
 * and none may enter one afterwards; drain any items left first.  NULL is a
 * no-op. */
void pk_queue_destroy(pk_queue *queue);

/* Appends ITEM, blocking while the queue is full.  PK_OK; PK_ECANCELED once
 * the queue is canceled; PK_EINVAL once it is closed (or bad arguments);
 * PK_ETIMEDOUT when no space came within the timeout.  On any failure the
 * item stays the caller's. */
int pk_queue_push(pk_queue *queue, void *item, double timeout_seconds);

/* Takes the oldest item into *item, blocking while the queue is empty.
 * PK_OK; PK_EOF when the queue is closed and empty; PK_ECANCELED once it is
 * canceled; PK_ETIMEDOUT when nothing came within the timeout; PK_EINVAL for
 * bad arguments.  *item is written only on PK_OK. */
int pk_queue_pop(pk_queue *queue, void **item, double timeout_seconds);

/* No more pushes: wakes blocked pushers (PK_EINVAL) and, once the queue is
 * empty, blocked poppers (PK_EOF).  Idempotent. */
void pk_queue_close(pk_queue *queue);

/* Stops everything: wakes every blocked push and pop, which return
 * PK_ECANCELED, as do all later ones.  Items stay inside; see drain.
 * Idempotent. */
void pk_queue_cancel(pk_queue *queue);

/* Takes out every item left and hands each, oldest first, to FREE_ITEM
 * (which may be NULL to just forget them).  Works in any state, typically
 * after a cancel.  FREE_ITEM runs without the queue's lock held; items
 * pushed meanwhile are drained too.  Returns how many items were taken. */
size_t pk_queue_drain(pk_queue *queue, void (*free_item)(void *item));

/* Items inside now (already stale when it returns, unless the caller knows
 * nobody else is using the queue). */
size_t pk_queue_length(pk_queue *queue);
size_t pk_queue_capacity(const pk_queue *queue);

/* Backpressure statistics since creation: total seconds pushers spent
 * blocked on a full queue, total seconds poppers spent blocked on an empty
 * one (summed over threads, so they can exceed wall time), and the largest
 * length the queue reached.  Any output pointer may be NULL. */
void pk_queue_stats(pk_queue *queue, double *push_wait_seconds, double *pop_wait_seconds, size_t *max_length);

#endif
