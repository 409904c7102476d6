/*
 * Tests of whole prime jobs through the engine: known values of pi(x),
 * windows near 1e12, 1e18 and 2^64-1, k-tuplets, the n-th prime, and the
 * promise that every thread count, schedule and algorithm gives the same
 * answer.  Known values come from ../shared/reference/known-values.md.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parkit/primality.h"
#include "parkit/primes.h"
#include "parkit/status.h"
#include "suites.h"

static pk_primes_options options_for(int threads, pk_schedule_kind kind, int chunk, pk_primes_algo algo)
{
    pk_primes_options options;
    memset(&options, 0, sizeof options);
    options.engine.threads = threads;
    options.engine.schedule.kind = kind;
    options.engine.schedule.chunk = chunk;
    options.algo = algo;
    return options;
}

static uint64_t count(uint64_t lo, uint64_t hi, pk_primes_pattern pattern, const pk_primes_options *options)
{
    uint64_t result = UINT64_MAX;
    CU_ASSERT_EQUAL(pk_primes_count(options, lo, hi, pattern, &result, NULL), PK_OK);
    return result;
}

static pk_primes_options default_options(void)
{
    return options_for(2, PK_SCHEDULE_DYNAMIC, 0, PK_ALGO_SIEVE);
}

static void test_pi_of_powers_of_ten(void)
{
    static const uint64_t pi[] = {0, 4, 25, 168, 1229, 9592, 78498, 664579, 5761455, 50847534, 455052511};
    pk_primes_options options = default_options();
    uint64_t x = 1;
    for (int e = 0; e <= 10; e++, x *= 10)
        CU_ASSERT_EQUAL(count(0, x, PK_PATTERN_PRIMES, &options), pi[e]);
}

static void test_tiny_ranges(void)
{
    pk_primes_options options = default_options();
    CU_ASSERT_EQUAL(count(0, 0, PK_PATTERN_PRIMES, &options), 0);
    CU_ASSERT_EQUAL(count(0, 1, PK_PATTERN_PRIMES, &options), 0);
    CU_ASSERT_EQUAL(count(2, 2, PK_PATTERN_PRIMES, &options), 1);
    CU_ASSERT_EQUAL(count(3, 5, PK_PATTERN_PRIMES, &options), 2);
    CU_ASSERT_EQUAL(count(4, 4, PK_PATTERN_PRIMES, &options), 0);
    CU_ASSERT_EQUAL(count(7, 7, PK_PATTERN_PRIMES, &options), 1);
    CU_ASSERT_EQUAL(count(90, 96, PK_PATTERN_PRIMES, &options), 0);
    CU_ASSERT_EQUAL(count(89, 97, PK_PATTERN_PRIMES, &options), 2);
    CU_ASSERT_EQUAL(count(UINT64_MAX, UINT64_MAX, PK_PATTERN_PRIMES, &options), 0);
    CU_ASSERT_EQUAL(count(UINT64_C(18446744073709551557), UINT64_MAX, PK_PATTERN_PRIMES, &options), 1);
    uint64_t result;
    CU_ASSERT_EQUAL(pk_primes_count(&options, 10, 9, PK_PATTERN_PRIMES, &result, NULL), PK_EINVAL);
}

static void test_windows(void)
{
    pk_primes_options options = default_options();
    CU_ASSERT_EQUAL(count(UINT64_C(1000000000000), UINT64_C(1001000000000), PK_PATTERN_PRIMES, &options),
                    36190991);
    CU_ASSERT_EQUAL(count(UINT64_C(1000000000000000000), UINT64_C(1000000001000000000), PK_PATTERN_PRIMES, &options),
                    24127085);
    CU_ASSERT_EQUAL(count(UINT64_C(18446744072709551615), UINT64_MAX, PK_PATTERN_PRIMES, &options), 22537866);
}

static void test_tuplets(void)
{
    static const struct {
        uint64_t x, twins, triplets, quadruplets;
    } known[] = {
        {1000, 35, 30, 5},
        {10000, 205, 112, 12},
        {100000, 1224, 507, 38},
        {1000000, 8169, 2837, 166},
        {10000000, 58980, 17220, 899},
        {100000000, 440312, 111156, 4768},
        {1000000000, 3424506, 759256, 28388},
    };
    pk_primes_options options = default_options();
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
        CU_ASSERT_EQUAL(count(0, known[i].x, PK_PATTERN_TWINS, &options), known[i].twins);
        CU_ASSERT_EQUAL(count(0, known[i].x, PK_PATTERN_TRIPLETS, &options), known[i].triplets);
        CU_ASSERT_EQUAL(count(0, known[i].x, PK_PATTERN_QUADRUPLETS, &options), known[i].quadruplets);
    }
    /* Small cases by hand: (5,7,11,13,17), (7,11,13,17,19), (11,13,17,19,23), ... */
    CU_ASSERT_EQUAL(count(0, 1000, PK_PATTERN_QUINTUPLETS, &options), 5);
    CU_ASSERT_EQUAL(count(0, 1000, PK_PATTERN_SEXTUPLETS, &options), 2);
    CU_ASSERT_EQUAL(count(0, 100, PK_PATTERN_SEXTUPLETS, &options), 1);
    /* A tuplet counts only when its last member is <= hi ... */
    CU_ASSERT_EQUAL(count(0, 12, PK_PATTERN_QUADRUPLETS, &options), 0);
    CU_ASSERT_EQUAL(count(0, 13, PK_PATTERN_QUADRUPLETS, &options), 1);
    /* ... and its first member >= lo. */
    CU_ASSERT_EQUAL(count(6, 13, PK_PATTERN_QUADRUPLETS, &options), 0);
    CU_ASSERT_EQUAL(count(3, 7, PK_PATTERN_TWINS, &options), 2);
    CU_ASSERT_EQUAL(count(4, 7, PK_PATTERN_TWINS, &options), 1);
    /* The twin pair (29, 31) straddles two wheel bytes. */
    CU_ASSERT_EQUAL(count(29, 31, PK_PATTERN_TWINS, &options), 1);
    CU_ASSERT_EQUAL(count(29, 30, PK_PATTERN_TWINS, &options), 0);
}

/* Sum of tuplets over many tiny windows == tuplets over their union: every
 * tuplet is counted by exactly the window that holds its first member,
 * provided the windows extend to the common hi.  Here, windows [a, hi]. */
static void test_tuplets_straddling_units(void)
{
    pk_primes_options one = options_for(1, PK_SCHEDULE_STATIC, 0, PK_ALGO_SIEVE);
    pk_primes_options small_units = options_for(3, PK_SCHEDULE_DYNAMIC, 1, PK_ALGO_SIEVE);
    small_units.unit_bytes = 1;        /* one wheel byte per unit */
    small_units.segment_bytes = 1024;
    for (int pattern = PK_PATTERN_PRIMES; pattern <= PK_PATTERN_SEXTUPLETS; pattern++) {
        uint64_t expected = count(1000000, 1100000, (pk_primes_pattern)pattern, &one);
        CU_ASSERT_EQUAL(count(1000000, 1100000, (pk_primes_pattern)pattern, &small_units), expected);
    }
}

static void test_same_answer_for_every_thread_count_and_schedule(void)
{
    static const pk_schedule_kind kinds[] = {PK_SCHEDULE_STATIC, PK_SCHEDULE_DYNAMIC, PK_SCHEDULE_GUIDED};
    static const int chunks[] = {0, 1, 3};
    const uint64_t lo = UINT64_C(999999000000), hi = UINT64_C(1000020000000);
    pk_primes_options reference = options_for(1, PK_SCHEDULE_STATIC, 0, PK_ALGO_SIEVE);
    reference.unit_bytes = 1 << 14; /* ~40 units, so schedules differ */
    uint64_t expected = count(lo, hi, PK_PATTERN_PRIMES, &reference);
    uint64_t expected_twins = count(lo, hi, PK_PATTERN_TWINS, &reference);
    for (int threads = 1; threads <= 4; threads++)
        for (size_t k = 0; k < 3; k++)
            for (size_t c = 0; c < 3; c++) {
                pk_primes_options options = options_for(threads, kinds[k], chunks[c], PK_ALGO_SIEVE);
                options.unit_bytes = 1 << 14;
                CU_ASSERT_EQUAL(count(lo, hi, PK_PATTERN_PRIMES, &options), expected);
                CU_ASSERT_EQUAL(count(lo, hi, PK_PATTERN_TWINS, &options), expected_twins);
            }
}

/* Collects listed text into memory. */
typedef struct text_sink {
    char *text;
    size_t len;
} text_sink;

static int sink_write(void *ctx, const char *text, size_t len)
{
    text_sink *sink = ctx;
    char *grown = realloc(sink->text, sink->len + len + 1);
    if (grown == NULL)
        return -1;
    memcpy(grown + sink->len, text, len);
    sink->text = grown;
    sink->len += len;
    sink->text[sink->len] = '\0';
    return 0;
}

static void test_list_small(void)
{
    pk_primes_options options = default_options();
    text_sink sink = {NULL, 0};
    uint64_t n = 0;
    CU_ASSERT_EQUAL(pk_primes_list(&options, 0, 100, sink_write, &sink, &n, NULL), PK_OK);
    CU_ASSERT_EQUAL(n, 25);
    CU_ASSERT_STRING_EQUAL(sink.text, "2\n3\n5\n7\n11\n13\n17\n19\n23\n29\n31\n37\n41\n43\n47\n53\n59\n61\n67\n71\n"
                                      "73\n79\n83\n89\n97\n");
    free(sink.text);
    sink = (text_sink){NULL, 0};
    CU_ASSERT_EQUAL(pk_primes_list(&options, UINT64_C(18446744073709551550), UINT64_MAX, sink_write, &sink, &n, NULL),
                    PK_OK);
    CU_ASSERT_EQUAL(n, 1);
    CU_ASSERT_STRING_EQUAL(sink.text, "18446744073709551557\n");
    free(sink.text);
}

/* The list is the same bytes whatever the threads and schedule, and every
 * listed number is prime by Miller-Rabin, and the count matches count(). */
static void test_list_is_ordered_and_identical(void)
{
    const uint64_t lo = 123456789, hi = 123456789 + 30000000;
    pk_primes_options one = options_for(1, PK_SCHEDULE_STATIC, 0, PK_ALGO_SIEVE);
    text_sink expected = {NULL, 0};
    uint64_t n = 0;
    CU_ASSERT_EQUAL_FATAL(pk_primes_list(&one, lo, hi, sink_write, &expected, &n, NULL), PK_OK);
    CU_ASSERT_EQUAL(n, count(lo, hi, PK_PATTERN_PRIMES, &one));
    uint64_t previous = 0, checked = 0, bad = 0;
    for (char *line = expected.text; *line != '\0';) {
        char *end;
        uint64_t p = strtoull(line, &end, 10);
        bad += !(p > previous && p >= lo && p <= hi && pk_is_prime_u64(p));
        previous = p;
        checked++;
        line = end + 1;
    }
    CU_ASSERT_EQUAL(bad, 0);
    CU_ASSERT_EQUAL(checked, n);

    pk_primes_options many = options_for(4, PK_SCHEDULE_DYNAMIC, 1, PK_ALGO_SIEVE);
    many.unit_bytes = 1 << 16;
    text_sink got = {NULL, 0};
    CU_ASSERT_EQUAL(pk_primes_list(&many, lo, hi, sink_write, &got, &n, NULL), PK_OK);
    CU_ASSERT_EQUAL(got.len, expected.len);
    CU_ASSERT(got.len == expected.len && memcmp(got.text, expected.text, got.len) == 0);
    free(got.text);
    free(expected.text);
}

/* Writing units at their offsets gives the same bytes as ordered output,
 * across powers of ten (where line lengths change) and in binary. */
static void test_list_to_file_matches_ordered_list(void)
{
    static const uint64_t ranges[][2] = {
        {0, 100}, {0, 1}, {8, 10}, {90, 1000}, {999999000, 1000001000}, {0, 3000000},
        {UINT64_C(9999999999999990000), UINT64_C(10000000000000010000)}, {UINT64_C(18446744073709550000), UINT64_MAX},
    };
    for (int binary = 0; binary <= 1; binary++) {
        for (size_t i = 0; i < sizeof ranges / sizeof ranges[0]; i++) {
            pk_primes_options options = options_for(3, PK_SCHEDULE_DYNAMIC, 1, PK_ALGO_SIEVE);
            options.unit_bytes = 1000; /* many units, so many offsets */
            options.binary_output = binary;
            text_sink expected = {NULL, 0};
            uint64_t n_expected = 0, n = 0, bytes = 0;
            CU_ASSERT_EQUAL_FATAL(pk_primes_list(&options, ranges[i][0], ranges[i][1], sink_write, &expected,
                                                 &n_expected, NULL),
                                  PK_OK);
            FILE *file = tmpfile();
            CU_ASSERT_PTR_NOT_NULL_FATAL(file);
            CU_ASSERT_EQUAL(pk_primes_list_to_file(&options, ranges[i][0], ranges[i][1], fileno(file), &n, &bytes, NULL),
                            PK_OK);
            CU_ASSERT_EQUAL(n, n_expected);
            CU_ASSERT_EQUAL(bytes, expected.len);
            char *got = malloc(bytes + 1);
            rewind(file);
            CU_ASSERT_EQUAL(fread(got, 1, bytes + 1, file), bytes);
            CU_ASSERT(bytes == 0 || memcmp(got, expected.text, bytes) == 0);
            free(got);
            fclose(file);
            free(expected.text);
        }
    }
}

/* sieve == trial == Miller-Rabin on random small ranges, for every pattern. */
static void test_sieve_trial_and_check_agree(void)
{
    pk_primes_options sieve = options_for(2, PK_SCHEDULE_DYNAMIC, 0, PK_ALGO_SIEVE);
    pk_primes_options trial = options_for(2, PK_SCHEDULE_DYNAMIC, 0, PK_ALGO_TRIAL);
    srand(20261121);
    for (int round = 0; round < 40; round++) {
        uint64_t lo = (uint64_t)rand() % 5000000;
        uint64_t hi = lo + (uint64_t)rand() % 200000;
        if (round == 0) {
            lo = 0;
            hi = 300;
        }
        uint64_t by_check = 0;
        for (uint64_t n = lo; n <= hi; n++)
            by_check += pk_is_prime_u64(n);
        CU_ASSERT_EQUAL(count(lo, hi, PK_PATTERN_PRIMES, &sieve), by_check);
        CU_ASSERT_EQUAL(count(lo, hi, PK_PATTERN_PRIMES, &trial), by_check);
        pk_primes_pattern pattern = (pk_primes_pattern)(PK_PATTERN_TWINS + round % 5);
        CU_ASSERT_EQUAL(count(lo, hi, pattern, &sieve), count(lo, hi, pattern, &trial));
    }
    /* Near 2^32, where trial division switches from 32- to 64-bit arithmetic. */
    uint64_t lo = UINT64_C(4294967296) - 50000, hi = UINT64_C(4294967296) + 50000, by_check = 0;
    for (uint64_t n = lo; n <= hi; n++)
        by_check += pk_is_prime_u64(n);
    CU_ASSERT_EQUAL(count(lo, hi, PK_PATTERN_PRIMES, &trial), by_check);
    CU_ASSERT_EQUAL(count(lo, hi, PK_PATTERN_PRIMES, &sieve), by_check);
}

static void test_nth(void)
{
    pk_primes_options options = default_options();
    static const struct {
        uint64_t n, prime;
    } known[] = {
        {1, 2}, {2, 3}, {3, 5}, {4, 7}, {5, 11}, {25, 97}, {168, 997}, {169, 1009},
        {1000000, 15485863}, {50847534, 999999937}, {UINT64_C(1000000000), UINT64_C(22801763489)},
    };
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
        uint64_t prime = 0;
        CU_ASSERT_EQUAL(pk_primes_nth(&options, known[i].n, &prime, NULL), PK_OK);
        CU_ASSERT_EQUAL(prime, known[i].prime);
    }
    uint64_t prime;
    CU_ASSERT_EQUAL(pk_primes_nth(&options, 0, &prime, NULL), PK_EINVAL);
    CU_ASSERT_EQUAL(pk_primes_nth(&options, PK_PRIMES_BELOW_2_64 + 1, &prime, NULL), PK_ERANGE);
    /* n-th prime for every n up to 2000 against counting. */
    for (uint64_t n = 1; n <= 2000; n += 37) {
        CU_ASSERT_EQUAL(pk_primes_nth(&options, n, &prime, NULL), PK_OK);
        CU_ASSERT(pk_is_prime_u64(prime));
        CU_ASSERT_EQUAL(count(0, prime, PK_PATTERN_PRIMES, &options), n);
    }
}

static void test_check_many(void)
{
    pk_primes_options options = options_for(3, PK_SCHEDULE_GUIDED, 0, PK_ALGO_SIEVE);
    enum { N = 20000 };
    uint64_t *numbers = malloc(N * sizeof *numbers);
    uint8_t *is_prime = malloc(N);
    for (size_t i = 0; i < N; i++)
        numbers[i] = UINT64_C(1000000000000000000) + i;
    CU_ASSERT_EQUAL(pk_primes_check(&options, numbers, is_prime, N, NULL), PK_OK);
    uint64_t primes = 0, mismatches = 0;
    for (size_t i = 0; i < N; i++) {
        primes += is_prime[i];
        mismatches += is_prime[i] != pk_is_prime_u64(numbers[i]);
    }
    CU_ASSERT_EQUAL(mismatches, 0);
    CU_ASSERT_EQUAL(primes, count(numbers[0], numbers[N - 1], PK_PATTERN_PRIMES, &options));
    free(numbers);
    free(is_prime);
}

static void test_validation(void)
{
    const char *method;
    CU_ASSERT_EQUAL(pk_primes_validate_count(0, 10000000000ULL, PK_PATTERN_PRIMES, 455052511, &method),
                    PK_VALIDATION_PASSED);
    CU_ASSERT_EQUAL(pk_primes_validate_count(0, 10000000000ULL, PK_PATTERN_PRIMES, 455052512, &method),
                    PK_VALIDATION_FAILED);
    CU_ASSERT_EQUAL(pk_primes_validate_count(2, 1000, PK_PATTERN_TWINS, 35, &method), PK_VALIDATION_PASSED);
    CU_ASSERT_EQUAL(pk_primes_validate_count(0, 1000, PK_PATTERN_QUADRUPLETS, 4, &method), PK_VALIDATION_FAILED);
    /* Bounds: pi(123456789) = 7027260. */
    CU_ASSERT_EQUAL(pk_primes_validate_count(0, 123456789, PK_PATTERN_PRIMES, 7027260, &method),
                    PK_VALIDATION_PASSED);
    CU_ASSERT_EQUAL(pk_primes_validate_count(0, 123456789, PK_PATTERN_PRIMES, 6500000, &method),
                    PK_VALIDATION_FAILED);
    CU_ASSERT_EQUAL(pk_primes_validate_count(0, 123456789, PK_PATTERN_PRIMES, 7500000, &method),
                    PK_VALIDATION_FAILED);
    CU_ASSERT_EQUAL(pk_primes_validate_count(3, 123456789, PK_PATTERN_PRIMES, 1, &method),
                    PK_VALIDATION_NOT_APPLICABLE);
    /* The counter agrees with the bound everywhere we look. */
    pk_primes_options options = default_options();
    for (uint64_t x = 400000; x < 40000000; x = x * 3 + 7)
        CU_ASSERT_EQUAL(pk_primes_validate_count(0, x, PK_PATTERN_PRIMES, count(0, x, PK_PATTERN_PRIMES, &options),
                                                 &method),
                        PK_VALIDATION_PASSED);
}

int pk_suite_primes_job(void)
{
    static const pk_test_case cases[] = {
        {"pi_of_powers_of_ten", test_pi_of_powers_of_ten},
        {"tiny_ranges", test_tiny_ranges},
        {"windows_near_1e12_1e18_2e64", test_windows},
        {"tuplets", test_tuplets},
        {"tuplets_straddling_units", test_tuplets_straddling_units},
        {"same_answer_for_every_thread_count_and_schedule", test_same_answer_for_every_thread_count_and_schedule},
        {"list_small", test_list_small},
        {"list_is_ordered_and_identical", test_list_is_ordered_and_identical},
        {"list_to_file_matches_ordered_list", test_list_to_file_matches_ordered_list},
        {"sieve_trial_and_check_agree", test_sieve_trial_and_check_agree},
        {"nth", test_nth},
        {"check_many", test_check_many},
        {"validation", test_validation},
        {NULL, NULL},
    };
    return pk_suite_add("primes_job", cases);
}
