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
 * The format: [job], [parallel] threads, schedule and distribute, [output]
 * (but output.format) and [checkpoint] are every kernel's, in the table
 * below; the other keys are the kernel's own, from its table (parkit/kernel.h;
 * for primes src/kernels/primes/primes_settings.c), read through it without a
 * branch here.  For primes:
 *
 *   [job]
 *   kernel = primes       ; required; the kernels are listed in src/job/kernels.c
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
#include "parkit/jobspec.h"
#include "parkit/kernel.h"
#include "parkit/numexpr.h"
#include "parkit/status.h"

#if PK_HAVE_INIH

/* ---- the settings a job file knows --------------------------------------- */

/* The keys every kernel shares are here; a kernel's own keys are in its
 * table (parkit/kernel.h).  A setting is numbered: the shared ones first,
 * then SHARED_TOTAL + k for key k of the job's kernel. */
typedef enum setting_id {
    SETTING_JOB_KERNEL,
    SETTING_JOB_COMMAND,
    SETTING_PARALLEL_THREADS,
    SETTING_PARALLEL_SCHEDULE,
    SETTING_PARALLEL_DISTRIBUTE,
    SETTING_OUTPUT_PATH,
    SETTING_OUTPUT_JSON,
    SETTING_OUTPUT_TIME,
    SETTING_OUTPUT_QUIET,
    SETTING_OUTPUT_PROGRESS,
    SETTING_OUTPUT_TIMEOUT,
    SETTING_CHECKPOINT_PATH,
    SETTING_CHECKPOINT_INTERVAL,
    SETTING_CHECKPOINT_RESUME,
    SHARED_TOTAL,
    SETTINGS_TOTAL = SHARED_TOTAL + PK_KERNEL_MAX_KEYS
} setting_id;

/* Which of the kernel's commands a shared setting applies to. */
typedef enum applies_to {
    TO_ALL,
    TO_OUTPUT_PATH, /* kernel->output_path_commands */
    TO_CHECKPOINT,  /* kernel->checkpoint_commands */
    TO_UNITS,       /* kernel->unit_commands */
} applies_to;

#define STRINGIFY_(x) #x
#define STRINGIFY(x) STRINGIFY_(x)
#define BOOLEAN_VALUES "true, false, yes, no, 1 or 0"

typedef struct shared_setting {
    const char *section;
    const char *key;
    applies_to commands;
    const char *expected; /* what a good value looks like, for messages */
} shared_setting;

/* In the order of the documentation above, which is also the order in
 * which messages list the keys of a section (a kernel's keys of a shared
 * section come after these). */
static const shared_setting shared[SHARED_TOTAL] = {
    [SETTING_JOB_KERNEL] = {"job", "kernel", TO_ALL, NULL /* the kernels' names */},
    [SETTING_JOB_COMMAND] = {"job", "command", TO_ALL, NULL /* the kernel's commands */},
    [SETTING_PARALLEL_THREADS] = {"parallel", "threads", TO_ALL, "a whole number from 1 to " STRINGIFY(PK_MAX_THREADS)},
    [SETTING_PARALLEL_SCHEDULE] = {"parallel", "schedule", TO_UNITS,
                                   "static, dynamic or guided, optionally followed by ,CHUNK"},
    [SETTING_PARALLEL_DISTRIBUTE] = {"parallel", "distribute", TO_UNITS, "block, dynamic or cyclic"},
    [SETTING_OUTPUT_PATH] = {"output", "path", TO_OUTPUT_PATH, "a file name"},
    [SETTING_OUTPUT_JSON] = {"output", "json", TO_ALL, BOOLEAN_VALUES},
    [SETTING_OUTPUT_TIME] = {"output", "time", TO_ALL, BOOLEAN_VALUES},
    [SETTING_OUTPUT_QUIET] = {"output", "quiet", TO_ALL, BOOLEAN_VALUES},
    [SETTING_OUTPUT_PROGRESS] = {"output", "progress", TO_ALL, "auto, on or off"},
    [SETTING_OUTPUT_TIMEOUT] = {"output", "timeout", TO_ALL, "a number of seconds, 0 for none"},
    [SETTING_CHECKPOINT_PATH] = {"checkpoint", "path", TO_CHECKPOINT, "a file name"},
    [SETTING_CHECKPOINT_INTERVAL] = {"checkpoint", "interval", TO_CHECKPOINT, "a positive number of seconds"},
    [SETTING_CHECKPOINT_RESUME] = {"checkpoint", "resume", TO_CHECKPOINT, BOOLEAN_VALUES},
};

/* ---- what was given, and where -------------------------------------------- */

/* Where a setting came from: not given, a line of the job file (> 0), or --set. */
enum { ORIGIN_NONE = 0, ORIGIN_SET = -1 };

typedef struct job_given {
    int origin[SETTINGS_TOTAL]; /* for a list of inputs (PK_KEY_ARGS), its first line */
    const char *text[SETTINGS_TOTAL]; /* each value as written */
    const char *inputs[PK_JOB_MAX_ARGS]; /* of the kernel's PK_KEY_ARGS key */
    int ninputs;
} job_given;

struct pk_job_strings {
    char **strings; /* each malloc'd; freed with the store */
    size_t count, capacity;
    const char *path; /* the job file loaded (in strings); NULL before */
    job_given given;  /* what the file and the overrides so far gave */
};

/* A job being read: a copy of the caller's spec and of the store's record,
 * committed back only when everything checks out.  spec.kernel is the
 * kernel whose keys are read (the job file's, found before the keys are
 * read, since sections may come in any order). */
typedef struct job_draft {
    pk_job_spec spec;
    job_given given;
    pk_job_strings *store;
    const char *path; /* for messages; NULL when no file was loaded */
} job_draft;

enum { WHY_SIZE = 512 };

/* ---- a setting's description, shared or the kernel's ------------------------------ */

/* Setting ID is a shared one (written so that the compiler sees the
 * index stays inside shared[]). */
static bool is_shared(int id)
{
    return (unsigned)id < SHARED_TOTAL;
}

static const pk_kernel_key *kernel_key(const job_draft *draft, int id)
{
    return id >= SHARED_TOTAL ? &draft->spec.kernel->keys[id - SHARED_TOTAL] : NULL;
}

static const char *setting_section(const job_draft *draft, int id)
{
    return is_shared(id) ? shared[id].section : kernel_key(draft, id)->section;
}

static const char *setting_key(const job_draft *draft, int id)
{
    return is_shared(id) ? shared[id].key : kernel_key(draft, id)->key;
}

/* The commands of the kernel that take setting ID (PK_FOR bits). */
static unsigned setting_commands(const job_draft *draft, int id)
{
    if (!is_shared(id))
        return kernel_key(draft, id)->commands;
    switch (shared[id].commands) {
    case TO_OUTPUT_PATH:
        return draft->spec.kernel->output_path_commands;
    case TO_CHECKPOINT:
        return draft->spec.kernel->checkpoint_commands;
    case TO_UNITS:
        return draft->spec.kernel->unit_commands;
    case TO_ALL:
        break;
    }
    return PK_FOR_ALL;
}

/* "primes, the only kernel so far", or "a, b or c". */
static void kernel_names(char *buffer, size_t size)
{
    size_t used = 0;
    int total = 0;
    while (pk_kernel_at(total) != NULL)
        total++;
    for (int i = 0; i < total && used < size; i++)
        used += (size_t)snprintf(buffer + used, size - used, "%s%s", i == 0 ? "" : i + 1 == total ? " or " : ", ",
                                 pk_kernel_at(i)->name);
    if (total == 1 && used < size)
        snprintf(buffer + used, size - used, ", the only kernel so far");
}

static const char *setting_expected(const job_draft *draft, int id, char *buffer, size_t size)
{
    if (id == SETTING_JOB_KERNEL) {
        kernel_names(buffer, size);
        return buffer;
    }
    if (id == SETTING_JOB_COMMAND)
        return draft->spec.kernel->commands_expected;
    return is_shared(id) ? shared[id].expected : kernel_key(draft, id)->expected;
}

static bool shared_section(const char *section)
{
    for (int s = 0; s < SHARED_TOTAL; s++)
        if (strcmp(shared[s].section, section) == 0)
            return true;
    return false;
}

/* Every setting of the draft's kernel in the order of the documentation:
 * [job], the kernel's own sections, then the shared sections, each with
 * the kernel's keys of it after the shared ones.  Returns how many. */
static int settings_in_order(const job_draft *draft, int ids[SETTINGS_TOTAL])
{
    const pk_kernel_info *kernel = draft->spec.kernel;
    int n = 0;
    for (int s = 0; s < SHARED_TOTAL; s++)
        if (strcmp(shared[s].section, "job") == 0)
            ids[n++] = s;
    for (size_t k = 0; k < kernel->nkeys; k++)
        if (!shared_section(kernel->keys[k].section))
            ids[n++] = SHARED_TOTAL + (int)k;
    for (int s = 0; s < SHARED_TOTAL; s++) {
        if (strcmp(shared[s].section, "job") == 0)
            continue;
        ids[n++] = s;
        if (s + 1 < SHARED_TOTAL && strcmp(shared[s + 1].section, shared[s].section) == 0)
            continue;
        for (size_t k = 0; k < kernel->nkeys; k++)
            if (strcmp(kernel->keys[k].section, shared[s].section) == 0)
                ids[n++] = SHARED_TOTAL + (int)k;
    }
    return n;
}

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
static const char *setting_section(const job_draft *draft, int id);
static const char *setting_key(const job_draft *draft, int id);

static const char *origin_name(const job_draft *draft, int id, char *buffer, size_t size)
{
    int origin = draft->given.origin[id];
    if (origin > 0)
        snprintf(buffer, size, "%s:%d", draft->path, origin);
    else
        snprintf(buffer, size, "--set %s.%s", setting_section(draft, id), setting_key(draft, id));
    return buffer;
}

/* Orders origins as they were given: file lines first, then overrides. */
static int origin_rank(int origin)
{
    return origin == ORIGIN_SET ? INT_MAX : origin;
}

/* ---- one setting ---------------------------------------------------------------- */

/* Finds [SECTION] KEY; PK_EINVAL with the reason in WHY when unknown. */
static int setting_find(const job_draft *draft, const char *section, const char *key, int *id, char *why,
                        size_t why_size)
{
    int ids[SETTINGS_TOTAL];
    int total = settings_in_order(draft, ids);
    bool section_known = false;
    for (int i = 0; i < total; i++) {
        if (strcmp(setting_section(draft, ids[i]), section) != 0)
            continue;
        section_known = true;
        if (strcmp(setting_key(draft, ids[i]), key) == 0) {
            *id = ids[i];
            return PK_OK;
        }
    }
    /* "expected job, range, ... or checkpoint", "expected lo or hi" */
    char names[WHY_SIZE / 2] = "";
    size_t used = 0;
    int listed = 0, to_list = 0;
    for (int pass = 0; pass < 2; pass++) {
        for (int i = 0; i < total; i++) {
            const char *name;
            if (section[0] != '\0' && section_known) {
                if (strcmp(setting_section(draft, ids[i]), section) != 0)
                    continue;
                name = setting_key(draft, ids[i]);
            } else {
                name = setting_section(draft, ids[i]);
                bool seen = false; /* each section once, where it first comes */
                for (int j = 0; j < i && !seen; j++)
                    seen = strcmp(setting_section(draft, ids[j]), name) == 0;
                if (seen)
                    continue;
            }
            if (pass == 0) {
                to_list++;
            } else if (used < sizeof names) {
                listed++;
                const char *separator = listed == 1 ? "" : listed == to_list ? " or " : ", ";
                used += (size_t)snprintf(names + used, sizeof names - used, "%s%s", separator, name);
            }
        }
    }
    if (section[0] == '\0')
        say(why, why_size, "key '%s' comes before any [section]", key);
    else if (!section_known)
        say(why, why_size, "unknown section [%s] (expected %s)", section, names);
    else
        say(why, why_size, "unknown key '%s' in section [%s] (expected %s)", key, section, names);
    return PK_EINVAL;
}

/* Does setting ID apply to the job's command, as far as it is known yet? */
static int setting_applies(const job_draft *draft, int id, char *why, size_t why_size)
{
    if (id == SETTING_JOB_COMMAND || draft->given.origin[SETTING_JOB_COMMAND] == ORIGIN_NONE)
        return PK_OK;
    if (setting_commands(draft, id) & PK_FOR(draft->spec.command))
        return PK_OK;
    say(why, why_size, "key %s.%s does not apply to command %s", setting_section(draft, id), setting_key(draft, id),
        pk_job_command_name(&draft->spec));
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

/* Splits VALUE at spaces and tabs and adds the words to the inputs of
 * setting ID (the kernel's PK_KEY_ARGS key). */
static int add_inputs(job_draft *draft, int id, const char *value, char *why, size_t why_size)
{
    static const char blanks[] = " \t";
    for (const char *word = value + strspn(value, blanks); *word != '\0'; word += strspn(word, blanks)) {
        size_t length = strcspn(word, blanks);
        if (draft->given.ninputs == PK_JOB_MAX_ARGS) {
            say(why, why_size, "too many inputs in %s.%s (at most %d)", setting_section(draft, id),
                setting_key(draft, id), PK_JOB_MAX_ARGS);
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

/* A number of seconds from 0 (or above 0 when not ZERO_OK) to 10^9. */
static bool parse_seconds(const char *value, bool zero_ok, double *seconds)
{
    char *end;
    errno = 0;
    double s = strtod(value, &end);
    bool good = *end == '\0' && errno == 0 && (zero_ok ? s >= 0 : s > 0) && s <= 1e9;
    *seconds = good ? s : 0;
    return good;
}

/* A shared setting: whether VALUE is good for it (stored in SPEC). */
static bool store_shared(job_draft *draft, int id, const char *value, const char *copy)
{
    pk_job_spec *spec = &draft->spec;
    switch ((setting_id)id) {
    case SETTING_JOB_KERNEL:
        /* The keys were read for the kernel the file names: it is this one,
         * unless an override names another. */
        return pk_kernel_find(value) == spec->kernel;
    case SETTING_JOB_COMMAND:
        return pk_job_command_parse(spec, value) == PK_OK;
    case SETTING_PARALLEL_THREADS: {
        uint64_t threads = 0;
        bool good = pk_parse_u64(value, &threads, NULL) == PK_OK && threads >= 1 && threads <= PK_MAX_THREADS;
        spec->threads = good ? (int)threads : 0;
        return good;
    }
    case SETTING_PARALLEL_SCHEDULE:
        return pk_schedule_parse(value, &spec->schedule) == PK_OK;
    case SETTING_PARALLEL_DISTRIBUTE:
        spec->distribute_given = pk_distribute_parse(value, &spec->distribute) == PK_OK;
        return spec->distribute_given;
    case SETTING_OUTPUT_PATH:
        spec->output = copy;
        return true;
    case SETTING_OUTPUT_JSON:
        return parse_boolean(value, &spec->json);
    case SETTING_OUTPUT_TIME:
        return parse_boolean(value, &spec->time);
    case SETTING_OUTPUT_QUIET:
        return parse_boolean(value, &spec->quiet);
    case SETTING_OUTPUT_PROGRESS:
        spec->progress = strcmp(value, "on") == 0 ? 1 : strcmp(value, "off") == 0 ? 0 : -1;
        return strcmp(value, "auto") == 0 || strcmp(value, "on") == 0 || strcmp(value, "off") == 0;
    case SETTING_OUTPUT_TIMEOUT:
        return parse_seconds(value, true, &spec->timeout);
    case SETTING_CHECKPOINT_PATH:
        spec->checkpoint = copy;
        return true;
    case SETTING_CHECKPOINT_INTERVAL:
        return parse_seconds(value, false, &spec->checkpoint_interval);
    case SETTING_CHECKPOINT_RESUME:
        return parse_boolean(value, &spec->resume);
    case SHARED_TOTAL:
    case SETTINGS_TOTAL:
        break;
    }
    return false;
}

/* Stores VALUE for setting ID in the draft.  REPLACE_INPUTS: a list of
 * inputs replaces the one so far instead of adding to it.  PK_OK, PK_EINVAL
 * (bad value, reason in WHY) or PK_ENOMEM. */
static int setting_store(job_draft *draft, int id, const char *value, int origin, bool replace_inputs, char *why,
                         size_t why_size)
{
    const char *copy = store_keep(draft->store, value, strlen(value));
    if (copy == NULL)
        return PK_ENOMEM;
    const pk_kernel_key *key = kernel_key(draft, id);
    if (id == SETTING_JOB_KERNEL && value[0] != '\0' && pk_kernel_find(value) != NULL &&
        pk_kernel_find(value) != draft->spec.kernel) {
        say(why, why_size, "cannot make a job of kernel %s one of kernel %s: its keys were read for %s",
            draft->spec.kernel->name, value, draft->spec.kernel->name);
        return PK_EINVAL;
    }
    bool good = value[0] != '\0';
    if (good && key == NULL) {
        good = store_shared(draft, id, value, copy);
    } else if (good && key->kind == PK_KEY_SETTING) {
        good = key->set(draft->spec.settings, copy);
    } else if (good && key->kind == PK_KEY_ARGS) {
        if (replace_inputs)
            draft->given.ninputs = 0;
        int status = add_inputs(draft, id, value, why, why_size);
        if (status != PK_OK)
            return status;
    }
    if (!good) {
        char expected[WHY_SIZE / 2];
        say(why, why_size, "bad value '%s' for %s.%s (expected %s)", value, setting_section(draft, id),
            setting_key(draft, id), setting_expected(draft, id, expected, sizeof expected));
        return PK_EINVAL;
    }
    draft->given.text[id] = copy; /* numbers are kept as written: the runner parses them */
    /* A repeated list of inputs keeps the line that started the list. */
    if (!(key != NULL && key->kind == PK_KEY_ARGS && draft->given.origin[id] > 0 && origin > 0))
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
    const pk_kernel_info *kernel = spec->kernel;
    const char *file = draft->path != NULL ? draft->path : "--set";
    char where[WHY_SIZE];

    static const setting_id always[] = {SETTING_JOB_KERNEL, SETTING_JOB_COMMAND};
    for (size_t i = 0; i < sizeof always / sizeof always[0]; i++) {
        /* A kernel of one command (mandel: image) needs no job.command. */
        const bool one_command = always[i] == SETTING_JOB_COMMAND && kernel != NULL && kernel->commands[1] == NULL;
        if (given->origin[always[i]] == ORIGIN_NONE && !one_command) {
            say(error, error_size, "%s: missing required key %s.%s", file, shared[always[i]].section,
                shared[always[i]].key);
            return PK_EINVAL;
        }
    }

    /* Keys for another command; the first one given. */
    const int total = SHARED_TOTAL + (int)kernel->nkeys;
    int stray = -1;
    for (int s = 0; s < total; s++) {
        if (given->origin[s] != ORIGIN_NONE && !(setting_commands(draft, s) & PK_FOR(spec->command)) &&
            (stray < 0 || origin_rank(given->origin[s]) < origin_rank(given->origin[stray])))
            stray = s;
    }
    if (stray >= 0) {
        say(error, error_size, "%s: key %s.%s does not apply to command %s%s",
            origin_name(draft, stray, where, sizeof where), setting_section(draft, stray), setting_key(draft, stray),
            pk_job_command_name(spec),
            given->origin[SETTING_JOB_COMMAND] == ORIGIN_SET ? " (job.command set by --set)" : "");
        return PK_EINVAL;
    }

    /* Settings that contradict each other, as the executor would find: a
     * JSON report and a kernel's own machine format both want stdout. */
    int format = kernel->stdout_format_key != NULL ? kernel->stdout_format_key(spec->settings) : -1;
    if (spec->json && format >= 0 && given->origin[SHARED_TOTAL + format] != ORIGIN_NONE) {
        int key = SHARED_TOTAL + format;
        int later = origin_rank(given->origin[SETTING_OUTPUT_JSON]) > origin_rank(given->origin[key])
                        ? SETTING_OUTPUT_JSON
                        : key;
        say(error, error_size, "%s: choose one of output.json = true and %s.%s = %s",
            origin_name(draft, later, where, sizeof where), setting_section(draft, key), setting_key(draft, key),
            given->text[key]);
        return PK_EINVAL;
    }

    for (size_t k = 0; k < kernel->nkeys; k++) {
        if ((kernel->keys[k].required & PK_FOR(spec->command)) && given->origin[SHARED_TOTAL + k] == ORIGIN_NONE) {
            say(error, error_size, "%s: missing required key %s.%s", file, kernel->keys[k].section,
                kernel->keys[k].key);
            return PK_EINVAL;
        }
    }

    /* The positional arguments, in the order of the kernel's table. */
    spec->nargs = 0;
    for (size_t k = 0; k < kernel->nkeys; k++) {
        const pk_kernel_key *key = &kernel->keys[k];
        if (!(key->commands & PK_FOR(spec->command)) || given->origin[SHARED_TOTAL + k] == ORIGIN_NONE)
            continue;
        if (key->kind == PK_KEY_ARG && spec->nargs < PK_JOB_MAX_ARGS)
            spec->args[spec->nargs++] = given->text[SHARED_TOTAL + k];
        for (int i = 0; key->kind == PK_KEY_ARGS && i < given->ninputs && spec->nargs < PK_JOB_MAX_ARGS; i++)
            spec->args[spec->nargs++] = given->inputs[i];
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
    int id = SETTINGS_TOTAL;
    int status = setting_find(draft, section, key, &id, reader->why, sizeof reader->why);
    if (status == PK_OK)
        status = setting_applies(draft, id, reader->why, sizeof reader->why);
    bool list = id >= SHARED_TOTAL && draft->spec.kernel->keys[id - SHARED_TOTAL].kind == PK_KEY_ARGS;
    if (status == PK_OK && !list && draft->given.origin[id] > 0) {
        say(reader->why, sizeof reader->why, "duplicate key %s.%s (first given on line %d)", setting_section(draft, id),
            setting_key(draft, id), draft->given.origin[id]);
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

/* The kernel a job file names (its first job.kernel), found before its
 * keys are read, since [job] may come after the kernel's sections. */
typedef struct kernel_scan {
    file_reader reader;
    const char *name; /* NULL: none */
    char name_buffer[256];
} kernel_scan;

static int scan_for_kernel(void *user, const char *section, const char *key, const char *value)
{
    kernel_scan *scan = user;
    if (scan->name == NULL && strcmp(section, "job") == 0 && strcmp(key, "kernel") == 0) {
        snprintf(scan->name_buffer, sizeof scan->name_buffer, "%s", value);
        scan->name = scan->name_buffer;
    }
    return 1;
}

/* The kernel whose keys TEXT holds: the one it names, else (a file that
 * names none or an unknown one fails on that, at its end or its line) the
 * first parkit knows, so the other keys still read as they will. */
static const pk_kernel_info *kernel_named_in(const char *text, size_t len)
{
    kernel_scan scan = {0};
    FILE *file = len > 0 ? fmemopen((void *)text, len, "r") : NULL;
    if (file != NULL) {
        scan.reader.file = file;
        ini_parse_stream(read_line, &scan.reader, scan_for_kernel, &scan);
        fclose(file);
    }
    const pk_kernel_info *kernel = scan.name != NULL ? pk_kernel_find(scan.name) : NULL;
    return kernel != NULL ? kernel : pk_kernel_at(0);
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
    const pk_kernel_info *kernel = kernel_named_in(text, len);
    if (draft.spec.kernel != kernel)
        pk_job_spec_set_kernel(&draft.spec, kernel);
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
    int id = SETTINGS_TOTAL;
    int status = setting_find(draft, section, key, &id, why, why_size);
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
    if (draft.spec.kernel == NULL) /* no file loaded: the keys are the first kernel's */
        pk_job_spec_set_kernel(&draft.spec, pk_kernel_at(0));
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
