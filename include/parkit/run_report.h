/*
 * A run's report, whatever the kernel: where the time went (set-up,
 * compute, communication, waiting for input and for output), the units and
 * threads, what the checkpoint had to say; and, gathered over the ranks,
 * each figure's min/avg/max per rank and the peak memory.  The library
 * fills it (pk_run_report_add after each engine run), the runner adds its
 * I/O waits, and src/cli/report.c prints it the same way for every kernel
 * (--time, --json).
 */
#ifndef PARKIT_RUN_REPORT_H
#define PARKIT_RUN_REPORT_H

#include <stdbool.h>
#include <stdint.h>

#include "parkit/engine.h"
#include "parkit/rounds.h"

typedef struct pk_run_report {
    /* What the kernel builds before its units, e.g. primes' table of
     * sieving primes: its name for --time ("sieving-prime table") and
     * its --json key ("table_seconds"), set by the kernel. */
    const char *setup_name, *setup_key;
    double setup_seconds;
    double compute_seconds; /* engine runs, less their communication */
    double comm_seconds;    /* in MPI calls (this rank) */
    /* The I/O stage, seen from the compute side: waiting for parsed input
     * (or reading it, with no reader threads), and waiting for the
     * writer's queue (or writing, with no writer thread). */
    double input_seconds, output_seconds;
    uint64_t units;         /* in the plan */
    const char *units_name; /* what a unit is ("step"), for --time; NULL: "unit" */
    uint64_t units_run;     /* by this rank */
    uint64_t units_resumed; /* done before this run, read from the checkpoint */
    int threads;
    /* Seconds each of this rank's threads spent in units, over every run. */
    double thread_busy[PK_BUSY_THREADS];
    int busy_threads; /* how many of thread_busy[] hold a thread */
    bool checkpoint_saved;     /* stopped early, after saving a checkpoint */
    char checkpoint_note[512]; /* that there was no checkpoint to resume from */
    /* Why the checkpoint failed the run: "cannot resume from PATH: why"
     * or "cannot save the checkpoint to PATH: why". */
    char checkpoint_error[512];
} pk_run_report;

/* An engine run of UNITS units into REPORT (may be NULL).  Compute is its
 * wall time less its communication: waiting for slower ranks happens in
 * the reductions, so it counts as communication, and compute shows the
 * imbalance. */
void pk_run_report_add(pk_run_report *report, const pk_engine_stats *stats, uint64_t units);

/* What checkpointed rounds said, into REPORT (may be NULL), after every
 * step, failed or not. */
void pk_run_report_rounds(pk_run_report *report, const pk_rounds *rounds, uint64_t units);

/* One figure over the ranks. */
typedef struct pk_spread {
    double min, avg, max;
} pk_spread;

typedef struct pk_run_ranks {
    pk_spread compute_seconds, comm_seconds, peak_rss_kib;
    uint64_t peak_rss_kib_total;
    /* Over every thread of every rank: the mean and the most busy seconds;
     * most / mean is the threads' imbalance (1: perfectly balanced). */
    double thread_busy_mean, thread_busy_max;
} pk_run_ranks;

/* This rank's threads: the mean and the most busy seconds (0 and 0 when
 * no unit ran). */
void pk_run_report_busy(const pk_run_report *report, double *mean, double *max);

/* Collective under MPI (every rank calls it): REPORT's figures and this
 * process's peak memory, over all ranks. */
void pk_run_report_gather(const pk_run_report *report, pk_run_ranks *ranks);

#endif
