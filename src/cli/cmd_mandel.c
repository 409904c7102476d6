/*
 * `parkit mandel`: the command line into a mandel job spec, which
 * mandel_run_spec (mandel_run.c) runs, as it runs a job file's.  The
 * kernel's options go through its table's setters (parkit/mandel_settings.h),
 * so a value is read and refused the same way from either front end.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/mandel_cli.h"
#include "cli/options.h"
#include "parkit/jobspec.h"
#include "parkit/mandel_settings.h"
#include "parkit/status.h"

static const char mandel_usage[] =
    "usage: parkit mandel [--size N|WxH] [--region XMIN,XMAX,YMIN,YMAX | --center X,Y [--zoom Z]]\n"
    "                     [--iterations N] [-o FILE] [--format pbm|ppm|raw] [options]\n"
    "\n"
    "A Mandelbrot image, computed in bands of rows on all cores (and ranks), written\n"
    "in order while later rows are computed.\n"
    "\n"
    "image:\n"
    "      --size N|WxH       pixels (default 1024x1024)\n"
    "      --region XMIN,XMAX,YMIN,YMAX   the part of the complex plane shown\n"
    "      --center X,Y       or the view's centre (default -0.75,0) ...\n"
    "      --zoom Z           ... and magnification: 3.5/Z wide (default 1)\n"
    "      --iterations N     the most iterations a pixel (default 1000; 50 for pbm)\n"
    "  -o, --output FILE      write to FILE (atomically: complete or absent); the format\n"
    "                         follows its extension (.pbm, .ppm, .raw)\n"
    "      --format FORMAT    pbm: 1 bit a pixel, set inside the set (with the defaults,\n"
    "                         the Computer Language Benchmarks Game's mandelbrot output);\n"
    "                         ppm: RGB with smooth colouring; raw: each pixel's escape\n"
    "                         iteration as a 32-bit little-endian integer (0 inside)\n"
    "      --simd PATH        auto (default: the widest this CPU has), scalar, vec2,\n"
    "                         avx2, avx512; every path gives the same bytes\n"
    "\n"
    "options:\n"
    "  -t, --threads N        threads (default: OMP_NUM_THREADS, SLURM_CPUS_PER_TASK,\n"
    "                         then the CPUs this process may run on)\n"
    "      --schedule KIND[,CHUNK]  static, dynamic (default) or guided\n"
    "      --distribute dynamic|cyclic|block  under mpirun: bands handed out on demand\n"
    "                         (default), dealt round the ranks, or one block per rank\n"
    "      --io-threads N     to stdout or a pipe: N writer threads (default 1)\n"
    "      --timeout SECONDS  stop after SECONDS (exit 1; no partial file)\n"
    "      --checkpoint FILE  save the bands done to FILE every interval and on\n"
    "                         SIGTERM/SIGUSR1 (then exit 75); needs -o\n"
    "      --checkpoint-interval SECONDS  (default 60)\n"
    "      --resume           continue from the checkpoint if there is one\n"
    "      --json             print a JSON report on stdout (needs -o)\n"
    "      --time             print timings on stderr\n"
    "  -q, --quiet            no warnings\n"
    "      --progress, --no-progress   force the progress line on stderr on or off\n"
    "  -h, --help             this help\n"
    "\n"
    "example: parkit mandel --size 3840x2160 --center -0.7435,0.1314 --zoom 200 -o seahorse.ppm\n";

enum {
    OPT_SIZE = CLI_OPT_KERNEL,
    OPT_REGION,
    OPT_CENTER,
    OPT_ZOOM,
    OPT_ITERATIONS,
    OPT_FORMAT,
    OPT_SIMD,
};

static const struct option long_options[] = {
    CLI_COMMON_OPTIONS,
    {"size", required_argument, NULL, OPT_SIZE},
    {"region", required_argument, NULL, OPT_REGION},
    {"center", required_argument, NULL, OPT_CENTER},
    {"zoom", required_argument, NULL, OPT_ZOOM},
    {"iterations", required_argument, NULL, OPT_ITERATIONS},
    {"format", required_argument, NULL, OPT_FORMAT},
    {"simd", required_argument, NULL, OPT_SIMD},
    {NULL, 0, NULL, 0},
};

/* The table's key each option sets. */
static const char *const option_keys[] = {
    [OPT_SIZE - OPT_SIZE] = "size",           [OPT_REGION - OPT_SIZE] = "region", [OPT_CENTER - OPT_SIZE] = "center",
    [OPT_ZOOM - OPT_SIZE] = "zoom",           [OPT_ITERATIONS - OPT_SIZE] = "iterations",
    [OPT_FORMAT - OPT_SIZE] = "format",       [OPT_SIMD - OPT_SIZE] = "simd",
};

/* The mandel options: each sets its key of the kernel's table (cli_own_option). */
static int mandel_option(cli_job *cli, int c, const char *value, const char *text)
{
    (void)text;
    if (c < OPT_SIZE || c > OPT_SIMD)
        return CLI_NOT_MINE;
    const pk_kernel_key *key = pk_kernel_key_named(&pk_mandel_kernel, option_keys[c - OPT_SIZE]);
    if (key->set(cli->spec.settings, value))
        return PK_EXIT_OK;
    cli_error(cli->what, "bad --%s '%s': expected %s", cli_option_name(long_options, c), value, key->expected);
    return PK_EXIT_USAGE;
}

static int parse_options(cli_job *cli, int argc, char **argv)
{
    int first = argc;
    int rc = cli_read_options(cli, argc, argv, long_options, mandel_option, mandel_usage, &first);
    if (rc == PK_EXIT_OK && first < argc) {
        cli_error(cli->what, "unexpected argument '%s' (parkit mandel takes options only; try --help)", argv[first]);
        return PK_EXIT_USAGE;
    }
    return rc;
}

int cli_mandel(int argc, char **argv)
{
    cli_clock_start(true);
    cli_job cli = {.what = "mandel"};
    pk_job_spec_init(&cli.spec);
    pk_job_spec_set_kernel(&cli.spec, &pk_mandel_kernel);
    int rc = parse_options(&cli, argc, argv);
    if (rc < 0)
        return PK_EXIT_OK; /* --help */
    if (rc != PK_EXIT_OK)
        return rc;
    return mandel_run_spec(&cli.spec);
}
