/*
 * Prime jobs: the plan (which unit covers which wheel bytes), the visitors
 * that turn sieved segments into answers, and the glue to the engine.
 *
 * A unit owns a contiguous run of wheel bytes and is computed start to end
 * by one worker, so nothing about a unit depends on which thread or rank ran
 * it or in what order: that is why every thread count and schedule gives
 * the same answer.  The table of sieving primes is built once per job, in
 * parallel through the same engine, and then shared read-only.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/buffer.h"
#include "core/clock.h"
#include "kernels/primes/sieve.h"
#include "kernels/primes/tuplets.h"
#include "kernels/primes/wheel.h"
#include "parkit/checkpoint.h"
#include "parkit/numexpr.h"
#include "parkit/outfile.h"
#include "parkit/primality.h"
#include "parkit/primes.h"
#include "parkit/primes_settings.h"
#include "parkit/rounds.h"
#include "parkit/status.h"

enum {
    MIN_UNIT_BYTES = 1 << 16,
    COUNT_UNIT_BYTES = 1 << 20,  /* 31 million numbers */
    LIST_UNIT_BYTES = 1 << 17,   /* bounds the text a worker holds (~2 MB near 1e9) */
    TABLE_UNIT_BYTES = 1 << 20,
    SMALL_TABLE_LIMIT = 1 << 22, /* below this a plain sieve is quicker than a job */
    CHECK_UNIT_NUMBERS = 4096,
};

void pk_primes_report_init(pk_primes_report *report)
{
    *report = (pk_primes_report){.run = {.setup_name = "sieving-prime table", .setup_key = "table_seconds"}};
}

/* ---- the plan -------------------------------------------------------------- */

typedef struct range_plan {
    uint64_t lo, hi;
    uint64_t lo_byte, hi_byte;
    uint8_t lo_mask, hi_mask; /* wheel bits inside [lo, hi] in the edge bytes */
    uint64_t unit_bytes;
    uint64_t units;
} range_plan;

static uint64_t round_up_pow2(uint64_t x)
{
    uint64_t p = 1;
    while (p < x && p < (UINT64_C(1) << 62))
        p <<= 1;
    return p;
}

/* Units are large enough that preparing one (finding the first multiple of
 * each of the pi(sqrt(hi)) sieving primes) is small beside sieving it, and there are at
 * least four per thread where that allows, so dynamic schedules have
 * something to balance.  Where it does not (short windows near 2^64, whose
 * sieving primes far outnumber the window's bytes), each thread gets one
 * unit, so every thread pays the preparation once and only once, and a
 * window shorter than sqrt(hi)/5 numbers a thread is shared by fewer. */
static void plan_range(range_plan *plan, uint64_t lo, uint64_t hi, uint64_t preferred_bytes, uint64_t workers,
                       uint64_t override_bytes)
{
    plan->lo = lo;
    plan->hi = hi;
    plan->lo_byte = lo / 30;
    plan->hi_byte = hi / 30;
    plan->lo_mask = pk_wheel_mask_from((unsigned)(lo % 30));
    plan->hi_mask = pk_wheel_mask_upto((unsigned)(hi % 30));
    uint64_t total = plan->hi_byte - plan->lo_byte + 1;
    if (workers < 1)
        workers = 1;
    uint64_t unit = override_bytes;
    if (unit == 0) {
        double sqrt_hi = (double)pk_isqrt(hi);
        uint64_t sieving_primes = sqrt_hi > 100 ? (uint64_t)(sqrt_hi / (log(sqrt_hi) - 1)) : 25;
        /* Preparing a unit costs ~8-12 ns per sieving prime, sieving ~10 ns
         * per byte near 1e15: 64 bytes per sieving prime keep preparation
         * near 1-2%, 16 near 5%.  Units take 64 where the floor of four
         * units per worker allows, else as many as it allows down to 16 (8
         * cost 10% of [1e15, 1e15+1e10] at 1 MiB stripes). */
        uint64_t amortized = round_up_pow2(16 * sieving_primes);
        uint64_t generous = round_up_pow2(64 * sieving_primes);
        /* A listed unit's text is held in memory until it is written: list
         * units stay small, the memory bound matters more than preparation. */
        if (preferred_bytes == LIST_UNIT_BYTES && amortized > 2 * LIST_UNIT_BYTES)
            amortized = generous = 2 * LIST_UNIT_BYTES;
        uint64_t balanced = total / (4 * workers);
        unit = preferred_bytes > generous ? preferred_bytes : generous;
        if (unit > balanced) {
            /* Every unit pays the whole preparation: a unit shorter than
             * sqrt(hi)/5 numbers saves less sieving by running beside
             * another than its preparation costs ([1e19, 1e19+1e9] on 2
             * threads took 1.4x the time of 1), so windows that short get
             * fewer units than workers (counts only: a listed unit's text
             * is held until written). */
            uint64_t parts = workers;
            uint64_t least = (uint64_t)(sqrt_hi / 150);
            if (preferred_bytes != LIST_UNIT_BYTES && least > 0 && total / least < parts)
                parts = total / least > 0 ? total / least : 1;
            unit = amortized <= balanced ? balanced : (total - 1) / parts + 1;
        }
        if (unit < MIN_UNIT_BYTES)
            unit = MIN_UNIT_BYTES;
    }
    plan->unit_bytes = unit;
    plan->units = (total - 1) / unit + 1;
}

/* Everyone who runs units at once: threads, times ranks when distributed. */
static uint64_t workers_of(const pk_primes_options *options)
{
    return pk_engine_workers(&options->engine);
}

/* Trial division is costly per byte and uneven: many small units let
 * dynamic schedules and distributions balance it. */
static uint64_t unit_bytes_for(const pk_primes_options *options)
{
    if (options->unit_bytes != 0 || options->algo != PK_ALGO_TRIAL)
        return options->unit_bytes;
    return 1 << 12;
}

static void unit_bytes_of(const range_plan *plan, uint64_t unit, uint64_t *first, uint64_t *last)
{
    *first = plan->lo_byte + unit * plan->unit_bytes;
    uint64_t span = plan->hi_byte - *first;
    *last = span < plan->unit_bytes - 1 ? plan->hi_byte : *first + plan->unit_bytes - 1;
}

static inline uint8_t masked_byte(const range_plan *plan, uint64_t k, uint8_t byte)
{
    if (k == plan->lo_byte)
        byte &= plan->lo_mask;
    if (k == plan->hi_byte)
        byte &= plan->hi_mask;
    return byte;
}

/* ---- the shared job and the workers -------------------------------------- */

typedef struct primes_job {
    const pk_primes_options *options;
    range_plan plan;
    const pk_prime_table *table;
    pk_primes_pattern pattern;
    const uint8_t *tuplet_table;
    pk_write_fn write; /* list */
    void *write_ctx;
    uint64_t *unit_counts;  /* nth: primes per unit; list to a file: bytes per unit */
} primes_job;

typedef struct primes_worker {
    pk_sieve *sieve;
    uint8_t *trial_scratch;
    char *text; /* list: this unit's lines */
    size_t text_len, text_capacity;
} primes_worker;

static size_t segment_bytes_of(const pk_primes_options *options)
{
    return options->segment_bytes != 0 ? options->segment_bytes : 32 * 1024;
}

static void *primes_worker_create(void *state)
{
    const primes_job *job = state;
    primes_worker *worker = calloc(1, sizeof *worker);
    if (worker == NULL)
        return NULL;
    size_t segment_bytes = segment_bytes_of(job->options);
    if (job->options->algo == PK_ALGO_TRIAL)
        worker->trial_scratch = malloc(segment_bytes);
    else if ((worker->sieve = pk_sieve_create(job->table, segment_bytes)) != NULL)
        pk_sieve_watch(worker->sieve, job->options->engine.cancel);
    if (worker->sieve == NULL && worker->trial_scratch == NULL) {
        free(worker);
        return NULL;
    }
    return worker;
}

static void primes_worker_destroy(void *state, void *opaque)
{
    (void)state;
    primes_worker *worker = opaque;
    pk_sieve_destroy(worker->sieve);
    free(worker->trial_scratch);
    free(worker->text);
    free(worker);
}

/* Produces the segments of wheel bytes [first, last] with the chosen
 * algorithm; a cancel stops it part-way (PK_ECANCELED). */
static int produce_segments(const primes_job *job, primes_worker *worker, uint64_t first, uint64_t last,
                            pk_segment_visit_fn visit, void *ctx)
{
    if (job->options->algo == PK_ALGO_TRIAL)
        return pk_trial_run(worker->trial_scratch, segment_bytes_of(job->options), first, last, visit, ctx,
                            job->options->engine.cancel);
    return pk_sieve_run(worker->sieve, first, last, visit, ctx);
}

/* ---- counting -------------------------------------------------------------- */

/* popcnt when the CPU has it, chosen at load time.  Not under ThreadSanitizer:
 * the resolver runs before the TSan runtime is ready and crashes. */
#ifndef __SANITIZE_THREAD__
__attribute__((target_clones("popcnt", "default")))
#endif
static uint64_t popcount_bytes(const uint8_t *bytes, size_t len)
{
    uint64_t total = 0;
    size_t i = 0;
    for (; i + 8 <= len; i += 8) {
        uint64_t word;
        memcpy(&word, bytes + i, sizeof word);
        total += (uint64_t)__builtin_popcountll(word);
    }
    for (; i < len; i++)
        total += (uint64_t)__builtin_popcount(bytes[i]);
    return total;
}

/* The state of one unit's scan across its segments. */
typedef struct unit_scan {
    const primes_job *job;
    primes_worker *worker;
    uint64_t owned_first, owned_last;
    uint64_t count;
    bool have_pending; /* tuplets: the previous byte, waiting for its successor */
    uint8_t pending;
} unit_scan;

/* Primes among wheel bytes [first, first + len) of a segment, counting only
 * numbers inside [lo, hi] (the edge bytes are masked). */
static uint64_t masked_popcount(const range_plan *plan, const uint8_t *bytes, uint64_t first, size_t len)
{
    uint64_t total = popcount_bytes(bytes, len);
    uint64_t last = first + len - 1;
    if (plan->lo_byte >= first && plan->lo_byte <= last)
        total -= (uint64_t)__builtin_popcount(bytes[plan->lo_byte - first] & (uint8_t)~plan->lo_mask);
    if (plan->hi_byte >= first && plan->hi_byte <= last) {
        uint8_t outside = (uint8_t)~plan->hi_mask;
        if (plan->hi_byte == plan->lo_byte)
            outside &= plan->lo_mask; /* bits below lo were dropped already */
        total -= (uint64_t)__builtin_popcount(bytes[plan->hi_byte - first] & outside);
    }
    return total;
}

static int count_primes_visit(void *ctx, const pk_segment *segment)
{
    unit_scan *scan = ctx;
    scan->count += masked_popcount(&scan->job->plan, segment->bytes, segment->first_byte, segment->len);
    return 0;
}

static int count_tuplets_visit(void *ctx, const pk_segment *segment)
{
    unit_scan *scan = ctx;
    const range_plan *plan = &scan->job->plan;
    const uint8_t *table = scan->job->tuplet_table;
    uint64_t count = 0;
    bool have_pending = scan->have_pending;
    unsigned pending = scan->pending;
    for (size_t i = 0; i < segment->len; i++) {
        uint64_t k = segment->first_byte + i;
        unsigned byte = masked_byte(plan, k, segment->bytes[i]);
        if (have_pending)
            count += table[pending | byte << 8];
        pending = byte;
        have_pending = k <= scan->owned_last;
    }
    scan->count += count;
    scan->have_pending = have_pending;
    scan->pending = (uint8_t)pending;
    return 0;
}

static int count_unit(void *state, void *opaque, uint64_t unit, uint64_t counters[])
{
    const primes_job *job = state;
    unit_scan scan = {.job = job, .worker = opaque};
    unit_bytes_of(&job->plan, unit, &scan.owned_first, &scan.owned_last);
    int rc;
    if (job->pattern == PK_PATTERN_PRIMES) {
        rc = produce_segments(job, scan.worker, scan.owned_first, scan.owned_last, count_primes_visit, &scan);
    } else {
        /* One byte past the unit, so tuplets starting in its last byte are seen. */
        uint64_t last = scan.owned_last < job->plan.hi_byte ? scan.owned_last + 1 : scan.owned_last;
        rc = produce_segments(job, scan.worker, scan.owned_first, last, count_tuplets_visit, &scan);
        if (rc == PK_OK && scan.have_pending) /* the last byte of the range */
            scan.count += job->tuplet_table[scan.pending];
    }
    if (rc != PK_OK)
        return rc;
    counters[0] += scan.count;
    if (job->unit_counts != NULL)
        job->unit_counts[unit] = scan.count;
    return PK_OK;
}

/* ---- listing --------------------------------------------------------------- */

static bool text_reserve(primes_worker *worker, size_t more)
{
    return pk_buffer_reserve(&worker->text, &worker->text_capacity, worker->text_len + more);
}

/* One prime as a text line, or as 8 little-endian bytes (--format binary). */
static void text_append_prime(primes_worker *worker, uint64_t prime, bool binary)
{
    if (binary) {
        for (int i = 0; i < 8; i++)
            worker->text[worker->text_len++] = (char)(prime >> (8 * i));
        return;
    }
    worker->text_len += pk_format_u64(worker->text + worker->text_len, prime);
    worker->text[worker->text_len++] = '\n';
}

static int list_visit(void *ctx, const pk_segment *segment)
{
    unit_scan *scan = ctx;
    const range_plan *plan = &scan->job->plan;
    primes_worker *worker = scan->worker;
    if (!text_reserve(worker, popcount_bytes(segment->bytes, segment->len) * 21))
        return PK_ENOMEM;
    for (size_t i = 0; i < segment->len; i++) {
        uint64_t k = segment->first_byte + i;
        unsigned byte = masked_byte(plan, k, segment->bytes[i]);
        while (byte != 0) {
            unsigned j = (unsigned)__builtin_ctz(byte);
            byte &= byte - 1;
            text_append_prime(worker, 30 * k + pk_wheel_residue[j], scan->job->options->binary_output);
            scan->count++;
        }
    }
    return 0;
}

/* Tuplets: the lines of those starting in each byte (with its successor,
 * as count_tuplets_visit pairs them). */
static int list_tuplets_visit(void *ctx, const pk_segment *segment)
{
    unit_scan *scan = ctx;
    const range_plan *plan = &scan->job->plan;
    const uint8_t *table = scan->job->tuplet_table;
    primes_worker *worker = scan->worker;
    for (size_t i = 0; i < segment->len; i++) {
        uint64_t k = segment->first_byte + i;
        unsigned byte = masked_byte(plan, k, segment->bytes[i]);
        if (scan->have_pending && table[scan->pending | byte << 8] != 0) {
            if (!text_reserve(worker, PK_TUPLETS_TEXT_MAX))
                return PK_ENOMEM;
            worker->text_len += pk_tuplets_text(scan->job->pattern, k - 1, scan->pending | byte << 8,
                                                worker->text + worker->text_len);
            scan->count += table[scan->pending | byte << 8];
        }
        scan->pending = (uint8_t)byte;
        scan->have_pending = k <= scan->owned_last;
    }
    return 0;
}

static int list_tuplets_unit(const primes_job *job, unit_scan *scan, uint64_t unit)
{
    if (unit == 0) { /* the tuplets that start at 3 or 5 */
        uint64_t below;
        if (!text_reserve(scan->worker, PK_TUPLETS_TEXT_MAX))
            return PK_ENOMEM;
        scan->worker->text_len += pk_tuplets_below_7_text(job->pattern, job->plan.lo, job->plan.hi,
                                                          scan->worker->text + scan->worker->text_len, &below);
        scan->count += below;
    }
    /* One byte past the unit, so tuplets starting in its last byte are seen. */
    uint64_t last = scan->owned_last < job->plan.hi_byte ? scan->owned_last + 1 : scan->owned_last;
    int rc = produce_segments(job, scan->worker, scan->owned_first, last, list_tuplets_visit, scan);
    if (rc == PK_OK && scan->have_pending && job->tuplet_table[scan->pending] != 0) { /* the range's last byte */
        if (!text_reserve(scan->worker, PK_TUPLETS_TEXT_MAX))
            return PK_ENOMEM;
        scan->worker->text_len += pk_tuplets_text(job->pattern, job->plan.hi_byte, scan->pending,
                                                  scan->worker->text + scan->worker->text_len);
        scan->count += job->tuplet_table[scan->pending];
    }
    return rc;
}

static int list_unit(void *state, void *opaque, uint64_t unit, uint64_t counters[])
{
    const primes_job *job = state;
    unit_scan scan = {.job = job, .worker = opaque};
    scan.worker->text_len = 0;
    unit_bytes_of(&job->plan, unit, &scan.owned_first, &scan.owned_last);
    if (job->pattern != PK_PATTERN_PRIMES) {
        int rc = list_tuplets_unit(job, &scan, unit);
        if (rc == PK_OK)
            counters[0] += scan.count;
        return rc;
    }
    if (unit == 0) { /* 2, 3 and 5 are not on the wheel */
        static const uint64_t off_wheel[] = {2, 3, 5};
        if (!text_reserve(scan.worker, 3 * 8))
            return PK_ENOMEM;
        for (int i = 0; i < 3; i++) {
            if (off_wheel[i] >= job->plan.lo && off_wheel[i] <= job->plan.hi) {
                text_append_prime(scan.worker, off_wheel[i], job->options->binary_output);
                scan.count++;
            }
        }
    }
    int rc = produce_segments(job, scan.worker, scan.owned_first, scan.owned_last, list_visit, &scan);
    if (rc != PK_OK)
        return rc;
    counters[0] += scan.count;
    return PK_OK;
}

static int list_output(void *state, void *opaque, uint64_t unit, const char **data, size_t *len)
{
    (void)state;
    (void)unit;
    primes_worker *worker = opaque;
    *data = worker->text;
    *len = worker->text_len;
    return PK_OK;
}

/* Trial division costs about sqrt(n) / ln(n) per number; the sieve is flat. */
static double trial_unit_cost(void *state, uint64_t unit)
{
    const primes_job *job = state;
    uint64_t first, last;
    unit_bytes_of(&job->plan, unit, &first, &last);
    double middle = 15.0 * ((double)first + (double)last) + 15;
    return (double)(last - first + 1) * sqrt(middle) / log(middle + 2);
}

/* ---- listing into a file, every unit at its own offset ------------------------ */

static const uint64_t powers_of_ten[20] = {
    UINT64_C(1), UINT64_C(10), UINT64_C(100), UINT64_C(1000), UINT64_C(10000), UINT64_C(100000),
    UINT64_C(1000000), UINT64_C(10000000), UINT64_C(100000000), UINT64_C(1000000000), UINT64_C(10000000000),
    UINT64_C(100000000000), UINT64_C(1000000000000), UINT64_C(10000000000000), UINT64_C(100000000000000),
    UINT64_C(1000000000000000), UINT64_C(10000000000000000), UINT64_C(100000000000000000),
    UINT64_C(1000000000000000000), UINT64_C(10000000000000000000),
};

static unsigned decimal_digits(uint64_t n)
{
    unsigned digits = 1;
    while (digits < 20 && n >= powers_of_ten[digits])
        digits++;
    return digits;
}

/* The size of a segment's lines ("prime\n") without formatting them: runs
 * of bytes whose numbers all have the same number of digits are counted
 * with popcount; only the byte that holds a power of ten goes bit by bit. */
static int text_bytes_visit(void *ctx, const pk_segment *segment)
{
    unit_scan *scan = ctx;
    const range_plan *plan = &scan->job->plan;
    size_t i = 0;
    while (i < segment->len) {
        uint64_t k = segment->first_byte + i;
        unsigned digits = decimal_digits(30 * k + 1);
        /* Bytes up to last_same hold only numbers below 10^digits. */
        uint64_t last_same = digits < 20 && powers_of_ten[digits] >= 30 ? (powers_of_ten[digits] - 30) / 30
                                                                        : UINT64_MAX;
        if (digits < 20 && powers_of_ten[digits] < 30)
            last_same = 0; /* byte 0 mixes 1- and 2-digit numbers */
        if (last_same >= k && !(k == 0 && digits < 2)) {
            uint64_t run_end = segment->first_byte + segment->len - 1;
            if (last_same < run_end)
                run_end = last_same;
            size_t run = (size_t)(run_end - k + 1);
            scan->count += masked_popcount(plan, segment->bytes + i, k, run) * (digits + 1);
            i += run;
            continue;
        }
        unsigned byte = masked_byte(plan, k, segment->bytes[i]);
        while (byte != 0) {
            unsigned j = (unsigned)__builtin_ctz(byte);
            byte &= byte - 1;
            scan->count += decimal_digits(30 * k + pk_wheel_residue[j]) + 1;
        }
        i++;
    }
    return 0;
}

/* Pass 1: how many bytes of text each unit will write. */
static int text_bytes_unit(void *state, void *opaque, uint64_t unit, uint64_t counters[])
{
    const primes_job *job = state;
    unit_scan scan = {.job = job, .worker = opaque};
    unit_bytes_of(&job->plan, unit, &scan.owned_first, &scan.owned_last);
    if (unit == 0)
        for (uint64_t p = 2; p <= 5; p += (p == 2 ? 1 : 2))
            scan.count += (p >= job->plan.lo && p <= job->plan.hi) ? 2 : 0;
    int rc;
    if (job->pattern != PK_PATTERN_PRIMES) {
        /* Tuplets are few: their text is made and measured. */
        uint64_t tuplets[PK_JOB_MAX_COUNTERS] = {0};
        rc = list_unit(state, opaque, unit, tuplets);
        scan.count = scan.worker->text_len;
    } else if (job->options->binary_output) {
        scan.count /= 2; /* the lines of 2, 3, 5 counted above are 2 bytes each */
        rc = produce_segments(job, scan.worker, scan.owned_first, scan.owned_last, count_primes_visit, &scan);
        scan.count *= 8;
    } else {
        rc = produce_segments(job, scan.worker, scan.owned_first, scan.owned_last, text_bytes_visit, &scan);
    }
    if (rc != PK_OK)
        return rc;
    job->unit_counts[unit] = scan.count;
    counters[0] += scan.count;
    return PK_OK;
}

/* ---- the table of sieving primes ------------------------------------------ */

typedef struct table_job {
    const pk_prime_table *base; /* primes up to the square root of the table's limit */
    pk_prime_table *table;
    size_t segment_bytes;
    uint64_t unit_bytes;
    const volatile _Atomic int *cancel;
} table_job;

static void *table_worker_create(void *state)
{
    const table_job *job = state;
    pk_sieve *sieve = pk_sieve_create(job->base, job->segment_bytes);
    if (sieve != NULL)
        pk_sieve_watch(sieve, job->cancel);
    return sieve;
}

static void table_worker_destroy(void *state, void *worker)
{
    (void)state;
    pk_sieve_destroy(worker);
}

static int copy_into_table(void *ctx, const pk_segment *segment)
{
    pk_prime_table *table = ctx;
    memcpy(table->bytes + segment->first_byte, segment->bytes, segment->len);
    return 0;
}

static int table_unit(void *state, void *worker, uint64_t unit, uint64_t counters[])
{
    (void)counters;
    const table_job *job = state;
    uint64_t first = unit * job->unit_bytes;
    uint64_t last = first + job->unit_bytes - 1;
    if (last >= job->table->nbytes)
        last = job->table->nbytes - 1;
    return pk_sieve_run(worker, first, last, copy_into_table, job->table);
}

/* Builds the primes up to `limit`: small tables directly, large ones as a
 * job of their own, sieved in parallel with the primes up to sqrt(limit). */
static int build_table(const pk_primes_options *options, uint64_t limit, pk_prime_table *table)
{
    if (limit <= SMALL_TABLE_LIMIT)
        return pk_prime_table_init_small(table, limit);
    pk_prime_table base;
    int rc = pk_prime_table_init_small(&base, pk_isqrt(limit + 29) + 1);
    if (rc != PK_OK)
        return rc;
    rc = pk_prime_table_alloc(table, limit);
    if (rc == PK_OK) {
        table_job tj = {&base, table, segment_bytes_of(options), TABLE_UNIT_BYTES, options->engine.cancel};
        pk_job job = {
            .units = (table->nbytes - 1) / TABLE_UNIT_BYTES + 1,
            .state = &tj,
            .worker_create = table_worker_create,
            .worker_destroy = table_worker_destroy,
            .run_unit = table_unit,
        };
        /* Every rank builds its own table: ranks share nothing. */
        pk_engine_options local = options->engine;
        local.distributed = false;
        local.write = NULL;
        uint64_t unused[PK_JOB_MAX_COUNTERS];
        rc = pk_engine_run(&local, &job, unused, NULL);
        if (rc == PK_OK)
            pk_prime_table_trim(table);
        else
            pk_prime_table_free(table);
    }
    pk_prime_table_free(&base);
    return rc;
}

/* ---- running a range job ---------------------------------------------------- */

/* The table the plan needs: the primes up to sqrt of the largest number. */
static int build_job_table(primes_job *job, pk_prime_table *table, pk_primes_report *report)
{
    double start = pk_clock_seconds();
    uint64_t max_number = job->plan.hi_byte >= UINT64_MAX / 30 ? UINT64_MAX : 30 * job->plan.hi_byte + 29;
    uint64_t limit = pk_isqrt(max_number);
    int rc = PK_OK;
    if (job->options->algo == PK_ALGO_SIEVE)
        rc = build_table(job->options, limit, table);
    job->table = table;
    if (report != NULL) {
        report->run.setup_seconds += pk_clock_seconds() - start;
        report->sieving_limit = job->options->algo == PK_ALGO_SIEVE ? limit : 0;
    }
    return rc;
}

/* How a run's units give their text, if they do. */
typedef enum unit_text {
    NO_TEXT,
    TEXT_IN_ORDER, /* through job->write, in unit order */
    TEXT_BY_PLACE, /* each unit at its own place: engine->write_at */
} unit_text;

/* The engine's job for the plan's units. */
static pk_job engine_job_of(primes_job *job, int (*run_unit)(void *, void *, uint64_t, uint64_t[]), unit_text text)
{
    return (pk_job){
        .units = job->plan.units,
        .state = job,
        .worker_create = primes_worker_create,
        .worker_destroy = primes_worker_destroy,
        .run_unit = run_unit,
        .unit_output = text != NO_TEXT ? list_output : NULL,
        .unit_cost = job->options->algo == PK_ALGO_TRIAL ? trial_unit_cost : NULL,
        .unit_values = job->unit_counts,
    };
}

/* Runs every planned unit through ENGINE (the job's options, or a copy
 * that says where text goes); counters[0] summed into *total. */
static int run_units(primes_job *job, const pk_engine_options *engine, int (*run_unit)(void *, void *, uint64_t, uint64_t[]),
                     unit_text text, uint64_t *total, pk_primes_report *report)
{
    pk_job engine_job = engine_job_of(job, run_unit, text);
    pk_engine_options options = *engine;
    if (text == TEXT_IN_ORDER) {
        options.write = job->write;
        options.write_ctx = job->write_ctx;
    }
    uint64_t counters[PK_JOB_MAX_COUNTERS];
    pk_engine_stats stats = {0};
    int rc = pk_engine_run(&options, &engine_job, counters, &stats);
    if (rc != PK_OK)
        return rc;
    *total = counters[0];
    pk_run_report_add(report != NULL ? &report->run : NULL, &stats, job->plan.units);
    return PK_OK;
}

/* Builds the table the plan needs (for the sieve) and runs the planned units. */
static int run_range_job(primes_job *job, int (*run_unit)(void *, void *, uint64_t, uint64_t[]), unit_text text,
                         uint64_t *total, pk_primes_report *report)
{
    pk_prime_table table = {0};
    int rc = build_job_table(job, &table, report);
    if (rc == PK_OK)
        rc = run_units(job, &job->options->engine, run_unit, text, total, report);
    pk_prime_table_free(&table);
    job->table = NULL;
    return rc;
}

/* ---- checkpointed runs ----------------------------------------------------------------- */

/* With checkpoints the plan must not depend on how many threads or ranks
 * run it, so a job can resume with other counts: plan for a fixed 64. */
enum { CHECKPOINT_PLAN_WORKERS = 64 };

static uint64_t plan_workers(const pk_primes_options *options)
{
    return options->checkpoint_path != NULL ? CHECKPOINT_PLAN_WORKERS : workers_of(options);
}

/* A unit finds at most one prime (or tuplet) per wheel bit: a checkpoint
 * that says more was damaged or edited. */
static uint64_t unit_result_limit(const void *ctx, uint64_t unit)
{
    const primes_job *job = ctx;
    uint64_t first, last;
    unit_bytes_of(&job->plan, unit, &first, &last);
    return 8 * (last - first + 1);
}

/* What makes two runs the same job: a checkpoint of anything else is refused. */
static void describe_job(const primes_job *job, const char *command, pk_checkpoint *checkpoint)
{
    checkpoint->result_limit = unit_result_limit;
    checkpoint->limit_ctx = job;
    const pk_primes_options *options = job->options;
    snprintf(checkpoint->identity, sizeof checkpoint->identity,
             "command %s\nlo %" PRIu64 "\nhi %" PRIu64 "\npattern %s\nalgo %s\nformat %s\nunit_bytes %" PRIu64
             "\noutput %s\n",
             command, job->plan.lo, job->plan.hi, pk_pattern_name(job->pattern), pk_algo_name(options->algo),
             options->binary_output ? "binary" : "text", job->plan.unit_bytes,
             options->output_path != NULL ? options->output_path : "-");
}

/* The rounds of a checkpointed job, from the options. */
static pk_rounds rounds_of(const pk_primes_options *options)
{
    return (pk_rounds){.path = options->checkpoint_path, .interval = options->checkpoint_interval,
                       .resume = options->resume};
}


/* Runs the units the checkpoint does not have yet (see parkit/rounds.h). */
static int run_checkpointed(primes_job *job, const pk_engine_options *engine,
                            int (*run_unit)(void *, void *, uint64_t, uint64_t[]), unit_text text,
                            pk_checkpoint *checkpoint, pk_rounds *rounds, pk_primes_report *report)
{
    pk_job engine_job = engine_job_of(job, run_unit, text);
    engine_job.unit_values = NULL; /* a unit's result is its counters[0], in the checkpoint */
    pk_engine_stats stats = {0};
    int rc = pk_rounds_run(engine, &engine_job, checkpoint, rounds, &stats);
    pk_run_report_add(report != NULL ? &report->run : NULL, &stats, 0);
    return rc;
}

static int check_range(uint64_t lo, uint64_t hi, pk_primes_pattern pattern)
{
    if (lo > hi || pattern < PK_PATTERN_PRIMES || pattern > PK_PATTERN_SEXTUPLETS)
        return PK_EINVAL;
    return PK_OK;
}

int pk_primes_count(const pk_primes_options *options, uint64_t lo, uint64_t hi, pk_primes_pattern pattern,
                    uint64_t *count, pk_primes_report *report)
{
    int rc = check_range(lo, hi, pattern);
    if (rc != PK_OK)
        return rc;
    primes_job job = {.options = options, .pattern = pattern, .tuplet_table = pk_tuplet_table(pattern)};
    plan_range(&job.plan, lo, hi, COUNT_UNIT_BYTES, plan_workers(options), unit_bytes_for(options));
    uint64_t total = 0;
    if (options->checkpoint_path != NULL) {
        pk_checkpoint checkpoint;
        rc = pk_checkpoint_init(&checkpoint, job.plan.units);
        if (rc != PK_OK)
            return rc;
        describe_job(&job, "count", &checkpoint);
        pk_rounds rounds = rounds_of(options);
        rc = pk_rounds_start(&options->engine, &rounds, &checkpoint);
        pk_prime_table table = {0};
        if (rc == PK_OK)
            rc = build_job_table(&job, &table, report);
        if (rc == PK_OK)
            rc = run_checkpointed(&job, &options->engine, count_unit, NO_TEXT, &checkpoint, &rounds, report);
        pk_prime_table_free(&table);
        for (uint64_t unit = 0; unit < checkpoint.units; unit++)
            total += checkpoint.results[unit];
        pk_rounds_finish(&options->engine, &rounds, rc);
        pk_run_report_rounds(report != NULL ? &report->run : NULL, &rounds, checkpoint.units);
        pk_checkpoint_free(&checkpoint);
    } else {
        rc = run_range_job(&job, count_unit, NO_TEXT, &total, report);
    }
    if (rc != PK_OK)
        return rc;
    if (pattern == PK_PATTERN_PRIMES) {
        for (uint64_t p = 2; p <= 5; p += (p == 2 ? 1 : 2))
            total += p >= lo && p <= hi;
    } else {
        total += pk_tuplets_below_7(pattern, lo, hi);
    }
    *count = total;
    return PK_OK;
}

/* What list lists: primes, unless the options name a tuplet pattern (binary
 * output is for primes alone: 8 bytes a prime). */
static pk_primes_pattern list_pattern(const pk_primes_options *options)
{
    return options->pattern >= PK_PATTERN_TWINS && options->pattern <= PK_PATTERN_SEXTUPLETS && !options->binary_output
               ? options->pattern
               : PK_PATTERN_PRIMES;
}

int pk_primes_list(const pk_primes_options *options, uint64_t lo, uint64_t hi, pk_write_fn write,
                   void *ctx, uint64_t *count, pk_primes_report *report)
{
    const pk_primes_pattern pattern = list_pattern(options);
    int rc = check_range(lo, hi, pattern);
    if (rc != PK_OK)
        return rc;
    primes_job job = {.options = options, .pattern = pattern, .tuplet_table = pk_tuplet_table(pattern),
                      .write = write, .write_ctx = ctx};
    plan_range(&job.plan, lo, hi, LIST_UNIT_BYTES, workers_of(options), unit_bytes_for(options));
    uint64_t total = 0;
    rc = run_range_job(&job, list_unit, TEXT_IN_ORDER, &total, report);
    if (count != NULL)
        *count = total;
    return rc;
}

int pk_primes_list_to_file(const pk_primes_options *options, uint64_t lo, uint64_t hi, int fd, uint64_t *count,
                           uint64_t *bytes, pk_primes_report *report)
{
    const pk_primes_pattern pattern = list_pattern(options);
    int rc = check_range(lo, hi, pattern);
    if (rc != PK_OK)
        return rc;
    primes_job job = {.options = options, .pattern = pattern, .tuplet_table = pk_tuplet_table(pattern)};
    plan_range(&job.plan, lo, hi, LIST_UNIT_BYTES, plan_workers(options), unit_bytes_for(options));
    job.unit_counts = calloc(job.plan.units, sizeof *job.unit_counts);
    const bool checkpointed = options->checkpoint_path != NULL;
    pk_checkpoint checkpoint = {0};
    pk_rounds rounds = rounds_of(options);
    pk_outfile file;
    pk_outfile_init(&file, fd, options->output_path != NULL ? options->output_path : "the output");
    pk_prime_table table = {0};
    uint64_t total_bytes = 0, primes = 0;
    rc = job.unit_counts != NULL ? PK_OK : PK_ENOMEM;
    /* A checkpoint is checked first: the partial file it names is touched
     * only once it is known to be this job's. */
    if (rc == PK_OK && checkpointed && (rc = pk_checkpoint_init(&checkpoint, job.plan.units)) == PK_OK) {
        describe_job(&job, "list", &checkpoint);
        rc = pk_rounds_start(&options->engine, &rounds, &checkpoint);
    }
    if (rc == PK_OK)
        rc = build_job_table(&job, &table, report);
    /* Pass 1: how many bytes each unit writes (every rank gets them all). */
    if (rc == PK_OK)
        rc = run_units(&job, &options->engine, text_bytes_unit, NO_TEXT, &total_bytes, report);
    /* Stopped while sizing: keep (or start) the checkpoint all the same, so
     * a signal always ends in a checkpoint the next run can use. */
    if (rc == PK_ECANCELED && checkpointed)
        rounds.saved_on_stop = pk_rounds_save(&options->engine, &rounds, &checkpoint) == PK_OK;
    if (rc == PK_OK) {
        char why[400] = "";
        rc = pk_outfile_lay_out(&file, job.unit_counts, job.plan.units, checkpointed ? &checkpoint : NULL,
                                options->engine.distributed, why, sizeof why);
        if (rc == PK_EINVAL)
            snprintf(rounds.error, sizeof rounds.error, "cannot resume from %s: %s", options->checkpoint_path, why);
    }
    /* Pass 2: every unit formats its text and writes it at its place. */
    pk_engine_options engine = options->engine;
    engine.write_at = pk_outfile_write_unit;
    engine.write_at_ctx = &file;
    rounds.before_save = pk_outfile_sync;
    rounds.before_save_ctx = &file;
    if (rc == PK_OK && checkpointed) {
        /* Units already in the partial file (says the checkpoint) stay. */
        rc = run_checkpointed(&job, &engine, list_unit, TEXT_BY_PLACE, &checkpoint, &rounds, report);
        for (uint64_t unit = 0; unit < checkpoint.units; unit++)
            primes += checkpoint.results[unit];
        pk_rounds_finish(&options->engine, &rounds, rc);
    } else if (rc == PK_OK) {
        free(job.unit_counts); /* pass 2 counts primes: no values to gather */
        job.unit_counts = NULL;
        rc = run_units(&job, &engine, list_unit, TEXT_BY_PLACE, &primes, report);
    }
    if (checkpointed) {
        pk_run_report_rounds(report != NULL ? &report->run : NULL, &rounds, checkpoint.units);
        pk_checkpoint_free(&checkpoint);
    }
    if (report != NULL)
        report->write_errno = atomic_load(&file.write_errno);
    pk_outfile_free(&file);
    pk_prime_table_free(&table);
    free(job.unit_counts);
    if (rc == PK_OK) {
        *count = primes;
        *bytes = total_bytes;
    }
    return rc;
}

/* ---- the n-th prime ------------------------------------------------------------ */

/* The logarithmic integral li(x), by Ramanujan's series. */
static long double logarithmic_integral(long double x)
{
    const long double gamma = 0.57721566490153286060651209L;
    long double ln_x = logl(x);
    long double sum = 0, term = 1, inner = 0;
    for (int n = 1; n < 400; n++) {
        term *= ln_x / n;
        if ((n - 1) % 2 == 0)
            inner += 1.0L / (2 * ((n - 1) / 2) + 1);
        long double add = ((n % 2) ? 1 : -1) * term / powl(2, n - 1) * inner;
        sum += add;
        if (fabsl(add) < 1e-20L * fabsl(sum))
            break;
    }
    return gamma + logl(ln_x) + sqrtl(x) * sum;
}

/* x with li(x) = n: a close estimate of the n-th prime (li(x) > pi(x) for
 * every x this program can reach, so it falls a little short of p_n). */
static long double inverse_li(long double n)
{
    long double x = n * logl(n);
    for (int i = 0; i < 100; i++) {
        long double next = x - (logarithmic_integral(x) - n) * logl(x);
        if (next < 2)
            next = 2;
        if (fabsl(next - x) < 1)
            return next;
        x = next;
    }
    return x;
}

/* Finds the k-th prime (k >= 1) within the wheel bytes of one unit. */
typedef struct nth_scan {
    const range_plan *plan;
    uint64_t remaining;
    uint64_t found;
} nth_scan;

static int nth_visit(void *ctx, const pk_segment *segment)
{
    nth_scan *scan = ctx;
    for (size_t i = 0; i < segment->len; i++) {
        uint64_t k = segment->first_byte + i;
        unsigned byte = masked_byte(scan->plan, k, segment->bytes[i]);
        unsigned primes = (unsigned)__builtin_popcount(byte);
        if (primes < scan->remaining) {
            scan->remaining -= primes;
            continue;
        }
        while (--scan->remaining > 0)
            byte &= byte - 1;
        scan->found = 30 * k + pk_wheel_residue[__builtin_ctz(byte)];
        return 1; /* stop the sieve */
    }
    return 0;
}

/* Sieves one unit of a counted window again, on this thread, up to its
 * k-th prime. */
static int find_in_unit(primes_job *job, uint64_t unit, uint64_t k, uint64_t *prime)
{
    uint64_t first, last;
    unit_bytes_of(&job->plan, unit, &first, &last);
    uint64_t unit_max = last >= UINT64_MAX / 30 ? UINT64_MAX : 30 * last + 29;
    pk_prime_table table = {0};
    int rc = PK_OK;
    if (job->options->algo == PK_ALGO_SIEVE)
        rc = build_table(job->options, pk_isqrt(unit_max), &table);
    if (rc != PK_OK)
        return rc;
    job->table = &table;
    primes_worker *worker = primes_worker_create(job);
    nth_scan scan = {&job->plan, k, 0};
    rc = worker == NULL ? PK_ENOMEM : produce_segments(job, worker, first, last, nth_visit, &scan);
    if (worker != NULL)
        primes_worker_destroy(job, worker);
    pk_prime_table_free(&table);
    job->table = NULL;
    if (rc != 1) /* nth_visit stops the sieve with 1 once it has the prime */
        return rc == PK_OK ? PK_EINTERNAL : rc;
    *prime = scan.found;
    return PK_OK;
}

int pk_primes_nth(const pk_primes_options *options, uint64_t n, uint64_t *prime, pk_primes_report *report)
{
    return pk_primes_nth_from(options, 0, n, prime, report);
}

int pk_primes_nth_from(const pk_primes_options *options, uint64_t from, uint64_t n, uint64_t *prime,
                       pk_primes_report *report)
{
    static const uint64_t first_primes[] = {2, 3, 5};
    if (n == 0)
        return PK_EINVAL;
    if (n > PK_PRIMES_BELOW_2_64)
        return PK_ERANGE;
    /* 2, 3 and 5 are off the wheel: those from FROM on come first. */
    uint64_t before = 0;
    for (int i = 0; i < 3; i++) {
        if (first_primes[i] < from)
            continue;
        if (++before == n) {
            *prime = first_primes[i];
            return PK_OK;
        }
    }
    /* Count window after window until the n-th prime is inside one; the first
     * window ends just past the estimate, so one is almost always enough. */
    uint64_t lo = from > 7 ? from : 7;
    uint64_t hi;
    if (lo == 7) {
        long double estimate = inverse_li((long double)n);
        long double margin = sqrtl(estimate) * logl(estimate) + 1000;
        hi = estimate + margin >= 18446744073709551615.0L ? UINT64_MAX : (uint64_t)(estimate + margin);
    } else {
        /* From higher up: primes are about 1/ln(x) of the numbers there. */
        long double span = (long double)(n - before) * logl((long double)lo) * 1.2L + (1 << 20);
        hi = span >= (long double)(UINT64_MAX - lo) ? UINT64_MAX : lo + (uint64_t)span;
    }
    for (;;) {
        primes_job job = {.options = options, .pattern = PK_PATTERN_PRIMES};
        plan_range(&job.plan, lo, hi, COUNT_UNIT_BYTES, workers_of(options), unit_bytes_for(options));
        job.unit_counts = calloc(job.plan.units, sizeof *job.unit_counts);
        if (job.unit_counts == NULL)
            return PK_ENOMEM;
        uint64_t total;
        /* Every rank gets every unit's count (engine: unit_values). */
        int rc = run_range_job(&job, count_unit, NO_TEXT, &total, report);
        if (rc == PK_OK && before + total >= n) {
            uint64_t unit = 0;
            while (before + job.unit_counts[unit] < n)
                before += job.unit_counts[unit++];
            free(job.unit_counts);
            return find_in_unit(&job, unit, n - before, prime);
        }
        free(job.unit_counts);
        if (rc != PK_OK)
            return rc;
        if (hi == UINT64_MAX)
            return PK_ERANGE;
        before += total;
        lo = hi + 1;
        uint64_t step = (uint64_t)((long double)(n - before) * logl((long double)hi) * 2) + (1 << 20);
        hi = UINT64_MAX - lo < step ? UINT64_MAX : lo + step;
    }
}

/* ---- checking many numbers ---------------------------------------------------------- */

typedef struct check_job {
    const uint64_t *numbers;
    uint8_t *is_prime;
    size_t count;
} check_job;

static int check_unit(void *state, void *worker, uint64_t unit, uint64_t counters[])
{
    (void)worker;
    const check_job *job = state;
    size_t first = (size_t)unit * CHECK_UNIT_NUMBERS;
    size_t end = first + CHECK_UNIT_NUMBERS < job->count ? first + CHECK_UNIT_NUMBERS : job->count;
    for (size_t i = first; i < end; i++) {
        job->is_prime[i] = pk_is_prime_u64(job->numbers[i]);
        counters[0] += job->is_prime[i];
    }
    return PK_OK;
}

int pk_primes_check(const pk_primes_options *options, const uint64_t *numbers, uint8_t *is_prime, size_t count,
                    pk_primes_report *report)
{
    if (count == 0)
        return PK_OK;
    check_job state = {numbers, is_prime, count};
    pk_job job = {
        .units = (count - 1) / CHECK_UNIT_NUMBERS + 1,
        .state = &state,
        .run_unit = check_unit,
    };
    uint64_t counters[PK_JOB_MAX_COUNTERS];
    pk_engine_stats stats = {0};
    pk_engine_options engine = options->engine;
    engine.distributed = false; /* the numbers are this process's */
    int rc = pk_engine_run(&engine, &job, counters, &stats);
    if (rc == PK_OK && report != NULL)
        pk_run_report_add(&report->run, &stats, job.units);
    return rc;
}
