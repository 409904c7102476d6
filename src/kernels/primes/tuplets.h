/*
 * Prime k-tuplets (twins .. sextuplets) read straight off wheel bytes.
 *
 * Every admissible pattern spans at most 16, so a tuplet whose first member
 * is in wheel byte k has all its members in bytes k and k+1.  A 65,536-entry
 * table indexed by (byte k | byte k+1 << 8) gives the number of tuplets that
 * start in byte k; counting is then one lookup per byte, and a tuplet that
 * straddles a segment or unit edge is counted exactly once, by the unit that
 * owns its first member.  Members below 7 are not on the wheel; the few
 * tuplets that start at 3 or 5 are counted apart.
 */
#ifndef PK_KERNELS_PRIMES_TUPLETS_H
#define PK_KERNELS_PRIMES_TUPLETS_H

#include <stddef.h>
#include <stdint.h>

#include "parkit/primes.h"

/* The lookup table for a pattern (twins .. sextuplets); built once, shared. */
const uint8_t *pk_tuplet_table(pk_primes_pattern pattern);

/* Tuplets whose first member is 3 or 5 that lie within [lo, hi]. */
uint64_t pk_tuplets_below_7(pk_primes_pattern pattern, uint64_t lo, uint64_t hi);

/* The longest text of the tuplets that start in one wheel byte. */
enum { PK_TUPLETS_TEXT_MAX = 8 * (2 + 6 * 20 + 5 * 2 + 1) };

/* Appends "(a, b, ...)\n" (primesieve's -p2..-p6 lines), in order, for each
 * tuplet of PATTERN whose first member is in wheel byte K; PAIR is byte k |
 * byte k+1 << 8 with the numbers outside the range cleared.  Returns the
 * bytes written (at most PK_TUPLETS_TEXT_MAX). */
size_t pk_tuplets_text(pk_primes_pattern pattern, uint64_t k, unsigned pair, char *out);

/* The same for the tuplets that start at 3 or 5 and lie within [lo, hi];
 * *count receives how many. */
size_t pk_tuplets_below_7_text(pk_primes_pattern pattern, uint64_t lo, uint64_t hi, char *out, uint64_t *count);

#endif
