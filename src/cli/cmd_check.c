/*
 * `parkit primes check N... | FILE... | -`: is each number prime?
 *
 * The pipeline (reader threads, the engine's threads and ranks, a writer
 * thread; checkpoints) is the library's, parkit/answers.h; the answers are
 * the primes kernel's (pk_primes_answer).  Here: the arguments checked
 * before anything is printed, the --json frame around the answers, and
 * what the run has to say at the end.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/primes_cli.h"
#include "parkit/answers.h"
#include "parkit/comm.h"
#include "parkit/numbers.h"
#include "parkit/numexpr.h"
#include "parkit/status.h"

/* Every argument is a number, a file, or '-': decide all of them before
 * printing anything, so a typo fails fast.  Returns an exit code. */
static int validate_check_arguments(const cli_job *cli)
{
    for (int i = 0; i < cli->spec.nargs; i++) {
        const char *arg = cli->spec.args[i];
        if (pk_answers_is_number(arg) || strcmp(arg, "-") == 0 || access(arg, F_OK) == 0)
            continue;
        uint64_t value;
        const char *why = NULL;
        if (pk_parse_u64(arg, &value, &why) == PK_ERANGE)
            why = pk_numbers_out_of_range(why);
        cli_error(cli->what, "bad N '%s': %s, and no file of that name exists", arg,
                  why != NULL ? why : "not a number");
        return PK_EXIT_USAGE;
    }
    return PK_EXIT_OK;
}

static void say_note(void *ctx, const char *message)
{
    const cli_job *cli = ctx;
    cli_note(cli->what, "%s", message);
}

/* The exit code of a run that returned RC. */
static int check_exit_code(const cli_job *cli, const pk_answers *answers, int rc)
{
    if (rc == PK_OK)
        return PK_EXIT_OK;
    if (answers->error[0] != '\0') {
        cli_error(cli->what, "%s", answers->error);
        return answers->usage_error ? PK_EXIT_USAGE : PK_EXIT_FAILURE;
    }
    if (rc == PK_ECANCELED && answers->report.checkpoint_saved)
        return cli_job_stopped(cli, rc, &answers->report);
    return cli_job_failed(cli, rc);
}

int primes_run_check(cli_job *cli, pk_primes_options *options)
{
    if (cli->spec.nargs == 0) {
        cli_error(cli->what, "missing numbers (usage: parkit primes check N... | FILE... | -)");
        return PK_EXIT_USAGE;
    }
    /* Files may exist only where rank 0 runs: rank 0 decides for all. */
    int rc = pk_comm_rank() == 0 ? validate_check_arguments(cli) : PK_EXIT_OK;
    pk_comm_broadcast(&rc, sizeof rc, 0);
    if (rc != PK_EXIT_OK)
        return rc;
    const pk_primes_settings *settings = primes_settings(cli);
    const pk_primes_answer_format format = cli->spec.json      ? PK_PRIMES_ANSWER_JSON
                                           : settings->jsonl   ? PK_PRIMES_ANSWER_JSONL
                                           : cli->spec.quiet   ? PK_PRIMES_ANSWER_VERDICT
                                                               : PK_PRIMES_ANSWER_TEXT;
    /* The checkpoint's identity, as it has always read (saved checkpoints resume). */
    char identity[64];
    snprintf(identity, sizeof identity, "command check\nformat %s\n", settings->jsonl ? "jsonl" : "text");
    pk_answers answers = {
        .answer = pk_primes_answer,
        .answer_ctx = &format,
        .answer_extra = pk_primes_answer_extra(format),
        .separated = format == PK_PRIMES_ANSWER_JSON,
        .inputs = (const char *const *)cli->spec.args,
        .input_count = (size_t)cli->spec.nargs,
        .skip_bad_lines = settings->skip_bad_lines,
        .io_threads = cli->spec.io_threads,
        .out = stdout,
        .out_name = "standard output",
        .quiet = cli->spec.quiet,
        .checkpoint = cli->spec.checkpoint,
        .checkpoint_interval = cli->spec.checkpoint_interval,
        .resume = cli->spec.resume,
        .identity = identity,
        .note = say_note,
        .note_ctx = cli,
    };
    /* Reported as every primes command is (its table's time is 0 here). */
    pk_primes_report primes_report;
    pk_primes_report_init(&primes_report);
    answers.report = primes_report.run;
    if (cli->spec.json)
        printf("{\"command\":\"primes check\",\"results\":[");
    rc = check_exit_code(cli, &answers, pk_answers_run(&options->engine, &answers));
    if (answers.skipped > 0)
        fprintf(stderr, "parkit: %s: skipped %" PRIu64 " bad line%s (--on-error skip)\n", cli->what, answers.skipped,
                answers.skipped == 1 ? "" : "s");
    if (cli->spec.json) {
        printf("],\"tested\":%" PRIu64 ",\"primes\":%" PRIu64 ",\"skipped\":%" PRIu64 ",", answers.answered,
               answers.found, answers.skipped);
        cli_report_json(cli, &answers.report);
        printf("}\n");
    }
    if (rc == PK_EXIT_OK)
        cli_report_time(cli, &answers.report);
    return rc;
}
