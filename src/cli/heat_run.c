/*
 * The runner of a heat job spec: the problem from the settings, where the
 * field may go, the solve (src/kernels/heat/, on the grid layer), then
 * the answer (checksum, extremes, the sine mode's validation) and what it
 * cost: MLUP/s, memory traffic, the halo's share, per rank.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/heat_cli.h"
#include "cli/output.h"
#include "cli/paths.h"
#include "cli/report.h"
#include "parkit/comm.h"
#include "parkit/heat.h"
#include "parkit/heat_settings.h"
#include "parkit/png_bands.h"
#include "parkit/png_frames.h"
#include "parkit/status.h"

/* Bytes of memory traffic a cell's update is counted as: its value read
 * once and its new value written once (the neighbours come from cache),
 * as STREAM counts its triad (no write-allocate), so the two compare. */
#define BYTES_PER_UPDATE 16

/* Rank 0's checks of the field's destination, before any work: a regular
 * file (or none yet) in a directory it may write.  Returns an exit code. */
static int check_output(const cli_job *cli, const char *path)
{
    struct stat st;
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
        cli_error(cli->what, "-o %s: not a regular file (every rank writes the field at its place in a file)", path);
        return PK_EXIT_USAGE;
    }
    char directory[PATH_MAX];
    cli_directory_of(path, directory, sizeof directory);
    if (access(directory, W_OK | X_OK) != 0) {
        cli_error(cli->what, "-o %s: cannot write in %s: %s", path, directory, strerror(errno));
        return PK_EXIT_USAGE;
    }
    return PK_EXIT_OK;
}

/* Snapshots: PREFIX-STEP.png, written by the frames' writer thread (rank 0). */
typedef struct snapshot_files {
    pk_png_frames *frames;
    const char *prefix;
    int digits; /* of the last step, so the names sort */
} snapshot_files;

static int snapshot_begin(void *ctx, uint64_t step, uint32_t width, uint32_t height)
{
    snapshot_files *files = ctx;
    char path[PATH_MAX];
    if (snprintf(path, sizeof path, "%s-%0*llu.png", files->prefix, files->digits, (unsigned long long)step) >=
        (int)sizeof path)
        return PK_EINVAL;
    return pk_png_frames_begin(files->frames, path, width, height);
}

static int snapshot_band(void *ctx, unsigned char *rgb, uint32_t rows)
{
    snapshot_files *files = ctx;
    return pk_png_frames_band(files->frames, rgb, rows);
}

/* Checks of the files before the solve (rank 0's, said to all).  Returns
 * an exit code. */
static int check_files(const cli_job *cli, const pk_heat_problem *problem, const char *png, const char *snapshots)
{
    int rc = PK_EXIT_OK;
    if (pk_comm_rank() == 0) {
        const char *checkpoint = cli->spec.checkpoint;
        if (problem->init == PK_HEAT_FILE && checkpoint != NULL && cli_same_file(checkpoint, problem->init_path)) {
            cli_error(cli->what, "--checkpoint %s: it is the --init field, which it would destroy", checkpoint);
            rc = PK_EXIT_USAGE;
        } else if (problem->init == PK_HEAT_FILE && access(problem->init_path, R_OK) != 0) {
            cli_error(cli->what, "--init %s: %s%s", problem->init_path, strerror(errno),
                      errno == ENOENT ? " (the built-in fields are hotspot and sine)" : "");
            rc = PK_EXIT_USAGE;
        } else if (cli->spec.output != NULL && (rc = check_output(cli, cli->spec.output)) != PK_EXIT_OK) {
            /* said */
        } else if (png != NULL && cli->spec.output != NULL && cli_same_file(png, cli->spec.output)) {
            cli_error(cli->what, "--png %s: it is -o too: give the picture and the field two names", png);
            rc = PK_EXIT_USAGE;
        } else if (png != NULL && checkpoint != NULL && cli_same_file(png, checkpoint)) {
            cli_error(cli->what, "--png %s: it is the checkpoint, which it would destroy", png);
            rc = PK_EXIT_USAGE;
        } else if (png != NULL && problem->init == PK_HEAT_FILE && cli_same_file(png, problem->init_path)) {
            cli_error(cli->what, "--png %s: it is the --init field, which it would destroy", png);
            rc = PK_EXIT_USAGE;
        } else if (snapshots != NULL) {
            char directory[PATH_MAX];
            cli_directory_of(snapshots, directory, sizeof directory);
            if (access(directory, W_OK | X_OK) != 0) {
                cli_error(cli->what, "--snapshots %s: cannot write in %s: %s", snapshots, directory, strerror(errno));
                rc = PK_EXIT_USAGE;
            }
        }
    }
    pk_comm_broadcast(&rc, sizeof rc, 0);
    return rc;
}

/* The cost of the run, over the ranks. */
typedef struct heat_costs {
    pk_spread compute, halo, overlap, io;
    double stepping_max;   /* the slowest rank's compute + halo + control */
    double mlups, gbytes;  /* million cell updates a second, and GB/s at BYTES_PER_UPDATE */
    uint64_t halo_bytes, halo_messages, exchanges; /* all ranks' */
    uint64_t messages_saved;                       /* against one exchange a step */
    double redundant;                              /* rim updates over useful ones */
    uint64_t snapshots;                            /* pictures written (rank 0) */
    double snapshots_waited; /* seconds rank 0 waited for the snapshots' writer (backpressure) */
} heat_costs;

static void gather_costs(const pk_heat_options *options, const pk_heat_report *report, heat_costs *c)
{
    const pk_grid_stats *g = &report->grid;
    pk_comm_stats(g->compute_seconds, &c->compute.min, &c->compute.avg, &c->compute.max);
    pk_comm_stats(g->halo_seconds, &c->halo.min, &c->halo.avg, &c->halo.max);
    pk_comm_stats(g->overlap_seconds, &c->overlap.min, &c->overlap.avg, &c->overlap.max);
    pk_comm_stats(g->io_seconds, &c->io.min, &c->io.avg, &c->io.max);
    double stepping = g->compute_seconds + g->halo_seconds + g->control_seconds, unused;
    pk_comm_stats(stepping, &unused, &unused, &c->stepping_max);
    uint64_t sums[5] = {g->halo_bytes, g->halo_messages, g->exchanges, g->updates, g->redundant_updates};
    pk_comm_sum_u64(sums, 5);
    c->halo_bytes = sums[0], c->halo_messages = sums[1], c->exchanges = sums[2];
    c->redundant = sums[3] > 0 ? (double)sums[4] / (double)sums[3] : 0;
    /* A step-by-step run trades the same halos every step: as many messages each time. */
    const double per_exchange = c->exchanges > 0 ? (double)c->halo_messages / (double)c->exchanges : 0;
    const double step_by_step = per_exchange * (double)report->steps_run * pk_comm_size();
    c->messages_saved = step_by_step > (double)c->halo_messages ? (uint64_t)(step_by_step - c->halo_messages) : 0;
    const double updates = (double)options->problem.nx * (double)options->problem.ny * (double)report->steps_run;
    c->mlups = c->stepping_max > 0 ? updates / c->stepping_max / 1e6 : 0;
    c->gbytes = c->mlups * BYTES_PER_UPDATE / 1e3;
}

static void print_json_spread(const char *key, pk_spread s)
{
    printf(",\"%s\":{\"min\":%.6f,\"avg\":%.6f,\"max\":%.6f}", key, s.min, s.avg, s.max);
}

static void report_json(const cli_job *cli, const pk_heat_options *options, const pk_heat_report *report,
                        const heat_costs *c)
{
    const pk_heat_problem *p = &options->problem;
    static const char *const inits[] = {[PK_HEAT_HOTSPOT] = "hotspot", [PK_HEAT_SINE] = "sine",
                                        [PK_HEAT_FILE] = "file"};
    printf("{\"command\":\"heat\",\"nx\":%" PRIu64 ",\"ny\":%" PRIu64 ",\"alpha\":%.17g,\"dt\":%.17g,"
           "\"edges\":[%.17g,%.17g,%.17g,%.17g],\"init\":\"%s\",\"steps\":%" PRIu64 ",\"steps_run\":%" PRIu64
           ",\"time\":%.17g,\"checksum\":\"%016" PRIx64 "\",\"min\":%.17g,\"max\":%.17g,\"converged\":%s",
           p->nx, p->ny, p->alpha, p->dt, p->edges[0], p->edges[1], p->edges[2], p->edges[3], inits[p->init],
           report->steps, report->steps_run, report->time, report->checksum, report->min, report->max,
           report->converged ? "true" : "false");
    if (report->last_change >= 0)
        printf(",\"last_change\":%.17g", report->last_change);
    if (report->validated_case)
        printf(",\"validation\":{\"case\":\"sine\",\"error_scheme\":%.6g,\"tolerance_scheme\":%.6g,"
               "\"error_equation\":%.6g,\"validated\":%s}",
               report->error_scheme, report->tolerance_scheme, report->error_equation,
               report->validated ? "true" : "false");
    printf(",\"tiles\":[%d,%d],\"halo\":\"%s\",\"mlups\":%.3f,\"bytes_per_update\":%d,\"gbytes_per_second\":%.3f,"
           "\"halo_bytes\":%" PRIu64 ",\"halo_messages\":%" PRIu64 ",\"time_block\":%d,\"messages_saved\":%" PRIu64
           ",\"redundant_updates_share\":%.4f",
           report->ranks_x, report->ranks_y, pk_halo_name(options->grid.halo), c->mlups, BYTES_PER_UPDATE,
           c->gbytes, c->halo_bytes, c->halo_messages, options->grid.time_block > 1 ? options->grid.time_block : 1,
           c->messages_saved, c->redundant);
    printf(",\"snapshots\":%" PRIu64 ",\"snapshots_wait_seconds\":%.6f", c->snapshots, c->snapshots_waited);
    print_json_spread("sweep_seconds_per_rank", c->compute);
    print_json_spread("halo_seconds_per_rank", c->halo);
    print_json_spread("overlap_seconds_per_rank", c->overlap);
    print_json_spread("io_seconds_per_rank", c->io);
    printf(",\"output\":");
    if (cli->spec.output != NULL)
        cli_json_string(cli->spec.output);
    else
        printf("null");
    printf(",");
    cli_report_json(cli, &report->run);
    printf("}\n");
}

static void report_text(const pk_heat_options *options, const pk_heat_report *report)
{
    const pk_heat_problem *p = &options->problem;
    printf("heat: %" PRIu64 " x %" PRIu64 " cells, %" PRIu64 " steps (t = %.6g)%s: checksum %016" PRIx64
           ", min %.6g, max %.6g\n",
           p->nx, p->ny, report->steps, report->time,
           report->converged ? ", converged" : "", report->checksum, report->min, report->max);
    if (report->last_change >= 0)
        printf("largest change of a cell in the last step looked at: %.3g\n", report->last_change);
    if (report->validated_case)
        printf("%s: the sine mode against the scheme's exact solution (lambda^n sin sin): largest error %.3g "
               "(tolerance %.3g); against the heat equation's exp(-2 pi^2 alpha t) sin sin: %.3g\n",
               report->validated ? "validated" : "NOT VALIDATED", report->error_scheme, report->tolerance_scheme,
               report->error_equation);
}

/* --time: the grid's own line (the cost of each part), then the common one. */
static void report_time(const cli_job *cli, const pk_heat_options *options, const pk_heat_report *report,
                        const heat_costs *c)
{
    if (!cli->spec.time)
        return;
    fflush(stdout); /* the answer first, then what it cost */
    fprintf(stderr,
            "parkit: heat: %.1f MLUP/s, %.2f GB/s at %d bytes an update; %d x %d tiles (%s halos): sweep %.3f s, "
            "halo %.3f s (min %.3f, max %.3f per rank; %.3g MB in %" PRIu64 " messages)",
            c->mlups, c->gbytes, BYTES_PER_UPDATE, report->ranks_x, report->ranks_y,
            pk_halo_name(options->grid.halo), c->compute.avg, c->halo.avg, c->halo.min, c->halo.max,
            (double)c->halo_bytes / 1e6, c->halo_messages);
    if (options->grid.halo == PK_HALO_NONBLOCKING && c->halo_messages > 0 && options->grid.time_block <= 1)
        fprintf(stderr, ", inside swept while halos travelled %.3f s", c->overlap.avg);
    if (options->grid.time_block > 1)
        fprintf(stderr, "; --time-block %d: %" PRIu64 " messages saved, %.1f%% of the updates done twice (the "
                "blocks' rims)", options->grid.time_block, c->messages_saved, 100 * c->redundant);
    if (c->snapshots > 0)
        fprintf(stderr, "; %" PRIu64 " snapshots (waited %.3f s for their writer)", c->snapshots, c->snapshots_waited);
    fprintf(stderr, ", I/O %.3f s\n", c->io.max);
    cli_report_time(cli, &report->run);
}

int heat_run_spec(const pk_job_spec *spec)
{
    cli_job cli = {.spec = *spec, .what = "heat"};
    const pk_heat_settings *settings = pk_heat_settings_of(cli.spec.settings);
    pk_heat_options options = {0};
    pk_heat_problem_of(settings, &options.problem);
    char why[512];
    if (pk_heat_check(&options.problem, why, sizeof why) != PK_OK) {
        cli_error(cli.what, "%s", why);
        return PK_EXIT_USAGE;
    }
    uint64_t world_threads = 0;
    int rc = cli_job_begin(&cli, &world_threads);
    if (rc != PK_EXIT_OK)
        return rc;
    const char *png = settings->png_path;
    if (png != NULL && !pk_png_available()) {
        cli_error(cli.what, "--png needs libpng: apt-get install libpng-dev, then rebuild (make); or write the "
                  "field with -o and draw it elsewhere");
        return PK_EXIT_USAGE;
    }
    const char *snapshots = settings->snapshots;
    if ((snapshots != NULL) != (settings->snapshot_every > 0)) {
        cli_error(cli.what, "%s", snapshots != NULL ? "--snapshots needs --snapshot-every K (steps between pictures)"
                                                    : "--snapshot-every needs --snapshots PREFIX (where they go)");
        return PK_EXIT_USAGE;
    }
    if (snapshots != NULL && !pk_png_available()) {
        cli_error(cli.what, "--snapshots needs libpng: apt-get install libpng-dev, then rebuild (make)");
        return PK_EXIT_USAGE;
    }
    rc = check_files(&cli, &options.problem, png, snapshots);
    if (rc != PK_EXIT_OK)
        return rc;
    rc = cli_job_check_checkpoint(&cli);
    if (rc != PK_EXIT_OK)
        return rc;
    options.grid = (pk_grid_options){.ranks_x = settings->ranks_x, .ranks_y = settings->ranks_y,
                                     .halo = settings->halo, .threads = cli.threads.threads,
                                     .time_block = settings->time_block};
    options.steps = settings->steps > 0 ? settings->steps : 1000;
    options.tolerance = settings->tolerance;
    options.check_every = settings->check_every;
    options.cancel = cli_signals_install();
    options.output_path = cli.spec.output;
    options.checkpoint_path = cli.spec.checkpoint;
    options.checkpoint_interval = cli.spec.checkpoint_interval;
    options.resume = cli.spec.resume;

    pk_engine_options engine = {.threads = cli.threads.threads};
    pk_progress progress = {0};
    cli_progress *display =
        cli_job_progress_start(&cli, &engine, &progress, (double)options.steps, "steps");
    options.progress = engine.progress;
    /* The picture goes out as a stream of bands from rank 0, through a
     * writer thread, to a temporary name renamed into place at the end. */
    cli_job picture = cli;
    picture.spec.output = png;
    picture.spec.checkpoint = NULL;
    picture.spec.io_threads = 1;
    cli_output image = {.fd = -1};
    if (png != NULL) {
        rc = cli_output_open(&picture, &image, 8, true);
        if (rc != PK_EXIT_OK) {
            cli_progress_stop(display);
            return rc;
        }
        options.image_write = cli_output_stream(&image, &options.image_ctx);
    }
    /* Snapshots: deflated and written by a writer thread on rank 0 while the steps go on. */
    snapshot_files files = {.prefix = snapshots, .digits = 1};
    for (uint64_t last = options.steps; last >= 10; last /= 10)
        files.digits++;
    if (snapshots != NULL) {
        int started = pk_comm_rank() == 0 ? pk_png_frames_start(&files.frames, (size_t)256 << 20) : PK_OK;
        if (pk_comm_agree(started) != PK_OK) {
            cli_error(cli.what, "cannot start the snapshots' writer thread: %s", pk_strerror(started));
            pk_png_frames_finish(files.frames, 1, NULL, 0);
            cli_progress_stop(display);
            return PK_EXIT_FAILURE;
        }
        options.snapshot_every = settings->snapshot_every;
        options.frames = (pk_heat_frames){.begin = snapshot_begin, .band = snapshot_band, .ctx = &files};
    }
    pk_heat_report report = {0};
    int status = pk_heat_solve(&options, &report);
    cli_progress_stop(display);
    uint64_t snapshots_written = 0;
    double snapshots_waited = 0;
    if (files.frames != NULL) {
        char why_frames[512] = "";
        pk_png_frames_stats(files.frames, &snapshots_written, &snapshots_waited);
        int written = pk_png_frames_finish(files.frames, status != PK_OK, why_frames, sizeof why_frames);
        if (written != PK_OK) {
            /* The writer's own words name the file; they replace the run's. */
            snprintf(report.error, sizeof report.error, "snapshots: %s", why_frames);
            report.usage_error = false;
            if (status == PK_OK)
                status = written;
        }
    }
    pk_comm_broadcast(&status, sizeof status, 0);
    if (png != NULL && cli_output_close(&picture, &image, status, 0, &report.run.output_seconds) != PK_OK) {
        if (status == PK_OK)
            return PK_EXIT_FAILURE; /* said */
    }
    if (report.resumed_step > 0 || report.run.checkpoint_note[0] != '\0')
        cli_note_checkpoint(&cli, &report.run);
    if (status != PK_OK) {
        int stopped = cli_job_stopped(&cli, status, &report.run);
        if (stopped != PK_EXIT_OK)
            return stopped;
        if (report.error[0] != '\0') {
            cli_error(cli.what, "%s", report.error);
            return report.usage_error ? PK_EXIT_USAGE : PK_EXIT_FAILURE;
        }
        return cli_job_failed(&cli, status);
    }
    heat_costs costs;
    gather_costs(&options, &report, &costs);
    costs.snapshots = snapshots_written, costs.snapshots_waited = snapshots_waited;
    if (cli.spec.json)
        report_json(&cli, &options, &report, &costs);
    else if (pk_comm_rank() == 0)
        report_text(&options, &report);
    report_time(&cli, &options, &report, &costs);
    if (report.validated_case && !report.validated) {
        cli_error(cli.what, "the sine mode is off its exact solution by %.3g (tolerance %.3g): the field is wrong",
                  report.error_scheme, report.tolerance_scheme);
        return PK_EXIT_FAILURE;
    }
    return PK_EXIT_OK;
}
