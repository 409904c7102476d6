/*
 * `parkit primes count|list|check|nth`: parse the command line into
 * pk_primes_options, run the job, print the answer (human or JSON), say
 * how long it took.  All arithmetic lives in src/kernels/primes/; check,
 * with its reader/compute/writer pipeline, is in cmd_check.c.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/primes_cli.h"
#include "core/clock.h"
#include "parkit/checkpoint.h"
#include "parkit/comm.h"
#include "parkit/jobspec.h"
#include "parkit/numexpr.h"
#include "parkit/primality.h"
#include "parkit/reader.h"
#include "parkit/status.h"
#include "parkit/writer.h"



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
    "      --distribute block|dynamic  under mpirun: chunks of the range handed out on\n"
    "                         demand (default), or one contiguous block per rank\n"
    "                         (always for list, whose output is in order)\n"
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
static int option_applies(const primes_cli *cli, const char *option, bool applies)
{
    if (applies)
        return PK_EXIT_OK;
    cli_error(cli->what, "%s is not an option of '%s'", option, pk_command_name(cli->spec.command));
    return PK_EXIT_USAGE;
}

static int parse_options(primes_cli *cli, int argc, char **argv)
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
                cli->spec.binary = strcmp(optarg, "binary") == 0;
            } else if (cli->spec.command == PK_COMMAND_CHECK && (strcmp(optarg, "text") == 0 || strcmp(optarg, "jsonl") == 0)) {
                cli->spec.jsonl = strcmp(optarg, "jsonl") == 0;
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
                cli->spec.skip_bad_lines = strcmp(optarg, "skip") == 0;
            } else if (rc == PK_EXIT_OK) {
                cli_error(cli->what, "bad --on-error '%s': expected fail or skip", optarg);
                rc = PK_EXIT_USAGE;
            }
            break;
        case OPT_DISTRIBUTE:
            cli->spec.distribute_given = true;
            if (pk_distribute_parse(optarg, &cli->spec.distribute) != PK_OK) {
                cli_error(cli->what, "bad --distribute '%s': expected block or dynamic", optarg);
                rc = PK_EXIT_USAGE;
            }
            break;
        case OPT_ALGO:
            rc = option_applies(cli, "--algo", range_job || cli->spec.command == PK_COMMAND_NTH);
            if (rc == PK_EXIT_OK && strcmp(optarg, "sieve") == 0)
                cli->spec.algo = PK_ALGO_SIEVE;
            else if (rc == PK_EXIT_OK && strcmp(optarg, "trial") == 0)
                cli->spec.algo = PK_ALGO_TRIAL;
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
            if (rc == PK_EXIT_OK && cli->spec.pattern != PK_PATTERN_PRIMES &&
                cli->spec.pattern != (pk_primes_pattern)(PK_PATTERN_TWINS + (c - OPT_TWINS))) {
                cli_error(cli->what, "choose one of --twins, --triplets, ... --sextuplets");
                rc = PK_EXIT_USAGE;
            }
            cli->spec.pattern = (pk_primes_pattern)(PK_PATTERN_TWINS + (c - OPT_TWINS));
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

/* ---- reporting --------------------------------------------------------------- */

static double run_start;

/* Fields every report shares.  Collective under MPI: every rank calls it
 * (only rank 0's stdout is kept). */
void primes_json_common(const primes_cli *cli, const pk_primes_report *report)
{
    char schedule[32];
    struct rusage usage;
    getrusage(RUSAGE_SELF, &usage);
    uint64_t rss_total = (uint64_t)usage.ru_maxrss; /* KiB on Linux */
    pk_comm_sum_u64(&rss_total, 1);
    double rss_min, rss_avg, rss_max, compute_min, compute_avg, compute_max, comm_min, comm_avg, comm_max;
    pk_comm_stats((double)usage.ru_maxrss, &rss_min, &rss_avg, &rss_max);
    pk_comm_stats(report->compute_seconds, &compute_min, &compute_avg, &compute_max);
    pk_comm_stats(report->comm_seconds, &comm_min, &comm_avg, &comm_max);
    printf("\"ranks\":%d,\"threads\":%d,\"threads_source\":\"%s\",\"schedule\":\"%s\",\"distribute\":\"%s\","
           "\"openmp\":\"%s\",\"seconds\":%.6f,\"table_seconds\":%.6f,\"compute_seconds\":%.6f,"
           "\"compute_seconds_per_rank\":{\"min\":%.6f,\"avg\":%.6f,\"max\":%.6f},"
           "\"comm_seconds_per_rank\":{\"min\":%.6f,\"avg\":%.6f,\"max\":%.6f},"
           "\"peak_rss_kib_per_rank\":{\"min\":%.0f,\"avg\":%.0f,\"max\":%.0f},\"peak_rss_kib_total\":%" PRIu64
           ",\"units\":%" PRIu64 ",\"input_wait_seconds\":%.6f,\"output_wait_seconds\":%.6f",
           pk_comm_size(), cli->threads.threads, cli->threads.source,
           pk_schedule_format(cli->spec.schedule, schedule, sizeof schedule), pk_distribute_name(cli->spec.distribute),
           pk_engine_openmp_version(), pk_clock_seconds() - run_start, report->table_seconds,
           report->compute_seconds, compute_min, compute_avg, compute_max, comm_min, comm_avg, comm_max, rss_min,
           rss_avg, rss_max, rss_total, report->units, report->input_seconds, report->output_seconds);
}

void primes_print_time(const primes_cli *cli, const pk_primes_report *report)
{
    if (!cli->spec.time)
        return;
    fflush(stdout); /* the answer first, then how long it took */
    char schedule[32];
    char ranks[64] = "";
    if (pk_comm_size() > 1)
        snprintf(ranks, sizeof ranks, "%d ranks (%s) x ", pk_comm_size(), pk_distribute_name(cli->spec.distribute));
    char io[96] = "";
    if (report->input_seconds > 0 || report->output_seconds > 0)
        snprintf(io, sizeof io, ", input wait %.3f s, output wait %.3f s", report->input_seconds,
                 report->output_seconds);
    fprintf(stderr,
            "parkit: %s: %.3f s (sieving-prime table %.3f s, compute %.3f s, communication %.3f s%s), %s%d thread%s "
            "(%s), schedule %s, %" PRIu64 " units\n",
            cli->what, pk_clock_seconds() - run_start, report->table_seconds, report->compute_seconds,
            report->comm_seconds, io, ranks, cli->threads.threads, cli->threads.threads == 1 ? "" : "s",
            cli->threads.source, pk_schedule_format(cli->spec.schedule, schedule, sizeof schedule), report->units);
}

/* A job whose checkpoint failed it (refused: 2; damaged or not saved: 1),
 * or stopped by a signal after saving one (75: resume later). */
static int job_stopped(const primes_cli *cli, int rc, const pk_primes_report *report)
{
    if (report->checkpoint_error[0] != '\0' && rc != PK_OK) {
        cli_error(cli->what, "%s", report->checkpoint_error);
        return rc == PK_EINVAL ? PK_EXIT_USAGE : PK_EXIT_FAILURE;
    }
    if (rc == PK_ECANCELED && report->checkpoint_saved) {
        cli_error(cli->what, "stopped by signal %d; checkpoint saved to %s; run again with --resume to continue",
                  cli_signal_received(), cli->spec.checkpoint);
        return PK_EXIT_CHECKPOINTED;
    }
    return PK_EXIT_OK;
}

/* "No checkpoint: starting afresh", or how much a resume found done. */
static void note_checkpoint(const primes_cli *cli, const pk_primes_report *report)
{
    if (cli->spec.checkpoint == NULL || cli->spec.quiet || report->checkpoint_error[0] != '\0')
        return;
    if (report->checkpoint_note[0] != '\0')
        fprintf(stderr, "parkit: %s: %s\n", cli->what, report->checkpoint_note);
    else if (cli->spec.resume)
        fprintf(stderr, "parkit: %s: resumed from %s: %" PRIu64 " of %" PRIu64 " units were done\n", cli->what,
                cli->spec.checkpoint, report->units_resumed, report->units);
}

/* NAME as an absolute path whose directory has no links or dots in it,
 * for comparing names of files that may not exist yet. */
static void absolute_name(const char *name, char *out, size_t size)
{
    const char *slash = strrchr(name, '/');
    char parent[PATH_MAX], resolved[PATH_MAX];
    if (slash == NULL)
        snprintf(parent, sizeof parent, ".");
    else if (slash == name)
        snprintf(parent, sizeof parent, "/");
    else
        snprintf(parent, sizeof parent, "%.*s", (int)(slash - name), name);
    if (realpath(parent, resolved) == NULL)
        snprintf(out, size, "%s", name);
    else
        snprintf(out, size, "%s/%s", strcmp(resolved, "/") == 0 ? "" : resolved, slash != NULL ? slash + 1 : name);
}

/* Do A and B name the same file (the same inode, or, not existing yet,
 * the same name in the same directory)? */
static bool same_file(const char *a, const char *b)
{
    struct stat sa, sb;
    if (stat(a, &sa) == 0 && stat(b, &sb) == 0)
        return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
    char name_a[PATH_MAX + 256], name_b[PATH_MAX + 256];
    absolute_name(a, name_a, sizeof name_a);
    absolute_name(b, name_b, sizeof name_b);
    return strcmp(name_a, name_b) == 0;
}

/* --checkpoint PATH: a checkpoint or nothing yet, in a directory that can
 * take files, and none of the job's own inputs or outputs (each save
 * renames over PATH, and a finished job deletes it).  Checked before any
 * work, by rank 0 (the files may be on its disk only).  Returns an exit code. */
static int check_checkpoint_path(const primes_cli *cli)
{
    const char *path = cli->spec.checkpoint;
    if (path == NULL)
        return PK_EXIT_OK;
    if (cli->spec.output != NULL) {
        char partial[PATH_MAX + 16];
        snprintf(partial, sizeof partial, "%s.partial", cli->spec.output);
        if (same_file(path, cli->spec.output) || same_file(path, partial)) {
            cli_error(cli->what, "--checkpoint %s: it is %s of -o %s, which it would destroy", path,
                      same_file(path, partial) ? "the partial output" : "the output", cli->spec.output);
            return PK_EXIT_USAGE;
        }
    }
    for (int i = 0; cli->spec.command == PK_COMMAND_CHECK && i < cli->spec.nargs; i++) {
        if (strcmp(cli->spec.args[i], "-") != 0 && same_file(path, cli->spec.args[i])) {
            cli_error(cli->what, "--checkpoint %s: it is the input %s, which it would destroy", path,
                      cli->spec.args[i]);
            return PK_EXIT_USAGE;
        }
    }
    char why[400];
    int rc = pk_checkpoint_check_path(path, why, sizeof why);
    if (rc == PK_OK)
        return PK_EXIT_OK;
    cli_error(cli->what, "--checkpoint %s: %s", path, why);
    return rc == PK_EINVAL ? PK_EXIT_USAGE : PK_EXIT_FAILURE;
}

/* Reports a failed job; a cancel by signal is reported as an interruption. */
int primes_job_failed(const primes_cli *cli, int rc)
{
    if (rc == PK_ECANCELED && cli_signal_received() == SIGALRM) {
        cli_error(cli->what, "timed out after %g s (--timeout)", cli->spec.timeout);
        return PK_EXIT_FAILURE;
    }
    if (rc == PK_ECANCELED) {
        cli_error(cli->what, "interrupted by signal %d", cli_signal_received());
        return PK_EXIT_INTERRUPTED;
    }
    cli_error(cli->what, "%s", pk_strerror(rc));
    return PK_EXIT_FAILURE;
}

static cli_progress *maybe_progress(const primes_cli *cli, pk_primes_options *options, pk_progress *progress,
                                    double work, const char *unit)
{
    bool on = cli->spec.progress == 1 || (cli->spec.progress == -1 && !cli->spec.quiet && isatty(STDERR_FILENO));
    if (!on)
        return NULL;
    options->engine.progress = progress;
    return cli_progress_start(progress, work, unit);
}

/* [LO] HI from the positional arguments. */
static int parse_range(const primes_cli *cli, uint64_t *lo, uint64_t *hi)
{
    if (cli->spec.nargs < 1 || cli->spec.nargs > 2) {
        cli_error(cli->what, cli->spec.nargs < 1 ? "missing HI (usage: parkit primes %s [LO] HI)"
                                            : "too many arguments (usage: parkit primes %s [LO] HI)",
                  pk_command_name(cli->spec.command));
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

static int run_count(primes_cli *cli, pk_primes_options *options)
{
    uint64_t lo, hi;
    int rc = parse_range(cli, &lo, &hi);
    if (rc != PK_EXIT_OK)
        return rc;
    pk_progress progress = {0};
    cli_progress *display = maybe_progress(cli, options, &progress, (double)(hi - lo) + 1, "numbers");
    pk_primes_report report = {0};
    uint64_t count;
    int status = pk_primes_count(options, lo, hi, cli->spec.pattern, &count, &report);
    cli_progress_stop(display);
    note_checkpoint(cli, &report);
    if (status != PK_OK) {
        int stopped = job_stopped(cli, status, &report);
        return stopped != PK_EXIT_OK ? stopped : primes_job_failed(cli, status);
    }
    const char *method;
    pk_validation validation = pk_primes_validate_count(lo, hi, cli->spec.pattern, count, &method);
    if (validation == PK_VALIDATION_FAILED) {
        cli_error(cli->what, "the answer %" PRIu64 " failed validation (%s): this is a bug in parkit, please report it",
                  count, method);
        return PK_EXIT_FAILURE;
    }
    if (cli->spec.json) {
        printf("{\"command\":\"primes count\",\"lo\":%" PRIu64 ",\"hi\":%" PRIu64
               ",\"pattern\":\"%s\",\"count\":%" PRIu64 ",\"validated\":%s,\"validation\":\"%s\",\"algo\":\"%s\",",
               lo, hi, pk_pattern_name(cli->spec.pattern), count,
               validation == PK_VALIDATION_PASSED ? "true" : "null", method,
               cli->spec.algo == PK_ALGO_TRIAL ? "trial" : "sieve");
        primes_json_common(cli, &report);
        printf("}\n");
    } else {
        printf("%" PRIu64 "\n", count);
    }
    primes_print_time(cli, &report);
    if (cli->spec.time && validation == PK_VALIDATION_PASSED)
        fprintf(stderr, "parkit: %s: validated: %s\n", cli->what, method);
    return PK_EXIT_OK;
}

/* ---- list ------------------------------------------------------------------------ */

/* Where `list` writes: stdout, a stream written in place (a device, a
 * FIFO, a link to an open file such as /dev/stdout), or a temporary file
 * beside the target that is renamed over it at the end, so the final name
 * holds a complete list or nothing. */
typedef struct list_output {
    FILE *stream;
    char *final;     /* the file the temporary becomes: -o, with links followed */
    char *temporary; /* NULL unless writing a temporary file */
    bool created;    /* the temporary (a checkpoint's .partial) is new */
    _Atomic int write_error; /* errno of the first failed write or close, from any thread */
} list_output;

static void note_write_error(list_output *out, int error)
{
    int none = 0;
    atomic_compare_exchange_strong(&out->write_error, &none, error != 0 ? error : EIO);
}

/* A pk_write_fn; CTX is the list_output.  Any thread may call it (writer
 * threads take turns), so the cause of a failure is kept for the message. */
static int write_to_stream(void *ctx, const char *text, size_t len)
{
    list_output *out = ctx;
    if (fwrite(text, 1, len, out->stream) == len)
        return 0;
    note_write_error(out, errno);
    return -1;
}

/* /proc/self/fd/N, /dev/fd/N, /proc/PID/fd/N: a link to a file already open. */
static bool is_open_file_link(const char *path)
{
    return strncmp(path, "/proc/", 6) == 0 || strncmp(path, "/dev/fd/", 8) == 0;
}

/* Follows the symbolic links of PATH to the name the output really has
 * (which may not exist yet: a link to a new file).  *STREAM tells when a
 * link leads into /proc or /dev/fd instead: an open file (such as
 * /dev/stdout), written in place, never replaced; the name returned is
 * then that link.  Returns a malloc'd name, or NULL with errno set. */
static char *follow_links(const char *path, bool *stream)
{
    char *name = strdup(path);
    for (int hops = 0; name != NULL; hops++) {
        struct stat st;
        if ((*stream = is_open_file_link(name)) || lstat(name, &st) != 0 || !S_ISLNK(st.st_mode))
            return name;
        char target[PATH_MAX];
        ssize_t len = readlink(name, target, sizeof target - 1);
        if (len < 0 || hops == 40) {
            if (len >= 0)
                errno = ELOOP;
            free(name);
            return NULL;
        }
        target[len] = '\0';
        char *next;
        const char *slash = strrchr(name, '/');
        if (target[0] == '/' || slash == NULL)
            next = strdup(target);
        else if (asprintf(&next, "%.*s/%s", (int)(slash - name), name, target) < 0)
            next = NULL;
        free(name);
        name = next;
    }
    return NULL;
}

/* LINK names one of our own descriptors (/proc/self/fd/1, /dev/fd/1,
 * /proc/OUR-PID/fd/1): that descriptor, duplicated, so its mode (>>
 * appends) and offset hold.  -1 for any other name. */
static int own_descriptor(const char *link)
{
    char self[64];
    snprintf(self, sizeof self, "/proc/%ld/fd/", (long)getpid());
    const char *number = strncmp(link, "/dev/fd/", 8) == 0 ? link + 8
                         : strncmp(link, "/proc/self/fd/", 14) == 0 ? link + 14
                         : strncmp(link, self, strlen(self)) == 0 ? link + strlen(self)
                                                                   : NULL;
    char *end;
    long fd = number != NULL ? strtol(number, &end, 10) : -1;
    if (number == NULL || end == number || *end != '\0' || fd < 0 || fd > INT_MAX)
        return -1;
    return fcntl((int)fd, F_DUPFD_CLOEXEC, 0);
}

/* Opens PATH for writing as it is.  A FIFO with no reader yet is waited
 * for a tenth of a second at a time, so a signal or --timeout still ends
 * the run (a plain open would wait in the kernel, deaf to both). */
static int open_in_place(const char *path)
{
    for (;;) {
        int fd = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
        if (fd >= 0) {
            fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
            return fd;
        }
        if (errno != ENXIO || cli_signal_received() != 0)
            return -1;
        struct timespec pause = {0, 100 * 1000 * 1000};
        nanosleep(&pause, NULL);
    }
}

static int open_list_output(const primes_cli *cli, list_output *out)
{
    out->stream = stdout;
    if (cli->spec.output == NULL)
        return PK_OK;
    bool stream = false;
    out->final = follow_links(cli->spec.output, &stream);
    if (out->final == NULL) {
        cli_error(cli->what, "cannot write '%s': %s", cli->spec.output, strerror(errno));
        return PK_EIO;
    }
    struct stat target;
    if (stream || (stat(out->final, &target) == 0 && !S_ISREG(target.st_mode))) {
        if (!stream && S_ISDIR(target.st_mode)) {
            cli_error(cli->what, "cannot write '%s': it is a directory", cli->spec.output);
            return PK_EIO;
        }
        /* A device, a FIFO or an open file is written in place: renaming
         * over it would replace it (or the link to it) with a file. */
        int fd = stream ? own_descriptor(out->final) : -1;
        if (fd < 0)
            fd = open_in_place(cli->spec.output);
        if (fd < 0 && cli_signal_received() != 0)
            return PK_ECANCELED; /* while waiting for a FIFO's reader */
        if (fd < 0 || (out->stream = fdopen(fd, "w")) == NULL) {
            cli_error(cli->what, "cannot write '%s': %s", cli->spec.output, strerror(errno));
            if (fd >= 0)
                close(fd);
            return PK_EIO;
        }
        free(out->final);
        out->final = NULL;
        return PK_OK;
    }
    if (cli->spec.checkpoint != NULL) {
        /* With checkpoints the partial output has a fixed name the checkpoint
         * records, and is kept (not truncated) for a resume. */
        if (asprintf(&out->temporary, "%s.partial", out->final) < 0) {
            out->temporary = NULL;
            cli_error(cli->what, "out of memory");
            return PK_ENOMEM;
        }
        int fd = open(out->temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        out->created = fd >= 0;
        if (fd < 0 && errno == EEXIST)
            fd = open(out->temporary, O_WRONLY | O_CLOEXEC);
        if (fd < 0 || (out->stream = fdopen(fd, "w")) == NULL) {
            cli_error(cli->what, "cannot write '%s': %s", out->temporary, strerror(errno));
            if (fd >= 0)
                close(fd);
            free(out->temporary);
            out->temporary = NULL;
            return PK_EIO;
        }
        return PK_OK;
    }
    if (asprintf(&out->temporary, "%s.partial-XXXXXX", out->final) < 0) {
        out->temporary = NULL;
        cli_error(cli->what, "out of memory");
        return PK_ENOMEM;
    }
    int fd = mkstemp(out->temporary);
    if (fd < 0 || (out->stream = fdopen(fd, "w")) == NULL) {
        cli_error(cli->what, "cannot write '%s': %s", cli->spec.output, strerror(errno));
        if (fd >= 0) {
            close(fd);
            unlink(out->temporary);
        }
        free(out->temporary);
        out->temporary = NULL;
        return PK_EIO;
    }
    mode_t mask = umask(0); /* mkstemp makes the file 0600; give it the usual mode */
    umask(mask);
    fchmod(fd, 0666 & ~mask);
    return PK_OK;
}

/* Flushes and closes; renames the temporary file into place only when the
 * job and every write succeeded, and removes it otherwise. */
static void close_list_output(const primes_cli *cli, list_output *out, int status)
{
    if (fflush(out->stream) != 0 || ferror(out->stream))
        note_write_error(out, errno);
    if (status == PK_EIO)
        note_write_error(out, EIO); /* keeps the cause a write already gave */
    if (cli->spec.output != NULL && fclose(out->stream) != 0)
        note_write_error(out, errno);
    int write_error = atomic_load(&out->write_error);
    if (out->temporary != NULL) {
        if (status == PK_OK && write_error == 0 && rename(out->temporary, out->final) != 0)
            note_write_error(out, errno);
        write_error = atomic_load(&out->write_error);
        /* Partial output stays while a checkpoint refers to it, unless this
         * run made it and then refused to resume. */
        bool referenced = cli->spec.checkpoint != NULL && access(cli->spec.checkpoint, F_OK) == 0 &&
                          !(out->created && status == PK_EINVAL);
        if ((status != PK_OK || write_error != 0) && !referenced)
            unlink(out->temporary);
        free(out->temporary);
    }
    free(out->final);
    if (write_error != 0)
        cli_error(cli->what, "writing %s: %s", cli->spec.output != NULL ? cli->spec.output : "standard output",
                  strerror(write_error));
}

static int run_list(primes_cli *cli, pk_primes_options *options)
{
    uint64_t lo, hi;
    int rc = parse_range(cli, &lo, &hi);
    if (rc != PK_EXIT_OK)
        return rc;
    if (cli->spec.json && cli->spec.output == NULL) {
        cli_error(cli->what, "--json needs -o FILE (stdout carries the primes)");
        return PK_EXIT_USAGE;
    }
    /* Rank 0 opens the output.  A regular file is written by every thread
     * of every rank at its own offsets; stdout, pipes and devices get the
     * text in order from rank 0. */
    const bool writer = pk_comm_rank() == 0;
    list_output out = {.stream = NULL};
    int opened = pk_comm_agree(writer ? open_list_output(cli, &out) : PK_OK);
    if (opened != PK_OK) {
        free(out.final);
        return opened == PK_ECANCELED ? primes_job_failed(cli, opened) : PK_EXIT_FAILURE;
    }
    char shared_path[4096] = "";
    if (writer && out.temporary != NULL)
        snprintf(shared_path, sizeof shared_path, "%s", out.temporary);
    pk_comm_broadcast(shared_path, sizeof shared_path, 0);
    const bool to_file = shared_path[0] != '\0';
    options->output_path = to_file ? shared_path : NULL;
    int fd = -1;
    if (to_file) {
        fd = writer ? fileno(out.stream) : open(shared_path, O_WRONLY);
        if (pk_comm_agree(fd < 0 ? PK_EIO : PK_OK) != PK_OK) {
            if (fd < 0)
                cli_error(cli->what, "cannot open '%s' on rank %d: %s", shared_path, pk_comm_rank(), strerror(errno));
            if (writer)
                close_list_output(cli, &out, PK_EIO);
            else if (fd >= 0)
                close(fd);
            return PK_EXIT_FAILURE;
        }
    }
    static char buffer[1 << 20];
    if (writer && !to_file)
        setvbuf(out.stream, buffer, _IOFBF, sizeof buffer);

    pk_progress progress = {0};
    cli_progress *display = maybe_progress(cli, options, &progress, (double)(hi - lo) + 1, "numbers");
    pk_primes_report report = {0};
    uint64_t count = 0, bytes = 0;
    /* Text for a stream goes through writer threads, so computing the next
     * units overlaps with writing these (and a slow reader slows us down
     * through the writer's bounded queue, never grows memory). */
    pk_writer *stream_writer = NULL;
    const int io_threads = cli->spec.io_threads < 0 ? 1 : cli->spec.io_threads;
    int status = PK_OK;
    if (!to_file && io_threads > 0 && writer)
        status = pk_writer_create(&stream_writer, io_threads, 2 * (size_t)options->engine.threads + 2,
                                  write_to_stream, &out);
    if (pk_comm_agree(status) != PK_OK) {
        cli_error(cli->what, "cannot start the writer threads: %s", pk_strerror(status));
        status = PK_ENOMEM;
    } else if (to_file) {
        status = pk_primes_list_to_file(options, lo, hi, fd, &count, &bytes, &report);
    } else if (stream_writer != NULL) {
        status = pk_primes_list(options, lo, hi, pk_writer_write_fn, stream_writer, &count, &report);
    } else {
        status = pk_primes_list(options, lo, hi, write_to_stream, &out, &count, &report);
    }
    if (stream_writer != NULL) {
        size_t max_queued;
        pk_writer_stats(stream_writer, &max_queued, &report.output_seconds);
        if (status != PK_OK)
            pk_writer_cancel(stream_writer);
        int written = pk_writer_finish(stream_writer);
        if (status == PK_OK && written != PK_OK)
            status = PK_EIO;
    }
    cli_progress_stop(display);
    note_checkpoint(cli, &report);
    if (report.write_errno != 0) /* a unit's pwrite, on whichever thread */
        note_write_error(&out, report.write_errno);
    if (writer)
        close_list_output(cli, &out, status);
    else if (fd >= 0)
        close(fd);
    if (pk_comm_agree(atomic_load(&out.write_error) != 0 ? PK_EIO : PK_OK) != PK_OK)
        return PK_EXIT_FAILURE;
    if (status != PK_OK) {
        int stopped = job_stopped(cli, status, &report);
        return stopped != PK_EXIT_OK ? stopped : primes_job_failed(cli, status);
    }
    if (cli->spec.json) {
        printf("{\"command\":\"primes list\",\"lo\":%" PRIu64 ",\"hi\":%" PRIu64 ",\"count\":%" PRIu64
               ",\"output\":", lo, hi, count);
        cli_json_string(cli->spec.output);
        printf(",\"algo\":\"%s\",", cli->spec.algo == PK_ALGO_TRIAL ? "trial" : "sieve");
        primes_json_common(cli, &report);
        printf("}\n");
    }
    primes_print_time(cli, &report);
    return PK_EXIT_OK;
}

/* ---- nth ---------------------------------------------------------------------- */

static int run_nth(primes_cli *cli, pk_primes_options *options)
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
    pk_progress progress = {0};
    cli_progress *display = maybe_progress(cli, options, &progress, 0, "numbers");
    pk_primes_report report = {0};
    uint64_t prime;
    int status = pk_primes_nth(options, n, &prime, &report);
    cli_progress_stop(display);
    if (status != PK_OK)
        return primes_job_failed(cli, status);
    if (cli->spec.json) {
        printf("{\"command\":\"primes nth\",\"n\":%" PRIu64 ",\"prime\":%" PRIu64 ",\"algo\":\"%s\",", n, prime,
               cli->spec.algo == PK_ALGO_TRIAL ? "trial" : "sieve");
        primes_json_common(cli, &report);
        printf("}\n");
    } else {
        printf("%" PRIu64 "\n", prime);
    }
    primes_print_time(cli, &report);
    return PK_EXIT_OK;
}

/* ---- entry ------------------------------------------------------------------------ */

int cli_run_spec(const pk_job_spec *spec)
{
    primes_cli cli = {.spec = *spec};
    char what[32];
    snprintf(what, sizeof what, "primes %s", pk_command_name(spec->command));
    cli.what = what;
    if (run_start == 0)
        run_start = pk_clock_seconds();

    /* Checks across settings, whichever front end wrote them. */
    if (cli.spec.json && cli.spec.jsonl) {
        cli_error(cli.what, "choose one of --json and --format jsonl");
        return PK_EXIT_USAGE;
    }
    if (cli.spec.command == PK_COMMAND_LIST && cli.spec.distribute == PK_DISTRIBUTE_DYNAMIC) {
        if (cli.spec.distribute_given) {
            cli_error(cli.what, "--distribute dynamic cannot keep the list in order; use block");
            return PK_EXIT_USAGE;
        }
        cli.spec.distribute = PK_DISTRIBUTE_BLOCK; /* the list comes out in rank order */
    }
    const char *bad_variable = NULL;
    if (pk_threads_choose(cli.spec.threads, &cli.threads, &bad_variable) != PK_OK) {
        cli_error(cli.what, "%s='%s' is not a thread count (a positive integer up to %d)", bad_variable,
                  getenv(bad_variable), PK_MAX_THREADS);
        return PK_EXIT_USAGE;
    }

    /* The hybrid pitfall: mpirun binds a rank to one core, and then the
     * threads OMP_NUM_THREADS asked for all share it. */
    int cpus = pk_cpus_available();
    if (!cli.spec.quiet && cli.threads.threads > cpus && strcmp(cli.threads.source, "--threads") != 0)
        fprintf(stderr, "parkit: warning: %d threads (from %s) on %d CPU%s of the affinity mask: threads will "
                        "share cores%s\n", cli.threads.threads, cli.threads.source, cpus, cpus == 1 ? "" : "s",
                pk_comm_size() > 1 ? " (under mpirun, use --bind-to none or --map-by slot:PE=N)" : "");

    /* Every rank got this far (or failed on the way): the first collective. */
    uint64_t world_threads = 0;
    int ready = cli_ranks_ready(PK_EXIT_OK, cli.threads.threads, &world_threads);
    if (ready != PK_EXIT_OK)
        return ready;

    pk_primes_options options = {
        .engine = {.threads = cli.threads.threads,
                   .workers = world_threads,
                   .schedule = cli.spec.schedule,
                   .cancel = cli_signals_install(),
                   .distributed = true,
                   .distribute = cli.spec.distribute},
        .algo = cli.spec.algo,
        .binary_output = cli.spec.binary,
        .checkpoint_path = cli.spec.checkpoint,
        .checkpoint_interval = cli.spec.checkpoint_interval,
        .resume = cli.spec.resume,
    };
    if (cli.spec.resume && cli.spec.checkpoint == NULL) {
        cli_error(cli.what, "--resume needs --checkpoint FILE");
        return PK_EXIT_USAGE;
    }
    if (cli.spec.checkpoint != NULL && cli.spec.command == PK_COMMAND_LIST && cli.spec.output == NULL) {
        cli_error(cli.what, "--checkpoint needs -o FILE for list (standard output cannot be resumed)");
        return PK_EXIT_USAGE;
    }
    int checked = pk_comm_rank() == 0 ? check_checkpoint_path(&cli) : PK_EXIT_OK;
    pk_comm_broadcast(&checked, sizeof checked, 0);
    if (checked != PK_EXIT_OK)
        return checked;
    if (cli.spec.timeout > 0)
        cli_timeout_start(cli.spec.timeout);

    switch (cli.spec.command) {
    case PK_COMMAND_COUNT: return run_count(&cli, &options);
    case PK_COMMAND_LIST: return run_list(&cli, &options);
    case PK_COMMAND_CHECK: return primes_run_check(&cli, &options);
    case PK_COMMAND_NTH: return run_nth(&cli, &options);
    }
    return PK_EXIT_USAGE;
}

int cli_primes(int argc, char **argv)
{
    run_start = pk_clock_seconds();
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fputs(primes_usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? PK_EXIT_USAGE : PK_EXIT_OK;
    }
    primes_cli cli;
    pk_job_spec_init(&cli.spec);
    if (pk_command_parse(argv[1], &cli.spec.command) != PK_OK) {
        cli_error("primes", "unknown subcommand '%s' (expected count, list, check or nth)", argv[1]);
        return PK_EXIT_USAGE;
    }
    char what[32];
    snprintf(what, sizeof what, "primes %s", pk_command_name(cli.spec.command));
    cli.what = what;

    int rc = parse_options(&cli, argc - 1, argv + 1);
    if (rc < 0)
        return PK_EXIT_OK; /* --help */
    if (rc != PK_EXIT_OK)
        return rc;
    return cli_run_spec(&cli.spec);
}
