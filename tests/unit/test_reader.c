/*
 * The reader pool: whatever the block size and the number of threads (0:
 * the consumer reads), the consumer gets every line exactly once, in input
 * order, with its right line number, across files; a missing file and an
 * endless line are reported with the file's name.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/clock.h"

#include "parkit/reader.h"
#include "parkit/status.h"
#include "suites.h"

/* The parse step only copies the block, so the test sees what readers
 * read.  A non-NULL CTX: it leaves the lines to the consumer. */
static int copy_block(void *ctx, pk_line_block *block)
{
    if (ctx != NULL)
        block->lines = PK_LINES_UNCOUNTED;
    if (block->text[block->len] != '\0')
        return -1; /* the promised sentinel is missing: fails the read */
    char *copy = malloc(block->len + 1);
    if (copy == NULL)
        return -1;
    memcpy(copy, block->text, block->len);
    copy[block->len] = '\0';
    block->parsed = copy;
    return 0;
}

static void free_copy(void *ctx, void *parsed)
{
    (void)ctx;
    free(parsed);
}

static char *write_temp(const char *text)
{
    char *path = strdup("/tmp/parkit-reader-XXXXXX");
    int fd = mkstemp(path);
    if (fd < 0)
        return NULL;
    size_t len = strlen(text);
    if (write(fd, text, len) != (ssize_t)len) {
        close(fd);
        return NULL;
    }
    close(fd);
    return path;
}

/* Reads everything; returns the concatenation and checks line numbering. */
static char *read_all(const char *const *paths, size_t count, int threads, size_t block_bytes, int *status,
                      int *numbering_ok)
{
    pk_reader *reader;
    *numbering_ok = 1;
    if (pk_reader_create(&reader, paths, count, threads, block_bytes, 3, copy_block, free_copy, NULL, NULL) != PK_OK)
        return NULL;
    size_t capacity = 1 << 16, len = 0;
    char *all = malloc(capacity);
    uint64_t expected_line[8] = {1, 1, 1, 1, 1, 1, 1, 1};
    pk_line_block *block;
    while ((*status = pk_reader_next(reader, &block)) == PK_OK) {
        if (block->first_line != expected_line[block->source])
            *numbering_ok = 0;
        expected_line[block->source] += block->lines;
        while (len + block->len + 1 > capacity)
            all = realloc(all, capacity *= 2);
        memcpy(all + len, block->text, block->len);
        len += block->len;
        pk_reader_release(reader, block);
    }
    all[len] = '\0';
    pk_reader_destroy(reader);
    return all;
}

static void test_blocks_in_order(void)
{
    char text[64 * 1024];
    size_t len = 0;
    for (int i = 0; i < 5000; i++)
        len += (size_t)sprintf(text + len, "%d%s\n", i * 7919 % 100003, i % 5 == 0 ? " # note" : "");
    char *a = write_temp(text), *b = write_temp("x\ny\nno newline at the end");
    CU_ASSERT_PTR_NOT_NULL_FATAL(a);
    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    char *expected = malloc(2 * len + 64);
    CU_ASSERT_PTR_NOT_NULL_FATAL(expected);
    memcpy(expected, text, len);
    memcpy(expected + len, text, len);
    strcpy(expected + 2 * len, "x\ny\nno newline at the end");
    const char *paths[] = {a, a, b};
    static const size_t block_sizes[] = {1, 7, 64, 4096, 1 << 20};
    for (size_t k = 0; k < sizeof block_sizes / sizeof block_sizes[0]; k++) {
        for (int threads = 0; threads <= 4; threads++) { /* 0: read on the caller's thread */
            int status, numbering_ok;
            char *all = read_all(paths, 3, threads, block_sizes[k], &status, &numbering_ok);
            CU_ASSERT_EQUAL(status, PK_EOF);
            CU_ASSERT(numbering_ok);
            CU_ASSERT(all != NULL && strcmp(all, expected) == 0);
            free(all);
        }
    }
    unlink(a);
    unlink(b);
    free(a);
    free(b);
    free(expected);
}

/* A parse function that leaves the lines uncounted: the blocks come with
 * first_line 0, and still every line, in order. */
static void test_lines_uncounted(void)
{
    char *a = write_temp("1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12");
    CU_ASSERT_PTR_NOT_NULL_FATAL(a);
    const char *paths[] = {a, a};
    for (int threads = 0; threads <= 2; threads++) {
        pk_reader *reader;
        int uncounted = 1;
        CU_ASSERT_EQUAL_FATAL(pk_reader_create(&reader, paths, 2, threads, 8, 3, copy_block, free_copy, &uncounted, NULL),
                              PK_OK);
        pk_line_block *block;
        char all[128] = "";
        int blocks = 0, numbered = 0;
        while (pk_reader_next(reader, &block) == PK_OK) {
            blocks++;
            numbered += block->first_line != 0 || block->lines != PK_LINES_UNCOUNTED;
            strncat(all, block->text, sizeof all - strlen(all) - 1);
            pk_reader_release(reader, block);
        }
        pk_reader_destroy(reader);
        CU_ASSERT(blocks > 2);
        CU_ASSERT_EQUAL(numbered, 0);
        CU_ASSERT_STRING_EQUAL(all, "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n121\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12");
    }
    unlink(a);
    free(a);
}

static void test_errors(void)
{
    const char *missing[] = {"/nonexistent/parkit-input.txt"};
    int status, numbering_ok;
    pk_reader *reader;
    CU_ASSERT_EQUAL_FATAL(pk_reader_create(&reader, missing, 1, 2, 64, 2, copy_block, free_copy, NULL, NULL), PK_OK);
    pk_line_block *block;
    CU_ASSERT_EQUAL(pk_reader_next(reader, &block), PK_EIO);
    CU_ASSERT_PTR_NOT_NULL(strstr(pk_reader_error(reader), "/nonexistent/parkit-input.txt"));
    pk_reader_destroy(reader);

    /* A line longer than the limit: an error, not an endless read. */
    char *endless = malloc((3 << 20) + 1);
    memset(endless, '7', 3 << 20);
    endless[3 << 20] = '\0';
    char *path = write_temp(endless);
    const char *paths[] = {path};
    char *all = read_all(paths, 1, 2, 1024, &status, &numbering_ok);
    CU_ASSERT_EQUAL(status, PK_EIO);
    free(all);
    unlink(path);
    free(path);
    free(endless);

    CU_ASSERT_EQUAL(pk_reader_create(&reader, paths, 1, -1, 64, 2, copy_block, free_copy, NULL, NULL), PK_EINVAL);
}

/* A failing block behind earlier ones still being read by other threads:
 * the consumer gets every block before it, then the error (it used to wait
 * forever: the threads holding earlier blocks dropped them). */
static void test_later_block_fails(void)
{
    enum { LINES = 60000, LONG_LINE = 2 << 20 };
    size_t len = 0;
    char *text = malloc(LINES * 8 + LONG_LINE + 2);
    CU_ASSERT_PTR_NOT_NULL_FATAL(text);
    for (int i = 0; i < LINES; i++)
        len += (size_t)sprintf(text + len, "%d\n", i);
    memset(text + len, '7', LONG_LINE);
    len += LONG_LINE;
    text[len++] = '\n';
    text[len] = '\0';
    char *path = write_temp(text);
    CU_ASSERT_PTR_NOT_NULL_FATAL(path);
    const char *paths[] = {path};
    alarm(60); /* a hang kills the runner: a failure nobody can miss */
    for (int threads = 0; threads <= 4; threads++) {
        int status, numbering_ok;
        char *all = read_all(paths, 1, threads, 4096, &status, &numbering_ok);
        CU_ASSERT_EQUAL(status, PK_EIO);
        /* Every whole block before the one holding the long line came. */
        size_t got = all != NULL ? strlen(all) : 0;
        size_t long_line_at = len - LONG_LINE - 1;
        CU_ASSERT(got >= long_line_at - 4096 - 8 && got <= long_line_at);
        CU_ASSERT(all != NULL && strncmp(all, text, got) == 0);
        free(all);
    }
    alarm(0);
    unlink(path);
    free(path);
    free(text);
}

static void *cancel_later(void *flag)
{
    struct timespec pause = {0, 200 * 1000 * 1000};
    nanosleep(&pause, NULL);
    atomic_store((_Atomic int *)flag, 1);
    return NULL;
}

/* A FIFO nobody writes to: opening and reading it must not hold a thread,
 * and the cancel flag ends the wait within about a tenth of a second. */
static void test_fifo_without_writer_is_canceled(void)
{
    char dir[] = "/tmp/parkit-fifo-XXXXXX";
    CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
    char fifo[64];
    snprintf(fifo, sizeof fifo, "%s/f", dir);
    CU_ASSERT_EQUAL_FATAL(mkfifo(fifo, 0600), 0);
    const char *paths[] = {fifo};
    alarm(60);
    for (int threads = 0; threads <= 2; threads++) {
        static _Atomic int cancel;
        atomic_store(&cancel, 0);
        pk_reader *reader;
        CU_ASSERT_EQUAL_FATAL(pk_reader_create(&reader, paths, 1, threads, 64, 2, copy_block, free_copy, NULL, &cancel),
                              PK_OK);
        pthread_t canceler;
        pthread_create(&canceler, NULL, cancel_later, &cancel);
        double start = pk_clock_seconds();
        pk_line_block *block;
        CU_ASSERT_EQUAL(pk_reader_next(reader, &block), PK_ECANCELED);
        pk_reader_destroy(reader);
        double seconds = pk_clock_seconds() - start;
        CU_ASSERT(seconds >= 0.15 && seconds < 1.0);
        pthread_join(canceler, NULL);
    }
    alarm(0);
    unlink(fifo);
    rmdir(dir);
}

/* Truncates the file under the reader as soon as the first block is parsed. */
static const char *shrink_path;
static int shrink_after_first(void *ctx, pk_line_block *block)
{
    if (block->offset == 0 && truncate(shrink_path, 100) != 0)
        return -1;
    return copy_block(ctx, block);
}

static void test_file_that_shrinks(void)
{
    char *text = malloc(1 << 16);
    CU_ASSERT_PTR_NOT_NULL_FATAL(text);
    size_t len = 0;
    while (len < (1 << 16) - 16)
        len += (size_t)sprintf(text + len, "%zu\n", len);
    char *path = write_temp(text);
    CU_ASSERT_PTR_NOT_NULL_FATAL(path);
    shrink_path = path;
    const char *paths[] = {path};
    pk_reader *reader;
    CU_ASSERT_EQUAL_FATAL(pk_reader_create(&reader, paths, 1, 1, 4096, 1, shrink_after_first, free_copy, NULL, NULL),
                          PK_OK);
    pk_line_block *block;
    int status;
    while ((status = pk_reader_next(reader, &block)) == PK_OK)
        pk_reader_release(reader, block);
    CU_ASSERT_EQUAL(status, PK_EIO);
    CU_ASSERT_PTR_NOT_NULL(strstr(pk_reader_error(reader), "shrank while it was read"));
    pk_reader_destroy(reader);
    unlink(path);
    free(path);
    free(text);
}

int pk_suite_reader(void)
{
    static const pk_test_case cases[] = {
        {"blocks_in_order", test_blocks_in_order},
        {"lines_uncounted", test_lines_uncounted},
        {"errors", test_errors},
        {"later_block_fails", test_later_block_fails},
        {"fifo_without_writer_is_canceled", test_fifo_without_writer_is_canceled},
        {"file_that_shrinks", test_file_that_shrinks},
        {NULL, NULL},
    };
    return pk_suite_add("reader", cases);
}
