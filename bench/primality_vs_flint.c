/*
 * Primality throughput: parkit's pk_is_prime_u64 (one thread) and
 * pk_primes_check (the OpenMP engine, all threads) against FLINT's
 * n_is_prime (one thread), on the same numbers, with the verdicts compared.
 * A benchmark only: FLINT is never a runtime dependency of parkit.
 *
 *   primality_vs_flint [count]      (default 10,000,000 numbers per set)
 *
 * Sets: every odd number from 1e18 on, and random odd 64-bit numbers.
 * Prints one line per set: numbers/s for each, and the ratios.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <flint/ulong_extras.h>

#include "parkit/cpus.h"
#include "parkit/primality.h"
#include "parkit/primes.h"

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static uint64_t xorshift(uint64_t *state)
{
    uint64_t x = *state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return *state = x;
}

static int run_set(const char *name, const uint64_t *numbers, size_t count, int threads)
{
    uint8_t *mine = malloc(count), *engine = malloc(count);
    if (mine == NULL || engine == NULL)
        return 1;
    /* Best of three for each, so a moment of noise does not decide. */
    double best_flint = 1e30, best_parkit = 1e30, best_engine = 1e30;
    size_t flint_primes = 0, parkit_primes = 0, engine_primes = 0;
    for (int round = 0; round < 3; round++) {
        double start = now();
        flint_primes = 0;
        for (size_t i = 0; i < count; i++)
            flint_primes += n_is_prime(numbers[i]) != 0;
        double t = now() - start;
        best_flint = t < best_flint ? t : best_flint;

        start = now();
        parkit_primes = 0;
        for (size_t i = 0; i < count; i++)
            parkit_primes += mine[i] = pk_is_prime_u64(numbers[i]);
        t = now() - start;
        best_parkit = t < best_parkit ? t : best_parkit;

        pk_primes_options options = {.engine = {.threads = threads, .schedule = {PK_SCHEDULE_DYNAMIC, 0}}};
        start = now();
        if (pk_primes_check(&options, numbers, engine, count, NULL) != 0)
            return 1;
        t = now() - start;
        best_engine = t < best_engine ? t : best_engine;
        engine_primes = 0;
        for (size_t i = 0; i < count; i++)
            engine_primes += engine[i];
    }
    int agree = flint_primes == parkit_primes && parkit_primes == engine_primes;
    printf("%-28s FLINT %6.2f M/s   parkit 1 thread %6.2f M/s (%.2fx)   parkit %d threads %6.2f M/s (%.2fx of FLINT per core)   %zu primes%s\n",
           name, count / best_flint / 1e6, count / best_parkit / 1e6, best_flint / best_parkit, threads,
           count / best_engine / 1e6, best_flint / best_engine, parkit_primes, agree ? "" : "   VERDICTS DIFFER");
    free(mine);
    free(engine);
    return agree ? 0 : 1;
}

int main(int argc, char **argv)
{
    size_t count = argc > 1 ? strtoull(argv[1], NULL, 10) : 10000000;
    uint64_t *numbers = malloc(count * sizeof *numbers);
    if (numbers == NULL || count == 0)
        return 1;
    pk_thread_choice threads;
    const char *bad = NULL;
    if (pk_threads_choose(0, &threads, &bad) != 0)
        return 1;
    for (size_t i = 0; i < count; i++)
        numbers[i] = UINT64_C(1000000000000000001) + 2 * i;
    int rc = run_set("odd numbers from 1e18", numbers, count, threads.threads);
    uint64_t state = 88172645463325252ULL;
    for (size_t i = 0; i < count; i++)
        numbers[i] = xorshift(&state) | 1;
    rc |= run_set("random odd 64-bit numbers", numbers, count, threads.threads);
    free(numbers);
    return rc;
}
