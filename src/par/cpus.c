/*
 * Thread-count detection (see parkit/cpus.h for the precedence).  It lives
 * with the engines because only they decide how many threads run.
 */
#include <errno.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "parkit/cpus.h"
#include "parkit/status.h"

int pk_cpus_available(void)
{
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) != 0)
        return 1;
    int count = CPU_COUNT(&set);
    return count > 0 ? count : 1;
}

const char *pk_cpus_describe(char *buf, size_t size)
{
    cpu_set_t set;
    size_t used = 0;
    buf[0] = '\0';
    if (sched_getaffinity(0, sizeof set, &set) != 0) {
        snprintf(buf, size, "unknown");
        return buf;
    }
    for (int cpu = 0; cpu < CPU_SETSIZE; cpu++) {
        if (!CPU_ISSET(cpu, &set))
            continue;
        int last = cpu;
        while (last + 1 < CPU_SETSIZE && CPU_ISSET(last + 1, &set))
            last++;
        int n = last > cpu ? snprintf(buf + used, size - used, "%s%d-%d", used ? "," : "", cpu, last)
                           : snprintf(buf + used, size - used, "%s%d", used ? "," : "", cpu);
        if (n < 0 || (size_t)n >= size - used)
            break;
        used += (size_t)n;
        cpu = last;
    }
    return buf;
}

const char *pk_cpus_threads_describe(int threads, char *buf, size_t size)
{
    enum { MOST = 64, LIST = 64 };
    if (threads < 1)
        threads = 1;
    const int seen = threads < MOST ? threads : MOST;
    char (*masks)[LIST] = calloc((size_t)seen, LIST);
    if (masks == NULL) {
        snprintf(buf, size, "unknown");
        return buf;
    }
#pragma omp parallel num_threads(threads)
    {
#ifdef _OPENMP
        const int t = omp_get_thread_num();
#else
        const int t = 0;
#endif
        if (t < seen)
            pk_cpus_describe(masks[t], LIST);
    }
    bool same = true;
    for (int t = 1; t < seen; t++)
        same = same && strcmp(masks[t], masks[0]) == 0;
    if (same) {
        snprintf(buf, size, "every thread: %s", masks[0]);
    } else {
        size_t used = 0;
        buf[0] = '\0';
        for (int t = 0; t < seen && used < size; t++) {
            int n = snprintf(buf + used, size - used, "%s%d: %s", t ? ", " : "", t, masks[t]);
            if (n < 0)
                break;
            used += (size_t)n;
        }
        if (seen < threads && used < size)
            snprintf(buf + used, size - used, ", ...");
    }
    free(masks);
    return buf;
}

void pk_cpus_place_here(int threads, pk_cpus_place *place)
{
    memset(place, 0, sizeof *place);
    if (gethostname(place->host, sizeof place->host - 1) != 0)
        snprintf(place->host, sizeof place->host, "unknown");
    cpu_set_t set;
    place->cpus = 1; /* as pk_cpus_available says when the mask cannot be read */
    if (sched_getaffinity(0, sizeof set, &set) == 0) {
        for (int cpu = 0; cpu < CPU_SETSIZE && cpu < 64 * PK_CPUS_MASK_WORDS; cpu++)
            if (CPU_ISSET(cpu, &set))
                place->mask[cpu / 64] |= UINT64_C(1) << (cpu % 64);
        if (CPU_COUNT(&set) > 0)
            place->cpus = CPU_COUNT(&set);
    }
    place->threads = threads > 0 ? threads : 1;
    long online = sysconf(_SC_NPROCESSORS_ONLN);
    place->online = online > place->cpus && online < INT32_MAX ? (int32_t)online : place->cpus;
}

void pk_cpus_crowding_find(const pk_cpus_place *places, int ranks, pk_cpus_crowding *found)
{
    memset(found, 0, sizeof *found);
    found->rank = -1;
    int first_rank = -1;
    for (int r = 0; r < ranks; r++) {
        bool first_of_host = true;
        for (int q = 0; q < r && first_of_host; q++)
            first_of_host = strcmp(places[q].host, places[r].host) != 0;
        if (first_rank < 0 && places[r].threads > places[r].cpus)
            first_rank = r;
        if (!first_of_host)
            continue;
        /* The host's ranks together: their threads, and their masks' union. */
        uint64_t mask[PK_CPUS_MASK_WORDS] = {0};
        int on_host = 0, threads = 0, cpus = 0, online = 0;
        bool alike = true, several = false;
        for (int q = r; q < ranks; q++) {
            if (strcmp(places[q].host, places[r].host) != 0)
                continue;
            on_host++;
            threads += places[q].threads;
            alike = alike && places[q].threads == places[r].threads;
            several = several || places[q].threads > 1;
            if (places[q].online > online)
                online = places[q].online;
            for (int w = 0; w < PK_CPUS_MASK_WORDS; w++)
                mask[w] |= places[q].mask[w];
        }
        for (int w = 0; w < PK_CPUS_MASK_WORDS; w++)
            cpus += __builtin_popcountll(mask[w]);
        if (cpus < 1) /* a mask beyond CPU 1023: trust the rank's own count */
            cpus = places[r].cpus;
        if (threads <= cpus || !several)
            continue;
        if (found->hosts++ == 0)
            *found = (pk_cpus_crowding){PK_CROWDED_HOST, r, on_host, threads, cpus, online > cpus ? online : cpus, 1,
                                        alike};
    }
    if (found->kind == PK_CROWDED_NONE && first_rank >= 0)
        *found = (pk_cpus_crowding){PK_CROWDED_RANK, first_rank, 1, places[first_rank].threads,
                                    places[first_rank].cpus, places[first_rank].online, 0, true};
}

#ifdef _OPENMP
/* A positive integer from the start of VALUE (OMP_NUM_THREADS may be a
 * nested list such as "4,2": the first level is ours). */
static int parse_thread_count(const char *value, int *threads)
{
    char *end;
    errno = 0;
    long n = strtol(value, &end, 10); /* skips leading blanks, as libgomp does */
    while (*end == ' ' || *end == '\t')
        end++;
    if (end == value || (*end != '\0' && *end != ',') || errno != 0 || n < 1 || n > PK_MAX_THREADS)
        return PK_EINVAL;
    *threads = (int)n;
    return PK_OK;
}
#endif

int pk_threads_choose(int requested, pk_thread_choice *choice, const char **bad_variable)
{
#ifndef _OPENMP
    (void)requested;
    (void)bad_variable;
    choice->threads = 1;
    choice->source = "a build without OpenMP";
    return PK_OK;
#else
    if (requested > 0) {
        choice->threads = requested;
        choice->source = "--threads";
        return PK_OK;
    }
    static const char *const variables[] = {"OMP_NUM_THREADS", "SLURM_CPUS_PER_TASK"};
    for (size_t i = 0; i < sizeof variables / sizeof variables[0]; i++) {
        const char *value = getenv(variables[i]);
        if (value == NULL || value[0] == '\0')
            continue;
        if (parse_thread_count(value, &choice->threads) != PK_OK) {
            *bad_variable = variables[i];
            return PK_EINVAL;
        }
        choice->source = variables[i];
        return PK_OK;
    }
    choice->threads = pk_cpus_available();
    choice->source = "affinity mask";
    return PK_OK;
#endif
}
