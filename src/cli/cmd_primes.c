/*
 * `parkit primes count|list|check|nth|test`: the command line into a job spec,
 * which primes_run_spec (primes_run.c) runs, as it runs a job file's.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/options.h"
#include "cli/primes_cli.h"
#include "parkit/jobspec.h"
#include "parkit/status.h"

static const char primes_usage[] =
    "usage: parkit primes count [LO] HI [--twins|--triplets|--quadruplets|--quintuplets|--sextuplets]\n"
    "       parkit primes list  [LO] HI [-o FILE]\n"
    "       parkit primes check N... | FILE... | -\n"
    "       parkit primes nth   N [--from X]   the N-th prime (from X on: X itself is\n"
    "                                    the 1st when it is prime)\n"
    "       parkit primes test           a self-check against known values, in a few\n"
    "                                    seconds (before a long job on a new node)\n"
    "\n"
    "Ranges are closed, [LO, HI], with LO = 0 by default and HI up to 2^64-1.\n"
    "Numbers may be written 1e10, 10^12, 2^64-1, 1e12+1e9, 4294967291*3.\n"
    "\n"
    "options:\n"
    "  -t, --threads N        threads (default: OMP_NUM_THREADS, SLURM_CPUS_PER_TASK,\n"
    "                         then the CPUs this process may run on)\n"
    "      --schedule KIND[,CHUNK]  static, dynamic (default) or guided\n"
    "      --algo sieve|trial segmented sieve (default) or textbook trial division\n"
    "      --distribute dynamic|cyclic|block  under mpirun: chunks of the range\n"
    "                         handed out on demand (default), dealt round the\n"
    "                         ranks in turn, or one contiguous block per rank\n"
    "  -o, --output FILE      list: write to FILE (atomically: complete or absent)\n"
    "      --format FORMAT    list: text (default) or binary (8-byte little-endian\n"
    "                         integers); check: text (default) or jsonl\n"
    "      --io-threads N     list to stdout or a pipe: N writer threads write the\n"
    "                         text in order while compute goes on; check FILE...:\n"
    "                         N reader threads read and parse ahead (default 1);\n"
    "                         0: the compute side reads and writes itself\n"
    "      --on-error fail|skip  check: stop at a bad line (default), or skip it\n"
    "                         and count it\n"
    "      --timeout SECONDS  stop after SECONDS (exit 1; output as after Ctrl-C)\n"
    "      --checkpoint FILE  count, list -o, check: save progress to FILE every interval and\n"
    "                         on SIGTERM/SIGUSR1 (then exit 75); partial list output\n"
    "                         waits in FILE's output name + .partial\n"
    "      --checkpoint-interval SECONDS  (default 60)\n"
    "      --resume           continue from the checkpoint if there is one, else start\n"
    "                         afresh and say so\n"
    "      --json             print a JSON report on stdout\n"
    "      --time             print timings on stderr\n"
    "  -q, --quiet            print only the bare answer\n"
    "      --progress, --no-progress   force the progress line on stderr on or off\n"
    "                         (default: on when stderr is a terminal)\n"
    "  -h, --help             this help\n"
    "\n"
    "check prints 'N prime' or 'N composite' per number (exact for every 64-bit N;\n"
    "numbers >= 2^64 need a GMP build and are reported as probable-prime).\n"
    "Files for check hold one number per line; blank lines and # comments are skipped.\n";

enum {
    OPT_ALGO = CLI_OPT_KERNEL,
    OPT_TWINS,
    OPT_TRIPLETS,
    OPT_QUADRUPLETS,
    OPT_QUINTUPLETS,
    OPT_SEXTUPLETS,
    OPT_FORMAT,
    OPT_ON_ERROR,
    OPT_FROM,
};

static const struct option long_options[] = {
    CLI_COMMON_OPTIONS,
    {"algo", required_argument, NULL, OPT_ALGO},
    {"twins", no_argument, NULL, OPT_TWINS},
    {"triplets", no_argument, NULL, OPT_TRIPLETS},
    {"quadruplets", no_argument, NULL, OPT_QUADRUPLETS},
    {"quintuplets", no_argument, NULL, OPT_QUINTUPLETS},
    {"sextuplets", no_argument, NULL, OPT_SEXTUPLETS},
    {"format", required_argument, NULL, OPT_FORMAT},
    {"on-error", required_argument, NULL, OPT_ON_ERROR},
    {"from", required_argument, NULL, OPT_FROM},
    {NULL, 0, NULL, 0},
};

/* The primes options of the command line (cli_own_option). */
static int primes_option(cli_job *cli, int c, const char *value, const char *text)
{
    const bool range_job = cli->spec.command == PK_COMMAND_COUNT || cli->spec.command == PK_COMMAND_LIST;
    int rc = PK_EXIT_OK;
    switch (c) {
    case OPT_FORMAT:
        rc = cli_option_applies(cli, "--format", cli->spec.command == PK_COMMAND_LIST || cli->spec.command == PK_COMMAND_CHECK);
        if (rc != PK_EXIT_OK)
            break;
        if (cli->spec.command == PK_COMMAND_LIST && (strcmp(value, "text") == 0 || strcmp(value, "binary") == 0)) {
            primes_settings(cli)->binary = strcmp(value, "binary") == 0;
        } else if (cli->spec.command == PK_COMMAND_CHECK && (strcmp(value, "text") == 0 || strcmp(value, "jsonl") == 0)) {
            primes_settings(cli)->jsonl = strcmp(value, "jsonl") == 0;
        } else {
            cli_error(cli->what, "bad --format '%s': expected %s", value,
                      cli->spec.command == PK_COMMAND_LIST ? "text or binary" : "text or jsonl");
            rc = PK_EXIT_USAGE;
        }
        break;
    case OPT_ON_ERROR:
        rc = cli_option_applies(cli, "--on-error", cli->spec.command == PK_COMMAND_CHECK);
        if (rc == PK_EXIT_OK && (strcmp(value, "fail") == 0 || strcmp(value, "skip") == 0)) {
            primes_settings(cli)->skip_bad_lines = strcmp(value, "skip") == 0;
        } else if (rc == PK_EXIT_OK) {
            cli_error(cli->what, "bad --on-error '%s': expected fail or skip", value);
            rc = PK_EXIT_USAGE;
        }
        break;
    case OPT_FROM:
        rc = cli_option_applies(cli, "--from", cli->spec.command == PK_COMMAND_NTH);
        if (rc == PK_EXIT_OK)
            primes_settings(cli)->nth_from = value; /* read as a number when the job runs */
        break;
    case OPT_ALGO:
        rc = cli_option_applies(cli, "--algo", range_job || cli->spec.command == PK_COMMAND_NTH);
        if (rc == PK_EXIT_OK && strcmp(value, "sieve") == 0)
            primes_settings(cli)->algo = PK_ALGO_SIEVE;
        else if (rc == PK_EXIT_OK && strcmp(value, "trial") == 0)
            primes_settings(cli)->algo = PK_ALGO_TRIAL;
        else if (rc == PK_EXIT_OK) {
            cli_error(cli->what, "bad --algo '%s': expected sieve or trial", value);
            rc = PK_EXIT_USAGE;
        }
        break;
    case OPT_TWINS: case OPT_TRIPLETS: case OPT_QUADRUPLETS: case OPT_QUINTUPLETS: case OPT_SEXTUPLETS:
        rc = cli_option_applies(cli, text, cli->spec.command == PK_COMMAND_COUNT);
        if (rc == PK_EXIT_OK && primes_settings(cli)->pattern != PK_PATTERN_PRIMES &&
            primes_settings(cli)->pattern != (pk_primes_pattern)(PK_PATTERN_TWINS + (c - OPT_TWINS))) {
            cli_error(cli->what, "choose one of --twins, --triplets, ... --sextuplets");
            rc = PK_EXIT_USAGE;
        }
        primes_settings(cli)->pattern = (pk_primes_pattern)(PK_PATTERN_TWINS + (c - OPT_TWINS));
        break;
    default:
        return CLI_NOT_MINE;
    }
    return rc;
}

static int parse_options(cli_job *cli, int argc, char **argv)
{
    /* "-5" would read as an option; say what it really is. */
    for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
        if (argv[i][0] == '-' && isdigit((unsigned char)argv[i][1])) {
            cli_error(cli->what, "bad number '%s': negative numbers are not allowed", argv[i]);
            return PK_EXIT_USAGE;
        }
    }
    int first = argc;
    int rc = cli_read_options(cli, argc, argv, long_options, primes_option, primes_usage, &first);
    if (rc == PK_EXIT_OK && argc - first > PK_JOB_MAX_ARGS) {
        cli_error(cli->what, "too many arguments (at most %d; put numbers in a file)", PK_JOB_MAX_ARGS);
        return PK_EXIT_USAGE;
    }
    for (int i = first; i < argc && rc == PK_EXIT_OK; i++)
        cli->spec.args[cli->spec.nargs++] = argv[i];
    return rc;
}

int cli_primes(int argc, char **argv)
{
    cli_clock_start(true);
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fputs(primes_usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? PK_EXIT_USAGE : PK_EXIT_OK;
    }
    cli_job cli;
    pk_job_spec_init(&cli.spec);
    pk_job_spec_set_kernel(&cli.spec, &pk_primes_kernel);
    if (pk_job_command_parse(&cli.spec, argv[1]) != PK_OK) {
        cli_error("primes", "unknown subcommand '%s' (expected %s)", argv[1], pk_primes_kernel.commands_expected);
        return PK_EXIT_USAGE;
    }
    char what[32];
    snprintf(what, sizeof what, "primes %s", pk_job_command_name(&cli.spec));
    cli.what = what;

    int rc = parse_options(&cli, argc - 1, argv + 1);
    if (rc < 0)
        return PK_EXIT_OK; /* --help */
    if (rc != PK_EXIT_OK)
        return rc;
    return primes_run_spec(&cli.spec);
}

