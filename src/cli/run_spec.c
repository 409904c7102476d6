/*
 * What every job does before its kernel's runner, whoever wrote its spec
 * (the command line or a job file) and whatever the kernel: the thread
 * count, the ranks' first agreement, the checkpoint path, the timeout.
 */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/paths.h"
#include "cli/report.h"
#include "parkit/checkpoint.h"
#include "parkit/comm.h"
#include "parkit/cpus.h"
#include "parkit/jobspec.h"
#include "parkit/status.h"

/* --checkpoint PATH: a checkpoint or nothing yet, in a directory that can
 * take files, and none of the job's own inputs or outputs (each save
 * renames over PATH, and a finished job deletes it).  Checked before any
 * work, by rank 0 (the files may be on its disk only).  Returns an exit code. */
static int check_checkpoint_path(const cli_job *cli)
{
    const char *path = cli->spec.checkpoint;
    if (path == NULL)
        return PK_EXIT_OK;
    if (cli->spec.output != NULL) {
        char partial[PATH_MAX + 16];
        snprintf(partial, sizeof partial, "%s.partial", cli->spec.output);
        if (cli_same_file(path, cli->spec.output) || cli_same_file(path, partial)) {
            cli_error(cli->what, "--checkpoint %s: it is %s of -o %s, which it would destroy", path,
                      cli_same_file(path, partial) ? "the partial output" : "the output", cli->spec.output);
            return PK_EXIT_USAGE;
        }
    }
    for (int i = 0; i < cli->spec.nargs; i++) { /* inputs, such as check's files */
        if (strcmp(cli->spec.args[i], "-") != 0 && cli_same_file(path, cli->spec.args[i])) {
            cli_error(cli->what, "--checkpoint %s: it is the input %s, which it would destroy", path,
                      cli->spec.args[i]);
            return PK_EXIT_USAGE;
        }
    }
    char why[400];
    const char *magic = cli->spec.kernel->checkpoint_magic;
    int rc = magic != NULL ? pk_checkpoint_check_path_of(path, magic, why, sizeof why)
                           : pk_checkpoint_check_path(path, why, sizeof why);
    if (rc == PK_OK)
        return PK_EXIT_OK;
    cli_error(cli->what, "--checkpoint %s: %s", path, why);
    return rc == PK_EINVAL ? PK_EXIT_USAGE : PK_EXIT_FAILURE;
}

int cli_job_begin(cli_job *cli, uint64_t *world_threads)
{
    cli_clock_start(false);
    const char *bad_variable = NULL;
    if (pk_threads_choose(cli->spec.threads, &cli->threads, &bad_variable) != PK_OK) {
        cli_error(cli->what, "%s='%s' is not a thread count (a positive integer up to %d)", bad_variable,
                  getenv(bad_variable), PK_MAX_THREADS);
        return PK_EXIT_USAGE;
    }

    /* Every rank got this far (or failed on the way): the first collective. */
    int ready = cli_ranks_ready(PK_EXIT_OK, cli->threads.threads, world_threads);
    if (ready != PK_EXIT_OK)
        return ready;
    /* The hybrid pitfalls: ranks that each take every CPU of a host
     * (--bind-to none), or threads on a rank bound to one core. */
    if (!cli->spec.quiet)
        cli_ranks_warn_crowding(cli->threads.source);
    if (cli->spec.resume && cli->spec.checkpoint == NULL) {
        cli_error(cli->what, "--resume needs --checkpoint FILE");
        return PK_EXIT_USAGE;
    }
    return PK_EXIT_OK;
}

int cli_job_check_checkpoint(const cli_job *cli)
{
    int checked = pk_comm_rank() == 0 ? check_checkpoint_path(cli) : PK_EXIT_OK;
    pk_comm_broadcast(&checked, sizeof checked, 0);
    if (checked == PK_EXIT_OK && cli->spec.timeout > 0)
        cli_timeout_start(cli->spec.timeout);
    return checked;
}
