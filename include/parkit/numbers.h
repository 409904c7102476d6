/*
 * Blocks of numbers read from text, one number per line, as `parkit primes
 * check` reads its files: every number with where its digits are, so an
 * answer can copy them, and the lines that are no number, counted and the
 * first few kept to be named.  Plain lines go through the SIMD line
 * scanner (parkit/linescan.h); any other line through the general parser:
 * blanks and CR around a number are trimmed, blank lines and # comments
 * skipped, expressions (2^61-1) and numbers of 2^64 and above (kept as
 * digits, for GMP) taken.  Only the text is read, so several threads may
 * parse the pieces of one block at once.
 */
#ifndef PARKIT_NUMBERS_H
#define PARKIT_NUMBERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "parkit/reader.h"

/* Bad lines named, per block (and per run, by check). */
enum { PK_NUMBERS_BAD_NAMED = 5 };

typedef struct pk_bad_line {
    uint64_t local_line; /* 0-based, within the block */
    char text[120];
    /* A copy: pk_parse_u64's phrase may live in the reader thread's own
     * buffer, rewritten by its next error, while the main thread reports. */
    char why[200];
} pk_bad_line;

/* The lines of some text that are not numbers: all counted, the first
 * PK_NUMBERS_BAD_NAMED kept to be named. */
typedef struct pk_bad_lines {
    uint64_t count;
    pk_bad_line named[PK_NUMBERS_BAD_NAMED];
} pk_bad_lines;

/* What a block of input holds: its numbers and where their digits are in
 * the block's text. */
typedef struct pk_number_block {
    const char *text;
    size_t text_len;
    size_t count, capacity;
    uint64_t *values;
    uint32_t *at;  /* where the number's text starts */
    uint32_t *len; /* its length; 0: an expression, answered as its value */
    uint8_t *big;  /* digits of 2^64 and above: GMP decides */
    /* Some number is an expression or 2^64 and above: its answer's length
     * does not follow from its digits. */
    bool irregular;
    /* Lines that are not numbers; told to stop at a bad one, parsing does. */
    pk_bad_lines bad;
    bool stopped;
    bool failed; /* out of memory while parsing: the read fails */
    /* The caller's: a copy of the text that is not the reader's block. */
    char *own_text;
    size_t own_capacity;
    /* After pk_number_block_cut: piece i is text[piece_start[i]..piece_start[i+1]), whole lines. */
    size_t pieces, pieces_capacity;
    uint32_t *piece_start;
    struct pk_number_block *next_spare; /* the caller's list of spare blocks */
} pk_number_block;

/* Frees what BLOCK holds (own_text included) and zeroes it. */
void pk_number_block_free(pk_number_block *block);
/* Room for COUNT numbers; false when out of memory. */
bool pk_number_block_reserve(pk_number_block *block, size_t count);

/* The reason pk_number_block_add gives when memory ran out (compare the
 * pointer): it fails the read, and is never a bad line to skip. */
extern const char pk_numbers_out_of_memory[];
/* Why a number is out of range: too big (saying how to write big ones), or
 * the parser's own words (negative). */
const char *pk_numbers_out_of_range(const char *why);

/* Appends the number written as TEXT[0..LEN) (trimmed, not empty), found at
 * offset AT of the block's text.  Returns NULL, or why it is no number. */
const char *pk_number_block_add(pk_number_block *block, const char *text, size_t len, size_t at);

/* Parses the lines of TEXT from *POS up to END into PARSED, until its room
 * (capacity) is full, it stopped (at a bad line, when STOP_AT_BAD), or
 * END; advances *POS and counts the lines taken in *LINE. */
void pk_number_block_parse_lines(pk_number_block *parsed, const char *text, size_t end, size_t *pos, uint64_t *line,
                                 bool stop_at_bad);
/* A whole block of the reader, into arrays grown as needed; sets its lines. */
void pk_number_block_parse(pk_number_block *parsed, pk_line_block *block, bool stop_at_bad);
/* Only cuts the reader's block into pieces of about PIECE_BYTES at line
 * ends, to be parsed where they are answered (the text then stays in that
 * core's cache); its lines are left uncounted (PK_LINES_UNCOUNTED). */
void pk_number_block_cut(pk_number_block *parsed, pk_line_block *block, size_t piece_bytes);

#endif
