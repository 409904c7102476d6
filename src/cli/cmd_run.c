/*
 * `parkit run JOB.ini [--set section.key=value ...]`: run a job file.
 *
 * The job file fills the same pk_job_spec the command line fills, and the
 * kernel's runner runs it (primes_run_spec), so a job behaves the same typed at
 * a shell, from a job file, under mpirun and in an sbatch script.
 */
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/heat_cli.h"
#include "cli/mandel_cli.h"
#include "cli/primes_cli.h"
#include "parkit/jobfile.h"
#include "parkit/jobspec.h"
#include "parkit/heat_settings.h"
#include "parkit/mandel_settings.h"
#include "parkit/primes_settings.h"
#include "parkit/status.h"

/* Each kernel's runner of a job spec (the one `parkit KERNEL ...` uses). */
static const struct {
    const pk_kernel_info *kernel;
    int (*run)(const pk_job_spec *spec);
} runners[] = {
    {&pk_primes_kernel, primes_run_spec},
    {&pk_mandel_kernel, mandel_run_spec},
    {&pk_heat_kernel, heat_run_spec},
};

static const char run_usage[] =
    "usage: parkit run JOB.ini [--set section.key=value ...] [common options]\n"
    "\n"
    "Runs the job described in JOB.ini (see jobs/README.md for the format and\n"
    "jobs/*.ini for examples, in the source tree or, installed, in\n"
    "PREFIX/share/parkit/jobs/).  --set overrides one setting, as if it were in\n"
    "the file, e.g. --set range.hi=1e12 --set parallel.threads=4.  The common\n"
    "options override their settings the same way: -t/--threads N, --schedule,\n"
    "--distribute, -o/--output FILE, --json, --time, -q/--quiet, --progress,\n"
    "--no-progress, --timeout SECONDS, --checkpoint FILE, --checkpoint-interval\n"
    "SECONDS, --resume.\n";

/* Under mpirun every rank reads the job file on its own node: the ranks
 * compare its contents with their arguments (cli_ranks_ready). */
static void add_job_file_to_ranks(const char *path)
{
    FILE *file = fopen(path, "r");
    char buffer[4096];
    size_t n;
    while (file != NULL && (n = fread(buffer, 1, sizeof buffer, file)) > 0)
        cli_ranks_add_input(buffer, n);
    if (file != NULL)
        fclose(file);
}

/* The common options after the job file, each the job-file key it
 * overrides (the value after = ; a flag's fixed value). */
static const struct {
    const char *option, *alias;
    const char *key;
    const char *flag_value; /* NULL: the option takes a value */
} overrides[] = {
    {"--threads", "-t", "parallel.threads", NULL},
    {"--schedule", NULL, "parallel.schedule", NULL},
    {"--distribute", NULL, "parallel.distribute", NULL},
    {"--output", "-o", "output.path", NULL},
    {"--json", NULL, "output.json", "true"},
    {"--time", NULL, "output.time", "true"},
    {"--quiet", "-q", "output.quiet", "true"},
    {"--progress", NULL, "output.progress", "on"},
    {"--no-progress", NULL, "output.progress", "off"},
    {"--timeout", NULL, "output.timeout", NULL},
    {"--checkpoint", NULL, "checkpoint.path", NULL},
    {"--checkpoint-interval", NULL, "checkpoint.interval", NULL},
    {"--resume", NULL, "checkpoint.resume", "true"},
};

/* ARGV[*I] as one of the common options: sets its key, as --set would, and
 * says a bad value in the option's own words.  PK_EOF when it is none of
 * them; else a pk_status, with ERROR. */
static int set_override(pk_job_spec *spec, pk_job_strings *store, int argc, char **argv, int *i, char *error,
                        size_t error_size)
{
    const char *arg = argv[*i];
    for (size_t k = 0; k < sizeof overrides / sizeof overrides[0]; k++) {
        const size_t len = strlen(overrides[k].option);
        const char *value = NULL;
        if (strcmp(arg, overrides[k].option) == 0 || (overrides[k].alias != NULL && strcmp(arg, overrides[k].alias) == 0)) {
            if (overrides[k].flag_value != NULL) {
                value = overrides[k].flag_value;
            } else if (*i + 1 < argc) {
                value = argv[++*i];
            } else {
                snprintf(error, error_size, "%s needs a value", arg);
                return PK_EINVAL;
            }
        } else if (overrides[k].flag_value == NULL && strncmp(arg, overrides[k].option, len) == 0 && arg[len] == '=') {
            value = arg + len + 1;
        } else {
            continue;
        }
        char assignment[4200];
        snprintf(assignment, sizeof assignment, "%s=%s", overrides[k].key, value);
        char why[1024] = "";
        int status = pk_job_file_set(spec, store, assignment, why, sizeof why);
        if (status != PK_OK) {
            /* "--set KEY=VALUE: why" in the option's words: "--threads 0: why". */
            const char *reason = strstr(why, ": ");
            snprintf(error, error_size, "%s%s%s: %s", overrides[k].option, overrides[k].flag_value ? "" : " ",
                     overrides[k].flag_value ? "" : value, reason != NULL ? reason + 2 : why);
        }
        return status;
    }
    return PK_EOF;
}

/* Exit code for a job-file problem: bad content is a usage error. */
static int job_file_error(int status, const char *message)
{
    cli_error("run", "%s", message);
    return status == PK_ENOMEM ? PK_EXIT_FAILURE : status == PK_ENOTSUP ? PK_EXIT_FAILURE : PK_EXIT_USAGE;
}

int cli_run(int argc, char **argv)
{
    if (argc < 2) {
        fputs(run_usage, stderr);
        return PK_EXIT_USAGE;
    }
    /* --help anywhere, as every command takes it (a --set's value is a value). */
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--set") == 0) {
            i++;
        } else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            fputs(run_usage, stdout);
            return PK_EXIT_OK;
        }
    }
    pk_job_spec spec;
    pk_job_spec_init(&spec);
    pk_job_strings *store = pk_job_strings_create();
    if (store == NULL) {
        cli_error("run", "out of memory");
        return PK_EXIT_FAILURE;
    }
    char error[1024] = "";
    int status = pk_job_file_load(&spec, store, argv[1], error, sizeof error);
    if (status == PK_OK)
        add_job_file_to_ranks(argv[1]);
    int rc = status == PK_OK ? PK_EXIT_OK : job_file_error(status, error);
    for (int i = 2; i < argc && rc == PK_EXIT_OK; i++) {
        if (strcmp(argv[i], "--set") == 0 && i + 1 < argc) {
            status = pk_job_file_set(&spec, store, argv[++i], error, sizeof error);
            if (status != PK_OK)
                rc = job_file_error(status, error);
        } else if (strncmp(argv[i], "--set=", 6) == 0) {
            status = pk_job_file_set(&spec, store, argv[i] + 6, error, sizeof error);
            if (status != PK_OK)
                rc = job_file_error(status, error);
        } else if ((status = set_override(&spec, store, argc, argv, &i, error, sizeof error)) != PK_EOF) {
            if (status != PK_OK)
                rc = job_file_error(status, error);
        } else {
            cli_error("run", "unknown argument '%s' (usage: parkit run JOB.ini [--set section.key=value ...] "
                             "[--threads N] [--json] [--time] [-o FILE] ...)",
                      argv[i]);
            rc = PK_EXIT_USAGE;
        }
    }
    int (*run)(const pk_job_spec *spec) = NULL;
    for (size_t i = 0; i < sizeof runners / sizeof runners[0]; i++)
        if (runners[i].kernel == spec.kernel)
            run = runners[i].run;
    if (rc == PK_EXIT_OK && run == NULL) {
        cli_error("run", "kernel %s has no runner in this build", spec.kernel->name);
        rc = PK_EXIT_FAILURE;
    } else if (rc == PK_EXIT_OK) {
        rc = run(&spec);
    }
    pk_job_strings_free(store);
    return rc;
}
