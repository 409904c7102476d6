/*
 * Segmented sieve of Eratosthenes on a modulo-30 wheel.
 *
 * Why it is shaped like this:
 * - Multiples of 2, 3 and 5 are never stored (wheel.h), so a 32 KiB segment
 *   covers 983,040 numbers and stays in the L1 cache while it is sieved.
 * - For a sieving prime p = 30q + r, the multiples p*m with m coprime to 30
 *   fall into eight arithmetic progressions of stride p bytes, each always on
 *   the same bit.  One "round" (m from 30t to 30t+29) clears eight bits at
 *   byte offsets q*w_j + (r*w_j)/30 from byte p*t.  The inner loop clears a
 *   whole round at a time with no division, no shift and no branch.
 * - Multiples of 7, 11, 13, 17 and 19 are removed by copying a precomputed
 *   pattern (period 7*11*13*17*19 bytes) instead of being sieved.
 * - Primes with p >= segment bytes hit a segment a few times at most; walking
 *   all of them for every segment would cost more than sieving.  They wait in
 *   buckets, one per future segment, and each is touched only when it hits
 *   (the bucket sieve of Oliveira e Silva).
 */
#include <math.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "kernels/primes/sieve.h"
#include "kernels/primes/wheel.h"
#include "parkit/status.h"

enum {
    DEFAULT_SEGMENT_BYTES = 32 * 1024,
    PRESIEVE_PERIOD = 7 * 11 * 13 * 17 * 19, /* bytes */
    FIRST_SIEVED_PRIME = 23,                 /* smaller ones are presieved */
    BUCKET_BLOCK_ENTRIES = 126,              /* a block is 1 KiB */
};

/* (r * w_j) / 30 and the bit of (r * w_j) % 30, for r = residue[ri]. */
static uint8_t wheel_carry[8][8];
static uint8_t wheel_clear_mask[8][8];
/* off_{j+1} - off_j = q * gap[j] + carry_step[ri][j]; off_8 is the next round's off_0. */
static uint8_t wheel_gap[8];
static uint8_t wheel_carry_step[8][8];
/* Smallest d >= 0 such that (x + d) is coprime to 30, indexed by x % 30. */
static uint8_t next_coprime_gap[30];
static uint8_t presieve_pattern[PRESIEVE_PERIOD];
static pthread_once_t tables_once = PTHREAD_ONCE_INIT;

static void build_tables(void)
{
    for (int ri = 0; ri < 8; ri++) {
        unsigned r = pk_wheel_residue[ri];
        for (int j = 0; j < 8; j++) {
            unsigned product = r * pk_wheel_residue[j];
            wheel_carry[ri][j] = (uint8_t)(product / 30);
            wheel_clear_mask[ri][j] = (uint8_t)~(1u << pk_wheel_bit[product % 30]);
        }
        for (int j = 0; j < 7; j++)
            wheel_carry_step[ri][j] = (uint8_t)(wheel_carry[ri][j + 1] - wheel_carry[ri][j]);
        /* off_8 - off_7 = p + off_0 - off_7 = 2q + r + carry_0 - carry_7. */
        wheel_carry_step[ri][7] = (uint8_t)(r + wheel_carry[ri][0] - wheel_carry[ri][7]);
    }
    for (int j = 0; j < 7; j++)
        wheel_gap[j] = (uint8_t)(pk_wheel_residue[j + 1] - pk_wheel_residue[j]);
    wheel_gap[7] = 2; /* 29 -> 31 */
    for (int x = 0; x < 30; x++) {
        int d = 0;
        while (pk_wheel_bit[(x + d) % 30] < 0)
            d++;
        next_coprime_gap[x] = (uint8_t)d;
    }
    /* Cross the odd multiples of each presieved prime over one period. */
    static const unsigned presieve_primes[] = {7, 11, 13, 17, 19};
    memset(presieve_pattern, 0xFF, sizeof presieve_pattern);
    for (size_t i = 0; i < sizeof presieve_primes / sizeof presieve_primes[0]; i++) {
        const uint32_t p = presieve_primes[i];
        uint32_t residue = p % 30;
        for (uint32_t n = p; n < 30u * PRESIEVE_PERIOD; n += 2 * p) {
            int bit = pk_wheel_bit[residue];
            if (bit >= 0)
                presieve_pattern[n / 30] &= (uint8_t)~(1u << bit);
            residue = (residue + 2 * p) % 30;
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

int pk_prime_table_alloc(pk_prime_table *table, uint64_t limit)
{
    pthread_once(&tables_once, build_tables);
    table->limit = limit;
    table->nbytes = limit / 30 + 1;
    table->bytes = calloc(table->nbytes, 1);
    return table->bytes != NULL ? PK_OK : PK_ENOMEM;
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

/* A prime whose rounds fit in a segment; round_base is the byte of its
 * current round relative to the next segment to sieve (may be negative when
 * the round started in the previous segment). */
typedef struct small_prime {
    uint32_t prime;
    uint8_t residue_index;
    uint8_t wheel_index;
    int64_t round_base;
} small_prime;

/* A large prime waiting for the segment of its bucket.
 * prime_code = q << 3 | residue index; position = byte offset << 3 | j. */
typedef struct bucket_entry {
    uint32_t prime_code;
    uint32_t position;
} bucket_entry;

typedef struct bucket_block {
    struct bucket_block *next;
    uint32_t count;
    bucket_entry entries[BUCKET_BLOCK_ENTRIES];
} bucket_block;

struct pk_sieve {
    const pk_prime_table *table;
    uint8_t *segment;
    size_t segment_bytes;
    unsigned segment_shift; /* log2(segment_bytes) */
    small_prime *small;
    size_t small_count, small_capacity;
    bucket_block **buckets; /* one list per segment of the current unit */
    size_t bucket_capacity;
    bucket_block *free_blocks;
};

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
    while ((1u << sieve->segment_shift) < segment_bytes)
        sieve->segment_shift++;
    sieve->segment = malloc(segment_bytes);
    if (sieve->segment == NULL) {
        free(sieve);
        return NULL;
    }
    return sieve;
}

static void free_block_list(bucket_block *block)
{
    while (block != NULL) {
        bucket_block *next = block->next;
        free(block);
        block = next;
    }
}

void pk_sieve_destroy(pk_sieve *sieve)
{
    if (sieve == NULL)
        return;
    for (size_t i = 0; i < sieve->bucket_capacity; i++)
        free_block_list(sieve->buckets[i]);
    free_block_list(sieve->free_blocks);
    free(sieve->buckets);
    free(sieve->small);
    free(sieve->segment);
    free(sieve);
}

size_t pk_sieve_segment_bytes(const pk_sieve *sieve)
{
    return sieve->segment_bytes;
}

static bool bucket_push(pk_sieve *sieve, uint64_t segment_index, uint32_t prime_code, uint32_t position)
{
    bucket_block **head = &sieve->buckets[segment_index];
    bucket_block *block = *head;
    if (block == NULL || block->count == BUCKET_BLOCK_ENTRIES) {
        bucket_block *fresh = sieve->free_blocks;
        if (fresh != NULL)
            sieve->free_blocks = fresh->next;
        else if ((fresh = malloc(sizeof *fresh)) == NULL)
            return false;
        fresh->count = 0;
        fresh->next = block;
        *head = block = fresh;
    }
    block->entries[block->count++] = (bucket_entry){prime_code, position};
    return true;
}

static bool small_push(pk_sieve *sieve, small_prime prime)
{
    if (sieve->small_count == sieve->small_capacity) {
        size_t capacity = sieve->small_capacity ? 2 * sieve->small_capacity : 1024;
        small_prime *grown = realloc(sieve->small, capacity * sizeof *grown);
        if (grown == NULL)
            return false;
        sieve->small = grown;
        sieve->small_capacity = capacity;
    }
    sieve->small[sieve->small_count++] = prime;
    return true;
}

/* Compile-time forms of the wheel tables, so that the unrolled loop below
 * gets its eight bit masks as immediates instead of spilling them. */
#define WHEEL_RESIDUE(i)                                                                              \
    ((i) == 0 ? 1 : (i) == 1 ? 7 : (i) == 2 ? 11 : (i) == 3 ? 13 : (i) == 4 ? 17 : (i) == 5 ? 19 \
                  : (i) == 6 ? 23 : 29)
#define WHEEL_BIT_OF(r) \
    ((r) == 1 ? 0 : (r) == 7 ? 1 : (r) == 11 ? 2 : (r) == 13 ? 3 : (r) == 17 ? 4 : (r) == 19 ? 5 : (r) == 23 ? 6 : 7)
#define ROUND_CARRY(ri, j) ((WHEEL_RESIDUE(ri) * WHEEL_RESIDUE(j)) / 30)
#define ROUND_MASK(ri, j) ((uint8_t) ~(1u << WHEEL_BIT_OF((WHEEL_RESIDUE(ri) * WHEEL_RESIDUE(j)) % 30)))

/* Clears whole rounds (eight multiples each) while the round's last hit is
 * inside the segment; returns the first round base not done. */
static inline __attribute__((always_inline)) int64_t cross_full_rounds(uint8_t *segment, int64_t b, int64_t len,
                                                                        int64_t p, int64_t q, const int ri)
{
    const int64_t o0 = q * 1 + ROUND_CARRY(ri, 0), o1 = q * 7 + ROUND_CARRY(ri, 1);
    const int64_t o2 = q * 11 + ROUND_CARRY(ri, 2), o3 = q * 13 + ROUND_CARRY(ri, 3);
    const int64_t o4 = q * 17 + ROUND_CARRY(ri, 4), o5 = q * 19 + ROUND_CARRY(ri, 5);
    const int64_t o6 = q * 23 + ROUND_CARRY(ri, 6), o7 = q * 29 + ROUND_CARRY(ri, 7);
    for (const int64_t last = len - o7; b < last; b += p) {
        uint8_t *s = segment + b;
        s[o0] &= ROUND_MASK(ri, 0);
        s[o1] &= ROUND_MASK(ri, 1);
        s[o2] &= ROUND_MASK(ri, 2);
        s[o3] &= ROUND_MASK(ri, 3);
        s[o4] &= ROUND_MASK(ri, 4);
        s[o5] &= ROUND_MASK(ri, 5);
        s[o6] &= ROUND_MASK(ri, 6);
        s[o7] &= ROUND_MASK(ri, 7);
    }
    return b;
}

/* Clears the multiples of one small prime in segment[0, len). */
static void cross_small_prime(uint8_t *segment, int64_t len, small_prime *sp)
{
    const int64_t p = sp->prime;
    const int64_t q = p / 30;
    const uint8_t *carry = wheel_carry[sp->residue_index];
    const uint8_t *mask = wheel_clear_mask[sp->residue_index];
    int64_t off[8];
    for (int j = 0; j < 8; j++)
        off[j] = q * pk_wheel_residue[j] + carry[j];

    int64_t b = sp->round_base;
    int j = sp->wheel_index;
    if (j != 0) { /* finish the round begun in the previous segment */
        for (; j < 8; j++) {
            if (b + off[j] >= len)
                goto save;
            segment[b + off[j]] &= mask[j];
        }
        b += p;
        j = 0;
    }
    switch (sp->residue_index) {
    case 0: b = cross_full_rounds(segment, b, len, p, q, 0); break;
    case 1: b = cross_full_rounds(segment, b, len, p, q, 1); break;
    case 2: b = cross_full_rounds(segment, b, len, p, q, 2); break;
    case 3: b = cross_full_rounds(segment, b, len, p, q, 3); break;
    case 4: b = cross_full_rounds(segment, b, len, p, q, 4); break;
    case 5: b = cross_full_rounds(segment, b, len, p, q, 5); break;
    case 6: b = cross_full_rounds(segment, b, len, p, q, 6); break;
    default: b = cross_full_rounds(segment, b, len, p, q, 7); break;
    }
    for (; b + off[j] < len; j++) /* the round that runs past the segment */
        segment[b + off[j]] &= mask[j];
save:
    sp->round_base = b - len;
    sp->wheel_index = (uint8_t)j;
}

/* Crosses the large primes due in this segment and files each one under the
 * segment of its next multiple (dropped once that lies past the unit). */
static bool cross_bucket(pk_sieve *sieve, uint64_t segment_index, uint64_t segment_count, uint8_t *segment,
                         uint32_t len)
{
    bucket_block *block = sieve->buckets[segment_index];
    sieve->buckets[segment_index] = NULL;
    const unsigned shift = sieve->segment_shift;
    const uint64_t offset_mask = sieve->segment_bytes - 1;
    while (block != NULL) {
        for (uint32_t i = 0; i < block->count; i++) {
            uint32_t code = block->entries[i].prime_code;
            uint32_t ri = code & 7;
            uint64_t q = code >> 3;
            uint64_t offset = block->entries[i].position >> 3;
            unsigned j = block->entries[i].position & 7;
            while (offset < len) {
                segment[offset] &= wheel_clear_mask[ri][j];
                offset += q * wheel_gap[j] + wheel_carry_step[ri][j];
                j = (j + 1) & 7;
            }
            uint64_t target = segment_index + (offset >> shift);
            if (target < segment_count &&
                !bucket_push(sieve, target, code, (uint32_t)(((offset & offset_mask) << 3) | j)))
                return false;
        }
        bucket_block *next = block->next;
        block->next = sieve->free_blocks;
        sieve->free_blocks = block;
        block = next;
    }
    return true;
}

static void presieve(uint8_t *segment, uint64_t first_byte, size_t len)
{
    size_t phase = (size_t)(first_byte % PRESIEVE_PERIOD);
    size_t done = 0;
    while (done < len) {
        size_t chunk = PRESIEVE_PERIOD - phase;
        if (chunk > len - done)
            chunk = len - done;
        memcpy(segment + done, presieve_pattern + phase, chunk);
        done += chunk;
        phase = 0;
    }
    if (first_byte == 0)
        segment[0] = 0xFE; /* 1 is not prime; 7..29 are */
}

/* Finds the first multiple p*m >= max(p*p, 30*first_byte) with m coprime to
 * 30, as the byte of its round (p*t) and its wheel index j. */
static void first_multiple(uint64_t p, uint64_t first_byte, uint64_t *round_byte, unsigned *j)
{
    uint64_t low = first_byte * 30;
    uint64_t m = low / p + (low % p != 0);
    if (m < p)
        m = p;
    m += next_coprime_gap[m % 30];
    *round_byte = p * (m / 30);
    *j = (unsigned)pk_wheel_bit[m % 30];
}

static int prepare_unit(pk_sieve *sieve, uint64_t first_byte, uint64_t last_byte, uint64_t sqrt_max,
                        uint64_t segment_count)
{
    if (segment_count > sieve->bucket_capacity) {
        free(sieve->buckets);
        sieve->buckets = calloc(segment_count, sizeof *sieve->buckets);
        if (sieve->buckets == NULL) {
            sieve->bucket_capacity = 0;
            return PK_ENOMEM;
        }
        sieve->bucket_capacity = segment_count;
    }
    sieve->small_count = 0;

    const pk_prime_table *table = sieve->table;
    uint64_t last_table_byte = sqrt_max / 30;
    if (last_table_byte >= table->nbytes)
        last_table_byte = table->nbytes - 1;
    for (uint64_t k = FIRST_SIEVED_PRIME / 30; k <= last_table_byte; k++) {
        unsigned bits = table->bytes[k];
        while (bits != 0) {
            unsigned ri = (unsigned)__builtin_ctz(bits);
            bits &= bits - 1;
            uint64_t p = 30 * k + pk_wheel_residue[ri];
            if (p < FIRST_SIEVED_PRIME)
                continue;
            if (p > sqrt_max)
                return PK_OK;
            uint64_t round_byte;
            unsigned j;
            first_multiple(p, first_byte, &round_byte, &j);
            uint64_t hit = round_byte + (p / 30) * pk_wheel_residue[j] + wheel_carry[ri][j];
            if (hit > last_byte)
                continue;
            if (p < sieve->segment_bytes) {
                small_prime sp = {(uint32_t)p, (uint8_t)ri, (uint8_t)j, (int64_t)round_byte - (int64_t)first_byte};
                if (!small_push(sieve, sp))
                    return PK_ENOMEM;
            } else {
                uint64_t relative = hit - first_byte;
                uint32_t code = (uint32_t)((p / 30) << 3 | ri);
                uint32_t position = (uint32_t)(((relative & (sieve->segment_bytes - 1)) << 3) | j);
                if (!bucket_push(sieve, relative >> sieve->segment_shift, code, position))
                    return PK_ENOMEM;
            }
        }
    }
    return PK_OK;
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
    uint64_t segment_count = ((last_byte - first_byte) >> sieve->segment_shift) + 1;

    int rc = prepare_unit(sieve, first_byte, last_byte, sqrt_max, segment_count);
    for (uint64_t s = 0; rc == PK_OK && s < segment_count; s++) {
        uint64_t segment_first = first_byte + (s << sieve->segment_shift);
        uint64_t remaining = last_byte - segment_first + 1;
        uint32_t len = remaining < sieve->segment_bytes ? (uint32_t)remaining : (uint32_t)sieve->segment_bytes;
        presieve(sieve->segment, segment_first, len);
        for (size_t i = 0; i < sieve->small_count; i++)
            cross_small_prime(sieve->segment, len, &sieve->small[i]);
        if (!cross_bucket(sieve, s, segment_count, sieve->segment, len)) {
            rc = PK_ENOMEM;
            break;
        }
        pk_segment view = {segment_first, sieve->segment, len};
        rc = visit(ctx, &view);
    }
    /* After an early stop, entries may remain in later buckets: recycle them. */
    for (uint64_t s = 0; s < segment_count; s++) {
        bucket_block *block = sieve->buckets[s];
        while (block != NULL) {
            bucket_block *next = block->next;
            block->next = sieve->free_blocks;
            sieve->free_blocks = block;
            block = next;
        }
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
                 pk_segment_visit_fn visit, void *ctx)
{
    if (last_byte < first_byte || last_byte > UINT64_MAX / 30)
        return PK_EINVAL;
    uint64_t segment_first = first_byte;
    for (;;) {
        uint64_t remaining = last_byte - segment_first + 1;
        size_t len = remaining < segment_bytes ? (size_t)remaining : segment_bytes;
        for (size_t i = 0; i < len; i++) {
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
