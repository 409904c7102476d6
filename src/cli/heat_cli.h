/*
 * `parkit heat`: cmd_heat.c parses the command line into a job spec;
 * heat_run.c runs a spec from either front end (the command line or a job
 * file).
 */
#ifndef PK_CLI_HEAT_CLI_H
#define PK_CLI_HEAT_CLI_H

#include "parkit/jobspec.h"

/* A heat job spec: the checks across its settings, the solve, the report.
 * Returns the exit code; collective under MPI. */
int heat_run_spec(const pk_job_spec *spec);

#endif
