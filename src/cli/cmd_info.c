/*
 * `parkit info`: how this binary was built (compiler, flags, OpenMP, MPI,
 * GMP, revision) and what it sees (CPUs in its affinity mask, the threads
 * it would use and why), so a user can tell at a glance why a run used
 * fewer cores than expected.
 */
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/build_info.h"
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
    const char *mpi = PK_HAVE_MPI ? "yes" : "no";
    const char *gmp = pk_primality_have_gmp() ? "yes" : "no";
    if (json) {
        printf("{\"revision\":");
        cli_json_string(pk_build_revision());
        printf(",\"compiler\":");
        cli_json_string(pk_build_compiler());
        printf(",\"flags\":");
        cli_json_string(pk_build_flags());
        printf(",\"openmp\":\"%s\",\"mpi\":%s,\"gmp\":%s,\"cpus_available\":%d,\"cpu_list\":\"%s\","
               "\"threads\":%d,\"threads_source\":\"%s\"}\n",
               pk_engine_openmp_version(), PK_HAVE_MPI ? "true" : "false",
               pk_primality_have_gmp() ? "true" : "false", pk_cpus_available(), cpus, threads.threads,
               threads.source);
        return PK_EXIT_OK;
    }
    printf("parkit %s\n\n", pk_build_revision());
    printf("built with\n");
    printf("  compiler   %s\n", pk_build_compiler());
    printf("  flags      %s\n", pk_build_flags());
    printf("  OpenMP     %s\n", pk_engine_openmp_version());
    printf("  MPI        %s\n", mpi);
    printf("  GMP        %s (numbers of 2^64 and above in 'primes check')\n", gmp);
    printf("\nsees\n");
    printf("  CPUs       %d in the affinity mask (%s)\n", pk_cpus_available(), cpus);
    printf("  threads    %d, from %s\n", threads.threads, threads.source);
    return PK_EXIT_OK;
}
