/*
 * libFuzzer harness for the job-file parser (src/job/jobfile.c): any bytes
 * as a job file, then as an override (--set): no crash, no hang, no leak,
 * no sanitizer report; a refusal always says why; an accepted job holds
 * together (arguments within bounds, a command, a thread count in range).
 *
 * Built by `make fuzz` with clang and libinih; run by tests/fuzz/run.sh.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "parkit/cpus.h"
#include "parkit/jobfile.h"
#include "parkit/jobspec.h"
#include "parkit/status.h"

static void check_spec(const pk_job_spec *spec)
{
    if (spec->nargs < 0 || spec->nargs > PK_JOB_MAX_ARGS || spec->threads < 0 || spec->threads > PK_MAX_THREADS)
        abort();
    for (int i = 0; i < spec->nargs; i++)
        if (spec->args[i] == NULL)
            abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int fd = -1;
    if (fd < 0 && (fd = memfd_create("parkit-fuzz-job", 0)) < 0)
        abort();
    if (ftruncate(fd, 0) != 0 || pwrite(fd, data, size, 0) != (ssize_t)size)
        abort();
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);

    pk_job_spec spec;
    pk_job_spec_init(&spec);
    pk_job_strings *store = pk_job_strings_create();
    if (store == NULL)
        return 0;
    char error[1024] = "";
    int rc = pk_job_file_load(&spec, store, path, error, sizeof error);
    if (rc != PK_OK && error[0] == '\0')
        abort(); /* every refusal says why */
    if (rc == PK_OK) {
        check_spec(&spec);
        /* The same bytes as an override of the job just read. */
        char *assignment = strndup((const char *)data, size);
        if (assignment != NULL) {
            error[0] = '\0';
            if (pk_job_file_set(&spec, store, assignment, error, sizeof error) != PK_OK && error[0] == '\0')
                abort();
            check_spec(&spec);
            free(assignment);
        }
    }
    pk_job_strings_free(store);
    return 0;
}
