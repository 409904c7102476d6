/*
 * Checkpointed runs (see parkit/rounds.h).
 *
 * A round is an engine run over a list of the job's units that are not
 * done yet: the wrapper job below maps its unit i to the job's unit
 * units[i] and keeps what each one found.  After the round the ranks pool
 * what they finished (each filled in the units it ran), so every rank's
 * checkpoint is the same, and rank 0 saves it when the interval is up or a
 * cancel stopped the round.  Units finished in a stopped round are kept:
 * no work is lost but the units that were running.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/clock.h"
#include "parkit/comm.h"
#include "parkit/rounds.h"
#include "parkit/status.h"

/* One round: the job's units to run, and what each one found. */
typedef struct round_job {
    const pk_job *job;
    const uint64_t *units;
    uint64_t *results;
    uint8_t *done;
    const pk_engine_options *options; /* the caller's: where write_at goes */
} round_job;

static void *round_worker_create(void *state)
{
    const round_job *round = state;
    return round->job->worker_create(round->job->state);
}

static void round_worker_destroy(void *state, void *worker)
{
    const round_job *round = state;
    round->job->worker_destroy(round->job->state, worker);
}

static int round_run_unit(void *state, void *worker, uint64_t i, uint64_t counters[])
{
    round_job *round = state;
    uint64_t mine[PK_JOB_MAX_COUNTERS] = {0};
    int rc = round->job->run_unit(round->job->state, worker, round->units[i], mine);
    if (rc == PK_OK) {
        round->results[i] = mine[0];
        round->done[i] = 1;
        counters[0] += mine[0];
    }
    return rc;
}

static int round_unit_output(void *state, void *worker, uint64_t i, const char **data, size_t *len)
{
    const round_job *round = state;
    return round->job->unit_output(round->job->state, worker, round->units[i], data, len);
}

/* The round's unit i is written where the job's unit units[i] goes. */
static int round_write_at(void *ctx, uint64_t i, const char *data, size_t len)
{
    const round_job *round = ctx;
    return round->options->write_at(round->options->write_at_ctx, round->units[i], data, len);
}

static bool distributed(const pk_engine_options *options)
{
    return options->distributed && pk_comm_size() > 1;
}

int pk_rounds_start(const pk_engine_options *options, pk_rounds *rounds, pk_checkpoint *checkpoint)
{
    int rc = PK_OK;
    char why[400] = "";
    if (rounds->resume && pk_comm_rank() == 0) {
        rc = pk_checkpoint_load(checkpoint, rounds->path, why, sizeof why);
        if (rc == PK_EOF) {
            snprintf(rounds->note, sizeof rounds->note, "no checkpoint at %s: starting afresh", rounds->path);
            rc = PK_OK;
        } else if (rc != PK_OK) {
            snprintf(rounds->error, sizeof rounds->error, "cannot resume from %s: %s", rounds->path, why);
        }
    }
    if (distributed(options)) {
        pk_comm_broadcast(&rc, sizeof rc, 0);
        if (rc == PK_OK) {
            pk_comm_broadcast(checkpoint->done, checkpoint->units, 0);
            pk_comm_broadcast(checkpoint->results, checkpoint->units * sizeof checkpoint->results[0], 0);
        }
    }
    rounds->resumed = rc == PK_OK ? pk_checkpoint_done_count(checkpoint) : 0;
    return rc;
}

/* Why a save failed: the run fails with the path and the cause. */
static int save_failed(pk_rounds *rounds, int error)
{
    snprintf(rounds->error, sizeof rounds->error, "cannot save the checkpoint to %s: %s", rounds->path,
             strerror(error != 0 ? error : EIO));
    return PK_EIO;
}

int pk_rounds_save(const pk_engine_options *options, pk_rounds *rounds, const pk_checkpoint *checkpoint)
{
    /* The units a checkpoint calls done must be on disk before it is, on
     * every rank that wrote some: after a crash, a resume trusts them. */
    int error = rounds->before_save != NULL ? rounds->before_save(rounds->before_save_ctx) : 0;
    int saved = error != 0 ? save_failed(rounds, error) : PK_OK;
    if (distributed(options))
        saved = pk_comm_agree(saved);
    if (saved == PK_OK && pk_comm_rank() == 0 && pk_checkpoint_save(checkpoint, rounds->path) != PK_OK)
        saved = save_failed(rounds, errno);
    if (distributed(options))
        saved = pk_comm_agree(saved);
    if (saved != PK_OK && rounds->error[0] == '\0')
        snprintf(rounds->error, sizeof rounds->error, "cannot save the checkpoint to %s: another rank failed to", rounds->path);
    return saved;
}

int pk_rounds_run(const pk_engine_options *options, const pk_job *job, pk_checkpoint *checkpoint,
                  pk_rounds *rounds, pk_engine_stats *stats)
{
    pk_engine_stats local;
    if (stats == NULL)
        stats = &local;
    memset(stats, 0, sizeof *stats);
    if (options->write != NULL || job->units != checkpoint->units)
        return PK_EINVAL;
    const double interval = rounds->interval > 0 ? rounds->interval : 60;
    const size_t most = checkpoint->units ? checkpoint->units : 1;
    uint64_t *todo = malloc(most * sizeof *todo);
    uint64_t *results = malloc(most * sizeof *results);
    uint8_t *done = malloc(most);
    if (todo == NULL || results == NULL || done == NULL) {
        free(todo);
        free(results);
        free(done);
        return PK_ENOMEM;
    }
    uint64_t remaining = 0;
    for (uint64_t unit = 0; unit < checkpoint->units; unit++)
        if (!checkpoint->done[unit])
            todo[remaining++] = unit;

    /* Progress moves round by round; the engine must not add its own totals. */
    pk_engine_options engine = *options;
    engine.progress = NULL;
    if (options->progress != NULL)
        atomic_fetch_add(&options->progress->units_total, remaining);

    uint64_t round_units = 4 * pk_engine_workers(options);
    double last_save = pk_clock_seconds();
    int rc = PK_OK;
    for (uint64_t position = 0; position < remaining && rc == PK_OK;) {
        uint64_t n = remaining - position < round_units ? remaining - position : round_units;
        memset(results, 0, n * sizeof *results);
        memset(done, 0, n);
        round_job round = {job, todo + position, results, done, options};
        pk_job engine_job = {
            .units = n,
            .state = &round,
            .worker_create = job->worker_create != NULL ? round_worker_create : NULL,
            .worker_destroy = job->worker_destroy != NULL ? round_worker_destroy : NULL,
            .run_unit = round_run_unit,
            .unit_output = job->unit_output != NULL ? round_unit_output : NULL,
        };
        if (options->write_at != NULL) {
            engine.write_at = round_write_at;
            engine.write_at_ctx = &round;
        }
        uint64_t counters[PK_JOB_MAX_COUNTERS];
        pk_engine_stats round_stats = {0};
        double start = pk_clock_seconds();
        rc = pk_engine_run(&engine, &engine_job, counters, &round_stats);
        if (distributed(options)) { /* each rank filled in the units it ran */
            pk_comm_max_u8(done, n);
            pk_comm_sum_u64(results, n);
        }
        for (uint64_t i = 0; i < n; i++) {
            if (done[i]) {
                checkpoint->done[todo[position + i]] = 1;
                checkpoint->results[todo[position + i]] = results[i];
            }
        }
        if (options->progress != NULL)
            atomic_fetch_add(&options->progress->units_done, n);
        stats->seconds += round_stats.seconds;
        stats->comm_seconds += round_stats.comm_seconds;
        stats->units_run += round_stats.units_run;
        stats->threads_used = round_stats.threads_used;
        for (int thread = 0; thread < PK_BUSY_THREADS; thread++)
            stats->thread_busy[thread] += round_stats.thread_busy[thread];
        position += n;
        double now = pk_clock_seconds();
        /* rc is agreed by every rank (the engine's reduction); whether the
         * interval is up is rank 0's to say, since the save is collective
         * and the ranks' clocks read differently. */
        const bool stopped = rc == PK_ECANCELED;
        int saving = stopped || (rc == PK_OK && now - last_save >= interval);
        if ((rc == PK_OK || stopped) && distributed(options))
            pk_comm_broadcast(&saving, sizeof saving, 0);
        if (saving) {
            int saved = pk_rounds_save(options, rounds, checkpoint);
            last_save = now;
            if (saved != PK_OK && rc == PK_OK)
                rc = saved;
            rounds->saved_on_stop = stopped && saved == PK_OK;
        }
        /* Rounds of about a second: long enough to keep every thread busy,
         * short enough that a signal is answered quickly. */
        if (now - start < 0.5 && round_units < (UINT64_C(1) << 20))
            round_units *= 2;
    }
    free(todo);
    free(results);
    free(done);
    return rc;
}

void pk_rounds_finish(const pk_engine_options *options, const pk_rounds *rounds, int status)
{
    (void)options;
    if (status == PK_OK && pk_comm_rank() == 0)
        unlink(rounds->path);
}
