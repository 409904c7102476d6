/*
 * Primality of single numbers.
 *
 * The sieve answers "which numbers in [lo, hi] are prime"; this module answers
 * "is this one number prime", which is what a list-of-numbers job needs.  Below
 * 2^64 the answer is exact and needs no library; at or above 2^64 it needs GMP,
 * which is optional (the build defines PK_HAVE_GMP to 0 or 1).
 *
 * Every function here is pure: no global mutable state, safe to call from any
 * number of threads at once.
 */
#ifndef PARKIT_PRIMALITY_H
#define PARKIT_PRIMALITY_H

#include <stdbool.h>
#include <stdint.h>

/* Exact for every 64-bit n: true when n is prime. */
bool pk_is_prime_u64(uint64_t n);

typedef enum pk_primality {
    PK_COMPOSITE = 0,      /* proven composite (0 and 1 count as composite here) */
    PK_PROBABLE_PRIME = 1, /* passed BPSW and Miller-Rabin rounds; only for n >= 2^64 */
    PK_PRIME = 2           /* proven prime */
} pk_primality;

/*
 * DECIMAL is a string of decimal digits (no sign, no spaces, no expression) of
 * any length; leading zeros are allowed.  Returns PK_OK and stores the verdict
 * in *VERDICT, PK_EINVAL if DECIMAL is empty or not all digits (or an argument
 * is NULL), or PK_ENOTSUP when parkit was built without GMP and the number is
 * >= 2^64.  Numbers below 2^64 are answered exactly (PK_PRIME or PK_COMPOSITE)
 * without GMP; numbers >= 2^64 use GMP's mpz_probab_prime_p (BPSW plus
 * Miller-Rabin rounds): 0 -> PK_COMPOSITE, 1 -> PK_PROBABLE_PRIME,
 * 2 -> PK_PRIME.  *VERDICT is left untouched on error.
 */
int pk_primality_of_decimal(const char *decimal, pk_primality *verdict);

/* true when this build has GMP (numbers >= 2^64 can be tested). */
bool pk_primality_have_gmp(void);

/* "prime", "probable-prime" or "composite" (static string); "unknown" otherwise. */
const char *pk_primality_name(pk_primality v);

#endif
