/*
 * Checkpointed runs: a job run in rounds that a signal can stop and a
 * later run can resume, for any kernel.
 *
 * The job's units are the plan's, the same whatever the threads and ranks,
 * so a run stopped with 3 ranks resumes with 2.  Each unit's result is what
 * its run_unit adds to counters[0] (a count, a size).  Between rounds of
 * about a second the ranks pool the units they finished, and rank 0 saves
 * the checkpoint (parkit/checkpoint.h) every `interval` seconds and when a
 * cancel stops the run.  Every function here is collective under MPI when
 * the options are distributed; rank 0 alone touches the checkpoint file,
 * which may be on its disk only.
 *
 * Typical use:
 *     pk_checkpoint ck;  pk_checkpoint_init(&ck, units);  (identity, result_limit)
 *     pk_rounds rounds = {.path = ..., .interval = 60, .resume = true};
 *     rc = pk_rounds_start(&engine, &rounds, &ck);
 *     rc = pk_rounds_run(&engine, &job, &ck, &rounds, &stats);
 *     pk_rounds_finish(&engine, &rounds, rc);      (a finished job leaves no file)
 *     ... the answer is the sum of ck.results ...
 */
#ifndef PARKIT_ROUNDS_H
#define PARKIT_ROUNDS_H

#include <stdbool.h>
#include <stdint.h>

#include "parkit/checkpoint.h"
#include "parkit/engine.h"

typedef struct pk_rounds {
    const char *path; /* the checkpoint file */
    double interval;  /* seconds between saves; 0 = 60 */
    bool resume;      /* start from PATH when it exists */
    /* Optional, on every rank before each save: makes what the finished
     * units wrote durable (a partial output file), since a resume trusts
     * it.  Returns 0 or an errno. */
    int (*before_save)(void *ctx);
    void *before_save_ctx;

    /* What happened, for the report. */
    uint64_t resumed;  /* units the checkpoint had done */
    bool saved_on_stop; /* a cancel stopped the run after a good save */
    char note[512];    /* "no checkpoint at PATH: starting afresh" */
    /* Why the checkpoint failed the run: "cannot resume from PATH: why"
     * (PK_EINVAL: another job's; PK_EIO: damaged or unreadable) or "cannot
     * save the checkpoint to PATH: why" (PK_EIO). */
    char error[512];
} pk_rounds;

/* With rounds->resume, rank 0 loads the checkpoint (whose identity, units
 * and result_limit the caller set) and every rank gets its units done and
 * results.  No file: a fresh start, and rounds->note says so.  Returns
 * PK_OK, or the load's failure with rounds->error set. */
int pk_rounds_start(const pk_engine_options *options, pk_rounds *rounds, pk_checkpoint *checkpoint);

/* Runs JOB's units that CHECKPOINT does not have done, in rounds; a unit's
 * result is what run_unit adds to counters[0].  Outputs of the units go to
 * options->write_at (keyed by the job's unit numbers), as in any run; an
 * ordered output (options->write) cannot be resumed and is not allowed.
 * Returns PK_OK, a unit's failure, a failed save (rounds->error), or
 * PK_ECANCELED after a stop (rounds->saved_on_stop tells whether it saved).
 * STATS (optional) receive the sums over the rounds. */
int pk_rounds_run(const pk_engine_options *options, const pk_job *job, pk_checkpoint *checkpoint,
                  pk_rounds *rounds, pk_engine_stats *stats);

/* Saves CHECKPOINT now, as on a stop (rank 0 writes; all agree).  PK_OK or
 * PK_EIO with rounds->error set. */
int pk_rounds_save(const pk_engine_options *options, pk_rounds *rounds, const pk_checkpoint *checkpoint);

/* After the run: a finished job (STATUS PK_OK) needs no checkpoint, and a
 * later --resume starts afresh, so rank 0 removes the file. */
void pk_rounds_finish(const pk_engine_options *options, const pk_rounds *rounds, int status);

#endif
