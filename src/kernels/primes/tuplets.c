/*
 * Lookup tables for prime k-tuplets on the modulo-30 wheel (see tuplets.h).
 * Patterns are primesieve's: triplets and quintuplets have two admissible
 * shapes each, and both are counted.
 */
#include <pthread.h>
#include <stddef.h>

#include "kernels/primes/tuplets.h"
#include "kernels/primes/wheel.h"

typedef struct tuplet_shape {
    int members;
    uint8_t offsets[6];
} tuplet_shape;

static const tuplet_shape twin_shapes[] = {{2, {0, 2}}};
static const tuplet_shape triplet_shapes[] = {{3, {0, 2, 6}}, {3, {0, 4, 6}}};
static const tuplet_shape quadruplet_shapes[] = {{4, {0, 2, 6, 8}}};
static const tuplet_shape quintuplet_shapes[] = {{5, {0, 2, 6, 8, 12}}, {5, {0, 4, 6, 10, 12}}};
static const tuplet_shape sextuplet_shapes[] = {{6, {0, 4, 6, 10, 12, 16}}};

static const struct {
    const tuplet_shape *shapes;
    int count;
} shapes_of[7] = {
    [PK_PATTERN_TWINS] = {twin_shapes, 1},
    [PK_PATTERN_TRIPLETS] = {triplet_shapes, 2},
    [PK_PATTERN_QUADRUPLETS] = {quadruplet_shapes, 1},
    [PK_PATTERN_QUINTUPLETS] = {quintuplet_shapes, 2},
    [PK_PATTERN_SEXTUPLETS] = {sextuplet_shapes, 1},
};

static uint8_t tables[7][1 << 16];
static pthread_once_t tables_once = PTHREAD_ONCE_INIT;

/* Tuplets of one pattern starting in the low byte of `pair`. */
static uint8_t count_in_pair(pk_primes_pattern pattern, unsigned pair)
{
    uint8_t total = 0;
    for (int start = 0; start < 8; start++) {
        for (int s = 0; s < shapes_of[pattern].count; s++) {
            const tuplet_shape *shape = &shapes_of[pattern].shapes[s];
            int all_prime = 1;
            for (int m = 0; m < shape->members && all_prime; m++) {
                unsigned number = pk_wheel_residue[start] + shape->offsets[m];
                int bit = pk_wheel_bit[number % 30];
                all_prime = bit >= 0 && (pair >> (8 * (number / 30) + (unsigned)bit)) & 1;
            }
            total += (uint8_t)all_prime;
        }
    }
    return total;
}

static void build_tables(void)
{
    for (int pattern = PK_PATTERN_TWINS; pattern <= PK_PATTERN_SEXTUPLETS; pattern++)
        for (unsigned pair = 0; pair < (1u << 16); pair++)
            tables[pattern][pair] = count_in_pair((pk_primes_pattern)pattern, pair);
}

const uint8_t *pk_tuplet_table(pk_primes_pattern pattern)
{
    if (pattern < PK_PATTERN_TWINS || pattern > PK_PATTERN_SEXTUPLETS)
        return NULL;
    pthread_once(&tables_once, build_tables);
    return tables[pattern];
}

uint64_t pk_tuplets_below_7(pk_primes_pattern pattern, uint64_t lo, uint64_t hi)
{
    /* The tuplets starting at 3 or 5, as (first, last) members. */
    static const struct {
        pk_primes_pattern pattern;
        uint64_t first, last;
    } small[] = {
        {PK_PATTERN_TWINS, 3, 5},       {PK_PATTERN_TWINS, 5, 7},
        {PK_PATTERN_TRIPLETS, 5, 11},   {PK_PATTERN_QUADRUPLETS, 5, 13},
        {PK_PATTERN_QUINTUPLETS, 5, 17},
    };
    uint64_t total = 0;
    for (size_t i = 0; i < sizeof small / sizeof small[0]; i++)
        if (small[i].pattern == pattern && small[i].first >= lo && small[i].last <= hi)
            total++;
    return total;
}
