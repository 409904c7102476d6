/*
 * What the engines share inside src/par/: the OpenMP engine runs any range
 * of units, and the MPI engine hands it the ranges this rank owns.
 */
#ifndef PK_PAR_ENGINE_INTERNAL_H
#define PK_PAR_ENGINE_INTERNAL_H

#include "parkit/engine.h"

/* Called on the main thread (the one allowed to call MPI) after each unit it
 * finishes, e.g. to publish progress to other ranks. */
typedef struct pk_main_thread_hook {
    void (*run)(void *ctx);
    void *ctx;
} pk_main_thread_hook;

/* Runs units [first, end) of JOB on this process's threads, adding to
 * counters[]; outputs go to options->write in unit order.  hook may be NULL.
 * Returns 0, the first failing status, or PK_ECANCELED. */
int pk_omp_run_units(const pk_engine_options *options, const pk_job *job, uint64_t first, uint64_t end,
                     uint64_t counters[PK_JOB_MAX_COUNTERS], int *threads_used, const pk_main_thread_hook *hook);

/* The MPI engine: this rank's share of the units, then the reductions. */
int pk_mpi_run(const pk_engine_options *options, const pk_job *job, uint64_t counters[PK_JOB_MAX_COUNTERS],
               pk_engine_stats *stats);

#endif
