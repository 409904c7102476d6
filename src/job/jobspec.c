/* Defaults and names of a job spec (see parkit/jobspec.h). */
#include <string.h>

#include "parkit/jobspec.h"
#include "parkit/status.h"

void pk_job_spec_init(pk_job_spec *spec)
{
    memset(spec, 0, sizeof *spec);
    spec->schedule = (pk_schedule){PK_SCHEDULE_DYNAMIC, 0};
    spec->distribute = PK_DISTRIBUTE_DYNAMIC; /* measured: balances ranks better than blocks */
    spec->progress = -1;
    spec->io_threads = -1;
}

void pk_job_spec_set_kernel(pk_job_spec *spec, const pk_kernel_info *kernel)
{
    spec->kernel = kernel;
    spec->command = 0;
    memset(spec->settings, 0, sizeof spec->settings);
    if (kernel != NULL && kernel->settings_init != NULL)
        kernel->settings_init(spec->settings);
}

const char *pk_job_command_name(const pk_job_spec *spec)
{
    return spec->kernel != NULL ? spec->kernel->commands[spec->command] : "?";
}

int pk_job_command_parse(pk_job_spec *spec, const char *text)
{
    if (spec->kernel == NULL)
        return PK_EINVAL;
    for (int c = 0; spec->kernel->commands[c] != NULL; c++) {
        if (strcmp(text, spec->kernel->commands[c]) == 0) {
            spec->command = c;
            return PK_OK;
        }
    }
    return PK_EINVAL;
}
