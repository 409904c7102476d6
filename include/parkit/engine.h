/*
 * Engines: who runs which unit of a job.
 *
 * A job is cut into `units` numbered 0..units-1 (the plan).  An engine runs
 * every unit exactly once and sums the per-unit counters; it knows nothing of
 * what a unit computes.  The OpenMP engine shares the job (and its read-only
 * tables) between threads and gives each thread its own worker scratch; the
 * sequential engine is the same loop on one thread.  When a job has an
 * `emit` step, emits happen in unit order, one at a time, whatever the
 * schedule, so output stays ordered while units are computed in parallel.
 */
#ifndef PARKIT_ENGINE_H
#define PARKIT_ENGINE_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#define PK_JOB_MAX_COUNTERS 8

typedef enum pk_schedule_kind {
    PK_SCHEDULE_STATIC,
    PK_SCHEDULE_DYNAMIC,
    PK_SCHEDULE_GUIDED,
} pk_schedule_kind;

typedef struct pk_schedule {
    pk_schedule_kind kind;
    int chunk; /* units per chunk; 0 = the runtime's default */
} pk_schedule;

/* Parses "static", "dynamic,4", "guided,16" ... PK_OK or PK_EINVAL. */
int pk_schedule_parse(const char *text, pk_schedule *schedule);
/* Writes e.g. "dynamic,4" (or "static") into buf; returns buf. */
const char *pk_schedule_format(pk_schedule schedule, char *buf, size_t size);

typedef struct pk_job {
    uint64_t units;
    void *state; /* the job's own data, shared read-only by all workers */
    /* Per-thread scratch; returns NULL when it cannot be made. Optional. */
    void *(*worker_create)(void *state);
    void (*worker_destroy)(void *state, void *worker);
    /* Computes one unit, adding its results to counters[]; 0 or a pk_status. */
    int (*run_unit)(void *state, void *worker, uint64_t unit, uint64_t counters[]);
    /* Optional: called after run_unit, in unit order, never concurrently. */
    int (*emit_unit)(void *state, void *worker, uint64_t unit);
} pk_job;

/* Shared with a progress display: every run adds its units to the total
 * when it starts and counts each finished unit. */
typedef struct pk_progress {
    _Atomic uint64_t units_total;
    _Atomic uint64_t units_done;
} pk_progress;

typedef struct pk_engine_options {
    int threads;          /* >= 1 */
    pk_schedule schedule;
    pk_progress *progress; /* optional */
    /* Optional: when it becomes non-zero, remaining units are skipped and
     * the run returns PK_ECANCELED. */
    const volatile _Atomic int *cancel;
} pk_engine_options;

typedef struct pk_engine_stats {
    double seconds;      /* wall time of the parallel region */
    int threads_used;
} pk_engine_stats;

/* Runs every unit of JOB; counters[0..PK_JOB_MAX_COUNTERS) receive the sums.
 * Returns 0, or the first failing unit's status, or PK_ECANCELED. */
int pk_engine_run(const pk_engine_options *options, const pk_job *job,
                  uint64_t counters[PK_JOB_MAX_COUNTERS], pk_engine_stats *stats);

/* "OpenMP 4.5" or "none": what this build's engine runs on. */
const char *pk_engine_openmp_version(void);

#endif
