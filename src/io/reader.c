/*
 * The reader pool (see parkit/reader.h).
 *
 * Blocks are numbered when a thread claims them, in input order, and are
 * handed to the consumer in that order through a ring of queue_depth slots:
 * block n waits for slot n % depth to be free.  The thread holding the
 * oldest undelivered block always finds its slot free, so readers never
 * deadlock, and memory stays at depth blocks plus one per thread.
 *
 * Buffers of released blocks are kept for the next blocks (a fresh buffer
 * costs a page fault every 4 KiB); pool_lock guards them and is only ever
 * taken last, alone or inside lock.
 *
 * Locks: one mutex (lock) guards claims, the slots and the error; reading
 * and parsing happen outside it.  A pipe is read by one thread at a time:
 * stream_busy keeps the others from claiming past it, since its blocks must
 * keep their order and nobody knows in advance how many there are.
 *
 * A failed block stops the claims, but the blocks before it are still
 * delivered (their threads do not drop them): the consumer takes them, then
 * gets the error, exactly as with one thread.  Blocks after it are dropped.
 *
 * No wait is endless: pipes, FIFOs and terminals are polled a tenth of a
 * second at a time (a FIFO is opened without blocking, so a missing writer
 * cannot hold a thread in open), and the consumer waits a tenth of a second
 * at a time; both look at the caller's cancel flag (set by a signal or a
 * timeout) and at destroy's stop in between.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "parkit/reader.h"
#include "io/io_thread.h"
#include "parkit/status.h"

enum { MAX_LINE = 1 << 20, SPARE_BUFFERS = 8, POLL_MS = 100 };

/* Why a read failed, besides an errno (which is positive). */
enum {
    READ_LONG_LINE = -1, /* a line longer than MAX_LINE */
    READ_SHRANK = -2,    /* a regular file ended before the size it had when opened */
    READ_CANCELED = -3,  /* the cancel flag or destroy's stop */
};

typedef struct source {
    const char *path;
    int fd;            /* -1 until opened */
    bool regular;      /* read by offset, in parallel */
    uint64_t size;
    uint64_t offset;   /* streams: bytes taken so far */
    char *carry;       /* streams: a partial last line, for the next block */
    size_t carry_len;
    bool exhausted;
    uint64_t lines_before; /* consumer side: lines delivered so far */
} source;

struct pk_reader {
    source *sources;
    size_t count;
    size_t block_bytes, depth;
    pk_block_parse_fn parse;
    pk_block_free_fn free_parsed;
    void *ctx;
    pthread_t *threads;
    int thread_count;

    pthread_mutex_t pool_lock;
    char *spare[SPARE_BUFFERS];
    size_t spare_size[SPARE_BUFFERS];
    int spares;

    const volatile _Atomic int *cancel; /* the caller's; may be NULL */
    _Atomic bool stop;       /* set by destroy: every thread leaves */

    pthread_mutex_t lock;
    pthread_cond_t changed;
    size_t claim_source;     /* where the next claim starts */
    uint64_t claim_offset;
    bool stream_busy;
    uint64_t next_number;    /* of the next claimed block */
    uint64_t next_delivery;  /* the block the consumer takes next */
    int in_flight;           /* blocks claimed, not yet in a slot */
    pk_line_block **slots;
    bool canceled;           /* a read saw the cancel flag: the consumer gets PK_ECANCELED */
    int error;               /* PK_OK, or PK_EIO with message */
    uint64_t error_number;   /* the block that failed: claims stop, earlier blocks are delivered */
    char message[600];
};

static void fail_locked(pk_reader *reader, uint64_t number, const char *path, const char *what)
{
    if (reader->error == PK_OK || number < reader->error_number) {
        reader->error = PK_EIO;
        reader->error_number = number;
        snprintf(reader->message, sizeof reader->message, "%s: %s", strcmp(path, "-") == 0 ? "<stdin>" : path, what);
    }
}

static bool told_to_stop(const pk_reader *reader)
{
    return atomic_load(&reader->stop) || (reader->cancel != NULL && atomic_load(reader->cancel) != 0);
}

static int open_source(source *s)
{
    if (s->fd >= 0)
        return 0;
    /* O_NONBLOCK: a FIFO with no writer yet must not hold us in open();
     * reads poll first (wait_readable).  Standard input's flags are shared
     * with whoever gave it to us, so it is left as it is. */
    s->fd = strcmp(s->path, "-") == 0 ? dup(STDIN_FILENO) : open(s->path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (s->fd < 0)
        return -1;
    struct stat st;
    if (fstat(s->fd, &st) == 0 && S_ISREG(st.st_mode)) {
        s->regular = true;
        s->size = (uint64_t)st.st_size;
    }
    return 0;
}

/* A buffer of at least SIZE bytes, from the spares if one is big enough. */
static char *take_buffer(pk_reader *reader, size_t size, size_t *got)
{
    char *buffer = NULL;
    pthread_mutex_lock(&reader->pool_lock);
    for (int i = reader->spares - 1; i >= 0; i--) {
        if (reader->spare_size[i] >= size) {
            buffer = reader->spare[i];
            *got = reader->spare_size[i];
            reader->spares--;
            reader->spare[i] = reader->spare[reader->spares];
            reader->spare_size[i] = reader->spare_size[reader->spares];
            break;
        }
    }
    pthread_mutex_unlock(&reader->pool_lock);
    if (buffer == NULL && (buffer = malloc(size)) != NULL)
        *got = size;
    return buffer;
}

static void give_back(pk_reader *reader, char *buffer, size_t size)
{
    pthread_mutex_lock(&reader->pool_lock);
    if (reader->spares < SPARE_BUFFERS) {
        reader->spare[reader->spares] = buffer;
        reader->spare_size[reader->spares++] = size;
        buffer = NULL;
    }
    pthread_mutex_unlock(&reader->pool_lock);
    free(buffer);
}

/* Reads the lines that start in [offset, offset + block_bytes) of a regular file. */
static int read_regular_block(pk_reader *reader, const source *s, uint64_t offset, pk_line_block *block)
{
    uint64_t start = offset > 0 ? offset - 1 : 0; /* one byte back: does a line start at offset? */
    size_t want = reader->block_bytes + 1 + 4096;
    size_t size = 0;
    char *buffer = take_buffer(reader, want + PK_READER_PADDING, &size);
    if (buffer == NULL)
        return ENOMEM;
    size_t have = 0;
    for (;;) {
        if (size < want + PK_READER_PADDING) {
            char *grown = realloc(buffer, want + PK_READER_PADDING);
            if (grown == NULL) {
                free(buffer);
                return ENOMEM;
            }
            buffer = grown;
            size = want + PK_READER_PADDING;
        }
        while (have < want && start + have < s->size) {
            ssize_t n = pread(s->fd, buffer + have, want - have, (off_t)(start + have));
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0) {
                int err = n < 0 ? errno : READ_SHRANK;
                free(buffer);
                return err;
            }
            have += (size_t)n;
        }
        /* Our first line: at offset if a line ends just before it, else after the next newline. */
        size_t first = 0;
        if (offset > 0) {
            char *newline = memchr(buffer, '\n', have);
            first = newline == NULL ? have : (size_t)(newline - buffer) + 1;
        }
        size_t own_end = (size_t)(offset + reader->block_bytes - start); /* lines starting before this are ours */
        if (first >= own_end || first >= have) {
            memset(buffer, 0, PK_READER_PADDING);
            block->storage = buffer;
            block->storage_size = size;
            block->text = buffer;
            block->len = 0;
            return 0;
        }
        /* The end of the last line that starts before own_end. */
        size_t end = own_end <= have ? own_end - 1 : have;
        char *newline = end < have ? memchr(buffer + end, '\n', have - end) : NULL;
        if (newline != NULL || start + have >= s->size) {
            size_t stop = newline != NULL ? (size_t)(newline - buffer) + 1 : have;
            /* The text starts inside the buffer: no copy of the block. */
            memset(buffer + stop, 0, PK_READER_PADDING);
            block->storage = buffer;
            block->storage_size = size;
            block->text = buffer + first;
            block->len = stop - first;
            return 0;
        }
        if (want - reader->block_bytes > MAX_LINE) {
            free(buffer);
            return READ_LONG_LINE;
        }
        want *= 2;
    }
}

/* Waits until FD has something to read (or its end), a tenth of a second
 * at a time, looking at the cancel flag and destroy's stop in between.
 * Returns 0, an errno, or READ_CANCELED. */
static int wait_readable(const pk_reader *reader, int fd)
{
    for (;;) {
        if (told_to_stop(reader))
            return READ_CANCELED;
        struct pollfd watch = {.fd = fd, .events = POLLIN};
        int n = poll(&watch, 1, POLL_MS);
        if (n > 0)
            return 0; /* data, the end, or an error the read will tell */
        if (n < 0 && errno != EINTR)
            return errno;
    }
}

/* Reads the next block of a pipe: up to block_bytes, cut after the last newline. */
static int read_stream_block(pk_reader *reader, source *s, pk_line_block *block)
{
    size_t capacity = s->carry_len + reader->block_bytes + 1;
    size_t size = 0;
    char *buffer = take_buffer(reader, capacity - 1 + PK_READER_PADDING, &size);
    if (buffer == NULL)
        return ENOMEM;
    size_t have = s->carry_len;
    if (s->carry_len > 0)
        memcpy(buffer, s->carry, s->carry_len);
    free(s->carry);
    s->carry = NULL;
    s->carry_len = 0;
    bool end_of_input = false;
    while (have < capacity - 1) {
        int err = wait_readable(reader, s->fd);
        if (err != 0) {
            free(buffer);
            return err;
        }
        ssize_t n = read(s->fd, buffer + have, capacity - 1 - have);
        if (n < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (n < 0) {
            err = errno;
            free(buffer);
            return err;
        }
        if (n == 0) {
            end_of_input = true;
            break;
        }
        have += (size_t)n;
    }
    size_t cut = have;
    if (!end_of_input) {
        char *last = memrchr(buffer, '\n', have);
        if (last == NULL) {
            free(buffer);
            return READ_LONG_LINE;
        }
        cut = (size_t)(last - buffer) + 1;
        s->carry_len = have - cut;
        if (s->carry_len > 0 && (s->carry = malloc(s->carry_len)) == NULL) {
            free(buffer);
            return ENOMEM;
        }
        memcpy(s->carry, buffer + cut, s->carry_len);
    }
    s->exhausted = end_of_input;
    block->offset = s->offset;
    s->offset += cut;
    memset(buffer + cut, 0, PK_READER_PADDING);
    block->storage = buffer;
    block->storage_size = size;
    block->text = buffer;
    block->len = cut;
    return 0;
}

static void free_block(pk_reader *reader, pk_line_block *block)
{
    if (block->parsed != NULL)
        reader->free_parsed(reader->ctx, block->parsed);
    if (block->storage != NULL)
        give_back(reader, block->storage, block->storage_size);
    free(block);
}

static uint64_t count_lines(const char *text, size_t len)
{
    uint64_t lines = 0;
    for (const char *p = text, *end = text + len; (p = memchr(p, '\n', (size_t)(end - p))) != NULL; p++)
        lines++;
    if (len > 0 && text[len - 1] != '\n')
        lines++;
    return lines;
}

/* What a failed read says after the file's name. */
static void describe_failure(int err, const source *s, char *what, size_t size)
{
    struct stat st;
    if (err == READ_LONG_LINE)
        snprintf(what, size, "a line is longer than 1 MiB");
    else if (err == READ_SHRANK && fstat(s->fd, &st) == 0)
        snprintf(what, size, "the file shrank while it was read (from %" PRIu64 " to %" PRIu64 " bytes)", s->size,
                 (uint64_t)st.st_size);
    else if (err == READ_SHRANK)
        snprintf(what, size, "the file shrank while it was read");
    else if (err > 0)
        snprintf(what, size, "%s", strerror(err));
    else
        snprintf(what, size, "out of memory");
}

/* Claims the next block in input order, reads and parses it (outside the
 * lock) and puts it in its slot.  Called and returns with the lock held.
 * Returns false once there is nothing more to claim, or the reader stopped,
 * was canceled or failed.  A block numbered before a failed one is still
 * put in its slot: the consumer takes it before it hears of the failure. */
static bool produce_block(pk_reader *reader)
{
    for (;;) {
        if (atomic_load(&reader->stop) || reader->canceled || reader->error != PK_OK ||
            reader->claim_source >= reader->count)
            return false;
        source *s = &reader->sources[reader->claim_source];
        if (reader->stream_busy) {
            pthread_cond_wait(&reader->changed, &reader->lock);
            continue;
        }
        if (open_source(s) != 0) {
            fail_locked(reader, reader->next_number, s->path, strerror(errno));
            pthread_cond_broadcast(&reader->changed);
            return false;
        }
        if ((s->regular && reader->claim_offset >= s->size) || (!s->regular && s->exhausted)) {
            reader->claim_source++;
            reader->claim_offset = 0;
            continue;
        }
        pk_line_block *block = calloc(1, sizeof *block);
        if (block == NULL) {
            fail_locked(reader, reader->next_number, s->path, "out of memory");
            pthread_cond_broadcast(&reader->changed);
            return false;
        }
        block->source = reader->claim_source;
        uint64_t number = reader->next_number++;
        reader->in_flight++;
        int err;
        if (s->regular) {
            block->offset = reader->claim_offset;
            reader->claim_offset += reader->block_bytes;
            pthread_mutex_unlock(&reader->lock);
            err = read_regular_block(reader, s, block->offset, block);
        } else {
            reader->stream_busy = true;
            pthread_mutex_unlock(&reader->lock);
            err = read_stream_block(reader, s, block);
        }
        int parse_failed = 0;
        if (err == 0) {
            parse_failed = reader->parse(reader->ctx, block) != 0;
            if (block->lines == 0)
                block->lines = count_lines(block->text, block->len);
        }
        char what[160] = "";
        if (err != 0 && err != READ_CANCELED)
            describe_failure(err, s, what, sizeof what);
        pthread_mutex_lock(&reader->lock);
        if (!s->regular) {
            reader->stream_busy = false;
            pthread_cond_broadcast(&reader->changed);
        }
        if (err != 0 || parse_failed) {
            if (err == READ_CANCELED)
                reader->canceled = !atomic_load(&reader->stop);
            else
                fail_locked(reader, number, s->path, err != 0 ? what : "out of memory");
            reader->in_flight--;
            free_block(reader, block);
            pthread_cond_broadcast(&reader->changed);
            return false;
        }
        /* Wait for our slot: the consumer is at most depth blocks behind.
         * Blocks after a failed one are never taken. */
        bool dropped;
        while (!(dropped = atomic_load(&reader->stop) || reader->canceled ||
                           (reader->error != PK_OK && number > reader->error_number)) &&
               number >= reader->next_delivery + reader->depth)
            pthread_cond_wait(&reader->changed, &reader->lock);
        reader->in_flight--;
        if (dropped) {
            free_block(reader, block);
            pthread_cond_broadcast(&reader->changed);
            return false;
        }
        reader->slots[number % reader->depth] = block;
        pthread_cond_broadcast(&reader->changed);
        return true;
    }
}

static void *reader_thread(void *opaque)
{
    pk_reader *reader = opaque;
    pk_io_thread_start();
    pthread_mutex_lock(&reader->lock);
    while (produce_block(reader))
        continue;
    pthread_cond_broadcast(&reader->changed);
    pthread_mutex_unlock(&reader->lock);
    return NULL;
}

int pk_reader_create(pk_reader **out, const char *const *paths, size_t count, int threads, size_t block_bytes,
                     size_t queue_depth, pk_block_parse_fn parse, pk_block_free_fn free_parsed, void *ctx,
                     const volatile _Atomic int *cancel)
{
    *out = NULL;
    if (threads < 0 || block_bytes < 1 || queue_depth < 1 || parse == NULL || free_parsed == NULL)
        return PK_EINVAL;
    pk_reader *reader = calloc(1, sizeof *reader);
    if (reader == NULL)
        return PK_ENOMEM;
    reader->sources = calloc(count ? count : 1, sizeof *reader->sources);
    reader->slots = calloc(queue_depth, sizeof *reader->slots);
    reader->threads = calloc(threads > 0 ? (size_t)threads : 1, sizeof *reader->threads);
    if (reader->sources == NULL || reader->slots == NULL || reader->threads == NULL) {
        free(reader->sources);
        free(reader->slots);
        free(reader->threads);
        free(reader);
        return PK_ENOMEM;
    }
    for (size_t i = 0; i < count; i++) {
        reader->sources[i].path = paths[i];
        reader->sources[i].fd = -1;
    }
    reader->count = count;
    reader->block_bytes = block_bytes;
    reader->depth = queue_depth;
    reader->parse = parse;
    reader->free_parsed = free_parsed;
    reader->ctx = ctx;
    reader->cancel = cancel;
    pthread_mutex_init(&reader->lock, NULL);
    pthread_mutex_init(&reader->pool_lock, NULL);
    /* The consumer's waits are timed on the monotonic clock. */
    pthread_condattr_t monotonic;
    pthread_condattr_init(&monotonic);
    pthread_condattr_setclock(&monotonic, CLOCK_MONOTONIC);
    pthread_cond_init(&reader->changed, &monotonic);
    pthread_condattr_destroy(&monotonic);
    for (; reader->thread_count < threads; reader->thread_count++)
        if (pthread_create(&reader->threads[reader->thread_count], NULL, reader_thread, reader) != 0)
            break;
    if (reader->thread_count < threads && reader->thread_count == 0) {
        pk_reader_destroy(reader);
        return PK_ENOMEM;
    }
    *out = reader;
    return PK_OK;
}

int pk_reader_next(pk_reader *reader, pk_line_block **block)
{
    pthread_mutex_lock(&reader->lock);
    for (;;) {
        pk_line_block *ready = reader->slots[reader->next_delivery % reader->depth];
        if (ready != NULL) {
            reader->slots[reader->next_delivery % reader->depth] = NULL;
            reader->next_delivery++;
            source *s = &reader->sources[ready->source];
            ready->first_line = ready->lines != PK_LINES_UNCOUNTED ? s->lines_before + 1 : 0;
            s->lines_before += ready->lines != PK_LINES_UNCOUNTED ? ready->lines : 0;
            pthread_cond_broadcast(&reader->changed);
            pthread_mutex_unlock(&reader->lock);
            *block = ready;
            return PK_OK;
        }
        if (reader->error != PK_OK && reader->error_number <= reader->next_delivery) {
            pthread_mutex_unlock(&reader->lock);
            return reader->error;
        }
        if (reader->canceled || (reader->cancel != NULL && atomic_load(reader->cancel) != 0)) {
            reader->canceled = true;
            pthread_cond_broadcast(&reader->changed);
            pthread_mutex_unlock(&reader->lock);
            return PK_ECANCELED;
        }
        bool finished = reader->claim_source >= reader->count && reader->in_flight == 0 &&
                        reader->next_delivery >= reader->next_number;
        if (finished) {
            pthread_mutex_unlock(&reader->lock);
            return PK_EOF;
        }
        if (reader->thread_count == 0) {
            produce_block(reader); /* no reader threads: the caller reads */
        } else {
            /* A tenth of a second at a time, to see the cancel flag. */
            struct timespec until;
            clock_gettime(CLOCK_MONOTONIC, &until);
            until.tv_nsec += POLL_MS * 1000000L;
            if (until.tv_nsec >= 1000000000L) {
                until.tv_sec++;
                until.tv_nsec -= 1000000000L;
            }
            pthread_cond_timedwait(&reader->changed, &reader->lock, &until);
        }
    }
}

void pk_reader_release(pk_reader *reader, pk_line_block *block)
{
    if (block != NULL)
        free_block(reader, block);
}

const char *pk_reader_error(const pk_reader *reader)
{
    return reader->message;
}

void pk_reader_destroy(pk_reader *reader)
{
    if (reader == NULL)
        return;
    pthread_mutex_lock(&reader->lock);
    atomic_store(&reader->stop, true);
    pthread_cond_broadcast(&reader->changed);
    pthread_mutex_unlock(&reader->lock);
    for (int i = 0; i < reader->thread_count; i++)
        pthread_join(reader->threads[i], NULL);
    for (size_t i = 0; i < reader->depth; i++)
        pk_reader_release(reader, reader->slots[i]);
    for (size_t i = 0; i < reader->count; i++) {
        if (reader->sources[i].fd >= 0)
            close(reader->sources[i].fd);
        free(reader->sources[i].carry);
    }
    for (int i = 0; i < reader->spares; i++)
        free(reader->spare[i]);
    pthread_cond_destroy(&reader->changed);
    pthread_mutex_destroy(&reader->lock);
    pthread_mutex_destroy(&reader->pool_lock);
    free(reader->sources);
    free(reader->slots);
    free(reader->threads);
    free(reader);
}
