/*
 * Job files: the INI front end of a job (see parkit/jobfile.h).
 *
 * Cluster users keep their jobs in files beside their sbatch scripts and run
 * them with `parkit run JOB.ini`.  A job file must mean exactly what the
 * equivalent command line means, so this file only fills a pk_job_spec, the
 * struct the CLI fills, and leaves the running to the one executor.  The
 * numbers (range.lo, range.hi, nth.n) stay text in args[], as the CLI's
 * positional arguments do: the executor parses them, so a bad number reads
 * the same from either front end.
 *
 * The format:
 *
 *   [job]
 *   kernel = primes       ; required; the only kernel so far
 *   command = count       ; required: count | list | check | nth
 *   [range]               ; count and list
 *   lo = 0                ; optional, default 0; any parkit number: 1e10, 2^64-1, 1e12+1e9
 *   hi = 1e10             ; required for count and list
 *   [count]
 *   pattern = primes      ; primes | twins | triplets | quadruplets | quintuplets | sextuplets
 *   [nth]
 *   n = 1e9               ; required for nth
 *   [check]
 *   input = numbers.txt   ; required for check: files, '-' (stdin) or numbers, as
 *                         ; `parkit primes check` takes them; several separated by
 *                         ; spaces, or repeated keys, in order
 *   on_error = fail       ; fail | skip
 *   format = text         ; text | jsonl
 *   [parallel]            ; every command
 *   threads = 4           ; 1..4096; absent: OMP_NUM_THREADS, SLURM_CPUS_PER_TASK, affinity mask
 *   schedule = dynamic,4  ; static | dynamic | guided, optionally ,CHUNK
 *   distribute = dynamic  ; dynamic | cyclic | block (how MPI ranks share the work)
 *   algo = sieve          ; sieve | trial (count, list and nth)
 *   [output]
 *   path = primes.txt     ; list: the file to write (-o)
 *   format = text         ; list: text | binary
 *   json = false          ; true | false | yes | no | 1 | 0
 *   time = false          ; same
 *   quiet = false         ; same
 *   progress = auto       ; auto | on | off
 *   timeout = 0           ; seconds; 0 = none
 *   [checkpoint]          ; count, list (with output.path) and check
 *   path = job.ck         ; save progress here (--checkpoint)
 *   interval = 60         ; seconds between checkpoints
 *   resume = true         ; continue from the checkpoint when there is one (--resume)
 *
 * The args the executor gets are those of the command line: count and list
 * [lo, hi] (or [hi] without lo), nth [n], check the inputs in order.
 *
 * Syntax is libinih's: names are case-sensitive; white space around names
 * and values is dropped; a comment is a line starting with ';' or '#', or
 * ' ;' after a value ('#' after a value is part of it); "key: value" works
 * too; a line holds at most 197 characters.  Indentation does not matter:
 * values never continue onto the next line (see read_line).  Sections may
 * come in any order and be split; a section with no keys is not seen.
 * Paths are relative to the directory parkit runs in, as on the command
 * line, not to the job file.
 *
 * Errors (the first one only; the CLI exits 2):
 *   FILE:LINE: unknown section [z] (expected ...)
 *   FILE:LINE: unknown key 'x' in section [y] (expected ...)
 *   FILE:LINE: bad value 'v' for parallel.threads (expected ...)
 *   FILE:LINE: duplicate key job.command (first given on line N)
 *   FILE:LINE: key nth.n does not apply to command count
 *   FILE:LINE: expected [section], key = value or a comment
 *   FILE: missing required key range.hi
 * A line is checked when it is read.  What needs the whole file, because
 * sections come in any order, is checked at its end: keys for another
 * command when [job] came later, settings that contradict each other, and
 * missing keys.  An override (--set) is checked like a last line, then the
 * whole job again.
 *
 * Line numbers: Debian's inih calls the handler without them
 * (INI_HANDLER_LINENO=0) and returns the line of the first line the handler
 * refused, which is what "FILE:LINE" messages use.  The end-of-file checks
 * need the line of every key, so the file reaches inih through a reader that
 * counts lines, one per call, as inih does; it also stops the parse at the
 * first error, refuses over-long lines, which inih would otherwise split in
 * two, and drops indentation (see read_line).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#if PK_HAVE_INIH
#include <ini.h>
#endif

#include "parkit/cpus.h"
#include "parkit/engine.h"
#include "parkit/jobfile.h"
#include "parkit/numexpr.h"
#include "parkit/status.h"

#if PK_HAVE_INIH

/* ---- the settings a job file knows --------------------------------------- */

typedef enum setting_id {
    SETTING_JOB_KERNEL,
    SETTING_JOB_COMMAND,
    SETTING_RANGE_LO,
    SETTING_RANGE_HI,
    SETTING_COUNT_PATTERN,
    SETTING_NTH_N,
    SETTING_CHECK_INPUT,
    SETTING_CHECK_ON_ERROR,
    SETTING_CHECK_FORMAT,
    SETTING_PARALLEL_THREADS,
    SETTING_PARALLEL_SCHEDULE,
    SETTING_PARALLEL_DISTRIBUTE,
    SETTING_PARALLEL_ALGO,
    SETTING_OUTPUT_PATH,
    SETTING_OUTPUT_FORMAT,
    SETTING_OUTPUT_JSON,
    SETTING_OUTPUT_TIME,
    SETTING_OUTPUT_QUIET,
    SETTING_OUTPUT_PROGRESS,
    SETTING_OUTPUT_TIMEOUT,
    SETTING_CHECKPOINT_PATH,
    SETTING_CHECKPOINT_INTERVAL,
    SETTING_CHECKPOINT_RESUME,
    SETTINGS_TOTAL
} setting_id;

/* The commands a setting applies to, one bit per pk_command. */
#define FOR(command) (1u << (command))
#define FOR_RANGE_JOBS (FOR(PK_COMMAND_COUNT) | FOR(PK_COMMAND_LIST))
#define FOR_ALL (FOR_RANGE_JOBS | FOR(PK_COMMAND_CHECK) | FOR(PK_COMMAND_NTH))

#define STRINGIFY_(x) #x
#define STRINGIFY(x) STRINGIFY_(x)
#define BOOLEAN_VALUES "true, false, yes, no, 1 or 0"

typedef struct setting {
    const char *section;
    const char *key;
    unsigned commands;    /* FOR() bits */
    const char *expected; /* what a good value looks like, for messages */
} setting;

/* In the order of the documentation above, which is also the order in
 * which messages list the keys of a section. */
static const setting settings[SETTINGS_TOTAL] = {
    [SETTING_JOB_KERNEL] = {"job", "kernel", FOR_ALL, "primes, the only kernel so far"},
    [SETTING_JOB_COMMAND] = {"job", "command", FOR_ALL, "count, list, check or nth"},
    [SETTING_RANGE_LO] = {"range", "lo", FOR_RANGE_JOBS, "a number such as 0, 1e12 or 2^64-1e9"},
    [SETTING_RANGE_HI] = {"range", "hi", FOR_RANGE_JOBS, "a number such as 1e10, 1e12+1e9 or 2^64-1"},
    [SETTING_COUNT_PATTERN] = {"count", "pattern", FOR(PK_COMMAND_COUNT),
                               "primes, twins, triplets, quadruplets, quintuplets or sextuplets"},
    [SETTING_NTH_N] = {"nth", "n", FOR(PK_COMMAND_NTH), "a number such as 1e9"},
    [SETTING_CHECK_INPUT] = {"check", "input", FOR(PK_COMMAND_CHECK),
                             "files, numbers or - (stdin), separated by spaces"},
    [SETTING_CHECK_ON_ERROR] = {"check", "on_error", FOR(PK_COMMAND_CHECK), "fail or skip"},
    [SETTING_CHECK_FORMAT] = {"check", "format", FOR(PK_COMMAND_CHECK), "text or jsonl"},
    [SETTING_PARALLEL_THREADS] = {"parallel", "threads", FOR_ALL,
                                  "a whole number from 1 to " STRINGIFY(PK_MAX_THREADS)},
    [SETTING_PARALLEL_SCHEDULE] = {"parallel", "schedule", FOR_ALL,
                                   "static, dynamic or guided, optionally followed by ,CHUNK"},
    [SETTING_PARALLEL_DISTRIBUTE] = {"parallel", "distribute", FOR_ALL, "block, dynamic or cyclic"},
    [SETTING_PARALLEL_ALGO] = {"parallel", "algo", FOR_RANGE_JOBS | FOR(PK_COMMAND_NTH), "sieve or trial"},
    [SETTING_OUTPUT_PATH] = {"output", "path", FOR(PK_COMMAND_LIST), "a file name"},
    [SETTING_OUTPUT_FORMAT] = {"output", "format", FOR(PK_COMMAND_LIST), "text or binary"},
    [SETTING_OUTPUT_JSON] = {"output", "json", FOR_ALL, BOOLEAN_VALUES},
    [SETTING_OUTPUT_TIME] = {"output", "time", FOR_ALL, BOOLEAN_VALUES},
    [SETTING_OUTPUT_QUIET] = {"output", "quiet", FOR_ALL, BOOLEAN_VALUES},
    [SETTING_OUTPUT_PROGRESS] = {"output", "progress", FOR_ALL, "auto, on or off"},
    [SETTING_OUTPUT_TIMEOUT] = {"output", "timeout", FOR_ALL, "a number of seconds, 0 for none"},
    [SETTING_CHECKPOINT_PATH] = {"checkpoint", "path", FOR_RANGE_JOBS | FOR(PK_COMMAND_CHECK), "a file name"},
    [SETTING_CHECKPOINT_INTERVAL] = {"checkpoint", "interval", FOR_RANGE_JOBS | FOR(PK_COMMAND_CHECK),
                                     "a positive number of seconds"},
    [SETTING_CHECKPOINT_RESUME] = {"checkpoint", "resume", FOR_RANGE_JOBS | FOR(PK_COMMAND_CHECK), BOOLEAN_VALUES},
};

/* ---- what was given, and where -------------------------------------------- */

/* Where a setting came from: not given, a line of the job file (> 0), or --set. */
enum { ORIGIN_NONE = 0, ORIGIN_SET = -1 };

typedef struct job_given {
    int origin[SETTINGS_TOTAL]; /* for check.input, its first line */
    const char *text[SETTINGS_TOTAL]; /* range.lo, range.hi, nth.n as written */
    const char *inputs[PK_JOB_MAX_ARGS];
    int ninputs;
} job_given;

struct pk_job_strings {
    char **strings; /* each malloc'd; freed with the store */
    size_t count, capacity;
    const char *path; /* the job file loaded (in strings); NULL before */
    job_given given;  /* what the file and the overrides so far gave */
};

/* A job being read: a copy of the caller's spec and of the store's record,
 * committed back only when everything checks out. */
typedef struct job_draft {
    pk_job_spec spec;
    job_given given;
    pk_job_strings *store;
    const char *path; /* for messages; NULL when no file was loaded */
} job_draft;

enum { WHY_SIZE = 512 };

/* ---- the string store ------------------------------------------------------- */

pk_job_strings *pk_job_strings_create(void)
{
    return calloc(1, sizeof(pk_job_strings));
}

void pk_job_strings_free(pk_job_strings *store)
{
    if (store == NULL)
        return;
    for (size_t i = 0; i < store->count; i++)
        free(store->strings[i]);
    free(store->strings);
    free(store);
}

/* A copy of the LENGTH bytes at TEXT owned by STORE; NULL when out of memory. */
static const char *store_keep(pk_job_strings *store, const char *text, size_t length)
{
    if (store->count == store->capacity) {
        size_t capacity = store->capacity == 0 ? 16 : 2 * store->capacity;
        char **strings = realloc(store->strings, capacity * sizeof *strings);
        if (strings == NULL)
            return NULL;
        store->strings = strings;
        store->capacity = capacity;
    }
    char *copy = strndup(text, length);
    if (copy == NULL)
        return NULL;
    store->strings[store->count++] = copy;
    return copy;
}

/* ---- messages ------------------------------------------------------------------ */

static void say(char *buffer, size_t size, const char *format, ...) __attribute__((format(printf, 3, 4)));

static void say(char *buffer, size_t size, const char *format, ...)
{
    if (buffer == NULL || size == 0)
        return;
    va_list args;
    va_start(args, format);
    vsnprintf(buffer, size, format, args);
    va_end(args);
}

/* "FILE:LINE" or "--set SECTION.KEY": where setting ID was given. */
static const char *origin_name(const job_draft *draft, setting_id id, char *buffer, size_t size)
{
    int origin = draft->given.origin[id];
    if (origin > 0)
        snprintf(buffer, size, "%s:%d", draft->path, origin);
    else
        snprintf(buffer, size, "--set %s.%s", settings[id].section, settings[id].key);
    return buffer;
}

/* Orders origins as they were given: file lines first, then overrides. */
static int origin_rank(int origin)
{
    return origin == ORIGIN_SET ? INT_MAX : origin;
}

/* ---- one setting ---------------------------------------------------------------- */

/* Finds [SECTION] KEY; PK_EINVAL with the reason in WHY when unknown. */
static int setting_find(const char *section, const char *key, setting_id *id, char *why, size_t why_size)
{
    bool section_known = false;
    for (int s = 0; s < SETTINGS_TOTAL; s++) {
        if (strcmp(settings[s].section, section) != 0)
            continue;
        section_known = true;
        if (strcmp(settings[s].key, key) == 0) {
            *id = (setting_id)s;
            return PK_OK;
        }
    }
    if (section[0] == '\0') {
        say(why, why_size, "key '%s' comes before any [section]", key);
    } else if (!section_known) {
        say(why, why_size, "unknown section [%s] (expected job, range, count, nth, check, parallel, output or checkpoint)",
            section);
    } else {
        /* "expected lo or hi", "expected threads, schedule, distribute or algo" */
        char keys[WHY_SIZE / 2] = "";
        size_t used = 0;
        int listed = 0, in_section = 0;
        for (int s = 0; s < SETTINGS_TOTAL; s++)
            in_section += strcmp(settings[s].section, section) == 0;
        for (int s = 0; s < SETTINGS_TOTAL; s++) {
            if (strcmp(settings[s].section, section) != 0 || used >= sizeof keys)
                continue;
            listed++;
            const char *separator = listed == 1 ? "" : listed == in_section ? " or " : ", ";
            used += (size_t)snprintf(keys + used, sizeof keys - used, "%s%s", separator, settings[s].key);
        }
        say(why, why_size, "unknown key '%s' in section [%s] (expected %s)", key, section, keys);
    }
    return PK_EINVAL;
}

/* Does setting ID apply to the job's command, as far as it is known yet? */
static int setting_applies(const job_draft *draft, setting_id id, char *why, size_t why_size)
{
    if (id == SETTING_JOB_COMMAND || draft->given.origin[SETTING_JOB_COMMAND] == ORIGIN_NONE)
        return PK_OK;
    if (settings[id].commands & FOR(draft->spec.command))
        return PK_OK;
    say(why, why_size, "key %s.%s does not apply to command %s", settings[id].section, settings[id].key,
        pk_command_name(draft->spec.command));
    return PK_EINVAL;
}

static bool parse_boolean(const char *text, bool *value)
{
    static const char *const yes[] = {"true", "yes", "1"}, *const no[] = {"false", "no", "0"};
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++) {
        if (strcmp(text, yes[i]) == 0 || strcmp(text, no[i]) == 0) {
            *value = strcmp(text, yes[i]) == 0;
            return true;
        }
    }
    return false;
}

/* Splits VALUE at spaces and tabs and adds the words to the inputs. */
static int add_inputs(job_draft *draft, const char *value, char *why, size_t why_size)
{
    static const char blanks[] = " \t";
    for (const char *word = value + strspn(value, blanks); *word != '\0'; word += strspn(word, blanks)) {
        size_t length = strcspn(word, blanks);
        if (draft->given.ninputs == PK_JOB_MAX_ARGS) {
            say(why, why_size, "too many inputs in check.input (at most %d)", PK_JOB_MAX_ARGS);
            return PK_EINVAL;
        }
        const char *copy = store_keep(draft->store, word, length);
        if (copy == NULL)
            return PK_ENOMEM;
        draft->given.inputs[draft->given.ninputs++] = copy;
        word += length;
    }
    return PK_OK;
}

/* Stores VALUE for setting ID in the draft.  REPLACE_INPUTS: check.input
 * replaces the inputs so far instead of adding to them.  PK_OK, PK_EINVAL
 * (bad value, reason in WHY) or PK_ENOMEM. */
static int setting_store(job_draft *draft, setting_id id, const char *value, int origin, bool replace_inputs,
                         char *why, size_t why_size)
{
    pk_job_spec *spec = &draft->spec;
    bool good = value[0] != '\0';
    const char *copy;
    if (good) {
        switch (id) {
        case SETTING_JOB_KERNEL:
            good = strcmp(value, "primes") == 0;
            break;
        case SETTING_JOB_COMMAND:
            good = pk_command_parse(value, &spec->command) == PK_OK;
            break;
        case SETTING_RANGE_LO:
        case SETTING_RANGE_HI:
        case SETTING_NTH_N:
            /* Kept as written: the executor parses numbers. */
            if ((copy = store_keep(draft->store, value, strlen(value))) == NULL)
                return PK_ENOMEM;
            draft->given.text[id] = copy;
            break;
        case SETTING_COUNT_PATTERN:
            good = pk_pattern_parse(value, &spec->pattern) == PK_OK;
            break;
        case SETTING_CHECK_INPUT: {
            if (replace_inputs)
                draft->given.ninputs = 0;
            int status = add_inputs(draft, value, why, why_size);
            if (status != PK_OK)
                return status;
            break;
        }
        case SETTING_CHECK_ON_ERROR:
            good = strcmp(value, "fail") == 0 || strcmp(value, "skip") == 0;
            spec->skip_bad_lines = strcmp(value, "skip") == 0;
            break;
        case SETTING_CHECK_FORMAT:
            good = strcmp(value, "text") == 0 || strcmp(value, "jsonl") == 0;
            spec->jsonl = strcmp(value, "jsonl") == 0;
            break;
        case SETTING_PARALLEL_THREADS: {
            uint64_t threads = 0;
            good = pk_parse_u64(value, &threads, NULL) == PK_OK && threads >= 1 && threads <= PK_MAX_THREADS;
            spec->threads = good ? (int)threads : 0;
            break;
        }
        case SETTING_PARALLEL_SCHEDULE:
            good = pk_schedule_parse(value, &spec->schedule) == PK_OK;
            break;
        case SETTING_PARALLEL_DISTRIBUTE:
            good = pk_distribute_parse(value, &spec->distribute) == PK_OK;
            spec->distribute_given = good;
            break;
        case SETTING_PARALLEL_ALGO:
            good = strcmp(value, "sieve") == 0 || strcmp(value, "trial") == 0;
            spec->algo = strcmp(value, "trial") == 0 ? PK_ALGO_TRIAL : PK_ALGO_SIEVE;
            break;
        case SETTING_OUTPUT_PATH:
            if ((copy = store_keep(draft->store, value, strlen(value))) == NULL)
                return PK_ENOMEM;
            spec->output = copy;
            break;
        case SETTING_OUTPUT_FORMAT:
            good = strcmp(value, "text") == 0 || strcmp(value, "binary") == 0;
            spec->binary = strcmp(value, "binary") == 0;
            break;
        case SETTING_OUTPUT_JSON:
            good = parse_boolean(value, &spec->json);
            break;
        case SETTING_OUTPUT_TIME:
            good = parse_boolean(value, &spec->time);
            break;
        case SETTING_OUTPUT_QUIET:
            good = parse_boolean(value, &spec->quiet);
            break;
        case SETTING_OUTPUT_PROGRESS:
            good = strcmp(value, "auto") == 0 || strcmp(value, "on") == 0 || strcmp(value, "off") == 0;
            spec->progress = strcmp(value, "on") == 0 ? 1 : strcmp(value, "off") == 0 ? 0 : -1;
            break;
        case SETTING_OUTPUT_TIMEOUT: {
            char *end;
            errno = 0;
            double seconds = strtod(value, &end);
            good = *end == '\0' && errno == 0 && seconds >= 0 && seconds <= 1e9;
            spec->timeout = good ? seconds : 0;
            break;
        }
        case SETTING_CHECKPOINT_PATH:
            if ((copy = store_keep(draft->store, value, strlen(value))) == NULL)
                return PK_ENOMEM;
            spec->checkpoint = copy;
            break;
        case SETTING_CHECKPOINT_INTERVAL: {
            char *end;
            errno = 0;
            double seconds = strtod(value, &end);
            good = *end == '\0' && errno == 0 && seconds > 0 && seconds <= 1e9;
            spec->checkpoint_interval = good ? seconds : 0;
            break;
        }
        case SETTING_CHECKPOINT_RESUME:
            good = parse_boolean(value, &spec->resume);
            break;
        case SETTINGS_TOTAL:
            good = false;
            break;
        }
    }
    if (!good) {
        say(why, why_size, "bad value '%s' for %s.%s (expected %s)", value, settings[id].section, settings[id].key,
            settings[id].expected);
        return PK_EINVAL;
    }
    /* A repeated check.input keeps the line that started the list. */
    if (!(id == SETTING_CHECK_INPUT && draft->given.origin[id] > 0 && origin > 0))
        draft->given.origin[id] = origin;
    return PK_OK;
}

/* ---- the whole job ------------------------------------------------------------- */

/* Checks what needs every setting, then builds spec->args as the CLI would.
 * The message in ERROR is complete: "FILE:LINE: why", "FILE: why" ... */
static int job_finish(job_draft *draft, char *error, size_t error_size)
{
    const job_given *given = &draft->given;
    pk_job_spec *spec = &draft->spec;
    const char *file = draft->path != NULL ? draft->path : "--set";
    char where[WHY_SIZE];

    static const setting_id always[] = {SETTING_JOB_KERNEL, SETTING_JOB_COMMAND};
    for (size_t i = 0; i < sizeof always / sizeof always[0]; i++) {
        if (given->origin[always[i]] == ORIGIN_NONE) {
            say(error, error_size, "%s: missing required key %s.%s", file, settings[always[i]].section,
                settings[always[i]].key);
            return PK_EINVAL;
        }
    }

    /* Keys for another command; the first one given. */
    int stray = -1;
    for (int s = 0; s < SETTINGS_TOTAL; s++) {
        if (given->origin[s] != ORIGIN_NONE && !(settings[s].commands & FOR(spec->command)) &&
            (stray < 0 || origin_rank(given->origin[s]) < origin_rank(given->origin[stray])))
            stray = s;
    }
    if (stray >= 0) {
        say(error, error_size, "%s: key %s.%s does not apply to command %s%s",
            origin_name(draft, (setting_id)stray, where, sizeof where), settings[stray].section,
            settings[stray].key, pk_command_name(spec->command),
            given->origin[SETTING_JOB_COMMAND] == ORIGIN_SET ? " (job.command set by --set)" : "");
        return PK_EINVAL;
    }

    /* Settings that contradict each other, as the executor would find. */
    if (spec->json && spec->jsonl) {
        setting_id later = origin_rank(given->origin[SETTING_OUTPUT_JSON]) >
                                   origin_rank(given->origin[SETTING_CHECK_FORMAT])
                               ? SETTING_OUTPUT_JSON
                               : SETTING_CHECK_FORMAT;
        say(error, error_size, "%s: choose one of output.json = true and check.format = jsonl",
            origin_name(draft, later, where, sizeof where));
        return PK_EINVAL;
    }

    setting_id needed = SETTING_RANGE_HI; /* count and list */
    switch (spec->command) {
    case PK_COMMAND_COUNT:
    case PK_COMMAND_LIST:
        break;
    case PK_COMMAND_NTH:
        needed = SETTING_NTH_N;
        break;
    case PK_COMMAND_CHECK:
        needed = SETTING_CHECK_INPUT;
        break;
    }
    if (given->origin[needed] == ORIGIN_NONE) {
        say(error, error_size, "%s: missing required key %s.%s", file, settings[needed].section,
            settings[needed].key);
        return PK_EINVAL;
    }

    spec->nargs = 0;
    switch (spec->command) {
    case PK_COMMAND_COUNT:
    case PK_COMMAND_LIST:
        if (given->origin[SETTING_RANGE_LO] != ORIGIN_NONE)
            spec->args[spec->nargs++] = given->text[SETTING_RANGE_LO];
        spec->args[spec->nargs++] = given->text[SETTING_RANGE_HI];
        break;
    case PK_COMMAND_NTH:
        spec->args[spec->nargs++] = given->text[SETTING_NTH_N];
        break;
    case PK_COMMAND_CHECK:
        for (int i = 0; i < given->ninputs; i++)
            spec->args[spec->nargs++] = given->inputs[i];
        break;
    }
    return PK_OK;
}

/* ---- reading a file through inih ------------------------------------------------- */

typedef struct file_reader {
    job_draft *draft;
    FILE *file;
    int line;           /* lines read so far: the line inih is parsing */
    int line_size;      /* inih's buffer: a line and "\r\n\0" must fit */
    bool stop;          /* an error: read no further */
    bool too_long;      /* the line did not fit inih's buffer */
    int read_errno;     /* non-zero: reading failed */
    int status;         /* of the first error the handler found */
    int error_line;     /* its line */
    char why[WHY_SIZE]; /* its reason */
} file_reader;

/* inih's reader: fgets that counts lines and stops at the first error.
 *
 * It also drops the white space a line starts with.  inih reads an indented
 * line after a key as more of that key's value (Python-style multi-line
 * values), so "  input = b.txt" under "  input = a.txt" would become the
 * inputs "input", "=" and "b.txt", and an indented "command = count" under
 * "kernel = primes" a second kernel; and it strips no comment from such a
 * line.  No setting wants a multi-line value, and people indent keys under
 * their sections, so here an indented line is an ordinary line. */
static char *read_line(char *buffer, int size, void *stream)
{
    file_reader *reader = stream;
    reader->line_size = size;
    if (reader->stop)
        return NULL;
    if (fgets(buffer, size, reader->file) == NULL) {
        if (ferror(reader->file))
            reader->read_errno = errno != 0 ? errno : EIO;
        return NULL;
    }
    reader->line++;
    size_t length = strlen(buffer);
    if (length + 1 == (size_t)size && buffer[length - 1] != '\n') {
        int next = getc(reader->file);
        if (next != EOF || ferror(reader->file)) {
            /* inih would read the rest as a line of its own. */
            reader->read_errno = ferror(reader->file) ? (errno != 0 ? errno : EIO) : 0;
            reader->too_long = next != EOF;
            reader->stop = true;
            return NULL;
        }
    }
    size_t indent = strspn(buffer, " \t");
    if (indent > 0)
        memmove(buffer, buffer + indent, length - indent + 1);
    return buffer;
}

/* inih's handler: one "key = value" of the file. */
static int on_key(void *user, const char *section, const char *key, const char *value)
{
    file_reader *reader = user;
    job_draft *draft = reader->draft;
    if (reader->stop)
        return 1;
    setting_id id = SETTINGS_TOTAL;
    int status = setting_find(section, key, &id, reader->why, sizeof reader->why);
    if (status == PK_OK)
        status = setting_applies(draft, id, reader->why, sizeof reader->why);
    if (status == PK_OK && id != SETTING_CHECK_INPUT && draft->given.origin[id] > 0) {
        say(reader->why, sizeof reader->why, "duplicate key %s.%s (first given on line %d)", settings[id].section,
            settings[id].key, draft->given.origin[id]);
        status = PK_EINVAL;
    }
    if (status == PK_OK)
        status = setting_store(draft, id, value, reader->line, false, reader->why, sizeof reader->why);
    if (status != PK_OK) {
        reader->status = status;
        reader->error_line = reader->line;
        reader->stop = true;
        return 0;
    }
    return 1;
}

/* Reads the whole job file into memory (at most PK_JOB_FILE_MAX_BYTES: a
 * job file is a few lines, and /dev/zero is not one).  A NUL byte would cut
 * a line in two without a word: refused with its line.  Returns a status. */
static int read_job_file(const char *path, char **text, size_t *len, char *error, size_t error_size)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        say(error, error_size, "%s: cannot open: %s", path, strerror(errno));
        return PK_EIO;
    }
    char *buffer = malloc(PK_JOB_FILE_MAX_BYTES + 1);
    size_t have = 0;
    int status = buffer != NULL ? PK_OK : PK_ENOMEM;
    while (status == PK_OK && have <= PK_JOB_FILE_MAX_BYTES) {
        ssize_t n = read(fd, buffer + have, PK_JOB_FILE_MAX_BYTES + 1 - have);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            say(error, error_size, "%s: cannot read: %s", path, strerror(errno));
            status = PK_EIO;
        } else if (n == 0) {
            break;
        } else {
            have += (size_t)n;
        }
    }
    close(fd);
    if (status == PK_OK && have > PK_JOB_FILE_MAX_BYTES) {
        say(error, error_size, "%s: larger than %d KiB: not a job file", path, PK_JOB_FILE_MAX_BYTES >> 10);
        status = PK_EINVAL;
    }
    const char *nul = status == PK_OK ? memchr(buffer, '\0', have) : NULL;
    if (nul != NULL) {
        int line = 1;
        for (const char *c = buffer; c < nul; c++)
            line += *c == '\n';
        say(error, error_size, "%s:%d: contains a NUL byte", path, line);
        status = PK_EINVAL;
    }
    if (status == PK_ENOMEM)
        say(error, error_size, "%s: %s", path, pk_strerror(PK_ENOMEM));
    if (status != PK_OK) {
        free(buffer);
        return status;
    }
    *text = buffer;
    *len = have;
    return PK_OK;
}

int pk_job_file_load(pk_job_spec *spec, pk_job_strings *store, const char *path, char *error, size_t error_size)
{
    if (spec == NULL || store == NULL || path == NULL) {
        say(error, error_size, "pk_job_file_load: %s", pk_strerror(PK_EINVAL));
        return PK_EINVAL;
    }
    char *text = NULL;
    size_t len = 0;
    int read_status = read_job_file(path, &text, &len, error, error_size);
    if (read_status != PK_OK)
        return read_status;
    FILE *file = len > 0 ? fmemopen(text, len, "r") : fopen("/dev/null", "r");
    if (file == NULL) {
        free(text);
        say(error, error_size, "%s: %s", path, pk_strerror(PK_ENOMEM));
        return PK_ENOMEM;
    }
    job_draft draft = {.spec = *spec, .store = store};
    draft.path = store_keep(store, path, strlen(path));
    if (draft.path == NULL) {
        fclose(file);
        free(text);
        say(error, error_size, "%s: %s", path, pk_strerror(PK_ENOMEM));
        return PK_ENOMEM;
    }
    file_reader reader = {.draft = &draft, .file = file};
    int first_error_line = ini_parse_stream(read_line, &reader, on_key, &reader);
    fclose(file);
    free(text);

    if (reader.read_errno != 0) {
        say(error, error_size, "%s: cannot read: %s", path, strerror(reader.read_errno));
        return PK_EIO;
    }
    if (reader.status == PK_ENOMEM || first_error_line < 0) {
        say(error, error_size, "%s: %s", path, pk_strerror(PK_ENOMEM));
        return PK_ENOMEM;
    }
    if (first_error_line > 0) {
        if (reader.status != PK_OK && reader.error_line == first_error_line)
            say(error, error_size, "%s:%d: %s", path, first_error_line, reader.why);
        else /* inih's own: neither a section, a key = value nor a comment */
            say(error, error_size, "%s:%d: expected [section], key = value or a comment", path, first_error_line);
        return PK_EINVAL;
    }
    if (reader.too_long) {
        say(error, error_size, "%s:%d: line too long (at most %d characters)", path, reader.line,
            reader.line_size - 3);
        return PK_EINVAL;
    }
    int status = job_finish(&draft, error, error_size);
    if (status != PK_OK)
        return status;
    *spec = draft.spec;
    store->given = draft.given;
    store->path = draft.path;
    return PK_OK;
}

/* ---- overrides ---------------------------------------------------------------------- */

/* TEXT without the white space at its ends (written into TEXT). */
static char *trim(char *text)
{
    text += strspn(text, " \t");
    size_t length = strlen(text);
    while (length > 0 && (text[length - 1] == ' ' || text[length - 1] == '\t'))
        text[--length] = '\0';
    return text;
}

/* Applies ASSIGNMENT (a copy the function may cut up) to DRAFT: PK_OK, or
 * PK_EINVAL / PK_ENOMEM with the reason in WHY. */
static int override_apply(job_draft *draft, char *assignment, char *why, size_t why_size)
{
    char *equals = strchr(assignment, '=');
    char *dot = strchr(assignment, '.');
    if (equals == NULL || dot == NULL || dot > equals) {
        say(why, why_size, "expected SECTION.KEY=VALUE, such as range.hi=1e11");
        return PK_EINVAL;
    }
    *equals = '\0';
    *dot = '\0';
    const char *section = trim(assignment), *key = trim(dot + 1), *value = trim(equals + 1);
    setting_id id = SETTINGS_TOTAL;
    int status = setting_find(section, key, &id, why, why_size);
    if (status == PK_OK)
        status = setting_applies(draft, id, why, why_size);
    if (status == PK_OK)
        status = setting_store(draft, id, value, ORIGIN_SET, true, why, why_size);
    if (status == PK_ENOMEM)
        say(why, why_size, "%s", pk_strerror(status));
    return status;
}

int pk_job_file_set(pk_job_spec *spec, pk_job_strings *store, const char *assignment, char *error,
                    size_t error_size)
{
    if (spec == NULL || store == NULL || assignment == NULL) {
        say(error, error_size, "pk_job_file_set: %s", pk_strerror(PK_EINVAL));
        return PK_EINVAL;
    }
    char why[WHY_SIZE] = "";
    job_draft draft = {.spec = *spec, .given = store->given, .store = store, .path = store->path};
    char *copy = strdup(assignment);
    int status = PK_ENOMEM;
    if (copy != NULL)
        status = override_apply(&draft, copy, why, sizeof why);
    else
        say(why, sizeof why, "%s", pk_strerror(status));
    free(copy);
    if (status != PK_OK) {
        say(error, error_size, "--set %s: %s", assignment, why);
        return status;
    }
    status = job_finish(&draft, error, error_size);
    if (status != PK_OK)
        return status;
    *spec = draft.spec;
    store->given = draft.given;
    return PK_OK;
}

#else /* built without libinih: job files cannot be read, and we say how to fix that */

struct pk_job_strings {
    int unused;
};

pk_job_strings *pk_job_strings_create(void)
{
    return calloc(1, sizeof(pk_job_strings));
}

void pk_job_strings_free(pk_job_strings *store)
{
    free(store);
}

static int no_inih(char *error, size_t error_size)
{
    if (error != NULL && error_size > 0)
        snprintf(error, error_size, "this build cannot read job files: it has no libinih "
                                    "(apt-get install libinih-dev, then rebuild parkit)");
    return PK_ENOTSUP;
}

int pk_job_file_load(pk_job_spec *spec, pk_job_strings *store, const char *path, char *error, size_t error_size)
{
    (void)spec;
    (void)store;
    (void)path;
    return no_inih(error, error_size);
}

int pk_job_file_set(pk_job_spec *spec, pk_job_strings *store, const char *assignment, char *error,
                    size_t error_size)
{
    (void)spec;
    (void)store;
    (void)assignment;
    return no_inih(error, error_size);
}

#endif
