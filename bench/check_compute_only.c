/*
 * The reference of bench/io.sh (b): the compute alone of `parkit primes
 * check FILE`, with the numbers already in memory.  The file is read and
 * parsed first (not timed); then pk_primes_check tests every number on the
 * engine's threads, as the CLI would, and only that is timed.
 *
 *   check-compute-only FILE [runs]     (default 3 runs; the best is printed)
 *
 * Prints "seconds numbers primes".  Threads as parkit chooses them
 * (--threads is not parsed: set OMP_NUM_THREADS).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "parkit/cpus.h"
#include "parkit/numexpr.h"
#include "parkit/primes.h"

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: check-compute-only FILE [runs]\n");
        return 2;
    }
    int runs = argc > 2 ? atoi(argv[2]) : 3;
    FILE *in = fopen(argv[1], "r");
    if (in == NULL) {
        perror(argv[1]);
        return 1;
    }
    size_t count = 0, capacity = 1 << 20;
    uint64_t *numbers = malloc(capacity * sizeof *numbers);
    char line[256];
    while (numbers != NULL && fgets(line, sizeof line, in) != NULL) {
        line[strcspn(line, "\r\n#")] = '\0';
        if (line[0] == '\0')
            continue;
        if (count == capacity)
            numbers = realloc(numbers, (capacity *= 2) * sizeof *numbers);
        if (numbers != NULL && pk_parse_u64(line, &numbers[count], NULL) != 0) {
            fprintf(stderr, "%s: not a 64-bit number: %s\n", argv[1], line);
            return 1;
        }
        count++;
    }
    fclose(in);
    uint8_t *is_prime = malloc(count ? count : 1);
    pk_thread_choice threads;
    const char *bad = NULL;
    if (numbers == NULL || is_prime == NULL || pk_threads_choose(0, &threads, &bad) != 0)
        return 1;
    pk_primes_options options = {.engine = {.threads = threads.threads, .schedule = {PK_SCHEDULE_DYNAMIC, 0}}};
    double best = 1e30;
    for (int run = 0; run < (runs < 1 ? 1 : runs); run++) {
        double start = now();
        if (pk_primes_check(&options, numbers, is_prime, count, NULL) != 0)
            return 1;
        double t = now() - start;
        best = t < best ? t : best;
    }
    size_t primes = 0;
    for (size_t i = 0; i < count; i++)
        primes += is_prime[i];
    printf("%.6f %zu %zu\n", best, count, primes);
    free(numbers);
    free(is_prime);
    return 0;
}
