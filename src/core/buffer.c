/* A growable byte buffer (see buffer.h). */
#include <stdlib.h>

#include "core/buffer.h"

bool pk_buffer_reserve(char **data, size_t *capacity, size_t needed)
{
    if (needed <= *capacity)
        return true;
    size_t grown_capacity = *capacity > 0 ? *capacity : 1 << 16;
    while (grown_capacity < needed)
        grown_capacity *= 2;
    char *grown = realloc(*data, grown_capacity);
    if (grown == NULL)
        return false;
    *data = grown;
    *capacity = grown_capacity;
    return true;
}
