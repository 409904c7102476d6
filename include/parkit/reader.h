/*
 * The reader pool of the I/O stage: threads that read inputs in blocks of
 * whole lines and parse them, ahead of the compute, handing the blocks over
 * in input order.
 *
 * A regular file is cut into blocks at fixed offsets; a block owns the
 * lines that start inside it, so several threads read one large file at
 * once (pread), and many files are read side by side.  Pipes and standard
 * input are read by one thread at a time, in order.  Each block is parsed
 * on the reader thread by the caller's parse function.  At most
 * queue_depth blocks wait for the consumer: a slow consumer stalls the
 * readers instead of growing memory.  Reader threads never call MPI.
 */
#ifndef PARKIT_READER_H
#define PARKIT_READER_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

/* After a block's text come PK_READER_PADDING zero bytes: text[len] is a
 * '\0' sentinel, and parsers may load whole words near the end. */
enum { PK_READER_PADDING = 32 };

#define PK_LINES_UNCOUNTED UINT64_MAX

typedef struct pk_line_block {
    size_t source;      /* index of the input */
    uint64_t offset;    /* of the block's first byte in that input */
    uint64_t first_line; /* 1-based number of its first line in that input */
    /* Lines in the block (the last counted even without its newline): the
     * parse function may set it while it walks the text; when it leaves 0
     * the reader counts them.  PK_LINES_UNCOUNTED: the consumer counts them
     * itself, later (first_line is then 0). */
    uint64_t lines;
    char *text;         /* whole lines; the last may lack its newline at the end of the input */
    size_t len;         /* text[len] is '\0'; see PK_READER_PADDING */
    char *storage;      /* the reader's: the buffer text points into */
    size_t storage_size;
    void *parsed;       /* what the parse function made of it */
} pk_line_block;

/* Runs on a reader thread; fills block->parsed.  Non-zero fails the read. */
typedef int (*pk_block_parse_fn)(void *ctx, pk_line_block *block);
typedef void (*pk_block_free_fn)(void *ctx, void *parsed);

typedef struct pk_reader pk_reader;

/* Reads PATHS in order ("-" is standard input).  threads >= 1 reader
 * threads, or 0: each pk_reader_next reads and parses its block on the
 * caller's thread (no overlap, for comparison).  CANCEL (optional): once it
 * is non-zero, every wait ends within about a tenth of a second (a pipe or
 * FIFO with no data or no writer included) and pk_reader_next returns
 * PK_ECANCELED. */
int pk_reader_create(pk_reader **reader, const char *const *paths, size_t count, int threads, size_t block_bytes,
                     size_t queue_depth, pk_block_parse_fn parse, pk_block_free_fn free_parsed, void *ctx,
                     const volatile _Atomic int *cancel);

/* The next block in input order: PK_OK, PK_EOF after the last, PK_EIO
 * (pk_reader_error says what failed, with the file name) once every block
 * before the failed one was taken, or PK_ECANCELED.  The block is the
 * caller's until pk_reader_release. */
int pk_reader_next(pk_reader *reader, pk_line_block **block);
void pk_reader_release(pk_reader *reader, pk_line_block *block);
const char *pk_reader_error(const pk_reader *reader);

/* Stops the readers (at once, or after the block they are reading), joins
 * them and frees everything. */
void pk_reader_destroy(pk_reader *reader);

#endif
