/*
 * Where a job's output goes, for any kernel: -o FILE or standard output.
 *
 * Rank 0 decides (paths.c): a regular file is written under a temporary
 * name beside FILE (FILE.partial with a checkpoint, kept for a resume) and
 * renamed into place only when the job and every write succeeded, so FILE
 * is complete or absent; every rank opens the temporary and writes its
 * units at their offsets (parkit/outfile.h).  Standard output, a pipe, a
 * device or a FIFO is a stream: rank 0 writes it in order, through writer
 * threads (--io-threads) while the compute goes on.
 */
#ifndef PK_CLI_OUTPUT_H
#define PK_CLI_OUTPUT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>

#include "cli/report.h"
#include "parkit/engine.h"
#include "parkit/writer.h"

typedef struct cli_output {
    /* Rank 0's. */
    FILE *stream;
    char *final;     /* the file the temporary becomes: -o, with links followed */
    char *temporary; /* NULL unless writing a temporary file */
    bool created;    /* the temporary (a checkpoint's .partial) is new */
    _Atomic int write_error; /* errno of the first failed write or close, from any thread */
    pk_writer *writer;       /* a stream's writer threads, or NULL */
    /* Every rank's. */
    int fd;                  /* a regular file written by place; -1 for a stream */
    char shared_path[4096];  /* its temporary name, the same on every rank */
} cli_output;

/* Collective: opens the output for CLI's job (said when it cannot); a
 * stream gets cli->spec.io_threads writer threads (default 1) with a
 * queue of QUEUE writes.  IN_ORDER: a regular file is written as a stream
 * too (by rank 0, in order: a format whose parts' sizes are known only
 * once made), still under a temporary name.  Returns an exit code. */
int cli_output_open(const cli_job *cli, cli_output *out, size_t queue, bool in_order);

/* A stream's ordered write function (pk_engine_options.write) and its
 * context: the writer threads, or the stream itself. */
pk_write_fn cli_output_stream(cli_output *out, void **ctx);

/* Collective, after the job (STATUS): the writer threads finished (their
 * blocked time added to *OUTPUT_SECONDS), the file renamed into place or
 * removed; WRITE_ERRNO is a unit's failed pwrite (0: none).  Returns PK_OK,
 * or PK_EIO when any write failed anywhere (said). */
int cli_output_close(const cli_job *cli, cli_output *out, int status, int write_errno, double *output_seconds);

#endif
