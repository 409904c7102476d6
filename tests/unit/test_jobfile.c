/*
 * Tests of job files (src/job/jobfile.c): every example in jobs/ loads into
 * the spec the equivalent command line gives; args are built as the CLI
 * builds them, whatever the order of the sections; every kind of error is
 * reported with its exact message and line, and only the first; --set
 * overrides are checked like lines of the file; a failed load or override
 * leaves the spec as it was.
 *
 * Run from the repository's top directory (the examples are read as
 * "jobs/NAME.ini").  Job texts are written to temporary files.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <CUnit/CUnit.h>

#include "parkit/jobfile.h"
#include "parkit/heat_settings.h"
#include "parkit/mandel_settings.h"
#include "parkit/primes_settings.h"
#include "parkit/status.h"

/* The primes kernel's settings of a loaded spec. */
#define PRIMES(spec) pk_primes_settings_of((spec)->settings)
#include "suites.h"

#if PK_HAVE_INIH

/* ---- helpers --------------------------------------------------------- */

enum { ERROR_SIZE = 1024 };

/* A job being tested: its spec, its store, its temporary file. */
typedef struct job_case {
    pk_job_spec spec;
    pk_job_strings *store;
    char path[64];
    char error[ERROR_SIZE];
} job_case;

/* Writes TEXT to a new temporary file; its name goes in job->path. */
static void job_write(job_case *job, const char *text)
{
    snprintf(job->path, sizeof job->path, "/tmp/pk-jobfile-XXXXXX");
    int fd = mkstemp(job->path);
    CU_ASSERT_FATAL(fd >= 0);
    FILE *file = fdopen(fd, "w");
    CU_ASSERT_FATAL(file != NULL);
    CU_ASSERT_FATAL(fputs(text, file) >= 0);
    CU_ASSERT_FATAL(fclose(file) == 0);
}

static void job_start(job_case *job)
{
    memset(job, 0, sizeof *job);
    pk_job_spec_init(&job->spec);
    job->store = pk_job_strings_create();
    CU_ASSERT_FATAL(job->store != NULL);
}

/* Loads TEXT (through a temporary file); returns the status. */
static int job_load_text(job_case *job, const char *text)
{
    job_start(job);
    job_write(job, text);
    return pk_job_file_load(&job->spec, job->store, job->path, job->error, sizeof job->error);
}

static int job_set(job_case *job, const char *assignment)
{
    return pk_job_file_set(&job->spec, job->store, assignment, job->error, sizeof job->error);
}

static void job_end(job_case *job)
{
    if (job->path[0] != '\0')
        unlink(job->path);
    pk_job_strings_free(job->store);
    job->store = NULL;
}

/* Asserts that job->error is FORMAT, where a leading "%F" stands for the
 * job's file name. */
static void check_error(const job_case *job, const char *format, ...) __attribute__((format(printf, 2, 3)));

static void check_error(const job_case *job, const char *format, ...)
{
    char expected[ERROR_SIZE];
    va_list args;
    va_start(args, format);
    vsnprintf(expected, sizeof expected, format, args);
    va_end(args);
    if (strcmp(job->error, expected) != 0)
        fprintf(stderr, "\n  expected: %s\n  got:      %s\n", expected, job->error);
    CU_ASSERT_STRING_EQUAL(job->error, expected);
}

/* Loading TEXT must fail with PK_EINVAL and "FILE:LINE: WHY" (LINE 0: "FILE: WHY"). */
static void check_load_fails(const char *text, int line, const char *why)
{
    job_case job;
    pk_job_spec before;
    job_start(&job);
    job_write(&job, text);
    before = job.spec;
    int status = pk_job_file_load(&job.spec, job.store, job.path, job.error, sizeof job.error);
    CU_ASSERT_EQUAL(status, PK_EINVAL);
    if (line > 0)
        check_error(&job, "%s:%d: %s", job.path, line, why);
    else
        check_error(&job, "%s: %s", job.path, why);
    CU_ASSERT(memcmp(&before, &job.spec, sizeof before) == 0); /* untouched */
    job_end(&job);
}

static void check_args(const pk_job_spec *spec, int nargs, ...)
{
    CU_ASSERT_EQUAL_FATAL(spec->nargs, nargs);
    va_list args;
    va_start(args, nargs);
    for (int i = 0; i < nargs; i++) {
        const char *expected = va_arg(args, const char *);
        CU_ASSERT_PTR_NOT_NULL_FATAL(spec->args[i]);
        CU_ASSERT_STRING_EQUAL(spec->args[i], expected);
    }
    va_end(args);
}

/* Asserts the settings pk_job_spec_init gives, for what a job left alone. */
static void check_parallel_defaults(const pk_job_spec *spec)
{
    CU_ASSERT_EQUAL(spec->threads, 0);
    CU_ASSERT_EQUAL(spec->schedule.kind, PK_SCHEDULE_DYNAMIC);
    CU_ASSERT_EQUAL(spec->schedule.chunk, 0);
    CU_ASSERT_EQUAL(spec->distribute, PK_DISTRIBUTE_DYNAMIC);
    CU_ASSERT_FALSE(spec->distribute_given);
    CU_ASSERT_EQUAL(PRIMES(spec)->algo, PK_ALGO_SIEVE);
}

#define COUNT_JOB "[job]\nkernel = primes\ncommand = count\n"

/* ---- the examples in jobs/ --------------------------------------------- */

/* Loads jobs/NAME; the caller checks the spec, then calls job_end. */
static void example_load(job_case *job, const char *name)
{
    job_start(job);
    char path[128];
    snprintf(path, sizeof path, "jobs/%s", name);
    int status = pk_job_file_load(&job->spec, job->store, path, job->error, sizeof job->error);
    if (status != PK_OK)
        fprintf(stderr, "\n  %s: %s (run the tests from the repository's top directory)\n", path, job->error);
    CU_ASSERT_EQUAL_FATAL(status, PK_OK);
}

static void test_example_laptop_demo(void)
{
    job_case job;
    example_load(&job, "demo.ini"); /* parkit primes count 1e9 --time */
    CU_ASSERT_EQUAL(job.spec.command, PK_COMMAND_COUNT);
    check_args(&job.spec, 1, "1e9");
    CU_ASSERT_EQUAL(PRIMES(&job.spec)->pattern, PK_PATTERN_PRIMES);
    CU_ASSERT(job.spec.time);
    CU_ASSERT(!job.spec.json && !job.spec.quiet);
    CU_ASSERT_EQUAL(job.spec.progress, -1);
    check_parallel_defaults(&job.spec);
    job_end(&job);
}

static void test_example_count_large(void)
{
    job_case job;
    example_load(&job, "count-large.ini"); /* parkit primes count 1e12 1e12+1e10 --time */
    CU_ASSERT_EQUAL(job.spec.command, PK_COMMAND_COUNT);
    check_args(&job.spec, 2, "1e12", "1e12+1e10");
    CU_ASSERT_EQUAL(job.spec.threads, 0); /* from the environment */
    CU_ASSERT(job.spec.time);
    check_parallel_defaults(&job.spec);
    job_end(&job);
}

static void test_example_twins(void)
{
    job_case job;
    example_load(&job, "twins.ini"); /* parkit primes count 1e10 --twins --time */
    CU_ASSERT_EQUAL(job.spec.command, PK_COMMAND_COUNT);
    check_args(&job.spec, 1, "1e10");
    CU_ASSERT_EQUAL(PRIMES(&job.spec)->pattern, PK_PATTERN_TWINS);
    check_parallel_defaults(&job.spec);
    job_end(&job);
}

static void test_example_list_to_file(void)
{
    job_case job;
    example_load(&job, "list-to-file.ini"); /* parkit primes list 1e9 -o primes-1e9.txt */
    CU_ASSERT_EQUAL(job.spec.command, PK_COMMAND_LIST);
    check_args(&job.spec, 1, "1e9");
    CU_ASSERT_PTR_NOT_NULL_FATAL(job.spec.output);
    CU_ASSERT_STRING_EQUAL(job.spec.output, "primes-1e9.txt");
    CU_ASSERT(!PRIMES(&job.spec)->binary);
    check_parallel_defaults(&job.spec);
    job_end(&job);
}

static void test_example_check_numbers(void)
{
    job_case job;
    example_load(&job, "check-numbers.ini"); /* parkit primes check jobs/numbers.txt */
    CU_ASSERT_EQUAL(job.spec.command, PK_COMMAND_CHECK);
    check_args(&job.spec, 1, "jobs/numbers.txt");
    CU_ASSERT(!PRIMES(&job.spec)->skip_bad_lines);
    CU_ASSERT(!PRIMES(&job.spec)->jsonl);
    job_end(&job);
}

/* jobs/numbers.txt: about 20 numbers, the interesting ones among them, with
 * comments and a blank line. */
static void test_example_numbers_file(void)
{
    FILE *file = fopen("jobs/numbers.txt", "r");
    CU_ASSERT_PTR_NOT_NULL_FATAL(file);
    char line[256];
    int numbers = 0, comments = 0, blanks = 0;
    bool carmichael = false, pseudoprime = false, top_prime = false;
    while (fgets(line, sizeof line, file) != NULL) {
        line[strcspn(line, "\r\n")] = '\0';
        if (line[0] == '\0') {
            blanks++;
        } else if (line[0] == '#') {
            comments++;
        } else {
            CU_ASSERT(strspn(line, "0123456789") == strlen(line));
            numbers++;
            carmichael |= strcmp(line, "561") == 0;
            pseudoprime |= strcmp(line, "3825123056546413051") == 0;
            top_prime |= strcmp(line, "18446744073709551557") == 0;
        }
    }
    fclose(file);
    CU_ASSERT(numbers >= 15 && numbers <= 30);
    CU_ASSERT(comments > 0);
    CU_ASSERT(blanks > 0);
    CU_ASSERT(carmichael && pseudoprime && top_prime);
}

/* ---- args and settings --------------------------------------------------- */

static void test_args_count_and_list(void)
{
    job_case job;
    CU_ASSERT_EQUAL(job_load_text(&job, COUNT_JOB "[range]\nhi = 100\n"), PK_OK);
    check_args(&job.spec, 1, "100");
    job_end(&job);

    CU_ASSERT_EQUAL(job_load_text(&job, COUNT_JOB "[range]\nlo = 2^64-100\nhi = 2^64-1\n"), PK_OK);
    check_args(&job.spec, 2, "2^64-100", "2^64-1");
    job_end(&job);

    /* lo = 0 written out is still an argument, as "count 0 100" is. */
    CU_ASSERT_EQUAL(job_load_text(&job, "[job]\nkernel = primes\ncommand = list\n[range]\nhi = 100\nlo = 0\n"),
                    PK_OK);
    CU_ASSERT_EQUAL(job.spec.command, PK_COMMAND_LIST);
    check_args(&job.spec, 2, "0", "100");
    CU_ASSERT_PTR_NULL(job.spec.output); /* standard output */
    job_end(&job);
}

static void test_args_nth_and_check(void)
{
    job_case job;
    CU_ASSERT_EQUAL(job_load_text(&job, "[job]\nkernel = primes\ncommand = nth\n[nth]\nn = 1e9\n"), PK_OK);
    CU_ASSERT_EQUAL(job.spec.command, PK_COMMAND_NTH);
    check_args(&job.spec, 1, "1e9");
    job_end(&job);

    /* Space-separated and repeated keys, in order; tabs separate too. */
    CU_ASSERT_EQUAL(job_load_text(&job, "[job]\nkernel = primes\ncommand = check\n"
                                        "[check]\ninput = a.txt   b.txt\n"
                                        "input = -\ninput = c.txt\td.txt ; comment\n"),
                    PK_OK);
    CU_ASSERT_EQUAL(job.spec.command, PK_COMMAND_CHECK);
    check_args(&job.spec, 5, "a.txt", "b.txt", "-", "c.txt", "d.txt");
    job_end(&job);
}

/* Sections in any order, [job] last, a section split in two. */
static void test_section_order_does_not_matter(void)
{
    job_case job;
    CU_ASSERT_EQUAL(job_load_text(&job, "[range]\nhi = 1e10\n[count]\npattern = sextuplets\n"
                                        "[range]\nlo = 1e9\n[job]\ncommand = count\nkernel = primes\n"),
                    PK_OK);
    CU_ASSERT_EQUAL(job.spec.command, PK_COMMAND_COUNT);
    CU_ASSERT_EQUAL(PRIMES(&job.spec)->pattern, PK_PATTERN_SEXTUPLETS);
    check_args(&job.spec, 2, "1e9", "1e10");
    job_end(&job);

    CU_ASSERT_EQUAL(job_load_text(&job, "[check]\ninput = x.txt\n[job]\nkernel = primes\ncommand = check\n"),
                    PK_OK);
    check_args(&job.spec, 1, "x.txt");
    job_end(&job);
}

static void test_every_setting(void)
{
    job_case job;
    CU_ASSERT_EQUAL(job_load_text(&job, "[job]\nkernel = primes\ncommand = list\n"
                                        "[range]\nlo = 10\nhi = 20\n"
                                        "[parallel]\nthreads = 2^3\nschedule = guided,16\n"
                                        "distribute = block\nalgo = trial\n"
                                        "[output]\npath = out dir/p.bin\nformat = binary\njson = yes\n"
                                        "time = 1\nquiet = true\nprogress = off\ntimeout = 2.5\n"),
                    PK_OK);
    const pk_job_spec *spec = &job.spec;
    CU_ASSERT_EQUAL(spec->command, PK_COMMAND_LIST);
    check_args(spec, 2, "10", "20");
    CU_ASSERT_EQUAL(spec->threads, 8);
    CU_ASSERT_EQUAL(spec->schedule.kind, PK_SCHEDULE_GUIDED);
    CU_ASSERT_EQUAL(spec->schedule.chunk, 16);
    CU_ASSERT_EQUAL(spec->distribute, PK_DISTRIBUTE_BLOCK);
    CU_ASSERT_EQUAL(PRIMES(spec)->algo, PK_ALGO_TRIAL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(spec->output);
    CU_ASSERT_STRING_EQUAL(spec->output, "out dir/p.bin");
    CU_ASSERT(PRIMES(spec)->binary && spec->json && spec->time && spec->quiet);
    CU_ASSERT_EQUAL(spec->progress, 0);
    CU_ASSERT_DOUBLE_EQUAL(spec->timeout, 2.5, 1e-12);
    job_end(&job);

    CU_ASSERT_EQUAL(job_load_text(&job, "[job]\nkernel = primes\ncommand = check\n"
                                        "[check]\ninput = -\non_error = skip\nformat = jsonl\n"
                                        "[parallel]\nthreads = 4096\nschedule = static\ndistribute = dynamic\n"
                                        "[output]\njson = no\ntime = 0\nquiet = false\nprogress = on\ntimeout = 0\n"),
                    PK_OK);
    spec = &job.spec;
    CU_ASSERT_EQUAL(spec->command, PK_COMMAND_CHECK);
    CU_ASSERT(PRIMES(spec)->skip_bad_lines && PRIMES(spec)->jsonl);
    CU_ASSERT_EQUAL(spec->threads, 4096);
    CU_ASSERT_EQUAL(spec->schedule.kind, PK_SCHEDULE_STATIC);
    CU_ASSERT_EQUAL(spec->distribute, PK_DISTRIBUTE_DYNAMIC);
    CU_ASSERT(!spec->json && !spec->time && !spec->quiet);
    CU_ASSERT_EQUAL(spec->progress, 1);
    CU_ASSERT_EQUAL(spec->timeout, 0);
    job_end(&job);

    static const struct {
        const char *name;
        pk_primes_pattern pattern;
    } patterns[] = {{"primes", PK_PATTERN_PRIMES},           {"twins", PK_PATTERN_TWINS},
                    {"triplets", PK_PATTERN_TRIPLETS},       {"quadruplets", PK_PATTERN_QUADRUPLETS},
                    {"quintuplets", PK_PATTERN_QUINTUPLETS}, {"sextuplets", PK_PATTERN_SEXTUPLETS}};
    for (size_t i = 0; i < sizeof patterns / sizeof patterns[0]; i++) {
        char text[256];
        snprintf(text, sizeof text, COUNT_JOB "[range]\nhi = 99\n[count]\npattern = %s\n[output]\nprogress = auto\n",
                 patterns[i].name);
        CU_ASSERT_EQUAL(job_load_text(&job, text), PK_OK);
        CU_ASSERT_EQUAL(PRIMES(&job.spec)->pattern, patterns[i].pattern);
        CU_ASSERT_EQUAL(job.spec.progress, -1);
        job_end(&job);
    }
}

/* inih's syntax: comments, "key: value", indentation, CRLF, a UTF-8 BOM. */
static void test_syntax_variants(void)
{
    job_case job;
    CU_ASSERT_EQUAL(job_load_text(&job, "\xEF\xBB\xBF; a comment\r\n# another\r\n\r\n"
                                        "[job]\r\n    kernel = primes ; inline\r\n\tcommand: nth\r\n"
                                        "  [nth]\r\n    n   =   2^32+15   \r\n"),
                    PK_OK);
    CU_ASSERT_EQUAL(job.spec.command, PK_COMMAND_NTH);
    check_args(&job.spec, 1, "2^32+15");
    job_end(&job);

    /* Indented lines are lines of their own, not more of the value above. */
    CU_ASSERT_EQUAL(job_load_text(&job, "[job]\nkernel = primes\ncommand = check\n"
                                        "[check]\n  input = a.txt\n  input = b.txt\n"),
                    PK_OK);
    check_args(&job.spec, 2, "a.txt", "b.txt");
    job_end(&job);
}

/* Numbers are the executor's business: any text is kept as written. */
static void test_numbers_are_not_evaluated_here(void)
{
    job_case job;
    CU_ASSERT_EQUAL(job_load_text(&job, COUNT_JOB "[range]\nlo = banana\nhi = 1e99 # not a comment\n"), PK_OK);
    check_args(&job.spec, 2, "banana", "1e99 # not a comment");
    job_end(&job);
}

/* ---- errors in the file ----------------------------------------------- */

static void test_error_unknown_section_and_key(void)
{
    check_load_fails(COUNT_JOB "[range]\nhi = 10\n\n[ragne]\nlo = 5\n", 8,
                     "unknown section [ragne] (expected job, range, count, nth, check, parallel, output or checkpoint)");
    check_load_fails(COUNT_JOB "[range]\nhi = 10\n[parallel]\nthread = 4\n", 7,
                     "unknown key 'thread' in section [parallel] (expected threads, schedule, distribute or algo)");
    check_load_fails(COUNT_JOB "[range]\nHI = 10\n", 5, "unknown key 'HI' in section [range] (expected lo or hi)");
    check_load_fails("[nth]\nN = 10\n", 2, "unknown key 'N' in section [nth] (expected n or from)");
    check_load_fails("kernel = primes\n[job]\n", 1, "key 'kernel' comes before any [section]");
}

/* The parser knows a kernel's keys only from the kernel's table: every key
 * of the table is named where its section's keys are listed, and a file
 * takes the job's kernel from [job] kernel wherever [job] comes. */
static void test_keys_come_from_the_kernel_table(void)
{
    CU_ASSERT_PTR_EQUAL(pk_kernel_find("primes"), &pk_primes_kernel);
    CU_ASSERT_PTR_EQUAL(pk_kernel_find("mandel"), &pk_mandel_kernel);
    CU_ASSERT_PTR_EQUAL(pk_kernel_find("heat"), &pk_heat_kernel);
    CU_ASSERT_PTR_NULL(pk_kernel_find("wave"));
    CU_ASSERT_PTR_EQUAL(pk_kernel_at(0), &pk_primes_kernel);
    for (size_t k = 0; k < pk_primes_kernel.nkeys; k++) {
        const pk_kernel_key *key = &pk_primes_kernel.keys[k];
        job_case job;
        char text[256];
        snprintf(text, sizeof text, "[%s]\nno_such_key = 1\n[job]\nkernel = primes\n", key->section);
        CU_ASSERT_EQUAL(job_load_text(&job, text), PK_EINVAL);
        char needle[64];
        snprintf(needle, sizeof needle, "%s", key->key);
        if (strstr(job.error, needle) == NULL || strstr(job.error, "unknown key 'no_such_key'") == NULL)
            fprintf(stderr, "\n  %s.%s not listed: %s\n", key->section, key->key, job.error);
        CU_ASSERT_PTR_NOT_NULL(strstr(job.error, needle));
        job_end(&job);
    }
    job_case job;
    CU_ASSERT_EQUAL(job_load_text(&job, "[range]\nhi = 10\n[job]\ncommand = count\nkernel = primes\n"), PK_OK);
    CU_ASSERT_PTR_EQUAL(job.spec.kernel, &pk_primes_kernel);
    CU_ASSERT_STRING_EQUAL(pk_job_command_name(&job.spec), "count");
    CU_ASSERT_EQUAL(job_set(&job, "job.kernel=primes"), PK_OK);
    job_end(&job);
}

static void test_error_bad_values(void)
{
    check_load_fails("[job]\ncommand = count\nkernel = wave\n", 3,
                     "bad value 'wave' for job.kernel (expected primes, mandel or heat)");
    /* Another kernel's commands and values, through its own table. */
    check_load_fails("[job]\ncommand = count\nkernel = mandel\n", 2,
                     "bad value 'count' for job.command (expected image)");
    /* A grid's work is not the unit engine's: no schedule, no distribution. */
    check_load_fails("[job]\nkernel = heat\n[parallel]\nschedule = static\n", 4,
                     "key parallel.schedule does not apply to command solve");
    check_load_fails("[job]\nkernel = heat\n[grid]\ndt = -1\n", 4,
                     "bad value '-1' for grid.dt (expected a finite number above 0)");
    check_load_fails("[job]\nkernel = mandel\n[image]\nsize = 0\n", 4,
                     "bad value '0' for image.size (expected N or WxH, each from 1 to 1000000 pixels)");
    check_load_fails("[job]\nkernel = primes\ncommand = sum\n", 3,
                     "bad value 'sum' for job.command (expected count, list, check, nth or test)");

    /* The bad line is line 5, after a count job's [job] section. */
    static const struct {
        const char *line;
        const char *why;
    } cases[] = {
        {"[count]\npattern = cousins", "bad value 'cousins' for count.pattern (expected primes, twins, triplets, "
                                       "quadruplets, quintuplets or sextuplets)"},
        {"[parallel]\nthreads = 0", "bad value '0' for parallel.threads (expected a whole number from 1 to 4096)"},
        {"[parallel]\nthreads = 4097",
         "bad value '4097' for parallel.threads (expected a whole number from 1 to 4096)"},
        {"[parallel]\nthreads = four",
         "bad value 'four' for parallel.threads (expected a whole number from 1 to 4096)"},
        {"[parallel]\nthreads = -2", "bad value '-2' for parallel.threads (expected a whole number from 1 to 4096)"},
        {"[parallel]\nschedule = dynamic,0", "bad value 'dynamic,0' for parallel.schedule (expected static, dynamic "
                                             "or guided, optionally followed by ,CHUNK)"},
        {"[parallel]\nschedule = fast", "bad value 'fast' for parallel.schedule (expected static, dynamic or guided, "
                                        "optionally followed by ,CHUNK)"},
        {"[parallel]\ndistribute = round-robin",
         "bad value 'round-robin' for parallel.distribute (expected block, dynamic or cyclic)"},
        {"[parallel]\nalgo = wheel", "bad value 'wheel' for parallel.algo (expected sieve or trial)"},
        {"[output]\njson = maybe", "bad value 'maybe' for output.json (expected true, false, yes, no, 1 or 0)"},
        {"[output]\ntime = True", "bad value 'True' for output.time (expected true, false, yes, no, 1 or 0)"},
        {"[output]\nquiet = 2", "bad value '2' for output.quiet (expected true, false, yes, no, 1 or 0)"},
        {"[output]\nprogress = yes", "bad value 'yes' for output.progress (expected auto, on or off)"},
        {"[output]\ntimeout = -1", "bad value '-1' for output.timeout (expected a number of seconds, 0 for none)"},
        {"[output]\ntimeout = 5s", "bad value '5s' for output.timeout (expected a number of seconds, 0 for none)"},
        {"[output]\ntimeout = nan", "bad value 'nan' for output.timeout (expected a number of seconds, 0 for none)"},
        {"[output]\ntimeout = 1e10", "bad value '1e10' for output.timeout (expected a number of seconds, 0 for none)"},
        {"[range]\nhi =", "bad value '' for range.hi (expected a number such as 1e10, 1e12+1e9 or 2^64-1)"},
        {"[range]\nlo = ;", "bad value '' for range.lo (expected a number such as 0, 1e12 or 2^64-1e9)"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char text[512];
        snprintf(text, sizeof text, COUNT_JOB "%s\n; after\n[range]\nhi = 7\n", cases[i].line);
        check_load_fails(text, 5, cases[i].why);
    }

    /* Per command: list and check spell formats differently. */
    check_load_fails("[job]\nkernel = primes\ncommand = list\n[output]\nformat = jsonl\n", 5,
                     "bad value 'jsonl' for output.format (expected text or binary)");
    check_load_fails("[job]\nkernel = primes\ncommand = check\n[check]\nformat = binary\n", 5,
                     "bad value 'binary' for check.format (expected text or jsonl)");
    check_load_fails("[job]\nkernel = primes\ncommand = check\n[check]\non_error = ignore\n", 5,
                     "bad value 'ignore' for check.on_error (expected fail or skip)");
    check_load_fails("[job]\nkernel = primes\ncommand = list\n[output]\npath = ;\n", 5,
                     "bad value '' for output.path (expected a file name)");
}

static void test_error_duplicate_key(void)
{
    check_load_fails(COUNT_JOB "[range]\nhi = 10\n\nhi = 20\n", 7, "duplicate key range.hi (first given on line 5)");
    check_load_fails(COUNT_JOB "[range]\nhi = 10\n[job]\ncommand = list\n", 7,
                     "duplicate key job.command (first given on line 3)");
    /* In a section split in two, and in another case of indentation. */
    check_load_fails(COUNT_JOB "[range]\nhi = 10\n[output]\ntime = true\n[output]\n   time = false\n", 9,
                     "duplicate key output.time (first given on line 7)");
}

static void test_error_key_for_another_command(void)
{
    /* [job] first: found on the line itself. */
    check_load_fails(COUNT_JOB "[range]\nhi = 10\n[nth]\nn = 5\n[parallel]\nthreadz = 1\n", 7,
                     "key nth.n does not apply to command count");
    check_load_fails("[job]\nkernel = primes\ncommand = nth\n[nth]\nn = 5\n[range]\nhi = 10\n", 7,
                     "key range.hi does not apply to command nth");
    check_load_fails(COUNT_JOB "[range]\nhi = 10\n[output]\npath = out.txt\n", 7,
                     "key output.path does not apply to command count");
    check_load_fails("[job]\nkernel = primes\ncommand = list\n[range]\nhi = 9\n[count]\npattern = twins\n", 7,
                     "key count.pattern does not apply to command list");
    check_load_fails("[job]\nkernel = primes\ncommand = check\n[check]\ninput = -\n[parallel]\nalgo = sieve\n", 7,
                     "key parallel.algo does not apply to command check");
    check_load_fails("[job]\nkernel = primes\ncommand = nth\n[nth]\nn = 9\n[check]\non_error = skip\n", 7,
                     "key check.on_error does not apply to command nth");
    /* [job] last: found at the end, reported at the first such key. */
    check_load_fails("[range]\nhi = 10\n[check]\ninput = a\n[nth]\nn = 5\n[job]\nkernel = primes\ncommand = nth\n",
                     2, "key range.hi does not apply to command nth");
}

static void test_error_missing_keys(void)
{
    check_load_fails("", 0, "missing required key job.kernel");
    check_load_fails("; nothing but a comment\n", 0, "missing required key job.kernel");
    check_load_fails("[job]\ncommand = count\n[range]\nhi = 1\n", 0, "missing required key job.kernel");
    check_load_fails("[job]\nkernel = primes\n[range]\nhi = 1\n", 0, "missing required key job.command");
    check_load_fails(COUNT_JOB "[range]\nlo = 1\n", 0, "missing required key range.hi");
    check_load_fails("[job]\nkernel = primes\ncommand = list\n", 0, "missing required key range.hi");
    check_load_fails("[job]\nkernel = primes\ncommand = nth\n", 0, "missing required key nth.n");
    check_load_fails("[job]\nkernel = primes\ncommand = check\n[check]\nformat = text\n", 0,
                     "missing required key check.input");
}

static void test_error_contradictions(void)
{
    check_load_fails("[job]\nkernel = primes\ncommand = check\n[output]\njson = true\n[check]\ninput = -\n"
                     "format = jsonl\n",
                     8, "choose one of output.json = true and check.format = jsonl");
}

static void test_error_syntax(void)
{
    check_load_fails("[job]\nkernel = primes\n[range\n", 3, "expected [section], key = value or a comment");
    check_load_fails(COUNT_JOB "[range]\nhi 10\n", 5, "expected [section], key = value or a comment");
    /* A value does not continue onto an indented line. */
    check_load_fails("[job]\nkernel = primes\ncommand = check\n[check]\ninput = a.txt\n    b.txt\n", 6,
                     "expected [section], key = value or a comment");
}

static void test_error_line_too_long(void)
{
    char text[1024];
    int length = snprintf(text, sizeof text, COUNT_JOB "[range]\nhi = ");
    memset(text + length, '9', 300);
    snprintf(text + length + 300, sizeof text - (size_t)length - 300, "\n[count]\npattern = twins\n");
    check_load_fails(text, 5, "line too long (at most 197 characters)");

    /* 197 characters fit, even as the last line without a newline. */
    length = snprintf(text, sizeof text, COUNT_JOB "[range]\nhi = ");
    memset(text + length, '9', 192);
    text[length + 192] = '\0';
    job_case job;
    CU_ASSERT_EQUAL(job_load_text(&job, text), PK_OK);
    CU_ASSERT_EQUAL(strlen(job.spec.args[0]), 192);
    job_end(&job);
}

/* Only the first error is reported, whichever kind it is. */
static void test_error_first_one_wins(void)
{
    check_load_fails(COUNT_JOB "[range]\nhi = 1\n[parallel]\nthreads = 0\nalgo = bogo\nspeed = 11\n", 7,
                     "bad value '0' for parallel.threads (expected a whole number from 1 to 4096)");
    /* inih's own error before one of the handler's, and after. */
    check_load_fails(COUNT_JOB "oops\n[range]\nhi = 1\nhi = 2\n", 4, "expected [section], key = value or a comment");
    check_load_fails(COUNT_JOB "[range]\nhi = 1\nhi = 2\noops\n", 6, "duplicate key range.hi (first given on line 5)");
    /* A line error wins over what only the end of the file shows. */
    check_load_fails("[nth]\nn = 1\n[job]\nkernel = primes\ncommand = count\nbad = 1\n", 6,
                     "unknown key 'bad' in section [job] (expected kernel or command)");
}

static void test_error_too_many_inputs(void)
{
    size_t size = (size_t)PK_JOB_MAX_ARGS * 24 + 256;
    char *text = malloc(size);
    CU_ASSERT_PTR_NOT_NULL_FATAL(text);
    int length = snprintf(text, size, "[job]\nkernel = primes\ncommand = check\n[check]\n");
    for (int i = 0; i < PK_JOB_MAX_ARGS; i++)
        length += snprintf(text + length, size - (size_t)length, "input = f%d\n", i);
    job_case job;
    CU_ASSERT_EQUAL(job_load_text(&job, text), PK_OK);
    CU_ASSERT_EQUAL(job.spec.nargs, PK_JOB_MAX_ARGS);
    char last[32], message[96];
    snprintf(last, sizeof last, "f%d", PK_JOB_MAX_ARGS - 1);
    CU_ASSERT_STRING_EQUAL(job.spec.args[PK_JOB_MAX_ARGS - 1], last);
    job_end(&job);

    snprintf(text + length, size - (size_t)length, "input = one-more\n");
    snprintf(message, sizeof message, "too many inputs in check.input (at most %d)", PK_JOB_MAX_ARGS);
    check_load_fails(text, 5 + PK_JOB_MAX_ARGS, message);
    free(text);
}

static void test_error_file_cannot_be_read(void)
{
    job_case job;
    job_start(&job);
    pk_job_spec before = job.spec;
    CU_ASSERT_EQUAL(pk_job_file_load(&job.spec, job.store, "jobs/no-such-job.ini", job.error, sizeof job.error),
                    PK_EIO);
    check_error(&job, "jobs/no-such-job.ini: cannot open: No such file or directory");
    CU_ASSERT(memcmp(&before, &job.spec, sizeof before) == 0);

    /* A directory opens, then fails to read. */
    CU_ASSERT_EQUAL(pk_job_file_load(&job.spec, job.store, "jobs", job.error, sizeof job.error), PK_EIO);
    check_error(&job, "jobs: cannot read: Is a directory");
    CU_ASSERT(memcmp(&before, &job.spec, sizeof before) == 0);
    job_end(&job);
}

/* A NUL byte used to cut its line in two silently; /dev/zero was read
 * forever.  Both are refused, with the line or the size. */
static void test_error_nul_and_size(void)
{
    job_case job;
    job_start(&job);
    static const char text[] = COUNT_JOB "[range]\nhi = 1e6\0\nlo = 5\n";
    snprintf(job.path, sizeof job.path, "/tmp/pk-jobfile-XXXXXX");
    int fd = mkstemp(job.path);
    CU_ASSERT_FATAL(fd >= 0);
    CU_ASSERT_FATAL(write(fd, text, sizeof text - 1) == (ssize_t)(sizeof text - 1));
    close(fd);
    pk_job_spec before = job.spec;
    CU_ASSERT_EQUAL(pk_job_file_load(&job.spec, job.store, job.path, job.error, sizeof job.error), PK_EINVAL);
    check_error(&job, "%s:5: contains a NUL byte", job.path);
    CU_ASSERT(memcmp(&before, &job.spec, sizeof before) == 0);
    job_end(&job);

    char *big = malloc(PK_JOB_FILE_MAX_BYTES + 2);
    CU_ASSERT_PTR_NOT_NULL_FATAL(big);
    memset(big, ';', PK_JOB_FILE_MAX_BYTES + 1);
    big[PK_JOB_FILE_MAX_BYTES + 1] = '\0';
    CU_ASSERT_EQUAL(job_load_text(&job, big), PK_EINVAL);
    check_error(&job, "%s: larger than 1024 KiB: not a job file", job.path);
    job_end(&job);
    free(big);
    job_start(&job);
    CU_ASSERT_EQUAL(pk_job_file_load(&job.spec, job.store, "/dev/zero", job.error, sizeof job.error), PK_EINVAL);
    check_error(&job, "/dev/zero: larger than 1024 KiB: not a job file");
    job_end(&job);
}

static void test_bad_arguments(void)
{
    job_case job;
    job_start(&job);
    CU_ASSERT_EQUAL(pk_job_file_load(NULL, job.store, "jobs/twins.ini", NULL, 0), PK_EINVAL);
    CU_ASSERT_EQUAL(pk_job_file_load(&job.spec, NULL, "jobs/twins.ini", NULL, 0), PK_EINVAL);
    CU_ASSERT_EQUAL(pk_job_file_load(&job.spec, job.store, NULL, NULL, 0), PK_EINVAL);
    CU_ASSERT_EQUAL(pk_job_file_set(&job.spec, job.store, NULL, NULL, 0), PK_EINVAL);
    /* No error buffer: the status alone. */
    CU_ASSERT_EQUAL(pk_job_file_load(&job.spec, job.store, "jobs/no-such-job.ini", NULL, 0), PK_EIO);
    CU_ASSERT_EQUAL(pk_job_file_load(&job.spec, job.store, "jobs/twins.ini", NULL, 0), PK_OK);
    CU_ASSERT_EQUAL(pk_job_file_set(&job.spec, job.store, "output.json=perhaps", NULL, 0), PK_EINVAL);
    /* A short buffer gets a truncated message, still terminated. */
    char tiny[8];
    CU_ASSERT_EQUAL(pk_job_file_set(&job.spec, job.store, "output.json=perhaps", tiny, sizeof tiny), PK_EINVAL);
    CU_ASSERT_STRING_EQUAL(tiny, "--set o");
    job_end(&job);
    pk_job_strings_free(NULL);
}

/* ---- overrides ----------------------------------------------------------------- */

static void test_set_valid(void)
{
    job_case job;
    example_load(&job, "twins.ini");
    CU_ASSERT_EQUAL(job_set(&job, "range.hi=1e11"), PK_OK);
    check_args(&job.spec, 1, "1e11");
    CU_ASSERT_EQUAL(job_set(&job, "range.lo = 1e10"), PK_OK); /* spaces around are dropped */
    check_args(&job.spec, 2, "1e10", "1e11");
    CU_ASSERT_EQUAL(job_set(&job, "parallel.threads=8"), PK_OK);
    CU_ASSERT_EQUAL(job.spec.threads, 8);
    CU_ASSERT_EQUAL(job_set(&job, "parallel.threads=2"), PK_OK); /* again: the last wins */
    CU_ASSERT_EQUAL(job.spec.threads, 2);
    CU_ASSERT_EQUAL(job_set(&job, "count.pattern=triplets"), PK_OK);
    CU_ASSERT_EQUAL(PRIMES(&job.spec)->pattern, PK_PATTERN_TRIPLETS);
    CU_ASSERT_EQUAL(job_set(&job, "output.time=false"), PK_OK);
    CU_ASSERT(!job.spec.time);
    CU_ASSERT_EQUAL(job_set(&job, "output.progress=on"), PK_OK);
    CU_ASSERT_EQUAL(job.spec.progress, 1);
    job_end(&job);

    /* check.input replaces the list; a value may hold '=' and '.' */
    example_load(&job, "check-numbers.ini");
    CU_ASSERT_EQUAL(job_set(&job, "check.input=- a=b.txt"), PK_OK);
    check_args(&job.spec, 2, "-", "a=b.txt");
    CU_ASSERT_EQUAL(job_set(&job, "check.format=jsonl"), PK_OK);
    CU_ASSERT(PRIMES(&job.spec)->jsonl);
    job_end(&job);

    /* The command may change when the rest of the job fits it. */
    example_load(&job, "demo.ini");
    CU_ASSERT_EQUAL(job_set(&job, "job.command=list"), PK_OK);
    CU_ASSERT_EQUAL(job.spec.command, PK_COMMAND_LIST);
    check_args(&job.spec, 1, "1e9");
    CU_ASSERT_EQUAL(job_set(&job, "output.path=p.txt"), PK_OK);
    CU_ASSERT_STRING_EQUAL(job.spec.output, "p.txt");
    job_end(&job);
}

/* A failed override leaves the spec as it was. */
static void check_set_fails(job_case *job, const char *assignment, const char *message)
{
    pk_job_spec before = job->spec;
    CU_ASSERT_EQUAL(job_set(job, assignment), PK_EINVAL);
    check_error(job, "%s", message);
    CU_ASSERT(memcmp(&before, &job->spec, sizeof before) == 0);
}

static void test_set_errors(void)
{
    job_case job;
    example_load(&job, "twins.ini");
    check_set_fails(&job, "range.hgh=5", "--set range.hgh=5: unknown key 'hgh' in section [range] (expected lo or hi)");
    check_set_fails(&job, "rnage.hi=5", "--set rnage.hi=5: unknown section [rnage] (expected job, range, count, nth, "
                                        "check, parallel, output or checkpoint)");
    check_set_fails(&job, "threads=5", "--set threads=5: expected SECTION.KEY=VALUE, such as range.hi=1e11");
    check_set_fails(&job, "parallel.threads", "--set parallel.threads: expected SECTION.KEY=VALUE, such as "
                                              "range.hi=1e11");
    check_set_fails(&job, "", "--set : expected SECTION.KEY=VALUE, such as range.hi=1e11");
    check_set_fails(&job, "parallel.threads=0",
                    "--set parallel.threads=0: bad value '0' for parallel.threads (expected a whole number from 1 "
                    "to 4096)");
    check_set_fails(&job, "range.hi=", "--set range.hi=: bad value '' for range.hi (expected a number such as 1e10, "
                                       "1e12+1e9 or 2^64-1)");
    check_set_fails(&job, "job.command=add", "--set job.command=add: bad value 'add' for job.command (expected count, "
                                             "list, check, nth or test)");
    /* Wrong command: the override's own key ... */
    check_set_fails(&job, "nth.n=5", "--set nth.n=5: key nth.n does not apply to command count");
    check_set_fails(&job, "output.path=x.txt",
                    "--set output.path=x.txt: key output.path does not apply to command count");
    /* ... or a key of the file that no longer applies. */
    check_set_fails(&job, "job.command=nth",
                    "jobs/twins.ini:13: key range.hi does not apply to command nth (job.command set by --set)");
    check_set_fails(&job, "job.command=list",
                    "jobs/twins.ini:16: key count.pattern does not apply to command list (job.command set by --set)");
    job_end(&job);

    /* An earlier override that no longer applies is named as such. */
    example_load(&job, "list-to-file.ini");
    CU_ASSERT_EQUAL(job_set(&job, "parallel.algo=trial"), PK_OK);
    /* A list keeps its order under any distribution. */
    CU_ASSERT_EQUAL(job_set(&job, "parallel.distribute=cyclic"), PK_OK);
    CU_ASSERT_EQUAL(job.spec.distribute, PK_DISTRIBUTE_CYCLIC);
    CU_ASSERT_TRUE(job.spec.distribute_given);
    job_end(&job);

    example_load(&job, "check-numbers.ini"); /* format = text */
    CU_ASSERT_EQUAL(job_set(&job, "output.json=true"), PK_OK);
    check_set_fails(&job, "check.format=jsonl",
                    "--set check.format: choose one of output.json = true and check.format = jsonl");
    job_end(&job);
}

/* Overrides without a job file: the job must still be complete. */
static void test_set_without_file(void)
{
    job_case job;
    job_start(&job);
    CU_ASSERT_EQUAL(job_set(&job, "job.kernel=primes"), PK_EINVAL);
    check_error(&job, "--set: missing required key job.command");
    job_end(&job);
}

int pk_suite_jobfile(void)
{
    static const pk_test_case cases[] = {
        {"example_laptop_demo", test_example_laptop_demo},
        {"example_count_large", test_example_count_large},
        {"example_twins", test_example_twins},
        {"example_list_to_file", test_example_list_to_file},
        {"example_check_numbers", test_example_check_numbers},
        {"example_numbers_file", test_example_numbers_file},
        {"args_count_and_list", test_args_count_and_list},
        {"args_nth_and_check", test_args_nth_and_check},
        {"section_order_does_not_matter", test_section_order_does_not_matter},
        {"every_setting", test_every_setting},
        {"syntax_variants", test_syntax_variants},
        {"numbers_are_not_evaluated_here", test_numbers_are_not_evaluated_here},
        {"error_unknown_section_and_key", test_error_unknown_section_and_key},
        {"keys_come_from_the_kernel_table", test_keys_come_from_the_kernel_table},
        {"error_bad_values", test_error_bad_values},
        {"error_duplicate_key", test_error_duplicate_key},
        {"error_key_for_another_command", test_error_key_for_another_command},
        {"error_missing_keys", test_error_missing_keys},
        {"error_contradictions", test_error_contradictions},
        {"error_syntax", test_error_syntax},
        {"error_line_too_long", test_error_line_too_long},
        {"error_first_one_wins", test_error_first_one_wins},
        {"error_too_many_inputs", test_error_too_many_inputs},
        {"error_file_cannot_be_read", test_error_file_cannot_be_read},
        {"error_nul_and_size", test_error_nul_and_size},
        {"bad_arguments", test_bad_arguments},
        {"set_valid", test_set_valid},
        {"set_errors", test_set_errors},
        {"set_without_file", test_set_without_file},
        {NULL, NULL},
    };
    return pk_suite_add("jobfile", cases);
}

#else /* without libinih a job file is refused with the way to fix it */

static void test_needs_libinih(void)
{
    pk_job_spec spec;
    pk_job_spec_init(&spec);
    pk_job_strings *store = pk_job_strings_create();
    char error[256] = "";
    CU_ASSERT_EQUAL(pk_job_file_load(&spec, store, "jobs/demo.ini", error, sizeof error), PK_ENOTSUP);
    CU_ASSERT_PTR_NOT_NULL(strstr(error, "libinih-dev"));
    pk_job_strings_free(store);
}

int pk_suite_jobfile(void)
{
    static const pk_test_case cases[] = {{"needs_libinih", test_needs_libinih}, {NULL, NULL}};
    pk_test_skipped("jobfile: every test of reading job files", "built without libinih: apt-get install libinih-dev");
    return pk_suite_add("jobfile", cases);
}

#endif
