/*
 * The segmented sieve of Eratosthenes: sequential arithmetic for one unit.
 *
 * A unit is a run of wheel bytes (see wheel.h).  pk_sieve_run() sieves it one
 * cache-sized segment at a time and hands each finished segment to a visitor
 * (count, list, find the n-th ...), so memory stays O(segment + sieving
 * primes) whatever the range.  Sieving primes live in a pk_prime_table that
 * all workers share read-only; each worker owns one pk_sieve (its segment
 * buffer, the state of its small primes and the buckets of its large ones).
 * Nothing here knows about threads or ranks.
 */
#ifndef PK_KERNELS_PRIMES_SIEVE_H
#define PK_KERNELS_PRIMES_SIEVE_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

/* The odd primes >= 7 up to `limit` as wheel bytes (bit set = prime). */
typedef struct pk_prime_table {
    uint8_t *bytes;  /* owned */
    uint64_t nbytes; /* limit / 30 + 1 */
    uint64_t limit;
} pk_prime_table;

/* A finished segment: bytes[i] is wheel byte first_byte + i. */
typedef struct pk_segment {
    uint64_t first_byte;
    const uint8_t *bytes;
    size_t len;
} pk_segment;

/* Called for each segment in increasing order; non-zero stops the run and
 * is returned by pk_sieve_run(). */
typedef int (*pk_segment_visit_fn)(void *ctx, const pk_segment *segment);

/* Sieves [0, limit] with a plain sieve; for small limits (<= 2^24). */
int pk_prime_table_init_small(pk_prime_table *table, uint64_t limit);
/* Allocates an all-zero table for [0, limit], to be filled segment by segment. */
int pk_prime_table_alloc(pk_prime_table *table, uint64_t limit);
/* Clears the bits above table->limit in the last byte (after filling). */
void pk_prime_table_trim(pk_prime_table *table);
void pk_prime_table_free(pk_prime_table *table);

/* Largest r with r*r <= n. */
uint64_t pk_isqrt(uint64_t n);

typedef struct pk_sieve pk_sieve;

/* segment_bytes: power of two in [2^10, 2^24]; 0 picks the default. The
 * table is borrowed and must outlive the sieve.  NULL when out of memory. */
pk_sieve *pk_sieve_create(const pk_prime_table *table, size_t segment_bytes);
void pk_sieve_destroy(pk_sieve *sieve);
size_t pk_sieve_segment_bytes(const pk_sieve *sieve);

/* Once *CANCEL is non-zero, pk_sieve_run stops part-way with PK_ECANCELED
 * (a unit near 2^64 takes many seconds; a signal must not wait for it). */
void pk_sieve_watch(pk_sieve *sieve, const volatile _Atomic int *cancel);

/* Sieves wheel bytes [first_byte, last_byte]; every number in them whose
 * square root is <= table->limit comes out exact.  Returns 0, PK_ENOMEM,
 * PK_EINVAL (table too small), PK_ECANCELED or the visitor's non-zero value. */
int pk_sieve_run(pk_sieve *sieve, uint64_t first_byte, uint64_t last_byte,
                 pk_segment_visit_fn visit, void *ctx);

/* The textbook baseline producing the same segments: each wheel number is
 * tested by trial division by every odd d <= sqrt(n).  scratch must hold
 * segment_bytes bytes.  CANCEL (optional) stops it part-way, as for the sieve. */
int pk_trial_run(uint8_t *scratch, size_t segment_bytes, uint64_t first_byte, uint64_t last_byte,
                 pk_segment_visit_fn visit, void *ctx, const volatile _Atomic int *cancel);

#endif
