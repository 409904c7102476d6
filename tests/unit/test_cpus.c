/*
 * Where threads will share cores (pk_cpus_crowding_find), from places made
 * by hand: hosts, masks and thread counts as mpirun with and without
 * binding, Slurm and a laptop give them.
 */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <string.h>

#include "parkit/cpus.h"
#include "suites.h"

/* A rank on HOST whose mask holds CPUs FIRST..LAST of a host with ONLINE CPUs. */
static pk_cpus_place place(const char *host, int first, int last, int online, int threads)
{
    pk_cpus_place p;
    memset(&p, 0, sizeof p);
    snprintf(p.host, sizeof p.host, "%s", host);
    for (int cpu = first; cpu <= last; cpu++)
        p.mask[cpu / 64] |= UINT64_C(1) << (cpu % 64);
    p.cpus = last - first + 1;
    p.online = online;
    p.threads = threads;
    return p;
}

static void test_one_process(void)
{
    pk_cpus_crowding c;
    pk_cpus_place alone = place("laptop", 0, 1, 2, 2);
    pk_cpus_crowding_find(&alone, 1, &c);
    CU_ASSERT_EQUAL(c.kind, PK_CROWDED_NONE);
    alone = place("laptop", 0, 1, 2, 3);
    pk_cpus_crowding_find(&alone, 1, &c);
    CU_ASSERT_EQUAL(c.kind, PK_CROWDED_HOST);
    CU_ASSERT_EQUAL(c.threads, 3);
    CU_ASSERT_EQUAL(c.cpus, 2);
    CU_ASSERT_EQUAL(c.ranks, 1);
    /* taskset -c 0 with 2 threads: one CPU of the host's two. */
    alone = place("laptop", 0, 0, 2, 2);
    pk_cpus_crowding_find(&alone, 1, &c);
    CU_ASSERT_EQUAL(c.kind, PK_CROWDED_HOST);
    CU_ASSERT_EQUAL(c.cpus, 1);
    CU_ASSERT_EQUAL(c.online, 2);
}

/* mpirun --bind-to none: every rank sees every CPU, and by default takes them all. */
static void test_unbound_ranks_add_up(void)
{
    pk_cpus_crowding c;
    pk_cpus_place two[] = {place("n1", 0, 1, 2, 2), place("n1", 0, 1, 2, 2)};
    pk_cpus_crowding_find(two, 2, &c);
    CU_ASSERT_EQUAL(c.kind, PK_CROWDED_HOST);
    CU_ASSERT_EQUAL(c.rank, 0);
    CU_ASSERT_EQUAL(c.ranks, 2);
    CU_ASSERT_EQUAL(c.threads, 4);
    CU_ASSERT_EQUAL(c.cpus, 2);
    CU_ASSERT_EQUAL(c.hosts, 1);
    CU_ASSERT_TRUE(c.alike);
    /* One thread each fits. */
    two[0].threads = two[1].threads = 1;
    pk_cpus_crowding_find(two, 2, &c);
    CU_ASSERT_EQUAL(c.kind, PK_CROWDED_NONE);
    /* Four ranks of one thread on two CPUs: mpirun's --oversubscribe, not ours to say. */
    pk_cpus_place four[] = {place("n1", 0, 1, 2, 1), place("n1", 0, 1, 2, 1), place("n1", 0, 1, 2, 1),
                            place("n1", 0, 1, 2, 1)};
    pk_cpus_crowding_find(four, 4, &c);
    CU_ASSERT_EQUAL(c.kind, PK_CROWDED_NONE);
    four[2].threads = 2;
    pk_cpus_crowding_find(four, 4, &c);
    CU_ASSERT_EQUAL(c.kind, PK_CROWDED_HOST);
    CU_ASSERT_EQUAL(c.threads, 5);
    CU_ASSERT_FALSE(c.alike);
}

/* Ranks on other hosts never add up with each other. */
static void test_hosts_apart(void)
{
    pk_cpus_crowding c;
    pk_cpus_place three[] = {place("a", 0, 1, 2, 2), place("b", 0, 1, 2, 2), place("c", 0, 1, 2, 2)};
    pk_cpus_crowding_find(three, 3, &c);
    CU_ASSERT_EQUAL(c.kind, PK_CROWDED_NONE);
    /* Two ranks on b, two on c: both crowded, b named first. */
    pk_cpus_place five[] = {place("a", 0, 1, 2, 2), place("b", 0, 1, 2, 2), place("c", 0, 1, 2, 2),
                            place("b", 0, 1, 2, 2), place("c", 0, 1, 2, 2)};
    pk_cpus_crowding_find(five, 5, &c);
    CU_ASSERT_EQUAL(c.kind, PK_CROWDED_HOST);
    CU_ASSERT_EQUAL(c.rank, 1);
    CU_ASSERT_EQUAL(c.ranks, 2);
    CU_ASSERT_EQUAL(c.hosts, 2);
}

/* mpirun's default binding: a rank a core, its threads on it. */
static void test_bound_ranks(void)
{
    pk_cpus_crowding c;
    /* Two ranks bound to cores 0 and 1 of a 4-CPU host, 2 threads each:
     * the host has the CPUs; the masks hold 2 of them. */
    pk_cpus_place two[] = {place("n1", 0, 0, 4, 2), place("n1", 1, 1, 4, 2)};
    pk_cpus_crowding_find(two, 2, &c);
    CU_ASSERT_EQUAL(c.kind, PK_CROWDED_HOST);
    CU_ASSERT_EQUAL(c.cpus, 2);
    CU_ASSERT_EQUAL(c.online, 4);
    CU_ASSERT_EQUAL(c.threads, 4);
    /* Rank 1 bound to one core with 2 threads while rank 0 has cores 2-3 to
     * spare: no host is short, one rank is. */
    pk_cpus_place uneven[] = {place("n1", 2, 3, 4, 1), place("n1", 1, 1, 4, 2)};
    pk_cpus_crowding_find(uneven, 2, &c);
    CU_ASSERT_EQUAL(c.kind, PK_CROWDED_RANK);
    CU_ASSERT_EQUAL(c.rank, 1);
    CU_ASSERT_EQUAL(c.threads, 2);
    CU_ASSERT_EQUAL(c.cpus, 1);
}

/* This process's own place: its mask, its host. */
static void test_place_here(void)
{
    pk_cpus_place here;
    pk_cpus_place_here(3, &here);
    CU_ASSERT_EQUAL(here.threads, 3);
    CU_ASSERT_EQUAL(here.cpus, pk_cpus_available());
    CU_ASSERT_TRUE(here.online >= here.cpus);
    int bits = 0;
    for (int w = 0; w < PK_CPUS_MASK_WORDS; w++)
        bits += __builtin_popcountll(here.mask[w]);
    CU_ASSERT_EQUAL(bits, here.cpus);
    CU_ASSERT_NOT_EQUAL(here.host[0], '\0');
}

int pk_suite_cpus(void)
{
    static const pk_test_case cases[] = {
        {"one_process", test_one_process},
        {"unbound_ranks_add_up", test_unbound_ranks_add_up},
        {"hosts_apart", test_hosts_apart},
        {"bound_ranks", test_bound_ranks},
        {"place_here", test_place_here},
        {NULL, NULL},
    };
    return pk_suite_add("cpus", cases);
}
