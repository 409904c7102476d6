/*
 * Shared pieces of the command line: exit codes, messages, options common
 * to every subcommand, progress and signals.  The CLI is the only layer that
 * prints to the user and the only one that decides an exit code.
 */
#ifndef PK_CLI_H
#define PK_CLI_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "parkit/cpus.h"
#include "parkit/engine.h"

enum {
    PK_EXIT_OK = 0,
    PK_EXIT_FAILURE = 1, /* the run failed: I/O, memory, bad data in a file */
    PK_EXIT_USAGE = 2,   /* the command line is wrong */
    PK_EXIT_CHECKPOINTED = 75, /* stopped by a signal after saving a checkpoint: resume later */
    PK_EXIT_INTERRUPTED = 130,
};

/* Prints "parkit: WHAT: WHY" to stderr, control bytes escaped as \xNN. */
void cli_error(const char *what, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The same for what is not an error (a skipped line, a note). */
void cli_note(const char *what, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* "WHAT: WHY" of the first cli_error of this process ("" before any). */
const char *cli_first_error(void);

/* Parses a number argument; on failure prints
 * "parkit: WHAT: bad NAME 'TEXT': why" and returns PK_EXIT_USAGE. */
int cli_parse_number(const char *what, const char *name, const char *text, uint64_t *value);

/* Prints TEXT to stdout as a JSON string, quotes and escapes included. */
void cli_json_string(const char *text);

/* ---- progress on stderr ---------------------------------------------------- */

typedef struct cli_progress cli_progress;
/* Starts a thread that redraws "percent, rate, ETA" a few times a second
 * while the engine counts units in *progress; NULL when disabled.
 * work_total is the size of the job in `work_unit`s (e.g. numbers). */
cli_progress *cli_progress_start(pk_progress *progress, double work_total, const char *work_unit);
/* Stops the thread and erases the line. */
void cli_progress_stop(cli_progress *display);

/* ---- signals -------------------------------------------------------------- */

/* SIGINT and SIGTERM set the flag the engines poll between units; a second
 * signal kills the process the usual way. */
const volatile _Atomic int *cli_signals_install(void);
int cli_signal_received(void);
/* After SECONDS, acts as a signal would (SIGALRM): engines stop between units. */
void cli_timeout_start(double seconds);

/* ---- ranks (ranks.c) --------------------------------------------------------- */

/* Remembers this rank's arguments (main, once MPI is up). */
void cli_ranks_start(int argc, char **argv);
/* Adds an input every rank reads for itself (a job file) to what they compare. */
void cli_ranks_add_input(const void *data, size_t len);
/* Collective, and the first collective of every run: each rank brings its
 * exit code so far and its thread count; all leave with the same exit code
 * (the first failing rank's, said by rank 0 with the rank's number; 2 when
 * the ranks' arguments differ).  *world_threads (optional) receives the
 * threads of all ranks together.  Without MPI it returns exit_code. */
int cli_ranks_ready(int exit_code, int threads, uint64_t *world_threads);
/* Rank 0 says once, for every rank, whether threads will share cores
 * (found by cli_ranks_ready: a host's ranks with more threads than its
 * CPUs, or a rank bound to fewer CPUs than its threads); SOURCE is where
 * the thread count came from. */
void cli_ranks_warn_crowding(const char *source);
/* Has this process been through cli_ranks_ready? */
bool cli_ranks_were_ready(void);

/* Started by mpirun, srun or another MPI launcher (main.c)? */
bool cli_launched_by_mpi(void);
/* Does the user see this process's stderr on a terminal?  Under mpirun:
 * is mpirun's own stderr one (for a rank on mpirun's host)? */
bool cli_stderr_on_terminal(void);

/* ---- subcommands ----------------------------------------------------------- */

int cli_primes(int argc, char **argv);
int cli_mandel(int argc, char **argv);
int cli_heat(int argc, char **argv);
int cli_info(int argc, char **argv);
int cli_run(int argc, char **argv);
int cli_bench(int argc, char **argv);

#endif
