/*
 * `parkit mandel`: cmd_mandel.c parses the command line into a job spec;
 * mandel_run.c runs a spec from either front end (the command line or a
 * job file).
 */
#ifndef PK_CLI_MANDEL_CLI_H
#define PK_CLI_MANDEL_CLI_H

#include "parkit/jobspec.h"

/* A mandel job spec: the checks across its settings, then the image.
 * Returns the exit code; collective under MPI. */
int mandel_run_spec(const pk_job_spec *spec);

#endif
