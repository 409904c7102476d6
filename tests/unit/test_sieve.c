/*
 * Tests of the sieve kernel itself: wheel bytes against a plain reference
 * sieve at every kind of edge — the first bytes (1 is not prime, 7..19 are
 * presieved), segment boundaries, small segments that push primes into the
 * bucket tier, units that start anywhere, and the last byte below 2^64.
 */
#include <stdlib.h>
#include <string.h>

#include "kernels/primes/sieve.h"
#include "kernels/primes/wheel.h"
#include "parkit/primality.h"
#include "parkit/status.h"
#include "suites.h"

/* Collects the sieved bytes of a run into one array. */
typedef struct collected {
    uint64_t first_byte;
    uint8_t *bytes;
    size_t len;
    uint64_t next_expected;
    int out_of_order;
} collected;

static int collect(void *ctx, const pk_segment *segment)
{
    collected *c = ctx;
    if (segment->first_byte != c->next_expected)
        c->out_of_order = 1;
    memcpy(c->bytes + (segment->first_byte - c->first_byte), segment->bytes, segment->len);
    c->next_expected = segment->first_byte + segment->len;
    c->len += segment->len;
    return 0;
}

/* The wheel byte k as a plain sieve of [0, limit] sees it. */
static uint8_t reference_byte(const uint8_t *composite, uint64_t k)
{
    uint8_t byte = 0;
    for (int j = 0; j < 8; j++)
        if (!composite[30 * k + pk_wheel_residue[j]])
            byte |= (uint8_t)(1u << j);
    return byte;
}

static uint8_t *reference_sieve(uint64_t limit)
{
    uint8_t *composite = calloc(limit + 1, 1);
    composite[0] = composite[1] = 1;
    for (uint64_t p = 2; p * p <= limit; p++)
        if (!composite[p])
            for (uint64_t m = p * p; m <= limit; m += p)
                composite[m] = 1;
    return composite;
}

/* Sieves wheel bytes [first, last] and compares them byte for byte. */
static void check_bytes_against_reference(const pk_prime_table *table, const uint8_t *composite,
                                          size_t segment_bytes, uint64_t first, uint64_t last)
{
    pk_sieve *sieve = pk_sieve_create(table, segment_bytes);
    CU_ASSERT_PTR_NOT_NULL_FATAL(sieve);
    collected c = {first, calloc(last - first + 1, 1), 0, first, 0};
    CU_ASSERT_EQUAL(pk_sieve_run(sieve, first, last, collect, &c), PK_OK);
    CU_ASSERT_EQUAL(c.len, last - first + 1);
    CU_ASSERT_FALSE(c.out_of_order);
    size_t mismatches = 0;
    for (uint64_t k = first; k <= last; k++)
        mismatches += c.bytes[k - first] != reference_byte(composite, k);
    CU_ASSERT_EQUAL(mismatches, 0);
    free(c.bytes);
    pk_sieve_destroy(sieve);
}

static void test_small_table_matches_reference(void)
{
    const uint64_t limit = 100000;
    uint8_t *composite = reference_sieve(limit + 30);
    pk_prime_table table;
    CU_ASSERT_EQUAL_FATAL(pk_prime_table_init_small(&table, limit), PK_OK);
    for (uint64_t k = 0; k < table.nbytes; k++) {
        uint8_t expected = reference_byte(composite, k);
        if (k == table.nbytes - 1)
            expected &= pk_wheel_mask_upto(limit % 30);
        if (table.bytes[k] != expected) {
            CU_FAIL("table byte differs from the reference sieve");
            break;
        }
    }
    pk_prime_table_free(&table);
    free(composite);
}

static void test_segments_match_reference(void)
{
    const uint64_t limit = 3000000;
    uint8_t *composite = reference_sieve(limit + 60);
    pk_prime_table table;
    CU_ASSERT_EQUAL_FATAL(pk_prime_table_init_small(&table, 2000), PK_OK);
    /* From byte 0 (presieve fix-up), across many segments. */
    check_bytes_against_reference(&table, composite, 1024, 0, limit / 30 - 1);
    /* Default segment size, a unit starting mid-way and mid-segment. */
    check_bytes_against_reference(&table, composite, 0, 12345, limit / 30 - 1);
    /* One byte at a time at awkward places. */
    check_bytes_against_reference(&table, composite, 1024, 1023, 1024);
    check_bytes_against_reference(&table, composite, 1024, 0, 0);
    pk_prime_table_free(&table);
    free(composite);
}

static void test_bucket_tier_matches_reference(void)
{
    /* Segments of 1 KiB: every sieving prime above 1024 goes to buckets,
     * and most of them skip whole segments between hits. */
    const uint64_t limit = 30000000;
    uint8_t *composite = reference_sieve(limit + 60);
    pk_prime_table table;
    CU_ASSERT_EQUAL_FATAL(pk_prime_table_init_small(&table, 5500), PK_OK);
    check_bytes_against_reference(&table, composite, 1024, 0, limit / 30 - 1);
    check_bytes_against_reference(&table, composite, 1024, 777777, 888888);
    check_bytes_against_reference(&table, composite, 4096, limit / 30 - 5000, limit / 30 - 1);
    pk_prime_table_free(&table);
    free(composite);
}

static void test_table_too_small_is_refused(void)
{
    pk_prime_table table;
    CU_ASSERT_EQUAL_FATAL(pk_prime_table_init_small(&table, 100), PK_OK);
    pk_sieve *sieve = pk_sieve_create(&table, 0);
    collected c = {0, calloc(100000, 1), 0, 0, 0};
    /* Numbers up to 30 * 1000 need primes up to 173. */
    CU_ASSERT_EQUAL(pk_sieve_run(sieve, 0, 999, collect, &c), PK_EINVAL);
    CU_ASSERT_EQUAL(pk_sieve_run(sieve, 10, 5, collect, &c), PK_EINVAL);
    free(c.bytes);
    pk_sieve_destroy(sieve);
    pk_prime_table_free(&table);
    CU_ASSERT_PTR_NULL(pk_sieve_create(&table, 3000)); /* not a power of two */
}

/* Counts primes among the wheel numbers of bytes at the very top of the
 * 64-bit range, with the sieve, trial division and Miller-Rabin. */
typedef struct top_check {
    uint64_t mismatches, primes;
} top_check;

static int check_with_miller_rabin(void *ctx, const pk_segment *segment)
{
    top_check *t = ctx;
    for (size_t i = 0; i < segment->len; i++) {
        uint64_t k = segment->first_byte + i;
        for (int j = 0; j < 8; j++) {
            if (k == UINT64_MAX / 30 && pk_wheel_residue[j] > UINT64_MAX % 30)
                continue; /* past 2^64-1 */
            uint64_t n = 30 * k + pk_wheel_residue[j];
            int sieved = (segment->bytes[i] >> j) & 1;
            t->primes += (uint64_t)sieved;
            t->mismatches += sieved != pk_is_prime_u64(n);
        }
    }
    return 0;
}

static void test_top_of_range_with_trial_division(void)
{
    /* Trial division near 2^64 costs 2^31 divisions per prime; keep it short. */
    uint8_t scratch[64];
    top_check t = {0, 0};
    uint64_t last = UINT64_MAX / 30;
    CU_ASSERT_EQUAL(pk_trial_run(scratch, sizeof scratch, last, last, check_with_miller_rabin, &t), PK_OK);
    CU_ASSERT_EQUAL(t.mismatches, 0);
    /* 2^64-59 is the largest prime below 2^64, and it is not in the last byte. */
    CU_ASSERT_EQUAL(t.primes, 0);

    top_check small = {0, 0};
    uint8_t buffer[256];
    CU_ASSERT_EQUAL(pk_trial_run(buffer, sizeof buffer, 0, 3000, check_with_miller_rabin, &small), PK_OK);
    CU_ASSERT_EQUAL(small.mismatches, 0);
    uint8_t *composite = reference_sieve(30 * 3000 + 29);
    uint64_t expected = 0;
    for (uint64_t n = 7; n <= 30 * 3000 + 29; n++)
        expected += !composite[n];
    CU_ASSERT_EQUAL(small.primes, expected);
    free(composite);
}

static void test_isqrt(void)
{
    CU_ASSERT_EQUAL(pk_isqrt(0), 0);
    CU_ASSERT_EQUAL(pk_isqrt(1), 1);
    CU_ASSERT_EQUAL(pk_isqrt(3), 1);
    CU_ASSERT_EQUAL(pk_isqrt(4), 2);
    CU_ASSERT_EQUAL(pk_isqrt(UINT64_MAX), UINT32_MAX);
    CU_ASSERT_EQUAL(pk_isqrt((uint64_t)UINT32_MAX * UINT32_MAX), UINT32_MAX);
    CU_ASSERT_EQUAL(pk_isqrt((uint64_t)UINT32_MAX * UINT32_MAX - 1), UINT32_MAX - 1);
    for (uint64_t r = 1; r < 3000000; r += 997) {
        CU_ASSERT_EQUAL(pk_isqrt(r * r), r);
        CU_ASSERT_EQUAL(pk_isqrt(r * r - 1), r - 1);
    }
}

int pk_suite_sieve(void)
{
    static const pk_test_case cases[] = {
        {"small_table_matches_reference", test_small_table_matches_reference},
        {"segments_match_reference", test_segments_match_reference},
        {"bucket_tier_matches_reference", test_bucket_tier_matches_reference},
        {"table_too_small_is_refused", test_table_too_small_is_refused},
        {"top_of_range_with_trial_division", test_top_of_range_with_trial_division},
        {"isqrt", test_isqrt},
        {NULL, NULL},
    };
    return pk_suite_add("sieve", cases);
}
