/*
 * What the `parkit primes` subcommands share: the run being made (a job
 * spec plus what the CLI worked out for it) and the reporting every
 * subcommand ends with.  cmd_primes.c holds count, list and nth;
 * cmd_check.c holds check, whose I/O pipeline is a file of its own.
 */
#ifndef PK_CLI_PRIMES_CLI_H
#define PK_CLI_PRIMES_CLI_H

#include "cli/cli.h"
#include "parkit/jobspec.h"
#include "parkit/primes.h"

typedef struct primes_cli {
    pk_job_spec spec;
    const char *what; /* "primes count" ... for messages */
    pk_thread_choice threads;
} primes_cli;

/* The fields every --json report shares.  Collective under MPI. */
void primes_json_common(const primes_cli *cli, const pk_primes_report *report);
/* --time: one line on stderr, after the answer. */
void primes_print_time(const primes_cli *cli, const pk_primes_report *report);
/* Reports a failed job (a signal or --timeout as such); returns the exit code. */
int primes_job_failed(const primes_cli *cli, int rc);

/* `parkit primes check`: returns the exit code.  Collective under MPI. */
int primes_run_check(primes_cli *cli, pk_primes_options *options);

#endif
