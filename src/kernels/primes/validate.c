/*
 * Validation of prime counts (see parkit/primes.h).  The known values are those
 * of ../shared/reference/known-values.md (OEIS A006880, A007508 and
 * friends); the bounds are Dusart's (2010): for x >= 599,
 *   x/ln x * (1 + 1/ln x) <= pi(x),
 * and for x >= 355991,
 *   pi(x) <= x/ln x * (1 + 1/ln x + 2.51/ln^2 x).
 */
#include <math.h>
#include <stddef.h>

#include "parkit/primes.h"

typedef struct known_count {
    pk_primes_pattern pattern;
    uint64_t x, count;
} known_count;

static const known_count known[] = {
    {PK_PATTERN_PRIMES, UINT64_C(10), 4},
    {PK_PATTERN_PRIMES, UINT64_C(100), 25},
    {PK_PATTERN_PRIMES, UINT64_C(1000), 168},
    {PK_PATTERN_PRIMES, UINT64_C(10000), 1229},
    {PK_PATTERN_PRIMES, UINT64_C(100000), 9592},
    {PK_PATTERN_PRIMES, UINT64_C(1000000), 78498},
    {PK_PATTERN_PRIMES, UINT64_C(10000000), 664579},
    {PK_PATTERN_PRIMES, UINT64_C(100000000), 5761455},
    {PK_PATTERN_PRIMES, UINT64_C(1000000000), 50847534},
    {PK_PATTERN_PRIMES, UINT64_C(10000000000), 455052511},
    {PK_PATTERN_PRIMES, UINT64_C(100000000000), UINT64_C(4118054813)},
    {PK_PATTERN_PRIMES, UINT64_C(1000000000000), UINT64_C(37607912018)},
    {PK_PATTERN_PRIMES, UINT64_C(10000000000000), UINT64_C(346065536839)},
    {PK_PATTERN_PRIMES, UINT64_C(100000000000000), UINT64_C(3204941750802)},
    {PK_PATTERN_PRIMES, UINT64_C(1000000000000000), UINT64_C(29844570422669)},
    {PK_PATTERN_PRIMES, UINT64_C(10000000000000000), UINT64_C(279238341033925)},
    {PK_PATTERN_PRIMES, UINT64_C(100000000000000000), UINT64_C(2623557157654233)},
    {PK_PATTERN_PRIMES, UINT64_C(1000000000000000000), UINT64_C(24739954287740860)},
    {PK_PATTERN_PRIMES, UINT64_C(10000000000000000000), UINT64_C(234057667276344607)},
    {PK_PATTERN_PRIMES, UINT64_MAX, PK_PRIMES_BELOW_2_64},
    {PK_PATTERN_TWINS, UINT64_C(1000), 35},
    {PK_PATTERN_TWINS, UINT64_C(10000), 205},
    {PK_PATTERN_TWINS, UINT64_C(100000), 1224},
    {PK_PATTERN_TWINS, UINT64_C(1000000), 8169},
    {PK_PATTERN_TWINS, UINT64_C(10000000), 58980},
    {PK_PATTERN_TWINS, UINT64_C(100000000), 440312},
    {PK_PATTERN_TWINS, UINT64_C(1000000000), 3424506},
    {PK_PATTERN_TWINS, UINT64_C(10000000000), 27412679},
    {PK_PATTERN_TRIPLETS, UINT64_C(1000), 30},
    {PK_PATTERN_TRIPLETS, UINT64_C(10000), 112},
    {PK_PATTERN_TRIPLETS, UINT64_C(100000), 507},
    {PK_PATTERN_TRIPLETS, UINT64_C(1000000), 2837},
    {PK_PATTERN_TRIPLETS, UINT64_C(10000000), 17220},
    {PK_PATTERN_TRIPLETS, UINT64_C(100000000), 111156},
    {PK_PATTERN_TRIPLETS, UINT64_C(1000000000), 759256},
    {PK_PATTERN_TRIPLETS, UINT64_C(10000000000), 5425573},
    {PK_PATTERN_QUADRUPLETS, UINT64_C(1000), 5},
    {PK_PATTERN_QUADRUPLETS, UINT64_C(10000), 12},
    {PK_PATTERN_QUADRUPLETS, UINT64_C(100000), 38},
    {PK_PATTERN_QUADRUPLETS, UINT64_C(1000000), 166},
    {PK_PATTERN_QUADRUPLETS, UINT64_C(10000000), 899},
    {PK_PATTERN_QUADRUPLETS, UINT64_C(100000000), 4768},
    {PK_PATTERN_QUADRUPLETS, UINT64_C(1000000000), 28388},
    {PK_PATTERN_QUADRUPLETS, UINT64_C(10000000000), 180529},
};

pk_validation pk_primes_validate_count(uint64_t lo, uint64_t hi, pk_primes_pattern pattern, uint64_t count,
                                       const char **method)
{
    *method = "none (no known value or proven bound for this range)";
    if (lo > 2)
        return PK_VALIDATION_NOT_APPLICABLE;
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
        if (known[i].pattern == pattern && known[i].x == hi) {
            *method = "matches the known value";
            return count == known[i].count ? PK_VALIDATION_PASSED : PK_VALIDATION_FAILED;
        }
    }
    if (pattern != PK_PATTERN_PRIMES || hi < 355991)
        return PK_VALIDATION_NOT_APPLICABLE;
    long double x = (long double)hi, ln = logl(x);
    long double lower = x / ln * (1 + 1 / ln);
    long double upper = x / ln * (1 + 1 / ln + 2.51L / (ln * ln));
    *method = "within Dusart's proven bounds on pi(x)";
    long double c = (long double)count;
    return c >= floorl(lower) && c <= ceill(upper) ? PK_VALIDATION_PASSED : PK_VALIDATION_FAILED;
}
