/*
 * How many threads to run, and why.
 *
 * Precedence: an explicit request (--threads, or a job file) >
 * OMP_NUM_THREADS > SLURM_CPUS_PER_TASK > the CPUs in this process's
 * affinity mask (sched_getaffinity), which is what a batch system or
 * `taskset` actually granted — never the machine's core count.
 */
#ifndef PARKIT_CPUS_H
#define PARKIT_CPUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PK_MAX_THREADS 4096

typedef struct pk_thread_choice {
    int threads;
    const char *source; /* "--threads", "OMP_NUM_THREADS", "SLURM_CPUS_PER_TASK",
                           "affinity mask", "built without OpenMP" */
} pk_thread_choice;

/* CPUs in this process's affinity mask (>= 1). */
int pk_cpus_available(void);
/* Writes the calling thread's affinity mask as a list such as "0-3,8";
 * returns buf. */
const char *pk_cpus_describe(char *buf, size_t size);

/* Where THREADS OpenMP threads may run, each its own affinity mask (what
 * OMP_PROC_BIND and OMP_PLACES made of them): "every thread: 0-3" when
 * they all share one mask, else "0: 0, 1: 1, ..." thread by thread.
 * Returns buf. */
const char *pk_cpus_threads_describe(int threads, char *buf, size_t size);

/* Where one rank runs, gathered from every rank so that rank 0 can say
 * once whether threads will share cores, and where. */
enum { PK_CPUS_MASK_WORDS = 16 }; /* CPUs 0-1023 */
typedef struct pk_cpus_place {
    char host[64];                       /* the host's name */
    uint64_t mask[PK_CPUS_MASK_WORDS];   /* its affinity mask */
    int32_t threads;                     /* threads it runs */
    int32_t cpus;                        /* CPUs in its mask */
    int32_t online;                      /* CPUs its host has online */
} pk_cpus_place;

/* This process, running THREADS threads. */
void pk_cpus_place_here(int threads, pk_cpus_place *place);

/* Where threads will share cores, found from every rank's place:
 * - PK_CROWDED_HOST: a host's ranks run more threads together than the
 *   CPUs of their masks together (all CPUs under mpirun --bind-to none),
 *   and not only because there are more ranks than CPUs (every rank with
 *   one thread: that was mpirun's --oversubscribe);
 * - PK_CROWDED_RANK: no host is crowded, but a rank runs more threads than
 *   its own mask's CPUs (mpirun bound it to fewer CPUs than its host has).
 * One process alone is a host of one rank. */
typedef enum { PK_CROWDED_NONE, PK_CROWDED_HOST, PK_CROWDED_RANK } pk_crowding_kind;
typedef struct pk_cpus_crowding {
    pk_crowding_kind kind;
    int rank;      /* the first crowded host's first rank, or the crowded rank */
    int ranks;     /* ranks on that host */
    int threads;   /* threads of that host's ranks together, or the rank's */
    int cpus;      /* CPUs of that host's masks together, or the rank's */
    int online;    /* CPUs that host has online */
    int hosts;     /* crowded hosts (PK_CROWDED_HOST) */
    bool alike;    /* that host's ranks all run the same number of threads */
} pk_cpus_crowding;

void pk_cpus_crowding_find(const pk_cpus_place *places, int ranks, pk_cpus_crowding *found);

/* requested = 0 means no explicit request.  Returns PK_OK, or PK_EINVAL when
 * an environment variable that decides is malformed; then *bad_variable
 * names it. */
int pk_threads_choose(int requested, pk_thread_choice *choice, const char **bad_variable);

#endif
