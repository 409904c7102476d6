/*
 * The options every kernel's command line takes (see options.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/options.h"
#include "parkit/jobspec.h"
#include "parkit/status.h"

/* The short options of CLI_COMMON_OPTIONS, for getopt_long. */
#define CLI_COMMON_SHORT ":t:o:qh"

/* One command line's options as they are read. */
typedef struct cli_options {
    const struct option *table;         /* the command's getopt_long table */
    const char *given[CLI_OPT_LAST + 1]; /* each option's value, once given */
} cli_options;

const char *cli_option_name(const struct option *table, int c)
{
    for (const struct option *o = table; o->name != NULL; o++)
        if (o->val == c)
            return o->name;
    return "?";
}

/* An option given twice must say the same both times ("-t 1 -t 2" is
 * refused, whatever came last).  Returns an exit code. */
static int cli_option_once(const cli_job *cli, cli_options *options, int c, const char *value)
{
    if (c <= 0 || c > CLI_OPT_LAST || value == NULL)
        return PK_EXIT_OK;
    if (options->given[c] != NULL && strcmp(options->given[c], value) != 0) {
        cli_error(cli->what, "--%s given twice, as '%s' and as '%s': say it once", cli_option_name(options->table, c),
                  options->given[c], value);
        return PK_EXIT_USAGE;
    }
    options->given[c] = value;
    return PK_EXIT_OK;
}

int cli_option_applies(const cli_job *cli, const char *option, bool applies)
{
    if (applies)
        return PK_EXIT_OK;
    cli_error(cli->what, "%s is not an option of '%s'", option, pk_job_command_name(&cli->spec));
    return PK_EXIT_USAGE;
}

/* A positive number of seconds, at most 1e9; false when VALUE is not one. */
static bool parse_seconds(const char *value, double *seconds)
{
    char *end;
    errno = 0;
    *seconds = strtod(value, &end);
    return end != value && *end == '\0' && errno == 0 && *seconds > 0 && *seconds <= 1e9;
}

/* Option C (with VALUE) into CLI's spec when it is a common option;
 * *handled tells whether it was.  Returns an exit code (a bad value or an
 * option this command does not take, said). */
static int cli_common_option(cli_job *cli, int c, const char *value, bool *handled)
{
    pk_job_spec *spec = &cli->spec;
    const unsigned command = PK_FOR(spec->command);
    const bool checkpoints = (spec->kernel->checkpoint_commands & command) != 0;
    int rc = PK_EXIT_OK;
    *handled = true;
    switch (c) {
    case 't': {
        uint64_t threads;
        rc = cli_parse_number(cli->what, "--threads", value, &threads);
        if (rc == PK_EXIT_OK && (threads < 1 || threads > PK_MAX_THREADS)) {
            cli_error(cli->what, "bad --threads '%s': must be between 1 and %d", value, PK_MAX_THREADS);
            rc = PK_EXIT_USAGE;
        }
        spec->threads = (int)threads;
        break;
    }
    case CLI_OPT_SCHEDULE:
        rc = cli_option_applies(cli, "--schedule", (spec->kernel->unit_commands & command) != 0);
        if (rc == PK_EXIT_OK && pk_schedule_parse(value, &spec->schedule) != PK_OK) {
            cli_error(cli->what, "bad --schedule '%s': expected static, dynamic or guided, optionally ,CHUNK", value);
            rc = PK_EXIT_USAGE;
        }
        break;
    case CLI_OPT_DISTRIBUTE:
        spec->distribute_given = true;
        rc = cli_option_applies(cli, "--distribute", (spec->kernel->unit_commands & command) != 0);
        if (rc == PK_EXIT_OK && pk_distribute_parse(value, &spec->distribute) != PK_OK) {
            cli_error(cli->what, "bad --distribute '%s': expected dynamic, cyclic or block", value);
            rc = PK_EXIT_USAGE;
        }
        break;
    case 'o':
        rc = cli_option_applies(cli, "--output", (spec->kernel->output_path_commands & command) != 0);
        if (rc == PK_EXIT_OK && value[0] == '\0') {
            cli_error(cli->what, "bad --output '': empty file name");
            rc = PK_EXIT_USAGE;
        }
        spec->output = value;
        break;
    case CLI_OPT_TIMEOUT:
        if (!parse_seconds(value, &spec->timeout)) {
            cli_error(cli->what, "bad --timeout '%s': expected a positive number of seconds", value);
            rc = PK_EXIT_USAGE;
        }
        break;
    case CLI_OPT_CHECKPOINT:
        rc = cli_option_applies(cli, "--checkpoint", checkpoints);
        if (rc == PK_EXIT_OK && value[0] == '\0') {
            cli_error(cli->what, "bad --checkpoint '': empty file name");
            rc = PK_EXIT_USAGE;
        }
        spec->checkpoint = value;
        break;
    case CLI_OPT_CHECKPOINT_INTERVAL:
        rc = cli_option_applies(cli, "--checkpoint-interval", checkpoints);
        if (rc == PK_EXIT_OK && !parse_seconds(value, &spec->checkpoint_interval)) {
            cli_error(cli->what, "bad --checkpoint-interval '%s': expected a positive number of seconds", value);
            rc = PK_EXIT_USAGE;
        }
        break;
    case CLI_OPT_RESUME:
        rc = cli_option_applies(cli, "--resume", checkpoints);
        spec->resume = true;
        break;
    case CLI_OPT_IO_THREADS: {
        uint64_t io_threads = 0;
        rc = cli_option_applies(cli, "--io-threads", (spec->kernel->io_threads_commands & command) != 0);
        if (rc == PK_EXIT_OK)
            rc = cli_parse_number(cli->what, "--io-threads", value, &io_threads);
        if (rc == PK_EXIT_OK && io_threads > 64) {
            cli_error(cli->what, "bad --io-threads '%s': at most 64", value);
            rc = PK_EXIT_USAGE;
        }
        spec->io_threads = (int)io_threads;
        break;
    }
    case CLI_OPT_JSON: spec->json = true; break;
    case CLI_OPT_TIME: spec->time = true; break;
    case 'q': spec->quiet = true; break;
    case CLI_OPT_PROGRESS: spec->progress = 1; break;
    case CLI_OPT_NO_PROGRESS: spec->progress = 0; break;
    default: *handled = false; break;
    }
    return rc;
}

int cli_read_options(cli_job *cli, int argc, char **argv, const struct option *table, cli_own_option own,
                     const char *usage, int *first_arg)
{
    opterr = 0;
    optind = 1;
    int c, rc = PK_EXIT_OK;
    cli_options seen = {.table = table};
    while (rc == PK_EXIT_OK && (c = getopt_long(argc, argv, CLI_COMMON_SHORT, table, NULL)) != -1) {
        bool handled;
        if ((rc = cli_option_once(cli, &seen, c, optarg)) != PK_EXIT_OK)
            return rc;
        if ((rc = cli_common_option(cli, c, optarg, &handled)) != PK_EXIT_OK || handled)
            continue;
        if (c == 'h') {
            fputs(usage, stdout);
            return -1; /* handled: exit 0 */
        }
        if (c == ':') {
            cli_error(cli->what, "option '%s' needs a value", argv[optind - 1]);
            return PK_EXIT_USAGE;
        }
        rc = c == '?' ? CLI_NOT_MINE : own(cli, c, optarg, argv[optind - 1]);
        if (rc == CLI_NOT_MINE) {
            cli_error(cli->what, "unknown option '%s' (try 'parkit %s --help')", argv[optind - 1],
                      cli->spec.kernel->name);
            return PK_EXIT_USAGE;
        }
    }
    *first_arg = optind;
    return rc;
}
