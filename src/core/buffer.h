/*
 * A growable byte buffer, for the text a worker builds unit after unit.
 */
#ifndef PK_CORE_BUFFER_H
#define PK_CORE_BUFFER_H

#include <stdbool.h>
#include <stddef.h>

/* Makes *DATA (*CAPACITY bytes, possibly NULL and 0) hold at least NEEDED
 * bytes, doubling from at least 64 KiB.  false when memory runs out; the
 * buffer is then unchanged. */
bool pk_buffer_reserve(char **data, size_t *capacity, size_t needed);

#endif
