/*
 * Where a job's output goes (see output.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/output.h"
#include "cli/paths.h"
#include "parkit/comm.h"
#include "parkit/status.h"


static void note_write_error(cli_output *out, int error)
{
    int none = 0;
    atomic_compare_exchange_strong(&out->write_error, &none, error != 0 ? error : EIO);
}

/* A pk_write_fn; CTX is the cli_output.  Any thread may call it (writer
 * threads take turns), so the cause of a failure is kept for the message. */
static int write_to_stream(void *ctx, const char *text, size_t len)
{
    cli_output *out = ctx;
    if (fwrite(text, 1, len, out->stream) == len)
        return 0;
    note_write_error(out, errno);
    return -1;
}

static int open_on_rank_0(const cli_job *cli, cli_output *out)
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
        int fd = open(out->temporary, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        out->created = fd >= 0;
        if (fd < 0 && errno == EEXIST)
            fd = open(out->temporary, O_RDWR | O_CLOEXEC);
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
static void close_on_rank_0(const cli_job *cli, cli_output *out, int status)
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


int cli_output_open(const cli_job *cli, cli_output *out, size_t queue, bool in_order)
{
    /* Rank 0 opens the output.  A regular file is written by every thread
     * of every rank at its own offsets; stdout, pipes and devices get the
     * text in order from rank 0. */
    *out = (cli_output){.fd = -1};
    const bool writer = pk_comm_rank() == 0;
    int opened = pk_comm_agree(writer ? open_on_rank_0(cli, out) : PK_OK);
    if (opened != PK_OK) {
        free(out->final);
        return opened == PK_ECANCELED ? cli_job_failed(cli, opened) : PK_EXIT_FAILURE;
    }
    if (writer && out->temporary != NULL && !in_order)
        snprintf(out->shared_path, sizeof out->shared_path, "%s", out->temporary);
    pk_comm_broadcast(out->shared_path, sizeof out->shared_path, 0);
    if (out->shared_path[0] != '\0') {
        out->fd = writer ? fileno(out->stream) : open(out->shared_path, O_RDWR) /* a png by place is read back to be joined */;
        if (pk_comm_agree(out->fd < 0 ? PK_EIO : PK_OK) != PK_OK) {
            if (out->fd < 0)
                cli_error(cli->what, "cannot open '%s' on rank %d: %s", out->shared_path, pk_comm_rank(),
                          strerror(errno));
            if (writer)
                close_on_rank_0(cli, out, PK_EIO);
            else if (out->fd >= 0)
                close(out->fd);
            return PK_EXIT_FAILURE;
        }
        return PK_EXIT_OK;
    }
    static char buffer[1 << 20];
    if (writer)
        setvbuf(out->stream, buffer, _IOFBF, sizeof buffer);
    /* A stream goes through writer threads, so computing the next units
     * overlaps with writing these (and a slow reader slows us down through
     * the writer's bounded queue, never grows memory). */
    const int io_threads = cli->spec.io_threads < 0 ? 1 : cli->spec.io_threads;
    int status = PK_OK;
    if (writer && io_threads > 0)
        status = pk_writer_create(&out->writer, io_threads, queue, write_to_stream, out);
    if (pk_comm_agree(status) != PK_OK) {
        cli_error(cli->what, "cannot start the writer threads: %s", pk_strerror(status));
        if (writer)
            close_on_rank_0(cli, out, PK_ENOMEM);
        return PK_EXIT_FAILURE;
    }
    return PK_EXIT_OK;
}

pk_write_fn cli_output_stream(cli_output *out, void **ctx)
{
    if (out->writer != NULL) {
        *ctx = out->writer;
        return pk_writer_write_fn;
    }
    *ctx = out;
    return write_to_stream;
}

int cli_output_close(const cli_job *cli, cli_output *out, int status, int write_errno, double *output_seconds)
{
    if (out->writer != NULL) {
        size_t max_queued;
        pk_writer_stats(out->writer, &max_queued, output_seconds);
        if (status != PK_OK)
            pk_writer_cancel(out->writer);
        int written = pk_writer_finish(out->writer);
        if (status == PK_OK && written != PK_OK)
            status = PK_EIO;
        out->writer = NULL;
    }
    if (write_errno != 0) /* a unit's pwrite, on whichever thread */
        note_write_error(out, write_errno);
    if (pk_comm_rank() == 0)
        close_on_rank_0(cli, out, status);
    else if (out->fd >= 0)
        close(out->fd);
    return pk_comm_agree(atomic_load(&out->write_error) != 0 ? PK_EIO : PK_OK);
}
