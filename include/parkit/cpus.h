/*
 * How many threads to run, and why.
 *
 * Precedence: an explicit request (--threads, or a job file) >
 * OMP_NUM_THREADS > SLURM_CPUS_PER_TASK > the CPUs in this process's
 * affinity mask (sched_getaffinity), which is what a batch system or
 * `taskset` actually granted — never the machine's core count.
 */
#ifndef PARKIT_CPUS_H
#define PARKIT_CPUS_H

#include <stddef.h>

#define PK_MAX_THREADS 4096

typedef struct pk_thread_choice {
    int threads;
    const char *source; /* "--threads", "OMP_NUM_THREADS", "SLURM_CPUS_PER_TASK",
                           "affinity mask", "built without OpenMP" */
} pk_thread_choice;

/* CPUs in this process's affinity mask (>= 1). */
int pk_cpus_available(void);
/* Writes the calling thread's affinity mask as a list such as "0-3,8";
 * returns buf. */
const char *pk_cpus_describe(char *buf, size_t size);

/* Where THREADS OpenMP threads may run, each its own affinity mask (what
 * OMP_PROC_BIND and OMP_PLACES made of them): "every thread: 0-3" when
 * they all share one mask, else "0: 0, 1: 1, ..." thread by thread.
 * Returns buf. */
const char *pk_cpus_threads_describe(int threads, char *buf, size_t size);

/* requested = 0 means no explicit request.  Returns PK_OK, or PK_EINVAL when
 * an environment variable that decides is malformed; then *bad_variable
 * names it. */
int pk_threads_choose(int requested, pk_thread_choice *choice, const char **bad_variable);

#endif
