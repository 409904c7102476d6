/*
 * The ordered writer of the I/O stage: compute threads hand over blocks of
 * output in order and go back to computing; writer threads write them,
 * still in order, while the next blocks are being computed.
 *
 * Blocks wait in a bounded queue, so memory is at most queue_depth blocks,
 * and a slow consumer (a pipe read slowly, a full disk) slows the compute
 * instead of growing memory: submit blocks while the queue is full.
 * Writer threads never call MPI.
 */
#ifndef PARKIT_WRITER_H
#define PARKIT_WRITER_H

#include <stddef.h>

#include "parkit/engine.h"

typedef struct pk_writer pk_writer;

/* THREADS >= 1 writer threads calling WRITE(CTX, ...) in submission order. */
int pk_writer_create(pk_writer **writer, int threads, size_t queue_depth, pk_write_fn write, void *ctx);

/* Copies DATA and queues it; blocks while the queue is full.  Returns 0, or
 * PK_EIO once a write has failed, or PK_ECANCELED after pk_writer_cancel.
 * Submissions must come in the order the data is to be written (the engine
 * already serialises its outputs in unit order). */
int pk_writer_submit(pk_writer *writer, const char *data, size_t len);

/* Queues PARTS[0..COUNT) to be written in order, as one block, without
 * copying them: they stay OWNER's, and the writer calls RELEASE(OWNER) once
 * they are written or dropped, on one of its threads.  RELEASE is called
 * whatever this returns (also when the block is refused), so the caller
 * never frees OWNER itself.  Otherwise as pk_writer_submit. */
typedef struct pk_write_part {
    const char *data;
    size_t len;
} pk_write_part;
typedef void (*pk_release_fn)(void *owner);
int pk_writer_submit_parts(pk_writer *writer, const pk_write_part *parts, size_t count, pk_release_fn release,
                           void *owner);
/* A pk_write_fn for the engine: CTX is the pk_writer. */
int pk_writer_write_fn(void *writer, const char *data, size_t len);

/* Stops taking blocks, drops the ones waiting, wakes everyone. */
void pk_writer_cancel(pk_writer *writer);

/* Writes what is queued, joins the threads and frees the writer.  Returns 0
 * or the first error (PK_EIO when a write failed). */
int pk_writer_finish(pk_writer *writer);

/* Peak number of blocks that waited at once, and how long submitters were
 * blocked by a full queue (backpressure), for reports. */
void pk_writer_stats(pk_writer *writer, size_t *max_queued, double *blocked_seconds);

#endif
