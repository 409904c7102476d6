/*
 * The modulo-30 wheel every prime kernel shares.
 *
 * Numbers coprime to 30 are stored one bit each, eight to a byte: bit j of
 * byte k stands for 30*k + pk_wheel_residue[j].  That skips the multiples of
 * 2, 3 and 5 (22 of every 30 numbers) before any sieving, and byte k always
 * covers [30k, 30k+29], so byte arithmetic never overflows below 2^64.
 */
#ifndef PK_KERNELS_PRIMES_WHEEL_H
#define PK_KERNELS_PRIMES_WHEEL_H

#include <stdint.h>

static const uint8_t pk_wheel_residue[8] = {1, 7, 11, 13, 17, 19, 23, 29};

/* Bit index of residue r (0..29) in a wheel byte, or -1 when gcd(r, 30) > 1. */
static const int8_t pk_wheel_bit[30] = {
    -1, 0, -1, -1, -1, -1, -1, 1, -1, -1, -1, 2, -1, 3, -1,
    -1, -1, 4, -1, 5, -1, -1, -1, 6, -1, -1, -1, -1, -1, 7,
};

/* Bits of a wheel byte whose numbers are >= residue r / <= residue r. */
static inline uint8_t pk_wheel_mask_from(unsigned r)
{
    uint8_t mask = 0;
    for (int j = 0; j < 8; j++)
        if (pk_wheel_residue[j] >= r)
            mask |= (uint8_t)(1u << j);
    return mask;
}

static inline uint8_t pk_wheel_mask_upto(unsigned r)
{
    uint8_t mask = 0;
    for (int j = 0; j < 8; j++)
        if (pk_wheel_residue[j] <= r)
            mask |= (uint8_t)(1u << j);
    return mask;
}

#endif
