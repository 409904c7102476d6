/*
 * `parkit primes count|list|nth`: run the job the spec describes, print the
 * answer (human or JSON) and how long it took.  All arithmetic lives in
 * src/kernels/primes/; check, whose reader/compute/writer pipeline is the
 * library's (parkit/answers.h), is in cmd_check.c.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/output.h"
#include "cli/primes_cli.h"
#include "parkit/comm.h"
#include "parkit/jobspec.h"
#include "parkit/numexpr.h"
#include "parkit/status.h"

/* [LO] HI from the positional arguments. */
static int parse_range(const cli_job *cli, uint64_t *lo, uint64_t *hi)
{
    if (cli->spec.nargs < 1 || cli->spec.nargs > 2) {
        cli_error(cli->what, cli->spec.nargs < 1 ? "missing HI (usage: parkit primes %s [LO] HI)"
                                            : "too many arguments (usage: parkit primes %s [LO] HI)",
                  pk_job_command_name(&cli->spec));
        return PK_EXIT_USAGE;
    }
    *lo = 0;
    int rc = PK_EXIT_OK;
    if (cli->spec.nargs == 2)
        rc = cli_parse_number(cli->what, "LO", cli->spec.args[0], lo);
    if (rc == PK_EXIT_OK)
        rc = cli_parse_number(cli->what, "HI", cli->spec.args[cli->spec.nargs - 1], hi);
    if (rc == PK_EXIT_OK && *lo > *hi) {
        cli_error(cli->what, "LO (%" PRIu64 ") is greater than HI (%" PRIu64 ")", *lo, *hi);
        rc = PK_EXIT_USAGE;
    }
    return rc;
}

/* ---- count --------------------------------------------------------------------- */

int primes_run_count(cli_job *cli, pk_primes_options *options)
{
    uint64_t lo, hi;
    int rc = parse_range(cli, &lo, &hi);
    if (rc != PK_EXIT_OK)
        return rc;
    pk_progress progress = {0};
    cli_progress *display = cli_job_progress_start(cli, &options->engine, &progress, (double)(hi - lo) + 1, "numbers");
    pk_primes_report report;
    pk_primes_report_init(&report);
    uint64_t count;
    int status = pk_primes_count(options, lo, hi, primes_settings(cli)->pattern, &count, &report);
    cli_progress_stop(display);
    cli_note_checkpoint(cli, &report.run);
    if (status != PK_OK) {
        int stopped = cli_job_stopped(cli, status, &report.run);
        return stopped != PK_EXIT_OK ? stopped : cli_job_failed(cli, status);
    }
    const char *method;
    pk_validation validation = pk_primes_validate_count(lo, hi, primes_settings(cli)->pattern, count, &method);
    if (validation == PK_VALIDATION_FAILED) {
        cli_error(cli->what, "the answer %" PRIu64 " failed validation (%s): this is a bug in parkit, please report it",
                  count, method);
        return PK_EXIT_FAILURE;
    }
    if (cli->spec.json) {
        printf("{\"command\":\"primes count\",\"lo\":%" PRIu64 ",\"hi\":%" PRIu64
               ",\"pattern\":\"%s\",\"count\":%" PRIu64 ",\"validated\":%s,\"validation\":\"%s\",\"algo\":\"%s\",",
               lo, hi, pk_pattern_name(primes_settings(cli)->pattern), count,
               validation == PK_VALIDATION_PASSED ? "true" : "null", method,
               pk_algo_name(primes_settings(cli)->algo));
        cli_report_json(cli, &report.run);
        printf("}\n");
    } else {
        printf("%" PRIu64 "\n", count);
    }
    cli_report_time(cli, &report.run);
    if (cli->spec.time && validation == PK_VALIDATION_PASSED)
        fprintf(stderr, "parkit: %s: validated: %s\n", cli->what, method);
    return PK_EXIT_OK;
}

/* ---- list ------------------------------------------------------------------------ */

/* Where `list` writes: stdout, a stream written in place (a device, a
 * FIFO, a link to an open file such as /dev/stdout), or a temporary file
 * beside the target that is renamed over it at the end, so the final name
 * holds a complete list or nothing. */
int primes_run_list(cli_job *cli, pk_primes_options *options)
{
    uint64_t lo, hi;
    int rc = parse_range(cli, &lo, &hi);
    if (rc != PK_EXIT_OK)
        return rc;
    if (cli->spec.json && cli->spec.output == NULL) {
        cli_error(cli->what, "--json needs -o FILE (stdout carries the primes)");
        return PK_EXIT_USAGE;
    }
    if (options->binary_output && primes_settings(cli)->pattern != PK_PATTERN_PRIMES) {
        cli_error(cli->what, "--format binary lists primes (8 bytes each); k-tuplets are listed as text");
        return PK_EXIT_USAGE;
    }
    cli_output out;
    rc = cli_output_open(cli, &out, 2 * (size_t)options->engine.threads + 2, false);
    if (rc != PK_EXIT_OK)
        return rc;
    options->output_path = out.fd >= 0 ? out.shared_path : NULL;

    pk_progress progress = {0};
    cli_progress *display = cli_job_progress_start(cli, &options->engine, &progress, (double)(hi - lo) + 1, "numbers");
    pk_primes_report report;
    pk_primes_report_init(&report);
    uint64_t count = 0, bytes = 0;
    int status;
    if (out.fd >= 0) {
        status = pk_primes_list_to_file(options, lo, hi, out.fd, &count, &bytes, &report);
    } else {
        void *write_ctx;
        pk_write_fn write = cli_output_stream(&out, &write_ctx);
        status = pk_primes_list(options, lo, hi, write, write_ctx, &count, &report);
    }
    cli_progress_stop(display);
    cli_note_checkpoint(cli, &report.run);
    if (cli_output_close(cli, &out, status, report.write_errno, &report.run.output_seconds) != PK_OK)
        return PK_EXIT_FAILURE;
    if (status != PK_OK) {
        int stopped = cli_job_stopped(cli, status, &report.run);
        return stopped != PK_EXIT_OK ? stopped : cli_job_failed(cli, status);
    }
    if (cli->spec.json) {
        printf("{\"command\":\"primes list\",\"lo\":%" PRIu64 ",\"hi\":%" PRIu64 ",\"count\":%" PRIu64
               ",\"output\":", lo, hi, count);
        cli_json_string(cli->spec.output);
        printf(",\"algo\":\"%s\",", pk_algo_name(primes_settings(cli)->algo));
        cli_report_json(cli, &report.run);
        printf("}\n");
    }
    cli_report_time(cli, &report.run);
    return PK_EXIT_OK;
}

/* ---- nth ---------------------------------------------------------------------- */

int primes_run_nth(cli_job *cli, pk_primes_options *options)
{
    if (cli->spec.nargs != 1) {
        cli_error(cli->what, cli->spec.nargs == 0 ? "missing N (usage: parkit primes nth N)"
                                             : "too many arguments (usage: parkit primes nth N)");
        return PK_EXIT_USAGE;
    }
    uint64_t n;
    int rc = cli_parse_number(cli->what, "N", cli->spec.args[0], &n);
    if (rc != PK_EXIT_OK)
        return rc;
    if (n == 0) {
        cli_error(cli->what, "bad N '%s': primes are numbered from 1 (the 1st prime is 2)", cli->spec.args[0]);
        return PK_EXIT_USAGE;
    }
    if (n > PK_PRIMES_BELOW_2_64) {
        cli_error(cli->what, "bad N '%s': there are only %" PRIu64 " primes below 2^64", cli->spec.args[0],
                  PK_PRIMES_BELOW_2_64);
        return PK_EXIT_USAGE;
    }
    uint64_t from = 0;
    const char *from_text = primes_settings(cli)->nth_from;
    if (from_text != NULL && (rc = cli_parse_number(cli->what, "--from", from_text, &from)) != PK_EXIT_OK)
        return rc;
    pk_progress progress = {0};
    cli_progress *display = cli_job_progress_start(cli, &options->engine, &progress, 0, "numbers");
    pk_primes_report report;
    pk_primes_report_init(&report);
    uint64_t prime;
    int status = pk_primes_nth_from(options, from, n, &prime, &report);
    cli_progress_stop(display);
    if (status == PK_ERANGE && from > 0) {
        cli_error(cli->what, "there are fewer than %" PRIu64 " primes from %" PRIu64 " to 2^64-1", n, from);
        return PK_EXIT_USAGE;
    }
    if (status != PK_OK)
        return cli_job_failed(cli, status);
    if (cli->spec.json) {
        printf("{\"command\":\"primes nth\",\"n\":%" PRIu64 ",\"from\":%" PRIu64 ",\"prime\":%" PRIu64
               ",\"algo\":\"%s\",",
               n, from, prime, pk_algo_name(primes_settings(cli)->algo));
        cli_report_json(cli, &report.run);
        printf("}\n");
    } else {
        printf("%" PRIu64 "\n", prime);
    }
    cli_report_time(cli, &report.run);
    return PK_EXIT_OK;
}


/* ---- the runner of a primes job spec ------------------------------------------ */

int primes_run_spec(const pk_job_spec *spec)
{
    cli_job cli = {.spec = *spec};
    char what[32];
    snprintf(what, sizeof what, "primes %s", pk_job_command_name(spec));
    cli.what = what;
    /* Checks across settings, whichever front end wrote them. */
    if (cli.spec.json && primes_settings(&cli)->jsonl) {
        cli_error(cli.what, "choose one of --json and --format jsonl");
        return PK_EXIT_USAGE;
    }
    uint64_t world_threads = 0;
    int rc = cli_job_begin(&cli, &world_threads);
    if (rc != PK_EXIT_OK)
        return rc;
    pk_primes_options options = {
        .engine = {.threads = cli.threads.threads,
                   .workers = world_threads,
                   .schedule = cli.spec.schedule,
                   .cancel = cli_signals_install(),
                   .distributed = true,
                   .distribute = cli.spec.distribute},
        .algo = primes_settings(&cli)->algo,
        .binary_output = primes_settings(&cli)->binary,
        .pattern = primes_settings(&cli)->pattern,
        .checkpoint_path = cli.spec.checkpoint,
        .checkpoint_interval = cli.spec.checkpoint_interval,
        .resume = cli.spec.resume,
    };
    if (cli.spec.checkpoint != NULL && cli.spec.command == PK_COMMAND_LIST && cli.spec.output == NULL) {
        cli_error(cli.what, "--checkpoint needs -o FILE for list (standard output cannot be resumed)");
        return PK_EXIT_USAGE;
    }
    rc = cli_job_check_checkpoint(&cli);
    if (rc != PK_EXIT_OK)
        return rc;
    switch (cli.spec.command) {
    case PK_COMMAND_COUNT: return primes_run_count(&cli, &options);
    case PK_COMMAND_LIST: return primes_run_list(&cli, &options);
    case PK_COMMAND_CHECK: return primes_run_check(&cli, &options);
    case PK_COMMAND_NTH: return primes_run_nth(&cli, &options);
    case PK_COMMAND_TEST: return primes_run_test(&cli, &options);
    }
    return PK_EXIT_USAGE;
}
