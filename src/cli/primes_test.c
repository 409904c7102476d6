/*
 * `parkit primes test`: a self-check against values known from number
 * theory (../shared/reference/known-values.md) and against a second,
 * independent algorithm, on this machine with these threads and ranks, in a
 * few seconds: what to run on a cluster node before trusting it with a
 * long job.  Each check says ok or FAIL with what it got and what it
 * expected; any FAIL exits 1.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/primes_cli.h"
#include "core/clock.h"
#include "parkit/comm.h"
#include "parkit/primality.h"
#include "parkit/status.h"

typedef struct self_test {
    int checks, failed;
    bool quiet;
} self_test;

/* Says how one check went (rank 0 prints; every rank counts alike). */
static void verdict(self_test *t, const char *what, uint64_t got, uint64_t want, int status, double seconds)
{
    t->checks++;
    const bool good = status == PK_OK && got == want;
    t->failed += !good;
    if (pk_comm_rank() != 0 || (t->quiet && good))
        return;
    if (status != PK_OK)
        printf("FAIL %-44s %s\n", what, pk_strerror(status));
    else if (good)
        printf("ok   %-44s %" PRIu64 " (%.3f s)\n", what, got, seconds);
    else
        printf("FAIL %-44s got %" PRIu64 ", expected %" PRIu64 "\n", what, got, want);
}

static void count_check(self_test *t, const pk_primes_options *options, const char *what, uint64_t lo, uint64_t hi,
                        pk_primes_pattern pattern, uint64_t want)
{
    const double start = pk_clock_seconds();
    uint64_t got = 0;
    int status = pk_primes_count(options, lo, hi, pattern, &got, NULL);
    verdict(t, what, got, want, status, pk_clock_seconds() - start);
}

/* Primes in [LO, HI] one number at a time (Miller-Rabin): the sieve's
 * count must agree with it. */
static uint64_t count_one_by_one(uint64_t lo, uint64_t hi)
{
    uint64_t n = 0;
    for (uint64_t x = lo;; x++) {
        n += pk_is_prime_u64(x);
        if (x == hi)
            return n;
    }
}

int primes_run_test(cli_job *cli, pk_primes_options *options)
{
    if (cli->spec.nargs > 0) {
        cli_error(cli->what, "unexpected argument '%s' (parkit primes test takes options only)", cli->spec.args[0]);
        return PK_EXIT_USAGE;
    }
    self_test t = {.quiet = cli->spec.quiet};
    const double start = pk_clock_seconds();
    static const uint64_t pi[] = {4, 25, 168, 1229, 9592, 78498, 664579, 5761455, 50847534};
    uint64_t x = 1;
    for (int k = 1; k <= 9 && !cli_signal_received(); k++) {
        x *= 10;
        char what[32];
        snprintf(what, sizeof what, "pi(1e%d)", k);
        count_check(&t, options, what, 0, x, PK_PATTERN_PRIMES, pi[k - 1]);
    }
    count_check(&t, options, "primes in [1e12, 1e12+1e9]", 1000000000000u, 1001000000000u, PK_PATTERN_PRIMES,
                36190991);
    count_check(&t, options, "twin primes <= 1e8", 0, 100000000, PK_PATTERN_TWINS, 440312);
    count_check(&t, options, "prime triplets <= 1e8", 0, 100000000, PK_PATTERN_TRIPLETS, 111156);
    count_check(&t, options, "prime quadruplets <= 1e8", 0, 100000000, PK_PATTERN_QUADRUPLETS, 4768);

    /* The other algorithm: trial division counts what the sieve counts. */
    pk_primes_options trial = *options;
    trial.algo = PK_ALGO_TRIAL;
    count_check(&t, &trial, "pi(1e6) by trial division", 0, 1000000, PK_PATTERN_PRIMES, 78498);

    /* The n-th prime: the largest below 1e8 is the 5761455th. */
    double begun = pk_clock_seconds();
    uint64_t prime = 0;
    int status = pk_primes_nth(options, 5761455, &prime, NULL);
    verdict(&t, "the 5761455th prime", prime, 99999989, status, pk_clock_seconds() - begun);

    /* High up, the sieve against Miller-Rabin one number at a time. */
    static const uint64_t windows[][2] = {
        {1000000000000000u, 1000000000200000u},
        {1000000000000000000u, 1000000000000200000u},
    };
    for (size_t w = 0; w < sizeof windows / sizeof windows[0]; w++) {
        begun = pk_clock_seconds();
        uint64_t sieved = 0;
        status = pk_primes_count(options, windows[w][0], windows[w][1], PK_PATTERN_PRIMES, &sieved, NULL);
        char what[64];
        snprintf(what, sizeof what, "sieve = Miller-Rabin on [1e%d, +2e5]", w == 0 ? 15 : 18);
        verdict(&t, what, sieved, count_one_by_one(windows[w][0], windows[w][1]), status, pk_clock_seconds() - begun);
    }

    /* Primality at the edges: 0, 1, 2, the largest prime below 2^64, and
     * composites that fool weaker tests (strong pseudoprimes, Carmichael numbers). */
    static const struct {
        uint64_t n;
        bool prime;
    } edges[] = {
        {0, false}, {1, false}, {2, true}, {3, true}, {4, false}, {18446744073709551557u, true},
        {18446744073709551615u, false}, {2047, false}, {3277, false}, {4033, false}, {4681, false},
        {8321, false}, {3215031751u, false}, {561, false}, {1105, false}, {1729, false}, {2465, false},
        {2821, false}, {6601, false}, {2305843009213693951u, true}, {4294967291u, true},
    };
    int wrong = 0;
    for (size_t i = 0; i < sizeof edges / sizeof edges[0]; i++)
        wrong += pk_is_prime_u64(edges[i].n) != edges[i].prime;
    verdict(&t, "primality of 21 edge cases (wrong answers)", (uint64_t)wrong, 0, PK_OK, 0);

    if (cli_signal_received())
        return cli_job_failed(cli, PK_ECANCELED);
    const double seconds = pk_clock_seconds() - start;
    if (pk_comm_rank() == 0) {
        if (cli->spec.json)
            printf("{\"command\":\"primes test\",\"checks\":%d,\"failed\":%d,\"seconds\":%.3f,\"threads\":%d,"
                   "\"ranks\":%d}\n",
                   t.checks, t.failed, seconds, cli->threads.threads, pk_comm_size());
        else
            printf("primes test: %d of %d checks passed in %.1f s (%d thread%s x %d rank%s)\n", t.checks - t.failed,
                   t.checks, seconds, cli->threads.threads, cli->threads.threads == 1 ? "" : "s", pk_comm_size(),
                   pk_comm_size() == 1 ? "" : "s");
    }
    if (t.failed > 0) {
        cli_error(cli->what, "%d of %d checks FAILED: do not trust this machine's answers", t.failed, t.checks);
        return PK_EXIT_FAILURE;
    }
    return PK_EXIT_OK;
}
