/*
 * Tests for the primality module (src/kernels/primes/primality.c).
 *
 * A fixed-base Miller-Rabin is only as good as its bases, so beyond the
 * textbook traps (strong pseudoprimes, Carmichael numbers, n near 2^64) the
 * 64-bit test is compared with independent oracles: a sieve of Eratosthenes
 * for every n below 2,000,000, trial division for random n below 2^40,
 * semiprimes built from primes found by trial division, prime counts of two
 * windows computed offline, and, in a GMP build, GMP itself on random 64-bit
 * numbers.  Random numbers come from a seeded splitmix64, so every run tests
 * the same numbers.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/CUnit.h>

#include "parkit/primality.h"
#include "parkit/status.h"
#include "suites.h"

#ifndef PK_HAVE_GMP
#define PK_HAVE_GMP 0
#endif

#if PK_HAVE_GMP
#include <gmp.h>
#endif

#define SIEVE_LIMIT 2000000u

/* ---- oracles and helpers ------------------------------------------------- */

static uint64_t splitmix64_next(uint64_t *state)
{
    uint64_t z = (*state += 0x9E3779B97F4A7C15u);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
    return z ^ (z >> 31);
}

/* is_composite[i] != 0 for composite i (and for 0, 1); caller frees. */
static unsigned char *sieve_of_eratosthenes(uint32_t limit)
{
    unsigned char *is_composite = calloc((size_t)limit + 1, 1);
    if (is_composite == NULL)
        return NULL;
    is_composite[0] = is_composite[1] = 1;
    for (uint32_t p = 2; (uint64_t)p * p <= limit; p++)
        if (!is_composite[p])
            for (uint32_t multiple = p * p; multiple <= limit; multiple += p)
                is_composite[multiple] = 1;
    return is_composite;
}

/* The primes <= limit, in order; *count receives how many.  Caller frees. */
static uint32_t *primes_up_to(uint32_t limit, size_t *count)
{
    unsigned char *is_composite = sieve_of_eratosthenes(limit);
    uint32_t *primes = malloc(((size_t)limit / 2 + 2) * sizeof *primes);
    *count = 0;
    if (is_composite == NULL || primes == NULL) {
        free(is_composite);
        free(primes);
        return NULL;
    }
    for (uint32_t i = 2; i <= limit; i++)
        if (!is_composite[i])
            primes[(*count)++] = i;
    free(is_composite);
    return primes;
}

/* Trial division by PRIMES; they must reach sqrt(n). */
static bool is_prime_by_trial_division(uint64_t n, const uint32_t *primes, size_t count)
{
    if (n < 2)
        return false;
    for (size_t i = 0; i < count && (uint64_t)primes[i] * primes[i] <= n; i++)
        if (n % primes[i] == 0)
            return false;
    return true;
}

/* The first prime >= start, by trial division (start < 2^32 - 32). */
static uint64_t next_prime_by_trial_division(uint64_t start, const uint32_t *primes, size_t count)
{
    uint64_t candidate = start | 1u;
    while (!is_prime_by_trial_division(candidate, primes, count))
        candidate += 2;
    return candidate;
}

static size_t count_primes_in(uint64_t lo, uint64_t hi)
{
    size_t primes = 0;
    for (uint64_t n = lo;; n++) {
        primes += pk_is_prime_u64(n);
        if (n == hi)
            break;
    }
    return primes;
}

/* ---- fixed values -------------------------------------------------------- */

static void test_small_values(void)
{
    CU_ASSERT_FALSE(pk_is_prime_u64(0));
    CU_ASSERT_FALSE(pk_is_prime_u64(1));
    CU_ASSERT_TRUE(pk_is_prime_u64(2));
    CU_ASSERT_TRUE(pk_is_prime_u64(3));
    CU_ASSERT_FALSE(pk_is_prime_u64(4));
    CU_ASSERT_TRUE(pk_is_prime_u64(5));
    CU_ASSERT_FALSE(pk_is_prime_u64(9));
    /* the edges of the trial-division table: 113 is in it, 127 is not */
    CU_ASSERT_TRUE(pk_is_prime_u64(113));
    CU_ASSERT_TRUE(pk_is_prime_u64(127));
    CU_ASSERT_FALSE(pk_is_prime_u64(113u * 113u));
    CU_ASSERT_FALSE(pk_is_prime_u64(127u * 127u));
    CU_ASSERT_FALSE(pk_is_prime_u64(127u * 131u));
    CU_ASSERT_TRUE(pk_is_prime_u64(16127)); /* largest prime below 127^2 = 16129 */
    CU_ASSERT_TRUE(pk_is_prime_u64(16139)); /* smallest above */
}

static void test_strong_pseudoprimes_and_carmichaels(void)
{
    static const uint64_t composites[] = {
        /* strong pseudoprimes to base 2 */
        2047, 3277, 4033, 4681, 8321,
        /* strong pseudoprime to bases 2, 3, 5 and 7 */
        3215031751u,
        /* Carmichael numbers */
        561, 1105, 1729, 2465, 2821, 6601,
        /* strong pseudoprime to bases 2, 7 and 61, just above 2^32 where that
         * short base set stops being enough */
        4759123141u,
        /* the least strong pseudoprimes to all prime bases 2..11, 2..13 and 2..17 */
        2152302898747u, 3474749660383u, 341550071728321u,
        /* strong pseudoprime to bases 2..23 */
        3825123056546413051u,
        /* 2^p - 1 for prime p is a strong pseudoprime to base 2 when composite */
        (UINT64_C(1) << 23) - 1, (UINT64_C(1) << 29) - 1, (UINT64_C(1) << 37) - 1,
        (UINT64_C(1) << 41) - 1, (UINT64_C(1) << 43) - 1, (UINT64_C(1) << 47) - 1,
        (UINT64_C(1) << 53) - 1, (UINT64_C(1) << 59) - 1,
        /* Fermat number F5 = 641 * 6700417, a base-2 pseudoprime */
        (UINT64_C(1) << 32) + 1,
    };
    for (size_t i = 0; i < sizeof composites / sizeof composites[0]; i++)
        CU_ASSERT_FALSE(pk_is_prime_u64(composites[i]));

    static const unsigned mersenne_prime_exponents[] = { 2, 3, 5, 7, 13, 17, 19, 31, 61 };
    for (size_t i = 0; i < sizeof mersenne_prime_exponents / sizeof mersenne_prime_exponents[0];
         i++)
        CU_ASSERT_TRUE(pk_is_prime_u64((UINT64_C(1) << mersenne_prime_exponents[i]) - 1));
    static const unsigned fermat_prime_exponents[] = { 1, 2, 4, 8, 16 };
    for (size_t i = 0; i < sizeof fermat_prime_exponents / sizeof fermat_prime_exponents[0]; i++)
        CU_ASSERT_TRUE(pk_is_prime_u64((UINT64_C(1) << fermat_prime_exponents[i]) + 1));
}

static void test_near_powers_of_two(void)
{
    /* the five largest primes below 2^64 */
    CU_ASSERT_TRUE(pk_is_prime_u64(18446744073709551557u)); /* 2^64 - 59 */
    CU_ASSERT_TRUE(pk_is_prime_u64(18446744073709551533u));
    CU_ASSERT_TRUE(pk_is_prime_u64(18446744073709551521u));
    CU_ASSERT_TRUE(pk_is_prime_u64(18446744073709551437u));
    CU_ASSERT_TRUE(pk_is_prime_u64(18446744073709551427u));
    CU_ASSERT_FALSE(pk_is_prime_u64(UINT64_MAX));
    CU_ASSERT_FALSE(pk_is_prime_u64(UINT64_MAX - 1));
    CU_ASSERT_FALSE(pk_is_prime_u64(18446744073709551559u)); /* 2^64 - 57 */
    /* the two largest 32-bit primes, their product and squares */
    CU_ASSERT_TRUE(pk_is_prime_u64(4294967291u));
    CU_ASSERT_TRUE(pk_is_prime_u64(4294967279u));
    CU_ASSERT_FALSE(pk_is_prime_u64(18446743979220271189u));
    CU_ASSERT_FALSE(pk_is_prime_u64(UINT64_C(4294967291) * 4294967291u));
    CU_ASSERT_FALSE(pk_is_prime_u64(UINT64_C(4294967279) * 4294967279u));
    CU_ASSERT_TRUE(pk_is_prime_u64((UINT64_C(1) << 61) - 1));
    /* around 2^32, where the base set changes: 2^32-5 and 2^32+15 are the
     * only primes in [2^32 - 9, 2^32 + 19] */
    const uint64_t two_32 = UINT64_C(1) << 32;
    for (uint64_t n = two_32 - 9; n <= two_32 + 19; n++)
        CU_ASSERT_EQUAL(pk_is_prime_u64(n), n == two_32 - 5 || n == two_32 + 15);
}

/* Prime counts computed offline (sympy), each window 100,000 numbers wide. */
static void test_prime_counts_of_windows(void)
{
    CU_ASSERT_EQUAL(count_primes_in(UINT64_MAX - 99999, UINT64_MAX), 2139);
    CU_ASSERT_EQUAL(count_primes_in(UINT64_C(1000000000000000000),
                                    UINT64_C(1000000000000000000) + 99999),
                    2398);
}

/* ---- comparisons with oracles ------------------------------------------- */

static void test_matches_sieve_below_two_million(void)
{
    unsigned char *is_composite = sieve_of_eratosthenes(SIEVE_LIMIT);
    CU_ASSERT_PTR_NOT_NULL_FATAL(is_composite);
    size_t mismatches = 0, primes = 0;
    for (uint32_t n = 0; n < SIEVE_LIMIT; n++) {
        bool prime = pk_is_prime_u64(n);
        mismatches += prime != !is_composite[n];
        primes += prime;
    }
    free(is_composite);
    CU_ASSERT_EQUAL(mismatches, 0);
    CU_ASSERT_EQUAL(primes, 148933); /* pi(2,000,000) */
}

/* p*q for random primes p, q in [2^32 - 2^28, 2^32 - 2^27): composite; p, q prime. */
static void test_semiprimes_of_32_bit_primes(void)
{
    size_t count;
    uint32_t *primes = primes_up_to(1u << 16, &count);
    CU_ASSERT_PTR_NOT_NULL_FATAL(primes);
    uint64_t rng = 0x5EED0001u;
    size_t wrong_primes = 0, wrong_products = 0;
    for (int i = 0; i < 3000; i++) {
        uint64_t low = (UINT64_C(1) << 32) - (UINT64_C(1) << 28);
        uint64_t p_start = low + (splitmix64_next(&rng) >> 37);
        uint64_t q_start = low + (splitmix64_next(&rng) >> 37);
        uint64_t p = next_prime_by_trial_division(p_start, primes, count);
        uint64_t q = next_prime_by_trial_division(q_start, primes, count);
        wrong_primes += !pk_is_prime_u64(p) + !pk_is_prime_u64(q);
        wrong_products += pk_is_prime_u64(p * q);
    }
    free(primes);
    CU_ASSERT_EQUAL(wrong_primes, 0);
    CU_ASSERT_EQUAL(wrong_products, 0);
}

/* Random n < 2^40, of random sizes, and hard semiprimes of two ~20-bit primes. */
static void test_matches_trial_division_below_2_40(void)
{
    size_t count;
    uint32_t *primes = primes_up_to(SIEVE_LIMIT, &count); /* past sqrt(2^40 + a bit) */
    CU_ASSERT_PTR_NOT_NULL_FATAL(primes);
    uint64_t rng = 0x5EED0002u;
    size_t mismatches = 0, primes_seen = 0;
    for (int i = 0; i < 4000; i++) {
        uint64_t r = splitmix64_next(&rng);
        uint64_t n;
        if (i % 4 == 0)
            n = r >> 24;                       /* uniform below 2^40 */
        else if (i % 4 == 1)
            n = r >> (24 + (r & 31));          /* uniform in bit length */
        else if (i % 4 == 2)
            n = (r >> 24) | 1u;                /* odd, below 2^40 */
        else
            n = next_prime_by_trial_division((r >> 45) | (1u << 19), primes, count) *
                next_prime_by_trial_division(((r >> 12) & 0x7FFFF) | (1u << 19), primes, count);
        bool expected = is_prime_by_trial_division(n, primes, count);
        mismatches += pk_is_prime_u64(n) != expected;
        primes_seen += expected;
    }
    free(primes);
    CU_ASSERT_EQUAL(mismatches, 0);
    CU_ASSERT(primes_seen > 100); /* the sample really contains primes */
}

#if PK_HAVE_GMP
/* GMP's BPSW has no known counterexample; below 2^64 it is exact (returns 2
 * for primes it proves or 1 otherwise, never 0 for a prime). */
static void test_matches_gmp_on_random_64_bit_numbers(void)
{
    uint64_t rng = 0x5EED0003u;
    mpz_t number;
    mpz_init(number);
    size_t mismatches = 0;
    for (int i = 0; i < 20000; i++) {
        uint64_t n = splitmix64_next(&rng);
        if (i % 2 == 0)
            n |= UINT64_C(0xFFFF) << 48; /* close to 2^64 */
        n |= 1u;
        mpz_import(number, 1, -1, sizeof n, 0, 0, &n);
        bool gmp_says_prime = mpz_probab_prime_p(number, 25) > 0;
        mismatches += pk_is_prime_u64(n) != gmp_says_prime;
    }
    mpz_clear(number);
    CU_ASSERT_EQUAL(mismatches, 0);
}
#endif

/* ---- the decimal API ------------------------------------------------------ */

static int verdict_of(const char *decimal, pk_primality *verdict)
{
    *verdict = (pk_primality)-1; /* a value no success leaves behind */
    return pk_primality_of_decimal(decimal, verdict);
}

static void test_decimal_below_2_64(void)
{
    pk_primality v;
    CU_ASSERT_EQUAL(verdict_of("18446744073709551557", &v), PK_OK);
    CU_ASSERT_EQUAL(v, PK_PRIME);
    CU_ASSERT_EQUAL(verdict_of("18446744073709551615", &v), PK_OK);
    CU_ASSERT_EQUAL(v, PK_COMPOSITE);
    CU_ASSERT_EQUAL(verdict_of("3825123056546413051", &v), PK_OK);
    CU_ASSERT_EQUAL(v, PK_COMPOSITE);
    CU_ASSERT_EQUAL(verdict_of("0", &v), PK_OK);
    CU_ASSERT_EQUAL(v, PK_COMPOSITE);
    CU_ASSERT_EQUAL(verdict_of("1", &v), PK_OK);
    CU_ASSERT_EQUAL(v, PK_COMPOSITE);
    CU_ASSERT_EQUAL(verdict_of("2", &v), PK_OK);
    CU_ASSERT_EQUAL(v, PK_PRIME);
    /* leading zeros do not push a small number past 2^64 */
    CU_ASSERT_EQUAL(verdict_of("000000000000000000000000000000007", &v), PK_OK);
    CU_ASSERT_EQUAL(v, PK_PRIME);
}

static void test_decimal_at_and_above_2_64(void)
{
    pk_primality v;
    int rc_two_64 = verdict_of("18446744073709551616", &v);       /* 2^64 */
#if PK_HAVE_GMP
    CU_ASSERT_EQUAL(rc_two_64, PK_OK);
    CU_ASSERT_EQUAL(v, PK_COMPOSITE);
    /* 2^128 + 51 is prime; GMP cannot prove it, so it is "probable" */
    CU_ASSERT_EQUAL(verdict_of("340282366920938463463374607431768211507", &v), PK_OK);
    CU_ASSERT_EQUAL(v, PK_PROBABLE_PRIME);
    /* (2^89 - 1) * (2^61 - 1), two Mersenne primes */
    CU_ASSERT_EQUAL(verdict_of("1427247692705959880439315947500961989719490561", &v), PK_OK);
    CU_ASSERT_EQUAL(v, PK_COMPOSITE);
    /* strong pseudoprimes to every prime base up to 37 and 41 (composite) */
    CU_ASSERT_EQUAL(verdict_of("318665857834031151167461", &v), PK_OK);
    CU_ASSERT_EQUAL(v, PK_COMPOSITE);
    CU_ASSERT_EQUAL(verdict_of("3317044064679887385961981", &v), PK_OK);
    CU_ASSERT_EQUAL(v, PK_COMPOSITE);
    /* 2^89 - 1 with leading zeros */
    CU_ASSERT_EQUAL(verdict_of("000618970019642690137449562111", &v), PK_OK);
    CU_ASSERT_EQUAL(v, PK_PROBABLE_PRIME);
#else
    CU_ASSERT_EQUAL(rc_two_64, PK_ENOTSUP);
    CU_ASSERT_EQUAL(v, (pk_primality)-1);
    CU_ASSERT_EQUAL(verdict_of("340282366920938463463374607431768211507", &v), PK_ENOTSUP);
    CU_ASSERT_EQUAL(verdict_of("1427247692705959880439315947500961989719490561", &v),
                    PK_ENOTSUP);
#endif
}

static void test_decimal_rejects_non_digits(void)
{
    static const char *const invalid[] = {
        "abc", "", "-5", "12a", "+5", " 5", "5 ", "1e10", "2^64", "0x11", "1.0", "1,000",
    };
    pk_primality v;
    for (size_t i = 0; i < sizeof invalid / sizeof invalid[0]; i++) {
        CU_ASSERT_EQUAL(verdict_of(invalid[i], &v), PK_EINVAL);
        CU_ASSERT_EQUAL(v, (pk_primality)-1); /* untouched on error */
    }
    /* a long string with a bad digit at the end is rejected even with GMP */
    CU_ASSERT_EQUAL(verdict_of("1234567890123456789012345678901234567890x", &v), PK_EINVAL);
    CU_ASSERT_EQUAL(pk_primality_of_decimal(NULL, &v), PK_EINVAL);
    CU_ASSERT_EQUAL(pk_primality_of_decimal("7", NULL), PK_EINVAL);
}

static void test_names_and_build_flag(void)
{
    CU_ASSERT_STRING_EQUAL(pk_primality_name(PK_PRIME), "prime");
    CU_ASSERT_STRING_EQUAL(pk_primality_name(PK_PROBABLE_PRIME), "probable-prime");
    CU_ASSERT_STRING_EQUAL(pk_primality_name(PK_COMPOSITE), "composite");
    CU_ASSERT_STRING_EQUAL(pk_primality_name((pk_primality)7), "unknown");
    CU_ASSERT_EQUAL(pk_primality_have_gmp(), PK_HAVE_GMP != 0);
}

int pk_suite_primality(void)
{
    static const pk_test_case cases[] = {
        { "small_values", test_small_values },
        { "strong_pseudoprimes_and_carmichaels", test_strong_pseudoprimes_and_carmichaels },
        { "near_powers_of_two", test_near_powers_of_two },
        { "prime_counts_of_windows", test_prime_counts_of_windows },
        { "matches_sieve_below_two_million", test_matches_sieve_below_two_million },
        { "semiprimes_of_32_bit_primes", test_semiprimes_of_32_bit_primes },
        { "matches_trial_division_below_2_40", test_matches_trial_division_below_2_40 },
#if PK_HAVE_GMP
        { "matches_gmp_on_random_64_bit_numbers", test_matches_gmp_on_random_64_bit_numbers },
#endif
        { "decimal_below_2_64", test_decimal_below_2_64 },
        { "decimal_at_and_above_2_64", test_decimal_at_and_above_2_64 },
        { "decimal_rejects_non_digits", test_decimal_rejects_non_digits },
        { "names_and_build_flag", test_names_and_build_flag },
        { NULL, NULL },
    };
    if (!PK_HAVE_GMP)
        pk_test_skipped("primality: matches_gmp_on_random_64_bit_numbers", "built without GMP: apt-get install libgmp-dev");
    return pk_suite_add("primality", cases);
}
