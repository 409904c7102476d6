/*
 * What the `parkit primes` subcommands share: the job being run (cli_job,
 * cli/report.h, with the report every kernel's run ends with), the primes
 * settings in it, and the runners: primes_run.c holds
 * count, list and nth; cmd_check.c holds check, whose I/O pipeline is the
 * library's (parkit/answers.h); primes_test.c the self-check.  cmd_primes.c parses the command line; run_spec.c runs
 * a spec from either front end.
 */
#ifndef PK_CLI_PRIMES_CLI_H
#define PK_CLI_PRIMES_CLI_H

#include "cli/cli.h"
#include "cli/report.h"
#include "parkit/jobspec.h"
#include "parkit/primes.h"
#include "parkit/primes_settings.h"

/* The primes kernel's own settings in the run's spec. */
static inline pk_primes_settings *primes_settings(cli_job *cli)
{
    return pk_primes_settings_in(cli->spec.settings);
}

/* ---- the runners: each returns the exit code, collective under MPI ---- */

/* A primes job spec, from the command line or a job file: the checks
 * across its settings, then the command's runner. */
int primes_run_spec(const pk_job_spec *spec);

int primes_run_count(cli_job *cli, pk_primes_options *options);
int primes_run_list(cli_job *cli, pk_primes_options *options);
int primes_run_nth(cli_job *cli, pk_primes_options *options);
int primes_run_check(cli_job *cli, pk_primes_options *options);
/* `primes test`: the self-check (primes_test.c). */
int primes_run_test(cli_job *cli, pk_primes_options *options);

#endif
