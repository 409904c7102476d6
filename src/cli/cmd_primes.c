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

/* `parkit primes --help`: the commands, one line each. */
static const char primes_usage[] =
    "usage: parkit primes count [LO] HI [--twins|--triplets|--quadruplets|--quintuplets|--sextuplets]\n"
    "       parkit primes list  [LO] HI [-o FILE]\n"
    "       parkit primes check N... | FILE... | -\n"
    "       parkit primes nth   N [--from X]\n"
    "       parkit primes test\n"
    "\n"
    "Ranges are closed, [LO, HI], with LO = 0 by default and HI up to 2^64-1.\n"
    "Numbers may be written 1e10, 10^12, 2^64-1, 1e12+1e9, 4294967291*3.\n"
    "\n"
    "Run 'parkit primes COMMAND --help' for a command's options.\n";

#define COUNT PK_FOR(PK_COMMAND_COUNT)
#define LIST PK_FOR(PK_COMMAND_LIST)
#define CHECK PK_FOR(PK_COMMAND_CHECK)
#define NTH PK_FOR(PK_COMMAND_NTH)
#define TEST PK_FOR(PK_COMMAND_TEST)
#define EVERY (COUNT | LIST | CHECK | NTH | TEST)

/* Each command's own help: what it does, then the options it takes. */
static const struct {
    unsigned commands;
    const char *text;
} primes_help[] = {
    {COUNT, "usage: parkit primes count [LO] HI [--twins|--triplets|--quadruplets|--quintuplets|--sextuplets]\n\n"
            "The primes (or prime k-tuplets) in [LO, HI], LO = 0 by default, HI up to 2^64-1.\n"
            "A tuplet counts when its first member is in range and its last is <= HI.\n"},
    {LIST, "usage: parkit primes list [LO] HI [-o FILE] [--twins|--triplets|...|--sextuplets]\n\n"
           "The primes in [LO, HI], one a line, in order; or the prime k-tuplets, one a\n"
           "line as primesieve -p2..-p6 prints them: (11, 13).  A tuplet is listed when\n"
           "its first member is in range and its last is <= HI.\n"},
    {CHECK, "usage: parkit primes check N... | FILE... | -\n\n"
            "'N prime' or 'N composite' per number (exact for every 64-bit N; numbers >=\n"
            "2^64 need a GMP build and are reported as probable-prime).  Files hold one\n"
            "number per line; blank lines and # comments are skipped; - is stdin.\n"},
    {NTH, "usage: parkit primes nth N [--from X]\n\n"
          "The N-th prime (the 1st is 2), or the N-th from X on (X itself the 1st when\n"
          "it is prime).\n"},
    {TEST, "usage: parkit primes test\n\n"
           "A self-check of this machine, with the threads and ranks it is given, in about\n"
           "a second: known values (pi(10^k), twins to quadruplets, an n-th prime) and a\n"
           "second algorithm (trial division, Miller-Rabin against the sieve).  Exit 1 on\n"
           "any failure.\n"},
    {EVERY, "\nNumbers may be written 1e10, 10^12, 2^64-1, 1e12+1e9, 4294967291*3.\n\noptions:\n"
            "  -t, --threads N        threads (default: OMP_NUM_THREADS, SLURM_CPUS_PER_TASK,\n"
            "                         then the CPUs this process may run on)\n"
            "      --schedule KIND[,CHUNK]  static, dynamic (default) or guided\n"
            "      --distribute dynamic|cyclic|block  under mpirun: chunks of the work\n"
            "                         handed out on demand (default), dealt round the\n"
            "                         ranks in turn, or one contiguous block per rank\n"},
    {COUNT | LIST | NTH, "      --algo sieve|trial segmented sieve (default) or textbook trial division\n"},
    {COUNT | LIST, "      --twins, --triplets, --quadruplets, --quintuplets, --sextuplets\n"
                   "                         prime k-tuplets instead of primes\n"},
    {NTH, "      --from X           count from X on\n"},
    {LIST, "  -o, --output FILE      write to FILE (atomically: complete or absent)\n"
           "      --format FORMAT    text (default) or binary (8-byte little-endian integers)\n"
           "      --io-threads N     to stdout or a pipe: N writer threads write the text in\n"
           "                         order while compute goes on (default 1; 0: none)\n"},
    {CHECK, "      --format FORMAT    text (default) or jsonl\n"
            "      --on-error fail|skip  stop at a bad line (default), or skip and count it\n"
            "      --io-threads N     N reader threads read and parse ahead (default 1)\n"},
    {COUNT | LIST | CHECK, "      --checkpoint FILE  save progress to FILE every interval and on SIGTERM or\n"
                           "                         SIGUSR1 (then exit 75)\n"
                           "      --checkpoint-interval SECONDS  (default 60)\n"
                           "      --resume           continue from the checkpoint if there is one, else start\n"
                           "                         afresh and say so\n"},
    {EVERY, "      --timeout SECONDS  stop after SECONDS (exit 1)\n"
            "      --json             print a JSON report on stdout\n"
            "      --time             print timings on stderr\n"
            "  -q, --quiet            print only the bare answer\n"
            "      --progress, --no-progress   force the progress line on stderr on or off\n"
            "                         (default: on when stderr is a terminal)\n"
            "  -h, --help             this help\n"},
};

/* COMMAND's help, into a buffer that lives as long as the run. */
static const char *command_help(int command)
{
    static char text[8192];
    size_t used = 0;
    text[0] = '\0';
    for (size_t i = 0; i < sizeof primes_help / sizeof primes_help[0]; i++)
        if ((primes_help[i].commands & PK_FOR(command)) && used < sizeof text)
            used += (size_t)snprintf(text + used, sizeof text - used, "%s", primes_help[i].text);
    return text;
}

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
        rc = cli_option_applies(cli, text, cli->spec.command == PK_COMMAND_COUNT || cli->spec.command == PK_COMMAND_LIST);
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
    int rc = cli_read_options(cli, argc, argv, long_options, primes_option, command_help(cli->spec.command), &first);
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

