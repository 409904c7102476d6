/*
 * Checkpoint files (see parkit/checkpoint.h).
 *
 * Format, all text so a person can read it:
 *   parkit-checkpoint 1
 *   <identity lines, "key value">
 *   units <N>
 *   done <unit> <result>          one line per finished unit
 *   end
 * The closing "end" line tells a complete file from a damaged one.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "parkit/checkpoint.h"
#include "parkit/status.h"

int pk_checkpoint_init(pk_checkpoint *checkpoint, uint64_t units)
{
    memset(checkpoint, 0, sizeof *checkpoint);
    checkpoint->units = units;
    checkpoint->done = calloc(units ? units : 1, 1);
    checkpoint->results = calloc(units ? units : 1, sizeof *checkpoint->results);
    if (checkpoint->done == NULL || checkpoint->results == NULL) {
        pk_checkpoint_free(checkpoint);
        return PK_ENOMEM;
    }
    return PK_OK;
}

void pk_checkpoint_free(pk_checkpoint *checkpoint)
{
    free(checkpoint->done);
    free(checkpoint->results);
    checkpoint->done = NULL;
    checkpoint->results = NULL;
}

uint64_t pk_checkpoint_done_count(const pk_checkpoint *checkpoint)
{
    uint64_t done = 0;
    for (uint64_t u = 0; u < checkpoint->units; u++)
        done += checkpoint->done[u];
    return done;
}

int pk_checkpoint_save(const pk_checkpoint *checkpoint, const char *path)
{
    char temporary[4200];
    if (snprintf(temporary, sizeof temporary, "%s.tmp-%ld", path, (long)getpid()) >= (int)sizeof temporary)
        return PK_EINVAL;
    FILE *out = fopen(temporary, "w");
    if (out == NULL)
        return PK_EIO;
    fprintf(out, "parkit-checkpoint %d\n%s", PK_CHECKPOINT_VERSION, checkpoint->identity);
    fprintf(out, "units %" PRIu64 "\n", checkpoint->units);
    for (uint64_t u = 0; u < checkpoint->units; u++)
        if (checkpoint->done[u])
            fprintf(out, "done %" PRIu64 " %" PRIu64 "\n", u, checkpoint->results[u]);
    fprintf(out, "end\n");
    /* The data must be on disk before the rename makes it the checkpoint. */
    int failed = fflush(out) != 0 || ferror(out) || fsync(fileno(out)) != 0;
    failed |= fclose(out) != 0;
    if (failed || rename(temporary, path) != 0) {
        unlink(temporary);
        return PK_EIO;
    }
    return PK_OK;
}

int pk_checkpoint_load(pk_checkpoint *checkpoint, const char *path, char *why, size_t why_size)
{
    FILE *in = fopen(path, "r");
    if (in == NULL) {
        snprintf(why, why_size, "%s", strerror(errno));
        return errno == ENOENT ? PK_EOF : PK_EIO;
    }
    char *line = NULL;
    size_t capacity = 0;
    int rc = PK_EIO;
    snprintf(why, why_size, "damaged (no 'end' line)");

    /* The header and identity must match line for line. */
    char expected_header[64];
    snprintf(expected_header, sizeof expected_header, "parkit-checkpoint %d\n", PK_CHECKPOINT_VERSION);
    if (getline(&line, &capacity, in) < 0 || strcmp(line, expected_header) != 0) {
        snprintf(why, why_size, "not a parkit checkpoint of format version %d", PK_CHECKPOINT_VERSION);
        rc = PK_EINVAL;
        goto done;
    }
    for (const char *expected = checkpoint->identity; *expected != '\0';) {
        const char *newline = strchr(expected, '\n');
        size_t len = newline != NULL ? (size_t)(newline - expected) + 1 : strlen(expected);
        if (getline(&line, &capacity, in) < 0 || strlen(line) != len || strncmp(line, expected, len) != 0) {
            snprintf(why, why_size, "it belongs to another job (expected '%.*s', found '%s')",
                     (int)(len > 0 && expected[len - 1] == '\n' ? len - 1 : len), expected,
                     line != NULL ? strtok(line, "\n") : "");
            rc = PK_EINVAL;
            goto done;
        }
        expected += len;
    }
    uint64_t units = 0;
    if (getline(&line, &capacity, in) < 0 || sscanf(line, "units %" SCNu64, &units) != 1)
        goto done;
    if (units != checkpoint->units) {
        snprintf(why, why_size, "it belongs to another plan (%" PRIu64 " units, expected %" PRIu64 ")", units,
                 checkpoint->units);
        rc = PK_EINVAL;
        goto done;
    }
    while (getline(&line, &capacity, in) >= 0) {
        uint64_t unit, result;
        if (strcmp(line, "end\n") == 0) {
            rc = PK_OK;
            break;
        }
        if (sscanf(line, "done %" SCNu64 " %" SCNu64, &unit, &result) != 2 || unit >= units) {
            snprintf(why, why_size, "damaged line '%s'", strtok(line, "\n"));
            break;
        }
        checkpoint->done[unit] = 1;
        checkpoint->results[unit] = result;
    }
done:
    free(line);
    fclose(in);
    if (rc != PK_OK)
        memset(checkpoint->done, 0, checkpoint->units);
    return rc;
}
