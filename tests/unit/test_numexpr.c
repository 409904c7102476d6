/*
 * Tests for pk_parse_u64, the number-expression parser every number argument
 * goes through.  A wrong answer here means a run over the wrong range, so
 * the error paths are checked as closely as the values: the exact status
 * (PK_EINVAL for malformed text, PK_ERANGE for overflow and negatives), a
 * non-NULL reason, and an output left untouched.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/CUnit.h>

#include "parkit/numexpr.h"
#include "parkit/status.h"
#include "suites.h"

/* What *value holds before a call that must fail; it must still hold it after. */
static const uint64_t untouched = 0xdeadbeefcafef00dULL;

/* ---- helpers --------------------------------------------------------- */

static void check_accepts(const char *text, uint64_t expected)
{
    uint64_t value = untouched;
    const char *why = "not set";
    int status = pk_parse_u64(text, &value, &why);
    if (status != PK_OK || value != expected)
        fprintf(stderr, "\n  accepts \"%s\": status %d (%s), value %" PRIu64 ", expected %" PRIu64,
                text, status, status == PK_OK ? "-" : why, value, expected);
    CU_ASSERT_EQUAL(status, PK_OK);
    CU_ASSERT_EQUAL(value, expected);
    CU_ASSERT_STRING_EQUAL(why, "not set"); /* untouched on success */

    /* The same without asking why. */
    value = untouched;
    CU_ASSERT_EQUAL(pk_parse_u64(text, &value, NULL), PK_OK);
    CU_ASSERT_EQUAL(value, expected);
}

/* Checks the status, that *value is unchanged and that a reason is given;
 * returns the reason (or "" when none was given) for further checks. */
static const char *check_rejects(const char *text, int expected_status)
{
    uint64_t value = untouched;
    const char *why = NULL;
    int status = pk_parse_u64(text, &value, &why);
    if (status != expected_status)
        fprintf(stderr, "\n  rejects \"%s\": status %d (%s), expected %d", text, status,
                why != NULL ? why : "no reason", expected_status);
    CU_ASSERT_EQUAL(status, expected_status);
    CU_ASSERT_EQUAL(value, untouched);
    CU_ASSERT_PTR_NOT_NULL(why);
    if (why != NULL)
        CU_ASSERT(why[0] != '\0');

    value = untouched;
    CU_ASSERT_EQUAL(pk_parse_u64(text, &value, NULL), expected_status);
    CU_ASSERT_EQUAL(value, untouched);
    return why != NULL ? why : "";
}

static void check_rejects_because(const char *text, int expected_status, const char *expected_why)
{
    const char *why = check_rejects(text, expected_status);
    if (strcmp(why, expected_why) != 0)
        fprintf(stderr, "\n  rejects \"%s\": why \"%s\", expected \"%s\"", text, why,
                expected_why);
    CU_ASSERT_STRING_EQUAL(why, expected_why);
}

/* Deterministic xorshift64*, so a failure can be reproduced. */
static uint64_t next_random(uint64_t *state)
{
    *state ^= *state >> 12;
    *state ^= *state << 25;
    *state ^= *state >> 27;
    return *state * 0x2545f4914f6cdd1dULL;
}

/* ---- the strings the design promises ---------------------------------- */

static void test_required_accepts(void)
{
    static const struct {
        const char *text;
        uint64_t value;
    } cases[] = {
        {"0", 0},
        {"18446744073709551615", UINT64_MAX},
        {"1e10", 10000000000ULL},
        {"10^12", 1000000000000ULL},
        {"2^64-1", UINT64_MAX},
        {"1e12+1e9", 1001000000000ULL},
        {"1e18+1e9", 1000000001000000000ULL},
        {"2^64-59", 18446744073709551557ULL},
        {"4294967291*4294967279", 18446743979220271189ULL},
        {"1e19", 10000000000000000000ULL},
        {"(2^32+1)*3", 12884901891ULL},
        {"1.5e9", 1500000000ULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        check_accepts(cases[i].text, cases[i].value);
}

static void test_required_rejects(void)
{
    static const struct {
        const char *text;
        int status;
    } cases[] = {
        {"", PK_EINVAL},
        {"abc", PK_EINVAL},
        {"12abc", PK_EINVAL},
        {"1e", PK_EINVAL},
        {"1e+", PK_EINVAL},
        {"2^", PK_EINVAL},
        {"^2", PK_EINVAL},
        {"1+", PK_EINVAL},
        {"--5", PK_EINVAL},
        {"-5", PK_ERANGE},
        {"1e20", PK_ERANGE},
        {"2^64", PK_ERANGE},
        {"18446744073709551616", PK_ERANGE},
        {"99999999999999999999999", PK_ERANGE},
        {"2^64-1+1", PK_ERANGE},
        {"5-6", PK_ERANGE},
        {"1.5", PK_EINVAL},
        {"0x10", PK_EINVAL},
        {" 5", PK_EINVAL},
        {"5 ", PK_EINVAL},
        {"1,000", PK_EINVAL},
        {"((1)", PK_EINVAL},
        {"2^1000-2^1000", PK_ERANGE},
        {"10^-2", PK_EINVAL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        check_rejects(cases[i].text, cases[i].status);
}

static void test_reasons(void)
{
    check_rejects_because("", PK_EINVAL, "empty");
    check_rejects_because("abc", PK_EINVAL, "not a number");
    check_rejects_because("12abc", PK_EINVAL, "unexpected 'a' at offset 2");
    check_rejects_because("0x10", PK_EINVAL, "unexpected 'x' at offset 1");
    check_rejects_because(" 5", PK_EINVAL, "unexpected ' ' at offset 0");
    check_rejects_because("5 ", PK_EINVAL, "unexpected ' ' at offset 1");
    check_rejects_because("1,000", PK_EINVAL, "unexpected ',' at offset 1");
    check_rejects_because("1\n", PK_EINVAL, "unexpected byte 0x0a at offset 1");
    check_rejects_because("1\xff", PK_EINVAL, "unexpected byte 0xff at offset 1");
    check_rejects_because("1+", PK_EINVAL, "missing number after '+'");
    check_rejects_because("2^", PK_EINVAL, "missing number after '^'");
    check_rejects_because("3*", PK_EINVAL, "missing number after '*'");
    check_rejects_because("-", PK_EINVAL, "missing number after '-'");
    check_rejects_because("^2", PK_EINVAL, "unexpected '^' at offset 0");
    check_rejects_because("--5", PK_EINVAL, "unexpected '-' at offset 1");
    check_rejects_because("10^-2", PK_EINVAL, "unexpected '-' at offset 3");
    check_rejects_because("1e", PK_EINVAL, "missing exponent digits");
    check_rejects_because("1e+", PK_EINVAL, "missing exponent digits");
    check_rejects_because("1.", PK_EINVAL, "missing digits after '.'");
    check_rejects_because("((1)", PK_EINVAL, "missing ')' for '(' at offset 0");
    check_rejects_because("(1))", PK_EINVAL, "unexpected ')' at offset 3");
    check_rejects_because("1.5", PK_EINVAL, "not an integer");
    check_rejects_because("1.23e1", PK_EINVAL, "not an integer");
    check_rejects_because("-5", PK_ERANGE, "negative numbers are not allowed");
    check_rejects_because("+5", PK_EINVAL, "a leading '+' is not allowed");
    check_rejects_because("5-6", PK_ERANGE, "negative result");
    check_rejects_because("2^64", PK_ERANGE, "exceeds 2^64-1");
    check_rejects_because("1e20", PK_ERANGE, "exceeds 2^64-1");
    check_rejects_because("2^1000-2^1000", PK_ERANGE, "exceeds 2^64-1");
    check_rejects_because("2^(0-1)", PK_ERANGE, "negative exponent");
}

/* ---- the grammar beyond the required strings --------------------------- */

static void test_grammar(void)
{
    check_accepts("2^3^2", 512);           /* right-associative */
    check_accepts("(2^3)^2", 64);
    check_accepts("2+3*4", 14);            /* '*' binds tighter than '+' */
    check_accepts("2*3^2", 18);            /* '^' binds tighter than '*' */
    check_accepts("10-2-3", 5);            /* '-' is left-associative */
    check_accepts("(1+2)*(3+4)", 21);
    check_accepts("007", 7);
    check_accepts("1E3", 1000);
    check_accepts("1e+3", 1000);
    check_accepts("1e003", 1000);
    check_accepts("1.0", 1);
    check_accepts("1.50e1", 15);
    check_accepts("0.5e1", 5);
    check_accepts("1.23e2", 123);
    check_accepts("1.000000000000000000000000000000000000000000000000000", 1);
    check_accepts("00000000000000000000000000000000000000000000000000042", 42);
    check_accepts("0e99999999999999999999999999", 0);
    check_accepts("0^0", 1);
    check_accepts("0^5", 0);
    check_accepts("1^99999999999999999999", 1);
    check_accepts("1-1", 0);
    check_accepts("2^64*0", 0);
    check_accepts("18446744073709551616-1", UINT64_MAX);
    check_accepts("1e19+8446744073709551615", UINT64_MAX);
    check_accepts("2^63+2^63-1", UINT64_MAX);
    check_accepts("(2^32-1)*(2^32+1)", UINT64_MAX);
    check_accepts("2^(3-1)", 4);

    /* Intermediate negatives are allowed; only the final value must be >= 0. */
    check_accepts("5-6+2", 1);
    check_accepts("(0-2)^2", 4);
    check_accepts("(0-2)^63+2^63", 0);
    check_accepts("(0-1)^3+1", 0);
    check_accepts("0-2^64+2^64+2^64-1", UINT64_MAX);

    /* Intermediates stay exact up to magnitude 2^127-1. */
    check_accepts("2^100-2^100+5", 5);
    check_accepts("2^126-2^126", 0);
    check_accepts("(2^126-1)*2+1-170141183460469231731687303715884105727", 0);

    check_rejects("(", PK_EINVAL);
    check_rejects(")", PK_EINVAL);
    check_rejects("()", PK_EINVAL);
    check_rejects("2(3)", PK_EINVAL);
    check_rejects("(2)3", PK_EINVAL);
    check_rejects("2**3", PK_EINVAL);
    check_rejects("(-5)", PK_EINVAL);
    check_rejects(".5", PK_EINVAL);
    check_rejects("1.e5", PK_EINVAL);
    check_rejects("1e5.0", PK_EINVAL);
    check_rejects("1e-5", PK_EINVAL);
    check_rejects("1ee5", PK_EINVAL);
    check_rejects("1.2.3", PK_EINVAL);
    check_rejects("+", PK_EINVAL);
    check_rejects("-0", PK_ERANGE);
    check_rejects("-(2^64)", PK_ERANGE);
    check_rejects("-abc", PK_EINVAL);
    check_rejects("0-1", PK_ERANGE);
    check_rejects("(0-1)^3", PK_ERANGE);
    check_rejects("18446744073709551615+1", PK_ERANGE);
    check_rejects("2^127", PK_ERANGE);
    check_rejects("2^126*2", PK_ERANGE);
    check_rejects("0-2^127", PK_ERANGE);
    check_rejects("2^99999999999999999999999", PK_ERANGE);
    check_rejects("1e99999999999999999999999", PK_ERANGE);
    check_rejects("1234567890123456789012345678901234567890", PK_ERANGE);
    check_rejects("1.2345678901234567890123456789012345678901e40", PK_ERANGE);
    check_rejects("1.5e0", PK_EINVAL);
    check_rejects("1.05e1", PK_EINVAL);

    /* A syntax error outranks a value error anywhere in the text. */
    check_rejects_because("1e50x", PK_EINVAL, "unexpected 'x' at offset 4");
    check_rejects_because("2^1000+", PK_EINVAL, "missing number after '+'");
    check_rejects_because("1.5+(", PK_EINVAL, "missing number after '('");
}

static void test_null_arguments(void)
{
    uint64_t value = untouched;
    const char *why = NULL;
    CU_ASSERT_EQUAL(pk_parse_u64(NULL, &value, &why), PK_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(why);
    CU_ASSERT_EQUAL(value, untouched);
    why = NULL;
    CU_ASSERT_EQUAL(pk_parse_u64("5", NULL, &why), PK_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(why);
    CU_ASSERT_EQUAL(pk_parse_u64(NULL, NULL, NULL), PK_EINVAL);
}

/* ---- nesting limits ----------------------------------------------------- */

/* "((( ... 1 ... )))" with DEPTH pairs of parentheses. */
static void nested_parentheses(char *buffer, size_t depth)
{
    memset(buffer, '(', depth);
    buffer[depth] = '1';
    memset(buffer + depth + 1, ')', depth);
    buffer[2 * depth + 1] = '\0';
}

static void test_nesting_limit(void)
{
    char text[4 * PK_NUMEXPR_MAX_DEPTH + 8];
    nested_parentheses(text, PK_NUMEXPR_MAX_DEPTH);
    check_accepts(text, 1);
    nested_parentheses(text, PK_NUMEXPR_MAX_DEPTH + 1);
    check_rejects_because(text, PK_EINVAL, "too deeply nested");

    /* '^' chains count toward the same limit: 1^1^...^1. */
    size_t length = 0;
    for (int i = 0; i <= PK_NUMEXPR_MAX_DEPTH; i++) {
        text[length++] = '1';
        text[length++] = '^';
    }
    text[length - 1] = '\0'; /* PK_NUMEXPR_MAX_DEPTH carets */
    check_accepts(text, 1);
    text[length - 1] = '^';
    text[length++] = '1';
    text[length] = '\0';     /* one caret more */
    check_rejects_because(text, PK_EINVAL, "too deeply nested");

    /* A huge hostile input is refused, not a stack overflow. */
    static char hostile[1 << 20];
    memset(hostile, '(', sizeof hostile - 1);
    check_rejects_because(hostile, PK_EINVAL, "too deeply nested");

    /* Long flat sums are not nesting and are fine. */
    static char flat[2 * 100000];
    size_t used = 0;
    for (int i = 0; i < 99999; i++) {
        flat[used++] = '1';
        flat[used++] = '+';
    }
    flat[used++] = '1';
    flat[used] = '\0';
    check_accepts(flat, 100000);
}

/* ---- many values ------------------------------------------------------- */

static void test_random_round_trip(void)
{
    uint64_t state = 0x9e3779b97f4a7c15ULL;
    char text[32];
    for (int i = 0; i < 500; i++) {
        uint64_t number = next_random(&state);
        number >>= next_random(&state) % 64; /* small values too, not only 20 digits */
        snprintf(text, sizeof text, "%" PRIu64, number);
        check_accepts(text, number);
    }
}

static void test_powers_of_two(void)
{
    char text[64];
    for (unsigned k = 1; k <= 64; k++) {
        uint64_t expected = k == 64 ? UINT64_MAX : (UINT64_C(1) << k) - 1;
        snprintf(text, sizeof text, "2^%u-1", k);
        check_accepts(text, expected);
        snprintf(text, sizeof text, "%" PRIu64, expected);
        check_accepts(text, expected);
    }
    for (unsigned k = 0; k < 64; k++) {
        snprintf(text, sizeof text, "2^%u", k);
        check_accepts(text, UINT64_C(1) << k);
    }
    for (unsigned k = 64; k <= 130; k++) {
        snprintf(text, sizeof text, "2^%u", k);
        check_rejects_because(text, PK_ERANGE, "exceeds 2^64-1");
    }
}

static void test_powers_of_ten(void)
{
    char text[64];
    uint64_t expected = 1;
    for (unsigned k = 0; k <= 19; k++) {
        snprintf(text, sizeof text, "1e%u", k);
        check_accepts(text, expected);
        snprintf(text, sizeof text, "10^%u", k);
        check_accepts(text, expected);
        if (k < 19)
            expected *= 10;
    }
    for (unsigned k = 20; k <= 60; k++) {
        snprintf(text, sizeof text, "1e%u", k);
        check_rejects_because(text, PK_ERANGE, "exceeds 2^64-1");
        snprintf(text, sizeof text, "10^%u", k);
        check_rejects_because(text, PK_ERANGE, "exceeds 2^64-1");
    }
}

int pk_suite_numexpr(void)
{
    static const pk_test_case cases[] = {
        {"required_accepts", test_required_accepts},
        {"required_rejects", test_required_rejects},
        {"reasons", test_reasons},
        {"grammar", test_grammar},
        {"null_arguments", test_null_arguments},
        {"nesting_limit", test_nesting_limit},
        {"random_round_trip", test_random_round_trip},
        {"powers_of_two", test_powers_of_two},
        {"powers_of_ten", test_powers_of_ten},
        {NULL, NULL},
    };
    return pk_suite_add("numexpr", cases);
}
