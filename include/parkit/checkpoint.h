/*
 * Checkpoints: which units of a job are done, and what each one found.
 *
 * A checkpoint is a small text file written atomically (temporary name,
 * fsync, rename), so a crash at any moment leaves either the previous
 * checkpoint or the new one, never a torn file.  It starts with the job's
 * identity (command, range, pattern, algorithm, format, plan); a resume
 * refuses a checkpoint whose identity differs, so a checkpoint of another
 * job can never be mixed in.  Units are the plan's, which does not depend on
 * how many threads or ranks run it, so a job can resume with other counts.
 */
#ifndef PARKIT_CHECKPOINT_H
#define PARKIT_CHECKPOINT_H

#include <stddef.h>
#include <stdint.h>

#define PK_CHECKPOINT_VERSION 1

typedef struct pk_checkpoint {
    char identity[8192];  /* "key value" lines describing the job, incl. its partial output file */
    uint64_t units;
    uint8_t *done;        /* units entries: 1 when the unit is finished */
    uint64_t *results;    /* units entries: what a finished unit found */
} pk_checkpoint;

/* Allocates done[] and results[] for `units` units, all not done. */
int pk_checkpoint_init(pk_checkpoint *checkpoint, uint64_t units);
void pk_checkpoint_free(pk_checkpoint *checkpoint);
uint64_t pk_checkpoint_done_count(const pk_checkpoint *checkpoint);

/* Writes atomically: PATH.tmp-PID, fsync, rename over PATH. */
int pk_checkpoint_save(const pk_checkpoint *checkpoint, const char *path);

/* Reads PATH into CHECKPOINT, whose identity and units the caller set to
 * what this job expects.  Returns PK_OK, PK_EOF when there is no file,
 * PK_EINVAL when it belongs to another job or format version (why says
 * which line differs), PK_EIO when it cannot be read or is damaged. */
int pk_checkpoint_load(pk_checkpoint *checkpoint, const char *path, char *why, size_t why_size);

#endif
