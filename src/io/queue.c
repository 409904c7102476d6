/*
 * The bounded queue between the I/O threads and the compute.
 *
 * Why it exists: readers, the compute and writers run at different speeds.
 * An unbounded hand-off would let the fast side run ahead and hold the whole
 * input (or the whole output) in memory; a bounded one makes the fast side
 * wait.  A slow writer must slow the compute, not grow memory.  The waits
 * are timed, so a report can say which side was the bottleneck.
 *
 * How: a ring buffer of `capacity` slots guarded by one mutex, with two
 * condition variables, not_full (pushers wait on it) and not_empty (poppers
 * wait on it).  Timed waits use pthread_cond_timedwait against
 * CLOCK_MONOTONIC (set with pthread_condattr_setclock), so changing the
 * system time neither cuts a timeout short nor stretches it.
 *
 * Lock order: there is one lock, queue->lock, and no code here takes any
 * other lock while holding it.  Callbacks (the free_item of pk_queue_drain)
 * are never called with it held, so they may use the queue themselves.
 *
 * Invariants, true whenever queue->lock is free:
 *   - 0 <= length <= capacity; the items are slots[head], slots[head+1], ...
 *     (indices modulo capacity), oldest first; head < capacity.
 *   - max_length >= length, and max_length <= capacity.
 *   - closed and canceled only ever go from 0 to 1.
 *   - A push that returns PK_OK has put its item at the tail while holding
 *     the lock; a pop takes from the head while holding it: so items leave
 *     in the order their pushes completed.
 *   - A thread waits on not_full only while length == capacity and the
 *     queue is neither closed nor canceled; on not_empty only while
 *     length == 0 and the queue is neither closed nor canceled.  Every change
 *     that could end such a wait signals (one slot or item: one waiter) or
 *     broadcasts (close, cancel: everyone).
 *   - A waiter that times out rechecks its condition under the lock before
 *     giving up, so a wake-up meant for it is never lost with the item.
 */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include "core/clock.h"
#include "parkit/queue.h"
#include "parkit/status.h"

/* Timeouts longer than this (about 31 years) are treated as "forever", which
 * keeps the deadline arithmetic far from overflowing time_t. */
#define FOREVER_THRESHOLD_SECONDS 1e9

struct pk_queue {
    pthread_mutex_t lock;
    pthread_cond_t not_full;  /* signaled when a slot frees up */
    pthread_cond_t not_empty; /* signaled when an item arrives */
    void **slots;
    size_t capacity;
    size_t head;   /* slot of the oldest item */
    size_t length; /* items inside */
    int closed;
    int canceled;
    /* statistics, guarded by lock like the rest */
    size_t max_length;
    double push_wait_seconds;
    double pop_wait_seconds;
};

static int status_from_errno(int error)
{
    return (error == ENOMEM || error == EAGAIN) ? PK_ENOMEM : PK_EINTERNAL;
}

int pk_queue_create(pk_queue **queue, size_t capacity)
{
    if (queue == NULL)
        return PK_EINVAL;
    *queue = NULL;
    if (capacity == 0)
        return PK_EINVAL;
    if (capacity > SIZE_MAX / sizeof(void *))
        return PK_ENOMEM; /* the slots alone would not fit in memory */

    int rc = PK_ENOMEM;
    pk_queue *q = calloc(1, sizeof *q);
    if (q == NULL)
        goto fail_struct;
    q->slots = calloc(capacity, sizeof q->slots[0]);
    if (q->slots == NULL)
        goto fail_slots;
    q->capacity = capacity;

    int error = pthread_mutex_init(&q->lock, NULL);
    if (error != 0) {
        rc = status_from_errno(error);
        goto fail_lock;
    }
    pthread_condattr_t attr;
    error = pthread_condattr_init(&attr);
    if (error != 0) {
        rc = status_from_errno(error);
        goto fail_attr;
    }
    error = pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    if (error != 0) {
        rc = status_from_errno(error);
        goto fail_clock;
    }
    error = pthread_cond_init(&q->not_full, &attr);
    if (error != 0) {
        rc = status_from_errno(error);
        goto fail_clock;
    }
    error = pthread_cond_init(&q->not_empty, &attr);
    if (error != 0) {
        rc = status_from_errno(error);
        goto fail_not_empty;
    }
    pthread_condattr_destroy(&attr);
    *queue = q;
    return PK_OK;

fail_not_empty:
    pthread_cond_destroy(&q->not_full);
fail_clock:
    pthread_condattr_destroy(&attr);
fail_attr:
    pthread_mutex_destroy(&q->lock);
fail_lock:
    free(q->slots);
fail_slots:
    free(q);
fail_struct:
    return rc;
}

void pk_queue_destroy(pk_queue *queue)
{
    if (queue == NULL)
        return;
    pthread_cond_destroy(&queue->not_empty);
    pthread_cond_destroy(&queue->not_full);
    pthread_mutex_destroy(&queue->lock);
    free(queue->slots);
    free(queue);
}

/* When a push may stop waiting: there is room, or it will fail anyway. */
static int push_may_proceed(const pk_queue *queue)
{
    return queue->canceled || queue->closed || queue->length < queue->capacity;
}

/* When a pop may stop waiting: there is an item, or it will fail anyway. */
static int pop_may_proceed(const pk_queue *queue)
{
    return queue->canceled || queue->length > 0 || queue->closed;
}

/* The absolute CLOCK_MONOTONIC time SECONDS (> 0, finite) from now. */
static struct timespec deadline_after(double seconds)
{
    struct timespec deadline;
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    double whole = floor(seconds);
    deadline.tv_sec += (time_t)whole;
    deadline.tv_nsec += (long)((seconds - whole) * 1e9);
    if (deadline.tv_nsec >= 1000000000L) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000L;
    }
    return deadline;
}

/*
 * Called and returns with queue->lock held.  Waits on COND until
 * MAY_PROCEED holds or the timeout passes, adding the time spent blocked to
 * *WAIT_TOTAL.  PK_OK when MAY_PROCEED holds, PK_ETIMEDOUT, or PK_EINTERNAL
 * if the wait itself failed.
 */
static int wait_until(pk_queue *queue, pthread_cond_t *cond, int (*may_proceed)(const pk_queue *),
                      double timeout_seconds, double *wait_total)
{
    if (may_proceed(queue))
        return PK_OK;
    if (timeout_seconds == 0)
        return PK_ETIMEDOUT;

    int forever = timeout_seconds < 0 || timeout_seconds > FOREVER_THRESHOLD_SECONDS;
    struct timespec deadline = {0, 0};
    if (!forever)
        deadline = deadline_after(timeout_seconds);
    double start = pk_clock_seconds();
    int rc = PK_OK;
    while (!may_proceed(queue)) {
        int error = forever ? pthread_cond_wait(cond, &queue->lock)
                            : pthread_cond_timedwait(cond, &queue->lock, &deadline);
        if (error == ETIMEDOUT) {
            /* The condition may have come true just as time ran out. */
            if (!may_proceed(queue))
                rc = PK_ETIMEDOUT;
            break;
        }
        if (error != 0) {
            rc = PK_EINTERNAL;
            break;
        }
    }
    *wait_total += pk_clock_seconds() - start;
    return rc;
}

int pk_queue_push(pk_queue *queue, void *item, double timeout_seconds)
{
    if (queue == NULL || isnan(timeout_seconds))
        return PK_EINVAL;
    pthread_mutex_lock(&queue->lock);
    int rc = wait_until(queue, &queue->not_full, push_may_proceed, timeout_seconds, &queue->push_wait_seconds);
    if (rc == PK_OK) {
        if (queue->canceled) {
            rc = PK_ECANCELED;
        } else if (queue->closed) {
            rc = PK_EINVAL;
        } else {
            size_t tail = queue->head + queue->length;
            if (tail >= queue->capacity)
                tail -= queue->capacity;
            queue->slots[tail] = item;
            queue->length++;
            if (queue->length > queue->max_length)
                queue->max_length = queue->length;
            pthread_cond_signal(&queue->not_empty);
        }
    }
    pthread_mutex_unlock(&queue->lock);
    return rc;
}

/* Removes and returns the oldest item; lock held, length > 0. */
static void *take_oldest(pk_queue *queue)
{
    void *item = queue->slots[queue->head];
    queue->slots[queue->head] = NULL;
    if (++queue->head == queue->capacity)
        queue->head = 0;
    queue->length--;
    pthread_cond_signal(&queue->not_full);
    return item;
}

int pk_queue_pop(pk_queue *queue, void **item, double timeout_seconds)
{
    if (queue == NULL || item == NULL || isnan(timeout_seconds))
        return PK_EINVAL;
    pthread_mutex_lock(&queue->lock);
    int rc = wait_until(queue, &queue->not_empty, pop_may_proceed, timeout_seconds, &queue->pop_wait_seconds);
    if (rc == PK_OK) {
        if (queue->canceled)
            rc = PK_ECANCELED;
        else if (queue->length > 0)
            *item = take_oldest(queue);
        else
            rc = PK_EOF; /* closed and empty */
    }
    pthread_mutex_unlock(&queue->lock);
    return rc;
}

void pk_queue_close(pk_queue *queue)
{
    if (queue == NULL)
        return;
    pthread_mutex_lock(&queue->lock);
    queue->closed = 1;
    pthread_cond_broadcast(&queue->not_full);
    pthread_cond_broadcast(&queue->not_empty);
    pthread_mutex_unlock(&queue->lock);
}

void pk_queue_cancel(pk_queue *queue)
{
    if (queue == NULL)
        return;
    pthread_mutex_lock(&queue->lock);
    queue->canceled = 1;
    pthread_cond_broadcast(&queue->not_full);
    pthread_cond_broadcast(&queue->not_empty);
    pthread_mutex_unlock(&queue->lock);
}

size_t pk_queue_drain(pk_queue *queue, void (*free_item)(void *item))
{
    if (queue == NULL)
        return 0;
    size_t taken = 0;
    for (;;) {
        pthread_mutex_lock(&queue->lock);
        if (queue->length == 0) {
            pthread_mutex_unlock(&queue->lock);
            break;
        }
        void *item = take_oldest(queue);
        pthread_mutex_unlock(&queue->lock);
        /* Outside the lock, as promised at the top of the file. */
        if (free_item != NULL)
            free_item(item);
        taken++;
    }
    return taken;
}

size_t pk_queue_length(pk_queue *queue)
{
    if (queue == NULL)
        return 0;
    pthread_mutex_lock(&queue->lock);
    size_t length = queue->length;
    pthread_mutex_unlock(&queue->lock);
    return length;
}

size_t pk_queue_capacity(const pk_queue *queue)
{
    /* Set once at creation, so reading it needs no lock. */
    return queue == NULL ? 0 : queue->capacity;
}

void pk_queue_stats(pk_queue *queue, double *push_wait_seconds, double *pop_wait_seconds, size_t *max_length)
{
    double push_wait = 0, pop_wait = 0;
    size_t max = 0;
    if (queue != NULL) {
        pthread_mutex_lock(&queue->lock);
        push_wait = queue->push_wait_seconds;
        pop_wait = queue->pop_wait_seconds;
        max = queue->max_length;
        pthread_mutex_unlock(&queue->lock);
    }
    if (push_wait_seconds != NULL)
        *push_wait_seconds = push_wait;
    if (pop_wait_seconds != NULL)
        *pop_wait_seconds = pop_wait;
    if (max_length != NULL)
        *max_length = max;
}
