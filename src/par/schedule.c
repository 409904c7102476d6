/* Text forms of engine settings: OpenMP loop schedules ("static",
 * "dynamic,4", "guided,16") and MPI distributions ("block", "dynamic", "cyclic"). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parkit/engine.h"
#include "parkit/status.h"

static const char *const schedule_names[] = {
    [PK_SCHEDULE_STATIC] = "static",
    [PK_SCHEDULE_DYNAMIC] = "dynamic",
    [PK_SCHEDULE_GUIDED] = "guided",
};

int pk_schedule_parse(const char *text, pk_schedule *schedule)
{
    const char *comma = strchr(text, ',');
    size_t name_len = comma != NULL ? (size_t)(comma - text) : strlen(text);
    for (int kind = PK_SCHEDULE_STATIC; kind <= PK_SCHEDULE_GUIDED; kind++) {
        if (strlen(schedule_names[kind]) != name_len || strncmp(text, schedule_names[kind], name_len) != 0)
            continue;
        int chunk = 0;
        if (comma != NULL) {
            char *end;
            errno = 0;
            long value = strtol(comma + 1, &end, 10);
            if (comma[1] < '0' || comma[1] > '9' || *end != '\0' || errno != 0 || value < 1 || value > 1000000000L)
                return PK_EINVAL;
            chunk = (int)value;
        }
        schedule->kind = (pk_schedule_kind)kind;
        schedule->chunk = chunk;
        return PK_OK;
    }
    return PK_EINVAL;
}

const char *pk_schedule_format(pk_schedule schedule, char *buf, size_t size)
{
    if (schedule.chunk > 0)
        snprintf(buf, size, "%s,%d", schedule_names[schedule.kind], schedule.chunk);
    else
        snprintf(buf, size, "%s", schedule_names[schedule.kind]);
    return buf;
}

static const char *const distribute_names[] = {
    [PK_DISTRIBUTE_BLOCK] = "block",
    [PK_DISTRIBUTE_DYNAMIC] = "dynamic",
    [PK_DISTRIBUTE_CYCLIC] = "cyclic",
};

int pk_distribute_parse(const char *text, pk_distribute *distribute)
{
    for (int d = PK_DISTRIBUTE_BLOCK; d <= PK_DISTRIBUTE_CYCLIC; d++) {
        if (strcmp(text, distribute_names[d]) == 0) {
            *distribute = (pk_distribute)d;
            return PK_OK;
        }
    }
    return PK_EINVAL;
}

const char *pk_distribute_name(pk_distribute distribute)
{
    return distribute_names[distribute];
}
