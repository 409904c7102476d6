/*
 * The runner of a mandel job spec: the format (from --format or the
 * output's name), the view, what the output can take, then the image
 * through cli/output.h (a file by place, a stream in order) and the
 * report.  All arithmetic is in src/kernels/mandel/.
 */
#include <ctype.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/mandel_cli.h"
#include "cli/output.h"
#include "cli/paths.h"
#include "cli/report.h"
#include "parkit/comm.h"
#include "parkit/mandel.h"
#include "parkit/mandel_settings.h"
#include "parkit/png_bands.h"
#include "parkit/status.h"

/* The format a file name asks for: PK_OK, or PK_EOF (no extension parkit
 * knows). */
static int format_of_name(const char *path, pk_mandel_format *format)
{
    const char *dot = strrchr(path, '.'), *slash = strrchr(path, '/');
    if (dot == NULL || (slash != NULL && dot < slash))
        return PK_EOF;
    char extension[8] = "";
    for (size_t i = 0; dot[1 + i] != '\0' && i + 1 < sizeof extension; i++)
        extension[i] = (char)tolower((unsigned char)dot[1 + i]);
    return strlen(dot + 1) < sizeof extension && pk_mandel_format_parse(extension, format) == PK_OK ? PK_OK : PK_EOF;
}

/* The format from --format and -o, which must agree.  Returns an exit code. */
static int choose_format(const cli_job *cli, pk_mandel_format *format)
{
    const pk_mandel_settings *settings = pk_mandel_settings_of(cli->spec.settings);
    const char *output = cli->spec.output;
    pk_mandel_format named;
    int by_name = output != NULL ? format_of_name(output, &named) : PK_EOF;
    if (settings->format_given) {
        if (by_name == PK_OK && named != settings->format) {
            cli_error(cli->what, "-o %s is named for %s, but --format says %s: choose one", output,
                      pk_mandel_format_name(named), pk_mandel_format_name(settings->format));
            return PK_EXIT_USAGE;
        }
        *format = settings->format;
        return PK_EXIT_OK;
    }
    if (by_name == PK_OK) {
        *format = named;
        return PK_EXIT_OK;
    }
    if (output != NULL)
        cli_error(cli->what, "cannot tell the format of '%s' from its name: name it .png, .ppm, .pbm or .raw, or "
                  "give --format", output);
    else
        cli_error(cli->what, "give -o FILE (.png, .ppm, .pbm, .raw) or --format png|ppm|pbm|raw for standard output");
    return PK_EXIT_USAGE;
}

/* Refuses an image bigger than the free space where it goes, before any
 * work (rank 0's disk).  Returns an exit code. */
static int check_room(const cli_job *cli, uint64_t bytes)
{
    if (cli->spec.output == NULL)
        return PK_EXIT_OK;
    char directory[PATH_MAX];
    cli_directory_of(cli->spec.output, directory, sizeof directory);
    struct statvfs fs;
    if (statvfs(directory, &fs) != 0)
        return PK_EXIT_OK; /* opening the output will say why */
    const uint64_t free_bytes = (uint64_t)fs.f_bavail * fs.f_frsize;
    if (bytes > free_bytes) {
        cli_error(cli->what, "the image takes %" PRIu64 " bytes, but %s has %" PRIu64 " free", bytes, directory,
                  free_bytes);
        return PK_EXIT_USAGE;
    }
    return PK_EXIT_OK;
}

/* Checks that need only the spec, on every rank alike.  Returns an exit code. */
static int check_spec(const cli_job *cli, pk_mandel_options *options)
{
    const pk_mandel_settings *settings = pk_mandel_settings_of(cli->spec.settings);
    int rc = choose_format(cli, &options->format);
    if (rc != PK_EXIT_OK)
        return rc;
    if (options->format == PK_MANDEL_PNG && !pk_png_available()) {
        cli_error(cli->what, "PNG needs libpng: apt-get install libpng-dev, then rebuild (make); or write .ppm "
                  "(any image tool converts it), .pbm or .raw");
        return PK_EXIT_USAGE;
    }
    const char *why = NULL;
    if (pk_mandel_view_of(settings, &options->view, &why) != PK_OK) {
        cli_error(cli->what, "%s", why);
        return PK_EXIT_USAGE;
    }
    options->simd = settings->simd;
    if (!pk_mandel_simd_available(options->simd)) {
        cli_error(cli->what, "--simd %s: this CPU cannot run it (it can: %s)", pk_mandel_simd_name(options->simd),
                  pk_mandel_simd_name(pk_mandel_simd_best()));
        return PK_EXIT_USAGE;
    }
    if (cli->spec.output == NULL) {
        if (cli->spec.json) {
            cli_error(cli->what, "--json needs -o FILE (stdout carries the image)");
            return PK_EXIT_USAGE;
        }
        if (cli->spec.checkpoint != NULL) {
            cli_error(cli->what, "--checkpoint needs -o FILE (standard output cannot be resumed)");
            return PK_EXIT_USAGE;
        }
    }
    return PK_EXIT_OK;
}

/* Rank 0's checks of where the image goes (its disk, its terminal).
 * Returns an exit code. */
static int check_destination(const cli_job *cli, const pk_mandel_options *options)
{
    /* mpirun gives rank 0 a pseudo-terminal whatever its own output is:
     * under a launcher a terminal cannot be told from a pipe. */
    if (cli->spec.output == NULL && !cli_launched_by_mpi() && isatty(STDOUT_FILENO)) {
        cli_error(cli->what, "standard output is a terminal: give -o FILE, or redirect it");
        return PK_EXIT_USAGE;
    }
    return check_room(cli, pk_mandel_file_bytes(&options->view, options->format));
}

static void report_json(const cli_job *cli, const pk_mandel_options *options, const pk_mandel_report *report)
{
    const pk_mandel_view *view = &options->view;
    printf("{\"command\":\"mandel\",\"width\":%u,\"height\":%u,\"region\":[%.17g,%.17g,%.17g,%.17g],"
           "\"iterations\":%u,\"format\":\"%s\",\"simd\":\"%s\",\"inside\":%" PRIu64 ",\"bytes\":%" PRIu64
           ",\"output\":",
           view->width, view->height, view->xmin, view->xmax, view->ymin, view->ymax, view->iterations,
           pk_mandel_format_name(options->format), pk_mandel_simd_name(report->simd), report->inside,
           report->bytes);
    cli_json_string(cli->spec.output);
    printf(",");
    cli_report_json(cli, &report->run);
    printf("}\n");
}

int mandel_run_spec(const pk_job_spec *spec)
{
    cli_job cli = {.spec = *spec, .what = "mandel"};
    pk_mandel_options options = {0};
    int rc = check_spec(&cli, &options);
    if (rc != PK_EXIT_OK)
        return rc;
    uint64_t world_threads = 0;
    rc = cli_job_begin(&cli, &world_threads);
    if (rc != PK_EXIT_OK)
        return rc;
    /* Rank 0's verdict on its disk and terminal is every rank's. */
    rc = pk_comm_rank() == 0 ? check_destination(&cli, &options) : PK_EXIT_OK;
    pk_comm_broadcast(&rc, sizeof rc, 0);
    if (rc != PK_EXIT_OK)
        return rc;
    options.engine = (pk_engine_options){
        .threads = cli.threads.threads,
        .workers = world_threads,
        .schedule = cli.spec.schedule,
        .cancel = cli_signals_install(),
        .distributed = true,
        .distribute = cli.spec.distribute,
    };
    options.checkpoint_path = cli.spec.checkpoint;
    options.checkpoint_interval = cli.spec.checkpoint_interval;
    options.resume = cli.spec.resume;
    rc = cli_job_check_checkpoint(&cli);
    if (rc != PK_EXIT_OK)
        return rc;

    cli_output out;
    /* A png goes out in order, its bands' sizes known only once made;
     * with a checkpoint it is written by place in slots as large as a band
     * can deflate to, and joined at the end (pk_mandel_render_to_file). */
    const bool in_order = options.format == PK_MANDEL_PNG && cli.spec.checkpoint == NULL;
    rc = cli_output_open(&cli, &out, 2 * (size_t)options.engine.threads + 2, in_order);
    if (rc != PK_EXIT_OK)
        return rc;
    options.output_path = out.fd >= 0 ? cli.spec.output : NULL;
    pk_progress progress = {0};
    cli_progress *display = cli_job_progress_start(&cli, &options.engine, &progress, options.view.height, "rows");
    pk_mandel_report report;
    pk_mandel_report_init(&report);
    int status;
    if (out.fd >= 0) { /* by place: every band's size is known up front */
        status = pk_mandel_render_to_file(&options, out.fd, &report);
    } else {
        void *write_ctx;
        pk_write_fn write = cli_output_stream(&out, &write_ctx);
        status = pk_mandel_render(&options, write, write_ctx, &report);
    }
    cli_progress_stop(display);
    cli_note_checkpoint(&cli, &report.run);
    if (cli_output_close(&cli, &out, status, report.write_errno, &report.run.output_seconds) != PK_OK)
        return PK_EXIT_FAILURE;
    if (status != PK_OK) {
        int stopped = cli_job_stopped(&cli, status, &report.run);
        return stopped != PK_EXIT_OK ? stopped : cli_job_failed(&cli, status);
    }
    if (cli.spec.json)
        report_json(&cli, &options, &report);
    cli_report_time(&cli, &report.run);
    return PK_EXIT_OK;
}
