/*
 * The options every kernel's command line takes (threads, schedule,
 * distribution, output, checkpoint, reports), parsed once for all: a
 * command's getopt loop hands each option here first and handles only its
 * own.  Which commands take -o, --io-threads and the checkpoint options is
 * the kernel's to say (parkit/kernel.h).
 */
#ifndef PK_CLI_OPTIONS_H
#define PK_CLI_OPTIONS_H

#include <getopt.h>
#include <stdbool.h>

#include "cli/report.h"

enum {
    CLI_OPT_SCHEDULE = 256,
    CLI_OPT_DISTRIBUTE,
    CLI_OPT_JSON,
    CLI_OPT_TIME,
    CLI_OPT_PROGRESS,
    CLI_OPT_NO_PROGRESS,
    CLI_OPT_TIMEOUT,
    CLI_OPT_CHECKPOINT,
    CLI_OPT_CHECKPOINT_INTERVAL,
    CLI_OPT_RESUME,
    CLI_OPT_IO_THREADS,
    CLI_OPT_KERNEL, /* a kernel's own options are numbered from here */
    CLI_OPT_LAST = CLI_OPT_KERNEL + 32,
};

/* The common entries of a command's getopt_long table (its own follow,
 * then the {NULL} end). */
#define CLI_COMMON_OPTIONS                                                                               \
    {"threads", required_argument, NULL, 't'}, {"schedule", required_argument, NULL, CLI_OPT_SCHEDULE}, \
        {"distribute", required_argument, NULL, CLI_OPT_DISTRIBUTE},                                     \
        {"output", required_argument, NULL, 'o'}, {"json", no_argument, NULL, CLI_OPT_JSON},             \
        {"time", no_argument, NULL, CLI_OPT_TIME}, {"quiet", no_argument, NULL, 'q'},                    \
        {"progress", no_argument, NULL, CLI_OPT_PROGRESS},                                               \
        {"no-progress", no_argument, NULL, CLI_OPT_NO_PROGRESS},                                         \
        {"timeout", required_argument, NULL, CLI_OPT_TIMEOUT},                                           \
        {"checkpoint", required_argument, NULL, CLI_OPT_CHECKPOINT},                                     \
        {"checkpoint-interval", required_argument, NULL, CLI_OPT_CHECKPOINT_INTERVAL},                   \
        {"resume", no_argument, NULL, CLI_OPT_RESUME}, {"io-threads", required_argument, NULL, CLI_OPT_IO_THREADS}, \
        {"help", no_argument, NULL, 'h'}

/* A command's own option C with VALUE (NULL for a flag), written as TEXT
 * on the command line; returns an exit code, or CLI_NOT_MINE when C is no
 * option of the command. */
enum { CLI_NOT_MINE = -2 };
typedef int (*cli_own_option)(cli_job *cli, int c, const char *value, const char *text);

/* Reads ARGV's options with TABLE: a value given twice, the common ones,
 * then OWN's; -h prints USAGE (and returns -1).  *FIRST_ARG receives the
 * first positional argument's index.  Returns an exit code, said. */
int cli_read_options(cli_job *cli, int argc, char **argv, const struct option *table, cli_own_option own,
                     const char *usage, int *first_arg);

/* An option that makes no sense for this command is a usage error, not
 * something to ignore silently.  Returns an exit code. */
int cli_option_applies(const cli_job *cli, const char *option, bool applies);

/* The long name of option C in TABLE, for messages. */
const char *cli_option_name(const struct option *table, int c);

#endif
