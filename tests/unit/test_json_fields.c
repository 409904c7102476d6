/*
 * Tests for core/json_fields.h: values read back from parkit's JSON
 * reports by key path, as `parkit bench` reads its runs.
 */
#include <math.h>
#include <string.h>

#include <CUnit/CUnit.h>

#include "core/json_fields.h"
#include "suites.h"

/* The shape of a real report: nested objects, arrays of objects and of
 * numbers, strings with escapes, null, booleans. */
static const char report[] =
    "{\"command\":\"primes check\",\"results\":[{\"n\":\"7\",\"verdict\":\"prime\"},{\"n\":\"8\",\"verdict\":"
    "\"composite\"}],\"tested\":2,\"primes\":1,\"note\":\"a \\\"quoted\\\" word, a , and a }\","
    " \"schedule\" : null, \"validated\":true,\"converged\":false,"
    "\"compute_seconds_per_rank\":{\"min\":0.5,\"avg\":0.75,\"max\":1e0},"
    "\"thread_busy_seconds\":[0.1,0.2],\"imbalance\":{\"threads\":1.0146,\"ranks\":1.0000},"
    "\"validation\":{\"case\":\"sine\",\"validated\":true},\"neg\":-2.5e-3}";

static void test_numbers_at_paths(void)
{
    double x = 0;
    CU_ASSERT_TRUE(pk_json_number(report, "tested", &x));
    CU_ASSERT_DOUBLE_EQUAL(x, 2, 0);
    CU_ASSERT_TRUE(pk_json_number(report, "primes", &x));
    CU_ASSERT_DOUBLE_EQUAL(x, 1, 0);
    CU_ASSERT_TRUE(pk_json_number(report, "compute_seconds_per_rank.avg", &x));
    CU_ASSERT_DOUBLE_EQUAL(x, 0.75, 0);
    CU_ASSERT_TRUE(pk_json_number(report, "compute_seconds_per_rank.max", &x));
    CU_ASSERT_DOUBLE_EQUAL(x, 1, 0);
    CU_ASSERT_TRUE(pk_json_number(report, "imbalance.ranks", &x));
    CU_ASSERT_DOUBLE_EQUAL(x, 1, 0);
    CU_ASSERT_TRUE(pk_json_number(report, "neg", &x));
    CU_ASSERT_DOUBLE_EQUAL(x, -0.0025, 1e-18);
}

static void test_what_is_not_there(void)
{
    double x = 42;
    bool b;
    char s[16];
    CU_ASSERT_FALSE(pk_json_number(report, "missing", &x));
    CU_ASSERT_FALSE(pk_json_number(report, "compute_seconds_per_rank.median", &x));
    CU_ASSERT_FALSE(pk_json_number(report, "tested.deeper", &x)); /* a number is no object */
    CU_ASSERT_FALSE(pk_json_number(report, "schedule", &x));      /* null */
    CU_ASSERT_FALSE(pk_json_number(report, "command", &x));       /* a string */
    CU_ASSERT_FALSE(pk_json_bool(report, "tested", &b));
    CU_ASSERT_FALSE(pk_json_string(report, "tested", s, sizeof s));
    CU_ASSERT_DOUBLE_EQUAL(x, 42, 0);
    /* "n" and "verdict" live inside the array: not top-level keys. */
    CU_ASSERT_PTR_NULL(pk_json_find(report, "n"));
    CU_ASSERT_PTR_NULL(pk_json_find(report, "verdict"));
    /* A key is matched whole, not by its prefix. */
    CU_ASSERT_PTR_NULL(pk_json_find(report, "test"));
    CU_ASSERT_PTR_NULL(pk_json_find(report, "compute_seconds_per_rank.a"));
}

static void test_strings_and_booleans(void)
{
    char s[64];
    bool b = false;
    CU_ASSERT_TRUE(pk_json_string(report, "command", s, sizeof s));
    CU_ASSERT_STRING_EQUAL(s, "primes check");
    CU_ASSERT_TRUE(pk_json_string(report, "note", s, sizeof s));
    CU_ASSERT_STRING_EQUAL(s, "a \"quoted\" word, a , and a }");
    CU_ASSERT_TRUE(pk_json_string(report, "validation.case", s, sizeof s));
    CU_ASSERT_STRING_EQUAL(s, "sine");
    /* Too long for the buffer: refused, not cut. */
    CU_ASSERT_FALSE(pk_json_string(report, "command", s, 5));
    CU_ASSERT_TRUE(pk_json_bool(report, "validated", &b));
    CU_ASSERT_TRUE(b);
    CU_ASSERT_TRUE(pk_json_bool(report, "converged", &b));
    CU_ASSERT_FALSE(b);
    CU_ASSERT_TRUE(pk_json_bool(report, "validation.validated", &b));
    CU_ASSERT_TRUE(b);
}

static void test_broken_text(void)
{
    double x;
    static const char *const broken[] = {
        "",  "[1,2]", "{\"a\":1", "{\"a\" 1}", "{\"a\":\"x}", "{\"b\":[1,2,{\"c\":}],\"a\":1}", "{\"b\":{\"c\":1,},\"a\":1}",
        "nonsense",
    };
    for (size_t i = 0; i < sizeof broken / sizeof broken[0]; i++) {
        /* "{\"a\":1" has its value before the text breaks: found. */
        bool found = pk_json_number(broken[i], "a", &x);
        CU_ASSERT_EQUAL(found, i == 2);
    }
    /* Deep nesting is skipped up to a bound, then refused, not recursed into without end. */
    char deep[600];
    size_t n = 0;
    n += (size_t)snprintf(deep + n, sizeof deep - n, "{\"b\":");
    for (int i = 0; i < 100; i++)
        deep[n++] = '[';
    for (int i = 0; i < 100; i++)
        deep[n++] = ']';
    snprintf(deep + n, sizeof deep - n, ",\"a\":3}");
    CU_ASSERT_FALSE(pk_json_number(deep, "a", &x));
}

int pk_suite_json_fields(void)
{
    static const pk_test_case cases[] = {
        {"numbers_at_paths", test_numbers_at_paths},
        {"what_is_not_there", test_what_is_not_there},
        {"strings_and_booleans", test_strings_and_booleans},
        {"broken_text", test_broken_text},
        {NULL, NULL},
    };
    return pk_suite_add("json_fields", cases);
}
