/*
 * Answering numbers: the pipeline of any kernel that gives one answer per
 * number it is given (primes check: prime or composite), whatever the
 * threads and ranks.
 *
 * The kernel supplies one function, which answers a run of parsed numbers
 * as text; the driver (src/par/answers.c) does the rest:
 *   read    reader threads (parkit/reader.h) read the inputs in blocks of
 *           whole lines, ahead of the compute; numbers given as arguments
 *           make blocks of their own, in their place among the files;
 *   answer  the engine's threads answer a block's units in parallel
 *           (under MPI rank 0 broadcasts each parsed block and every rank
 *           answers a share), and the engine hands the answers on in
 *           input order;
 *   write   a writer thread (parkit/writer.h) writes them while the next
 *           block is answered.
 * Queues between the stages are bounded, so memory stays at a few blocks
 * whatever the input.  Lines that are no number fail the run (after the
 * answers before them) or are skipped, counted and the first few named.
 * With a checkpoint (parkit/rounds.h: the same load, save and removal as
 * every checkpointed run) the job is one unit whose result is how many
 * numbers were answered; blocks are then answered whole, and a resume
 * skips that many numbers.
 */
#ifndef PARKIT_ANSWERS_H
#define PARKIT_ANSWERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "parkit/engine.h"
#include "parkit/numbers.h"
#include "parkit/run_report.h"

/* What an answer function may rely on and must keep to: it may write up to
 * PK_ANSWER_SLACK bytes past its last answer (word-sized copies), and may
 * read that far past a number's digits (the input is padded,
 * PK_READER_PADDING); a number written as an expression (len 0) is
 * answered with its value, of at most PK_ANSWER_VALUE_DIGITS digits. */
enum { PK_ANSWER_SLACK = 32, PK_ANSWER_VALUE_DIGITS = 20 };

/* Answers numbers BEGIN..END of BLOCK as text from *OUT on, advancing it;
 * adds what it found to counters[0] (primes, say) and the numbers answered
 * to counters[1].  Runs on any thread; returns a pk_status. */
typedef int (*pk_answer_fn)(const void *ctx, const pk_number_block *block, size_t begin, size_t end, char **out,
                            uint64_t counters[]);

typedef struct pk_answers {
    /* ---- the kernel ---- */
    pk_answer_fn answer;
    const void *answer_ctx;
    /* The most bytes an answer adds to its number's digits. */
    size_t answer_extra;
    /* Every answer begins with a separator (',' between the elements of a
     * JSON array): the run's very first byte is dropped. */
    bool separated;

    /* ---- the run ---- */
    /* In order: numbers (64-bit expressions, or digits of any length),
     * files, "-" for standard input. */
    const char *const *inputs;
    size_t input_count;
    bool skip_bad_lines; /* else the first bad line fails the run */
    int io_threads;      /* reader threads and a writer thread; 0: the compute threads read and write */
    FILE *out;           /* rank 0 writes the answers here */
    const char *out_name; /* "standard output", for messages */
    bool quiet;          /* no notes about the checkpoint (skipped lines are still named) */
    /* Optional: a checkpoint, saved every interval seconds (0 = 60) and
     * when a cancel stops the run; IDENTITY describes the job's answers
     * (format ...); the driver adds the inputs and skip_bad_lines. */
    const char *checkpoint;
    double checkpoint_interval;
    bool resume;
    const char *identity;
    /* Optional: what the run has to say as it goes (a skipped line, a
     * resume), without the "parkit: WHAT: " the caller puts before it. */
    void (*note)(void *ctx, const char *message);
    void *note_ctx;

    /* ---- what the run found, the same on every rank ---- */
    uint64_t answered, found, skipped; /* numbers, counters[0], bad lines */
    pk_run_report report;              /* checkpoint_saved: stopped by a cancel after saving */
    char error[768];                   /* why it failed, when the run says more than its status */
    bool usage_error;                  /* the error is the user's to fix (a bad number, a refused resume) */
} pk_answers;

/* Runs ANSWERS' inputs through the pipeline with ENGINE's threads, ranks
 * and cancel flag.  Collective under MPI: rank 0 reads, writes and keeps
 * the checkpoint.  Returns PK_OK, PK_ECANCELED (stopped by ENGINE's cancel;
 * report.checkpoint_saved when a checkpoint was saved), or a failure with
 * error set when there is more to say than pk_strerror. */
int pk_answers_run(const pk_engine_options *engine, pk_answers *answers);

/* Is ARG a number input (a 64-bit expression or plain digits of any
 * length) rather than a file? */
bool pk_answers_is_number(const char *arg);

#endif
