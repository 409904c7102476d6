/*
 * The ordered writer: blocks come out in submission order whatever the
 * number of writer threads; a failed write is reported and later blocks
 * are refused; a slow sink makes submitters wait (backpressure) with at
 * most queue_depth blocks waiting; a cancel returns promptly.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "parkit/status.h"
#include "parkit/writer.h"
#include "suites.h"

typedef struct sink {
    char *data;
    size_t len, capacity;
    size_t fail_after; /* writes; 0 = never */
    size_t writes;
    long delay_ns;     /* per write, to make a slow consumer */
} sink;

static int sink_write(void *ctx, const char *data, size_t len)
{
    sink *s = ctx;
    if (s->delay_ns > 0) {
        struct timespec pause = {0, s->delay_ns};
        nanosleep(&pause, NULL);
    }
    if (s->fail_after != 0 && s->writes >= s->fail_after)
        return -1;
    s->writes++;
    if (s->len + len > s->capacity) {
        s->capacity = 2 * (s->len + len);
        s->data = realloc(s->data, s->capacity);
    }
    memcpy(s->data + s->len, data, len);
    s->len += len;
    return 0;
}

static void test_order_for_any_thread_count(void)
{
    for (int threads = 1; threads <= 4; threads++) {
        sink s = {0};
        pk_writer *writer;
        CU_ASSERT_EQUAL_FATAL(pk_writer_create(&writer, threads, 3, sink_write, &s), PK_OK);
        char expected[64 * 1024];
        size_t expected_len = 0;
        for (int i = 0; i < 5000; i++) {
            char line[32];
            int n = snprintf(line, sizeof line, "%d\n", i);
            CU_ASSERT_EQUAL(pk_writer_submit(writer, line, (size_t)n), PK_OK);
            memcpy(expected + expected_len, line, (size_t)n);
            expected_len += (size_t)n;
        }
        CU_ASSERT_EQUAL(pk_writer_finish(writer), PK_OK);
        CU_ASSERT_EQUAL(s.len, expected_len);
        CU_ASSERT(s.len == expected_len && memcmp(s.data, expected, s.len) == 0);
        free(s.data);
    }
}

static void test_failed_write_is_reported(void)
{
    sink s = {.fail_after = 10};
    pk_writer *writer;
    CU_ASSERT_EQUAL_FATAL(pk_writer_create(&writer, 2, 2, sink_write, &s), PK_OK);
    int refused = 0;
    for (int i = 0; i < 1000; i++)
        refused += pk_writer_submit(writer, "x\n", 2) == PK_EIO;
    CU_ASSERT(refused > 0);
    CU_ASSERT_EQUAL(pk_writer_finish(writer), PK_EIO);
    CU_ASSERT_EQUAL(s.writes, 10);
    free(s.data);
}

static void test_backpressure_and_cancel(void)
{
    sink s = {.delay_ns = 2 * 1000 * 1000}; /* 2 ms per block */
    pk_writer *writer;
    CU_ASSERT_EQUAL_FATAL(pk_writer_create(&writer, 1, 2, sink_write, &s), PK_OK);
    for (int i = 0; i < 20; i++)
        CU_ASSERT_EQUAL(pk_writer_submit(writer, "block\n", 6), PK_OK);
    size_t max_queued;
    double blocked;
    pk_writer_stats(writer, &max_queued, &blocked);
    CU_ASSERT(max_queued <= 2);
    CU_ASSERT(blocked > 0.005); /* the submitter waited for the slow sink */
    /* A cancel drops what waits and returns at once. */
    for (int i = 0; i < 2; i++)
        pk_writer_submit(writer, "late\n", 5);
    pk_writer_cancel(writer);
    CU_ASSERT_EQUAL(pk_writer_submit(writer, "after\n", 6), PK_ECANCELED);
    CU_ASSERT_EQUAL(pk_writer_finish(writer), PK_ECANCELED);
    CU_ASSERT(s.len >= 6 * 18); /* at least what was surely written before */
    free(s.data);
    CU_ASSERT_EQUAL(pk_writer_create(&writer, 0, 2, sink_write, &s), PK_EINVAL);
    CU_ASSERT_EQUAL(pk_writer_create(&writer, 1, 0, sink_write, &s), PK_EINVAL);
}

/* Parts handed over without a copy: each owner's parts come out whole and
 * in submission order among copied blocks, and every owner is released
 * exactly once, whether written, refused after a failure or dropped by a
 * cancel. */
typedef struct parts_owner {
    pk_write_part parts[3];
    char text[3][16];
    _Atomic int *releases;
} parts_owner;

static void release_owner(void *opaque)
{
    parts_owner *owner = opaque;
    atomic_fetch_add(owner->releases, 1);
    free(owner);
}

static parts_owner *make_owner(int i, _Atomic int *releases)
{
    parts_owner *owner = malloc(sizeof *owner);
    owner->releases = releases;
    for (int k = 0; k < 3; k++) {
        int n = snprintf(owner->text[k], sizeof owner->text[k], "%d.%d\n", i, k);
        owner->parts[k] = (pk_write_part){owner->text[k], (size_t)n};
    }
    return owner;
}

static void test_parts_are_written_in_order_and_released_once(void)
{
    for (int threads = 1; threads <= 3; threads++) {
        sink s = {0};
        _Atomic int releases = 0;
        pk_writer *writer;
        CU_ASSERT_EQUAL_FATAL(pk_writer_create(&writer, threads, 2, sink_write, &s), PK_OK);
        char expected[64 * 1024];
        size_t expected_len = 0;
        for (int i = 0; i < 1000; i++) {
            parts_owner *owner = make_owner(i, &releases);
            for (int k = 0; k < 3; k++) {
                memcpy(expected + expected_len, owner->parts[k].data, owner->parts[k].len);
                expected_len += owner->parts[k].len;
            }
            CU_ASSERT_EQUAL(pk_writer_submit_parts(writer, owner->parts, 3, release_owner, owner), PK_OK);
            char line[16];
            int n = snprintf(line, sizeof line, "copy %d\n", i);
            CU_ASSERT_EQUAL(pk_writer_submit(writer, line, (size_t)n), PK_OK);
            memcpy(expected + expected_len, line, (size_t)n);
            expected_len += (size_t)n;
        }
        CU_ASSERT_EQUAL(pk_writer_finish(writer), PK_OK);
        CU_ASSERT_EQUAL(atomic_load(&releases), 1000);
        CU_ASSERT(s.len == expected_len && memcmp(s.data, expected, s.len) == 0);
        free(s.data);
    }
    /* After a failed write, and after a cancel: refused and dropped blocks
     * are released too. */
    for (int cancel = 0; cancel <= 1; cancel++) {
        sink slow = {.fail_after = cancel ? 0 : 5, .delay_ns = cancel ? 1000 * 1000 : 0};
        _Atomic int releases = 0;
        pk_writer *writer;
        CU_ASSERT_EQUAL_FATAL(pk_writer_create(&writer, 2, 2, sink_write, &slow), PK_OK);
        int refused = 0;
        for (int i = 0; i < 200; i++) {
            if (cancel && i == 20)
                pk_writer_cancel(writer);
            parts_owner *owner = make_owner(i, &releases);
            refused += pk_writer_submit_parts(writer, owner->parts, 3, release_owner, owner) != PK_OK;
        }
        CU_ASSERT(refused > 0);
        CU_ASSERT_EQUAL(pk_writer_finish(writer), cancel ? PK_ECANCELED : PK_EIO);
        CU_ASSERT_EQUAL(atomic_load(&releases), 200);
        free(slow.data);
    }
}

int pk_suite_writer(void)
{
    static const pk_test_case cases[] = {
        {"order_for_any_thread_count", test_order_for_any_thread_count},
        {"failed_write_is_reported", test_failed_write_is_reported},
        {"backpressure_and_cancel", test_backpressure_and_cancel},
        {"parts_are_written_in_order_and_released_once", test_parts_are_written_in_order_and_released_once},
        {NULL, NULL},
    };
    return pk_suite_add("writer", cases);
}
