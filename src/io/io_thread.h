/*
 * What every thread of the I/O stage does first.
 */
#ifndef PARKIT_IO_THREAD_H
#define PARKIT_IO_THREAD_H

#include <pthread.h>
#include <sched.h>

/* I/O threads run as SCHED_BATCH where Linux has it: a batch thread that
 * wakes up does not preempt the running thread; it gets its fair share at
 * the next scheduler tick.  A reader woken by the release of a block (or a
 * writer by a hand-over) used to preempt the compute thread that woke it,
 * right between two parallel regions, and the other compute threads spun
 * in libgomp until it came back: 7.9% of all CPU time in `check`, 2.1% as
 * batch (perf, 10 M numbers, 2 cores).  Best effort: on failure the thread
 * keeps the usual policy. */
static inline void pk_io_thread_start(void)
{
#ifdef SCHED_BATCH
    struct sched_param param = {0};
    (void)pthread_setschedparam(pthread_self(), SCHED_BATCH, &param);
#endif
}

#endif
