/*
 * Segmented sieve of Eratosthenes on a modulo-30 wheel.
 *
 * Why it is shaped like this:
 * - Multiples of 2, 3 and 5 are never stored (wheel.h), so a 32 KiB segment
 *   covers 983,040 numbers and stays in the L1 cache while it is sieved.
 * - For a sieving prime p = 30q + r, the multiples p*m with m coprime to 30
 *   fall into eight arithmetic progressions of stride p bytes, each always on
 *   the same bit.  One "round" (m from 30t to 30t+29) clears eight bits at
 *   byte offsets q*w_j + (r*w_j)/30 from byte p*t.
 * - Multiples of 7 to 173 are not sieved at all: sixteen precomputed patterns
 *   (each as many bytes long as the product of a few of those primes) are
 *   AND-ed into the segment.  Below 10^10 those primes would otherwise do
 *   more than a third of all the crossing-off.
 * - The work goes by stripes of 8 or 32 segments (256 KiB, or 1 MiB, L2 per
 *   core, when the sieving primes reach into a bucket tier).  The other
 *   sieving primes are split by how often they hit:
 *   * small primes (a segment holds several of their rounds) are crossed
 *     segment by segment while it is in L1;
 *   * medium primes (they hit a stripe several times) are crossed over the
 *     whole stripe at once, so entering and leaving one costs once a stripe,
 *     not once a segment.
 *   Both tiers keep one list per residue class of p mod 30 and one copy of
 *   the crossing code per class, so the bit masks and wheel steps are
 *   immediates: a prime enters a state machine at its wheel index, clears
 *   whole rounds while they fit, and leaves at its first hit past the end.
 *   * large primes hit a stripe a few times at most; walking all of them for
 *     every stripe would cost more than sieving.  They wait in buckets, one
 *     list per future stripe, and each is touched only when it hits (the
 *     bucket sieve of Oliveira e Silva): one hit per entry, then filed under
 *     the stripe of its next hit.  Buckets are aligned to their size, so a
 *     push needs no counter (bucket_push), and an emptied bucket is reused
 *     first, while it is in cache.
 */
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "kernels/primes/sieve.h"
#include "kernels/primes/wheel.h"
#include "parkit/status.h"

enum {
    DEFAULT_SEGMENT_BYTES = 32 * 1024,
    PRESIEVE_GROUPS = 16,
    PRESIEVE_GROUPS_PER_PASS = 4,
    LAST_PRESIEVED_PRIME = 173,
    FIRST_SIEVED_PRIME = 179,
    PRESIEVED_PRIME_BYTES = LAST_PRESIEVED_PRIME / 30 + 1,
    /* A stripe is this many segments: small primes sieve it one segment at a
     * time in L1, the others all at once in L2.  Narrow stripes (256 KiB)
     * suit ranges whose sieving primes all fit the small and medium tiers;
     * wide ones (1 MiB, L2 per core) those with a bucket tier, where a
     * wider stripe keeps more primes out of the buckets and gives each
     * bucket entry more hits. */
    NARROW_STRIPE_SEGMENTS = 8,
    WIDE_STRIPE_SEGMENTS = 32,
    MAX_STRIPE_BYTES = 1 << 24,
    /* Small primes: p < segment bytes / SMALL_TIER_DIVISOR, so that a segment
     * holds at least four rounds (p bytes each) to amortise entering and
     * leaving the state machine.  Medium: p < MEDIUM_TIER_FACTOR * stripe
     * bytes, so a prime hits a stripe at least four times (it hits 8 of
     * every 30p numbers).  Both chosen by measuring 10^10 and windows at
     * 10^15 and 10^18 (factors 1 to 4 with wide stripes: 2 is best at
     * 10^15 by 8%). */
    SMALL_TIER_DIVISOR = 4,
    MEDIUM_TIER_FACTOR = 2,
    /* A bucket holds BUCKET_BYTES, aligned to its size (see bucket_push);
     * they are allocated FIRST_BUCKET_BATCH at a time, then twice as many
     * each time up to LAST_BUCKET_BATCH. */
    BUCKET_BYTES = 1 << 13,
    FIRST_BUCKET_BATCH = 16,
    LAST_BUCKET_BATCH = 1024,
    HUGE_BUCKETS_FROM = 32 << 20, /* and tables */
    PREPARE_BATCH = 256,
};

/* presieve() ANDs four patterns per pass over the segment. */
_Static_assert(PRESIEVE_GROUPS_PER_PASS == 4 && PRESIEVE_GROUPS % PRESIEVE_GROUPS_PER_PASS == 0,
               "presieve passes take four patterns each");

/* The presieved primes, grouped so that each group's product (its pattern's
 * period in bytes) is 10-110 KB: all sixteen patterns (321 KB) stay in L2,
 * and each is long enough that the AND loop rarely breaks at a wrap. */
static const uint16_t presieve_group_primes[PRESIEVE_GROUPS][4] = {
    {7, 11, 13, 17}, {19, 23, 29}, {31, 37, 41}, {43, 47, 53},
    {59, 173}, {61, 167}, {67, 163}, {71, 157}, {73, 151}, {79, 149}, {83, 139}, {89, 137},
    {97, 131}, {101, 127}, {103, 113}, {107, 109},
};

/* (r * w_j) / 30, for r = residue[ri]. */
static uint8_t wheel_carry[8][8];
/* The wheel index of the first residue >= x, for x in 0..29 (29 is on the
 * wheel, so this never wraps to the next byte). */
static uint8_t wheel_index_from[30];
static const uint8_t *presieve_pattern[PRESIEVE_GROUPS]; /* point into presieve_storage */
static size_t presieve_period[PRESIEVE_GROUPS];
static uint8_t presieve_storage[7 * 11 * 13 * 17 + 19 * 23 * 29 + 31 * 37 * 41 + 43 * 47 * 53 + 59 * 173 +
                                61 * 167 + 67 * 163 + 71 * 157 + 73 * 151 + 79 * 149 + 83 * 139 +
                                89 * 137 + 97 * 131 + 101 * 127 + 103 * 113 + 107 * 109];
/* The bits of the presieved primes themselves, which the patterns clear. */
static uint8_t presieved_prime_bits[PRESIEVED_PRIME_BYTES];
static pthread_once_t tables_once = PTHREAD_ONCE_INIT;

static void build_tables(void)
{
    for (int ri = 0; ri < 8; ri++)
        for (int j = 0; j < 8; j++)
            wheel_carry[ri][j] = (uint8_t)(pk_wheel_residue[ri] * pk_wheel_residue[j] / 30);
    for (int x = 0; x < 30; x++) {
        int r = x;
        while (pk_wheel_bit[r] < 0)
            r++;
        wheel_index_from[x] = (uint8_t)pk_wheel_bit[r];
    }
    /* Each pattern has the odd multiples of its primes crossed over one period. */
    uint8_t *next_pattern = presieve_storage;
    for (int g = 0; g < PRESIEVE_GROUPS; g++) {
        size_t period = 1;
        for (int i = 0; i < 4 && presieve_group_primes[g][i] != 0; i++)
            period *= presieve_group_primes[g][i];
        uint8_t *pattern = next_pattern;
        presieve_pattern[g] = pattern;
        presieve_period[g] = period;
        next_pattern += period;
        memset(pattern, 0xFF, period);
        for (int i = 0; i < 4 && presieve_group_primes[g][i] != 0; i++) {
            const uint32_t p = presieve_group_primes[g][i];
            for (uint32_t n = p; n < 30 * period; n += 2 * p) {
                int bit = pk_wheel_bit[n % 30];
                if (bit >= 0)
                    pattern[n / 30] &= (uint8_t)~(1u << bit);
            }
            presieved_prime_bits[p / 30] |= (uint8_t)(1u << pk_wheel_bit[p % 30]);
        }
    }
}

uint64_t pk_isqrt(uint64_t n)
{
    uint64_t r = (uint64_t)sqrtl((long double)n);
    while (r > 0 && (r > UINT32_MAX || r * r > n))
        r--;
    while (r < UINT32_MAX && (r + 1) * (r + 1) <= n)
        r++;
    return r;
}

/* ---- the table of sieving primes ---------------------------------------- */

/* Asks for 2 MiB pages over the aligned interior of [START, START + LEN):
 * memory written all at once, whose 4 KiB page faults would cost more. */
static void ask_huge_pages(void *start, size_t len)
{
#ifdef MADV_HUGEPAGE
    const uintptr_t huge = (uintptr_t)2 << 20;
    const uintptr_t first = ((uintptr_t)start + huge - 1) & ~(huge - 1);
    const uintptr_t end = ((uintptr_t)start + len) & ~(huge - 1);
    if (end > first)
        madvise((void *)first, end - first, MADV_HUGEPAGE);
#else
    (void)start;
    (void)len;
#endif
}

int pk_prime_table_alloc(pk_prime_table *table, uint64_t limit)
{
    pthread_once(&tables_once, build_tables);
    table->limit = limit;
    table->nbytes = limit / 30 + 1;
    table->bytes = calloc(table->nbytes, 1);
    if (table->bytes == NULL)
        return PK_ENOMEM;
    /* A large table is written once, all of it (105 MB for a HI of 1e19):
     * 2 MiB pages spare most of its page faults.  A calloc that large is
     * fresh, untouched memory, so its aligned interior can still take them. */
    if (table->nbytes >= HUGE_BUCKETS_FROM)
        ask_huge_pages(table->bytes, table->nbytes);
    return PK_OK;
}

void pk_prime_table_trim(pk_prime_table *table)
{
    table->bytes[table->nbytes - 1] &= pk_wheel_mask_upto((unsigned)(table->limit % 30));
    table->bytes[0] &= 0xFE; /* 1 is not prime */
}

int pk_prime_table_init_small(pk_prime_table *table, uint64_t limit)
{
    if (limit > (UINT64_C(1) << 24))
        return PK_EINVAL;
    int rc = pk_prime_table_alloc(table, limit);
    if (rc != PK_OK)
        return rc;
    memset(table->bytes, 0xFF, table->nbytes);
    for (uint64_t p = 7; p * p <= limit; p++) {
        int bit = pk_wheel_bit[p % 30];
        if (bit < 0 || !(table->bytes[p / 30] & (1u << bit)))
            continue;
        for (uint64_t n = p * p; n <= limit; n += 2 * p) {
            int nbit = pk_wheel_bit[n % 30];
            if (nbit >= 0)
                table->bytes[n / 30] &= (uint8_t)~(1u << nbit);
        }
    }
    pk_prime_table_trim(table);
    return PK_OK;
}

void pk_prime_table_free(pk_prime_table *table)
{
    free(table->bytes);
    table->bytes = NULL;
    table->nbytes = 0;
}

/* ---- per-worker sieve state ---------------------------------------------- */

/* A sieving prime p = 30q + r and where it hits next.  In a tier list,
 * position = byte offset from the current segment (small tier) or stripe
 * (medium tier) << 3 | wheel index j; the residue index is implied by the
 * list.  In a bucket, position = byte offset within the bucket's stripe << 6
 * | wheel state, where the wheel state is residue index << 3 | j. */
typedef struct sieving_prime {
    uint32_t q;
    uint32_t position;
} sieving_prime;

typedef struct prime_list {
    sieving_prime *primes;
    size_t count, capacity;
    /* After a crossing the primes are sorted by the wheel index they enter
     * at next: [sorted_end[j-1], sorted_end[j]) enter at j.  Primes filed
     * since (from sorted_end[7] on) are in any order. */
    size_t sorted_end[8];
} prime_list;

/* A bucket: the header and then entries up to its end, which is the next
 * BUCKET_BYTES-aligned address.  A stripe's list of buckets is known by
 * where its next entry goes (see bucket_push); the buckets behind the
 * newest one are full. */
typedef struct bucket {
    struct bucket *older;
    sieving_prime entries[(BUCKET_BYTES - sizeof(void *)) / sizeof(sieving_prime)];
} bucket;

_Static_assert(sizeof(bucket) == BUCKET_BYTES && sizeof(sieving_prime) == 8 && sizeof(void *) == 8,
               "a bucket's last entry ends at its size's alignment");

enum { BUCKET_ENTRIES = sizeof(((bucket *)0)->entries) / sizeof(sieving_prime) };

struct pk_sieve {
    const pk_prime_table *table;
    uint8_t *stripe;
    size_t segment_bytes, stripe_bytes;
    size_t narrow_stripe_bytes, wide_stripe_bytes; /* the buffer holds a wide one */
    unsigned stripe_shift;      /* log2(stripe_bytes) */
    uint64_t small_tier_limit;  /* primes below it are crossed segment by segment */
    uint64_t medium_tier_limit; /* primes below it (and above the small ones) stripe by stripe */
    prime_list small_tier[8];   /* by residue index */
    prime_list medium_tier[8];
    sieving_prime *sort_scratch; /* sorting a tier list, then swapped with it */
    size_t sort_scratch_capacity;
    sieving_prime **buckets;    /* per stripe of the current unit: where its next entry goes */
    uint64_t *later;            /* bit i: sieving prime i is first due in a later phase */
    size_t later_words;
    size_t bucket_capacity;
    bucket *free_buckets;       /* last in, first out: a bucket just emptied is still in cache */
    void **batches;             /* every bucket lives in one of these allocations */
    size_t batch_count, batch_capacity, next_batch_buckets, bucket_bytes;
    bucket *unused, *unused_end; /* the newest batch's buckets never handed out: never touched */
    const volatile _Atomic int *cancel; /* optional: stop a unit part-way (pk_sieve_watch) */
};

static bool canceled(const pk_sieve *sieve)
{
    return sieve->cancel != NULL && atomic_load(sieve->cancel) != 0;
}

void pk_sieve_watch(pk_sieve *sieve, const volatile _Atomic int *cancel)
{
    sieve->cancel = cancel;
}

pk_sieve *pk_sieve_create(const pk_prime_table *table, size_t segment_bytes)
{
    pthread_once(&tables_once, build_tables);
    if (segment_bytes == 0)
        segment_bytes = DEFAULT_SEGMENT_BYTES;
    if (segment_bytes < 1024 || segment_bytes > (1u << 24) || (segment_bytes & (segment_bytes - 1)) != 0)
        return NULL;
    pk_sieve *sieve = calloc(1, sizeof *sieve);
    if (sieve == NULL)
        return NULL;
    sieve->table = table;
    sieve->segment_bytes = segment_bytes;
    sieve->narrow_stripe_bytes = segment_bytes <= MAX_STRIPE_BYTES / NARROW_STRIPE_SEGMENTS
                                     ? segment_bytes * NARROW_STRIPE_SEGMENTS
                                     : segment_bytes;
    sieve->wide_stripe_bytes = segment_bytes <= MAX_STRIPE_BYTES / WIDE_STRIPE_SEGMENTS
                                   ? segment_bytes * WIDE_STRIPE_SEGMENTS
                                   : sieve->narrow_stripe_bytes;
    sieve->small_tier_limit = segment_bytes / SMALL_TIER_DIVISOR;
    sieve->stripe = malloc(sieve->wide_stripe_bytes);
    if (sieve->stripe == NULL) {
        free(sieve);
        return NULL;
    }
    return sieve;
}

void pk_sieve_destroy(pk_sieve *sieve)
{
    if (sieve == NULL)
        return;
    for (size_t i = 0; i < sieve->batch_count; i++)
        free(sieve->batches[i]);
    free(sieve->batches);
    for (int ri = 0; ri < 8; ri++) {
        free(sieve->small_tier[ri].primes);
        free(sieve->medium_tier[ri].primes);
    }
    free(sieve->buckets);
    free(sieve->later);
    free(sieve->sort_scratch);
    free(sieve->stripe);
    free(sieve);
}

size_t pk_sieve_segment_bytes(const pk_sieve *sieve)
{
    return sieve->segment_bytes;
}

/* Sieves by wide stripes when the largest sieving prime (SQRT_MAX) reaches
 * past their medium tier, so that they have a bucket tier, else by narrow. */
static void choose_stripe(pk_sieve *sieve, uint64_t sqrt_max)
{
    size_t wide = sieve->wide_stripe_bytes;
    sieve->stripe_bytes = sqrt_max >= (uint64_t)MEDIUM_TIER_FACTOR * wide ? wide : sieve->narrow_stripe_bytes;
    sieve->stripe_shift = 0;
    while (((size_t)1 << sieve->stripe_shift) < sieve->stripe_bytes)
        sieve->stripe_shift++;
    sieve->medium_tier_limit = (uint64_t)MEDIUM_TIER_FACTOR * sieve->stripe_bytes;
}

/* The bucket whose entries end at END (one past its newest entry). */
static inline bucket *bucket_of(const sieving_prime *end)
{
    return (bucket *)(((uintptr_t)end - 1) & ~(uintptr_t)(BUCKET_BYTES - 1));
}

/* Allocates a new batch of buckets; false when out of memory.  Batches grow,
 * so a small unit takes little memory and a large one few allocations; they
 * are handed out in address order as needed, so pages never used are never
 * written and never resident. */
static bool add_bucket_batch(pk_sieve *sieve)
{
    if (sieve->batch_count == sieve->batch_capacity) {
        size_t capacity = sieve->batch_capacity ? 2 * sieve->batch_capacity : 16;
        void **grown = realloc(sieve->batches, capacity * sizeof *grown);
        if (grown == NULL)
            return false;
        sieve->batches = grown;
        sieve->batch_capacity = capacity;
    }
    size_t count = sieve->next_batch_buckets ? sieve->next_batch_buckets : FIRST_BUCKET_BATCH;
    bucket *batch = aligned_alloc(BUCKET_BYTES, count * sizeof *batch);
    if (batch == NULL)
        return false;
    /* Filing 10^7 primes and more writes that many fresh pages at once (the
     * page faults cost [1e18, 1e18+1e9] 12%): past HUGE_BUCKETS_FROM bytes
     * of buckets, ask for 2 MiB pages.  Below it, where small pages keep
     * the peak RSS lower, they are not worth it. */
    if (sieve->bucket_bytes >= HUGE_BUCKETS_FROM)
        ask_huge_pages(batch, count * sizeof *batch);
    sieve->bucket_bytes += count * sizeof *batch;
    sieve->batches[sieve->batch_count++] = batch;
    sieve->next_batch_buckets = count < LAST_BUCKET_BATCH ? 2 * count : count;
    sieve->unused = batch;
    sieve->unused_end = batch + count;
    return true;
}

/* The slow path of bucket_push: END is NULL (the list is empty) or the end
 * of a full bucket.  Returns the first entry of a new bucket in front of it. */
static __attribute__((noinline)) sieving_prime *bucket_start(pk_sieve *sieve, sieving_prime *end)
{
    bucket *fresh = sieve->free_buckets;
    if (fresh != NULL) {
        sieve->free_buckets = fresh->older;
    } else {
        if (sieve->unused == sieve->unused_end && !add_bucket_batch(sieve))
            return NULL;
        fresh = sieve->unused++;
    }
    fresh->older = end != NULL ? bucket_of(end) : NULL;
    return fresh->entries;
}

/* Puts a list's buckets back on the free list. */
static void bucket_list_recycle(pk_sieve *sieve, sieving_prime *end)
{
    if (end == NULL)
        return;
    bucket *newest = bucket_of(end), *oldest = newest;
    while (oldest->older != NULL)
        oldest = oldest->older;
    oldest->older = sieve->free_buckets;
    sieve->free_buckets = newest;
}

/* Files PRIME in the list of stripe STRIPE_INDEX.  No counter: a bucket is
 * full when the next entry would start at its size's alignment, and an empty
 * list (NULL) passes the same test, so one test takes both to the slow path.
 * buckets is passed in (not read from sieve) so that the caller can keep it
 * in a register: stores into the stripe could alias any field of sieve. */
static inline bool bucket_push(pk_sieve *sieve, sieving_prime **buckets, uint64_t stripe_index,
                               sieving_prime prime)
{
    sieving_prime *slot = buckets[stripe_index];
    if (__builtin_expect(((uintptr_t)slot & (BUCKET_BYTES - 1)) == 0, 0)) {
        slot = bucket_start(sieve, slot);
        if (slot == NULL)
            return false;
    }
    *slot = prime;
    buckets[stripe_index] = slot + 1;
    return true;
}

/* Appends to a tier list; false when out of memory.  The sort scratch grows
 * with the longest list. */
static bool list_push(pk_sieve *sieve, prime_list *list, sieving_prime prime)
{
    if (list->count == list->capacity) {
        size_t capacity = list->capacity ? list->capacity + list->capacity / 4 : 256; /* peak RSS: little slack */
        sieving_prime *grown = realloc(list->primes, capacity * sizeof *grown);
        if (grown == NULL)
            return false;
        list->primes = grown;
        list->capacity = capacity;
        if (capacity > sieve->sort_scratch_capacity) {
            free(sieve->sort_scratch);
            sieve->sort_scratch = malloc(capacity * sizeof *sieve->sort_scratch);
            sieve->sort_scratch_capacity = sieve->sort_scratch != NULL ? capacity : 0;
            if (sieve->sort_scratch == NULL)
                return false;
        }
    }
    list->primes[list->count++] = prime;
    return true;
}

/* The tier list a prime below the medium limit belongs in. */
static prime_list *tier_of(pk_sieve *sieve, uint64_t p, unsigned ri)
{
    return p < sieve->small_tier_limit ? &sieve->small_tier[ri] : &sieve->medium_tier[ri];
}

/* Compile-time forms of the wheel, so that the crossing code below gets its
 * bit masks and steps as immediates instead of loading them from tables. */
#define WHEEL_RESIDUE(i)                                                                              \
    ((i) == 0 ? 1 : (i) == 1 ? 7 : (i) == 2 ? 11 : (i) == 3 ? 13 : (i) == 4 ? 17 : (i) == 5 ? 19 \
                  : (i) == 6 ? 23 : 29)
#define WHEEL_BIT_OF(r) \
    ((r) == 1 ? 0 : (r) == 7 ? 1 : (r) == 11 ? 2 : (r) == 13 ? 3 : (r) == 17 ? 4 : (r) == 19 ? 5 : (r) == 23 ? 6 : 7)
#define ROUND_CARRY(ri, j) ((WHEEL_RESIDUE(ri) * WHEEL_RESIDUE(j)) / 30)
#define ROUND_MASK(ri, j) ((uint8_t) ~(1u << WHEEL_BIT_OF((WHEEL_RESIDUE(ri) * WHEEL_RESIDUE(j)) % 30)))
/* From hit j to hit j+1 the offset grows by q * WHEEL_GAP(j) + CARRY_STEP(ri, j);
 * hit 8 is hit 0 of the next round, p bytes after this round's hit 0. */
#define WHEEL_GAP(j) ((j) == 7 ? 2 : WHEEL_RESIDUE((j) + 1) - WHEEL_RESIDUE(j))
#define CARRY_STEP(ri, j) \
    ((j) == 7 ? WHEEL_RESIDUE(ri) + ROUND_CARRY(ri, 0) - ROUND_CARRY(ri, 7) : ROUND_CARRY(ri, (j) + 1) - ROUND_CARRY(ri, j))
/* Offset of hit j from hit 0 of the same round. */
#define ROUND_OFFSET(q, ri, j) ((q) * (WHEEL_RESIDUE(j) - 1) + ROUND_CARRY(ri, j))

/* The bucket tier's wheel as one table indexed by wheel state (ri << 3 | j). */
typedef struct wheel_step {
    uint8_t clear_mask, gap, carry, next_state;
} wheel_step;

#define WHEEL_STEP(ri, j) {ROUND_MASK(ri, j), WHEEL_GAP(j), CARRY_STEP(ri, j), (ri) * 8 + ((j) + 1) % 8}
#define WHEEL_STEPS_OF(ri)                                                                            \
    WHEEL_STEP(ri, 0), WHEEL_STEP(ri, 1), WHEEL_STEP(ri, 2), WHEEL_STEP(ri, 3), WHEEL_STEP(ri, 4), \
        WHEEL_STEP(ri, 5), WHEEL_STEP(ri, 6), WHEEL_STEP(ri, 7)
static const wheel_step wheel_steps[64] = {
    WHEEL_STEPS_OF(0), WHEEL_STEPS_OF(1), WHEEL_STEPS_OF(2), WHEEL_STEPS_OF(3),
    WHEEL_STEPS_OF(4), WHEEL_STEPS_OF(5), WHEEL_STEPS_OF(6), WHEEL_STEPS_OF(7),
};

/* One state of the segment tier's state machine: stop at the first hit past
 * the segment, else clear it and step to the next one. */
#define CROSS_HIT(ri, j)                                    \
    case j:                                                 \
        if (offset >= len) {                                \
            wheel_index = j;                                \
            goto next_segment;                              \
        }                                                   \
        segment[offset] &= ROUND_MASK(ri, j);               \
        offset += q * WHEEL_GAP(j) + CARRY_STEP(ri, j);

/* Crosses primes[begin, end) of a tier list, all of residue index ri, in
 * segment[0, len) and leaves each at its first hit past it.  ri is a
 * constant after inlining, and so is ENTRY when the primes all enter the
 * state machine at that wheel index (ENTRY < 0: each at its own), so the
 * jump into it is direct and predicted. */
static inline __attribute__((always_inline)) void cross_primes(uint8_t *segment, size_t len, sieving_prime *primes,
                                                               size_t begin, size_t end, const int ri,
                                                               const int entry)
{
    for (size_t i = begin; i < end; i++) {
        const size_t q = primes[i].q;
        const size_t p = 30 * q + WHEEL_RESIDUE(ri);
        size_t offset = primes[i].position >> 3;
        unsigned wheel_index = entry >= 0 ? (unsigned)entry : primes[i].position & 7;
        for (;;) {
            switch (wheel_index) {
                CROSS_HIT(ri, 0) __attribute__((fallthrough));
                CROSS_HIT(ri, 1) __attribute__((fallthrough));
                CROSS_HIT(ri, 2) __attribute__((fallthrough));
                CROSS_HIT(ri, 3) __attribute__((fallthrough));
                CROSS_HIT(ri, 4) __attribute__((fallthrough));
                CROSS_HIT(ri, 5) __attribute__((fallthrough));
                CROSS_HIT(ri, 6) __attribute__((fallthrough));
                CROSS_HIT(ri, 7)
            }
            /* At hit 0 of a round: clear whole rounds while their last hit fits. */
            for (const size_t last_hit = ROUND_OFFSET(q, ri, 7); offset + last_hit < len; offset += p) {
                uint8_t *round = segment + offset;
                round[0] &= ROUND_MASK(ri, 0);
                round[ROUND_OFFSET(q, ri, 1)] &= ROUND_MASK(ri, 1);
                round[ROUND_OFFSET(q, ri, 2)] &= ROUND_MASK(ri, 2);
                round[ROUND_OFFSET(q, ri, 3)] &= ROUND_MASK(ri, 3);
                round[ROUND_OFFSET(q, ri, 4)] &= ROUND_MASK(ri, 4);
                round[ROUND_OFFSET(q, ri, 5)] &= ROUND_MASK(ri, 5);
                round[ROUND_OFFSET(q, ri, 6)] &= ROUND_MASK(ri, 6);
                round[last_hit] &= ROUND_MASK(ri, 7);
            }
            wheel_index = 0;
        }
    next_segment:
        primes[i].position = (uint32_t)((offset - len) << 3 | wheel_index);
    }
}

/* Sorts a tier list by the wheel index its primes enter at next (a counting
 * sort through SCRATCH, which holds at least list->count primes). */
static void sort_by_wheel_index(prime_list *list, sieving_prime *scratch)
{
    size_t start[8] = {0};
    if (list->count == 0) { /* an empty list has no array yet (memcpy's NULL) */
        memset(list->sorted_end, 0, sizeof list->sorted_end);
        return;
    }
    for (size_t i = 0; i < list->count; i++)
        start[list->primes[i].position & 7]++;
    for (size_t j = 0, sum = 0; j < 8; j++) {
        size_t n = start[j];
        start[j] = sum;
        sum += n;
        list->sorted_end[j] = sum;
    }
    for (size_t i = 0; i < list->count; i++)
        scratch[start[list->primes[i].position & 7]++] = list->primes[i];
    memcpy(list->primes, scratch, list->count * sizeof *scratch);
}

/* Crosses one residue class's list, by wheel index of entry, then its
 * unsorted tail, and sorts it for the next crossing. */
static inline __attribute__((always_inline)) void cross_residue_class(uint8_t *segment, size_t len, prime_list *list,
                                                                      sieving_prime *scratch, const int ri)
{
    sieving_prime *primes = list->primes;
    const size_t *sorted_end = list->sorted_end;
    cross_primes(segment, len, primes, 0, sorted_end[0], ri, 0);
    cross_primes(segment, len, primes, sorted_end[0], sorted_end[1], ri, 1);
    cross_primes(segment, len, primes, sorted_end[1], sorted_end[2], ri, 2);
    cross_primes(segment, len, primes, sorted_end[2], sorted_end[3], ri, 3);
    cross_primes(segment, len, primes, sorted_end[3], sorted_end[4], ri, 4);
    cross_primes(segment, len, primes, sorted_end[4], sorted_end[5], ri, 5);
    cross_primes(segment, len, primes, sorted_end[5], sorted_end[6], ri, 6);
    cross_primes(segment, len, primes, sorted_end[6], sorted_end[7], ri, 7);
    cross_primes(segment, len, primes, sorted_end[7], list->count, ri, -1);
    sort_by_wheel_index(list, scratch);
}

static void cross_tier(prime_list tier[8], sieving_prime *scratch, uint8_t *segment, size_t len)
{
    cross_residue_class(segment, len, &tier[0], scratch, 0);
    cross_residue_class(segment, len, &tier[1], scratch, 1);
    cross_residue_class(segment, len, &tier[2], scratch, 2);
    cross_residue_class(segment, len, &tier[3], scratch, 3);
    cross_residue_class(segment, len, &tier[4], scratch, 4);
    cross_residue_class(segment, len, &tier[5], scratch, 5);
    cross_residue_class(segment, len, &tier[6], scratch, 6);
    cross_residue_class(segment, len, &tier[7], scratch, 7);
}

/* Crosses the large primes due in this stripe, one hit per entry, and files
 * each under the stripe of its next hit (dropped once that lies past the
 * unit, UNIT_REMAINING bytes from the stripe's start).  One hit each, with
 * no loop, keeps the branches predictable: a prime that hits this stripe
 * again goes back into this stripe's own list, which is taken again until
 * it stays empty.  A prime of the small or medium tier waits in a bucket
 * only until its first hit; it then crosses the rest of this stripe and
 * joins its tier list. */
static bool cross_bucket(pk_sieve *sieve, uint64_t stripe_index, uint8_t *stripe, size_t len,
                         uint64_t unit_remaining)
{
    sieving_prime **buckets = sieve->buckets;
    const unsigned shift = sieve->stripe_shift;
    const size_t offset_mask = sieve->stripe_bytes - 1;
    const uint64_t medium_tier_q = sieve->medium_tier_limit / 30;
    for (sieving_prime *end; (end = buckets[stripe_index]) != NULL;) {
        buckets[stripe_index] = NULL;
        do {
            bucket *emptied = bucket_of(end);
            for (const sieving_prime *entry = emptied->entries; entry < end; entry++) {
                const size_t q = entry->q;
                size_t offset = entry->position >> 6;
                unsigned state = entry->position & 63;
                const wheel_step step = wheel_steps[state];
                stripe[offset] &= step.clear_mask;
                offset += q * step.gap + step.carry;
                state = step.next_state;
                if (__builtin_expect(q < medium_tier_q, 0)) {
                    for (; offset < len; state = wheel_steps[state].next_state) {
                        stripe[offset] &= wheel_steps[state].clear_mask;
                        offset += q * wheel_steps[state].gap + wheel_steps[state].carry;
                    }
                    unsigned ri = state >> 3;
                    sieving_prime joined = {(uint32_t)q, (uint32_t)((offset - len) << 3 | (state & 7))};
                    if (!list_push(sieve, tier_of(sieve, 30 * q + pk_wheel_residue[ri], ri), joined))
                        return false;
                    continue;
                }
                if (offset >= unit_remaining)
                    continue;
                sieving_prime moved = {(uint32_t)q, (uint32_t)((offset & offset_mask) << 6 | state)};
                if (!bucket_push(sieve, buckets, stripe_index + (offset >> shift), moved))
                    return false;
            }
            bucket *older = emptied->older;
            emptied->older = sieve->free_buckets;
            sieve->free_buckets = emptied;
            end = older != NULL ? older->entries + BUCKET_ENTRIES : NULL;
        } while (end != NULL);
    }
    return true;
}

/* out[i] = a[i] & b[i] & c[i] & d[i] (& out[i] unless first), 16 bytes at a time. */
typedef uint64_t presieve_word __attribute__((vector_size(16)));

static void and_patterns(uint8_t *out, const uint8_t *a, const uint8_t *b, const uint8_t *c, const uint8_t *d,
                         size_t n, bool first)
{
    size_t i = 0;
    for (; i + sizeof(presieve_word) <= n; i += sizeof(presieve_word)) {
        presieve_word wa, wb, wc, wd, w;
        memcpy(&wa, a + i, sizeof wa);
        memcpy(&wb, b + i, sizeof wb);
        memcpy(&wc, c + i, sizeof wc);
        memcpy(&wd, d + i, sizeof wd);
        w = wa & wb & wc & wd;
        if (!first) {
            presieve_word wo;
            memcpy(&wo, out + i, sizeof wo);
            w &= wo;
        }
        memcpy(out + i, &w, sizeof w);
    }
    for (; i < n; i++)
        out[i] = (uint8_t)(a[i] & b[i] & c[i] & d[i] & (first ? 0xFF : out[i]));
}

/* Fills the segment with the AND of the presieve patterns at its phase, then
 * restores the presieved primes themselves and drops 1. */
static void presieve(uint8_t *segment, uint64_t first_byte, size_t len)
{
    for (int pass = 0; pass < PRESIEVE_GROUPS; pass += PRESIEVE_GROUPS_PER_PASS) {
        const uint8_t *const *pattern = &presieve_pattern[pass];
        const size_t *period = &presieve_period[pass];
        size_t phase[PRESIEVE_GROUPS_PER_PASS];
        for (int g = 0; g < PRESIEVE_GROUPS_PER_PASS; g++)
            phase[g] = (size_t)(first_byte % period[g]);
        for (size_t done = 0; done < len;) {
            size_t chunk = len - done;
            for (int g = 0; g < PRESIEVE_GROUPS_PER_PASS; g++)
                if (period[g] - phase[g] < chunk)
                    chunk = period[g] - phase[g];
            and_patterns(segment + done, pattern[0] + phase[0], pattern[1] + phase[1], pattern[2] + phase[2],
                         pattern[3] + phase[3], chunk, pass == 0);
            done += chunk;
            for (int g = 0; g < PRESIEVE_GROUPS_PER_PASS; g++) {
                phase[g] += chunk;
                if (phase[g] == period[g])
                    phase[g] = 0;
            }
        }
    }
    for (uint64_t k = first_byte; k < PRESIEVED_PRIME_BYTES && k - first_byte < len; k++)
        segment[k - first_byte] |= presieved_prime_bits[k];
    if (first_byte == 0)
        segment[0] &= 0xFE; /* 1 is not prime */
}

/* ceil(n / d) for FIRST_SIEVED_PRIME <= d < 2^32, without a 64-bit division
 * (preparing a unit near 2^64 does this for 203 million primes).  The
 * floating-point quotient (53-bit mantissa, n / d < 2^57) is off by a few
 * units at most, by 1 once d > 2^16; the remainder corrects it exactly. */
static inline uint64_t quotient_round_up(uint64_t n, uint64_t d)
{
    uint64_t quotient = (uint64_t)(int64_t)((double)(int64_t)(n >> 1) * 2.0 / (double)d);
    int64_t remainder = (int64_t)(n - quotient * d);
    /* One step each way without a branch (the sign of the error is random),
     * then loops that only the smallest divisors ever enter. */
    int64_t below = -(int64_t)(remainder < 0);
    quotient += (uint64_t)below;
    remainder += below & (int64_t)d;
    int64_t above = -(int64_t)(remainder >= (int64_t)d);
    quotient -= (uint64_t)above;
    remainder -= above & (int64_t)d;
    while (remainder < 0) {
        quotient--;
        remainder += (int64_t)d;
    }
    while (remainder >= (int64_t)d) {
        quotient++;
        remainder -= (int64_t)d;
    }
    return quotient + (remainder != 0);
}

/* The first multiple p*m >= max(p*p, 30*first_byte) with m coprime to 30:
 * returns its byte and sets its wheel index. */
static inline uint64_t first_hit(uint64_t p, unsigned ri, uint64_t first_byte, unsigned *wheel_index)
{
    uint64_t m = quotient_round_up(first_byte * 30, p);
    if (m < p)
        m = p;
    uint64_t round = m / 30;
    unsigned j = wheel_index_from[m - 30 * round];
    *wheel_index = j;
    return p * round + (p / 30) * pk_wheel_residue[j] + wheel_carry[ri][j];
}

/* Makes room for a unit's buckets and empties the tier lists. */
static int reset_unit(pk_sieve *sieve, uint64_t stripe_count)
{
    if (stripe_count > sieve->bucket_capacity) {
        free(sieve->buckets);
        sieve->buckets = calloc(stripe_count, sizeof *sieve->buckets);
        if (sieve->buckets == NULL) {
            sieve->bucket_capacity = 0;
            return PK_ENOMEM;
        }
        sieve->bucket_capacity = stripe_count;
    }
    for (int ri = 0; ri < 8; ri++) {
        sieve->small_tier[ri].count = sieve->medium_tier[ri].count = 0;
        memset(sieve->small_tier[ri].sorted_end, 0, sizeof sieve->small_tier[ri].sorted_end);
        memset(sieve->medium_tier[ri].sorted_end, 0, sizeof sieve->medium_tier[ri].sorted_end);
    }
    return PK_OK;
}

/* Marks sieving prime number `index` (in table order) as due in a later
 * phase; false when out of memory. */
static bool mark_later(pk_sieve *sieve, uint64_t index)
{
    if (index / 64 >= sieve->later_words) {
        size_t words = sieve->later_words ? sieve->later_words : 4096;
        while (words <= index / 64)
            words *= 2;
        uint64_t *grown = realloc(sieve->later, words * sizeof *grown);
        if (grown == NULL)
            return false;
        memset(grown + sieve->later_words, 0, (words - sieve->later_words) * sizeof *grown);
        sieve->later = grown;
        sieve->later_words = words;
    }
    sieve->later[index / 64] |= UINT64_C(1) << (index % 64);
    return true;
}

/* Files every sieving prime whose first hit in the unit [first_byte,
 * last_byte] lies in stripes [phase_first, phase_end): into its tier list
 * when that hit is in stripe phase_first, about to be sieved, else into the
 * bucket of its stripe.  The first phase (phase_first == 0) computes the
 * first hit of every prime and marks those due in later phases; later
 * phases compute only the marked ones. */
static int prepare_phase(pk_sieve *sieve, uint64_t first_byte, uint64_t last_byte, uint64_t sqrt_max,
                         uint64_t phase_first, uint64_t phase_end)
{
    const bool first_phase = phase_first == 0;
    const uint64_t last_relative = last_byte - first_byte;
    if (first_phase && sieve->later_words > 0)
        memset(sieve->later, 0, sieve->later_words * sizeof *sieve->later);
    /* Primes go through in batches: first taken from the table, then their
     * first hits computed in a loop without branches (so the divisions of
     * many primes overlap), then filed, where the branches are. */
    const pk_prime_table *table = sieve->table;
    sieving_prime **buckets = sieve->buckets;
    const size_t stripe_bytes = sieve->stripe_bytes;
    const unsigned shift = sieve->stripe_shift;
    uint64_t last_table_byte = sqrt_max / 30;
    if (last_table_byte >= table->nbytes)
        last_table_byte = table->nbytes - 1;
    if (sqrt_max < FIRST_SIEVED_PRIME)
        return PK_OK;
    /* The table is read eight bytes at a time: bit b of `bits` is bit b % 8
     * of byte word_first + b / 8. */
    uint64_t next_word = 0, word_first = 0, bits = 0;
    uint64_t prime_index = 0;
    uint64_t batch_index[PREPARE_BATCH];
    uint32_t batch_prime[PREPARE_BATCH];
    uint64_t batch_hit[PREPARE_BATCH];
    uint8_t batch_state[PREPARE_BATCH];
    for (bool table_done = false;;) {
        /* Near 2^64 a phase files some 10^8 primes (seconds): look up. */
        if ((prime_index & ((64 * PREPARE_BATCH) - 1)) < PREPARE_BATCH && canceled(sieve))
            return PK_ECANCELED;
        size_t count = 0;
        while (count < PREPARE_BATCH && !table_done) {
            if (bits == 0) {
                if (next_word > last_table_byte) {
                    table_done = true;
                    break;
                }
                const uint8_t *word = table->bytes + next_word;
                if (last_table_byte - next_word >= 7) /* a fixed count: compilers make it one load */
                    for (unsigned i = 0; i < 8; i++)
                        bits |= (uint64_t)word[i] << (8 * i);
                else
                    for (unsigned i = 0; i <= last_table_byte - next_word; i++)
                        bits |= (uint64_t)word[i] << (8 * i);
                word_first = next_word;
                next_word += 8;
                continue;
            }
            /* A later phase skips the primes not marked for it a table word
             * at a time (counting them by popcount), not one by one: near
             * 1e19 it wants one prime in eight.  Past byte 6 every table
             * prime is >= FIRST_SIEVED_PRIME, so each has an index. */
            if (!first_phase && word_first * 30 >= FIRST_SIEVED_PRIME) {
                uint64_t marks = prime_index / 64 < sieve->later_words
                                     ? sieve->later[prime_index / 64] >> (prime_index % 64)
                                     : 0;
                unsigned skip = marks != 0 ? (unsigned)__builtin_ctzll(marks) : 64 - (unsigned)(prime_index % 64);
                if (skip > 0) {
                    unsigned in_word = (unsigned)__builtin_popcountll(bits);
                    if (in_word <= skip) {
                        prime_index += in_word;
                        bits = 0;
                    } else {
                        prime_index += skip;
                        while (skip-- > 0)
                            bits &= bits - 1;
                    }
                    continue;
                }
            }
            unsigned b = (unsigned)__builtin_ctzll(bits);
            bits &= bits - 1;
            uint64_t p = 30 * (word_first + b / 8) + pk_wheel_residue[b % 8];
            if (p > sqrt_max) {
                table_done = true;
            } else if (p >= FIRST_SIEVED_PRIME) {
                uint64_t index = prime_index++;
                if (!first_phase && (index / 64 >= sieve->later_words || !(sieve->later[index / 64] >> (index % 64) & 1)))
                    continue;
                batch_index[count] = index;
                batch_state[count] = (uint8_t)(b % 8);
                batch_prime[count++] = (uint32_t)p;
            }
        }
        for (size_t i = 0; i < count; i++) {
            unsigned ri = batch_state[i], j;
            batch_hit[i] = first_hit(batch_prime[i], ri, first_byte, &j);
            batch_state[i] = (uint8_t)(ri << 3 | j);
        }
        for (size_t i = 0; i < count; i++) {
            uint64_t relative = batch_hit[i] - first_byte;
            if (relative > last_relative)
                continue;
            uint64_t stripe_index = relative >> shift;
            if (stripe_index >= phase_end) {
                if (first_phase && !mark_later(sieve, batch_index[i]))
                    return PK_ENOMEM;
                continue;
            }
            if (stripe_index < phase_first)
                continue;
            uint64_t p = batch_prime[i];
            unsigned ri = batch_state[i] >> 3, j = batch_state[i] & 7;
            if (p < sieve->medium_tier_limit && stripe_index == phase_first) {
                uint32_t position = (uint32_t)((relative & (stripe_bytes - 1)) << 3 | j);
                if (!list_push(sieve, tier_of(sieve, p, ri), (sieving_prime){(uint32_t)(p / 30), position}))
                    return PK_ENOMEM;
            } else {
                uint32_t position = (uint32_t)((relative & (stripe_bytes - 1)) << 6 | batch_state[i]);
                if (!bucket_push(sieve, buckets, stripe_index, (sieving_prime){(uint32_t)(p / 30), position}))
                    return PK_ENOMEM;
            }
        }
        if (table_done)
            return PK_OK;
    }
}

/* Sieves one stripe: presieve and small primes one segment at a time while
 * it is in L1, then the medium and large primes across the whole stripe. */
static bool sieve_stripe(pk_sieve *sieve, uint64_t stripe_index, uint64_t stripe_first, size_t len,
                         uint64_t unit_remaining)
{
    for (size_t done = 0; done < len; done += sieve->segment_bytes) {
        size_t segment_len = len - done < sieve->segment_bytes ? len - done : sieve->segment_bytes;
        presieve(sieve->stripe + done, stripe_first + done, segment_len);
        cross_tier(sieve->small_tier, sieve->sort_scratch, sieve->stripe + done, segment_len);
    }
    cross_tier(sieve->medium_tier, sieve->sort_scratch, sieve->stripe, len);
    return cross_bucket(sieve, stripe_index, sieve->stripe, len, unit_remaining);
}

int pk_sieve_run(pk_sieve *sieve, uint64_t first_byte, uint64_t last_byte,
                 pk_segment_visit_fn visit, void *ctx)
{
    if (last_byte < first_byte || last_byte > UINT64_MAX / 30)
        return PK_EINVAL;
    uint64_t max_number = last_byte >= UINT64_MAX / 30 ? UINT64_MAX : 30 * last_byte + 29;
    uint64_t sqrt_max = pk_isqrt(max_number);
    if (sieve->table->limit < sqrt_max)
        return PK_EINVAL;
    choose_stripe(sieve, sqrt_max);
    uint64_t stripe_count = ((last_byte - first_byte) >> sieve->stripe_shift) + 1;
    /* A bucket entry lives from a prime's first hit in the unit to its last.
     * When the sieving primes outnumber half the unit's bytes (windows near
     * 2^64), many have one hit or none, and filing them all up front would
     * hold an entry for nearly every prime; filing them in two phases, each
     * when its half of the unit comes up, holds far fewer (peak RSS of
     * [2^64-1e10, 2^64-1]: 1.52 -> 1.22 GB, for 4% more time).  The second
     * phase revisits only the primes the first one marked (a bit each).  A
     * third phase would cost more than it saves: each rescans the table. */
    double sieving_primes = sqrt_max > 100 ? (double)sqrt_max / (log((double)sqrt_max) - 1) : 25;
    const double unit_bytes = (double)(last_byte - first_byte + 1);
    uint64_t phases = sieving_primes > unit_bytes / 2 ? 2 : 1;
    uint64_t stripes_per_phase = (stripe_count - 1) / phases + 1;

    int rc = reset_unit(sieve, stripe_count);
    for (uint64_t s = 0; rc == PK_OK && s < stripe_count; s++) {
        if (canceled(sieve)) {
            rc = PK_ECANCELED;
            break;
        }
        if (s % stripes_per_phase == 0) {
            uint64_t phase_end = stripe_count - s < stripes_per_phase ? stripe_count : s + stripes_per_phase;
            rc = prepare_phase(sieve, first_byte, last_byte, sqrt_max, s, phase_end);
            if (rc != PK_OK)
                break;
        }
        uint64_t stripe_first = first_byte + (s << sieve->stripe_shift);
        uint64_t remaining = last_byte - stripe_first + 1;
        size_t len = remaining < sieve->stripe_bytes ? (size_t)remaining : sieve->stripe_bytes;
        if (!sieve_stripe(sieve, s, stripe_first, len, remaining)) {
            rc = PK_ENOMEM;
            break;
        }
        /* Visitors see segments, as documented, whatever the stripe size. */
        for (size_t done = 0; rc == PK_OK && done < len; done += sieve->segment_bytes) {
            size_t segment_len = len - done < sieve->segment_bytes ? len - done : sieve->segment_bytes;
            pk_segment view = {stripe_first + done, sieve->stripe + done, segment_len};
            rc = visit(ctx, &view);
        }
    }
    /* After an early stop, entries may remain in later buckets: recycle them. */
    for (uint64_t s = 0; s < stripe_count; s++) {
        bucket_list_recycle(sieve, sieve->buckets[s]);
        sieve->buckets[s] = NULL;
    }
    return rc;
}

/* ---- the textbook baseline ------------------------------------------------ */

static bool trial_is_prime(uint64_t n)
{
    if (n < 2)
        return false;
    if (n % 2 == 0)
        return n == 2;
    if (n <= UINT32_MAX) {
        uint32_t small = (uint32_t)n;
        for (uint32_t d = 3; (uint64_t)d * d <= small; d += 2)
            if (small % d == 0)
                return false;
        return true;
    }
    for (uint64_t d = 3; d <= n / d; d += 2)
        if (n % d == 0)
            return false;
    return true;
}

int pk_trial_run(uint8_t *scratch, size_t segment_bytes, uint64_t first_byte, uint64_t last_byte,
                 pk_segment_visit_fn visit, void *ctx, const volatile _Atomic int *cancel)
{
    if (last_byte < first_byte || last_byte > UINT64_MAX / 30)
        return PK_EINVAL;
    uint64_t segment_first = first_byte;
    for (;;) {
        uint64_t remaining = last_byte - segment_first + 1;
        size_t len = remaining < segment_bytes ? (size_t)remaining : segment_bytes;
        for (size_t i = 0; i < len; i++) {
            /* A prime near 10^15 alone takes 10^7 divisions. */
            if (cancel != NULL && atomic_load(cancel) != 0)
                return PK_ECANCELED;
            uint64_t k = segment_first + i;
            uint8_t byte = 0;
            for (int j = 0; j < 8; j++) {
                /* 30k + 29 may pass 2^64-1 in the very last byte. */
                if (k == UINT64_MAX / 30 && pk_wheel_residue[j] > UINT64_MAX % 30)
                    break;
                if (trial_is_prime(30 * k + pk_wheel_residue[j]))
                    byte |= (uint8_t)(1u << j);
            }
            scratch[i] = byte;
        }
        pk_segment view = {segment_first, scratch, len};
        int rc = visit(ctx, &view);
        if (rc != 0)
            return rc;
        if (len == remaining)
            return PK_OK;
        segment_first += len;
    }
}
