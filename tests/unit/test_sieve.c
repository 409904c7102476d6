/*
 * Tests of the sieve kernel itself: wheel bytes against a plain reference
 * sieve or Miller-Rabin at every kind of edge: the first bytes (1 is not
 * prime, 7..173 are presieved), the presieve patterns' wraps, segment and
 * stripe boundaries, small segments that spread the sieving primes over the
 * small, medium and bucket tiers, units that start anywhere, units filed in
 * two phases, and the last bytes below 2^64.
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
    CU_ASSERT_EQUAL(pk_trial_run(scratch, sizeof scratch, last, last, check_with_miller_rabin, &t, NULL), PK_OK);
    CU_ASSERT_EQUAL(t.mismatches, 0);
    /* 2^64-59 is the largest prime below 2^64, and it is not in the last byte. */
    CU_ASSERT_EQUAL(t.primes, 0);

    top_check small = {0, 0};
    uint8_t buffer[256];
    CU_ASSERT_EQUAL(pk_trial_run(buffer, sizeof buffer, 0, 3000, check_with_miller_rabin, &small, NULL), PK_OK);
    CU_ASSERT_EQUAL(small.mismatches, 0);
    uint8_t *composite = reference_sieve(30 * 3000 + 29);
    uint64_t expected = 0;
    for (uint64_t n = 7; n <= 30 * 3000 + 29; n++)
        expected += !composite[n];
    CU_ASSERT_EQUAL(small.primes, expected);
    free(composite);
}

/* Sieves wheel bytes [first, last] with the given segment size and checks
 * every wheel number in them with Miller-Rabin; returns the primes found. */
static uint64_t check_run_with_miller_rabin(const pk_prime_table *table, size_t segment_bytes, uint64_t first,
                                            uint64_t last)
{
    pk_sieve *sieve = pk_sieve_create(table, segment_bytes);
    CU_ASSERT_PTR_NOT_NULL_FATAL(sieve);
    top_check t = {0, 0};
    CU_ASSERT_EQUAL(pk_sieve_run(sieve, first, last, check_with_miller_rabin, &t), PK_OK);
    CU_ASSERT_EQUAL(t.mismatches, 0);
    pk_sieve_destroy(sieve);
    return t.primes;
}

static void test_presieve_edges(void)
{
    /* The presieved primes 7..173 live in bytes 0..5: every short unit that
     * starts or ends among them, then units that cross the wrap of each
     * presieve pattern (periods 17017, 12673, 47027, 107113 and ~10^4). */
    const uint64_t limit = 4000000;
    uint8_t *composite = reference_sieve(limit + 60);
    pk_prime_table table;
    CU_ASSERT_EQUAL_FATAL(pk_prime_table_init_small(&table, 2100), PK_OK);
    for (uint64_t first = 0; first < 8; first++)
        for (uint64_t last = first; last < first + 12; last++)
            check_bytes_against_reference(&table, composite, 1024, first, last);
    static const uint64_t periods[] = {17017, 12673, 47027, 107113, 10207, 11663};
    for (size_t i = 0; i < sizeof periods / sizeof periods[0]; i++)
        check_bytes_against_reference(&table, composite, 1024, periods[i] - 700, periods[i] + 700);
    pk_prime_table_free(&table);
    free(composite);
}

static void test_tiers_match_miller_rabin(void)
{
    /* Near 10^12 the sieving primes reach 10^6.  With 1 KiB segments (8 KiB
     * stripes) they spread over all three tiers; with 32 KiB segments most
     * are medium.  Units start mid-segment and mid-stripe. */
    pk_prime_table table;
    CU_ASSERT_EQUAL_FATAL(pk_prime_table_init_small(&table, 1000100), PK_OK);
    const uint64_t base = UINT64_C(1000000000000) / 30;
    static const size_t segment_sizes[] = {1024, 2048, 32768};
    for (size_t i = 0; i < sizeof segment_sizes / sizeof segment_sizes[0]; i++) {
        check_run_with_miller_rabin(&table, segment_sizes[i], base, base + 100000);
        check_run_with_miller_rabin(&table, segment_sizes[i], base + 1023, base + 1023 + 3 * 8192 + 5);
    }
    /* The same bytes in one unit and in many short ones agree. */
    uint64_t whole = check_run_with_miller_rabin(&table, 1024, base, base + 65535);
    uint64_t pieces = 0;
    for (uint64_t first = base; first < base + 65536; first += 8000)
        pieces += check_run_with_miller_rabin(&table, 1024, first, first + 7999 < base + 65535 ? first + 7999 : base + 65535);
    CU_ASSERT_EQUAL(whole, pieces);
    pk_prime_table_free(&table);
}

static void test_two_phase_units_match_miller_rabin(void)
{
    /* Near 10^14 there are 664,579 sieving primes, more than the unit's
     * bytes, so the unit files them in two phases, the second one halfway. */
    pk_prime_table table;
    CU_ASSERT_EQUAL_FATAL(pk_prime_table_init_small(&table, 10000100), PK_OK);
    const uint64_t base = UINT64_C(100000000000000) / 30 + 7;
    check_run_with_miller_rabin(&table, 1024, base, base + 65535 + 3);
    check_run_with_miller_rabin(&table, 4096, base, base + 300000);
    pk_prime_table_free(&table);
}

/* The table of primes up to 2^32, built as primes_job builds it: sieved
 * segment by segment with the primes up to 2^16. */
static int copy_into_table(void *ctx, const pk_segment *segment)
{
    pk_prime_table *table = ctx;
    memcpy(table->bytes + segment->first_byte, segment->bytes, segment->len);
    return 0;
}

static void test_top_of_range_with_full_table(void)
{
    pk_prime_table base, table;
    CU_ASSERT_EQUAL_FATAL(pk_prime_table_init_small(&base, 65536), PK_OK);
    CU_ASSERT_EQUAL_FATAL(pk_prime_table_alloc(&table, UINT32_MAX), PK_OK);
    pk_sieve *sieve = pk_sieve_create(&base, 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(sieve);
    CU_ASSERT_EQUAL(pk_sieve_run(sieve, 0, table.nbytes - 1, copy_into_table, &table), PK_OK);
    pk_sieve_destroy(sieve);
    pk_prime_table_trim(&table);
    /* The last bytes below 2^64, where the first multiples of the 203
     * million sieving primes come from quotients near 2^64 / p, in a unit
     * of several stripes filed in two phases. */
    const uint64_t last = UINT64_MAX / 30;
    check_run_with_miller_rabin(&table, 1024, last - 20000, last);
    pk_prime_table_free(&table);
    pk_prime_table_free(&base);
}

/* Sets the cancel flag in the first segment it sees, and counts segments. */
typedef struct canceling_visit {
    _Atomic int *cancel;
    int segments;
} canceling_visit;

static int cancel_on_first_segment(void *ctx, const pk_segment *segment)
{
    (void)segment;
    canceling_visit *v = ctx;
    v->segments++;
    atomic_store(v->cancel, 1);
    return 0;
}

/* A unit stops part-way once the watched flag is set: a unit near 2^64
 * takes tens of seconds, and a signal must not wait for its end. */
static void test_cancel_stops_a_unit_part_way(void)
{
    pk_prime_table table;
    CU_ASSERT_EQUAL_FATAL(pk_prime_table_init_small(&table, 1 << 20), PK_OK);
    pk_sieve *sieve = pk_sieve_create(&table, 1024);
    CU_ASSERT_PTR_NOT_NULL_FATAL(sieve);
    static _Atomic int cancel;
    atomic_store(&cancel, 0);
    pk_sieve_watch(sieve, &cancel);
    canceling_visit v = {&cancel, 0};
    /* 2^30 wheel bytes: thousands of stripes, of which one is sieved. */
    const uint64_t first = UINT64_C(1) << 30, last = first + (UINT64_C(1) << 30);
    CU_ASSERT_EQUAL(pk_sieve_run(sieve, first, last, cancel_on_first_segment, &v), PK_ECANCELED);
    CU_ASSERT(v.segments >= 1 && v.segments <= 64);
    v.segments = 0; /* already set: nothing is sieved */
    CU_ASSERT_EQUAL(pk_sieve_run(sieve, first, last, cancel_on_first_segment, &v), PK_ECANCELED);
    CU_ASSERT_EQUAL(v.segments, 0);
    /* The sieve is still good for the next unit. */
    atomic_store(&cancel, 0);
    pk_sieve_watch(sieve, NULL);
    CU_ASSERT_EQUAL(check_run_with_miller_rabin(&table, 1024, 1000, 3000) > 0, 1);
    pk_sieve_destroy(sieve);
    /* Trial division: between wheel bytes. */
    uint8_t scratch[1024];
    atomic_store(&cancel, 1);
    v.segments = 0;
    CU_ASSERT_EQUAL(pk_trial_run(scratch, sizeof scratch, first, last, cancel_on_first_segment, &v, &cancel),
                    PK_ECANCELED);
    CU_ASSERT_EQUAL(v.segments, 0);
    pk_prime_table_free(&table);
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
        {"presieve_edges", test_presieve_edges},
        {"tiers_match_miller_rabin", test_tiers_match_miller_rabin},
        {"two_phase_units_match_miller_rabin", test_two_phase_units_match_miller_rabin},
        {"top_of_range_with_full_table", test_top_of_range_with_full_table},
        {"isqrt", test_isqrt},
        {"cancel_stops_a_unit_part_way", test_cancel_stops_a_unit_part_way},
        {NULL, NULL},
    };
    return pk_suite_add("sieve", cases);
}
