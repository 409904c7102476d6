/*
 * `parkit info`: how this binary was built (compiler, flags, OpenMP, MPI,
 * GMP, revision) and what it sees (CPUs in its affinity mask, the threads
 * it would use and why), so a user can tell at a glance why a run used
 * fewer cores than expected.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/build_info.h"
#include "parkit/comm.h"
#include "parkit/mandel.h"
#include "parkit/png_bands.h"
#include "parkit/primality.h"
#include "parkit/status.h"

static const char info_usage[] = "usage: parkit info [--json]\n";

int cli_info(int argc, char **argv)
{
    bool json = false;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0) {
            json = true;
        } else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            fputs(info_usage, stdout);
            return PK_EXIT_OK;
        } else {
            cli_error("info", "unknown argument '%s' (usage: parkit info [--json])", argv[i]);
            return PK_EXIT_USAGE;
        }
    }
    char cpus[256];
    pk_cpus_describe(cpus, sizeof cpus);
    pk_thread_choice threads;
    const char *bad_variable = NULL;
    if (pk_threads_choose(0, &threads, &bad_variable) != PK_OK) {
        cli_error("info", "%s='%s' is not a thread count (a positive integer up to %d)", bad_variable,
                  getenv(bad_variable), PK_MAX_THREADS);
        return PK_EXIT_USAGE;
    }
    int ready = cli_ranks_ready(PK_EXIT_OK, threads.threads, NULL);
    if (ready != PK_EXIT_OK)
        return ready;
    /* Under mpirun every rank says where it runs and what it may use. */
    typedef struct rank_view {
        char host[64];
        char cpus[256];
        int cpus_available;
        int threads;
        char source[32];
        char binding[256]; /* each thread's CPUs */
    } rank_view;
    const int ranks = pk_comm_size();
    rank_view mine;
    memset(&mine, 0, sizeof mine);
    if (gethostname(mine.host, sizeof mine.host - 1) != 0)
        snprintf(mine.host, sizeof mine.host, "unknown");
    snprintf(mine.cpus, sizeof mine.cpus, "%s", cpus);
    mine.cpus_available = pk_cpus_available();
    mine.threads = threads.threads;
    pk_cpus_threads_describe(threads.threads, mine.binding, sizeof mine.binding);
    snprintf(mine.source, sizeof mine.source, "%s", threads.source);
    rank_view *all = calloc((size_t)ranks, sizeof *all);
    if (all == NULL)
        pk_comm_abort(PK_EXIT_FAILURE);
    pk_comm_allgather(&mine, all, sizeof mine);
    const char *mpi = PK_HAVE_MPI ? "yes" : "no";
    const char *gmp = pk_primality_have_gmp() ? "yes" : "no";
    if (json) {
        printf("{\"revision\":");
        cli_json_string(pk_build_revision());
        printf(",\"compiler\":");
        cli_json_string(pk_build_compiler());
        printf(",\"flags\":");
        cli_json_string(pk_build_flags());
        printf(",\"openmp\":\"%s\",\"mpi\":%s,\"gmp\":%s,\"png\":%s,\"simd\":\"%s\",\"cpus_available\":%d,"
               "\"cpu_list\":\"%s\",\"threads\":%d,\"threads_source\":\"%s\",\"omp_proc_bind\":",
               pk_engine_openmp_version(), PK_HAVE_MPI ? "true" : "false",
               pk_primality_have_gmp() ? "true" : "false", pk_png_available() ? "true" : "false",
               pk_mandel_simd_name(pk_mandel_simd_best()), pk_cpus_available(), cpus, threads.threads,
               threads.source);
        const char *bind = getenv("OMP_PROC_BIND"), *places = getenv("OMP_PLACES");
        if (bind != NULL)
            cli_json_string(bind);
        else
            printf("null");
        printf(",\"omp_places\":");
        if (places != NULL)
            cli_json_string(places);
        else
            printf("null");
        printf(",\"ranks\":[");
        for (int r = 0; r < ranks; r++) {
            printf("%s{\"rank\":%d,\"host\":", r ? "," : "", r);
            cli_json_string(all[r].host);
            printf(",\"cpu_list\":\"%s\",\"cpus_available\":%d,\"threads\":%d,\"threads_source\":\"%s\",\"binding\":",
                   all[r].cpus, all[r].cpus_available, all[r].threads, all[r].source);
            cli_json_string(all[r].binding);
            printf("}");
        }
        printf("]}\n");
        free(all);
        return PK_EXIT_OK;
    }
    printf("parkit %s\n\n", pk_build_revision());
    printf("built with\n");
    printf("  compiler   %s\n", pk_build_compiler());
    printf("  flags      %s\n", pk_build_flags());
    printf("  OpenMP     %s\n", pk_engine_openmp_version());
    printf("  MPI        %s%s%s\n", mpi, PK_HAVE_MPI ? ": " : "", PK_HAVE_MPI ? pk_comm_library_version() : "");
    printf("  GMP        %s (numbers of 2^64 and above in 'primes check')\n", gmp);
    printf("  libpng     %s ('mandel -o FILE.png')\n", pk_png_available() ? "yes" : "no");
    printf("  SIMD       %s (the widest path 'mandel' runs here)\n", pk_mandel_simd_name(pk_mandel_simd_best()));
    printf("\nsees\n");
    printf("  OpenMP     OMP_PROC_BIND=%s, OMP_PLACES=%s\n", getenv("OMP_PROC_BIND") ? getenv("OMP_PROC_BIND") : "(unset)",
           getenv("OMP_PLACES") ? getenv("OMP_PLACES") : "(unset)");
    if (ranks == 1) {
        printf("  CPUs       %d in the affinity mask (%s)\n", pk_cpus_available(), cpus);
        printf("  threads    %d, from %s\n", threads.threads, threads.source);
        printf("  binding    %s\n", mine.binding);
    } else {
        printf("  ranks      %d (%s)\n", ranks, pk_comm_thread_level());
        printf("  %-5s %-20s %-16s %s\n", "rank", "host", "CPUs", "threads");
        for (int r = 0; r < ranks; r++)
            printf("  %-5d %-20s %-16s %d, from %s; %s\n", r, all[r].host, all[r].cpus, all[r].threads, all[r].source,
                   all[r].binding);
    }
    free(all);
    return PK_EXIT_OK;
}
