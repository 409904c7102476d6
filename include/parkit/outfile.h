/*
 * A file written by place: every unit of a job writes its output at its own
 * offset, from any thread of any rank, in any order (`list -o FILE`).
 *
 * The sizes of the units come first (a counting pass); from them every rank
 * knows every offset, and rank 0 gives the file its final size, so writers
 * never extend it and never wait for each other.  The file is opened by the
 * caller on every rank (a temporary name beside the final one, renamed into
 * place when the job is complete), so this module only lays out and writes.
 * Collective functions say so; under MPI they assume the ranks share the
 * file system.
 */
#ifndef PARKIT_OUTFILE_H
#define PARKIT_OUTFILE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "parkit/checkpoint.h"

typedef struct pk_outfile {
    int fd;           /* open for writing on every rank */
    const char *path; /* for messages */
    uint64_t units;
    uint64_t *offsets; /* units + 1 entries: where each unit starts; the last is the size */
    _Atomic int write_errno; /* the first failed write's cause, from any thread */
    /* Each unit's size is the most it may write (a slot), not what it
     * writes: set by the caller after pk_outfile_init (compressed images). */
    bool slots;
} pk_outfile;

/* FD and PATH as the caller opened them; nothing laid out yet. */
void pk_outfile_init(pk_outfile *file, int fd, const char *path);
void pk_outfile_free(pk_outfile *file);

/* Collective when COLLECTIVE: lays out UNITS units of SIZES bytes (every
 * rank's copy complete) and gives the file its size (rank 0).  A resumed
 * job (RESUMED has units done) keeps what they wrote, so the file must be
 * the very one they were written into, at its full size: its size and
 * inode are checked against RESUMED's notes, and recorded there for the
 * next saves.  Returns PK_OK; PK_EINVAL with WHY when the file is not the
 * one the checkpoint knows (missing, cut short, a copy); PK_EIO
 * (write_errno); PK_ENOMEM. */
int pk_outfile_lay_out(pk_outfile *file, const uint64_t *sizes, uint64_t units, pk_checkpoint *resumed,
                       bool collective, char *why, size_t why_size);

/* Writes unit UNIT's DATA at its offset; LEN must be its laid-out size,
 * or at most that with slots (PK_EINTERNAL otherwise: two passes that
 * disagree never write a wrong file).  Any thread, any order.  A pk_engine_options.write_at; CTX is the
 * pk_outfile.  PK_OK, or PK_EIO with write_errno set. */
int pk_outfile_write_unit(void *file, uint64_t unit, const char *data, size_t len);

/* Makes what was written durable (fdatasync); 0 or an errno.  For
 * pk_rounds.before_save: a checkpoint must never call a unit done before
 * its bytes are on disk. */
int pk_outfile_sync(void *file);

#endif
