/*
 * The primes kernel's commands and settings, as the front ends see them:
 * what `parkit primes ...` and a job file with `kernel = primes` set, and
 * the table of its job-file keys (pk_primes_kernel, see parkit/kernel.h).
 */
#ifndef PARKIT_PRIMES_SETTINGS_H
#define PARKIT_PRIMES_SETTINGS_H

#include <stdbool.h>

#include "parkit/kernel.h"
#include "parkit/primes.h"

/* A job spec's command, for the primes kernel (an index into its names). */
typedef enum pk_primes_command {
    PK_COMMAND_COUNT,
    PK_COMMAND_LIST,
    PK_COMMAND_CHECK,
    PK_COMMAND_NTH,
    PK_COMMAND_TEST, /* a self-check against known values */
} pk_primes_command;

typedef struct pk_primes_settings {
    pk_primes_algo algo;
    pk_primes_pattern pattern; /* count */
    bool binary;               /* list --format binary */
    bool jsonl;                /* check --format jsonl */
    bool skip_bad_lines;       /* check --on-error skip */
    const char *nth_from;      /* nth --from X, as written (read when the job runs); NULL: from 0 */
} pk_primes_settings;

extern const pk_kernel_info pk_primes_kernel;

/* The primes settings kept in a job spec's settings bytes. */
static inline pk_primes_settings *pk_primes_settings_in(void *settings)
{
    return (pk_primes_settings *)settings;
}

static inline const pk_primes_settings *pk_primes_settings_of(const void *settings)
{
    return (const pk_primes_settings *)settings;
}

/* Names as the command line and job files spell them. */
const char *pk_pattern_name(pk_primes_pattern pattern);
int pk_pattern_parse(const char *text, pk_primes_pattern *pattern);
/* "sieve" or "trial". */
const char *pk_algo_name(pk_primes_algo algo);

#endif
