/*
 * A job as the CLI runs it, whatever the kernel, and what every run says
 * when it ends (report.c): the JSON fields all reports share, the --time
 * line, why a job failed or stopped, and the progress line while it runs.
 * A kernel's runner prints its answer and fills a pk_run_report; these
 * print the rest, the same way for every kernel.
 */
#ifndef PK_CLI_REPORT_H
#define PK_CLI_REPORT_H

#include <stdbool.h>
#include <stdint.h>

#include "cli/cli.h"
#include "parkit/cpus.h"
#include "parkit/engine.h"
#include "parkit/jobspec.h"
#include "parkit/run_report.h"

typedef struct cli_job {
    pk_job_spec spec;
    const char *what; /* "primes count" ... for messages */
    pk_thread_choice threads;
} cli_job;

/* What every job does first, for any kernel (run_spec.c): the thread
 * count into cli->threads (*WORLD_THREADS: all ranks'), a warning when
 * threads will share cores, the ranks' first agreement, --resume without
 * --checkpoint refused.  Collective; returns an exit code. */
int cli_job_begin(cli_job *cli, uint64_t *world_threads);
/* Then, after the kernel's own checks: the checkpoint path (rank 0
 * decides for all), and the --timeout clock starts.  Returns an exit code. */
int cli_job_check_checkpoint(const cli_job *cli);

/* Starts the run's clock (AGAIN: even when it runs already). */
void cli_clock_start(bool again);
/* The fields every --json report shares, after the kernel's answer fields
 * (each begins with a comma).  Collective under MPI. */
void cli_report_json(const cli_job *job, const pk_run_report *report);
/* --time: one line on stderr, after the answer. */
void cli_report_time(const cli_job *job, const pk_run_report *report);
/* Reports a failed job (a signal or --timeout as such); returns the exit code. */
int cli_job_failed(const cli_job *job, int rc);
/* A job whose checkpoint failed it (refused: 2; damaged or not saved: 1),
 * or stopped by a signal after saving one (75); else PK_EXIT_OK. */
int cli_job_stopped(const cli_job *job, int rc, const pk_run_report *report);
/* "No checkpoint: starting afresh", or how much a resume found done. */
void cli_note_checkpoint(const cli_job *job, const pk_run_report *report);
/* The progress line for WORK `unit`s when it is wanted (ENGINE then counts
 * into PROGRESS), else NULL. */
cli_progress *cli_job_progress_start(const cli_job *job, pk_engine_options *engine, pk_progress *progress,
                                     double work, const char *unit);

#endif
