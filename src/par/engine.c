/*
 * Engines: who runs which unit of a job (see parkit/engine.h).
 *
 * pk_engine_run picks the engine for a run: the MPI engine (engine_mpi.c)
 * when the job is spread over several ranks, else the OpenMP engine
 * (engine_omp.c) on this process's threads; it times the run and counts
 * its units for progress.
 */
#include "core/clock.h"
#include "par/engine_internal.h"
#include "parkit/comm.h"
#include "parkit/engine.h"
#include "parkit/status.h"

int pk_engine_run(const pk_engine_options *options, const pk_job *job,
                  uint64_t counters[PK_JOB_MAX_COUNTERS], pk_engine_stats *stats)
{
    pk_engine_stats local;
    stats = pk_engine_clear_results(counters, stats, &local);
    if (options->progress != NULL)
        atomic_fetch_add(&options->progress->units_total, job->units);
    if (options->distributed && pk_comm_size() > 1)
        return pk_mpi_run(options, job, counters, stats);
    double start = pk_clock_seconds();
    int rc = pk_omp_run_units(options, job, 0, job->units, counters, stats, NULL, NULL);
    stats->seconds = pk_clock_seconds() - start;
    stats->units_run = job->units;
    return rc;
}

uint64_t pk_engine_workers(const pk_engine_options *options)
{
    uint64_t threads = options->threads < 1 ? 1 : (uint64_t)options->threads;
    if (!options->distributed)
        return threads;
    return options->workers != 0 ? options->workers : threads * (uint64_t)pk_comm_size();
}
