/*
 * Job files: a job written down once, in INI, and run with
 * `parkit run JOB.ini [--set SECTION.KEY=VALUE ...]`.
 *
 * A job file fills the same pk_job_spec the command line fills, so a job
 * behaves the same whichever way it was written.  The format is described
 * at the top of src/job/jobfile.c and in jobs/README.md.
 *
 * Typical use (the CLI exits 2 on PK_EINVAL, 1 on PK_EIO or PK_ENOMEM):
 *
 *     pk_job_spec spec;
 *     pk_job_spec_init(&spec);
 *     pk_job_strings *store = pk_job_strings_create();
 *     int rc = store != NULL ? pk_job_file_load(&spec, store, path, error, sizeof error) : PK_ENOMEM;
 *     for (each --set ASSIGNMENT, while rc == PK_OK)
 *         rc = pk_job_file_set(&spec, store, assignment, error, sizeof error);
 *     ... run spec ...
 *     pk_job_strings_free(store);
 *
 * Thread safety: none needed and none given; use one store per job.
 */
#ifndef PARKIT_JOBFILE_H
#define PARKIT_JOBFILE_H

#include <stddef.h>

#include "parkit/jobspec.h"

/* An arena of strdup'd strings: the texts a job file puts in a spec
 * (args[], output).  It also remembers which settings the file and earlier
 * overrides gave, and on which line, which pk_job_file_set needs to check
 * an override against the rest of the job.  Use one store per spec. */
typedef struct pk_job_strings pk_job_strings;

/* A new, empty store; NULL when out of memory. */
pk_job_strings *pk_job_strings_create(void);

/* Frees STORE and every string in it: the args[] and output of any spec
 * filled with it are dangling afterwards.  STORE may be NULL. */
void pk_job_strings_free(pk_job_strings *store);

/* A job file larger than this is refused (it is no job file). */
#define PK_JOB_FILE_MAX_BYTES (1 << 20)

/*
 * Reads the INI job file PATH into SPEC, which the caller initialised with
 * pk_job_spec_init.  Strings put in SPEC (args[], output) are owned by STORE
 * and live until pk_job_strings_free(STORE).
 *
 * Returns PK_OK; PK_EINVAL for a bad job file, with "PATH:LINE: why" (or
 * "PATH: why" for what only the whole file shows, such as a missing
 * required key) in ERROR; PK_EIO when PATH cannot be opened or read
 * ("PATH: cannot open: No such file or directory"); PK_ENOMEM.  Parsing
 * stops at the first error.  On error SPEC is left as it was.
 * ERROR may be NULL when ERROR_SIZE is 0.
 */
int pk_job_file_load(pk_job_spec *spec, pk_job_strings *store, const char *path, char *error, size_t error_size);

/*
 * Applies one override "SECTION.KEY=VALUE" (as --set gives it, e.g.
 * "range.hi=1e11"), as if it were the last line of the job file loaded
 * into SPEC and STORE, with the same validation, except that it replaces a
 * single-valued key instead of being a duplicate, and check.input replaces
 * the whole list of inputs.  The job as a whole must still hold together
 * afterwards (required keys present, every key applying to the command).
 *
 * Returns PK_OK, PK_EINVAL with "--set ASSIGNMENT: why" (or, when the
 * override makes a key of the file wrong, "PATH:LINE: why") in ERROR, or
 * PK_ENOMEM.  On error SPEC is left as it was.
 */
int pk_job_file_set(pk_job_spec *spec, pk_job_strings *store, const char *assignment, char *error,
                    size_t error_size);

#endif
