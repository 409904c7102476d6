/*
 * Number expressions: the integers people type for ranges and counts.
 *
 * Users write 1e10 for ten billion and 2^64-1 for the top of the range, so
 * every number argument in parkit goes through here rather than strtoull,
 * which would reject the first and could silently wrap the second.  The
 * grammar and the rules are documented in include/parkit/numexpr.h.
 *
 * How it works: a recursive-descent parser that evaluates as it goes.
 * Values are exact signed 128-bit integers kept in the symmetric range
 * [-(2^127-1), 2^127-1], so negation never overflows and 2^64 (needed by
 * 2^64-1) is an ordinary intermediate.  Every operation checks before it
 * computes, so nothing here is undefined behaviour whatever the input.
 *
 * Two kinds of error are kept apart.  A syntax error stops the parse at
 * once.  A value error (overflow, "not an integer", a negative exponent) is
 * recorded and the parse goes on checking syntax with the value poisoned, so
 * that "1e50x" is reported as the malformed text it is, not as an overflow.
 * Recursion is bounded by PK_NUMEXPR_MAX_DEPTH, so a hostile string of
 * parentheses cannot exhaust the stack.
 */
#include <stdatomic.h>
#include <stdbool.h>
#include <string.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "parkit/numexpr.h"
#include "parkit/status.h"

/* __extension__ keeps -Wpedantic quiet about the non-ISO 128-bit types. */
__extension__ typedef __int128 wide_int;
__extension__ typedef unsigned __int128 wide_uint;

/* The largest magnitude an intermediate may have: 2^127-1. */
#define WIDE_LIMIT ((wide_int)(((wide_uint)1 << 127) - 1))

static const char exceeds_range[] = "exceeds 2^64-1";

/*
 * Phrases that quote the input ("unexpected 'x' at offset 3") are built
 * here.  Thread-local so that concurrent callers never share it; valid until
 * this thread's next call.
 */
static _Thread_local char formatted_why[96];

typedef struct numexpr_parser {
    const char *text;
    size_t position;
    unsigned depth;          /* current nesting of '(' and '^' together */
    int value_status;        /* PK_OK until the first value error */
    const char *value_why;
    const char *syntax_why;  /* set when a syntax error stops the parse */
} numexpr_parser;

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool is_letter(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static char current_char(const numexpr_parser *parser)
{
    return parser->text[parser->position];
}

/* ---- errors --------------------------------------------------------- */

static int syntax_error(numexpr_parser *parser, const char *why)
{
    parser->syntax_why = why;
    return PK_EINVAL;
}

/* The character at the current position does not belong there. */
static int unexpected_character(numexpr_parser *parser)
{
    unsigned char c = (unsigned char)current_char(parser);
    if (c >= 0x20 && c < 0x7f)
        snprintf(formatted_why, sizeof formatted_why, "unexpected '%c' at offset %zu", c,
                 parser->position);
    else
        snprintf(formatted_why, sizeof formatted_why, "unexpected byte 0x%02x at offset %zu", c,
                 parser->position);
    return syntax_error(parser, formatted_why);
}

/* Something required is absent: say so at the end of the text, else blame the
 * character that stands where it should be. */
static int missing_here(numexpr_parser *parser, const char *why_at_end)
{
    if (current_char(parser) == '\0')
        return syntax_error(parser, why_at_end);
    return unexpected_character(parser);
}

/* A number or '(' was expected at the current position. */
static int missing_number(numexpr_parser *parser)
{
    char c = current_char(parser);
    if (parser->position == 0)
        return c == '\0' ? syntax_error(parser, "empty")
               : is_letter(c) ? syntax_error(parser, "not a number")
                              : unexpected_character(parser);
    if (c != '\0')
        return unexpected_character(parser);
    snprintf(formatted_why, sizeof formatted_why, "missing number after '%c'",
             parser->text[parser->position - 1]);
    return syntax_error(parser, formatted_why);
}

/* Records the first value error; later ones are consequences of it. */
static void value_error(numexpr_parser *parser, int status, const char *why)
{
    if (parser->value_status == PK_OK) {
        parser->value_status = status;
        parser->value_why = why;
    }
}

static bool value_poisoned(const numexpr_parser *parser)
{
    return parser->value_status != PK_OK;
}

/* ---- checked arithmetic on [-WIDE_LIMIT, WIDE_LIMIT] ----------------- */

static bool checked_add(wide_int a, wide_int b, wide_int *sum)
{
    if ((b > 0 && a > WIDE_LIMIT - b) || (b < 0 && a < -WIDE_LIMIT - b))
        return false;
    *sum = a + b;
    return true;
}

static bool checked_subtract(wide_int a, wide_int b, wide_int *difference)
{
    return checked_add(a, -b, difference);
}

static bool checked_multiply(wide_int a, wide_int b, wide_int *product)
{
    wide_uint magnitude_a = (wide_uint)(a < 0 ? -a : a);
    wide_uint magnitude_b = (wide_uint)(b < 0 ? -b : b);
    if (magnitude_a != 0 && magnitude_b > (wide_uint)WIDE_LIMIT / magnitude_a)
        return false;
    wide_int magnitude = (wide_int)(magnitude_a * magnitude_b);
    *product = ((a < 0) != (b < 0)) ? -magnitude : magnitude;
    return true;
}

/* EXPONENT must be >= 0. */
static bool checked_power(wide_int base, wide_int exponent, wide_int *power)
{
    if (exponent == 0) {
        *power = 1; /* 0^0 included */
        return true;
    }
    if (base == 0 || base == 1) {
        *power = base;
        return true;
    }
    if (base == -1) {
        *power = (exponent % 2 == 0) ? 1 : -1;
        return true;
    }
    if (exponent >= 127) /* |base| >= 2, so |power| >= 2^127 */
        return false;
    wide_int result = 1;
    for (wide_int i = 0; i < exponent; i++)
        if (!checked_multiply(result, base, &result))
            return false;
    *power = result;
    return true;
}

/* Appends the decimal digits in [FIRST, LAST) to *NUMBER; false on overflow. */
static bool append_digits(const char *first, const char *last, wide_int *number)
{
    for (const char *digit = first; digit < last; digit++)
        if (!checked_multiply(*number, 10, number) || !checked_add(*number, *digit - '0', number))
            return false;
    return true;
}

/* ---- the grammar ---------------------------------------------------- */

static int parse_sum(numexpr_parser *parser, wide_int *value);

/*
 * DIGITS ['.' DIGITS] [('e'|'E') ['+'] DIGITS]
 * The literal is mantissa * 10^(exponent - fraction digits).  Trailing zeros
 * of the fraction change nothing and are dropped first; after that the last
 * fraction digit is non-zero, so the literal is an integer exactly when the
 * exponent covers every remaining fraction digit.
 */
static int parse_literal(numexpr_parser *parser, wide_int *value)
{
    const char *text = parser->text;
    size_t integer_start = parser->position;
    while (is_digit(current_char(parser)))
        parser->position++;
    size_t integer_end = parser->position;

    size_t fraction_start = integer_end, fraction_end = integer_end;
    if (current_char(parser) == '.') {
        parser->position++;
        if (!is_digit(current_char(parser)))
            return missing_here(parser, "missing digits after '.'");
        fraction_start = parser->position;
        while (is_digit(current_char(parser)))
            parser->position++;
        fraction_end = parser->position;
    }

    size_t exponent = 0; /* saturates at SIZE_MAX, far beyond any overflow */
    if (current_char(parser) == 'e' || current_char(parser) == 'E') {
        parser->position++;
        if (current_char(parser) == '+')
            parser->position++;
        if (!is_digit(current_char(parser)))
            return missing_here(parser, "missing exponent digits");
        while (is_digit(current_char(parser))) {
            size_t digit = (size_t)(current_char(parser) - '0');
            exponent = exponent > (SIZE_MAX - 9) / 10 ? SIZE_MAX : exponent * 10 + digit;
            parser->position++;
        }
    }

    *value = 0;
    if (value_poisoned(parser))
        return PK_OK;

    while (fraction_end > fraction_start && text[fraction_end - 1] == '0')
        fraction_end--;
    size_t fraction_digits = fraction_end - fraction_start;
    if (fraction_digits > exponent) {
        value_error(parser, PK_EINVAL, "not an integer");
        return PK_OK;
    }

    wide_int mantissa = 0;
    if (!append_digits(text + integer_start, text + integer_end, &mantissa)
        || !append_digits(text + fraction_start, text + fraction_end, &mantissa)) {
        value_error(parser, PK_ERANGE, exceeds_range);
        return PK_OK;
    }
    /* A non-zero mantissa overflows within 39 steps, so this loop is short. */
    for (size_t i = fraction_digits; i < exponent && mantissa != 0; i++) {
        if (!checked_multiply(mantissa, 10, &mantissa)) {
            value_error(parser, PK_ERANGE, exceeds_range);
            return PK_OK;
        }
    }
    *value = mantissa;
    return PK_OK;
}

/* atom := literal | '(' expr ')' */
static int parse_atom(numexpr_parser *parser, wide_int *value)
{
    char c = current_char(parser);
    if (is_digit(c))
        return parse_literal(parser, value);
    if (c != '(')
        return missing_number(parser);

    size_t open_offset = parser->position;
    if (parser->depth >= PK_NUMEXPR_MAX_DEPTH)
        return syntax_error(parser, "too deeply nested");
    parser->depth++;
    parser->position++;
    int status = parse_sum(parser, value);
    if (status != PK_OK)
        return status;
    parser->depth--;
    if (current_char(parser) != ')') {
        snprintf(formatted_why, sizeof formatted_why, "missing ')' for '(' at offset %zu",
                 open_offset);
        return missing_here(parser, formatted_why);
    }
    parser->position++;
    return PK_OK;
}

/* power := atom ('^' power)?   -- right-associative */
static int parse_power(numexpr_parser *parser, wide_int *value)
{
    wide_int base;
    int status = parse_atom(parser, &base);
    if (status != PK_OK)
        return status;
    if (current_char(parser) != '^') {
        *value = base;
        return PK_OK;
    }

    if (parser->depth >= PK_NUMEXPR_MAX_DEPTH)
        return syntax_error(parser, "too deeply nested");
    parser->depth++;
    parser->position++;
    wide_int exponent;
    status = parse_power(parser, &exponent);
    if (status != PK_OK)
        return status;
    parser->depth--;

    *value = 0;
    if (value_poisoned(parser))
        return PK_OK;
    if (exponent < 0)
        value_error(parser, PK_ERANGE, "negative exponent");
    else if (!checked_power(base, exponent, value))
        value_error(parser, PK_ERANGE, exceeds_range);
    return PK_OK;
}

/* term := power ('*' power)* */
static int parse_product(numexpr_parser *parser, wide_int *value)
{
    int status = parse_power(parser, value);
    while (status == PK_OK && current_char(parser) == '*') {
        parser->position++;
        wide_int factor;
        status = parse_power(parser, &factor);
        if (status == PK_OK && !value_poisoned(parser)
            && !checked_multiply(*value, factor, value))
            value_error(parser, PK_ERANGE, exceeds_range);
    }
    return status;
}

/* expr := term (('+' | '-') term)* */
static int parse_sum(numexpr_parser *parser, wide_int *value)
{
    int status = parse_product(parser, value);
    while (status == PK_OK && (current_char(parser) == '+' || current_char(parser) == '-')) {
        bool adding = current_char(parser) == '+';
        parser->position++;
        wide_int operand;
        status = parse_product(parser, &operand);
        if (status != PK_OK || value_poisoned(parser))
            continue;
        bool fits = adding ? checked_add(*value, operand, value)
                           : checked_subtract(*value, operand, value);
        if (!fits)
            value_error(parser, PK_ERANGE, exceeds_range);
    }
    return status;
}

/* ---- the public entry point ------------------------------------------ */

static int fail(const char **why, int status, const char *reason)
{
    if (why != NULL)
        *why = reason;
    return status;
}

/* Most numbers are plain decimal digits (every line of a file for check):
 * read those directly, without the grammar and its 128-bit checks. */
static bool parse_plain_decimal(const char *text, uint64_t *value)
{
    uint64_t n = 0;
    size_t i = 0;
    for (; text[i] >= '0' && text[i] <= '9'; i++) {
        if (i < 19)
            n = n * 10 + (uint64_t)(text[i] - '0'); /* 19 digits never overflow */
        else if (__builtin_mul_overflow(n, 10, &n) || __builtin_add_overflow(n, (uint64_t)(text[i] - '0'), &n))
            return false; /* the grammar says why */
    }
    if (i == 0 || text[i] != '\0')
        return false;
    *value = n;
    return true;
}

int pk_parse_u64(const char *text, uint64_t *value, const char **why)
{
    if (text == NULL)
        return fail(why, PK_EINVAL, "no text");
    if (value == NULL)
        return fail(why, PK_EINVAL, "nowhere to store the value");
    if (parse_plain_decimal(text, value))
        return PK_OK;
    if (text[0] == '+')
        return fail(why, PK_EINVAL, "a leading '+' is not allowed");

    bool negated = text[0] == '-';
    numexpr_parser parser = {
        .text = text,
        .position = negated ? 1 : 0,
        .depth = 0,
        .value_status = PK_OK,
        .value_why = NULL,
        .syntax_why = NULL,
    };
    wide_int result = 0;
    int status = parse_sum(&parser, &result);
    if (status == PK_OK && current_char(&parser) != '\0')
        status = unexpected_character(&parser);
    if (status != PK_OK)
        return fail(why, status, parser.syntax_why);

    if (negated)
        return fail(why, PK_ERANGE, "negative numbers are not allowed");
    if (value_poisoned(&parser))
        return fail(why, parser.value_status, parser.value_why);
    if (result < 0)
        return fail(why, PK_ERANGE, "negative result");
    if (result > (wide_int)UINT64_MAX)
        return fail(why, PK_ERANGE, exceeds_range);
    *value = (uint64_t)result;
    return PK_OK;
}

/* ---- many plain numbers, one per line ----------------------------------------- */

/* Counts the digits at the start of TEXT, eight at a time, and stores the
 * value of 1 to 19 of them.  Returns the count (20 for 20 or more).  Reads
 * 24 bytes. */
static inline size_t scan_digits_swar(const char *text, uint64_t *value)
{
    const uint64_t zeros = UINT64_C(0x3030303030303030);
    uint64_t w[3], stops[3];
    memcpy(w, text, sizeof w);
    for (int i = 0; i < 3; i++) {
        /* High bit of each byte that is no digit; exact for the lowest such
         * byte (a carry may flag the bytes above it). */
        uint64_t x = w[i] ^ zeros;
        stops[i] = ((x + UINT64_C(0x7676767676767676)) | x) & UINT64_C(0x8080808080808080);
        w[i] -= zeros; /* digits become 0..9; no borrow leaves a digit */
    }
    size_t n = stops[0] ? (size_t)__builtin_ctzll(stops[0]) / 8
             : stops[1] ? 8 + (size_t)__builtin_ctzll(stops[1]) / 8
             : stops[2] ? 16 + (size_t)__builtin_ctzll(stops[2]) / 8 : 24;
    if (n == 0 || n > 19)
        return n == 0 ? 0 : 20;
    static const uint64_t scale[8] = {1, 10, 100, 1000, 10000, 100000, 1000000, 10000000};
    uint64_t result = 0;
    size_t full = n / 8, rest = n % 8;
    for (size_t i = 0; i <= full && i < 3; i++) {
        /* Eight digits, the first in the lowest byte: pairs, quadruples,
         * then all eight, by multiply-and-shift.  The last word is shifted
         * so its `rest` digits are right-aligned (what follows drops out). */
        if (i == full && rest == 0)
            break;
        uint64_t v = i < full ? w[i] : w[i] << (8 * (8 - rest));
        v = v * 10 + (v >> 8);
        v = (((v & UINT64_C(0x000000FF000000FF)) * (100 + (UINT64_C(1000000) << 32))) +
             (((v >> 16) & UINT64_C(0x000000FF000000FF)) * (1 + (UINT64_C(10000) << 32)))) >> 32;
        result = result * (i < full ? 100000000 : scale[rest]) + v;
    }
    *value = result;
    return n;
}

/* Inside a loop over the lines from P: takes the line at P when it is a
 * plain number (SCAN reads its digits), else leaves the loop. */
#define TAKE_PLAIN_LINE(SCAN)                                                                                    \
    {                                                                                                            \
        uint64_t value;                                                                                          \
        size_t n = SCAN(text + p, &value);                                                                       \
        if (n == 0 || n > 19 || p + n > len || (text[p] == '0' && n > 1) || (p + n < len && text[p + n] != '\n')) \
            break;                                                                                               \
        values[taken] = value;                                                                                   \
        at[taken] = (uint32_t)p;                                                                                 \
        digits[taken] = (uint32_t)n;                                                                             \
        taken++;                                                                                                 \
        p += n + 1;                                                                                              \
    }

/* The loop of pk_scan_plain_lines around one digit scanner: written once,
 * compiled once per scanner (with that scanner inlined). */
#define SCAN_PLAIN_LINES(SCAN)                                                                                   \
    size_t taken = 0, p = *pos;                                                                                  \
    while (taken < room && p < len)                                                                              \
        TAKE_PLAIN_LINE(SCAN)                                                                                    \
    *pos = p < len ? p : len;                                                                                    \
    return taken;

static size_t scan_plain_lines_swar(const char *text, size_t len, size_t *pos, uint64_t *values, uint32_t *at,
                                    uint32_t *digits, size_t room)
{
    SCAN_PLAIN_LINES(scan_digits_swar)
}

#if (defined(__x86_64__) || defined(__i386__)) && defined(__GNUC__)
#include <immintrin.h>
#define HAVE_SCAN_SSSE3 1

/* For 1..16 digits: a shuffle that moves them to the top of the register,
 * zeros (-128: "clear") before them. */
#define ALIGN_ROW(m)                                                                                             \
    {ALIGN_AT(0, m), ALIGN_AT(1, m), ALIGN_AT(2, m), ALIGN_AT(3, m), ALIGN_AT(4, m), ALIGN_AT(5, m),             \
     ALIGN_AT(6, m), ALIGN_AT(7, m), ALIGN_AT(8, m), ALIGN_AT(9, m), ALIGN_AT(10, m), ALIGN_AT(11, m),           \
     ALIGN_AT(12, m), ALIGN_AT(13, m), ALIGN_AT(14, m), ALIGN_AT(15, m)}
#define ALIGN_AT(j, m) ((j) >= 16 - (m) ? (j) - (16 - (m)) : -128)
static const int8_t align_digits[17][16] __attribute__((aligned(16))) = {
    ALIGN_ROW(0),  ALIGN_ROW(1),  ALIGN_ROW(2),  ALIGN_ROW(3),  ALIGN_ROW(4),  ALIGN_ROW(5),
    ALIGN_ROW(6),  ALIGN_ROW(7),  ALIGN_ROW(8),  ALIGN_ROW(9),  ALIGN_ROW(10), ALIGN_ROW(11),
    ALIGN_ROW(12), ALIGN_ROW(13), ALIGN_ROW(14), ALIGN_ROW(15), ALIGN_ROW(16),
};
#undef ALIGN_AT
#undef ALIGN_ROW

/* The value of 16 digit values (0..9, the first in the lowest byte):
 * pairs (pmaddubsw), quadruples (pmaddwd), then two runs of eight. */
__attribute__((target("ssse3"))) static inline uint64_t sixteen_digits(__m128i d)
{
    __m128i pairs = _mm_maddubs_epi16(d, _mm_setr_epi8(10, 1, 10, 1, 10, 1, 10, 1, 10, 1, 10, 1, 10, 1, 10, 1));
    __m128i quads = _mm_madd_epi16(pairs, _mm_setr_epi16(100, 1, 100, 1, 100, 1, 100, 1));
    __m128i eights = _mm_madd_epi16(_mm_packs_epi32(quads, quads),
                                    _mm_setr_epi16(10000, 1, 10000, 1, 10000, 1, 10000, 1));
    return (uint64_t)(uint32_t)_mm_cvtsi128_si32(eights) * 100000000 +
           (uint32_t)_mm_cvtsi128_si32(_mm_srli_si128(eights, 4));
}

/* The same as scan_digits_swar, 16 digits per step (sixteen_digits),
 * after moving the digits to the top of a register.  Reads 20 bytes. */
__attribute__((target("ssse3"))) static inline size_t scan_digits_ssse3(const char *text, uint64_t *value)
{
    __m128i d = _mm_sub_epi8(_mm_loadu_si128((const __m128i *)(const void *)text), _mm_set1_epi8('0'));
    unsigned is_digit = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_min_epu8(d, _mm_set1_epi8(9)), d));
    size_t n = (size_t)__builtin_ctz(~is_digit), m = n;
    if (n == 0)
        return 0;
    while (n >= 16 && n < 20 && (unsigned)(text[n] - '0') < 10)
        n++;
    if (n > 19)
        return 20;
    uint64_t result = sixteen_digits(_mm_shuffle_epi8(d, _mm_load_si128((const __m128i *)(const void *)align_digits[m])));
    for (size_t k = 16; k < n; k++)
        result = result * 10 + (uint64_t)(text[k] - '0');
    *value = result;
    return n;
}

/* The value of the N (1..19) digits right before END; the 16 bytes before
 * END are readable.  The last 16 digits as in scan_digits_ssse3, without
 * the shuffle (they already end the register), the rest one by one. */
__attribute__((target("ssse3"))) static inline uint64_t digits_ending_at(const char *end, size_t n)
{
    __m128i d = _mm_sub_epi8(_mm_loadu_si128((const __m128i *)(const void *)(end - 16)), _mm_set1_epi8('0'));
    /* Keep the last min(n, 16) bytes: those whose index j is past 15 - n. */
    __m128i keep = _mm_cmpgt_epi8(_mm_setr_epi8(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
                                  _mm_set1_epi8((char)(15 - (int)(n < 16 ? n : 16))));
    uint64_t value = sixteen_digits(_mm_and_si128(d, keep));
    if (n > 16) {
        uint64_t high = 0;
        for (const char *q = end - n; q < end - 16; q++)
            high = high * 10 + (uint64_t)(*q - '0');
        value += high * UINT64_C(10000000000000000);
    }
    return value;
}

/* Where the newlines are in the 64 bytes at W, and which bytes are digits:
 * with SSSE3 16 bytes at a time, with AVX2 32. */
__attribute__((target("ssse3"))) static inline void window_masks_ssse3(const char *w, uint64_t *newlines,
                                                                        uint64_t *digit)
{
    const __m128i newline = _mm_set1_epi8('\n'), zero = _mm_set1_epi8('0'), nine = _mm_set1_epi8(9);
    *newlines = *digit = 0;
    for (int k = 0; k < 4; k++) {
        __m128i x = _mm_loadu_si128((const __m128i *)(const void *)(w + 16 * k));
        __m128i d = _mm_sub_epi8(x, zero);
        *newlines |= (uint64_t)(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x, newline)) << (16 * k);
        *digit |= (uint64_t)(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_min_epu8(d, nine), d)) << (16 * k);
    }
}

__attribute__((target("avx2"))) static inline void window_masks_avx2(const char *w, uint64_t *newlines,
                                                                      uint64_t *digit)
{
    const __m256i newline = _mm256_set1_epi8('\n'), zero = _mm256_set1_epi8('0'), nine = _mm256_set1_epi8(9);
    *newlines = *digit = 0;
    for (int k = 0; k < 2; k++) {
        __m256i x = _mm256_loadu_si256((const __m256i *)(const void *)(w + 32 * k));
        __m256i d = _mm256_sub_epi8(x, zero);
        *newlines |= (uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(x, newline)) << (32 * k);
        *digit |= (uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(_mm256_min_epu8(d, nine), d))
                  << (32 * k);
    }
}

/* Finds the lines first, 64 bytes at a time: where the newlines are, and
 * that every other byte is a digit, are two masks (WINDOW_MASKS); each line
 * then costs a bit scan and a conversion, and no line waits for the one
 * before it to be converted (as when each line's end comes from its
 * digits).  Near the edges of the text, and at lines that are not plain,
 * one line at a time.  Written once, compiled once per mask function. */
#define SCAN_PLAIN_LINES_BY_WINDOWS(WINDOW_MASKS)                                                                \
    size_t taken = 0, p = *pos;                                                                                  \
    while (taken < room && p < len) {                                                                            \
        if (p >= 16 && len - p >= 64) { /* digits_ending_at reads 16 bytes back */                              \
            /* The text was written on another core (the reader's): ask for it well ahead. */                  \
            __builtin_prefetch(text + p + 1024);                                                                 \
            uint64_t newlines, digit;                                                                            \
            WINDOW_MASKS(text + p, &newlines, &digit);                                                           \
            /* The lines that end before the first byte that is neither. */                                     \
            uint64_t other = ~(newlines | digit);                                                                \
            uint64_t ends = other != 0 ? newlines & ((other & (0 - other)) - 1) : newlines;                      \
            if (ends != 0) {                                                                                     \
                const char *w = text + p;                                                                        \
                size_t start = 0;                                                                                \
                do {                                                                                             \
                    size_t end = (size_t)__builtin_ctzll(ends), n = end - start;                                 \
                    ends &= ends - 1;                                                                            \
                    if (n == 0 || n > 19 || (w[start] == '0' && n > 1)) {                                        \
                        *pos = p + start; /* not plain: the caller's */                                          \
                        return taken;                                                                            \
                    }                                                                                            \
                    values[taken] = digits_ending_at(w + end, n);                                                \
                    at[taken] = (uint32_t)(p + start);                                                           \
                    digits[taken] = (uint32_t)n;                                                                 \
                    taken++;                                                                                     \
                    start = end + 1;                                                                             \
                } while (ends != 0 && taken < room);                                                             \
                p += start;                                                                                      \
                continue;                                                                                        \
            }                                                                                                    \
        }                                                                                                        \
        TAKE_PLAIN_LINE(scan_digits_ssse3)                                                                       \
    }                                                                                                            \
    *pos = p < len ? p : len;                                                                                    \
    return taken;

__attribute__((target("ssse3"))) static size_t scan_plain_lines_ssse3(const char *text, size_t len, size_t *pos,
                                                                     uint64_t *values, uint32_t *at,
                                                                     uint32_t *digits, size_t room)
{
    SCAN_PLAIN_LINES_BY_WINDOWS(window_masks_ssse3)
}

/* The same with the masks 32 bytes at a time: a fifth less time a line. */
__attribute__((target("avx2"))) static size_t scan_plain_lines_avx2(const char *text, size_t len, size_t *pos,
                                                                   uint64_t *values, uint32_t *at,
                                                                   uint32_t *digits, size_t room)
{
    SCAN_PLAIN_LINES_BY_WINDOWS(window_masks_avx2)
}
#endif

typedef size_t (*scan_plain_lines_fn)(const char *, size_t, size_t *, uint64_t *, uint32_t *, uint32_t *, size_t);
static _Atomic(scan_plain_lines_fn) scan_plain_lines_chosen;

/* For tests: the scanner every later call uses, 0 the portable one, 1
 * SSSE3, 2 AVX2; false when this CPU cannot run it (nothing changes).
 * The first call of pk_scan_plain_lines picks the best this CPU can run. */
bool pk_scan_plain_lines_use(int level);
bool pk_scan_plain_lines_use(int level)
{
    scan_plain_lines_fn scan = scan_plain_lines_swar;
#ifdef HAVE_SCAN_SSSE3
    if (level >= 2 && !__builtin_cpu_supports("avx2"))
        return false;
    if (level >= 1 && !__builtin_cpu_supports("ssse3"))
        return false;
    scan = level >= 2 ? scan_plain_lines_avx2 : level == 1 ? scan_plain_lines_ssse3 : scan_plain_lines_swar;
#else
    if (level > 0)
        return false;
#endif
    atomic_store(&scan_plain_lines_chosen, scan);
    return true;
}

size_t pk_scan_plain_lines(const char *text, size_t len, size_t *pos, uint64_t *values, uint32_t *at,
                           uint32_t *digits, size_t room)
{
    scan_plain_lines_fn scan = atomic_load_explicit(&scan_plain_lines_chosen, memory_order_relaxed);
    if (scan == NULL) {
        for (int level = 2; !pk_scan_plain_lines_use(level); level--)
            ;
        scan = atomic_load(&scan_plain_lines_chosen);
    }
    return scan(text, len, pos, values, at, digits, room);
}

/* Two digits per division: listing primes spends much of its time here. */
static const char digit_pairs[] = "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
                                  "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
                                  "8081828384858687888990919293949596979899";

size_t pk_format_u64(char *out, uint64_t value)
{
    char digits[20];
    char *p = digits + sizeof digits;
    while (value >= 100) {
        unsigned pair = (unsigned)(value % 100);
        value /= 100;
        p -= 2;
        memcpy(p, digit_pairs + 2 * pair, 2);
    }
    if (value >= 10) {
        p -= 2;
        memcpy(p, digit_pairs + 2 * value, 2);
    } else {
        *--p = (char)('0' + value);
    }
    size_t n = (size_t)(digits + sizeof digits - p);
    memcpy(out, p, n);
    return n;
}
