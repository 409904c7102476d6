/*
 * `parkit primes count|list|check|nth`: the command line into a job spec,
 * which cli_run_spec (run_spec.c) runs, as it runs a job file's.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/primes_cli.h"
#include "parkit/jobspec.h"
#include "parkit/status.h"



static const char primes_usage[] =
    "usage: parkit primes count [LO] HI [--twins|--triplets|--quadruplets|--quintuplets|--sextuplets]\n"
    "       parkit primes list  [LO] HI [-o FILE]\n"
    "       parkit primes check N... | FILE... | -\n"
    "       parkit primes nth   N\n"
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
    OPT_SCHEDULE = 256,
    OPT_ALGO,
    OPT_JSON,
    OPT_TIME,
    OPT_PROGRESS,
    OPT_NO_PROGRESS,
    OPT_TWINS,
    OPT_TRIPLETS,
    OPT_QUADRUPLETS,
    OPT_QUINTUPLETS,
    OPT_SEXTUPLETS,
    OPT_DISTRIBUTE,
    OPT_FORMAT,
    OPT_TIMEOUT,
    OPT_ON_ERROR,
    OPT_CHECKPOINT,
    OPT_CHECKPOINT_INTERVAL,
    OPT_RESUME,
    OPT_IO_THREADS,
};

static const struct option long_options[] = {
    {"threads", required_argument, NULL, 't'},
    {"schedule", required_argument, NULL, OPT_SCHEDULE},
    {"algo", required_argument, NULL, OPT_ALGO},
    {"output", required_argument, NULL, 'o'},
    {"json", no_argument, NULL, OPT_JSON},
    {"time", no_argument, NULL, OPT_TIME},
    {"quiet", no_argument, NULL, 'q'},
    {"progress", no_argument, NULL, OPT_PROGRESS},
    {"no-progress", no_argument, NULL, OPT_NO_PROGRESS},
    {"twins", no_argument, NULL, OPT_TWINS},
    {"triplets", no_argument, NULL, OPT_TRIPLETS},
    {"quadruplets", no_argument, NULL, OPT_QUADRUPLETS},
    {"quintuplets", no_argument, NULL, OPT_QUINTUPLETS},
    {"sextuplets", no_argument, NULL, OPT_SEXTUPLETS},
    {"distribute", required_argument, NULL, OPT_DISTRIBUTE},
    {"format", required_argument, NULL, OPT_FORMAT},
    {"timeout", required_argument, NULL, OPT_TIMEOUT},
    {"on-error", required_argument, NULL, OPT_ON_ERROR},
    {"checkpoint", required_argument, NULL, OPT_CHECKPOINT},
    {"checkpoint-interval", required_argument, NULL, OPT_CHECKPOINT_INTERVAL},
    {"resume", no_argument, NULL, OPT_RESUME},
    {"io-threads", required_argument, NULL, OPT_IO_THREADS},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

/* The long name of option C, for messages. */
static const char *option_name(int c)
{
    for (const struct option *o = long_options; o->name != NULL; o++)
        if (o->val == c)
            return o->name;
    return "?";
}

/* An option that makes no sense for this subcommand is a usage error, not
 * something to ignore silently. */
static int option_applies(const cli_job *cli, const char *option, bool applies)
{
    if (applies)
        return PK_EXIT_OK;
    cli_error(cli->what, "%s is not an option of '%s'", option, pk_job_command_name(&cli->spec));
    return PK_EXIT_USAGE;
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
    opterr = 0;
    optind = 1;
    int c, rc = PK_EXIT_OK;
    /* An option given twice must say the same both times: "-t 1 -t 2" is
     * refused as "--twins --triplets" is, whatever came last. */
    const char *given[OPT_IO_THREADS + 1] = {NULL};
    while (rc == PK_EXIT_OK && (c = getopt_long(argc, argv, ":t:o:qh", long_options, NULL)) != -1) {
        const bool range_job = cli->spec.command == PK_COMMAND_COUNT || cli->spec.command == PK_COMMAND_LIST;
        if (c > 0 && c <= OPT_IO_THREADS && optarg != NULL) {
            if (given[c] != NULL && strcmp(given[c], optarg) != 0) {
                cli_error(cli->what, "--%s given twice, as '%s' and as '%s': say it once", option_name(c), given[c],
                          optarg);
                return PK_EXIT_USAGE;
            }
            given[c] = optarg;
        }
        switch (c) {
        case 't': {
            uint64_t threads;
            rc = cli_parse_number(cli->what, "--threads", optarg, &threads);
            if (rc == PK_EXIT_OK && (threads < 1 || threads > PK_MAX_THREADS)) {
                cli_error(cli->what, "bad --threads '%s': must be between 1 and %d", optarg, PK_MAX_THREADS);
                rc = PK_EXIT_USAGE;
            }
            cli->spec.threads = (int)threads;
            break;
        }
        case OPT_SCHEDULE:
            if (pk_schedule_parse(optarg, &cli->spec.schedule) != PK_OK) {
                cli_error(cli->what, "bad --schedule '%s': expected static, dynamic or guided, optionally ,CHUNK",
                          optarg);
                rc = PK_EXIT_USAGE;
            }
            break;
        case OPT_FORMAT:
            rc = option_applies(cli, "--format", cli->spec.command == PK_COMMAND_LIST || cli->spec.command == PK_COMMAND_CHECK);
            if (rc != PK_EXIT_OK)
                break;
            if (cli->spec.command == PK_COMMAND_LIST && (strcmp(optarg, "text") == 0 || strcmp(optarg, "binary") == 0)) {
                primes_settings(cli)->binary = strcmp(optarg, "binary") == 0;
            } else if (cli->spec.command == PK_COMMAND_CHECK && (strcmp(optarg, "text") == 0 || strcmp(optarg, "jsonl") == 0)) {
                primes_settings(cli)->jsonl = strcmp(optarg, "jsonl") == 0;
            } else {
                cli_error(cli->what, "bad --format '%s': expected %s", optarg,
                          cli->spec.command == PK_COMMAND_LIST ? "text or binary" : "text or jsonl");
                rc = PK_EXIT_USAGE;
            }
            break;
        case OPT_TIMEOUT: {
            char *end;
            errno = 0;
            double seconds = strtod(optarg, &end);
            if (end == optarg || *end != '\0' || errno != 0 || !(seconds > 0) || seconds > 1e9) {
                cli_error(cli->what, "bad --timeout '%s': expected a positive number of seconds", optarg);
                rc = PK_EXIT_USAGE;
            }
            cli->spec.timeout = seconds;
            break;
        }
        case OPT_CHECKPOINT:
            rc = option_applies(cli, "--checkpoint", range_job || cli->spec.command == PK_COMMAND_CHECK);
            if (rc == PK_EXIT_OK && optarg[0] == '\0') {
                cli_error(cli->what, "bad --checkpoint '': empty file name");
                rc = PK_EXIT_USAGE;
            }
            cli->spec.checkpoint = optarg;
            break;
        case OPT_CHECKPOINT_INTERVAL: {
            char *end;
            errno = 0;
            double seconds = strtod(optarg, &end);
            rc = option_applies(cli, "--checkpoint-interval", range_job || cli->spec.command == PK_COMMAND_CHECK);
            if (rc == PK_EXIT_OK &&
                (end == optarg || *end != '\0' || errno != 0 || !(seconds > 0) || seconds > 1e9)) {
                cli_error(cli->what, "bad --checkpoint-interval '%s': expected a positive number of seconds", optarg);
                rc = PK_EXIT_USAGE;
            }
            cli->spec.checkpoint_interval = seconds;
            break;
        }
        case OPT_IO_THREADS: {
            uint64_t io_threads;
            rc = option_applies(cli, "--io-threads",
                                cli->spec.command == PK_COMMAND_LIST || cli->spec.command == PK_COMMAND_CHECK);
            if (rc == PK_EXIT_OK)
                rc = cli_parse_number(cli->what, "--io-threads", optarg, &io_threads);
            if (rc == PK_EXIT_OK && io_threads > 64) {
                cli_error(cli->what, "bad --io-threads '%s': at most 64", optarg);
                rc = PK_EXIT_USAGE;
            }
            cli->spec.io_threads = (int)io_threads;
            break;
        }
        case OPT_RESUME:
            rc = option_applies(cli, "--resume", range_job || cli->spec.command == PK_COMMAND_CHECK);
            cli->spec.resume = true;
            break;
        case OPT_ON_ERROR:
            rc = option_applies(cli, "--on-error", cli->spec.command == PK_COMMAND_CHECK);
            if (rc == PK_EXIT_OK && (strcmp(optarg, "fail") == 0 || strcmp(optarg, "skip") == 0)) {
                primes_settings(cli)->skip_bad_lines = strcmp(optarg, "skip") == 0;
            } else if (rc == PK_EXIT_OK) {
                cli_error(cli->what, "bad --on-error '%s': expected fail or skip", optarg);
                rc = PK_EXIT_USAGE;
            }
            break;
        case OPT_DISTRIBUTE:
            cli->spec.distribute_given = true;
            if (pk_distribute_parse(optarg, &cli->spec.distribute) != PK_OK) {
                cli_error(cli->what, "bad --distribute '%s': expected dynamic, cyclic or block", optarg);
                rc = PK_EXIT_USAGE;
            }
            break;
        case OPT_ALGO:
            rc = option_applies(cli, "--algo", range_job || cli->spec.command == PK_COMMAND_NTH);
            if (rc == PK_EXIT_OK && strcmp(optarg, "sieve") == 0)
                primes_settings(cli)->algo = PK_ALGO_SIEVE;
            else if (rc == PK_EXIT_OK && strcmp(optarg, "trial") == 0)
                primes_settings(cli)->algo = PK_ALGO_TRIAL;
            else if (rc == PK_EXIT_OK) {
                cli_error(cli->what, "bad --algo '%s': expected sieve or trial", optarg);
                rc = PK_EXIT_USAGE;
            }
            break;
        case 'o':
            rc = option_applies(cli, "--output", cli->spec.command == PK_COMMAND_LIST);
            if (rc == PK_EXIT_OK && optarg[0] == '\0') {
                cli_error(cli->what, "bad --output '': empty file name");
                rc = PK_EXIT_USAGE;
            }
            cli->spec.output = optarg;
            break;
        case OPT_JSON: cli->spec.json = true; break;
        case OPT_TIME: cli->spec.time = true; break;
        case 'q': cli->spec.quiet = true; break;
        case OPT_PROGRESS: cli->spec.progress = 1; break;
        case OPT_NO_PROGRESS: cli->spec.progress = 0; break;
        case OPT_TWINS: case OPT_TRIPLETS: case OPT_QUADRUPLETS: case OPT_QUINTUPLETS: case OPT_SEXTUPLETS:
            rc = option_applies(cli, argv[optind - 1], cli->spec.command == PK_COMMAND_COUNT);
            if (rc == PK_EXIT_OK && primes_settings(cli)->pattern != PK_PATTERN_PRIMES &&
                primes_settings(cli)->pattern != (pk_primes_pattern)(PK_PATTERN_TWINS + (c - OPT_TWINS))) {
                cli_error(cli->what, "choose one of --twins, --triplets, ... --sextuplets");
                rc = PK_EXIT_USAGE;
            }
            primes_settings(cli)->pattern = (pk_primes_pattern)(PK_PATTERN_TWINS + (c - OPT_TWINS));
            break;
        case 'h':
            fputs(primes_usage, stdout);
            return -1; /* handled: exit 0 */
        case ':':
            cli_error(cli->what, "option '%s' needs a value", argv[optind - 1]);
            rc = PK_EXIT_USAGE;
            break;
        default:
            cli_error(cli->what, "unknown option '%s' (try 'parkit primes --help')", argv[optind - 1]);
            rc = PK_EXIT_USAGE;
            break;
        }
    }
    if (rc == PK_EXIT_OK && argc - optind > PK_JOB_MAX_ARGS) {
        cli_error(cli->what, "too many arguments (at most %d; put numbers in a file)", PK_JOB_MAX_ARGS);
        return PK_EXIT_USAGE;
    }
    for (int i = optind; i < argc && rc == PK_EXIT_OK; i++)
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
    return cli_run_spec(&cli.spec);
}

