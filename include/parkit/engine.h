/*
 * Engines: who runs which unit of a job.
 *
 * A job is cut into `units` numbered 0..units-1 (the plan).  An engine runs
 * every unit exactly once and sums the per-unit counters; it knows nothing of
 * what a unit computes.
 * - The OpenMP engine (engine_omp.c) shares the job (and its read-only
 *   tables) between threads and gives each thread its own worker scratch;
 *   without OpenMP it is the same loop on one thread.
 * - The MPI engine (engine_mpi.c) gives each rank a share of the units
 *   (contiguous blocks, chunks dealt in turn, or chunks handed out on
 *   demand), runs its share on the OpenMP engine (hybrid = ranks x
 *   threads), and sums the counters in a reduction.  Ranks share nothing:
 *   each builds its own tables.
 * When a job produces output, the engine writes it in unit order through
 * options->write, whatever the schedule and the number of ranks.
 */
#ifndef PARKIT_ENGINE_H
#define PARKIT_ENGINE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PK_JOB_MAX_COUNTERS 8
/* Threads whose busy time a run keeps one by one (pk_engine_stats). */
#define PK_BUSY_THREADS 256

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
    /* Optional: the output of the unit just run by this worker, valid until
     * the worker runs another unit.  The engine writes it in unit order. */
    int (*unit_output)(void *state, void *worker, uint64_t unit, const char **data, size_t *len);
    /* The output stays valid until the run returns (it is in the job's
     * state, not the worker's): a unit finished out of turn is then not
     * copied while it waits for its turn. */
    bool output_stays;
    /* Optional: the relative cost of a unit, for balanced blocks of ranks. */
    double (*unit_cost)(void *state, uint64_t unit);
    /* Optional: one value per unit (a count, a size) that run_unit sets for
     * each unit it runs.  After a run spread over ranks every rank holds
     * every unit's value: the engine gathers them.  All 0 before the run. */
    uint64_t *unit_values;
} pk_job;

typedef enum pk_distribute {
    PK_DISTRIBUTE_BLOCK,   /* contiguous blocks of units, balanced by unit_cost */
    PK_DISTRIBUTE_DYNAMIC, /* chunks of units handed out on demand */
    PK_DISTRIBUTE_CYCLIC,  /* chunks of units dealt round the ranks in turn */
} pk_distribute;

/* Receives output bytes in order; non-zero means the write failed. */
typedef int (*pk_write_fn)(void *ctx, const char *data, size_t len);

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
    /* Spread units over MPI ranks (when there are several); false for work
     * every rank must do itself, such as building its own tables. */
    bool distributed;
    /* The threads of every rank together, for plans that balance units
     * over all workers (ranks may run different thread counts, but must
     * plan alike); 0: threads x ranks. */
    uint64_t workers;
    pk_distribute distribute;
    /* Where ordered output goes (rank 0 writes it). */
    pk_write_fn write;
    void *write_ctx;
    /* Or output by place: each unit's output goes to write_at as soon as it
     * is made, on whichever thread of whichever rank ran it, in any order
     * (a file whose layout is known: parkit/outfile.h).  Non-zero fails the
     * run.  Used when write is NULL. */
    int (*write_at)(void *ctx, uint64_t unit, const char *data, size_t len);
    void *write_at_ctx;
} pk_engine_options;

typedef struct pk_engine_stats {
    double seconds;      /* wall time of the run */
    double comm_seconds; /* of which in MPI calls */
    double input_seconds; /* streams: in pk_stream.next (threads, one at a time) */
    int threads_used;
    uint64_t units_run;  /* by this rank */
    /* Seconds each thread (by its OpenMP number, the first PK_BUSY_THREADS)
     * spent in run_unit: the busiest against the mean is the imbalance. */
    double thread_busy[PK_BUSY_THREADS];
} pk_engine_stats;

/* Everyone who runs units of a distributed job at once: options->workers,
 * or the threads times the ranks.  Plans cut work for this many. */
uint64_t pk_engine_workers(const pk_engine_options *options);

/* Runs every unit of JOB; counters[0..PK_JOB_MAX_COUNTERS) receive the sums.
 * Returns 0, or the first failing unit's status, or PK_ECANCELED. */
int pk_engine_run(const pk_engine_options *options, const pk_job *job,
                  uint64_t counters[PK_JOB_MAX_COUNTERS], pk_engine_stats *stats);

/* A stream of jobs that arrive while the engine runs (a block of input at a
 * time).  The threads go from one job's units to the next without waiting
 * for each other: whoever finds every unit so far handed out fetches the
 * next job, while the others finish theirs.  Outputs come out in order
 * across jobs.  Jobs of a stream have at least one unit, and no worker
 * scratch (run_unit gets NULL). */
typedef struct pk_stream {
    /* The next job, or NULL at the end (with *status set on failure).  One
     * thread at a time calls it.  The job stays the caller's until done().
     * A failure ends the stream as the end would: the jobs given before it
     * are finished and written, then the run returns *status. */
    const pk_job *(*next)(void *ctx, int *status);
    /* Called once for every job next() gave, in order, when its last
     * unit's turn to be written has come: after its outputs went through
     * options->write, and before any of the next job's did.  STATUS is
     * PK_OK when all of them were written; otherwise only a prefix (or
     * none) was.  A non-zero return stops the stream: nothing after is
     * written, no job is fetched any more, and the run returns it. */
    int (*done)(void *ctx, const pk_job *job, int status);
    void *ctx;
} pk_stream;

/* Runs every job of STREAM on this process's threads (OpenMP; never MPI),
 * summing their counters.  Returns 0, the first failing status (of a unit,
 * of next() or of done()), or PK_ECANCELED. */
int pk_engine_run_stream(const pk_engine_options *options, const pk_stream *stream,
                         uint64_t counters[PK_JOB_MAX_COUNTERS], pk_engine_stats *stats);

/* Parses "block", "dynamic" or "cyclic"; PK_OK or PK_EINVAL. */
int pk_distribute_parse(const char *text, pk_distribute *distribute);
const char *pk_distribute_name(pk_distribute distribute);

/* "OpenMP 4.5" or "none": what this build's engine runs on. */
const char *pk_engine_openmp_version(void);

#endif
