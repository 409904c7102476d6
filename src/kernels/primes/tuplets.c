/*
 * Lookup tables for prime k-tuplets on the modulo-30 wheel (see tuplets.h).
 * Patterns are primesieve's: triplets and quintuplets have two admissible
 * shapes each, and both are counted.
 */
#include <pthread.h>
#include <stddef.h>

#include "kernels/primes/tuplets.h"
#include "kernels/primes/wheel.h"
#include "parkit/numexpr.h"

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

/* Is SHAPE, started at wheel bit START of the low byte of PAIR, all primes? */
static int all_prime(const tuplet_shape *shape, int start, unsigned pair)
{
    for (int m = 0; m < shape->members; m++) {
        unsigned number = pk_wheel_residue[start] + shape->offsets[m];
        int bit = pk_wheel_bit[number % 30];
        if (bit < 0 || !((pair >> (8 * (number / 30) + (unsigned)bit)) & 1))
            return 0;
    }
    return 1;
}

/* Tuplets of one pattern starting in the low byte of `pair`. */
static uint8_t count_in_pair(pk_primes_pattern pattern, unsigned pair)
{
    uint8_t total = 0;
    for (int start = 0; start < 8; start++)
        for (int s = 0; s < shapes_of[pattern].count; s++)
            total += (uint8_t)all_prime(&shapes_of[pattern].shapes[s], start, pair);
    return total;
}

/* "(first, ..., last)\n" of the members FIRST + offsets. */
static size_t tuple_line(const tuplet_shape *shape, uint64_t first, char *out)
{
    size_t n = 0;
    out[n++] = '(';
    for (int m = 0; m < shape->members; m++) {
        if (m > 0) {
            out[n++] = ',';
            out[n++] = ' ';
        }
        n += pk_format_u64(out + n, first + shape->offsets[m]);
    }
    out[n++] = ')';
    out[n++] = '\n';
    return n;
}

size_t pk_tuplets_text(pk_primes_pattern pattern, uint64_t k, unsigned pair, char *out)
{
    size_t n = 0;
    for (int start = 0; start < 8; start++)
        for (int s = 0; s < shapes_of[pattern].count; s++)
            if (all_prime(&shapes_of[pattern].shapes[s], start, pair))
                n += tuple_line(&shapes_of[pattern].shapes[s], 30 * k + pk_wheel_residue[start], out + n);
    return n;
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

/* The tuplets starting at 3 or 5, with their shapes (members off the wheel). */
static const struct {
    pk_primes_pattern pattern;
    tuplet_shape shape;
    uint64_t first;
} below_7[] = {
    {PK_PATTERN_TWINS, {2, {0, 2}}, 3},
    {PK_PATTERN_TWINS, {2, {0, 2}}, 5},
    {PK_PATTERN_TRIPLETS, {3, {0, 2, 6}}, 5},
    {PK_PATTERN_QUADRUPLETS, {4, {0, 2, 6, 8}}, 5},
    {PK_PATTERN_QUINTUPLETS, {5, {0, 2, 6, 8, 12}}, 5},
};

size_t pk_tuplets_below_7_text(pk_primes_pattern pattern, uint64_t lo, uint64_t hi, char *out, uint64_t *count)
{
    size_t n = 0;
    *count = 0;
    for (size_t i = 0; i < sizeof below_7 / sizeof below_7[0]; i++) {
        const uint64_t first = below_7[i].first, last = first + below_7[i].shape.offsets[below_7[i].shape.members - 1];
        if (below_7[i].pattern == pattern && first >= lo && last <= hi) {
            n += tuple_line(&below_7[i].shape, first, out + n);
            (*count)++;
        }
    }
    return n;
}

uint64_t pk_tuplets_below_7(pk_primes_pattern pattern, uint64_t lo, uint64_t hi)
{
    uint64_t total = 0;
    for (size_t i = 0; i < sizeof below_7 / sizeof below_7[0]; i++) {
        const uint64_t first = below_7[i].first, last = first + below_7[i].shape.offsets[below_7[i].shape.members - 1];
        total += below_7[i].pattern == pattern && first >= lo && last <= hi;
    }
    return total;
}
