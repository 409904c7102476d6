/*
 * A job: everything that says what to run and how, whoever wrote it down.
 *
 * The command line (`parkit primes ...`) and job files (`parkit run
 * JOB.ini`, parsed in src/job/) fill this same struct, and one executor
 * runs it, so a job behaves the same from a laptop shell, under mpirun and
 * in an sbatch script.
 */
#ifndef PARKIT_JOBSPEC_H
#define PARKIT_JOBSPEC_H

#include <stdbool.h>
#include <stddef.h>

#include "parkit/engine.h"
#include "parkit/primes.h"

typedef enum pk_command {
    PK_COMMAND_COUNT,
    PK_COMMAND_LIST,
    PK_COMMAND_CHECK,
    PK_COMMAND_NTH,
} pk_command;

enum { PK_JOB_MAX_ARGS = 4096 };

typedef struct pk_job_spec {
    pk_command command;
    /* Positional arguments as written: [LO] HI for count and list, N for
     * nth, numbers, files or '-' for check.  Parsed when the job runs, so
     * both front ends report bad numbers the same way. */
    const char *args[PK_JOB_MAX_ARGS];
    int nargs;
    int threads; /* 0: not set (environment, then the affinity mask decide) */
    pk_schedule schedule;
    pk_distribute distribute;
    bool distribute_given; /* else: dynamic, but block for list (output in order) */
    pk_primes_algo algo;
    pk_primes_pattern pattern;
    bool json, time, quiet;
    bool binary;         /* list --format binary */
    bool jsonl;          /* check --format jsonl */
    bool skip_bad_lines; /* check --on-error skip */
    int progress;        /* -1 auto (stderr is a terminal), 0 off, 1 on */
    double timeout;      /* seconds; 0 = none */
    const char *output;  /* list -o FILE */
    int io_threads;             /* list to a stream: writer threads; 0 = compute threads write; -1 = default (1) */
    const char *checkpoint;     /* count, list -o: checkpoint file; NULL = none */
    double checkpoint_interval; /* seconds; 0 = the default (60) */
    bool resume;                /* continue from the checkpoint when there is one */
} pk_job_spec;

/* The defaults: count, dynamic schedule, dynamic distribution (block for
 * list), sieve, primes,
 * progress when stderr is a terminal. */
void pk_job_spec_init(pk_job_spec *spec);

/* Names as the command line and job files spell them. */
const char *pk_command_name(pk_command command);
int pk_command_parse(const char *text, pk_command *command);
const char *pk_pattern_name(pk_primes_pattern pattern);
int pk_pattern_parse(const char *text, pk_primes_pattern *pattern);

#endif
