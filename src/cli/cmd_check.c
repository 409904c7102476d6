/*
 * `parkit primes check N... | FILE... | -`: is each number prime?
 *
 * A pipeline of three stages, each on its own threads:
 *   read    reader threads (src/io/reader.c) read the files in blocks of
 *           whole lines, ahead of the compute, and cut each block into
 *           pieces of about PIECE_BYTES;
 *   answer  the engine's threads parse a block's pieces, test their
 *           numbers and format the answers, piece by piece, in parallel;
 *           the engine hands the pieces' text on in input order;
 *   write   a writer thread (src/io/writer.c) writes that text while the
 *           next block is being answered.
 * The queues between the stages are bounded (reader slots, writer queue),
 * so memory stays at a few blocks whatever the input, and a slow reader
 * of our output slows everything down instead of growing memory.  With
 * --io-threads 0 the compute side reads and writes itself, one after the
 * other, for the contrast.
 *
 * Answers copy the number's own digits from the input when they are
 * already in canonical form (the common case), so formatting an answer
 * costs a copy; expressions such as 2^61-1 are written as their value.
 *
 * Parsing where the numbers are tested keeps them in that core's cache;
 * parsed on a reader thread, they cost as much again to move to the core
 * that tests them (docs/design.md has the figures).
 *
 * Under MPI, and with --checkpoint, rank 0's reader threads parse whole
 * blocks instead (pk_number_block_parse, src/io/numbers.c): rank 0
 * broadcasts each parsed block, every rank answers a share of its units,
 * and the engine brings their text back to rank 0 in order; a checkpoint
 * counts whole blocks.
 */
#include <errno.h>
#include <pthread.h>
#include <inttypes.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/primes_cli.h"
#include "core/buffer.h"
#include "core/clock.h"
#include "parkit/checkpoint.h"
#include "parkit/comm.h"
#include "parkit/numbers.h"
#include "parkit/numexpr.h"
#include "parkit/primality.h"
#include "parkit/reader.h"
#include "parkit/status.h"
#include "parkit/writer.h"

enum {
    BLOCK_BYTES = 1 << 20,   /* of input text per block */
    UNIT_WEIGHT = 1024,      /* numbers per unit; a big number weighs its digits */
    PIECE_BYTES = 16 << 10,  /* of text per unit in a stream (about 800 numbers of 64 bits) */
    PIECE_CHUNK = 256,       /* numbers a stream's unit parses, then answers, at a time */
};

/* ---- answering a block: the engine's job ------------------------------------------ */

/* A block's answers.  Before the engine runs, each unit gets its own range
 * of `text`, sized for the longest answers its numbers can have, and it
 * writes there; the engine's ordered output then only records where each
 * unit's answers are (`parts`), and the writer thread writes them from
 * there.  So an answer is written once, by the thread that tested the
 * number, and never copied on its way out.  Sheets are reused (spares).
 * Under MPI, answers of other ranks arrive in the engine's own buffers and
 * are copied into `copies`, sized like `text`, so recorded parts stay put.
 * In a stream, a unit is a piece of text that it parses itself, so how
 * much it answers is known only as it goes: each piece writes into a
 * buffer of its own (`pieces`, reused with the sheet) instead of `text`. */
typedef struct piece_answers {
    char *text;
    size_t capacity, len;
    uint64_t lines; /* in the piece (up to a bad line that stopped it) */
    uint64_t counts[2]; /* primes, numbers: added to the run's as they are written */
    pk_bad_lines bad;  /* numbered from the piece's first line */
    bool stopped;   /* at a bad line (--on-error fail): the block's answers end here */
} piece_answers;

typedef struct answer_sheet {
    struct check_run *run; /* whose spares it returns to */
    char *text, *copies;
    size_t text_capacity, copies_capacity, copies_len;
    size_t *unit_start; /* units + 1 indices into the block */
    size_t *unit_at;    /* where each unit's answers start in text */
    size_t *unit_len;   /* and how long they came out */
    size_t units_capacity;
    pk_write_part *parts;
    size_t part_count, part_capacity;
    piece_answers *pieces;
    size_t pieces_capacity;
    size_t next_piece; /* while written: the first piece not yet written */
    bool dropping;     /* a piece before stopped: none after it is written */
    struct answer_sheet *next_spare;
} answer_sheet;

static void answer_sheet_free(answer_sheet *sheet)
{
    free(sheet->text);
    free(sheet->copies);
    free(sheet->unit_start);
    free(sheet->unit_at);
    free(sheet->unit_len);
    free(sheet->parts);
    for (size_t i = 0; i < sheet->pieces_capacity; i++)
        free(sheet->pieces[i].text);
    free(sheet->pieces);
    free(sheet);
}

/* Room for a part per unit (or piece): what the engine writes of a block. */
static bool reserve_parts(answer_sheet *sheet, size_t units)
{
    if (units <= sheet->part_capacity)
        return true;
    pk_write_part *parts = realloc(sheet->parts, 2 * units * sizeof *parts);
    if (parts == NULL)
        return false;
    sheet->parts = parts;
    sheet->part_capacity = 2 * units;
    return true;
}

static bool reserve_units(answer_sheet *sheet, size_t units)
{
    if (!reserve_parts(sheet, units))
        return false;
    if (units + 1 <= sheet->units_capacity)
        return true;
    size_t capacity = 2 * (units + 1), *start, *at, *len;
    if ((start = realloc(sheet->unit_start, capacity * sizeof *start)) != NULL)
        sheet->unit_start = start;
    if ((at = realloc(sheet->unit_at, capacity * sizeof *at)) != NULL)
        sheet->unit_at = at;
    if ((len = realloc(sheet->unit_len, capacity * sizeof *len)) != NULL)
        sheet->unit_len = len;
    if (start == NULL || at == NULL || len == NULL)
        return false;
    sheet->units_capacity = capacity;
    return true;
}

static bool reserve_pieces(answer_sheet *sheet, size_t pieces)
{
    if (!reserve_parts(sheet, pieces))
        return false;
    if (pieces <= sheet->pieces_capacity)
        return true;
    piece_answers *grown = realloc(sheet->pieces, pieces * sizeof *grown);
    if (grown == NULL)
        return false;
    memset(grown + sheet->pieces_capacity, 0, (pieces - sheet->pieces_capacity) * sizeof *grown);
    sheet->pieces = grown;
    sheet->pieces_capacity = pieces;
    return true;
}

/* The most bytes an answer takes besides the number's digits (at most 20
 * for an expression, written as its value).  answer_unit's word-sized
 * copies may reach UNIT_SLACK bytes past a unit's last answer. */
enum { UNIT_SLACK = 32, EXPRESSION_DIGITS = 20 };
static size_t answer_extra(const pk_job_spec *spec)
{
    /* ",{"n":"" digits "","verdict":"" verdict ""}\n" against
     * digits " " verdict "\n"; the longest verdict is "probable-prime". */
    return spec->json || pk_primes_settings_of(spec->settings)->jsonl ? 7 + 13 + 14 + 3 : 1 + 14 + 1;
}

typedef struct answer_job {
    const cli_job *cli;
    const pk_number_block *block;
    answer_sheet *sheet;
    size_t first;    /* numbers before it were answered before a checkpoint */
    bool json_first; /* the block's first answer is the run's first (no comma) */
} answer_job;

/* Tests numbers BEGIN..END of BLOCK and writes their answers from *OUT on,
 * advancing it; NO_COMMA is the number whose --json answer is the run's
 * first (no comma before it), or SIZE_MAX.  Adds the primes to counters[0]
 * and the numbers tested to counters[1].  Returns a pk_status. */
static int answer_numbers(const pk_job_spec *spec, const pk_number_block *block, size_t begin, size_t end,
                          size_t no_comma, char **out_p, uint64_t counters[])
{
    char *out = *out_p;
    /* "N prime" lines, the usual answer, by fixed-size copies: the input
     * text is padded (PK_READER_PADDING), so 24 bytes can always be read. */
    const bool plain = !spec->json && !pk_primes_settings_of(spec->settings)->jsonl && !spec->quiet;
    static const char plain_verdicts[2][16] = {" composite\n", " prime\n"};
    if (plain && !block->irregular) {
        /* The usual numbers: canonical digits below 2^64.  The block's
         * arrays in locals, so nothing is reloaded per number. */
        const uint64_t *values = block->values;
        const uint32_t *at = block->at, *len = block->len;
        const char *text = block->text;
        uint64_t primes = 0;
        for (size_t i = begin; i < end; i++) {
            bool prime = pk_is_prime_u64(values[i]);
            primes += prime;
            memcpy(out, text + at[i], 24);
            memcpy(out + len[i], plain_verdicts[prime], 16);
            out += len[i] + (prime ? 7 : 11);
        }
        counters[0] += primes;
        goto done;
    }
    for (size_t i = begin; i < end; i++) {
        const char *digits = block->text + block->at[i];
        size_t len = block->len[i];
        if (plain && !block->big[i]) {
            bool prime = pk_is_prime_u64(block->values[i]);
            counters[0] += prime;
            if (len > 0)
                memcpy(out, digits, 24);
            else
                len = pk_format_u64(out, block->values[i]);
            memcpy(out + len, plain_verdicts[prime], 16);
            out += len + (prime ? 7 : 11);
            continue;
        }
        const char *verdict;
        size_t verdict_len;
        if (block->big[i]) {
            char *copy = malloc(len + 1);
            if (copy == NULL)
                return PK_ENOMEM;
            memcpy(copy, digits, len);
            copy[len] = '\0';
            pk_primality big_verdict = PK_COMPOSITE;
            int rc = pk_primality_of_decimal(copy, &big_verdict);
            free(copy);
            if (rc != PK_OK)
                return rc;
            verdict = pk_primality_name(big_verdict);
            verdict_len = strlen(verdict);
            counters[0] += big_verdict != PK_COMPOSITE;
        } else {
            bool prime = pk_is_prime_u64(block->values[i]);
            verdict = prime ? "prime" : "composite";
            verdict_len = prime ? 5 : 9;
            counters[0] += prime;
        }
        char formatted[24];
        if (len == 0) {
            len = pk_format_u64(formatted, block->values[i]);
            digits = formatted;
        }
#define PUT(text, n) (memcpy(out, (text), (n)), out += (n))
        if (spec->json || pk_primes_settings_of(spec->settings)->jsonl) {
            if (spec->json && i != no_comma)
                PUT(",", 1);
            PUT("{\"n\":\"", 6);
            PUT(digits, len);
            PUT("\",\"verdict\":\"", 13);
            PUT(verdict, verdict_len);
            PUT(spec->json ? "\"}" : "\"}\n", spec->json ? 2 : 3);
        } else {
            if (!spec->quiet) {
                PUT(digits, len);
                PUT(" ", 1);
            }
            PUT(verdict, verdict_len);
            PUT("\n", 1);
        }
#undef PUT
    }
done:
    *out_p = out;
    counters[1] += end - begin;
    return PK_OK;
}

/* Tests the unit's numbers and writes their answers into its range of the sheet. */
static int answer_unit(void *state, void *worker, uint64_t unit, uint64_t counters[])
{
    (void)worker;
    const answer_job *job = state;
    answer_sheet *sheet = job->sheet;
    char *const start = sheet->text + sheet->unit_at[unit];
    char *out = start;
    int rc = answer_numbers(&job->cli->spec, job->block, sheet->unit_start[unit], sheet->unit_start[unit + 1],
                            job->json_first ? job->first : SIZE_MAX, &out, counters);
    sheet->unit_len[unit] = (size_t)(out - start);
    return rc;
}

static int answer_output(void *state, void *worker, uint64_t unit, const char **data, size_t *len)
{
    (void)worker;
    const answer_sheet *sheet = ((const answer_job *)state)->sheet;
    *data = sheet->text + sheet->unit_at[unit];
    *len = sheet->unit_len[unit];
    return PK_OK;
}

/* A stream's unit: parses its piece of the block PIECE_CHUNK numbers at a
 * time into arrays on the stack, and answers them, so the numbers stay in
 * this core's cache from the text to the test.  Every --json answer gets a
 * comma before it here; the run's first loses it as it is written
 * (write_streamed_answers), the only place that knows which one it is. */
static int answer_piece(void *state, void *worker, uint64_t unit, uint64_t counters[])
{
    (void)worker;
    const answer_job *job = state;
    const pk_number_block *block = job->block;
    const pk_job_spec *spec = &job->cli->spec;
    piece_answers *piece = &job->sheet->pieces[unit];
    uint64_t values[PIECE_CHUNK];
    uint32_t at[PIECE_CHUNK], len[PIECE_CHUNK];
    uint8_t big[PIECE_CHUNK];
    pk_number_block chunk = {.text = block->text, .text_len = block->text_len, .capacity = PIECE_CHUNK,
                         .values = values, .at = at, .len = len, .big = big};
    size_t pos = block->piece_start[unit];
    const size_t end = block->piece_start[unit + 1], extra = answer_extra(spec);
    uint64_t line = 0;
    piece->len = 0;
    piece->counts[0] = piece->counts[1] = 0;
    (void)counters; /* the counts go with the answers (write_streamed_answers) */
    while (pos < end && !chunk.stopped) {
        const size_t from = pos;
        chunk.count = 0;
        chunk.irregular = false;
        pk_number_block_parse_lines(&chunk, block->text, end, &pos, &line, !pk_primes_settings_of(spec->settings)->skip_bad_lines);
        if (chunk.failed)
            return PK_ENOMEM;
        /* Answers take at most the digits of their numbers, which lie in
         * the text just parsed, and a verdict or an expression's value. */
        size_t room = (pos - from) + chunk.count * (EXPRESSION_DIGITS + extra) + UNIT_SLACK;
        if (!pk_buffer_reserve(&piece->text, &piece->capacity, piece->len + room))
            return PK_ENOMEM;
        char *out = piece->text + piece->len;
        int rc = answer_numbers(spec, &chunk, 0, chunk.count, SIZE_MAX, &out, piece->counts);
        if (rc != PK_OK)
            return rc;
        piece->len = (size_t)(out - piece->text);
    }
    piece->lines = line;
    piece->bad.count = chunk.bad.count;
    if (chunk.bad.count > 0)
        memcpy(piece->bad.named, chunk.bad.named, sizeof chunk.bad.named);
    piece->stopped = chunk.stopped;
    return PK_OK;
}

static int piece_output(void *state, void *worker, uint64_t unit, const char **data, size_t *len)
{
    (void)worker;
    const piece_answers *piece = &((const answer_job *)state)->sheet->pieces[unit];
    *data = piece->text;
    *len = piece->len;
    return PK_OK;
}

/* Why writing the answers failed: set by whichever thread wrote. */
static _Atomic int stdout_errno = EIO;

static int write_stdout(void *ctx, const char *data, size_t len)
{
    (void)ctx;
    if (fwrite(data, 1, len, stdout) == len)
        return 0;
    atomic_store(&stdout_errno, errno != 0 ? errno : EIO);
    return -1;
}

/* With no writer thread: the compute thread whose turn it is writes, and
 * the time it spends is the output side's.  The engine lets one thread
 * write at a time (and orders them through its lock), so CTX's clock
 * needs no lock of its own. */
static int write_stdout_timed(void *ctx, const char *data, size_t len)
{
    double *output_seconds = ctx;
    double start = pk_clock_seconds();
    int rc = write_stdout(NULL, data, len);
    *output_seconds += pk_clock_seconds() - start;
    return rc;
}

/* Notes where answers are, in order, to hand them over once the block is done. */
static int add_part(answer_sheet *sheet, const char *data, size_t len)
{
    if (sheet->part_count == sheet->part_capacity)
        return -1; /* cannot happen: one part per unit at most */
    sheet->parts[sheet->part_count++] = (pk_write_part){data, len};
    return 0;
}

/* The engine's write function when there is a writer thread: notes where
 * the answers are, in order, to hand them over once the block is done. */
static int record_answers(void *ctx, const char *data, size_t len)
{
    answer_sheet *sheet = ctx;
    if (data < sheet->text || data >= sheet->text + sheet->text_capacity) {
        /* Another rank's: the engine's buffer will not last. */
        if (sheet->copies_len + len > sheet->copies_capacity)
            return -1; /* cannot happen: copies is sized like text */
        memcpy(sheet->copies + sheet->copies_len, data, len);
        data = sheet->copies + sheet->copies_len;
        sheet->copies_len += len;
    }
    return add_part(sheet, data, len);
}

/* ---- the run ---------------------------------------------------------------------- */

/* One run of check: what rank 0 keeps between blocks. */
typedef struct check_run {
    cli_job *cli;
    pk_primes_options *options;
    pk_writer *writer;      /* NULL: the compute threads write */
    /* Sheets and parsed blocks not in use, kept for the next blocks:
     * fresh arrays of a block's size cost a page fault every 4 KiB.  The
     * writer thread gives sheets back, reader threads take blocks. */
    pthread_mutex_t spares_lock;
    answer_sheet *spare_sheets;
    pk_number_block *spare_blocks;
    uint64_t tested, primes, skipped;
    uint64_t numbers_taken; /* answered so far: the first has no comma in --json */
    bool streaming;         /* files go to the engine as a stream (stream_files) */
    /* --checkpoint: results[0] of the one-unit checkpoint is how many numbers
     * have been answered; a resume skips that many before answering again. */
    pk_checkpoint checkpoint;
    uint64_t resumed, to_skip;
    double last_save;
    pk_primes_report report;
    pk_number_block shared;     /* ranks other than 0: the block being answered */
    pk_number_block arguments;  /* numbers given on the command line */
    char *argument_text;
    size_t argument_len, argument_capacity;
} check_run;

static answer_sheet *take_sheet(check_run *run)
{
    pthread_mutex_lock(&run->spares_lock);
    answer_sheet *sheet = run->spare_sheets;
    if (sheet != NULL)
        run->spare_sheets = sheet->next_spare;
    pthread_mutex_unlock(&run->spares_lock);
    if (sheet == NULL && (sheet = calloc(1, sizeof *sheet)) != NULL)
        sheet->run = run;
    return sheet;
}

/* A pk_release_fn: the writer thread is done with the sheet. */
static void return_sheet(void *owner)
{
    answer_sheet *sheet = owner;
    check_run *run = sheet->run;
    pthread_mutex_lock(&run->spares_lock);
    sheet->next_spare = run->spare_sheets;
    run->spare_sheets = sheet;
    pthread_mutex_unlock(&run->spares_lock);
}

/* Cuts numbers FIRST.. of BLOCK (one at least) into units of about UNIT_WEIGHT numbers (a
 * big number weighs its digits, so a unit of 1000-digit numbers stays short
 * enough for a prompt cancel) and gives each unit its range of the sheet.
 * Every rank cuts a block the same way.  Returns the number of units, 0
 * when out of memory. */
static uint64_t lay_out_units(answer_sheet *sheet, const pk_job_spec *spec, const pk_number_block *block, size_t first)
{
    const size_t n = block->count - first;
    /* UNIT_WEIGHT numbers a unit, or at least one when numbers weigh more. */
    if (!reserve_units(sheet, block->irregular ? n : n / UNIT_WEIGHT + 1))
        return 0;
    uint64_t units = 0;
    size_t bytes = 0;
    if (!block->irregular) {
        /* The usual block: UNIT_WEIGHT numbers a unit, and an answer is at
         * most its digits and a constant, while the digits of the numbers
         * before a unit's first lie in the text before it: so the ranges
         * come from the numbers' places, without a pass over them all. */
        const size_t per_number = answer_extra(spec), base = block->at[first];
        for (size_t i = first; i < block->count; i += UNIT_WEIGHT) {
            sheet->unit_start[units] = i;
            sheet->unit_at[units] = block->at[i] - base + per_number * (i - first) + UNIT_SLACK * units;
            units++;
        }
        bytes = block->text_len - base + per_number * n + UNIT_SLACK * units;
    } else {
        size_t weight = UNIT_WEIGHT;
        for (size_t i = first; i < block->count; i++) {
            if (weight >= UNIT_WEIGHT) {
                if (units > 0)
                    bytes += UNIT_SLACK;
                sheet->unit_start[units] = i;
                sheet->unit_at[units++] = bytes;
                weight = 0;
            }
            weight += block->big[i] ? block->len[i] : 1;
            bytes += (block->len[i] > 0 ? block->len[i] : EXPRESSION_DIGITS) + answer_extra(spec);
        }
        bytes += UNIT_SLACK;
    }
    sheet->unit_start[units] = block->count;
    if ((bytes > sheet->text_capacity && !pk_buffer_reserve(&sheet->text, &sheet->text_capacity, bytes)) ||
        (pk_comm_size() > 1 && bytes > sheet->copies_capacity &&
         !pk_buffer_reserve(&sheet->copies, &sheet->copies_capacity, bytes)))
        return 0;
    sheet->copies_len = 0;
    sheet->part_count = 0;
    return units;
}

/* A count of BLOCKS_END ends the stream of blocks rank 0 broadcasts. */
#define BLOCKS_END UINT64_MAX

/* What rank 0 broadcasts before a block's arrays. */
typedef struct block_header {
    uint64_t count;     /* numbers, or BLOCKS_END */
    uint64_t text_len;
    uint64_t json_first;
    uint64_t irregular;
} block_header;

/* Rank 0: sends numbers FIRST.. of BLOCK to the other ranks. */
static void send_block(const pk_number_block *block, size_t first, bool json_first)
{
    block_header header = {block->count - first, block->text_len, json_first, block->irregular};
    pk_comm_broadcast(&header, sizeof header, 0);
    size_t n = block->count - first;
    pk_comm_broadcast((void *)block->text, block->text_len, 0);
    pk_comm_broadcast(block->values + first, n * sizeof block->values[0], 0);
    pk_comm_broadcast(block->at + first, n * sizeof block->at[0], 0);
    pk_comm_broadcast(block->len + first, n * sizeof block->len[0], 0);
    pk_comm_broadcast(block->big + first, n, 0);
}

/* Other ranks: receives a block into BLOCK.  Returns false at the end. */
static bool receive_block(pk_number_block *block, bool *json_first)
{
    block_header header;
    pk_comm_broadcast(&header, sizeof header, 0);
    if (header.count == BLOCKS_END)
        return false;
    size_t n = (size_t)header.count, text_len = (size_t)header.text_len;
    if (text_len + PK_READER_PADDING > block->own_capacity) {
        free(block->own_text);
        block->own_capacity = text_len + PK_READER_PADDING;
        block->own_text = malloc(block->own_capacity);
    }
    if (!pk_number_block_reserve(block, n) || block->own_text == NULL)
        pk_comm_abort(PK_EXIT_FAILURE); /* the ranks could no longer agree on anything */
    pk_comm_broadcast(block->own_text, text_len, 0);
    memset(block->own_text + text_len, 0, PK_READER_PADDING); /* as a reader's block */
    pk_comm_broadcast(block->values, n * sizeof block->values[0], 0);
    pk_comm_broadcast(block->at, n * sizeof block->at[0], 0);
    pk_comm_broadcast(block->len, n * sizeof block->len[0], 0);
    pk_comm_broadcast(block->big, n, 0);
    block->text = block->own_text;
    block->text_len = text_len;
    block->count = n;
    *json_first = header.json_first != 0;
    block->irregular = header.irregular != 0;
    return true;
}

/* Sets up the answering of numbers FIRST.. of BLOCK: a sheet laid out in
 * units, and the engine's job over them in *JOB (its state in *STATE, which
 * must outlive the job).  Returns false when out of memory. */
static bool set_up_answers(check_run *run, const pk_number_block *block, size_t first, bool json_first,
                           answer_job *state, pk_job *job)
{
    answer_sheet *sheet = take_sheet(run);
    uint64_t units = sheet != NULL ? lay_out_units(sheet, &run->cli->spec, block, first) : 0;
    if (units == 0) {
        if (sheet != NULL)
            return_sheet(sheet);
        return false;
    }
    *state = (answer_job){run->cli, block, sheet, first, json_first};
    *job = (pk_job){
        .units = units,
        .state = state,
        .run_unit = answer_unit,
        .unit_output = answer_output,
        .output_stays = true, /* in the sheet until the block is handed over */
    };
    return true;
}

/* After the engine: what it wrote of SHEET (always a whole prefix of the
 * block's answers, also after a failure or a cancel) goes to the writer
 * thread, and the sheet back to the spares once written.  Returns a
 * pk_status. */
static int hand_over_answers(check_run *run, answer_sheet *sheet)
{
    if (run->writer == NULL || sheet->part_count == 0) {
        return_sheet(sheet);
        return PK_OK;
    }
    return pk_writer_submit_parts(run->writer, sheet->parts, sheet->part_count, return_sheet, sheet) == PK_OK
               ? PK_OK
               : PK_EIO;
}

/* Answers numbers FIRST.. of BLOCK; collective under MPI (rank 0 sends the
 * block first).  Returns a pk_status. */
static int answer_block(check_run *run, const pk_number_block *block, size_t first, bool json_first)
{
    if (pk_comm_size() > 1 && pk_comm_rank() == 0)
        send_block(block, first, json_first);
    if (first >= block->count)
        return PK_OK;
    answer_job state;
    pk_job job;
    if (!set_up_answers(run, block, first, json_first, &state, &job))
        return PK_ENOMEM;
    answer_sheet *sheet = state.sheet;
    pk_engine_options engine = run->options->engine;
    engine.write = run->writer != NULL ? record_answers : write_stdout_timed;
    engine.write_ctx = run->writer != NULL ? (void *)sheet : (void *)&run->report.run.output_seconds;
    /* Numbers of a block cost alike, and blocks need no shared counter (a
     * collective to set up) per block of input. */
    engine.distribute = PK_DISTRIBUTE_BLOCK;
    /* With a checkpoint, a block is answered whole or not at all, so the
     * count the checkpoint saves is exact; signals are seen between blocks. */
    if (run->cli->spec.checkpoint != NULL)
        engine.cancel = NULL;
    uint64_t counters[PK_JOB_MAX_COUNTERS];
    pk_engine_stats stats = {0};
    int rc = pk_engine_run(&engine, &job, counters, &stats);
    int handed = hand_over_answers(run, sheet);
    if (rc == PK_OK)
        rc = handed;
    pk_run_report_add(&run->report.run, &stats, job.units);
    if (rc == PK_OK) {
        run->primes += counters[0];
        run->tested += counters[1];
    }
    return rc;
}

/* After a block: a checkpoint when the interval is up.  When standard
 * output is a regular file, the checkpoint also records how long it was,
 * so a resume into the same file can cut off what came after (answers a
 * resume gives again, or a line torn by SIGKILL).  Returns an exit code:
 * a checkpoint that cannot be saved fails the run, with the reason. */
static int maybe_save_checkpoint(check_run *run, bool now)
{
    const cli_job *cli = run->cli;
    if (cli->spec.checkpoint == NULL || pk_comm_rank() != 0)
        return PK_EXIT_OK;
    double interval = cli->spec.checkpoint_interval > 0 ? cli->spec.checkpoint_interval : 60;
    if (!now && pk_clock_seconds() - run->last_save < interval)
        return PK_EXIT_OK;
    /* The answers are out before the checkpoint says so. */
    if (fflush(stdout) != 0) {
        cli_error(cli->what, "writing standard output: %s", strerror(errno));
        return PK_EXIT_FAILURE;
    }
    struct stat out;
    if (fstat(STDOUT_FILENO, &out) == 0 && S_ISREG(out.st_mode) &&
        (fsync(STDOUT_FILENO) != 0 || pk_checkpoint_set_note(&run->checkpoint, "stdout_inode", out.st_ino) != PK_OK ||
         pk_checkpoint_set_note(&run->checkpoint, "stdout_size", (uint64_t)out.st_size) != PK_OK)) {
        cli_error(cli->what, "writing standard output: %s", strerror(errno));
        return PK_EXIT_FAILURE;
    }
    run->checkpoint.results[0] = run->resumed + run->tested;
    run->checkpoint.done[0] = 1;
    if (pk_checkpoint_save(&run->checkpoint, cli->spec.checkpoint) != PK_OK) {
        cli_error(cli->what, "cannot save the checkpoint to %s: %s", cli->spec.checkpoint, strerror(errno));
        return PK_EXIT_FAILURE;
    }
    run->last_save = pk_clock_seconds();
    return PK_EXIT_OK;
}

/* After answers: the bad lines among them (BAD, numbered from FIRST_LINE),
 * named on stderr (skipped), or the first one as the error.  Returns an
 * exit code. */
static int report_bad_lines(check_run *run, const pk_bad_lines *lines, const char *name, uint64_t first_line)
{
    const cli_job *cli = run->cli;
    size_t named = lines->count < PK_NUMBERS_BAD_NAMED ? (size_t)lines->count : PK_NUMBERS_BAD_NAMED;
    for (size_t i = 0; i < named; i++) {
        const pk_bad_line *bad = &lines->named[i];
        uint64_t line = first_line + bad->local_line;
        if (pk_primes_settings_of(cli->spec.settings)->skip_bad_lines) {
            if (run->skipped + i < PK_NUMBERS_BAD_NAMED)
                cli_note(cli->what, "skipping %s:%" PRIu64 ": '%s': %s", name, line, bad->text, bad->why);
        } else if (strcmp(bad->why, "contains a NUL byte") == 0) {
            cli_error(cli->what, "%s:%" PRIu64 ": contains a NUL byte", name, line);
            return PK_EXIT_FAILURE;
        } else {
            cli_error(cli->what, "%s:%" PRIu64 ": '%s': %s", name, line, bad->text, bad->why);
            return PK_EXIT_FAILURE;
        }
    }
    run->skipped += lines->count;
    return PK_EXIT_OK;
}

/* Rank 0: answers a block, then reports its bad lines.  Returns an exit code. */
static int take_block(check_run *run, const pk_number_block *block, const char *name, uint64_t first_line)
{
    cli_job *cli = run->cli;
    size_t first = 0;
    if (run->to_skip > 0) { /* answered before the checkpoint */
        first = run->to_skip < block->count ? (size_t)run->to_skip : block->count;
        run->to_skip -= first;
    }
    int status = answer_block(run, block, first, run->numbers_taken == 0);
    run->numbers_taken += block->count - first;
    if (status != PK_OK) {
        if (status == PK_EIO)
            cli_error(cli->what, "writing standard output: %s", strerror(stdout_errno));
        return status == PK_EIO ? PK_EXIT_FAILURE : cli_job_failed(cli, status);
    }
    int rc = maybe_save_checkpoint(run, false);
    if (rc != PK_EXIT_OK)
        return rc;
    rc = report_bad_lines(run, &block->bad, name, first_line);
    if (rc != PK_EXIT_OK)
        return rc;
    if (cli_signal_received())
        return cli->spec.checkpoint != NULL ? PK_EXIT_CHECKPOINTED : cli_job_failed(cli, PK_ECANCELED);
    return PK_EXIT_OK;
}

/* The reader's parse function: runs on a reader thread. */
static int parse_check_block(void *ctx, pk_line_block *block)
{
    check_run *run = ctx;
    pthread_mutex_lock(&run->spares_lock);
    pk_number_block *parsed = run->spare_blocks;
    if (parsed != NULL)
        run->spare_blocks = parsed->next_spare;
    pthread_mutex_unlock(&run->spares_lock);
    if (parsed == NULL && (parsed = calloc(1, sizeof *parsed)) == NULL)
        return -1;
    parsed->count = 0;
    parsed->bad.count = 0;
    parsed->stopped = parsed->failed = parsed->irregular = false;
    block->parsed = parsed;
    if (run->streaming)
        pk_number_block_cut(parsed, block, PIECE_BYTES);
    else
        pk_number_block_parse(parsed, block, !pk_primes_settings_of(run->cli->spec.settings)->skip_bad_lines);
    return parsed->failed ? -1 : 0; /* the reader reports "out of memory" */
}

static void free_check_block(void *ctx, void *parsed)
{
    check_run *run = ctx;
    pk_number_block *block = parsed;
    pthread_mutex_lock(&run->spares_lock);
    block->next_spare = run->spare_blocks;
    run->spare_blocks = block;
    pthread_mutex_unlock(&run->spares_lock);
}

/* ---- one process: the blocks as a stream ----------------------------------------- */

/* Without MPI and without a checkpoint, the blocks go to the engine as one
 * stream (pk_engine_run_stream): the threads go from one block's units to
 * the next without a barrier, and whichever thread runs out of units
 * fetches the next block while the others finish theirs.  A block's answers
 * are handed to the writer, and its bad lines reported, in its turn. */
typedef struct streamed_block {
    pk_job job; /* first: done() gets &job back */
    answer_job state;
    pk_line_block *line_block;
    struct streamed_block *younger; /* blocks between next() and done(), oldest first */
} streamed_block;

typedef struct check_stream {
    check_run *run;
    pk_reader *reader;
    const char *const *paths;
    /* The blocks whose answers are being written, oldest first: the engine
     * writes in order, so answers always belong to the oldest. */
    pthread_mutex_t lock;
    streamed_block *oldest, *newest;
    /* Lines of the current input before the block being finished. */
    size_t line_source;
    uint64_t lines_before;
    int exit_code;    /* a bad line stopped the run (already reported) */
    bool read_failed; /* the stream ended on a read error */
} check_stream;

static const pk_job *next_streamed_block(void *ctx, int *status)
{
    check_stream *stream = ctx;
    check_run *run = stream->run;
    pk_line_block *line_block;
    int rc = pk_reader_next(stream->reader, &line_block);
    if (rc != PK_OK) {
        stream->read_failed = rc == PK_EIO;
        *status = rc == PK_EOF ? PK_OK : rc;
        return NULL;
    }
    const pk_number_block *block = line_block->parsed;
    streamed_block *streamed = calloc(1, sizeof *streamed);
    answer_sheet *sheet = streamed != NULL ? take_sheet(run) : NULL;
    if (sheet == NULL || !reserve_pieces(sheet, block->pieces)) {
        if (sheet != NULL)
            return_sheet(sheet);
        free(streamed);
        pk_reader_release(stream->reader, line_block);
        *status = PK_ENOMEM;
        return NULL;
    }
    sheet->part_count = 0;
    sheet->next_piece = 0;
    sheet->dropping = false;
    streamed->state = (answer_job){run->cli, block, sheet, 0, false};
    streamed->job = (pk_job){
        .units = block->pieces,
        .state = &streamed->state,
        .run_unit = answer_piece,
        .unit_output = piece_output,
        .output_stays = true, /* in the pieces' buffers until the block is handed over */
    };
    streamed->line_block = line_block;
    pthread_mutex_lock(&stream->lock);
    if (stream->newest != NULL)
        stream->newest->younger = streamed;
    else
        stream->oldest = streamed;
    stream->newest = streamed;
    pthread_mutex_unlock(&stream->lock);
    return &streamed->job;
}

/* The engine's write function in a stream, called in order: a piece's
 * answers, of the oldest block.  After a piece that stopped at a bad line
 * (--on-error fail) nothing more of its block is written, though later
 * pieces may have been answered meanwhile: the answers end right before
 * the bad line.  Then the answers go to the writer thread (noted in the
 * sheet, handed over when the block is done) or straight out, and their
 * numbers are counted: the counts are those of the answers given. */
static int write_streamed_answers(void *ctx, const char *data, size_t len)
{
    check_stream *stream = ctx;
    check_run *run = stream->run;
    pthread_mutex_lock(&stream->lock);
    const streamed_block *oldest = stream->oldest;
    pthread_mutex_unlock(&stream->lock);
    answer_sheet *sheet = oldest->state.sheet;
    /* Which piece: pieces with no answers are never written, so it is the
     * first from next_piece on whose buffer this is. */
    size_t piece = sheet->next_piece;
    while (piece < oldest->job.units && sheet->pieces[piece].text != data)
        sheet->dropping |= sheet->pieces[piece++].stopped;
    if (piece == oldest->job.units)
        return -1; /* cannot happen: the engine writes what piece_output gave */
    const bool drop = sheet->dropping;
    sheet->dropping |= sheet->pieces[piece].stopped;
    sheet->next_piece = piece + 1;
    if (drop)
        return 0;
    if (run->cli->spec.json && run->numbers_taken == 0)
        data++, len--; /* the run's first answer: every --json answer of a piece starts with a comma */
    run->primes += sheet->pieces[piece].counts[0];
    run->tested += sheet->pieces[piece].counts[1];
    run->numbers_taken += sheet->pieces[piece].counts[1];
    if (run->writer == NULL)
        return write_stdout_timed(&run->report.run.output_seconds, data, len);
    return add_part(sheet, data, len);
}

static int finish_streamed_block(void *ctx, const pk_job *job, int status)
{
    check_stream *stream = ctx;
    check_run *run = stream->run;
    streamed_block *streamed = (streamed_block *)(void *)job;
    pthread_mutex_lock(&stream->lock);
    stream->oldest = streamed->younger;
    if (stream->oldest == NULL)
        stream->newest = NULL;
    pthread_mutex_unlock(&stream->lock);
    run->report.run.units += job->units;
    /* The bad lines first: once handed over, the sheet may be reused. */
    const answer_sheet *sheet = streamed->state.sheet;
    const size_t source = streamed->line_block->source;
    const char *name = strcmp(stream->paths[source], "-") == 0 ? "<stdin>" : stream->paths[source];
    if (source != stream->line_source)
        stream->line_source = source, stream->lines_before = 0;
    for (size_t i = 0; i < job->units; i++) {
        const piece_answers *piece = &sheet->pieces[i];
        if (status == PK_OK && stream->exit_code == PK_EXIT_OK)
            stream->exit_code = report_bad_lines(run, &piece->bad, name, stream->lines_before + 1);
        stream->lines_before += piece->lines;
    }
    int rc = hand_over_answers(run, streamed->state.sheet);
    if (rc == PK_OK && stream->exit_code != PK_EXIT_OK)
        rc = PK_EINVAL; /* stops the stream; the error is reported */
    pk_reader_release(stream->reader, streamed->line_block);
    free(streamed);
    return rc;
}

/* The files of check_files as one stream.  Returns an exit code. */
static int stream_files(check_run *run, pk_reader *reader, const char *const *paths)
{
    cli_job *cli = run->cli;
    check_stream stream = {.run = run, .reader = reader, .paths = paths, .exit_code = PK_EXIT_OK};
    pthread_mutex_init(&stream.lock, NULL);
    pk_stream jobs = {next_streamed_block, finish_streamed_block, &stream};
    pk_engine_options engine = run->options->engine;
    engine.write = write_streamed_answers;
    engine.write_ctx = &stream;
    uint64_t counters[PK_JOB_MAX_COUNTERS];
    pk_engine_stats stats = {0};
    int rc = pk_engine_run_stream(&engine, &jobs, counters, &stats);
    pthread_mutex_destroy(&stream.lock);
    pk_run_report_add(&run->report.run, &stats, 0); /* units: counted as the jobs came */
    if (stream.exit_code != PK_EXIT_OK)
        return stream.exit_code;
    if (rc == PK_OK)
        return PK_EXIT_OK;
    if (stream.read_failed) {
        cli_error(cli->what, "cannot read %s", pk_reader_error(reader));
        return PK_EXIT_FAILURE;
    }
    if (rc == PK_EIO) {
        cli_error(cli->what, "writing standard output: %s", strerror(stdout_errno));
        return PK_EXIT_FAILURE;
    }
    return cli_job_failed(cli, rc);
}

/* Reads consecutive file arguments (or -), with reader threads or (0) on
 * this thread.  Returns an exit code. */
static int check_files(check_run *run, const char *const *paths, size_t count)
{
    cli_job *cli = run->cli;
    const int io_threads = cli->spec.io_threads < 0 ? 1 : cli->spec.io_threads;
    /* Under MPI rank 0 sends each block to the others, and a checkpoint
     * counts whole blocks: both take one parsed block at a time. */
    run->streaming = pk_comm_size() == 1 && cli->spec.checkpoint == NULL;
    pk_reader *reader;
    if (pk_reader_create(&reader, paths, count, io_threads, BLOCK_BYTES, 2 * (size_t)io_threads + 2,
                         parse_check_block, free_check_block, run, run->options->engine.cancel) != PK_OK) {
        cli_error(cli->what, "cannot start the reader threads");
        return PK_EXIT_FAILURE;
    }
    if (run->streaming) {
        int rc = stream_files(run, reader, paths);
        pk_reader_destroy(reader);
        return rc;
    }
    int rc = PK_EXIT_OK;
    pk_line_block *block;
    int status;
    for (;;) {
        double start = pk_clock_seconds();
        status = rc == PK_EXIT_OK ? pk_reader_next(reader, &block) : PK_EOF;
        run->report.run.input_seconds += pk_clock_seconds() - start;
        if (status != PK_OK)
            break;
        const char *name = strcmp(paths[block->source], "-") == 0 ? "<stdin>" : paths[block->source];
        rc = take_block(run, block->parsed, name, block->first_line);
        pk_reader_release(reader, block);
    }
    if (rc == PK_EXIT_OK && status == PK_EIO) {
        cli_error(cli->what, "cannot read %s", pk_reader_error(reader));
        rc = PK_EXIT_FAILURE;
    } else if (rc == PK_EXIT_OK && status == PK_ECANCELED) {
        /* A signal or the timeout while waiting for input. */
        rc = cli->spec.checkpoint != NULL ? PK_EXIT_CHECKPOINTED : cli_job_failed(cli, PK_ECANCELED);
    }
    pk_reader_destroy(reader);
    return rc;
}

/* Numbers given as arguments: gathered into a block of their own.
 * Returns an exit code (2 for a number that cannot be tested). */
static int add_argument(check_run *run, const char *arg)
{
    size_t len = strlen(arg);
    /* Padded like a reader's block: answers copy digits a word at a time. */
    if (run->argument_len + len + 1 + PK_READER_PADDING > run->argument_capacity) {
        size_t capacity = 2 * (run->argument_len + len + 1) + 256 + PK_READER_PADDING;
        char *text = realloc(run->argument_text, capacity);
        if (text == NULL) {
            cli_error(run->cli->what, "out of memory");
            return PK_EXIT_FAILURE;
        }
        run->argument_text = text;
        run->argument_capacity = capacity;
    }
    size_t at = run->argument_len;
    memcpy(run->argument_text + at, arg, len + 1);
    run->argument_len += len + 1;
    memset(run->argument_text + run->argument_len, 0, PK_READER_PADDING);
    const char *why = pk_number_block_add(&run->arguments, run->argument_text + at, len, at);
    if (why == pk_numbers_out_of_memory) {
        cli_error(run->cli->what, "out of memory");
        return PK_EXIT_FAILURE;
    }
    if (why != NULL) {
        cli_error(run->cli->what, "bad N '%s': %s", arg, why);
        return PK_EXIT_USAGE;
    }
    return PK_EXIT_OK;
}

static int flush_arguments(check_run *run)
{
    if (run->arguments.count == 0)
        return PK_EXIT_OK;
    run->arguments.text = run->argument_text;
    run->arguments.text_len = run->argument_len;
    int rc = take_block(run, &run->arguments, "arguments", 0);
    run->arguments.count = 0;
    run->arguments.irregular = false;
    run->argument_len = 0;
    return rc;
}

/* A number argument: a 64-bit value (expressions allowed), or plain digits
 * of any length (2^64 and above go to GMP). */
static bool is_number_argument(const char *arg)
{
    uint64_t value;
    return pk_parse_u64(arg, &value, NULL) == PK_OK || (arg[0] != '\0' && strspn(arg, "0123456789") == strlen(arg));
}

/* Every argument is a number, a file, or '-': decide all of them before
 * printing anything, so a typo fails fast.  Returns an exit code. */
static int validate_check_arguments(const cli_job *cli)
{
    for (int i = 0; i < cli->spec.nargs; i++) {
        const char *arg = cli->spec.args[i];
        if (is_number_argument(arg) || strcmp(arg, "-") == 0 || access(arg, F_OK) == 0)
            continue;
        uint64_t value;
        const char *why = NULL;
        if (pk_parse_u64(arg, &value, &why) == PK_ERANGE)
            why = pk_numbers_out_of_range(why);
        cli_error(cli->what, "bad N '%s': %s, and no file of that name exists", arg,
                  why != NULL ? why : "not a number");
        return PK_EXIT_USAGE;
    }
    return PK_EXIT_OK;
}

/* Resuming into the very file the checkpoint recorded as standard output:
 * what was written after the checkpoint (answers the resume gives again,
 * or a line torn by SIGKILL) is cut off, so every number is answered once.
 * Shorter than recorded means answers were lost: refused.  Another file or
 * a pipe is written as it is.  Returns an exit code. */
static int cut_stdout_to_checkpoint(check_run *run)
{
    const cli_job *cli = run->cli;
    uint64_t inode, size;
    struct stat out;
    if (pk_checkpoint_get_note(&run->checkpoint, "stdout_inode", &inode) != PK_OK ||
        pk_checkpoint_get_note(&run->checkpoint, "stdout_size", &size) != PK_OK ||
        fstat(STDOUT_FILENO, &out) != 0 || !S_ISREG(out.st_mode) || out.st_ino != inode)
        return PK_EXIT_OK;
    if ((uint64_t)out.st_size < size) {
        cli_error(cli->what,
                  "cannot resume from %s: standard output is the file it recorded, but shorter (%" PRIu64
                  " bytes, recorded %" PRIu64 "): answers were lost (append with >>, or write to another file)",
                  cli->spec.checkpoint, (uint64_t)out.st_size, size);
        return PK_EXIT_USAGE;
    }
    if ((uint64_t)out.st_size > size) {
        if (ftruncate(STDOUT_FILENO, (off_t)size) != 0 || lseek(STDOUT_FILENO, 0, SEEK_END) < 0) {
            cli_error(cli->what, "cannot cut standard output back to its checkpoint: %s", strerror(errno));
            return PK_EXIT_FAILURE;
        }
        if (!cli->spec.quiet)
            fprintf(stderr, "parkit: %s: standard output cut back to the %" PRIu64 " bytes the checkpoint knows\n",
                    cli->what, size);
    }
    return PK_EXIT_OK;
}

/* --checkpoint for check: the job is its inputs and formats; the checkpoint
 * holds how many numbers were answered.  Returns an exit code. */
static int start_check_checkpoint(check_run *run)
{
    const cli_job *cli = run->cli;
    if (pk_checkpoint_init(&run->checkpoint, 1) != PK_OK) {
        cli_error(cli->what, "out of memory");
        return PK_EXIT_FAILURE;
    }
    int used = snprintf(run->checkpoint.identity, sizeof run->checkpoint.identity,
                        "command check\nformat %s\non_error %s\n", pk_primes_settings_of(cli->spec.settings)->jsonl ? "jsonl" : "text",
                        pk_primes_settings_of(cli->spec.settings)->skip_bad_lines ? "skip" : "fail");
    for (int i = 0; i < cli->spec.nargs && used > 0 && (size_t)used < sizeof run->checkpoint.identity; i++)
        used += snprintf(run->checkpoint.identity + used, sizeof run->checkpoint.identity - (size_t)used,
                         "input %s\n", cli->spec.args[i]);
    run->last_save = pk_clock_seconds();
    if (!cli->spec.resume)
        return PK_EXIT_OK;
    char why[400];
    int rc = pk_checkpoint_load(&run->checkpoint, cli->spec.checkpoint, why, sizeof why);
    if (rc == PK_EOF) {
        if (!cli->spec.quiet)
            fprintf(stderr, "parkit: %s: no checkpoint at %s: starting afresh\n", cli->what, cli->spec.checkpoint);
        return PK_EXIT_OK;
    }
    if (rc != PK_OK) {
        cli_error(cli->what, "cannot resume from %s: %s", cli->spec.checkpoint, why);
        return rc == PK_EINVAL ? PK_EXIT_USAGE : PK_EXIT_FAILURE;
    }
    rc = cut_stdout_to_checkpoint(run);
    if (rc != PK_EXIT_OK)
        return rc;
    run->resumed = run->to_skip = run->checkpoint.results[0];
    if (!cli->spec.quiet)
        fprintf(stderr, "parkit: %s: resumed from %s: %" PRIu64 " numbers were answered\n", cli->what,
                cli->spec.checkpoint, run->resumed);
    return PK_EXIT_OK;
}

/* After the last block: the checkpoint saved (stopped by a signal) or
 * removed (done).  Returns the exit code. */
static int finish_check_checkpoint(check_run *run, int rc)
{
    const cli_job *cli = run->cli;
    if (rc == PK_EXIT_CHECKPOINTED) {
        rc = maybe_save_checkpoint(run, true) == PK_EXIT_OK ? PK_EXIT_CHECKPOINTED : PK_EXIT_FAILURE;
        if (rc == PK_EXIT_CHECKPOINTED)
            cli_error(cli->what, "stopped by signal %d; checkpoint saved to %s; run again with --resume to continue",
                      cli_signal_received(), cli->spec.checkpoint);
    } else if (rc == PK_EXIT_OK && run->to_skip > 0) {
        cli_error(cli->what, "cannot resume from %s: it says %" PRIu64 " numbers were answered, but the inputs hold "
                  "only %" PRIu64 " (other inputs than when it was saved?)", cli->spec.checkpoint, run->resumed,
                  run->resumed - run->to_skip);
        rc = PK_EXIT_USAGE;
    } else if (rc == PK_EXIT_OK) {
        unlink(cli->spec.checkpoint); /* done: nothing to resume */
    }
    pk_checkpoint_free(&run->checkpoint);
    return rc;
}

/* Rank 0: reads every source in order and answers block by block.
 * Returns an exit code. */
static int read_and_check(check_run *run)
{
    cli_job *cli = run->cli;
    int rc = cli->spec.checkpoint != NULL ? start_check_checkpoint(run) : PK_EXIT_OK;
    if (rc != PK_EXIT_OK) {
        pk_checkpoint_free(&run->checkpoint);
        return rc;
    }
    for (int i = 0; i < cli->spec.nargs && rc == PK_EXIT_OK; i++) {
        if (is_number_argument(cli->spec.args[i])) {
            rc = add_argument(run, cli->spec.args[i]);
            continue;
        }
        rc = flush_arguments(run);
        /* This file and the files right after it are read together. */
        int group = i;
        while (group + 1 < cli->spec.nargs && !is_number_argument(cli->spec.args[group + 1]))
            group++;
        if (rc == PK_EXIT_OK)
            rc = check_files(run, cli->spec.args + i, (size_t)(group - i + 1));
        i = group;
    }
    if (rc == PK_EXIT_OK)
        rc = flush_arguments(run);
    if (cli->spec.checkpoint != NULL)
        rc = finish_check_checkpoint(run, rc);
    return rc;
}

int primes_run_check(cli_job *cli, pk_primes_options *options)
{
    if (cli->spec.nargs == 0) {
        cli_error(cli->what, "missing numbers (usage: parkit primes check N... | FILE... | -)");
        return PK_EXIT_USAGE;
    }
    /* Files may exist only where rank 0 runs: rank 0 decides for all. */
    int rc = pk_comm_rank() == 0 ? validate_check_arguments(cli) : PK_EXIT_OK;
    pk_comm_broadcast(&rc, sizeof rc, 0);
    if (rc != PK_EXIT_OK)
        return rc;
    check_run *run = calloc(1, sizeof *run);
    if (run == NULL) {
        cli_error(cli->what, "out of memory");
        pk_comm_abort(PK_EXIT_FAILURE);
    }
    pk_primes_report_init(&run->report);
    run->cli = cli;
    run->options = options;
    pthread_mutex_init(&run->spares_lock, NULL);
    if (cli->spec.json)
        printf("{\"command\":\"primes check\",\"results\":[");
    /* Answers go through a writer thread, except with --io-threads 0 and
     * with a checkpoint (which must know that what it counts was written). */
    const int io_threads = cli->spec.io_threads < 0 ? 1 : cli->spec.io_threads;
    if (pk_comm_rank() == 0 && io_threads > 0 && cli->spec.checkpoint == NULL &&
        pk_writer_create(&run->writer, 1, 4, write_stdout, NULL) != PK_OK) {
        cli_error(cli->what, "cannot start the writer thread");
        rc = PK_EXIT_FAILURE;
    }
    if (pk_comm_size() > 1)
        rc = pk_comm_agree(rc == PK_EXIT_OK ? PK_OK : PK_ENOMEM) == PK_OK ? PK_EXIT_OK : PK_EXIT_FAILURE;
    if (rc != PK_EXIT_OK) {
        /* nothing started */
    } else if (pk_comm_rank() == 0) {
        rc = read_and_check(run);
        if (pk_comm_size() > 1) {
            block_header end = {BLOCKS_END, 0, 0, 0};
            pk_comm_broadcast(&end, sizeof end, 0);
            pk_comm_broadcast(&rc, sizeof rc, 0);
        }
    } else {
        bool json_first;
        while (receive_block(&run->shared, &json_first))
            answer_block(run, &run->shared, 0, json_first);
        pk_comm_broadcast(&rc, sizeof rc, 0);
    }
    if (run->writer != NULL) {
        size_t max_queued;
        pk_writer_stats(run->writer, &max_queued, &run->report.run.output_seconds);
        /* Answers already made are written, even after a bad line; after a
         * signal they are dropped, since a stalled reader must not keep us. */
        if (cli_signal_received())
            pk_writer_cancel(run->writer);
        if (pk_writer_finish(run->writer) != PK_OK && rc == PK_EXIT_OK) {
            cli_error(cli->what, "writing standard output: %s", strerror(stdout_errno));
            rc = PK_EXIT_FAILURE;
        }
    }
    if (fflush(stdout) != 0 && rc == PK_EXIT_OK) {
        cli_error(cli->what, "writing standard output: %s", strerror(errno));
        rc = PK_EXIT_FAILURE;
    }
    if (run->skipped > 0)
        fprintf(stderr, "parkit: %s: skipped %" PRIu64 " bad line%s (--on-error skip)\n", cli->what, run->skipped,
                run->skipped == 1 ? "" : "s");
    if (cli->spec.json) {
        printf("],\"tested\":%" PRIu64 ",\"primes\":%" PRIu64 ",\"skipped\":%" PRIu64 ",", run->tested,
               run->primes, run->skipped);
        cli_report_json(cli, &run->report.run);
        printf("}\n");
    }
    if (rc == PK_EXIT_OK)
        cli_report_time(cli, &run->report.run);
    while (run->spare_sheets != NULL) { /* all of them: the writer is finished */
        answer_sheet *sheet = run->spare_sheets;
        run->spare_sheets = sheet->next_spare;
        answer_sheet_free(sheet);
    }
    while (run->spare_blocks != NULL) { /* all of them: the readers are gone */
        pk_number_block *block = run->spare_blocks;
        run->spare_blocks = block->next_spare;
        pk_number_block_free(block);
        free(block);
    }
    pthread_mutex_destroy(&run->spares_lock);
    pk_number_block_free(&run->shared);
    pk_number_block_free(&run->arguments);
    free(run->argument_text);
    free(run);
    return rc;
}
