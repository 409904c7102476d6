/*
 * `parkit primes count|list|nth`: run the job the spec describes, print the
 * answer (human or JSON) and how long it took.  All arithmetic lives in
 * src/kernels/primes/; check, whose reader/compute/writer pipeline is the
 * library's (parkit/answers.h), is in cmd_check.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/paths.h"
#include "cli/primes_cli.h"
#include "parkit/comm.h"
#include "parkit/jobspec.h"
#include "parkit/numexpr.h"
#include "parkit/status.h"
#include "parkit/writer.h"

/* [LO] HI from the positional arguments. */
static int parse_range(const cli_job *cli, uint64_t *lo, uint64_t *hi)
{
    if (cli->spec.nargs < 1 || cli->spec.nargs > 2) {
        cli_error(cli->what, cli->spec.nargs < 1 ? "missing HI (usage: parkit primes %s [LO] HI)"
                                            : "too many arguments (usage: parkit primes %s [LO] HI)",
                  pk_job_command_name(&cli->spec));
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

int primes_run_count(cli_job *cli, pk_primes_options *options)
{
    uint64_t lo, hi;
    int rc = parse_range(cli, &lo, &hi);
    if (rc != PK_EXIT_OK)
        return rc;
    pk_progress progress = {0};
    cli_progress *display = cli_job_progress_start(cli, &options->engine, &progress, (double)(hi - lo) + 1, "numbers");
    pk_primes_report report;
    pk_primes_report_init(&report);
    uint64_t count;
    int status = pk_primes_count(options, lo, hi, primes_settings(cli)->pattern, &count, &report);
    cli_progress_stop(display);
    cli_note_checkpoint(cli, &report.run);
    if (status != PK_OK) {
        int stopped = cli_job_stopped(cli, status, &report.run);
        return stopped != PK_EXIT_OK ? stopped : cli_job_failed(cli, status);
    }
    const char *method;
    pk_validation validation = pk_primes_validate_count(lo, hi, primes_settings(cli)->pattern, count, &method);
    if (validation == PK_VALIDATION_FAILED) {
        cli_error(cli->what, "the answer %" PRIu64 " failed validation (%s): this is a bug in parkit, please report it",
                  count, method);
        return PK_EXIT_FAILURE;
    }
    if (cli->spec.json) {
        printf("{\"command\":\"primes count\",\"lo\":%" PRIu64 ",\"hi\":%" PRIu64
               ",\"pattern\":\"%s\",\"count\":%" PRIu64 ",\"validated\":%s,\"validation\":\"%s\",\"algo\":\"%s\",",
               lo, hi, pk_pattern_name(primes_settings(cli)->pattern), count,
               validation == PK_VALIDATION_PASSED ? "true" : "null", method,
               pk_algo_name(primes_settings(cli)->algo));
        cli_report_json(cli, &report.run);
        printf("}\n");
    } else {
        printf("%" PRIu64 "\n", count);
    }
    cli_report_time(cli, &report.run);
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

static int open_list_output(const cli_job *cli, list_output *out)
{
    out->stream = stdout;
    if (cli->spec.output == NULL)
        return PK_OK;
    bool stream = false;
    out->final = cli_follow_links(cli->spec.output, &stream);
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
        int fd = stream ? cli_own_descriptor(out->final) : -1;
        if (fd < 0)
            fd = cli_open_in_place(cli->spec.output);
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
static void close_list_output(const cli_job *cli, list_output *out, int status)
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

int primes_run_list(cli_job *cli, pk_primes_options *options)
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
        return opened == PK_ECANCELED ? cli_job_failed(cli, opened) : PK_EXIT_FAILURE;
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
    cli_progress *display = cli_job_progress_start(cli, &options->engine, &progress, (double)(hi - lo) + 1, "numbers");
    pk_primes_report report;
    pk_primes_report_init(&report);
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
        pk_writer_stats(stream_writer, &max_queued, &report.run.output_seconds);
        if (status != PK_OK)
            pk_writer_cancel(stream_writer);
        int written = pk_writer_finish(stream_writer);
        if (status == PK_OK && written != PK_OK)
            status = PK_EIO;
    }
    cli_progress_stop(display);
    cli_note_checkpoint(cli, &report.run);
    if (report.write_errno != 0) /* a unit's pwrite, on whichever thread */
        note_write_error(&out, report.write_errno);
    if (writer)
        close_list_output(cli, &out, status);
    else if (fd >= 0)
        close(fd);
    if (pk_comm_agree(atomic_load(&out.write_error) != 0 ? PK_EIO : PK_OK) != PK_OK)
        return PK_EXIT_FAILURE;
    if (status != PK_OK) {
        int stopped = cli_job_stopped(cli, status, &report.run);
        return stopped != PK_EXIT_OK ? stopped : cli_job_failed(cli, status);
    }
    if (cli->spec.json) {
        printf("{\"command\":\"primes list\",\"lo\":%" PRIu64 ",\"hi\":%" PRIu64 ",\"count\":%" PRIu64
               ",\"output\":", lo, hi, count);
        cli_json_string(cli->spec.output);
        printf(",\"algo\":\"%s\",", pk_algo_name(primes_settings(cli)->algo));
        cli_report_json(cli, &report.run);
        printf("}\n");
    }
    cli_report_time(cli, &report.run);
    return PK_EXIT_OK;
}

/* ---- nth ---------------------------------------------------------------------- */

int primes_run_nth(cli_job *cli, pk_primes_options *options)
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
    cli_progress *display = cli_job_progress_start(cli, &options->engine, &progress, 0, "numbers");
    pk_primes_report report;
    pk_primes_report_init(&report);
    uint64_t prime;
    int status = pk_primes_nth(options, n, &prime, &report);
    cli_progress_stop(display);
    if (status != PK_OK)
        return cli_job_failed(cli, status);
    if (cli->spec.json) {
        printf("{\"command\":\"primes nth\",\"n\":%" PRIu64 ",\"prime\":%" PRIu64 ",\"algo\":\"%s\",", n, prime,
               pk_algo_name(primes_settings(cli)->algo));
        cli_report_json(cli, &report.run);
        printf("}\n");
    } else {
        printf("%" PRIu64 "\n", prime);
    }
    cli_report_time(cli, &report.run);
    return PK_EXIT_OK;
}

