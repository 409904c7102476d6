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
