/*
 * Answering numbers (parkit/answers.h): reader threads -> the engine's
 * threads (and ranks) -> a writer thread, for any kernel's pk_answer_fn.
 *
 * One process, no checkpoint: the reader only cuts each block into pieces
 * of about PIECE_BYTES, and the blocks go to the engine as one stream
 * (pk_engine_run_stream): a unit parses its piece where it answers it, so
 * the numbers stay in that core's cache from the text to the answer
 * (parsed on a reader thread, they cost as much again to move to the core
 * that answers them; docs/design.md has the figures).
 *
 * Under MPI, and with a checkpoint, rank 0's reader threads parse whole
 * blocks instead (pk_number_block_parse): rank 0 broadcasts each parsed
 * block, every rank answers a share of its units, and the engine brings
 * their text back to rank 0 in order; a checkpoint counts whole blocks.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/buffer.h"
#include "core/clock.h"
#include "parkit/answers.h"
#include "parkit/checkpoint.h"
#include "parkit/comm.h"
#include "parkit/numexpr.h"
#include "parkit/reader.h"
#include "parkit/rounds.h"
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
 * there.  So an answer is written once, by the thread that made it, and
 * never copied on its way out.  Sheets are reused (spares).
 * Under MPI, answers of other ranks arrive in the engine's own buffers and
 * are copied into `copies`, sized like `text`, so recorded parts stay put.
 * In a stream, a unit is a piece of text that it parses itself, so how
 * much it answers is known only as it goes: each piece writes into a
 * buffer of its own (`pieces`, reused with the sheet) instead of `text`. */
typedef struct piece_answers {
    char *text;
    size_t capacity, len;
    uint64_t lines; /* in the piece (up to a bad line that stopped it) */
    uint64_t counts[2]; /* found, numbers: added to the run's as they are written */
    pk_bad_lines bad;  /* numbered from the piece's first line */
    bool stopped;   /* at a bad line (--on-error fail): the block's answers end here */
} piece_answers;

typedef struct answer_sheet {
    struct answers_run *run; /* whose spares it returns to */
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

typedef struct answer_job {
    const pk_answers *answers;
    const pk_number_block *block;
    answer_sheet *sheet;
} answer_job;

/* Answers the unit's numbers into its range of the sheet. */
static int answer_unit(void *state, void *worker, uint64_t unit, uint64_t counters[])
{
    (void)worker;
    const answer_job *job = state;
    answer_sheet *sheet = job->sheet;
    char *const start = sheet->text + sheet->unit_at[unit];
    char *out = start;
    int rc = job->answers->answer(job->answers->answer_ctx, job->block, sheet->unit_start[unit],
                                  sheet->unit_start[unit + 1], &out, counters);
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
 * this core's cache from the text to the answer. */
static int answer_piece(void *state, void *worker, uint64_t unit, uint64_t counters[])
{
    (void)worker;
    const answer_job *job = state;
    const pk_number_block *block = job->block;
    const pk_answers *answers = job->answers;
    piece_answers *piece = &job->sheet->pieces[unit];
    uint64_t values[PIECE_CHUNK];
    uint32_t at[PIECE_CHUNK], len[PIECE_CHUNK];
    uint8_t big[PIECE_CHUNK];
    pk_number_block chunk = {.text = block->text, .text_len = block->text_len, .capacity = PIECE_CHUNK,
                             .values = values, .at = at, .len = len, .big = big};
    size_t pos = block->piece_start[unit];
    const size_t end = block->piece_start[unit + 1];
    uint64_t line = 0;
    piece->len = 0;
    piece->counts[0] = piece->counts[1] = 0;
    (void)counters; /* the counts go with the answers (write_streamed_answers) */
    while (pos < end && !chunk.stopped) {
        const size_t from = pos;
        chunk.count = 0;
        chunk.irregular = false;
        pk_number_block_parse_lines(&chunk, block->text, end, &pos, &line, !answers->skip_bad_lines);
        if (chunk.failed)
            return PK_ENOMEM;
        /* Answers take at most the digits of their numbers, which lie in
         * the text just parsed, and what the kernel adds or a value. */
        size_t room = (pos - from) + chunk.count * (PK_ANSWER_VALUE_DIGITS + answers->answer_extra) + PK_ANSWER_SLACK;
        if (!pk_buffer_reserve(&piece->text, &piece->capacity, piece->len + room))
            return PK_ENOMEM;
        char *out = piece->text + piece->len;
        int rc = answers->answer(answers->answer_ctx, &chunk, 0, chunk.count, &out, piece->counts);
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

/* ---- the run ---------------------------------------------------------------------- */

/* One run: what rank 0 keeps between blocks. */
typedef struct answers_run {
    pk_answers *answers;
    const pk_engine_options *engine;
    pk_writer *writer; /* NULL: the compute threads write */
    _Atomic int write_errno; /* why writing the answers failed: set by whichever thread wrote */
    bool drop_first;  /* the run's first byte is still to come, and is a separator to drop */
    /* Sheets and parsed blocks not in use, kept for the next blocks:
     * fresh arrays of a block's size cost a page fault every 4 KiB.  The
     * writer thread gives sheets back, reader threads take blocks. */
    pthread_mutex_t spares_lock;
    answer_sheet *spare_sheets;
    pk_number_block *spare_blocks;
    bool streaming; /* files go to the engine as a stream (stream_files) */
    /* The checkpoint: one unit, whose result is how many numbers have been
     * answered; a resume skips that many before answering again. */
    pk_checkpoint checkpoint;
    pk_rounds rounds;
    pk_engine_options rank0; /* ENGINE, not distributed: rank 0 alone saves */
    uint64_t resumed, to_skip;
    double last_save;
    pk_number_block shared;    /* ranks other than 0: the block being answered */
    pk_number_block arguments; /* numbers given as inputs */
    char *argument_text;
    size_t argument_len, argument_capacity;
} answers_run;

/* Sets the run's error (the first one kept) and returns STATUS. */
static int fail(answers_run *run, int status, bool usage, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static int fail(answers_run *run, int status, bool usage, const char *fmt, ...)
{
    pk_answers *answers = run->answers;
    if (answers->error[0] == '\0') {
        va_list args;
        va_start(args, fmt);
        vsnprintf(answers->error, sizeof answers->error, fmt, args);
        va_end(args);
        answers->usage_error = usage;
    }
    return status;
}

static void note(answers_run *run, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(answers_run *run, const char *fmt, ...)
{
    const pk_answers *answers = run->answers;
    if (answers->note == NULL)
        return;
    char message[768];
    va_list args;
    va_start(args, fmt);
    vsnprintf(message, sizeof message, fmt, args);
    va_end(args);
    answers->note(answers->note_ctx, message);
}

static int write_failed(answers_run *run)
{
    return fail(run, PK_EIO, false, "writing %s: %s", run->answers->out_name, strerror(atomic_load(&run->write_errno)));
}

static int write_out(void *ctx, const char *data, size_t len)
{
    answers_run *run = ctx;
    if (fwrite(data, 1, len, run->answers->out) == len)
        return 0;
    atomic_store(&run->write_errno, errno != 0 ? errno : EIO);
    return -1;
}

/* With no writer thread: the compute thread whose turn it is writes, and
 * the time it spends is the output side's.  The engine lets one thread
 * write at a time (and orders them through its lock), so the clock needs
 * no lock of its own. */
static int write_out_timed(answers_run *run, const char *data, size_t len)
{
    double start = pk_clock_seconds();
    int rc = write_out(run, data, len);
    run->answers->report.output_seconds += pk_clock_seconds() - start;
    return rc;
}

/* Every answer begins with a separator: the run's first goes. */
static void drop_separator(answers_run *run, const char **data, size_t *len)
{
    if (run->drop_first && *len > 0) {
        ++*data;
        --*len;
        run->drop_first = false;
    }
}

/* Notes where answers are, in order, to hand them over once the block is done. */
static int add_part(answer_sheet *sheet, const char *data, size_t len)
{
    if (sheet->part_count == sheet->part_capacity)
        return -1; /* cannot happen: one part per unit at most */
    sheet->parts[sheet->part_count++] = (pk_write_part){data, len};
    return 0;
}

/* The engine's write function for a block: straight out with no writer
 * thread, or noted in the sheet for the writer thread. */
typedef struct block_output {
    answers_run *run;
    answer_sheet *sheet;
} block_output;

static int write_block_answers(void *ctx, const char *data, size_t len)
{
    const block_output *output = ctx;
    answer_sheet *sheet = output->sheet;
    drop_separator(output->run, &data, &len);
    if (output->run->writer == NULL)
        return write_out_timed(output->run, data, len);
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

static answer_sheet *take_sheet(answers_run *run)
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
    answers_run *run = sheet->run;
    pthread_mutex_lock(&run->spares_lock);
    sheet->next_spare = run->spare_sheets;
    run->spare_sheets = sheet;
    pthread_mutex_unlock(&run->spares_lock);
}

/* Cuts numbers FIRST.. of BLOCK (one at least) into units of about
 * UNIT_WEIGHT numbers (a big number weighs its digits, so a unit of
 * 1000-digit numbers stays short enough for a prompt cancel) and gives
 * each unit its range of the sheet.  Every rank cuts a block the same way.
 * Returns the number of units, 0 when out of memory. */
static uint64_t lay_out_units(answer_sheet *sheet, const pk_answers *answers, const pk_number_block *block, size_t first)
{
    const size_t n = block->count - first, extra = answers->answer_extra;
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
        const size_t base = block->at[first];
        for (size_t i = first; i < block->count; i += UNIT_WEIGHT) {
            sheet->unit_start[units] = i;
            sheet->unit_at[units] = block->at[i] - base + extra * (i - first) + PK_ANSWER_SLACK * units;
            units++;
        }
        bytes = block->text_len - base + extra * n + PK_ANSWER_SLACK * units;
    } else {
        size_t weight = UNIT_WEIGHT;
        for (size_t i = first; i < block->count; i++) {
            if (weight >= UNIT_WEIGHT) {
                if (units > 0)
                    bytes += PK_ANSWER_SLACK;
                sheet->unit_start[units] = i;
                sheet->unit_at[units++] = bytes;
                weight = 0;
            }
            weight += block->big[i] ? block->len[i] : 1;
            bytes += (block->len[i] > 0 ? block->len[i] : PK_ANSWER_VALUE_DIGITS) + extra;
        }
        bytes += PK_ANSWER_SLACK;
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
    uint64_t count; /* numbers, or BLOCKS_END */
    uint64_t text_len;
    uint64_t irregular;
} block_header;

/* Rank 0: sends numbers FIRST.. of BLOCK to the other ranks. */
static void send_block(const pk_number_block *block, size_t first)
{
    block_header header = {block->count - first, block->text_len, block->irregular};
    pk_comm_broadcast(&header, sizeof header, 0);
    size_t n = block->count - first;
    pk_comm_broadcast((void *)block->text, block->text_len, 0);
    pk_comm_broadcast(block->values + first, n * sizeof block->values[0], 0);
    pk_comm_broadcast(block->at + first, n * sizeof block->at[0], 0);
    pk_comm_broadcast(block->len + first, n * sizeof block->len[0], 0);
    pk_comm_broadcast(block->big + first, n, 0);
}

/* Other ranks: receives a block into BLOCK.  Returns false at the end. */
static bool receive_block(pk_number_block *block)
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
        pk_comm_abort(1); /* the ranks could no longer agree on anything */
    pk_comm_broadcast(block->own_text, text_len, 0);
    memset(block->own_text + text_len, 0, PK_READER_PADDING); /* as a reader's block */
    pk_comm_broadcast(block->values, n * sizeof block->values[0], 0);
    pk_comm_broadcast(block->at, n * sizeof block->at[0], 0);
    pk_comm_broadcast(block->len, n * sizeof block->len[0], 0);
    pk_comm_broadcast(block->big, n, 0);
    block->text = block->own_text;
    block->text_len = text_len;
    block->count = n;
    block->irregular = header.irregular != 0;
    return true;
}

/* After the engine: what it wrote of SHEET (always a whole prefix of the
 * block's answers, also after a failure or a cancel) goes to the writer
 * thread, and the sheet back to the spares once written.  Returns a
 * pk_status. */
static int hand_over_answers(answers_run *run, answer_sheet *sheet)
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
static int answer_block(answers_run *run, const pk_number_block *block, size_t first)
{
    pk_answers *answers = run->answers;
    if (pk_comm_size() > 1 && pk_comm_rank() == 0)
        send_block(block, first);
    if (first >= block->count)
        return PK_OK;
    answer_sheet *sheet = take_sheet(run);
    uint64_t units = sheet != NULL ? lay_out_units(sheet, answers, block, first) : 0;
    if (units == 0) {
        if (sheet != NULL)
            return_sheet(sheet);
        return PK_ENOMEM;
    }
    answer_job state = {answers, block, sheet};
    pk_job job = {
        .units = units,
        .state = &state,
        .run_unit = answer_unit,
        .unit_output = answer_output,
        .output_stays = true, /* in the sheet until the block is handed over */
    };
    block_output output = {run, sheet};
    pk_engine_options engine = *run->engine;
    engine.write = write_block_answers;
    engine.write_ctx = &output;
    /* Numbers of a block cost alike, and blocks need no shared counter (a
     * collective to set up) per block of input. */
    engine.distribute = PK_DISTRIBUTE_BLOCK;
    /* With a checkpoint, a block is answered whole or not at all, so the
     * count the checkpoint saves is exact; a cancel is seen between blocks. */
    if (answers->checkpoint != NULL)
        engine.cancel = NULL;
    uint64_t counters[PK_JOB_MAX_COUNTERS];
    pk_engine_stats stats = {0};
    int rc = pk_engine_run(&engine, &job, counters, &stats);
    int handed = hand_over_answers(run, sheet);
    if (rc == PK_OK)
        rc = handed;
    pk_run_report_add(&answers->report, &stats, job.units);
    if (rc == PK_OK) {
        answers->found += counters[0];
        answers->answered += counters[1];
    }
    return rc;
}

/* ---- the checkpoint ----------------------------------------------------------------- */

/* Before a save (pk_rounds.before_save): the answers the checkpoint counts
 * are on disk, and when the output is a regular file the checkpoint also
 * records how long it was, so a resume into the same file can cut off what
 * came after (answers a resume gives again, or a line torn by SIGKILL). */
static int make_answers_durable(void *ctx)
{
    answers_run *run = ctx;
    const int fd = fileno(run->answers->out);
    struct stat out;
    if (fstat(fd, &out) != 0 || !S_ISREG(out.st_mode))
        return 0;
    if (fsync(fd) != 0)
        return errno;
    if (pk_checkpoint_set_note(&run->checkpoint, "stdout_inode", out.st_ino) != PK_OK ||
        pk_checkpoint_set_note(&run->checkpoint, "stdout_size", (uint64_t)out.st_size) != PK_OK)
        return ENOMEM;
    return 0;
}

/* Rank 0, after a block: a checkpoint when the interval is up (or NOW).
 * Returns a pk_status: a checkpoint that cannot be saved fails the run. */
static int maybe_save_checkpoint(answers_run *run, bool now)
{
    const pk_answers *answers = run->answers;
    if (answers->checkpoint == NULL || pk_comm_rank() != 0)
        return PK_OK;
    double interval = answers->checkpoint_interval > 0 ? answers->checkpoint_interval : 60;
    if (!now && pk_clock_seconds() - run->last_save < interval)
        return PK_OK;
    /* The answers are out before the checkpoint says so. */
    if (fflush(answers->out) != 0) {
        atomic_store(&run->write_errno, errno);
        return write_failed(run);
    }
    run->checkpoint.results[0] = run->resumed + answers->answered;
    run->checkpoint.done[0] = 1;
    if (pk_rounds_save(&run->rank0, &run->rounds, &run->checkpoint) != PK_OK)
        return fail(run, PK_EIO, false, "%s", run->rounds.error);
    run->last_save = pk_clock_seconds();
    return PK_OK;
}

/* Resuming into the very file the checkpoint recorded as the output: what
 * was written after the checkpoint (answers the resume gives again, or a
 * line torn by SIGKILL) is cut off, so every number is answered once.
 * Shorter than recorded means answers were lost: refused.  Another file or
 * a pipe is written as it is.  Returns a pk_status. */
static int cut_output_to_checkpoint(answers_run *run)
{
    const pk_answers *answers = run->answers;
    const int fd = fileno(answers->out);
    uint64_t inode, size;
    struct stat out;
    if (pk_checkpoint_get_note(&run->checkpoint, "stdout_inode", &inode) != PK_OK ||
        pk_checkpoint_get_note(&run->checkpoint, "stdout_size", &size) != PK_OK || fstat(fd, &out) != 0 ||
        !S_ISREG(out.st_mode) || out.st_ino != inode)
        return PK_OK;
    if ((uint64_t)out.st_size < size)
        return fail(run, PK_EINVAL, true,
                    "cannot resume from %s: %s is the file it recorded, but shorter (%" PRIu64
                    " bytes, recorded %" PRIu64 "): answers were lost (append with >>, or write to another file)",
                    answers->checkpoint, answers->out_name, (uint64_t)out.st_size, size);
    if ((uint64_t)out.st_size > size) {
        if (ftruncate(fd, (off_t)size) != 0 || lseek(fd, 0, SEEK_END) < 0)
            return fail(run, PK_EIO, false, "cannot cut %s back to its checkpoint: %s", answers->out_name,
                        strerror(errno));
        if (!answers->quiet)
            note(run, "%s cut back to the %" PRIu64 " bytes the checkpoint knows", answers->out_name, size);
    }
    return PK_OK;
}

/* Rank 0: the checkpoint's identity is the job's and its inputs; with
 * resume, how many numbers were answered.  Returns a pk_status. */
static int start_checkpoint(answers_run *run)
{
    const pk_answers *answers = run->answers;
    if (pk_checkpoint_init(&run->checkpoint, 1) != PK_OK)
        return PK_ENOMEM;
    char *identity = run->checkpoint.identity;
    const size_t size = sizeof run->checkpoint.identity;
    int used = snprintf(identity, size, "%son_error %s\n", answers->identity != NULL ? answers->identity : "",
                        answers->skip_bad_lines ? "skip" : "fail");
    for (size_t i = 0; i < answers->input_count && used > 0 && (size_t)used < size; i++)
        used += snprintf(identity + used, size - (size_t)used, "input %s\n", answers->inputs[i]);
    run->rounds = (pk_rounds){
        .path = answers->checkpoint,
        .interval = answers->checkpoint_interval,
        .resume = answers->resume,
        .before_save = make_answers_durable,
        .before_save_ctx = run,
    };
    run->rank0 = *run->engine;
    run->rank0.distributed = false; /* the other ranks only answer what rank 0 sends */
    run->last_save = pk_clock_seconds();
    int rc = pk_rounds_start(&run->rank0, &run->rounds, &run->checkpoint);
    if (rc != PK_OK)
        return fail(run, rc, rc == PK_EINVAL, "%s", run->rounds.error);
    if (run->rounds.note[0] != '\0') {
        if (!answers->quiet)
            note(run, "%s", run->rounds.note);
        return PK_OK;
    }
    if (!answers->resume)
        return PK_OK;
    rc = cut_output_to_checkpoint(run);
    if (rc != PK_OK)
        return rc;
    run->resumed = run->to_skip = run->checkpoint.results[0];
    if (!answers->quiet)
        note(run, "resumed from %s: %" PRIu64 " numbers were answered", answers->checkpoint, run->resumed);
    return PK_OK;
}

/* Rank 0, after the last block: the checkpoint saved (stopped by a cancel)
 * or removed (done).  Returns the run's status. */
static int finish_checkpoint(answers_run *run, int rc)
{
    pk_answers *answers = run->answers;
    if (rc == PK_ECANCELED && answers->error[0] == '\0') {
        int saved = maybe_save_checkpoint(run, true);
        answers->report.checkpoint_saved = saved == PK_OK;
        if (saved != PK_OK)
            rc = saved;
    } else if (rc == PK_OK && run->to_skip > 0) {
        rc = fail(run, PK_EINVAL, true,
                  "cannot resume from %s: it says %" PRIu64 " numbers were answered, but the inputs hold only %" PRIu64
                  " (other inputs than when it was saved?)",
                  answers->checkpoint, run->resumed, run->resumed - run->to_skip);
    } else if (rc == PK_OK) {
        pk_rounds_finish(&run->rank0, &run->rounds, PK_OK); /* done: nothing to resume */
    }
    return rc;
}

/* ---- blocks, one after another -------------------------------------------------------- */

/* After answers: the bad lines among them (BAD, numbered from FIRST_LINE),
 * named (skipped), or the first one as the error.  Returns a pk_status. */
static int report_bad_lines(answers_run *run, const pk_bad_lines *lines, const char *name, uint64_t first_line)
{
    pk_answers *answers = run->answers;
    size_t named = lines->count < PK_NUMBERS_BAD_NAMED ? (size_t)lines->count : PK_NUMBERS_BAD_NAMED;
    for (size_t i = 0; i < named; i++) {
        const pk_bad_line *bad = &lines->named[i];
        uint64_t line = first_line + bad->local_line;
        if (answers->skip_bad_lines) {
            if (answers->skipped + i < PK_NUMBERS_BAD_NAMED)
                note(run, "skipping %s:%" PRIu64 ": '%s': %s", name, line, bad->text, bad->why);
        } else if (strcmp(bad->why, "contains a NUL byte") == 0) {
            return fail(run, PK_EINVAL, false, "%s:%" PRIu64 ": contains a NUL byte", name, line);
        } else {
            return fail(run, PK_EINVAL, false, "%s:%" PRIu64 ": '%s': %s", name, line, bad->text, bad->why);
        }
    }
    answers->skipped += lines->count;
    return PK_OK;
}

static bool canceled(const answers_run *run)
{
    return run->engine->cancel != NULL && atomic_load(run->engine->cancel) != 0;
}

/* Rank 0: answers a block, then reports its bad lines.  Returns a pk_status. */
static int take_block(answers_run *run, const pk_number_block *block, const char *name, uint64_t first_line)
{
    size_t first = 0;
    if (run->to_skip > 0) { /* answered before the checkpoint */
        first = run->to_skip < block->count ? (size_t)run->to_skip : block->count;
        run->to_skip -= first;
    }
    int rc = answer_block(run, block, first);
    if (rc == PK_EIO)
        return write_failed(run);
    if (rc == PK_OK)
        rc = maybe_save_checkpoint(run, false);
    if (rc == PK_OK)
        rc = report_bad_lines(run, &block->bad, name, first_line);
    if (rc == PK_OK && canceled(run))
        rc = PK_ECANCELED;
    return rc;
}

/* The reader's parse function: runs on a reader thread. */
static int parse_block(void *ctx, pk_line_block *block)
{
    answers_run *run = ctx;
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
        pk_number_block_parse(parsed, block, !run->answers->skip_bad_lines);
    return parsed->failed ? -1 : 0; /* the reader reports "out of memory" */
}

static void free_block(void *ctx, void *parsed)
{
    answers_run *run = ctx;
    pk_number_block *block = parsed;
    pthread_mutex_lock(&run->spares_lock);
    block->next_spare = run->spare_blocks;
    run->spare_blocks = block;
    pthread_mutex_unlock(&run->spares_lock);
}

static const char *input_name(const char *path)
{
    return strcmp(path, "-") == 0 ? "<stdin>" : path;
}

/* ---- one process: the blocks as a stream ------------------------------------------- */

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

typedef struct answers_stream {
    answers_run *run;
    pk_reader *reader;
    const char *const *paths;
    /* The blocks whose answers are being written, oldest first: the engine
     * writes in order, so answers always belong to the oldest. */
    pthread_mutex_t lock;
    streamed_block *oldest, *newest;
    /* Lines of the current input before the block being finished. */
    size_t line_source;
    uint64_t lines_before;
    int failed;       /* a bad line stopped the run (error set) */
    bool read_failed; /* the stream ended on a read error */
} answers_stream;

static const pk_job *next_streamed_block(void *ctx, int *status)
{
    answers_stream *stream = ctx;
    answers_run *run = stream->run;
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
    streamed->state = (answer_job){run->answers, block, sheet};
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
 * nothing more of its block is written, though later pieces may have been
 * answered meanwhile: the answers end right before the bad line.  Then the
 * answers go to the writer thread (noted in the sheet, handed over when
 * the block is done) or straight out, and their numbers are counted: the
 * counts are those of the answers given. */
static int write_streamed_answers(void *ctx, const char *data, size_t len)
{
    answers_stream *stream = ctx;
    answers_run *run = stream->run;
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
    drop_separator(run, &data, &len);
    run->answers->found += sheet->pieces[piece].counts[0];
    run->answers->answered += sheet->pieces[piece].counts[1];
    if (run->writer == NULL)
        return write_out_timed(run, data, len);
    return add_part(sheet, data, len);
}

static int finish_streamed_block(void *ctx, const pk_job *job, int status)
{
    answers_stream *stream = ctx;
    answers_run *run = stream->run;
    streamed_block *streamed = (streamed_block *)(void *)job;
    pthread_mutex_lock(&stream->lock);
    stream->oldest = streamed->younger;
    if (stream->oldest == NULL)
        stream->newest = NULL;
    pthread_mutex_unlock(&stream->lock);
    run->answers->report.units += job->units;
    /* The bad lines first: once handed over, the sheet may be reused. */
    const answer_sheet *sheet = streamed->state.sheet;
    const size_t source = streamed->line_block->source;
    const char *name = input_name(stream->paths[source]);
    if (source != stream->line_source)
        stream->line_source = source, stream->lines_before = 0;
    for (size_t i = 0; i < job->units; i++) {
        const piece_answers *piece = &sheet->pieces[i];
        if (status == PK_OK && stream->failed == PK_OK)
            stream->failed = report_bad_lines(run, &piece->bad, name, stream->lines_before + 1);
        stream->lines_before += piece->lines;
    }
    int rc = hand_over_answers(run, streamed->state.sheet);
    if (rc == PK_OK)
        rc = stream->failed; /* stops the stream; the error is set */
    pk_reader_release(stream->reader, streamed->line_block);
    free(streamed);
    return rc;
}

/* The files of answer_files as one stream.  Returns a pk_status. */
static int stream_files(answers_run *run, pk_reader *reader, const char *const *paths)
{
    answers_stream stream = {.run = run, .reader = reader, .paths = paths};
    pthread_mutex_init(&stream.lock, NULL);
    pk_stream jobs = {next_streamed_block, finish_streamed_block, &stream};
    pk_engine_options engine = *run->engine;
    engine.write = write_streamed_answers;
    engine.write_ctx = &stream;
    uint64_t counters[PK_JOB_MAX_COUNTERS];
    pk_engine_stats stats = {0};
    int rc = pk_engine_run_stream(&engine, &jobs, counters, &stats);
    pthread_mutex_destroy(&stream.lock);
    pk_run_report_add(&run->answers->report, &stats, 0); /* units: counted as the jobs came */
    if (stream.failed != PK_OK)
        return stream.failed;
    if (rc == PK_OK)
        return PK_OK;
    if (stream.read_failed)
        return fail(run, PK_EIO, false, "cannot read %s", pk_reader_error(reader));
    if (rc == PK_EIO)
        return write_failed(run);
    return rc;
}

/* ---- the inputs ------------------------------------------------------------------------ */

/* Reads consecutive file inputs (or -), with reader threads or (0) on
 * this thread.  Returns a pk_status. */
static int answer_files(answers_run *run, const char *const *paths, size_t count)
{
    pk_answers *answers = run->answers;
    const int io_threads = answers->io_threads < 0 ? 1 : answers->io_threads;
    /* Under MPI rank 0 sends each block to the others, and a checkpoint
     * counts whole blocks: both take one parsed block at a time. */
    run->streaming = pk_comm_size() == 1 && answers->checkpoint == NULL;
    pk_reader *reader;
    if (pk_reader_create(&reader, paths, count, io_threads, BLOCK_BYTES, 2 * (size_t)io_threads + 2, parse_block,
                         free_block, run, run->engine->cancel) != PK_OK)
        return fail(run, PK_ENOMEM, false, "cannot start the reader threads");
    if (run->streaming) {
        int rc = stream_files(run, reader, paths);
        pk_reader_destroy(reader);
        return rc;
    }
    int rc = PK_OK, status;
    pk_line_block *block;
    for (;;) {
        double start = pk_clock_seconds();
        status = rc == PK_OK ? pk_reader_next(reader, &block) : PK_EOF;
        answers->report.input_seconds += pk_clock_seconds() - start;
        if (status != PK_OK)
            break;
        rc = take_block(run, block->parsed, input_name(paths[block->source]), block->first_line);
        pk_reader_release(reader, block);
    }
    if (rc == PK_OK && status == PK_EIO)
        rc = fail(run, PK_EIO, false, "cannot read %s", pk_reader_error(reader));
    else if (rc == PK_OK && status == PK_ECANCELED)
        rc = PK_ECANCELED; /* a signal or the timeout while waiting for input */
    pk_reader_destroy(reader);
    return rc;
}

bool pk_answers_is_number(const char *arg)
{
    uint64_t value;
    return pk_parse_u64(arg, &value, NULL) == PK_OK || (arg[0] != '\0' && strspn(arg, "0123456789") == strlen(arg));
}

/* Numbers given as inputs: gathered into a block of their own.  Returns a
 * pk_status (PK_EINVAL, a usage error, for a number that cannot be answered). */
static int add_argument(answers_run *run, const char *arg)
{
    size_t len = strlen(arg);
    /* Padded like a reader's block: answers copy digits a word at a time. */
    if (run->argument_len + len + 1 + PK_READER_PADDING > run->argument_capacity) {
        size_t capacity = 2 * (run->argument_len + len + 1) + 256 + PK_READER_PADDING;
        char *text = realloc(run->argument_text, capacity);
        if (text == NULL)
            return PK_ENOMEM;
        run->argument_text = text;
        run->argument_capacity = capacity;
    }
    size_t at = run->argument_len;
    memcpy(run->argument_text + at, arg, len + 1);
    run->argument_len += len + 1;
    memset(run->argument_text + run->argument_len, 0, PK_READER_PADDING);
    const char *why = pk_number_block_add(&run->arguments, run->argument_text + at, len, at);
    if (why == pk_numbers_out_of_memory)
        return PK_ENOMEM;
    if (why != NULL)
        return fail(run, PK_EINVAL, true, "bad N '%s': %s", arg, why);
    return PK_OK;
}

static int flush_arguments(answers_run *run)
{
    if (run->arguments.count == 0)
        return PK_OK;
    run->arguments.text = run->argument_text;
    run->arguments.text_len = run->argument_len;
    int rc = take_block(run, &run->arguments, "arguments", 0);
    run->arguments.count = 0;
    run->arguments.irregular = false;
    run->argument_len = 0;
    return rc;
}

/* Rank 0: reads every input in order and answers block by block.
 * Returns a pk_status. */
static int answer_inputs(answers_run *run)
{
    const pk_answers *answers = run->answers;
    int rc = answers->checkpoint != NULL ? start_checkpoint(run) : PK_OK;
    for (size_t i = 0; i < answers->input_count && rc == PK_OK; i++) {
        if (pk_answers_is_number(answers->inputs[i])) {
            rc = add_argument(run, answers->inputs[i]);
            continue;
        }
        rc = flush_arguments(run);
        /* This file and the files right after it are read together. */
        size_t group = i;
        while (group + 1 < answers->input_count && !pk_answers_is_number(answers->inputs[group + 1]))
            group++;
        if (rc == PK_OK)
            rc = answer_files(run, answers->inputs + i, group - i + 1);
        i = group;
    }
    if (rc == PK_OK)
        rc = flush_arguments(run);
    if (answers->checkpoint != NULL && run->checkpoint.units > 0)
        rc = finish_checkpoint(run, rc);
    return rc;
}

/* Every rank leaves with rank 0's outcome. */
typedef struct outcome {
    int status;
    bool usage_error, checkpoint_saved;
    uint64_t answered, found, skipped;
    char error[sizeof ((pk_answers *)0)->error];
} outcome;

static int share_outcome(pk_answers *answers, int rc)
{
    outcome shared = {rc, answers->usage_error, answers->report.checkpoint_saved, answers->answered, answers->found,
                      answers->skipped, ""};
    memcpy(shared.error, answers->error, sizeof shared.error);
    pk_comm_broadcast(&shared, sizeof shared, 0);
    answers->usage_error = shared.usage_error;
    answers->report.checkpoint_saved = shared.checkpoint_saved;
    answers->answered = shared.answered;
    answers->found = shared.found;
    answers->skipped = shared.skipped;
    memcpy(answers->error, shared.error, sizeof answers->error);
    return shared.status;
}

int pk_answers_run(const pk_engine_options *engine, pk_answers *answers)
{
    answers_run *run = calloc(1, sizeof *run);
    if (run == NULL)
        pk_comm_abort(1); /* before the ranks' first exchange: they could not agree */
    run->answers = answers;
    run->engine = engine;
    run->drop_first = answers->separated;
    atomic_init(&run->write_errno, EIO);
    pthread_mutex_init(&run->spares_lock, NULL);
    /* Answers go through a writer thread, except with io_threads 0 and
     * with a checkpoint (which must know that what it counts was written). */
    const int io_threads = answers->io_threads < 0 ? 1 : answers->io_threads;
    int rc = PK_OK;
    if (pk_comm_rank() == 0 && io_threads > 0 && answers->checkpoint == NULL &&
        pk_writer_create(&run->writer, 1, 4, write_out, run) != PK_OK)
        rc = fail(run, PK_ENOMEM, false, "cannot start the writer thread");
    if (pk_comm_size() > 1)
        rc = pk_comm_agree(rc);
    if (rc != PK_OK) {
        /* nothing started */
    } else if (pk_comm_rank() == 0) {
        rc = answer_inputs(run);
        if (pk_comm_size() > 1) {
            block_header end = {BLOCKS_END, 0, 0};
            pk_comm_broadcast(&end, sizeof end, 0);
        }
    } else {
        while (receive_block(&run->shared))
            answer_block(run, &run->shared, 0);
    }
    if (run->writer != NULL) {
        size_t max_queued;
        pk_writer_stats(run->writer, &max_queued, &answers->report.output_seconds);
        /* Answers already made are written, even after a bad line; after a
         * cancel they are dropped, since a stalled reader must not keep us. */
        if (canceled(run))
            pk_writer_cancel(run->writer);
        if (pk_writer_finish(run->writer) != PK_OK && rc == PK_OK)
            rc = write_failed(run);
    }
    if (pk_comm_rank() == 0 && fflush(answers->out) != 0 && rc == PK_OK) {
        atomic_store(&run->write_errno, errno);
        rc = write_failed(run);
    }
    if (pk_comm_size() > 1)
        rc = share_outcome(answers, rc);
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
    pk_checkpoint_free(&run->checkpoint);
    pthread_mutex_destroy(&run->spares_lock);
    pk_number_block_free(&run->shared);
    pk_number_block_free(&run->arguments);
    free(run->argument_text);
    free(run);
    return rc;
}
