/*
 * What a kernel tells the front ends about itself: its name, its commands
 * and the table of its own job-file keys (its sections, what each key
 * means, which commands take it).  Job files (src/job/) read any kernel's
 * keys through its table, so a new kernel adds a table, not a branch in
 * the parser.  Only types: a kernel defines one pk_kernel_info, and
 * src/job/kernels.c lists them.
 *
 * The keys every kernel shares ([job], [parallel] threads, schedule and
 * distribute, [output], [checkpoint]) are the job file's own.
 */
#ifndef PARKIT_KERNEL_H
#define PARKIT_KERNEL_H

#include <stdbool.h>
#include <stddef.h>

/* The most keys a kernel's table may have, and the most bytes its
 * settings may take in a job spec. */
enum { PK_KERNEL_MAX_KEYS = 32, PK_KERNEL_SETTINGS_MAX = 192 };

/* A command's bit in the masks below: command numbers index `commands`. */
#define PK_FOR(command) (1u << (command))
#define PK_FOR_ALL (~0u)

typedef enum pk_key_kind {
    PK_KEY_SETTING, /* a value that set() stores in the kernel's settings */
    PK_KEY_ARG,     /* a positional argument, kept as written (the runner parses it) */
    PK_KEY_ARGS,    /* words separated by blanks, each a positional argument; a
                     * repeated key adds more (at most one such key a kernel) */
} pk_key_kind;

typedef struct pk_kernel_key {
    const char *section; /* its own ("range") or a shared one ("parallel") */
    const char *key;
    pk_key_kind kind;
    unsigned commands; /* PK_FOR() bits of the commands that take it */
    unsigned required; /* of those, the ones that need it */
    const char *expected; /* what a good value looks like, for messages */
    /* PK_KEY_SETTING: stores VALUE in SETTINGS; false when it is not good.
     * VALUE lives as long as the job spec, so a setter may keep it (a
     * file name). */
    bool (*set)(void *settings, const char *value);
} pk_kernel_key;

typedef struct pk_kernel_info {
    const char *name;
    const char *const *commands; /* NULL-terminated; a spec's command indexes it */
    const char *commands_expected; /* for messages: "count, list, check or nth" */
    /* In the order of the documentation; positional arguments (ARG, ARGS)
     * in the order the command line takes them. */
    const pk_kernel_key *keys;
    size_t nkeys;
    /* The commands that take output.path and the [checkpoint] keys, those
     * with an I/O stage (--io-threads), and those whose work is units of
     * the unit engine (--schedule, --distribute; a grid's is not). */
    unsigned output_path_commands, checkpoint_commands, io_threads_commands, unit_commands;
    /* How the kernel's checkpoint files begin, when it writes its own
     * instead of the rounds' (parkit/rounds.h); NULL for those. */
    const char *checkpoint_magic;
    /* The kernel's settings: at most PK_KERNEL_SETTINGS_MAX bytes, set to
     * their defaults by settings_init. */
    size_t settings_size;
    void (*settings_init)(void *settings);
    /* Optional: the key (an index into keys) whose value, as set now, writes
     * machine-readable text to stdout, so it cannot go with output.json;
     * -1 when none. */
    int (*stdout_format_key)(const void *settings);
} pk_kernel_info;

/* KERNEL's key named NAME, or NULL (front ends set a key by its name). */
static inline const pk_kernel_key *pk_kernel_key_named(const pk_kernel_info *kernel, const char *name)
{
    for (size_t i = 0; i < kernel->nkeys; i++)
        if (__builtin_strcmp(kernel->keys[i].key, name) == 0)
            return &kernel->keys[i];
    return NULL;
}

#endif
