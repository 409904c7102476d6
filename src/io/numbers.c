/*
 * Blocks of numbers read from text, one number per line (see
 * parkit/numbers.h): the parser of `parkit primes check`'s input.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parkit/linescan.h"
#include "parkit/numbers.h"
#include "parkit/numexpr.h"
#include "parkit/status.h"

/* Numbers of 2^64 and above are kept (as digits) only when the build can
 * test them: with GMP, as the primality test is built. */
#ifndef PK_HAVE_GMP
#define PK_HAVE_GMP 0
#endif

static const char need_gmp[] = "numbers of 2^64 and above need GMP, and this build has none "
                               "(apt-get install libgmp-dev, then rebuild)";
const char pk_numbers_out_of_memory[] = "out of memory";
static const char too_big[] = "exceeds 2^64-1 (write numbers of 2^64 and above in plain digits)";

/* Why a number is out of range: too big (say how to write big ones), or
 * negative (the parser's own words). */
const char *pk_numbers_out_of_range(const char *why)
{
    return why == NULL || strncmp(why, "exceeds", 7) == 0 ? too_big : why;
}

/* ---- a block of numbers -------------------------------------------------------- */

void pk_number_block_free(pk_number_block *block)
{
    free(block->values);
    free(block->at);
    free(block->len);
    free(block->big);
    free(block->own_text);
    free(block->piece_start);
    memset(block, 0, sizeof *block);
}

bool pk_number_block_reserve(pk_number_block *block, size_t count)
{
    if (count <= block->capacity)
        return true;
    size_t capacity = block->capacity > 0 ? block->capacity : 256;
    while (capacity < count)
        capacity *= 2;
    uint64_t *values = realloc(block->values, capacity * sizeof *values);
    if (values != NULL)
        block->values = values;
    uint32_t *at = realloc(block->at, capacity * sizeof *at);
    if (at != NULL)
        block->at = at;
    uint32_t *len = realloc(block->len, capacity * sizeof *len);
    if (len != NULL)
        block->len = len;
    uint8_t *big = realloc(block->big, capacity);
    if (big != NULL)
        block->big = big;
    if (values == NULL || at == NULL || len == NULL || big == NULL)
        return false;
    block->capacity = capacity;
    return true;
}

static void note_bad(pk_bad_lines *bad, uint64_t local_line, const char *text, size_t len, const char *why)
{
    if (bad->count < PK_NUMBERS_BAD_NAMED) {
        pk_bad_line *named = &bad->named[bad->count];
        named->local_line = local_line;
        snprintf(named->text, sizeof named->text, "%.*s", (int)(len < 100 ? len : 100), text);
        snprintf(named->why, sizeof named->why, "%s", why);
    }
    bad->count++;
}

/* Appends the number written as TEXT[0..LEN) (trimmed, not empty), found at
 * offset AT of the block's text.  Returns NULL, or why it is no number.
 * The text is only read: in a stream, other threads read the lines around. */
const char *pk_number_block_add(pk_number_block *block, const char *text, size_t len, size_t at)
{
    char small[64], *copy = len < sizeof small ? small : malloc(len + 1);
    if (!pk_number_block_reserve(block, block->count + 1) || copy == NULL) {
        if (copy != small)
            free(copy);
        return pk_numbers_out_of_memory;
    }
    memcpy(copy, text, len);
    copy[len] = '\0';
    uint64_t value = 0;
    const char *why = NULL;
    int status = pk_parse_u64(copy, &value, &why);
    const bool digits = strspn(copy, "0123456789") == len;
    if (copy != small)
        free(copy);
    uint8_t big = 0;
    if (status == PK_ERANGE && digits) {
        if (!PK_HAVE_GMP)
            return need_gmp;
        big = 1;
    } else if (status == PK_ERANGE) {
        return pk_numbers_out_of_range(why);
    } else if (status != PK_OK) {
        return why != NULL ? why : "not a number";
    }
    const bool canonical = digits && (text[0] != '0' || len == 1);
    size_t i = block->count++;
    block->values[i] = value;
    block->at[i] = (uint32_t)at;
    block->len[i] = canonical || big ? (uint32_t)len : 0;
    block->big[i] = big;
    block->irregular |= block->len[i] == 0 || big;
    return NULL;
}

/* Any line but a plain one: blanks and CR around the number are trimmed,
 * blank lines and # comments skipped, expressions and big numbers parsed. */
static void take_general_line(pk_number_block *parsed, const char *text, const char *p, const char *line_end,
                              uint64_t line, bool stop_at_bad)
{
    if (memchr(p, '\0', (size_t)(line_end - p)) != NULL) {
        note_bad(&parsed->bad, line, "", 0, "contains a NUL byte");
        parsed->stopped = stop_at_bad;
        return;
    }
    const char *hash = memchr(p, '#', (size_t)(line_end - p));
    const char *stop = hash != NULL ? hash : line_end;
    while (p < stop && isspace((unsigned char)*p))
        p++;
    while (stop > p && isspace((unsigned char)stop[-1]))
        stop--;
    if (p < stop) {
        const char *why = pk_number_block_add(parsed, p, (size_t)(stop - p), (size_t)(p - text));
        if (why == pk_numbers_out_of_memory) {
            parsed->failed = parsed->stopped = true;
        } else if (why != NULL) {
            note_bad(&parsed->bad, line, p, (size_t)(stop - p), why);
            parsed->stopped = stop_at_bad;
        }
    }
}

/* One number per line; blank lines and # comments are skipped, blanks and
 * CR around the number are trimmed.  Parses the lines of TEXT from *POS
 * up to END into PARSED, until it is full, stopped, or END; advances *POS
 * and counts the lines taken in *LINE.  Runs of plain lines go through
 * pk_scan_plain_lines; each other line takes the general parser. */
void pk_number_block_parse_lines(pk_number_block *parsed, const char *text, size_t end, size_t *pos, uint64_t *line,
                        bool stop_at_bad)
{
    while (*pos < end && !parsed->stopped && parsed->count < parsed->capacity) {
        size_t taken = pk_scan_plain_lines(text, end, pos, parsed->values + parsed->count,
                                           parsed->at + parsed->count, parsed->len + parsed->count,
                                           parsed->capacity - parsed->count);
        memset(parsed->big + parsed->count, 0, taken);
        parsed->count += taken;
        *line += taken;
        if (*pos >= end || parsed->count == parsed->capacity)
            break;
        /* Not a plain line: the general parser, for this one line. */
        const char *p = text + *pos, *newline = memchr(p, '\n', end - *pos);
        const char *line_end = newline != NULL ? newline : text + end;
        take_general_line(parsed, text, p, line_end, (*line)++, stop_at_bad);
        *pos = newline != NULL ? (size_t)(newline - text) + 1 : end;
    }
}

/* A whole block, on a reader thread (under MPI and with a checkpoint):
 * its numbers, in arrays grown as needed.  Sets block->lines. */
void pk_number_block_parse(pk_number_block *parsed, pk_line_block *block, bool stop_at_bad)
{
    size_t pos = 0;
    uint64_t line = 0;
    parsed->text = block->text;
    parsed->text_len = block->len;
    while (pos < block->len && !parsed->stopped) {
        if (parsed->count == parsed->capacity &&
            !pk_number_block_reserve(parsed, parsed->count + block->len / 16 + 16)) {
            parsed->failed = parsed->stopped = true;
            break;
        }
        pk_number_block_parse_lines(parsed, block->text, block->len, &pos, &line, stop_at_bad);
    }
    block->lines = line;
}

/* A stream's block, on a reader thread: only cut into pieces of about
 * piece_bytes at line ends.  Parsing, and counting the lines, is left to
 * the threads that answer the pieces: the text then goes to the test in
 * the same core's cache, where parsing here would pass 17 bytes a number
 * from this core to the others (and counting would read it all once more).
 * The lines are added up as blocks finish (finish_streamed_block). */
void pk_number_block_cut(pk_number_block *parsed, pk_line_block *block, size_t piece_bytes)
{
    const char *text = block->text;
    const size_t len = block->len;
    parsed->text = text;
    parsed->text_len = len;
    parsed->pieces = 0;
    block->lines = PK_LINES_UNCOUNTED;
    size_t start = 0;
    do {
        if (parsed->pieces + 2 > parsed->pieces_capacity) {
            size_t capacity = 2 * parsed->pieces_capacity + 64;
            uint32_t *starts = realloc(parsed->piece_start, capacity * sizeof *starts);
            if (starts == NULL) {
                parsed->failed = true;
                return;
            }
            parsed->piece_start = starts;
            parsed->pieces_capacity = capacity;
        }
        size_t end = len;
        if (len - start > piece_bytes) {
            const char *newline = memchr(text + start + piece_bytes - 1, '\n', len - start - piece_bytes + 1);
            end = newline != NULL ? (size_t)(newline - text) + 1 : len;
        }
        parsed->piece_start[parsed->pieces++] = (uint32_t)start;
        start = end;
    } while (start < len);
    parsed->piece_start[parsed->pieces] = (uint32_t)len;
}

