/*
 * What the engines share inside src/par/: the OpenMP engine runs any range
 * of units (engine_omp.c), the MPI engine hands it the ranges this rank owns
 * (engine_mpi.c), streams (stream.c) feed it job after job, and ordered
 * output (ordered.c) puts their outputs in unit order, gathered from every
 * rank by ordered_ranks.c.  engine.c picks the engine for a run.  Calls go
 * one way: engine -> mpi -> ordered_ranks -> omp -> ordered, and
 * stream -> omp, ordered.
 */
#ifndef PK_PAR_ENGINE_INTERNAL_H
#define PK_PAR_ENGINE_INTERNAL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <string.h>

#include "par/ordered.h"
#include "parkit/engine.h"
#include "parkit/status.h"

/* Called on the main thread (the one allowed to call MPI) after each unit it
 * finishes, e.g. to publish progress to other ranks. */
typedef struct pk_main_thread_hook {
    void (*run)(void *ctx);
    void *ctx;
} pk_main_thread_hook;

/* ---- what every run does ---------------------------------------------------- */

/* Keeps the first failure of a run (any thread). */
static inline void pk_engine_record_failure(_Atomic int *failure, int rc)
{
    int expected = PK_OK;
    atomic_compare_exchange_strong(failure, &expected, rc);
}

static inline bool pk_engine_canceled(const pk_engine_options *options)
{
    return options->cancel != NULL && atomic_load(options->cancel) != 0;
}

/* A run's status: its first failure, else PK_ECANCELED after a cancel. */
static inline int pk_engine_status(_Atomic int *failure, const pk_engine_options *options)
{
    int rc = atomic_load(failure);
    return rc == PK_OK && pk_engine_canceled(options) ? PK_ECANCELED : rc;
}

/* Zeroes the counters and the stats (LOCAL when the caller wants none);
 * returns the stats to fill. */
static inline pk_engine_stats *pk_engine_clear_results(uint64_t counters[PK_JOB_MAX_COUNTERS],
                                                       pk_engine_stats *stats, pk_engine_stats *local)
{
    memset(counters, 0, PK_JOB_MAX_COUNTERS * sizeof counters[0]);
    if (stats == NULL)
        stats = local;
    memset(stats, 0, sizeof *stats);
    return stats;
}

/* ---- engine_omp.c ------------------------------------------------------------ */

/* Runs units [first, end) of JOB on this process's threads, adding to
 * counters[]; outputs go to options->write in unit order, through ORDER
 * when it is not NULL (an emitter spanning more than this range: the MPI
 * engine's, whose failure status this run shares).  hook may be NULL.
 * Returns 0, the first failing status, or PK_ECANCELED. */
int pk_omp_run_units(const pk_engine_options *options, const pk_job *job, uint64_t first, uint64_t end,
                     uint64_t counters[PK_JOB_MAX_COUNTERS], pk_engine_stats *stats, const pk_main_thread_hook *hook,
                     pk_ordered *order);

/* Runs UNIT of JOB unless SKIP, adding the seconds it took to *BUSY, and,
 * when ORDER is not NULL, hands its output to it as output unit NUMBER.
 * Records the first failure in *FAILURE. */
void pk_omp_run_and_emit(const pk_engine_options *options, const pk_job *job, void *worker, uint64_t unit,
                         uint64_t number, uint64_t counters[], int skip, pk_ordered *order, _Atomic int *failure,
                         double *busy);

/* The calling thread's busy seconds into STATS, at the end of a parallel region. */
void pk_omp_add_busy(pk_engine_stats *stats, double busy);

/* A thread's counters into the run's, once at its end. */
void pk_omp_add_counters(uint64_t counters[PK_JOB_MAX_COUNTERS], const uint64_t mine[PK_JOB_MAX_COUNTERS]);

/* ---- ordered_ranks.c: ordered output across ranks ------------------------------ */

typedef struct pk_ranks_output pk_ranks_output;

/* Every rank, before the first unit of a job whose outputs rank 0 writes
 * through options->write in unit order.  BATCH_UNITS: the most units a rank
 * other than 0 sends at once (the same on every rank).  HOOK (may be NULL)
 * is called on the main thread wherever it waits.  NULL when out of memory. */
pk_ranks_output *pk_ranks_output_start(const pk_job *job, uint64_t batch_units, const pk_engine_options *options,
                                       const pk_main_thread_hook *hook);
/* Runs units [first, end) of JOB, this rank's, in increasing order from one
 * call to the next; after a failure or a cancel, only marks them as not
 * written.  Returns 0, the first failing status, or PK_ECANCELED. */
int pk_ranks_output_run(pk_ranks_output *ro, const pk_engine_options *options, const pk_job *job, uint64_t first,
                        uint64_t end, uint64_t counters[PK_JOB_MAX_COUNTERS], pk_engine_stats *stats);
/* After this rank's last range: rank 0 writes out the rest, the others wait
 * until rank 0 has taken all they sent.  Frees RO; returns this rank's
 * status. */
int pk_ranks_output_finish(pk_ranks_output *ro, const pk_engine_options *options);
/* Frees RO (may be NULL) before anything was run or sent. */
void pk_ranks_output_discard(pk_ranks_output *ro);

/* ---- engine_mpi.c ------------------------------------------------------------ */

/* The MPI engine: this rank's share of the units, then the reductions. */
int pk_mpi_run(const pk_engine_options *options, const pk_job *job, uint64_t counters[PK_JOB_MAX_COUNTERS],
               pk_engine_stats *stats);

#endif
