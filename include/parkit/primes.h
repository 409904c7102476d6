/*
 * Prime jobs: count, list, find the n-th, check — over any closed range
 * [lo, hi] up to 2^64-1, on whichever engine the options name.
 *
 * Each job plans its units (contiguous runs of the range), builds the
 * table of sieving primes once (shared read-only by the threads), and lets
 * the engine run the units.  Every thread count and schedule gives the same
 * answer; tests hold it to that.
 */
#ifndef PARKIT_PRIMES_H
#define PARKIT_PRIMES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "parkit/engine.h"
#include "parkit/run_report.h"

typedef enum pk_primes_algo {
    PK_ALGO_SIEVE, /* segmented sieve of Eratosthenes (default) */
    PK_ALGO_TRIAL, /* textbook trial division, the baseline */
} pk_primes_algo;

/* What to count: single primes, or k-tuplets (primesieve's -c2..-c6). */
typedef enum pk_primes_pattern {
    PK_PATTERN_PRIMES = 1,
    PK_PATTERN_TWINS = 2,
    PK_PATTERN_TRIPLETS = 3,
    PK_PATTERN_QUADRUPLETS = 4,
    PK_PATTERN_QUINTUPLETS = 5,
    PK_PATTERN_SEXTUPLETS = 6,
} pk_primes_pattern;

typedef struct pk_primes_options {
    pk_engine_options engine;
    pk_primes_algo algo;
    size_t segment_bytes; /* 0 = default (32 KiB) */
    uint64_t unit_bytes;  /* 0 = planned from the range and thread count */
    bool binary_output;   /* list: 8 little-endian bytes per prime instead of text lines */
    /* list: twins .. sextuplets list one tuplet a line, "(a, b, ...)", as
     * primesieve -p2..-p6 (text only); 0 or PK_PATTERN_PRIMES: primes. */
    pk_primes_pattern pattern;
    /* Checkpoints (count, and list into a file): NULL = none.  With resume,
     * a run continues from the checkpoint when there is one. */
    const char *checkpoint_path;
    double checkpoint_interval; /* seconds between checkpoints; 0 = 60 */
    bool resume;
    const char *output_path;    /* list into a file: the partial file, part of the job's identity */
} pk_primes_options;

/* What a run did, for --time and --json. */
typedef struct pk_primes_report {
    pk_run_report run;      /* time, units, threads, checkpoint: as every kernel's */
    uint64_t sieving_limit; /* the table holds the primes up to this */
    int write_errno;        /* list into a file: the cause of the first failed write */
} pk_primes_report;

/* An empty report that names primes' set-up (the sieving-prime table). */
void pk_primes_report_init(pk_primes_report *report);

/* Counts primes, or k-tuplets whose first member is in [lo, hi] and whose
 * last member is <= hi. */
int pk_primes_count(const pk_primes_options *options, uint64_t lo, uint64_t hi, pk_primes_pattern pattern,
                    uint64_t *count, pk_primes_report *report);

/* Lists the primes in [lo, hi], one per line, in increasing order, through
 * WRITE (on rank 0 only when the engine is distributed over ranks). */
int pk_primes_list(const pk_primes_options *options, uint64_t lo, uint64_t hi, pk_write_fn write,
                   void *ctx, uint64_t *count, pk_primes_report *report);

/* Lists [lo, hi] into the regular file FD, which every rank has open: the
 * size of each unit's text is computed first (a counting pass), then every
 * unit is formatted and written at its own offset with pwrite, in any order,
 * by any thread of any rank.  *bytes receives the file's length. */
int pk_primes_list_to_file(const pk_primes_options *options, uint64_t lo, uint64_t hi, int fd, uint64_t *count,
                           uint64_t *bytes, pk_primes_report *report);

/* The n-th prime (n >= 1; p_1 = 2).  PK_ERANGE when it is above 2^64-1. */
int pk_primes_nth(const pk_primes_options *options, uint64_t n, uint64_t *prime, pk_primes_report *report);
/* The n-th prime from FROM on (FROM itself the first when it is prime):
 * counts only from FROM, so it costs what the primes between FROM and the
 * answer cost.  PK_ERANGE when fewer than n primes lie in [FROM, 2^64-1]. */
int pk_primes_nth_from(const pk_primes_options *options, uint64_t from, uint64_t n, uint64_t *prime,
                       pk_primes_report *report);

/* Tests count numbers on this process's threads (never across ranks: the
 * numbers are this process's); is_prime[i] receives 1 or 0.  Exact for
 * all 64-bit n. */
int pk_primes_check(const pk_primes_options *options, const uint64_t *numbers, uint8_t *is_prime, size_t count,
                    pk_primes_report *report);

/* check's answers (parkit/answers.h: a pk_answer_fn whose ctx points to a
 * pk_primes_answer_format): is each number prime?  counters[0] counts the
 * primes (and probable primes), counters[1] the numbers. */
typedef enum pk_primes_answer_format {
    PK_PRIMES_ANSWER_TEXT,    /* "N prime" */
    PK_PRIMES_ANSWER_VERDICT, /* "prime" (-q) */
    PK_PRIMES_ANSWER_JSON,    /* ,{"n":"N","verdict":"prime"}: the elements of an array */
    PK_PRIMES_ANSWER_JSONL,   /* {"n":"N","verdict":"prime"}, a line each */
} pk_primes_answer_format;

struct pk_number_block;
int pk_primes_answer(const void *format, const struct pk_number_block *block, size_t begin, size_t end, char **out,
                     uint64_t counters[]);
/* The most bytes an answer in FORMAT adds to its number's digits. */
size_t pk_primes_answer_extra(pk_primes_answer_format format);

/* Does a count hold up?  Counts from 0 to x are checked against known exact
 * values (pi(10^k), pi(2^64-1), tuplets at 10^k) or, for other x, against
 * Dusart's proven bounds on pi(x).  A failure means a bug: report it rather
 * than print a wrong number.  *method receives a short static description. */
typedef enum pk_validation {
    PK_VALIDATION_FAILED = 0,
    PK_VALIDATION_PASSED = 1,
    PK_VALIDATION_NOT_APPLICABLE = 2,
} pk_validation;

pk_validation pk_primes_validate_count(uint64_t lo, uint64_t hi, pk_primes_pattern pattern, uint64_t count,
                                       const char **method);

/* pi(2^64 - 1): the number of primes below 2^64. */
#define PK_PRIMES_BELOW_2_64 UINT64_C(425656284035217743)

#endif
