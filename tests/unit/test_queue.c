/*
 * Tests of the bounded queue of the I/O stage: FIFO order on one thread and
 * across the ring's wrap, capacity 1, timeouts on a full and an empty queue,
 * close (drain, then PK_EOF; pushes refused), cancel waking blocked threads,
 * drain after cancel, many producers x many consumers delivering each item
 * exactly once and in each producer's order, and backpressure: a slow
 * consumer holds the queue at its capacity and makes producers wait.
 *
 * CUnit is not thread-safe, so helper threads only record what happened;
 * the test's own thread asserts afterwards.
 */
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/clock.h"
#include "parkit/queue.h"
#include "parkit/status.h"
#include "suites.h"

static void sleep_seconds(double seconds)
{
    struct timespec pause = {(time_t)seconds, (long)((seconds - floor(seconds)) * 1e9)};
    while (nanosleep(&pause, &pause) != 0) {
    }
}

static void test_fifo_single_thread(void)
{
    enum { CAPACITY = 5, ROUNDS = 1000 };
    int values[CAPACITY * 2];
    pk_queue *queue = NULL;
    CU_ASSERT_EQUAL_FATAL(pk_queue_create(&queue, CAPACITY), PK_OK);
    CU_ASSERT_EQUAL(pk_queue_capacity(queue), CAPACITY);
    CU_ASSERT_EQUAL(pk_queue_length(queue), 0);

    for (int i = 0; i < CAPACITY; i++)
        CU_ASSERT_EQUAL(pk_queue_push(queue, &values[i], 0), PK_OK);
    CU_ASSERT_EQUAL(pk_queue_length(queue), CAPACITY);
    CU_ASSERT_EQUAL(pk_queue_push(queue, &values[CAPACITY], 0), PK_ETIMEDOUT); /* full */
    void *item = NULL;
    for (int i = 0; i < 2; i++) {
        CU_ASSERT_EQUAL(pk_queue_pop(queue, &item, 0), PK_OK);
        CU_ASSERT_PTR_EQUAL(item, &values[i]);
    }
    /* These two wrap around the end of the ring. */
    CU_ASSERT_EQUAL(pk_queue_push(queue, &values[CAPACITY], 0), PK_OK);
    CU_ASSERT_EQUAL(pk_queue_push(queue, &values[CAPACITY + 1], 0), PK_OK);
    for (int i = 2; i < CAPACITY + 2; i++) {
        CU_ASSERT_EQUAL(pk_queue_pop(queue, &item, 0), PK_OK);
        CU_ASSERT_PTR_EQUAL(item, &values[i]);
    }
    item = &values[0];
    CU_ASSERT_EQUAL(pk_queue_pop(queue, &item, 0), PK_ETIMEDOUT); /* empty */
    CU_ASSERT_PTR_EQUAL(item, &values[0]);                         /* untouched */

    /* Many rounds of uneven fill and empty: the ring wraps at every offset. */
    uintptr_t next_in = 0, next_out = 0;
    int wrong = 0;
    for (int round = 0; round < ROUNDS; round++) {
        int in = 1 + round % CAPACITY, out = 1 + (round * 7) % CAPACITY;
        for (int i = 0; i < in && pk_queue_length(queue) < CAPACITY; i++)
            wrong += pk_queue_push(queue, (void *)next_in++, -1) != PK_OK;
        for (int i = 0; i < out && pk_queue_length(queue) > 0; i++) {
            wrong += pk_queue_pop(queue, &item, -1) != PK_OK;
            wrong += (uintptr_t)item != next_out++;
        }
    }
    CU_ASSERT_EQUAL(wrong, 0);
    CU_ASSERT(next_in > (uintptr_t)ROUNDS);
    CU_ASSERT_EQUAL(pk_queue_length(queue), (size_t)(next_in - next_out));

    size_t max_length = 0;
    double push_wait = -1, pop_wait = -1;
    pk_queue_stats(queue, &push_wait, &pop_wait, &max_length);
    CU_ASSERT_EQUAL(max_length, CAPACITY);
    CU_ASSERT_EQUAL(push_wait, 0); /* nothing ever blocked */
    CU_ASSERT_EQUAL(pop_wait, 0);
    pk_queue_drain(queue, NULL);
    pk_queue_destroy(queue);
}

static void test_capacity_one(void)
{
    pk_queue *queue = NULL;
    CU_ASSERT_EQUAL_FATAL(pk_queue_create(&queue, 1), PK_OK);
    int a, b;
    void *item = NULL;
    for (int i = 0; i < 100; i++) {
        void *want = (i % 2) ? (void *)&a : (void *)&b;
        CU_ASSERT_EQUAL(pk_queue_push(queue, want, 0), PK_OK);
        CU_ASSERT_EQUAL(pk_queue_length(queue), 1);
        CU_ASSERT_EQUAL(pk_queue_push(queue, &a, 0), PK_ETIMEDOUT);
        CU_ASSERT_EQUAL(pk_queue_pop(queue, &item, 0), PK_OK);
        CU_ASSERT_PTR_EQUAL(item, want);
        CU_ASSERT_EQUAL(pk_queue_pop(queue, &item, 0), PK_ETIMEDOUT);
    }
    /* NULL is an item like any other. */
    item = &a;
    CU_ASSERT_EQUAL(pk_queue_push(queue, NULL, 0), PK_OK);
    CU_ASSERT_EQUAL(pk_queue_pop(queue, &item, 0), PK_OK);
    CU_ASSERT_PTR_NULL(item);
    size_t max_length = 0;
    pk_queue_stats(queue, NULL, NULL, &max_length);
    CU_ASSERT_EQUAL(max_length, 1);
    pk_queue_destroy(queue);
}

static void test_push_timeout_on_full(void)
{
    const double timeout = 0.05;
    int values[3];
    pk_queue *queue = NULL;
    CU_ASSERT_EQUAL_FATAL(pk_queue_create(&queue, 2), PK_OK);
    CU_ASSERT_EQUAL(pk_queue_push(queue, &values[0], timeout), PK_OK);
    CU_ASSERT_EQUAL(pk_queue_push(queue, &values[1], timeout), PK_OK);
    double start = pk_clock_seconds();
    CU_ASSERT_EQUAL(pk_queue_push(queue, &values[2], timeout), PK_ETIMEDOUT);
    double took = pk_clock_seconds() - start;
    CU_ASSERT(took >= timeout - 1e-3);
    CU_ASSERT(took < 1.0);
    /* The failed push changed nothing. */
    CU_ASSERT_EQUAL(pk_queue_length(queue), 2);
    void *item = NULL;
    CU_ASSERT_EQUAL(pk_queue_pop(queue, &item, 0), PK_OK);
    CU_ASSERT_PTR_EQUAL(item, &values[0]);
    CU_ASSERT_EQUAL(pk_queue_pop(queue, &item, 0), PK_OK);
    CU_ASSERT_PTR_EQUAL(item, &values[1]);
    double push_wait = 0, pop_wait = -1;
    pk_queue_stats(queue, &push_wait, &pop_wait, NULL);
    CU_ASSERT(push_wait >= timeout - 1e-3 && push_wait <= took);
    CU_ASSERT_EQUAL(pop_wait, 0);
    pk_queue_destroy(queue);
}

static void test_pop_timeout_on_empty(void)
{
    const double timeout = 0.05;
    pk_queue *queue = NULL;
    CU_ASSERT_EQUAL_FATAL(pk_queue_create(&queue, 4), PK_OK);
    void *item = &queue;
    double start = pk_clock_seconds();
    CU_ASSERT_EQUAL(pk_queue_pop(queue, &item, timeout), PK_ETIMEDOUT);
    double took = pk_clock_seconds() - start;
    CU_ASSERT(took >= timeout - 1e-3);
    CU_ASSERT(took < 1.0);
    CU_ASSERT_PTR_EQUAL(item, &queue); /* untouched */
    /* A zero timeout only tries: no waiting at all. */
    start = pk_clock_seconds();
    CU_ASSERT_EQUAL(pk_queue_pop(queue, &item, 0), PK_ETIMEDOUT);
    CU_ASSERT(pk_clock_seconds() - start < 0.01);
    double push_wait = -1, pop_wait = 0;
    pk_queue_stats(queue, &push_wait, &pop_wait, NULL);
    CU_ASSERT(pop_wait >= timeout - 1e-3 && pop_wait <= took);
    CU_ASSERT_EQUAL(push_wait, 0);
    pk_queue_destroy(queue);
}

static void test_close_drains_then_eof(void)
{
    int values[3];
    pk_queue *queue = NULL;
    CU_ASSERT_EQUAL_FATAL(pk_queue_create(&queue, 8), PK_OK);
    for (int i = 0; i < 3; i++)
        CU_ASSERT_EQUAL(pk_queue_push(queue, &values[i], -1), PK_OK);
    pk_queue_close(queue);
    pk_queue_close(queue); /* idempotent */
    CU_ASSERT_EQUAL(pk_queue_push(queue, &values[0], -1), PK_EINVAL);
    CU_ASSERT_EQUAL(pk_queue_push(queue, &values[0], 0), PK_EINVAL);
    void *item = NULL;
    for (int i = 0; i < 3; i++) {
        CU_ASSERT_EQUAL(pk_queue_pop(queue, &item, -1), PK_OK);
        CU_ASSERT_PTR_EQUAL(item, &values[i]);
    }
    /* Closed and empty: PK_EOF at once, every time, even waiting forever. */
    item = &values[0];
    CU_ASSERT_EQUAL(pk_queue_pop(queue, &item, -1), PK_EOF);
    CU_ASSERT_EQUAL(pk_queue_pop(queue, &item, 0), PK_EOF);
    CU_ASSERT_EQUAL(pk_queue_pop(queue, &item, 5.0), PK_EOF);
    CU_ASSERT_PTR_EQUAL(item, &values[0]);
    CU_ASSERT_EQUAL(pk_queue_length(queue), 0);
    CU_ASSERT_STRING_EQUAL(pk_strerror(PK_EOF), "end of stream");
    CU_ASSERT_STRING_EQUAL(pk_strerror(PK_ETIMEDOUT), "timed out");
    pk_queue_destroy(queue);
}

/* One push or pop run on a helper thread, and what came of it. */
typedef struct queue_call {
    pk_queue *queue;
    void *item; /* pushed, or popped */
    double timeout_seconds;
    _Atomic int started;
    int rc;
    double seconds; /* how long the call took */
} queue_call;

static void *push_thread(void *arg)
{
    queue_call *call = arg;
    atomic_store(&call->started, 1);
    double start = pk_clock_seconds();
    call->rc = pk_queue_push(call->queue, call->item, call->timeout_seconds);
    call->seconds = pk_clock_seconds() - start;
    return NULL;
}

static void *pop_thread(void *arg)
{
    queue_call *call = arg;
    atomic_store(&call->started, 1);
    double start = pk_clock_seconds();
    call->rc = pk_queue_pop(call->queue, &call->item, call->timeout_seconds);
    call->seconds = pk_clock_seconds() - start;
    return NULL;
}

/* Starts CALL on a thread and gives it time to block inside the queue. */
static int start_blocked_call(pthread_t *thread, void *(*run)(void *), queue_call *call)
{
    if (pthread_create(thread, NULL, run, call) != 0)
        return -1;
    while (!atomic_load(&call->started))
        sleep_seconds(0.001);
    sleep_seconds(0.03);
    return 0;
}

/* A queue of capacity 1 holding one item: a push on it blocks. */
static pk_queue *full_queue(void *item)
{
    pk_queue *queue = NULL;
    if (pk_queue_create(&queue, 1) != PK_OK)
        return NULL;
    if (pk_queue_push(queue, item, 0) != PK_OK) {
        pk_queue_destroy(queue);
        return NULL;
    }
    return queue;
}

static void test_close_wakes_blocked_threads(void)
{
    int value;
    pk_queue *full = full_queue(&value), *empty = NULL;
    CU_ASSERT_PTR_NOT_NULL_FATAL(full);
    CU_ASSERT_EQUAL_FATAL(pk_queue_create(&empty, 1), PK_OK);
    queue_call pusher = {.queue = full, .item = &value, .timeout_seconds = 10};
    queue_call popper = {.queue = empty, .timeout_seconds = 10};
    pthread_t push_tid, pop_tid;
    CU_ASSERT_EQUAL_FATAL(start_blocked_call(&push_tid, push_thread, &pusher), 0);
    CU_ASSERT_EQUAL_FATAL(start_blocked_call(&pop_tid, pop_thread, &popper), 0);
    pk_queue_close(full);
    pk_queue_close(empty);
    pthread_join(push_tid, NULL);
    pthread_join(pop_tid, NULL);
    CU_ASSERT_EQUAL(pusher.rc, PK_EINVAL);
    CU_ASSERT_EQUAL(popper.rc, PK_EOF);
    CU_ASSERT(pusher.seconds < 5); /* woken, not timed out */
    CU_ASSERT(popper.seconds < 5);
    /* The full queue still gives up its item after close. */
    void *item = NULL;
    CU_ASSERT_EQUAL(pk_queue_pop(full, &item, 0), PK_OK);
    CU_ASSERT_PTR_EQUAL(item, &value);
    CU_ASSERT_EQUAL(pk_queue_pop(full, &item, 0), PK_EOF);
    pk_queue_destroy(full);
    pk_queue_destroy(empty);
}

static void test_cancel_wakes_blocked_threads(void)
{
    int value;
    pk_queue *full = full_queue(&value), *empty = NULL;
    CU_ASSERT_PTR_NOT_NULL_FATAL(full);
    CU_ASSERT_EQUAL_FATAL(pk_queue_create(&empty, 1), PK_OK);
    queue_call pusher = {.queue = full, .item = &value, .timeout_seconds = -1};
    queue_call popper = {.queue = empty, .timeout_seconds = -1};
    pthread_t push_tid, pop_tid;
    CU_ASSERT_EQUAL_FATAL(start_blocked_call(&push_tid, push_thread, &pusher), 0);
    CU_ASSERT_EQUAL_FATAL(start_blocked_call(&pop_tid, pop_thread, &popper), 0);
    pk_queue_cancel(full);
    pk_queue_cancel(empty);
    pthread_join(push_tid, NULL);
    pthread_join(pop_tid, NULL);
    CU_ASSERT_EQUAL(pusher.rc, PK_ECANCELED);
    CU_ASSERT_EQUAL(popper.rc, PK_ECANCELED);
    CU_ASSERT_PTR_NULL(popper.item);
    /* Cancel wins over items left and over close. */
    void *item = NULL;
    CU_ASSERT_EQUAL(pk_queue_pop(full, &item, -1), PK_ECANCELED);
    CU_ASSERT_EQUAL(pk_queue_push(empty, &value, -1), PK_ECANCELED);
    pk_queue_close(full);
    CU_ASSERT_EQUAL(pk_queue_pop(full, &item, -1), PK_ECANCELED);
    CU_ASSERT_EQUAL(pk_queue_length(full), 1);
    CU_ASSERT_EQUAL(pk_queue_drain(full, NULL), 1);
    CU_ASSERT_EQUAL(pk_queue_drain(empty, NULL), 0);
    pk_queue_destroy(full);
    pk_queue_destroy(empty);
}

static _Atomic int freed_items;

static void count_and_free(void *item)
{
    atomic_fetch_add(&freed_items, 1);
    free(item);
}

static void test_cancel_then_drain_frees_items(void)
{
    pk_queue *queue = NULL;
    CU_ASSERT_EQUAL_FATAL(pk_queue_create(&queue, 6), PK_OK);
    for (int i = 0; i < 4; i++) {
        int *owned = malloc(sizeof *owned);
        CU_ASSERT_PTR_NOT_NULL_FATAL(owned);
        *owned = i;
        CU_ASSERT_EQUAL(pk_queue_push(queue, owned, 0), PK_OK);
    }
    pk_queue_cancel(queue);
    pk_queue_cancel(queue); /* idempotent */
    atomic_store(&freed_items, 0);
    CU_ASSERT_EQUAL(pk_queue_drain(queue, count_and_free), 4);
    CU_ASSERT_EQUAL(atomic_load(&freed_items), 4);
    CU_ASSERT_EQUAL(pk_queue_length(queue), 0);
    /* AddressSanitizer's leak check confirms every item was freed. */
    pk_queue_destroy(queue);
}

/* ---- many producers x many consumers ------------------------------------ */

enum { PRODUCERS = 4, CONSUMERS = 4, ITEMS_PER_PRODUCER = 25000, MPMC_CAPACITY = 64 };

typedef struct tagged_item {
    int producer;
    int sequence;
} tagged_item;

typedef struct mpmc_shared {
    pk_queue *queue;
    int items_per_producer;
    tagged_item *items;      /* producers x items_per_producer, read-only */
    _Atomic int *deliveries; /* per item: how many times it was popped */
} mpmc_shared;

typedef struct producer_state {
    mpmc_shared *shared;
    int id;
    int failures; /* pushes that did not return PK_OK */
} producer_state;

typedef struct consumer_state {
    mpmc_shared *shared;
    long popped;
    int out_of_order; /* a producer's item seen after a later one of it */
    int end_status;   /* what ended the loop; PK_EOF expected */
} consumer_state;

static void *producer_main(void *arg)
{
    producer_state *self = arg;
    int count = self->shared->items_per_producer;
    tagged_item *mine = &self->shared->items[(size_t)self->id * (size_t)count];
    for (int sequence = 0; sequence < count; sequence++)
        self->failures += pk_queue_push(self->shared->queue, &mine[sequence], -1) != PK_OK;
    return NULL;
}

static void *consumer_main(void *arg)
{
    consumer_state *self = arg;
    int last_seen[PRODUCERS];
    for (int p = 0; p < PRODUCERS; p++)
        last_seen[p] = -1;
    void *item;
    int rc;
    while ((rc = pk_queue_pop(self->shared->queue, &item, -1)) == PK_OK) {
        const tagged_item *tagged = item;
        if (tagged->sequence <= last_seen[tagged->producer])
            self->out_of_order++;
        last_seen[tagged->producer] = tagged->sequence;
        size_t index = (size_t)tagged->producer * (size_t)self->shared->items_per_producer + (size_t)tagged->sequence;
        atomic_fetch_add(&self->shared->deliveries[index], 1);
        self->popped++;
    }
    self->end_status = rc;
    return NULL;
}

static void test_many_producers_many_consumers(void)
{
    const size_t total = (size_t)PRODUCERS * ITEMS_PER_PRODUCER;
    mpmc_shared shared = {
        .items_per_producer = ITEMS_PER_PRODUCER,
        .items = malloc(total * sizeof shared.items[0]),
        .deliveries = calloc(total, sizeof shared.deliveries[0]),
    };
    CU_ASSERT_PTR_NOT_NULL_FATAL(shared.items);
    CU_ASSERT_PTR_NOT_NULL_FATAL(shared.deliveries);
    CU_ASSERT_EQUAL_FATAL(pk_queue_create(&shared.queue, MPMC_CAPACITY), PK_OK);
    for (size_t i = 0; i < total; i++) {
        shared.items[i].producer = (int)(i / ITEMS_PER_PRODUCER);
        shared.items[i].sequence = (int)(i % ITEMS_PER_PRODUCER);
    }

    producer_state producers[PRODUCERS];
    consumer_state consumers[CONSUMERS];
    pthread_t producer_tids[PRODUCERS], consumer_tids[CONSUMERS];
    for (int c = 0; c < CONSUMERS; c++) {
        consumers[c] = (consumer_state){.shared = &shared};
        CU_ASSERT_EQUAL_FATAL(pthread_create(&consumer_tids[c], NULL, consumer_main, &consumers[c]), 0);
    }
    for (int p = 0; p < PRODUCERS; p++) {
        producers[p] = (producer_state){.shared = &shared, .id = p};
        CU_ASSERT_EQUAL_FATAL(pthread_create(&producer_tids[p], NULL, producer_main, &producers[p]), 0);
    }
    /* The end of the stream: once every producer is done, close; the
     * consumers drain what is left and stop on PK_EOF. */
    for (int p = 0; p < PRODUCERS; p++)
        pthread_join(producer_tids[p], NULL);
    pk_queue_close(shared.queue);
    for (int c = 0; c < CONSUMERS; c++)
        pthread_join(consumer_tids[c], NULL);

    int push_failures = 0, out_of_order = 0, bad_end = 0;
    long popped = 0;
    for (int p = 0; p < PRODUCERS; p++)
        push_failures += producers[p].failures;
    for (int c = 0; c < CONSUMERS; c++) {
        out_of_order += consumers[c].out_of_order;
        bad_end += consumers[c].end_status != PK_EOF;
        popped += consumers[c].popped;
    }
    size_t not_once = 0;
    for (size_t i = 0; i < total; i++)
        not_once += atomic_load(&shared.deliveries[i]) != 1;
    CU_ASSERT_EQUAL(push_failures, 0);
    CU_ASSERT_EQUAL(popped, (long)total);
    CU_ASSERT_EQUAL(not_once, 0);
    CU_ASSERT_EQUAL(out_of_order, 0);
    CU_ASSERT_EQUAL(bad_end, 0);
    CU_ASSERT_EQUAL(pk_queue_length(shared.queue), 0);
    size_t max_length = 0;
    pk_queue_stats(shared.queue, NULL, NULL, &max_length);
    CU_ASSERT(max_length >= 1 && max_length <= MPMC_CAPACITY);

    pk_queue_destroy(shared.queue);
    free(shared.deliveries);
    free(shared.items);
}

/* ---- backpressure ------------------------------------------------------- */

enum { BP_CAPACITY = 8, BP_PRODUCERS = 2, BP_ITEMS_PER_PRODUCER = 100 };

static void test_backpressure_slow_consumer(void)
{
    const size_t total = (size_t)BP_PRODUCERS * BP_ITEMS_PER_PRODUCER;
    mpmc_shared shared = {
        .items_per_producer = BP_ITEMS_PER_PRODUCER,
        .items = malloc(total * sizeof shared.items[0]),
    };
    CU_ASSERT_PTR_NOT_NULL_FATAL(shared.items);
    CU_ASSERT_EQUAL_FATAL(pk_queue_create(&shared.queue, BP_CAPACITY), PK_OK);
    for (size_t i = 0; i < total; i++) {
        shared.items[i].producer = (int)(i / BP_ITEMS_PER_PRODUCER);
        shared.items[i].sequence = (int)(i % BP_ITEMS_PER_PRODUCER);
    }
    producer_state producers[BP_PRODUCERS];
    pthread_t tids[BP_PRODUCERS];
    for (int p = 0; p < BP_PRODUCERS; p++) {
        producers[p] = (producer_state){.shared = &shared, .id = p};
        CU_ASSERT_EQUAL_FATAL(pthread_create(&tids[p], NULL, producer_main, &producers[p]), 0);
    }

    /* The consumer (this thread) is slow: it lets the producers fill the
     * queue, then takes an item only every 200 microseconds. */
    double waited = 0;
    while (pk_queue_length(shared.queue) < BP_CAPACITY && waited < 2.0) {
        sleep_seconds(0.001);
        waited += 0.001;
    }
    size_t longest_seen = 0;
    int last_seen[BP_PRODUCERS] = {-1, -1};
    int out_of_order = 0;
    size_t popped = 0;
    void *item;
    for (;;) {
        size_t length = pk_queue_length(shared.queue);
        if (length > longest_seen)
            longest_seen = length;
        if (pk_queue_pop(shared.queue, &item, 1.0) != PK_OK)
            break;
        const tagged_item *tagged = item;
        if (tagged->sequence <= last_seen[tagged->producer])
            out_of_order++;
        last_seen[tagged->producer] = tagged->sequence;
        if (++popped == total)
            break;
        sleep_seconds(200e-6);
    }
    for (int p = 0; p < BP_PRODUCERS; p++)
        pthread_join(tids[p], NULL);

    double push_wait = 0, pop_wait = 0;
    size_t max_length = 0;
    pk_queue_stats(shared.queue, &push_wait, &pop_wait, &max_length);
    CU_ASSERT_EQUAL(popped, total);
    CU_ASSERT_EQUAL(out_of_order, 0);
    CU_ASSERT_EQUAL(producers[0].failures + producers[1].failures, 0);
    CU_ASSERT_EQUAL(longest_seen, BP_CAPACITY);
    CU_ASSERT_EQUAL(max_length, BP_CAPACITY); /* full, never beyond */
    /* ~200 pops at >= 200 us each, with both producers blocked throughout. */
    CU_ASSERT(push_wait > 0.02);
    CU_ASSERT(pop_wait < push_wait);
    pk_queue_destroy(shared.queue);
    free(shared.items);
}

static void test_invalid_arguments(void)
{
    pk_queue *queue = (pk_queue *)&queue; /* must be reset to NULL */
    CU_ASSERT_EQUAL(pk_queue_create(&queue, 0), PK_EINVAL);
    CU_ASSERT_PTR_NULL(queue);
    CU_ASSERT_EQUAL(pk_queue_create(NULL, 4), PK_EINVAL);
    CU_ASSERT_EQUAL(pk_queue_create(&queue, SIZE_MAX), PK_ENOMEM);
    CU_ASSERT_PTR_NULL(queue);

    void *item = NULL;
    CU_ASSERT_EQUAL(pk_queue_push(NULL, item, 0), PK_EINVAL);
    CU_ASSERT_EQUAL(pk_queue_pop(NULL, &item, 0), PK_EINVAL);
    CU_ASSERT_EQUAL_FATAL(pk_queue_create(&queue, 2), PK_OK);
    CU_ASSERT_EQUAL(pk_queue_pop(queue, NULL, 0), PK_EINVAL);
    CU_ASSERT_EQUAL(pk_queue_push(queue, item, NAN), PK_EINVAL);
    CU_ASSERT_EQUAL(pk_queue_pop(queue, &item, NAN), PK_EINVAL);
    CU_ASSERT_EQUAL(pk_queue_length(queue), 0);
    /* An infinite timeout means forever, which here returns at once. */
    CU_ASSERT_EQUAL(pk_queue_push(queue, item, INFINITY), PK_OK);
    CU_ASSERT_EQUAL(pk_queue_pop(queue, &item, INFINITY), PK_OK);
    pk_queue_destroy(queue);

    /* NULL queues are tolerated where nothing can be returned. */
    pk_queue_destroy(NULL);
    pk_queue_close(NULL);
    pk_queue_cancel(NULL);
    CU_ASSERT_EQUAL(pk_queue_drain(NULL, NULL), 0);
    CU_ASSERT_EQUAL(pk_queue_length(NULL), 0);
    CU_ASSERT_EQUAL(pk_queue_capacity(NULL), 0);
    double push_wait = -1, pop_wait = -1;
    size_t max_length = 99;
    pk_queue_stats(NULL, &push_wait, &pop_wait, &max_length);
    CU_ASSERT_EQUAL(push_wait, 0);
    CU_ASSERT_EQUAL(pop_wait, 0);
    CU_ASSERT_EQUAL(max_length, 0);
}

int pk_suite_queue(void)
{
    static const pk_test_case cases[] = {
        {"fifo_single_thread", test_fifo_single_thread},
        {"capacity_one", test_capacity_one},
        {"push_timeout_on_full", test_push_timeout_on_full},
        {"pop_timeout_on_empty", test_pop_timeout_on_empty},
        {"close_drains_then_eof", test_close_drains_then_eof},
        {"close_wakes_blocked_threads", test_close_wakes_blocked_threads},
        {"cancel_wakes_blocked_threads", test_cancel_wakes_blocked_threads},
        {"cancel_then_drain_frees_items", test_cancel_then_drain_frees_items},
        {"many_producers_many_consumers", test_many_producers_many_consumers},
        {"backpressure_slow_consumer", test_backpressure_slow_consumer},
        {"invalid_arguments", test_invalid_arguments},
        {NULL, NULL},
    };
    return pk_suite_add("queue", cases);
}
