/*
 * What the `parkit primes` subcommands share: the run being made (a job
 * spec plus what the CLI worked out for it), the reporting every
 * subcommand ends with (report.c), and the runners: primes_run.c holds
 * count, list and nth; cmd_check.c holds check, whose I/O pipeline is a
 * file of its own.  cmd_primes.c parses the command line; run_spec.c runs
 * a spec from either front end.
 */
#ifndef PK_CLI_PRIMES_CLI_H
#define PK_CLI_PRIMES_CLI_H

#include "cli/cli.h"
#include "parkit/jobspec.h"
#include "parkit/primes.h"
#include "parkit/primes_settings.h"

typedef struct primes_cli {
    pk_job_spec spec; /* a job of the primes kernel */
    const char *what; /* "primes count" ... for messages */
    pk_thread_choice threads;
} primes_cli;

/* The primes kernel's own settings in the run's spec. */
static inline pk_primes_settings *primes_settings(primes_cli *cli)
{
    return pk_primes_settings_in(cli->spec.settings);
}

/* ---- report.c ---- */

/* Starts the run's clock (AGAIN: even when it runs already). */
void primes_clock_start(bool again);
/* The fields every --json report shares.  Collective under MPI. */
void primes_json_common(const primes_cli *cli, const pk_primes_report *report);
/* --time: one line on stderr, after the answer. */
void primes_print_time(const primes_cli *cli, const pk_primes_report *report);
/* Reports a failed job (a signal or --timeout as such); returns the exit code. */
int primes_job_failed(const primes_cli *cli, int rc);
/* A job whose checkpoint failed it (refused: 2; damaged or not saved: 1),
 * or stopped by a signal after saving one (75); else PK_EXIT_OK. */
int primes_job_stopped(const primes_cli *cli, int rc, const pk_primes_report *report);
/* "No checkpoint: starting afresh", or how much a resume found done. */
void primes_note_checkpoint(const primes_cli *cli, const pk_primes_report *report);
/* The progress line for WORK `unit`s, when it is wanted (else NULL). */
cli_progress *primes_progress_start(const primes_cli *cli, pk_primes_options *options, pk_progress *progress,
                                    double work, const char *unit);

/* ---- the runners: each returns the exit code, collective under MPI ---- */

int primes_run_count(primes_cli *cli, pk_primes_options *options);
int primes_run_list(primes_cli *cli, pk_primes_options *options);
int primes_run_nth(primes_cli *cli, pk_primes_options *options);
int primes_run_check(primes_cli *cli, pk_primes_options *options);

#endif
