/*
 * `parkit heat`: the command line into a heat job spec, which heat_run_spec
 * (heat_run.c) runs, as it runs a job file's.  The kernel's options go
 * through its table's setters (parkit/heat_settings.h), so a value is read
 * and refused the same way from either front end.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/heat_cli.h"
#include "cli/options.h"
#include "parkit/heat_settings.h"
#include "parkit/jobspec.h"
#include "parkit/status.h"

static const char heat_usage[] =
    "usage: parkit heat [--size N|NXxNY] [--steps N | --tolerance T] [--init hotspot|sine|FILE]\n"
    "                   [-o FIELD] [--png IMAGE] [options]\n"
    "\n"
    "The 2-D heat equation on the unit square, explicit five-point scheme, on a\n"
    "grid cut into tiles: threads share a tile's rows, MPI ranks own a tile each\n"
    "and trade its edges (halos) with their neighbours every step.  The field is\n"
    "bit-identical under every number of threads and ranks, tiling and halo mode.\n"
    "\n"
    "problem:\n"
    "      --size N|NXxNY     cells inside the fixed edges (default 256x256)\n"
    "      --steps N          steps to take (default 1000)\n"
    "      --tolerance T      or stop sooner, once no cell changes by T in a step\n"
    "      --check-every K    steps between looks at the change (default 100)\n"
    "      --alpha A          diffusivity (default 1)\n"
    "      --dt DT            time step (default 0.8 of the stable limit; a larger\n"
    "                         one than the limit is refused, with the limit)\n"
    "      --edges T|TOP,BOTTOM,LEFT,RIGHT   the edges' fixed temperatures (default 0)\n"
    "      --init KIND        hotspot (default: a disc of radius 0.1 at --hot),\n"
    "                         sine (sin(pi x) sin(pi y), checked against its exact\n"
    "                         decay), or FILE: a field file of this size (-o's\n"
    "                         format) or NXxNY little-endian doubles alone\n"
    "      --hot T            the hot spot's temperature (default 100)\n"
    "  -o, --output FIELD     the final field: a 128-byte header, then the cells row\n"
    "                         by row as little-endian doubles (written by every rank\n"
    "                         at its place; complete or absent)\n"
    "      --png IMAGE        the final field as a heat map (PNG, lowest to highest\n"
    "                         value, black through red to pale yellow; needs libpng)\n"
    "      --snapshots PREFIX --snapshot-every K   a heat map every K steps (and of\n"
    "                         the first field), PREFIX-STEP.png, on the first field's\n"
    "                         scale; deflated and written by a writer thread while\n"
    "                         the next steps run\n"
    "\n"
    "parallel:\n"
    "  -t, --threads N        threads per rank (default: OMP_NUM_THREADS,\n"
    "                         SLURM_CPUS_PER_TASK, then the CPUs this process may run on)\n"
    "      --halo MODE        under mpirun: nonblocking (default: the tile's inside is\n"
    "                         swept while the halos travel), sendrecv, or neighbor\n"
    "                         (MPI_Neighbor_alltoallw)\n"
    "      --ranks-grid AxD   tiles across and down (default: MPI_Dims_create's)\n"
    "      --time-block K     advance cache-sized blocks K steps at a time (halos K\n"
    "                         deep, traded once every K steps); the same field, with\n"
    "                         less memory traffic and fewer messages (1-64, default 1)\n"
    "\n"
    "options:\n"
    "      --timeout SECONDS  stop after SECONDS (exit 1; no partial file)\n"
    "      --checkpoint FILE  save the field to FILE every interval and on\n"
    "                         SIGTERM/SIGUSR1 (then exit 75); resumable with any\n"
    "                         number of ranks and threads\n"
    "      --checkpoint-interval SECONDS  (default 60)\n"
    "      --resume           continue from the checkpoint if there is one\n"
    "      --json             print a JSON report on stdout\n"
    "      --time             print timings on stderr (MLUP/s, GB/s, halo share)\n"
    "  -q, --quiet            no warnings\n"
    "      --progress, --no-progress   force the progress line on stderr on or off\n"
    "  -h, --help             this help\n"
    "\n"
    "example: parkit heat --size 1024 --steps 5000 --init sine --time\n";

enum {
    OPT_SIZE = CLI_OPT_KERNEL,
    OPT_STEPS,
    OPT_TOLERANCE,
    OPT_CHECK_EVERY,
    OPT_ALPHA,
    OPT_DT,
    OPT_EDGES,
    OPT_INIT,
    OPT_HOT,
    OPT_PNG,
    OPT_SNAPSHOTS,
    OPT_SNAPSHOT_EVERY,
    OPT_HALO,
    OPT_RANKS_GRID,
    OPT_TIME_BLOCK,
};

static const struct option long_options[] = {
    CLI_COMMON_OPTIONS,
    {"size", required_argument, NULL, OPT_SIZE},
    {"steps", required_argument, NULL, OPT_STEPS},
    {"tolerance", required_argument, NULL, OPT_TOLERANCE},
    {"check-every", required_argument, NULL, OPT_CHECK_EVERY},
    {"alpha", required_argument, NULL, OPT_ALPHA},
    {"dt", required_argument, NULL, OPT_DT},
    {"edges", required_argument, NULL, OPT_EDGES},
    {"init", required_argument, NULL, OPT_INIT},
    {"hot", required_argument, NULL, OPT_HOT},
    {"png", required_argument, NULL, OPT_PNG},
    {"snapshots", required_argument, NULL, OPT_SNAPSHOTS},
    {"snapshot-every", required_argument, NULL, OPT_SNAPSHOT_EVERY},
    {"halo", required_argument, NULL, OPT_HALO},
    {"ranks-grid", required_argument, NULL, OPT_RANKS_GRID},
    {"time-block", required_argument, NULL, OPT_TIME_BLOCK},
    {NULL, 0, NULL, 0},
};

/* The table's key each option sets. */
static const char *const option_keys[] = {
    [OPT_SIZE - OPT_SIZE] = "size",   [OPT_STEPS - OPT_SIZE] = "steps", [OPT_TOLERANCE - OPT_SIZE] = "tolerance",
    [OPT_CHECK_EVERY - OPT_SIZE] = "check-every", [OPT_ALPHA - OPT_SIZE] = "alpha", [OPT_DT - OPT_SIZE] = "dt",
    [OPT_EDGES - OPT_SIZE] = "edges", [OPT_INIT - OPT_SIZE] = "init", [OPT_HOT - OPT_SIZE] = "hot",
    [OPT_PNG - OPT_SIZE] = "png",     [OPT_SNAPSHOTS - OPT_SIZE] = "snapshots",
    [OPT_SNAPSHOT_EVERY - OPT_SIZE] = "snapshot-every",     [OPT_HALO - OPT_SIZE] = "halo", [OPT_RANKS_GRID - OPT_SIZE] = "ranks-grid",
    [OPT_TIME_BLOCK - OPT_SIZE] = "time-block",
};

/* The heat options: each sets its key of the kernel's table (cli_own_option). */
static int heat_option(cli_job *cli, int c, const char *value, const char *text)
{
    (void)text;
    if (c < OPT_SIZE || c > OPT_TIME_BLOCK)
        return CLI_NOT_MINE;
    const pk_kernel_key *key = pk_kernel_key_named(&pk_heat_kernel, option_keys[c - OPT_SIZE]);
    if (key->set(cli->spec.settings, value))
        return PK_EXIT_OK;
    cli_error(cli->what, "bad --%s '%s': expected %s", cli_option_name(long_options, c), value, key->expected);
    return PK_EXIT_USAGE;
}

int cli_heat(int argc, char **argv)
{
    cli_clock_start(true);
    cli_job cli = {.what = "heat"};
    pk_job_spec_init(&cli.spec);
    pk_job_spec_set_kernel(&cli.spec, &pk_heat_kernel);
    int first = argc;
    int rc = cli_read_options(&cli, argc, argv, long_options, heat_option, heat_usage, &first);
    if (rc < 0)
        return PK_EXIT_OK; /* --help */
    if (rc != PK_EXIT_OK)
        return rc;
    if (first < argc) {
        cli_error(cli.what, "unexpected argument '%s' (parkit heat takes options only; try --help)", argv[first]);
        return PK_EXIT_USAGE;
    }
    return heat_run_spec(&cli.spec);
}
