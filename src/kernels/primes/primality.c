/*
 * Primality of single numbers: exact below 2^64, GMP above.
 *
 * Why this file exists: a sieve is the right tool for "every prime in a
 * range", but a job that brings a list of arbitrary numbers (up to 2^64-1, or
 * decimal strings of any length) needs a per-number test that is fast, exact
 * and safe to call from many OpenMP threads at once.  Everything here is pure
 * arithmetic on the caller's stack: no tables are built at run time and there
 * is no mutable global state.
 *
 * How a 64-bit n is decided:
 *   1. n < 2, even n, and divisibility by the odd primes up to 113 give a
 *      fast answer for most numbers (77% of odd numbers have such a factor;
 *      going beyond 113 measured no faster).  The divisibility test multiplies
 *      by the prime's inverse mod 2^64 instead of dividing.  Anything left
 *      below 127^2 is prime.
 *   2. The rest are strong-probable-prime (Miller-Rabin) tests done in
 *      Montgomery form, so the squaring loop has 64x64->128-bit multiplies and
 *      no division at all.  Base 2 goes first and alone, since it stops almost
 *      every composite; the remaining bases of a prime run side by side.
 *
 * Why the bases are a proof and not a guess: Feitsma and Galway enumerated
 * every base-2 Fermat pseudoprime below 2^64, so for n < 2^64 a fixed base set
 * can be checked against that finite table.  Jim Sinclair found (2011) that
 * the 7 bases {2, 325, 9375, 28178, 450775, 9780504, 1795265022} leave no
 * strong pseudoprime below 2^64; a base that is 0 mod n is skipped, the usual
 * convention under which the set was verified.  For n < 2^32 the shorter set
 * {2, 7, 61} suffices (Jaeschke 1993: no strong pseudoprime to all three below
 * 4,759,123,141), which makes 32-bit primes about twice as cheap.
 *
 * Numbers of 2^64 and more go to GMP's mpz_probab_prime_p when the build has
 * GMP (PK_HAVE_GMP=1); without it they are PK_ENOTSUP.
 */
#include "parkit/primality.h"

#include <stddef.h>

#include "parkit/status.h"

#ifndef PK_HAVE_GMP
#define PK_HAVE_GMP 0
#endif

#if PK_HAVE_GMP
#include <gmp.h>
#endif

__extension__ typedef unsigned __int128 uint128;

/* ---- trial division by small primes, without dividing ------------------- */

/*
 * For odd p, n is a multiple of p exactly when n * p^-1 (mod 2^64) is at most
 * (2^64 - 1) / p: multiplication by the inverse maps the multiples of p onto
 * 0 .. (2^64-1)/p.  The inverse is computed at compile time by Newton's
 * iteration x <- x * (2 - p * x), which doubles the number of correct low bits;
 * x = p is right to 3 bits for any odd p, so five steps give 96 >= 64 bits.
 */
#define NEWTON_STEP(p, x) ((uint64_t)(x) * (2u - (uint64_t)(p) * (uint64_t)(x)))
#define INVERSE_MOD_2_64(p) \
    NEWTON_STEP(p, NEWTON_STEP(p, NEWTON_STEP(p, NEWTON_STEP(p, NEWTON_STEP(p, p)))))
#define SMALL_PRIME(p) { (p), INVERSE_MOD_2_64(p), UINT64_MAX / (p) }

typedef struct small_prime {
    uint64_t prime;
    uint64_t inverse;      /* prime^-1 mod 2^64 */
    uint64_t max_quotient; /* (2^64 - 1) / prime */
} small_prime;

static const small_prime trial_primes[] = {
    SMALL_PRIME(3), SMALL_PRIME(5), SMALL_PRIME(7), SMALL_PRIME(11), SMALL_PRIME(13),
    SMALL_PRIME(17), SMALL_PRIME(19), SMALL_PRIME(23), SMALL_PRIME(29), SMALL_PRIME(31),
    SMALL_PRIME(37), SMALL_PRIME(41), SMALL_PRIME(43), SMALL_PRIME(47), SMALL_PRIME(53),
    SMALL_PRIME(59), SMALL_PRIME(61), SMALL_PRIME(67), SMALL_PRIME(71), SMALL_PRIME(73),
    SMALL_PRIME(79), SMALL_PRIME(83), SMALL_PRIME(89), SMALL_PRIME(97), SMALL_PRIME(101),
    SMALL_PRIME(103), SMALL_PRIME(107), SMALL_PRIME(109), SMALL_PRIME(113),
};

/* The first prime not in trial_primes: every odd n below its square that has
 * no factor in the table is prime. */
#define FIRST_UNTRIED_PRIME 127u

static inline bool is_multiple_of(uint64_t n, const small_prime *p)
{
    return n * p->inverse <= p->max_quotient;
}

/* ---- Montgomery arithmetic modulo an odd n ------------------------------ */

/*
 * Residues are kept as x*R mod n with R = 2^64.  Any n < 2^64 works, including
 * n close to 2^64: no intermediate value exceeds 128 bits.
 */
typedef struct montgomery_modulus {
    uint64_t modulus;
    uint64_t inverse;   /* modulus^-1 mod 2^64 */
    uint64_t one;       /* R mod n, the Montgomery form of 1 */
    uint64_t minus_one; /* n - (R mod n), the Montgomery form of n-1 */
} montgomery_modulus;

static montgomery_modulus montgomery_setup(uint64_t odd_modulus)
{
    montgomery_modulus m;
    uint64_t inverse = odd_modulus; /* correct to 3 bits, see NEWTON_STEP */
    for (int step = 0; step < 5; step++)
        inverse *= 2 - odd_modulus * inverse;
    m.modulus = odd_modulus;
    m.inverse = inverse;
    m.one = (0 - odd_modulus) % odd_modulus; /* 2^64 mod n, without overflow */
    m.minus_one = odd_modulus - m.one;
    return m;
}

/*
 * t * R^-1 mod n for t < n * 2^64, result in [0, n).  With k = t * n^-1 mod
 * 2^64, t - k*n is a multiple of 2^64 and lies in (-n*2^64, n*2^64); the low
 * halves of t and k*n are equal, so the difference of the high halves is the
 * exact quotient, and a single conditional add of n makes it non-negative.
 */
static inline uint64_t montgomery_reduce(uint128 t, const montgomery_modulus *m)
{
    uint64_t t_high = (uint64_t)(t >> 64);
    uint64_t k = (uint64_t)t * m->inverse;
    uint64_t kn_high = (uint64_t)(((uint128)k * m->modulus) >> 64);
    uint64_t difference = t_high - kn_high;
    return t_high < kn_high ? difference + m->modulus : difference;
}

static inline uint64_t montgomery_multiply(uint64_t a, uint64_t b, const montgomery_modulus *m)
{
    return montgomery_reduce((uint128)a * b, m);
}

/* x + x mod n for x < n, without overflow when n is close to 2^64. */
static inline uint64_t modular_double(uint64_t x, uint64_t modulus)
{
    uint64_t gap = modulus - x; /* x + x >= n exactly when x >= n - x */
    return x >= gap ? x - gap : x + x;
}

/*
 * 2^exponent in Montgomery form, by left-to-right binary powering.  Base 2 is
 * tried first on every candidate and is the only base most composites see, so
 * it gets its own loop: multiplying by 2 is a modular doubling, not a
 * Montgomery multiplication.
 */
static uint64_t montgomery_power_of_two(uint64_t exponent, const montgomery_modulus *m)
{
    uint64_t result = modular_double(m->one, m->modulus); /* 2R mod n */
    for (int bit = 62 - __builtin_clzll(exponent); bit >= 0; bit--) {
        result = montgomery_multiply(result, result, m);
        if ((exponent >> bit) & 1u)
            result = modular_double(result, m->modulus);
    }
    return result;
}

#define MAX_LOCKSTEP_BASES 6

/*
 * powers[i] = bases[i]^exponent (Montgomery form) for count <= 6 bases at
 * once.  One power is a chain of dependent multiplications that waits on
 * each product's latency; running the chains side by side (they share the
 * exponent's bits) lets the CPU overlap them, which roughly halves the cost of
 * proving a prime compared with one base after another.
 */
static void montgomery_power_lockstep(const uint64_t *bases, uint64_t *powers, size_t count,
                                      uint64_t exponent, const montgomery_modulus *m)
{
    for (size_t i = 0; i < count; i++)
        powers[i] = bases[i]; /* the top bit of exponent (>= 1) is consumed here */
    for (int bit = 62 - __builtin_clzll(exponent); bit >= 0; bit--) {
        for (size_t i = 0; i < count; i++)
            powers[i] = montgomery_multiply(powers[i], powers[i], m);
        if ((exponent >> bit) & 1u)
            for (size_t i = 0; i < count; i++)
                powers[i] = montgomery_multiply(powers[i], bases[i], m);
    }
}

/* ---- Miller-Rabin ------------------------------------------------------- */

/*
 * The rest of the strong test for one base a, with n - 1 = odd_part * 2^twos:
 * given x = a^odd_part (Montgomery form), n is a strong probable prime to
 * base a when x = 1 or one of x, x^2, ..., x^(2^(twos-1)) is n - 1.
 */
static bool finishes_strong_test(uint64_t x, int twos, const montgomery_modulus *m)
{
    if (x == m->one || x == m->minus_one)
        return true;
    for (int i = 1; i < twos; i++) {
        x = montgomery_multiply(x, x, m);
        if (x == m->minus_one)
            return true;
        if (x == m->one) /* a nontrivial square root of 1: n is composite */
            return false;
    }
    return false;
}

/* Both sets start with 2, which passes_miller_rabin tries on its own first. */
static const uint64_t bases_below_2_32[] = { 2, 7, 61 };
static const uint64_t bases_below_2_64[] = { 2, 325, 9375, 28178, 450775, 9780504, 1795265022 };
_Static_assert(sizeof bases_below_2_64 / sizeof bases_below_2_64[0] - 1 <= MAX_LOCKSTEP_BASES,
               "every base after 2 must fit in the lockstep arrays");

/* Is odd n >= 3 a strong probable prime to every base of its set? */
static bool passes_miller_rabin(uint64_t odd_n)
{
    const uint64_t *bases = bases_below_2_64;
    size_t base_count = sizeof bases_below_2_64 / sizeof bases_below_2_64[0];
    if (odd_n < ((uint64_t)1 << 32)) {
        bases = bases_below_2_32;
        base_count = sizeof bases_below_2_32 / sizeof bases_below_2_32[0];
    }
    int twos = __builtin_ctzll(odd_n - 1);
    uint64_t odd_part = (odd_n - 1) >> twos;
    montgomery_modulus m = montgomery_setup(odd_n);

    if (!finishes_strong_test(montgomery_power_of_two(odd_part, &m), twos, &m))
        return false; /* most composites stop here */

    /* Base 2 needed no conversion (2R mod n is R mod n doubled); the others
     * are turned into Montgomery form by one multiplication with R^2 mod n.
     * Computing that takes a 128-bit division, which composites that failed
     * base 2 never pay for. */
    uint64_t r_squared = (uint64_t)(((uint128)m.one * m.one) % odd_n);
    uint64_t bases_montgomery[MAX_LOCKSTEP_BASES];
    uint64_t powers[MAX_LOCKSTEP_BASES];
    size_t lockstep_count = 0;
    for (size_t i = 1; i < base_count; i++) {
        uint64_t reduced_base = bases[i] < odd_n ? bases[i] : bases[i] % odd_n;
        if (reduced_base == 0) /* says nothing about n: skipped */
            continue;
        bases_montgomery[lockstep_count++] = montgomery_multiply(reduced_base, r_squared, &m);
    }
    montgomery_power_lockstep(bases_montgomery, powers, lockstep_count, odd_part, &m);
    for (size_t i = 0; i < lockstep_count; i++)
        if (!finishes_strong_test(powers[i], twos, &m))
            return false;
    return true;
}

bool pk_is_prime_u64(uint64_t n)
{
    if (n < 4)
        return n >= 2;
    if ((n & 1u) == 0)
        return false;
    for (size_t i = 0; i < sizeof trial_primes / sizeof trial_primes[0]; i++)
        if (is_multiple_of(n, &trial_primes[i]))
            return n == trial_primes[i].prime;
    if (n < (uint64_t)FIRST_UNTRIED_PRIME * FIRST_UNTRIED_PRIME)
        return true;
    return passes_miller_rabin(n);
}

/* ---- decimal strings of any length -------------------------------------- */

/* Stores the value of DIGITS in *VALUE and returns true, or returns false when
 * it is 2^64 or more.  DIGITS is non-empty and all '0'..'9'. */
static bool decimal_to_u64(const char *digits, uint64_t *value)
{
    uint64_t result = 0;
    for (const char *c = digits; *c != '\0'; c++) {
        unsigned digit = (unsigned)(*c - '0');
        if (result > (UINT64_MAX - digit) / 10)
            return false;
        result = result * 10 + digit;
    }
    *value = result;
    return true;
}

static bool is_all_decimal_digits(const char *text)
{
    if (*text == '\0')
        return false;
    for (const char *c = text; *c != '\0'; c++)
        if (*c < '0' || *c > '9')
            return false;
    return true;
}

#if PK_HAVE_GMP
/* Rounds of Miller-Rabin GMP adds after BPSW (GMP documents 15..50 as sensible). */
#define GMP_PRIMALITY_REPS 25

static int primality_with_gmp(const char *decimal, pk_primality *verdict)
{
    mpz_t number;
    if (mpz_init_set_str(number, decimal, 10) != 0) {
        mpz_clear(number);
        return PK_EINTERNAL; /* the digits were checked, so this cannot happen */
    }
    int answer = mpz_probab_prime_p(number, GMP_PRIMALITY_REPS);
    mpz_clear(number);
    *verdict = answer == 2 ? PK_PRIME : answer == 1 ? PK_PROBABLE_PRIME : PK_COMPOSITE;
    return PK_OK;
}
#endif

int pk_primality_of_decimal(const char *decimal, pk_primality *verdict)
{
    if (decimal == NULL || verdict == NULL || !is_all_decimal_digits(decimal))
        return PK_EINVAL;
    uint64_t value;
    if (decimal_to_u64(decimal, &value)) {
        *verdict = pk_is_prime_u64(value) ? PK_PRIME : PK_COMPOSITE;
        return PK_OK;
    }
#if PK_HAVE_GMP
    return primality_with_gmp(decimal, verdict);
#else
    return PK_ENOTSUP;
#endif
}

bool pk_primality_have_gmp(void)
{
    return PK_HAVE_GMP != 0;
}

const char *pk_primality_name(pk_primality v)
{
    switch (v) {
    case PK_PRIME:
        return "prime";
    case PK_PROBABLE_PRIME:
        return "probable-prime";
    case PK_COMPOSITE:
        return "composite";
    }
    return "unknown";
}
