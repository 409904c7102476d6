/* Defaults and names of a job spec (see parkit/jobspec.h). */
#include <string.h>

#include "parkit/jobspec.h"
#include "parkit/status.h"

static const char *const command_names[] = {
    [PK_COMMAND_COUNT] = "count",
    [PK_COMMAND_LIST] = "list",
    [PK_COMMAND_CHECK] = "check",
    [PK_COMMAND_NTH] = "nth",
};

static const char *const pattern_names[] = {
    [PK_PATTERN_PRIMES] = "primes",          [PK_PATTERN_TWINS] = "twins",
    [PK_PATTERN_TRIPLETS] = "triplets",      [PK_PATTERN_QUADRUPLETS] = "quadruplets",
    [PK_PATTERN_QUINTUPLETS] = "quintuplets", [PK_PATTERN_SEXTUPLETS] = "sextuplets",
};

void pk_job_spec_init(pk_job_spec *spec)
{
    memset(spec, 0, sizeof *spec);
    spec->command = PK_COMMAND_COUNT;
    spec->schedule = (pk_schedule){PK_SCHEDULE_DYNAMIC, 0};
    spec->distribute = PK_DISTRIBUTE_DYNAMIC; /* measured: balances ranks better than blocks */
    spec->algo = PK_ALGO_SIEVE;
    spec->pattern = PK_PATTERN_PRIMES;
    spec->progress = -1;
    spec->io_threads = -1;
}

const char *pk_command_name(pk_command command)
{
    return command_names[command];
}

int pk_command_parse(const char *text, pk_command *command)
{
    for (int c = PK_COMMAND_COUNT; c <= PK_COMMAND_NTH; c++) {
        if (strcmp(text, command_names[c]) == 0) {
            *command = (pk_command)c;
            return PK_OK;
        }
    }
    return PK_EINVAL;
}

const char *pk_pattern_name(pk_primes_pattern pattern)
{
    return pattern_names[pattern];
}

int pk_pattern_parse(const char *text, pk_primes_pattern *pattern)
{
    for (int p = PK_PATTERN_PRIMES; p <= PK_PATTERN_SEXTUPLETS; p++) {
        if (strcmp(text, pattern_names[p]) == 0) {
            *pattern = (pk_primes_pattern)p;
            return PK_OK;
        }
    }
    return PK_EINVAL;
}
