/*
 * A job: everything that says what to run and how, whoever wrote it down.
 *
 * The command line (`parkit primes ...`) and job files (`parkit run
 * JOB.ini`, parsed in src/job/) fill this same struct, and one executor
 * runs it, so a job behaves the same from a laptop shell, under mpirun and
 * in an sbatch script.  What every kernel shares is here; a kernel's own
 * command and settings are described by its table (parkit/kernel.h) and
 * kept in `settings`.
 */
#ifndef PARKIT_JOBSPEC_H
#define PARKIT_JOBSPEC_H

#include <stdbool.h>
#include <stddef.h>

#include "parkit/engine.h"
#include "parkit/kernel.h"

enum { PK_JOB_MAX_ARGS = 4096 };

typedef struct pk_job_spec {
    /* Whose job this is: its command and settings are the kernel's.  NULL
     * until a front end names the kernel. */
    const pk_kernel_info *kernel;
    int command; /* an index into kernel->commands */
    /* Positional arguments as written (for primes: [LO] HI for count and
     * list, N for nth, numbers, files or '-' for check).  Parsed when the
     * job runs, so both front ends report bad numbers the same way. */
    const char *args[PK_JOB_MAX_ARGS];
    int nargs;
    int threads; /* 0: not set (environment, then the affinity mask decide) */
    pk_schedule schedule;
    pk_distribute distribute;
    bool distribute_given;
    bool json, time, quiet;
    int progress;        /* -1 auto (stderr is a terminal), 0 off, 1 on */
    double timeout;      /* seconds; 0 = none */
    const char *output;  /* the file to write (list -o FILE) */
    int io_threads;             /* output to a stream: writer threads; 0 = compute threads write; -1 = default (1) */
    const char *checkpoint;     /* checkpoint file; NULL = none */
    double checkpoint_interval; /* seconds; 0 = the default (60) */
    bool resume;                /* continue from the checkpoint when there is one */
    /* The kernel's own settings (for primes a pk_primes_settings), set by
     * its table (parkit/kernel.h) or its command line. */
    _Alignas(16) unsigned char settings[PK_KERNEL_SETTINGS_MAX];
} pk_job_spec;

/* The defaults of every kernel: no kernel yet, dynamic schedule, dynamic
 * distribution, progress when stderr is a terminal. */
void pk_job_spec_init(pk_job_spec *spec);
/* Makes SPEC KERNEL's job: its first command, its default settings. */
void pk_job_spec_set_kernel(pk_job_spec *spec, const pk_kernel_info *kernel);

/* The name of SPEC's command ("count"), or "?" without a kernel. */
const char *pk_job_command_name(const pk_job_spec *spec);
/* Sets SPEC's command from its name; PK_OK or PK_EINVAL. */
int pk_job_command_parse(pk_job_spec *spec, const char *text);

/* The kernels parkit knows (src/job/kernels.c): by name, or NULL. */
const pk_kernel_info *pk_kernel_find(const char *name);
/* The I-th kernel, or NULL past the last. */
const pk_kernel_info *pk_kernel_at(int i);

#endif
