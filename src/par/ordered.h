/*
 * Ordered output (private to src/par): units finish in any order, their
 * outputs go out in unit order.  See ordered.c.
 */
#ifndef PK_PAR_ORDERED_H
#define PK_PAR_ORDERED_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "parkit/engine.h"

typedef struct pk_ordered_pending {
    bool ready;  /* finished, waiting for its turn */
    bool emit;   /* its output is good to write */
    bool owned;  /* data is a copy, owned here (else it is the job's) */
    char *data;
    size_t len;
} pk_ordered_pending;

/* A job of a stream (pk_engine_run_stream) whose output is not all out:
 * its units end before unit `end` of the stream. */
typedef struct pk_ordered_job {
    const pk_job *job;
    uint64_t end;
    struct pk_ordered_job *next;
} pk_ordered_job;

typedef struct pk_ordered {
    pthread_mutex_t lock;
    pthread_cond_t changed;
    uint64_t next_unit; /* whose output goes out next */
    uint64_t window;
    pk_ordered_pending *pending; /* ring of `window` slots, by unit */
    size_t pending_bytes;    /* in the copies */
    bool stopped;            /* a unit could not be written: nothing after it is */
    const pk_engine_options *options;
    _Atomic int *failure;
    /* Units [local_first, local_end) are being computed by this process's
     * threads.  A thread may wait for its turn only while the turn is
     * among them, since then one of them moves it on; while it is another
     * rank's (ordered output across ranks), threads never wait: the caller
     * keeps the units it runs within the window. */
    uint64_t local_first, local_end;
    /* Streams only: the jobs not yet done, oldest first.  When the turn
     * reaches the last unit of the oldest, stream->done is called for it
     * before anything after it is written. */
    const pk_stream *stream;
    pk_ordered_job *jobs_head, *jobs_tail;
} pk_ordered;

/* Outputs from unit FIRST on, at most WINDOW units ahead of the one whose
 * turn it is, written through options->write; the first failure goes to
 * *FAILURE.  STREAM: the jobs of a stream (NULL for one job).  PK_OK or
 * PK_ENOMEM. */
int pk_ordered_init(pk_ordered *e, uint64_t first, uint64_t window, const pk_engine_options *options,
                    _Atomic int *failure, const pk_stream *stream);

/* Hands over the output of UNIT (EMIT false: none, and none after it).
 * DATA stays the caller's; it is copied only when it must wait, unless
 * STAYS (pk_job.output_stays). */
void pk_ordered_emit(pk_ordered *e, uint64_t unit, bool emit, const char *data, size_t len, bool stays);

/* Hands over units [FIRST, FIRST + COUNT) at once, never waiting (rank 0's
 * main thread, with the output of another rank): DATA (malloc'd, E frees it)
 * is their output together, or EMIT is false: none, and none after them.
 * The caller made sure they fit (pk_ordered_fits).  Writes whatever turns
 * this completes. */
void pk_ordered_put(pk_ordered *e, uint64_t first, uint64_t count, bool emit, char *data, size_t len);

/* Whether units [FIRST, FIRST + COUNT) are inside the window now. */
bool pk_ordered_fits(pk_ordered *e, uint64_t first, uint64_t count);

/* The unit whose turn it is (every unit before it is written or dropped). */
uint64_t pk_ordered_turn(pk_ordered *e);

/* Units [FIRST, END) are what this process's threads compute next. */
void pk_ordered_set_local(pk_ordered *e, uint64_t first, uint64_t end);

/* Streams: RECORD (malloc'd; E frees it) is the newest job, whose units end
 * before unit RECORD->end.  Called with E's lock held. */
void pk_ordered_add_job(pk_ordered *e, pk_ordered_job *record);

/* After the run: frees what E holds. */
void pk_ordered_destroy(pk_ordered *e);

#endif
