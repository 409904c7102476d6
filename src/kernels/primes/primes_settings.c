/*
 * The primes kernel's table for the front ends (see parkit/primes_settings.h):
 * its commands, its job-file keys and their defaults.
 */
#include <string.h>

#include "parkit/primes_settings.h"
#include "parkit/status.h"

static const char *const command_names[] = {
    [PK_COMMAND_COUNT] = "count",
    [PK_COMMAND_LIST] = "list",
    [PK_COMMAND_CHECK] = "check",
    [PK_COMMAND_NTH] = "nth",
    [PK_COMMAND_TEST] = "test",
    NULL,
};

static const char *const pattern_names[] = {
    [PK_PATTERN_PRIMES] = "primes",          [PK_PATTERN_TWINS] = "twins",
    [PK_PATTERN_TRIPLETS] = "triplets",      [PK_PATTERN_QUADRUPLETS] = "quadruplets",
    [PK_PATTERN_QUINTUPLETS] = "quintuplets", [PK_PATTERN_SEXTUPLETS] = "sextuplets",
};

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

static const char *const algo_names[] = {
    [PK_ALGO_SIEVE] = "sieve",
    [PK_ALGO_TRIAL] = "trial",
};

const char *pk_algo_name(pk_primes_algo algo)
{
    return algo_names[algo];
}

/* VALUE is FIRST or SECOND; *which = (VALUE is SECOND). */
static bool one_of(const char *value, const char *first, const char *second, bool *which)
{
    if (strcmp(value, first) != 0 && strcmp(value, second) != 0)
        return false;
    *which = strcmp(value, second) == 0;
    return true;
}

static bool set_pattern(void *settings, const char *value)
{
    return pk_pattern_parse(value, &pk_primes_settings_in(settings)->pattern) == PK_OK;
}

static bool set_on_error(void *settings, const char *value)
{
    return one_of(value, "fail", "skip", &pk_primes_settings_in(settings)->skip_bad_lines);
}

static bool set_check_format(void *settings, const char *value)
{
    return one_of(value, "text", "jsonl", &pk_primes_settings_in(settings)->jsonl);
}

static bool set_algo(void *settings, const char *value)
{
    bool trial;
    if (!one_of(value, algo_names[PK_ALGO_SIEVE], algo_names[PK_ALGO_TRIAL], &trial))
        return false;
    pk_primes_settings_in(settings)->algo = trial ? PK_ALGO_TRIAL : PK_ALGO_SIEVE;
    return true;
}

static bool set_nth_from(void *settings, const char *value)
{
    if (value[0] == '\0')
        return false;
    pk_primes_settings_in(settings)->nth_from = value;
    return true;
}

static bool set_list_format(void *settings, const char *value)
{
    return one_of(value, "text", "binary", &pk_primes_settings_in(settings)->binary);
}

#define RANGE_JOBS (PK_FOR(PK_COMMAND_COUNT) | PK_FOR(PK_COMMAND_LIST))

enum { KEY_CHECK_FORMAT = 7 }; /* its place in keys[] */

static const pk_kernel_key keys[] = {
    {"range", "lo", PK_KEY_ARG, RANGE_JOBS, 0, "a number such as 0, 1e12 or 2^64-1e9", NULL},
    {"range", "hi", PK_KEY_ARG, RANGE_JOBS, RANGE_JOBS, "a number such as 1e10, 1e12+1e9 or 2^64-1", NULL},
    {"count", "pattern", PK_KEY_SETTING, PK_FOR(PK_COMMAND_COUNT), 0,
     "primes, twins, triplets, quadruplets, quintuplets or sextuplets", set_pattern},
    {"nth", "n", PK_KEY_ARG, PK_FOR(PK_COMMAND_NTH), PK_FOR(PK_COMMAND_NTH), "a number such as 1e9", NULL},
    {"nth", "from", PK_KEY_SETTING, PK_FOR(PK_COMMAND_NTH), 0, "a number such as 1e12", set_nth_from},
    {"check", "input", PK_KEY_ARGS, PK_FOR(PK_COMMAND_CHECK), PK_FOR(PK_COMMAND_CHECK),
     "files, numbers or - (stdin), separated by spaces", NULL},
    {"check", "on_error", PK_KEY_SETTING, PK_FOR(PK_COMMAND_CHECK), 0, "fail or skip", set_on_error},
    [KEY_CHECK_FORMAT] = {"check", "format", PK_KEY_SETTING, PK_FOR(PK_COMMAND_CHECK), 0, "text or jsonl",
                          set_check_format},
    {"parallel", "algo", PK_KEY_SETTING, RANGE_JOBS | PK_FOR(PK_COMMAND_NTH), 0, "sieve or trial", set_algo},
    {"output", "format", PK_KEY_SETTING, PK_FOR(PK_COMMAND_LIST), 0, "text or binary", set_list_format},
};

static void settings_init(void *settings)
{
    *pk_primes_settings_in(settings) = (pk_primes_settings){.algo = PK_ALGO_SIEVE, .pattern = PK_PATTERN_PRIMES};
}

/* check --format jsonl writes JSON lines to stdout: no room for a report. */
static int stdout_format_key(const void *settings)
{
    return ((const pk_primes_settings *)settings)->jsonl ? KEY_CHECK_FORMAT : -1;
}

_Static_assert(sizeof(pk_primes_settings) <= PK_KERNEL_SETTINGS_MAX, "pk_primes_settings must fit a job spec");
_Static_assert(sizeof keys / sizeof keys[0] <= PK_KERNEL_MAX_KEYS, "too many keys for a job spec");

const pk_kernel_info pk_primes_kernel = {
    .name = "primes",
    .commands = command_names,
    .commands_expected = "count, list, check, nth or test",
    .keys = keys,
    .nkeys = sizeof keys / sizeof keys[0],
    .output_path_commands = PK_FOR(PK_COMMAND_LIST),
    .checkpoint_commands = RANGE_JOBS | PK_FOR(PK_COMMAND_CHECK),
    .io_threads_commands = PK_FOR(PK_COMMAND_LIST) | PK_FOR(PK_COMMAND_CHECK),
    .unit_commands = PK_FOR_ALL,
    .settings_size = sizeof(pk_primes_settings),
    .settings_init = settings_init,
    .stdout_format_key = stdout_format_key,
};
