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
 *
 * Nothing in a checkpoint is taken on trust: it ends with a checksum of
 * everything before it, every number is plain digits, and a unit's result
 * may be bounded (result_limit), so a damaged or edited checkpoint is
 * refused with the reason instead of changing an answer.  Notes carry facts
 * about the world outside the job that a resume must find unchanged (the
 * size and inode of a partial output file, say).
 */
#ifndef PARKIT_CHECKPOINT_H
#define PARKIT_CHECKPOINT_H

#include <stddef.h>
#include <stdint.h>

#define PK_CHECKPOINT_VERSION 2
enum { PK_CHECKPOINT_NOTES = 8 };

typedef struct pk_checkpoint_note {
    char key[32]; /* "" when unused */
    uint64_t value;
} pk_checkpoint_note;

typedef struct pk_checkpoint {
    char identity[8192];  /* "key value" lines describing the job, incl. its partial output file */
    uint64_t units;
    uint8_t *done;        /* units entries: 1 when the unit is finished */
    uint64_t *results;    /* units entries: what a finished unit found */
    /* Optional: the most UNIT can find; a loaded result above it is refused. */
    uint64_t (*result_limit)(const void *ctx, uint64_t unit);
    const void *limit_ctx;
    pk_checkpoint_note notes[PK_CHECKPOINT_NOTES];
} pk_checkpoint;

/* Allocates done[] and results[] for `units` units, all not done. */
int pk_checkpoint_init(pk_checkpoint *checkpoint, uint64_t units);
void pk_checkpoint_free(pk_checkpoint *checkpoint);
uint64_t pk_checkpoint_done_count(const pk_checkpoint *checkpoint);

/* Sets note KEY (at most 31 bytes, no blanks) to VALUE; PK_ENOMEM when all are taken. */
int pk_checkpoint_set_note(pk_checkpoint *checkpoint, const char *key, uint64_t value);
/* PK_OK and *value, or PK_EOF when the checkpoint has no such note. */
int pk_checkpoint_get_note(const pk_checkpoint *checkpoint, const char *key, uint64_t *value);

/* Before a run: may PATH be used as a checkpoint?  Refused (PK_EINVAL, why
 * says so) when it is a directory or an existing file that is not a parkit
 * checkpoint (it would be overwritten, then deleted at the end); PK_EIO
 * when its directory cannot take a new file (why names the cause), which
 * would otherwise show only at the first save, perhaps an hour later. */
int pk_checkpoint_check_path(const char *path, char *why, size_t why_size);
/* The same for a kernel's own checkpoint files, which begin with BEGINNING
 * (at most 64 bytes). */
int pk_checkpoint_check_path_of(const char *path, const char *beginning, char *why, size_t why_size);

/* Writes atomically: PATH.tmp-PID, fsync, rename over PATH.  PK_EIO with
 * errno set to the cause when it cannot. */
int pk_checkpoint_save(const pk_checkpoint *checkpoint, const char *path);

/* Reads PATH into CHECKPOINT, whose identity and units the caller set to
 * what this job expects (and result_limit, when it has one).  Returns
 * PK_OK, PK_EOF when there is no file, PK_EINVAL when it belongs to
 * another job or format version or is no checkpoint at all, PK_EIO when it
 * cannot be read or is damaged (a wrong checksum, a number that is not
 * one, a result over its limit); WHY says which. */
int pk_checkpoint_load(pk_checkpoint *checkpoint, const char *path, char *why, size_t why_size);

#endif
